package project

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// dangerousBinds are host paths whose bind mount hands the container the
// host: its whole file system, its configuration, or the engine (which
// starts privileged containers on request).
var dangerousBinds = map[string]string{
	"/":                    "the host's whole file system",
	"/etc":                 "the host's configuration",
	"/var/run/docker.sock": "the Docker engine, and with it the host",
	"/run/docker.sock":     "the Docker engine, and with it the host",
}

// checkBinds warns, once per service, about bind mounts of /, /etc or the
// engine's socket (the default ones, and engineSocket, the path of a unix
// DOCKER_HOST); with strict, the first one is an error. Every service is
// checked, enabled or not.
func checkBinds(p *types.Project, engineSocket string, strict bool, warn func(string)) *Error {
	for _, services := range []types.Services{p.Services, p.DisabledServices} {
		for _, name := range sortedKeysOf(services) {
			var found []string
			for _, v := range services[name].Volumes {
				if v.Type != types.VolumeTypeBind {
					continue
				}
				src := filepath.Clean(v.Source)
				what, ok := dangerousBinds[src]
				if !ok && engineSocket != "" && src == filepath.Clean(engineSocket) {
					what, ok = dangerousBinds["/run/docker.sock"], true
				}
				if ok {
					found = append(found, fmt.Sprintf("%s (%s)", src, what))
				}
			}
			if len(found) == 0 {
				continue
			}
			msg := "binds " + strings.Join(found, " and ") + " into the container: it can change the host"
			if strict {
				return &Error{Service: name, Key: "volumes", Msg: msg + " (refused with --strict)"}
			}
			if warn != nil {
				warn(fmt.Sprintf("service %q: volumes: %s", name, msg))
			}
		}
	}
	return nil
}
