package display

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

func TestWritePorts(t *testing.T) {
	ports := []stack.PublishedPort{
		{Service: "web", Container: "shop-web-1", Number: 1, Replicas: 2, Private: 80, Protocol: "tcp", HostIP: "127.0.0.1", HostPort: 49153},
		{Service: "web", Container: "shop-web-2", Number: 2, Replicas: 2, Private: 80, Protocol: "tcp", HostIP: "::", HostPort: 49154},
		{Service: "my-dns.local", Container: "shop-my-dns.local-1", Number: 1, Replicas: 1, Private: 53, Protocol: "udp", HostIP: "0.0.0.0", HostPort: 5353},
	}
	for _, tc := range []struct{ format, want string }{
		{PortEnv, "WEB_1_80_TCP=127.0.0.1:49153\nWEB_2_80_TCP=[::]:49154\nMY_DNS_LOCAL_53_UDP=0.0.0.0:5353\n"},
		{PortText, "shop-web-1 80/tcp -> 127.0.0.1:49153\nshop-web-2 80/tcp -> [::]:49154\nshop-my-dns.local-1 53/udp -> 0.0.0.0:5353\n"},
	} {
		var b bytes.Buffer
		if err := WritePorts(&b, tc.format, ports); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.format, b.String(), tc.want)
		}
	}
	var b bytes.Buffer
	if err := WritePorts(&b, PortJSON, ports[:1]); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"service": "web", "container": "shop-web-1", "private": 80.0, "protocol": "tcp", "host_ip": "127.0.0.1", "host_port": 49153.0}
	if len(got) != 1 || len(got[0]) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[0][k] != v {
			t.Errorf("%s: got %v, want %v", k, got[0][k], v)
		}
	}
	b.Reset()
	_ = WritePorts(&b, PortJSON, nil)
	if b.String() != "[]\n" {
		t.Errorf("no ports as JSON: %q", b.String())
	}
}
