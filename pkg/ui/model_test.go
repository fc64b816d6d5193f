package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

func TestServiceStates(t *testing.T) {
	c := func(state, health, status string) engine.Container {
		return engine.Container{Service: "s", State: engine.State(state), Health: health, Status: status}
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

func TestEmptyView(t *testing.T) {
	// The page maps over the services: an empty list, never null.
	if v := buildView("p", nil, nil); v.Services == nil {
		t.Error("a project without containers or file has nil services")
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

func TestKeptLines(t *testing.T) {
	t0 := time.Now()
	line := func(svc string, d time.Duration, text string) stack.LogLine {
		return stack.LogLine{Time: t0.Add(d), Service: svc, Container: "p-" + svc + "-1", Line: text}
	}
	var k keptLines
	// The follower runs ahead of the first read, which overlaps it.
	k.add(line("a", 20, "a2"))
	k.add(line("b", 15, "b1"))
	if k.covers(nil) || k.covers(map[string]bool{"a": true}) {
		t.Fatal("lines of the follower alone cover nothing")
	}
	k.seed([]stack.LogLine{line("a", 10, "a1"), line("a", 0, "a0"), line("a", 20, "a2")}, []string{"a"})
	if !k.covers(map[string]bool{"a": true}) || k.covers(nil) || k.covers(map[string]bool{"a": true, "b": true}) {
		t.Fatal("a read of a covers a, only")
	}
	var got []string
	for _, l := range k.snapshot(&logSub{tail: 10}) {
		got = append(got, l.L)
	}
	if want := "a0 a1 b1 a2"; strings.Join(got, " ") != want {
		t.Errorf("kept lines %q, want %q", strings.Join(got, " "), want)
	}
	got = nil
	for _, l := range k.snapshot(&logSub{tail: 2, services: map[string]bool{"a": true}}) {
		got = append(got, l.L)
	}
	if want := "a1 a2"; strings.Join(got, " ") != want {
		t.Errorf("a's last two %q, want %q", strings.Join(got, " "), want)
	}
	k.seed(nil, nil)
	if !k.covers(nil) {
		t.Error("a read of all services covers all")
	}
}

func TestKeptLinesBounded(t *testing.T) {
	var k keptLines
	long := strings.Repeat("x", 1000)
	for i := range 20000 {
		k.add(stack.LogLine{Time: time.Unix(0, int64(i)), Service: "s", Container: fmt.Sprintf("c%d", i%20), Line: long})
	}
	if k.bytes > ringBytes {
		t.Errorf("kept %d bytes, bound %d", k.bytes, ringBytes)
	}
	for name, g := range k.byContainer {
		if len(g.lines) > ringLines {
			t.Errorf("%s keeps %d lines, bound %d", name, len(g.lines), ringLines)
		}
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

func TestHealthyBounds(t *testing.T) {
	t0 := time.Now()
	ts := []stack.ContainerTimes{
		{Service: "db", Started: t0},
		{Service: "api", Started: t0.Add(3 * time.Second)},
		{Service: "worker", Started: t0.Add(2 * time.Second)},
		{Service: "web", Started: t0.Add(time.Second)},
	}
	deps := map[string][]EdgeView{
		"api":    {{To: "db", Condition: "service_healthy"}},
		"worker": {{To: "db", Condition: "service_healthy"}},
		"web":    {{To: "db", Condition: "service_started"}},
	}
	by := healthyBounds(ts, deps)
	if got := by["db"]; !got.Equal(t0.Add(2 * time.Second)) {
		t.Errorf("db healthy by %v, want the start of worker, the first that waited for it", got.Sub(t0))
	}
}
