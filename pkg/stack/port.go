package stack

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// PublishedPort is one container port published on the host.
type PublishedPort struct {
	Service   string `json:"service"`
	Container string `json:"container"`
	// Number is the container's replica number; Replicas how many
	// containers its service has.
	Number   int    `json:"-"`
	Replicas int    `json:"-"`
	Private  uint16 `json:"private"`
	Protocol string `json:"protocol"`
	HostIP   string `json:"host_ip"`
	HostPort uint16 `json:"host_port"`
}

// Address is the host address of the port: "127.0.0.1:49153", "[::]:80".
func (p PublishedPort) Address() string {
	return net.JoinHostPort(p.HostIP, strconv.Itoa(int(p.HostPort)))
}

// PortOptions tune Port and Ports.
type PortOptions struct {
	Services []string // Ports only; empty: all
	Protocol string   // Port only; "" is tcp
	// Index is the replica number; 0 is the lowest (Port only).
	Index int
}

// Ports lists every published port of the running containers of project,
// sorted by service, number, port and protocol. A port published on both
// IPv4 and IPv6 with the same host port is listed once, with its IPv4
// address.
func (s *Stack) Ports(ctx context.Context, project string, o PortOptions) ([]PublishedPort, error) {
	oneOff := false
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: project, Services: o.Services, OneOff: &oneOff})
	if err != nil {
		return nil, err
	}
	replicas := map[string]int{}
	for _, c := range cs {
		replicas[c.Service]++
	}
	var out []PublishedPort
	for _, c := range cs {
		out = append(out, publishedPorts(c, replicas[c.Service])...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Service != b.Service:
			return a.Service < b.Service
		case a.Number != b.Number:
			return a.Number < b.Number
		case a.Private != b.Private:
			return a.Private < b.Private
		case a.Protocol != b.Protocol:
			return a.Protocol < b.Protocol
		}
		return a.HostPort < b.HostPort
	})
	return out, nil
}

// Port returns the host address that private/protocol of a container of
// service is published on, e.g. "127.0.0.1:49153".
func (s *Stack) Port(ctx context.Context, project, service string, private uint16, o PortOptions) (string, error) {
	proto := o.Protocol
	if proto == "" {
		proto = "tcp"
	}
	oneOff := false
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: project, Services: []string{service}, OneOff: &oneOff})
	if err != nil {
		return "", err
	}
	var c *engine.Container
	for i := range cs {
		if o.Index > 0 && cs[i].Number != o.Index {
			continue
		}
		if c == nil || cs[i].Number < c.Number {
			c = &cs[i]
		}
	}
	if c == nil {
		if o.Index > 0 {
			return "", fmt.Errorf("service %q has no running container with index %d: %w", service, o.Index, engine.ErrNotFound)
		}
		return "", fmt.Errorf("service %q has no running container: %w", service, engine.ErrNotFound)
	}
	for _, p := range publishedPorts(*c, 1) {
		if p.Private == private && p.Protocol == proto {
			return p.Address(), nil
		}
	}
	return "", fmt.Errorf("no port %d/%s published for container %s: %w", private, proto, c.Name, engine.ErrNotFound)
}

// publishedPorts returns the published ports of c, an IPv6 twin of an IPv4
// binding left out.
func publishedPorts(c engine.Container, replicas int) []PublishedPort {
	type key struct {
		private, host uint16
		proto         string
	}
	seen := map[key]int{}
	var out []PublishedPort
	for _, p := range c.Ports {
		if p.HostPort == 0 {
			continue
		}
		proto := p.Protocol
		if proto == "" {
			proto = "tcp"
		}
		pp := PublishedPort{Service: c.Service, Container: c.Name, Number: c.Number, Replicas: replicas,
			Private: p.ContainerPort, Protocol: proto, HostIP: p.HostIP, HostPort: p.HostPort}
		k := key{p.ContainerPort, p.HostPort, proto}
		if i, ok := seen[k]; ok {
			if strings.Contains(out[i].HostIP, ":") && !strings.Contains(p.HostIP, ":") {
				out[i] = pp
			}
			continue
		}
		seen[k] = len(out)
		out = append(out, pp)
	}
	return out
}
