package display

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Formats of port --all.
const (
	PortText = "text"
	PortEnv  = "env"
	PortJSON = "json"
)

// PortFormats are the values of port --format.
var PortFormats = []string{PortText, PortEnv, PortJSON}

// WritePorts writes published ports in format:
//
//	text: "web-1 80/tcp -> 127.0.0.1:49153", one per line
//	env:  "WEB_80_TCP=127.0.0.1:49153" (WEB_2_80_TCP when web has more
//	      than one container)
//	json: an array of {service, container, private, protocol, host_ip,
//	      host_port}
func WritePorts(w io.Writer, format string, ports []stack.PublishedPort) error {
	switch format {
	case "", PortText:
		for _, p := range ports {
			if _, err := fmt.Fprintf(w, "%s %d/%s -> %s\n", p.Container, p.Private, p.Protocol, p.Address()); err != nil {
				return err
			}
		}
		return nil
	case PortEnv:
		for _, p := range ports {
			if _, err := fmt.Fprintf(w, "%s=%s\n", PortEnvName(p), p.Address()); err != nil {
				return err
			}
		}
		return nil
	case PortJSON:
		if ports == nil {
			ports = []stack.PublishedPort{}
		}
		b, err := json.MarshalIndent(ports, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return fmt.Errorf("unsupported format %q: use one of %s", format, strings.Join(PortFormats, ", "))
}

// PortEnvName is the environment variable name of a published port:
// SERVICE[_N]_PORT_PROTO, upper-cased, every character but letters and
// digits replaced by "_"; the replica number only when the service has
// more than one container.
func PortEnvName(p stack.PublishedPort) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(p.Service) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if p.Replicas > 1 {
		b.WriteString("_" + strconv.Itoa(p.Number))
	}
	b.WriteString("_" + strconv.Itoa(int(p.Private)) + "_" + strings.ToUpper(p.Protocol))
	return b.String()
}
