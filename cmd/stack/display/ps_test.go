package display

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

func TestPorts(t *testing.T) {
	tests := []struct {
		name  string
		ports []engine.Port
		want  string
	}{
		{"none", nil, ""},
		{"exposed", []engine.Port{{ContainerPort: 80, Protocol: "tcp"}}, "80/tcp"},
		{"published", []engine.Port{
			{HostIP: "0.0.0.0", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
			{HostIP: "::", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
		}, "0.0.0.0:8080->80/tcp, :::8080->80/tcp"},
		{"range", []engine.Port{
			{HostIP: "0.0.0.0", HostPort: 8001, ContainerPort: 81, Protocol: "tcp"},
			{HostIP: "0.0.0.0", HostPort: 8000, ContainerPort: 80, Protocol: "tcp"},
			{HostIP: "0.0.0.0", HostPort: 9000, ContainerPort: 90, Protocol: "udp"},
		}, "0.0.0.0:8000-8001->80-81/tcp, 0.0.0.0:9000->90/udp"},
		{"exposed range", []engine.Port{
			{ContainerPort: 5000, Protocol: "tcp"}, {ContainerPort: 5001, Protocol: "tcp"}, {ContainerPort: 5003, Protocol: "tcp"},
		}, "5000-5001/tcp, 5003/tcp"},
	}
	for _, tt := range tests {
		if got := Ports(tt.ports); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func containers() []engine.Container {
	created := time.Date(2024, 1, 2, 3, 0, 0, 0, time.UTC)
	return []engine.Container{
		{ID: "0123456789abcdef", Name: "shop-db-1", Image: "mariadb", Project: "shop", Service: "db", Number: 1,
			State: "running", Status: "Up 2 minutes (healthy)", Health: "healthy", Created: created,
			Networks: []string{"shop_default"}, Labels: map[string]string{"b": "2", "a": "1"}},
		{ID: "fedcba9876543210", Name: "shop-web-1", Image: "nginx", Project: "shop", Service: "web", Number: 1,
			State: "exited", Status: "Exited (3) 1 minute ago", Created: created,
			Ports: []engine.Port{{HostIP: "0.0.0.0", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}},
	}
}

func TestPsTable(t *testing.T) {
	var b bytes.Buffer
	rows := NewPsRows(containers(), time.Date(2024, 1, 2, 3, 2, 0, 0, time.UTC))
	if err := WritePs(&b, PsTable, rows); err != nil {
		t.Fatal(err)
	}
	want := `NAME         IMAGE     SERVICE   CREATED         STATUS                    PORTS
shop-db-1    mariadb   db        2 minutes ago   Up 2 minutes (healthy)    
shop-web-1   nginx     web       2 minutes ago   Exited (3) 1 minute ago   0.0.0.0:8080->80/tcp
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestPsJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WritePs(&b, PsJSON, NewPsRows(containers(), time.Now())); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one object per line, got %q", b.String())
	}
	var db, web map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &db); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &web); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		obj   map[string]any
		key   string
		value any
	}{
		{db, "ID", "0123456789ab"},
		{db, "Name", "shop-db-1"},
		{db, "Service", "db"},
		{db, "Project", "shop"},
		{db, "State", "running"},
		{db, "Health", "healthy"},
		{db, "Ports", ""},
		{db, "Labels", "a=1,b=2"},
		{db, "ExitCode", 0.0},
		{web, "ExitCode", 3.0},
		{web, "Ports", "0.0.0.0:8080->80/tcp"},
	}
	for _, c := range checks {
		if got := c.obj[c.key]; got != c.value {
			t.Errorf("%s = %#v, want %#v", c.key, got, c.value)
		}
	}
	pubs, ok := web["Publishers"].([]any)
	if !ok || len(pubs) != 1 {
		t.Fatalf("Publishers = %#v", web["Publishers"])
	}
	want := map[string]any{"URL": "0.0.0.0", "PublishedPort": 8080.0, "TargetPort": 80.0, "Protocol": "tcp"}
	for k, v := range want {
		if got := pubs[0].(map[string]any)[k]; got != v {
			t.Errorf("Publishers[0].%s = %#v, want %#v", k, got, v)
		}
	}
	if p, ok := db["Publishers"].([]any); !ok || len(p) != 0 {
		t.Errorf("Publishers of db = %#v, want []", db["Publishers"])
	}
}

func TestPsTemplate(t *testing.T) {
	var b bytes.Buffer
	if err := WritePs(&b, "{{.Name}} {{.State}}", NewPsRows(containers(), time.Now())); err != nil {
		t.Fatal(err)
	}
	if want := "shop-db-1 running\nshop-web-1 exited\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	if err := WritePs(&b, "{{.Name", nil); err == nil {
		t.Error("a broken template must be an error")
	}
}
