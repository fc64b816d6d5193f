package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

func TestServiceStates(t *testing.T) {
	c := func(state, health, status string) engine.Container {
		return engine.Container{Service: "s", State: state, Health: health, Status: status}
	}
	for _, tc := range []struct {
		name string
		cs   []engine.Container
		want State
		code *int
		up   int
	}{
		{"no container", nil, StateNone, nil, 0},
		{"created", []engine.Container{c("created", "", "Created")}, StateCreated, nil, 0},
		{"health pending", []engine.Container{c("running", "starting", "Up 1 second (health: starting)")}, StateStarting, nil, 1},
		{"healthy", []engine.Container{c("running", "healthy", "Up 1 minute (healthy)")}, StateHealthy, nil, 1},
		{"failed", []engine.Container{c("exited", "", "Exited (3) 2 seconds ago")}, StateExited, ptr(3), 0},
		{"one of three failed wins", []engine.Container{c("running", "", "Up"), c("exited", "", "Exited (1) now"), c("exited", "", "Exited (0) now")}, StateExited, ptr(1), 1},
		{"unhealthy beats everything", []engine.Container{c("exited", "", "Exited (1) now"), c("running", "unhealthy", "Up (unhealthy)")}, StateUnhealthy, nil, 1},
		{"a clean exit is less pressing than starting", []engine.Container{c("exited", "", "Exited (0) now"), c("running", "starting", "Up")}, StateStarting, nil, 1},
		{"paused counts as up", []engine.Container{c("paused", "", "Up (Paused)")}, StatePaused, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s ServiceView
			fillContainers(&s, tc.cs)
			if s.State != tc.want || s.Up != tc.up || !sameCode(s.ExitCode, tc.code) {
				t.Errorf("state %s code %v up %d, want %s %v %d", s.State, deref(s.ExitCode), s.Up, tc.want, deref(tc.code), tc.up)
			}
		})
	}
}

func TestViewFromLabels(t *testing.T) {
	cs := []engine.Container{
		{Name: "p-web-1", Service: "web", Number: 1, State: "running", Image: "web", Labels: map[string]string{engine.LabelDependsOn: "db:service_healthy:false,gone:service_started:false"},
			Ports: []engine.Port{{HostIP: "0.0.0.0", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}, {HostIP: "::", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}},
		{Name: "p-db-1", Service: "db", Number: 1, State: "running", Health: "healthy"},
		{Name: "p-run-1", Service: "web", OneOff: true, State: "running"},
	}
	v := buildView("p", nil, cs)
	if v.File || len(v.Services) != 2 {
		t.Fatalf("view %+v", v)
	}
	web := v.Services[1]
	if web.Name != "web" || len(web.Deps) != 1 || web.Deps[0] != (EdgeView{To: "db", Kind: stack.EdgeDependsOn, Condition: "service_healthy"}) {
		t.Errorf("web's edges from labels: %+v", web.Deps)
	}
	if len(web.Ports) != 1 || web.Desired != -1 || len(web.Containers) != 1 {
		t.Errorf("web: ports %+v desired %d containers %d (one-off containers are not the service's)", web.Ports, web.Desired, len(web.Containers))
	}
}

func TestViewFromFile(t *testing.T) {
	p := shopProject(t)
	v := buildView("shop", p, []engine.Container{running("db", 1, "healthy"), {Name: "shop-old-1", Service: "old", State: "exited", Status: "Exited (0) 1 hour ago"}})
	names := []string{}
	for _, s := range v.Services {
		names = append(names, s.Name)
	}
	if got := len(names); got != 5 || names[4] != "old" || !v.Services[4].Orphan {
		t.Fatalf("services %q (the orphan last): %+v", names, v.Services[4])
	}
	api := v.Services[0]
	if api.Name != "api" || api.State != StateNone || api.Desired != 1 || len(api.Deps) != 2 {
		t.Fatalf("api %+v", api)
	}
	if api.Deps[0].To != "cache" || api.Deps[0].Kind != stack.EdgeLinks || api.Deps[1].Condition != "service_healthy" {
		t.Errorf("api's edges %+v", api.Deps)
	}
	web := v.Services[3]
	if web.Scalable || len(web.Ports) != 1 || web.Ports[0].HostPort != 8080 {
		t.Errorf("web publishes the fixed port 8080: scalable %v ports %+v", web.Scalable, web.Ports)
	}
}

func TestLogSeam(t *testing.T) {
	t0 := time.Now()
	line := func(c string, d time.Duration, text string) stack.LogLine {
		return stack.LogLine{Time: t0.Add(d), Service: c, Container: "p-" + c + "-1", Line: text}
	}
	c := &client{}
	sub := &logSub{loading: true}
	c.logs = sub
	// The shared follower runs ahead of the page's first read.
	c.addLogs([]stack.LogLine{line("a", 1, "a1"), line("a", 2, "a2"), line("b", 1, "b1")})
	c.historyRead(sub, []stack.LogLine{line("a", 1, "a1"), line("a", 0, "a0")}, 10)
	// A follower that resumes may send a line again.
	c.addLogs([]stack.LogLine{line("a", 2, "a2"), line("a", 1, "a1"), line("a", 3, "a3")})
	m, ok := c.takeLogs()
	if !ok || m.Type != "logs-history" || len(m.Lines) != 2 || m.Lines[0].L != "a0" {
		t.Fatalf("first message %+v", m)
	}
	m, _ = c.takeLogs()
	var got []string
	for _, l := range m.Lines {
		got = append(got, l.L)
	}
	if want := "a2 b1 a2 a3"; strings.Join(got, " ") != want {
		// a2 twice: the seam drops what the first read had; the hub's
		// feed, not the page, drops what the follower resent.
		t.Errorf("lines after the first read %q, want %q", strings.Join(got, " "), want)
	}
}

func ptr(i int) *int { return &i }

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func sameCode(a, b *int) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}
