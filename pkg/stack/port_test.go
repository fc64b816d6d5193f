package stack

import (
	"context"
	"errors"
	"testing"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

func engineFilter(project, service string) engine.Filter {
	return engine.Filter{Project: project, Services: []string{service}, All: true}
}

// publish sets the ports the fake reports for a container.
func publish(f *fakeEngine, name string, ports ...engine.Port) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.c.Name == name {
			c.c.Ports = ports
		}
	}
}

func TestPortAndPorts(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil, "dns": nil})
	s := New(Options{Engine: f})
	if err := s.Up(ctx, p, UpOptions{Scale: map[string]int{"web": 2}}); err != nil {
		t.Fatal(err)
	}
	publish(f, "shop-web-1",
		engine.Port{HostIP: "0.0.0.0", HostPort: 49153, ContainerPort: 80, Protocol: "tcp"},
		engine.Port{HostIP: "::", HostPort: 49153, ContainerPort: 80, Protocol: "tcp"},
		engine.Port{ContainerPort: 443, Protocol: "tcp"})
	publish(f, "shop-web-2", engine.Port{HostIP: "127.0.0.1", HostPort: 49154, ContainerPort: 80, Protocol: "tcp"})
	publish(f, "shop-dns-1", engine.Port{HostIP: "127.0.0.1", HostPort: 5353, ContainerPort: 53, Protocol: "udp"})

	for _, tc := range []struct {
		service string
		port    uint16
		o       PortOptions
		want    string
	}{
		{"web", 80, PortOptions{}, "0.0.0.0:49153"},
		{"web", 80, PortOptions{Index: 2}, "127.0.0.1:49154"},
		{"dns", 53, PortOptions{Protocol: "udp"}, "127.0.0.1:5353"},
	} {
		got, err := s.Port(ctx, "shop", tc.service, tc.port, tc.o)
		if err != nil || got != tc.want {
			t.Errorf("port %s %d %+v: got %q, %v; want %q", tc.service, tc.port, tc.o, got, err, tc.want)
		}
	}
	for _, bad := range []struct {
		service string
		port    uint16
		o       PortOptions
	}{
		{"web", 443, PortOptions{}},               // exposed, not published
		{"dns", 53, PortOptions{}},                // tcp asked, udp published
		{"web", 80, PortOptions{Index: 3}},        // no such replica
		{"web", 81, PortOptions{Protocol: "tcp"}}, // no such port
	} {
		if got, err := s.Port(ctx, "shop", bad.service, bad.port, bad.o); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("port %s %d %+v: got %q, %v; want ErrNotFound", bad.service, bad.port, bad.o, got, err)
		}
	}

	all, err := s.Ports(ctx, "shop", PortOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []PublishedPort{
		{Service: "dns", Container: "shop-dns-1", Number: 1, Replicas: 1, Private: 53, Protocol: "udp", HostIP: "127.0.0.1", HostPort: 5353},
		{Service: "web", Container: "shop-web-1", Number: 1, Replicas: 2, Private: 80, Protocol: "tcp", HostIP: "0.0.0.0", HostPort: 49153},
		{Service: "web", Container: "shop-web-2", Number: 2, Replicas: 2, Private: 80, Protocol: "tcp", HostIP: "127.0.0.1", HostPort: 49154},
	}
	if len(all) != len(want) {
		t.Fatalf("got %+v, want %+v", all, want)
	}
	for i := range want {
		if all[i] != want[i] {
			t.Errorf("port %d: got %+v, want %+v", i, all[i], want[i])
		}
	}
}
