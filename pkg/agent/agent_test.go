package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/engine/enginefake"
	"github.com/stack-orchestrator/stack/pkg/project"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// load loads a stack file of project "shop".
func load(t testing.TB, yaml string) *types.Project {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := project.Load(context.Background(), project.Options{WorkingDir: dir, Name: "shop", Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// recorder keeps the progress events.
type recorder struct {
	mu     sync.Mutex
	events []stack.Event
}

func (r *recorder) Event(e stack.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// said reports whether an event of status about name has text containing
// substr.
func (r *recorder) said(status stack.Status, name, substr string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e.Status == status && e.Name == name && strings.Contains(e.Text+e.Error, substr) {
			return true
		}
	}
	return false
}

type harness struct {
	t     testing.TB
	f     *enginefake.Engine
	clock *fakeClock
	rec   *recorder
	done  chan error
	agent *Agent
}

// start runs an agent for p on f from the clock's time (Monday 2 March
// 2026, 07:00 UTC unless the test set it) until the test ends.
func start(t testing.TB, p *types.Project, f *enginefake.Engine, clock *fakeClock) *harness {
	t.Helper()
	if clock == nil {
		clock = newClock(time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC))
	}
	f.Now = clock.Now
	h := &harness{t: t, f: f, clock: clock, rec: &recorder{}, done: make(chan error, 1)}
	a, err := New(Options{Engine: f, Project: p, Clock: clock, Sink: h.rec, Parallel: 1, Grace: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h.agent = a
	ctx, cancel := context.WithCancel(context.Background())
	go func() { h.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-h.done; err != nil {
			t.Errorf("agent: %v", err)
		}
	})
	return h
}

// eventually waits for cond, polling: the agent works in the background.
// It bounds the wait only to fail rather than hang; it times nothing.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	h.t.Fatalf("never happened: %s\ncalls: %v\nevents: %v", what, h.f.Calls(), h.rec.events)
}

// running reports whether the container called name runs.
func (h *harness) running(name string) bool {
	c, ok := h.f.Container(name)
	return ok && c.State == engine.StateRunning
}

// count is the number of calls of method on names containing substr.
func (h *harness) count(method, substr string) int {
	n := 0
	for _, c := range h.f.Calls(method) {
		if strings.Contains(c, substr) {
			n++
		}
	}
	return n
}

// advance moves the clock to at once a timer waits for it, so that no
// tick is passed before the agent set its timer.
func (h *harness) advanceTo(at time.Time) {
	h.t.Helper()
	h.eventually("a timer for "+at.Format(time.TimeOnly), func() bool { return h.clock.waiting(at) })
	h.clock.Advance(at.Sub(h.clock.Now()))
}

// runs returns the job's run containers, newest first.
func (h *harness) runs(job string) []engine.Container {
	cs, _ := h.f.ListContainers(context.Background(), engine.Filter{Project: "shop", All: true})
	return stack.Runs(cs, job)
}

const jobFile = `
services:
  db:
    image: busybox
  backup:
    image: busybox
    depends_on: [db]
    x-schedule: {run: "*/10 * * * * *", keep: 2}
`

func TestScheduleRunsTheJobAtEachTickAndKeepsTheLastRuns(t *testing.T) {
	f := enginefake.New("busybox")
	f.Exit["backup"] = 0
	h := start(t, load(t, jobFile), f, nil)
	h.eventually("db started by the converge", func() bool { return h.running("shop-db-1") })
	if n := len(h.runs("backup")); n != 0 {
		t.Fatalf("the converge ran the job %d times, want none", n)
	}
	base := h.clock.Now()
	for i := 1; i <= 4; i++ {
		h.advanceTo(base.Add(time.Duration(i) * 10 * time.Second))
		h.eventually("run", func() bool { return h.count("StartContainer", "-run-") == i })
	}
	h.eventually("finished runs pruned to 2", func() bool { return len(h.runs("backup")) == 2 })
	r := h.runs("backup")[0]
	if r.Labels[stack.LabelRunTrigger] != stack.TriggerSchedule || r.Labels[stack.LabelRunTick] != base.Add(40*time.Second).Format(time.RFC3339) {
		t.Errorf("run labels = %v", r.Labels)
	}
	if !h.rec.said(StatusRun, "backup", `schedule run "*/10 * * * * *"`) {
		t.Error("the run was not logged with its reason")
	}
}

func TestScheduleSkipsATickWhileARunRuns(t *testing.T) {
	f := enginefake.New("busybox")
	h := start(t, load(t, jobFile), f, nil)
	h.eventually("db", func() bool { return h.running("shop-db-1") })
	base := h.clock.Now()
	h.advanceTo(base.Add(10 * time.Second))
	h.eventually("first run", func() bool { return h.count("StartContainer", "-run-") == 1 })
	h.advanceTo(base.Add(20 * time.Second))
	h.eventually("skip noted", func() bool { return h.rec.said(stack.StatusWarning, "backup", "still runs and overlap is skip") })
	if n := h.count("StartContainer", "-run-"); n != 1 {
		t.Fatalf("%d runs started, want 1", n)
	}
	// The run ends; the next tick runs again.
	first := h.runs("backup")[0].Name
	f.Die(first, 0)
	h.advanceTo(base.Add(30 * time.Second))
	h.eventually("second run", func() bool { return h.count("StartContainer", "-run-") == 2 })
}

const officeHours = `
services:
  db:
    image: busybox
  web:
    image: busybox
    depends_on: [db]
    x-schedule: {start: "0 8 * * 1-5", stop: "0 20 * * 1-5"}
  api:
    image: busybox
    depends_on: [web]
`

func TestScheduleStartsAndStopsWithDependenciesInOrder(t *testing.T) {
	f := enginefake.New("busybox")
	// Monday 07:00: the last tick was Friday's stop.
	h := start(t, load(t, officeHours), f, nil)
	h.eventually("db up", func() bool { return h.running("shop-db-1") })
	if h.running("shop-web-1") || h.running("shop-api-1") {
		t.Fatal("web and its dependent api run outside their schedule")
	}
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	h.advanceTo(day.Add(8 * time.Hour))
	h.eventually("web started at 08:00", func() bool { return h.running("shop-web-1") })
	// api depends on web, which was off at the converge: only web is
	// scheduled, so api waits for a start of its own.
	if h.running("shop-api-1") {
		t.Fatal("api started with web; only web is scheduled")
	}
	if err := stack.New(stack.Options{Engine: f}).Up(context.Background(), load(t, officeHours), stack.UpOptions{Services: []string{"api"}}); err != nil {
		t.Fatal(err)
	}
	before := len(f.Calls("StopContainer"))
	h.advanceTo(day.Add(20 * time.Hour))
	h.eventually("web stopped at 20:00", func() bool { return !h.running("shop-web-1") })
	stops := f.Calls("StopContainer")[before:]
	if want := []string{"StopContainer shop-api-1", "StopContainer shop-web-1"}; !slices.Equal(stops, want) {
		t.Fatalf("stops = %v, want dependents first %v", stops, want)
	}
	if !h.running("shop-db-1") {
		t.Error("db, which web needs, was stopped too")
	}
}

func TestTriggers(t *testing.T) {
	for _, tt := range []struct {
		event string
		cause func(f *enginefake.Engine)
	}{
		// The converge's start of db is a start too: runs count from 1.
		{"start", func(f *enginefake.Engine) { f.RestartContainer(context.Background(), "shop-db-1", nil) }},
		{"die", func(f *enginefake.Engine) { f.Die("shop-db-1", 0) }},
		{"exit-0", func(f *enginefake.Engine) { f.Die("shop-db-1", 0) }},
		{"exit-nonzero", func(f *enginefake.Engine) { f.Die("shop-db-1", 3) }},
		{"healthy", func(f *enginefake.Engine) { f.SetHealth("shop-db-1", "healthy") }},
		{"unhealthy", func(f *enginefake.Engine) { f.SetHealth("shop-db-1", "unhealthy") }},
		{"oom", func(f *enginefake.Engine) { f.OOM("shop-db-1") }},
	} {
		t.Run(tt.event, func(t *testing.T) {
			f := enginefake.New("busybox")
			f.Exit["reindex"] = 0
			h := start(t, load(t, `
services:
  db:
    image: busybox
  reindex:
    image: busybox
    x-schedule: {run: "@yearly"}
    x-on: [{when: {service: db, event: `+tt.event+`}, do: run}]
  cache:
    image: busybox
    x-on: [{when: {service: db, event: `+tt.event+`}, do: restart}]
`), f, nil)
			h.eventually("db and cache", func() bool { return h.running("shop-db-1") && h.running("shop-cache-1") })
			before := 0
			if tt.event == "start" {
				before = 1
				h.eventually("the converge's run", func() bool { return h.count("StartContainer", "-run-") == 1 })
			}
			if n := h.count("StartContainer", "-run-"); n != before {
				t.Fatalf("%d runs before the event", n)
			}
			restarts := h.count("RestartContainer", "shop-cache-1")
			tt.cause(f)
			h.eventually("reindex run on "+tt.event, func() bool { return h.count("StartContainer", "shop-reindex-run-") == before+1 })
			h.eventually("cache restarted on "+tt.event, func() bool { return h.count("RestartContainer", "shop-cache-1") > restarts })
			if !h.rec.said(StatusRun, "reindex", tt.event+" of db (shop-db-1)") {
				t.Error("the run was not logged with its reason")
			}
			if r := h.runs("reindex"); len(r) != before+1 || r[0].Labels[stack.LabelRunTrigger] != stack.TriggerEvent {
				t.Errorf("runs = %+v", r)
			}
		})
	}
}

func TestTriggerExitCodesAreTold(t *testing.T) {
	f := enginefake.New("busybox")
	h := start(t, load(t, `
services:
  db:
    image: busybox
  ok:
    image: busybox
    x-schedule: {run: "@yearly"}
    x-on: [{when: {service: db, event: exit-0}, do: run}]
  alarm:
    image: busybox
    x-schedule: {run: "@yearly"}
    x-on: [{when: {service: db, event: exit-nonzero}, do: run}]
`), f, nil)
	h.eventually("db", func() bool { return h.running("shop-db-1") })
	f.Die("shop-db-1", 1)
	h.eventually("alarm", func() bool { return h.count("StartContainer", "shop-alarm-run-") == 1 })
	if n := h.count("StartContainer", "shop-ok-run-"); n != 0 {
		t.Fatalf("exit-0 trigger ran on exit code 1")
	}
}

const supervised = `
services:
  db:
    image: busybox
    healthcheck: {test: ["CMD", "true"]}
  api:
    image: busybox
    depends_on: {db: {condition: service_healthy, restart: true}}
  web:
    image: busybox
    depends_on: {db: {condition: service_started}}
`

// startSupervised runs the agent of the supervised stack until it is up,
// db healthy.
func startSupervised(t testing.TB) (*enginefake.Engine, *harness) {
	f := enginefake.New("busybox")
	f.Health["db"] = "healthy"
	h := start(t, load(t, supervised), f, nil)
	h.eventually("all up", func() bool {
		return h.running("shop-db-1") && h.running("shop-api-1") && h.running("shop-web-1")
	})
	return f, h
}

// webLeftAlone fails t when web, without restart: true, was restarted.
func (h *harness) webLeftAlone() {
	if n := h.count("RestartContainer", "shop-web-1"); n != 0 {
		h.t.Error("web, without restart: true, was restarted")
	}
}

func TestDependentsRestartOnceTheDependencyIsHealthyAgain(t *testing.T) {
	f, h := startSupervised(t)
	// db restarts (stack restart db, or the engine) and is not healthy yet.
	f.Health["db"] = "starting"
	if err := f.RestartContainer(context.Background(), "shop-db-1", nil); err != nil {
		t.Fatal(err)
	}
	h.eventually("api waits for db", func() bool { return h.rec.said(stack.StatusWaiting, "shop-api-1", "shop-db-1") })
	if n := h.count("RestartContainer", "shop-api-1"); n != 0 {
		t.Fatal("api restarted before db was healthy")
	}
	f.SetHealth("shop-db-1", "healthy")
	h.eventually("api restarted", func() bool { return h.count("RestartContainer", "shop-api-1") == 1 })
	if !h.rec.said(StatusRestart, "api", "dependency db restarted") {
		t.Error("the restart was not logged with its reason")
	}
	h.webLeftAlone()
}

func TestAKilledDependencyIsBroughtBackThenItsDependents(t *testing.T) {
	f, h := startSupervised(t)
	died := h.clock.Now()
	f.Die("shop-db-1", 137)
	// The engine's restart policy gets the grace period first.
	h.advanceTo(died.Add(2*time.Second + lookSlack))
	h.eventually("db started again", func() bool { return h.running("shop-db-1") })
	h.eventually("api restarted", func() bool { return h.count("RestartContainer", "shop-api-1") == 1 })
	h.webLeftAlone()
}

func TestADependencyStoppedOnPurposeStaysDown(t *testing.T) {
	f, h := startSupervised(t)
	if err := f.StopContainer(context.Background(), "shop-db-1", nil); err != nil {
		t.Fatal(err)
	}
	// The engine reports the stop right after the die; the fake clock must
	// not jump past the grace period before the agent has seen it.
	db, _ := f.Container("shop-db-1")
	h.eventually("the agent saw the stop", func() bool {
		h.agent.mu.Lock()
		defer h.agent.mu.Unlock()
		return h.agent.stopped[db.ID]
	})
	h.clock.Advance(time.Minute)
	// Give supervision its chance to do the wrong thing.
	h.eventually("a look after the stop", func() bool { return h.clock.Now().After(time.Time{}) })
	time.Sleep(50 * time.Millisecond)
	if h.running("shop-db-1") {
		t.Fatal("db, stopped on purpose, was started again")
	}
}

func TestRestartOnUnhealthyBacksOff(t *testing.T) {
	f := enginefake.New("busybox")
	// Every start reports unhealthy at once: the restarts do not cure it.
	f.Health["web"] = "unhealthy"
	h := start(t, load(t, `
services:
  web:
    image: busybox
    healthcheck: {test: ["CMD", "true"]}
    x-restart-on-unhealthy: true
`), f, nil)
	h.eventually("first restart, at once", func() bool { return h.count("RestartContainer", "shop-web-1") == 1 })
	t0 := h.clock.Now()
	h.advanceTo(t0.Add(10 * time.Second))
	h.eventually("second restart after 10s", func() bool { return h.count("RestartContainer", "shop-web-1") == 2 })
	t1 := h.clock.Now()
	h.eventually("a timer for the next", func() bool { return h.clock.waiting(t1.Add(20 * time.Second)) })
	h.clock.Advance(10 * time.Second)
	time.Sleep(50 * time.Millisecond)
	if n := h.count("RestartContainer", "shop-web-1"); n != 2 {
		t.Fatalf("restarted %d times 10s after the second, want to wait 20s", n)
	}
	h.advanceTo(t1.Add(20 * time.Second))
	h.eventually("third restart after 20s more", func() bool { return h.count("RestartContainer", "shop-web-1") == 3 })
	if !h.rec.said(StatusRestart, "web", "unhealthy") {
		t.Error("the restart was not logged with its reason")
	}
}

func TestConvergeStartsInGraphAndPriorityOrder(t *testing.T) {
	f := enginefake.New("busybox")
	p := load(t, `
services:
  db:
    image: busybox
  cache:
    image: busybox
    x-link-priority: 5
  queue:
    image: busybox
    x-link-priority: 1
  api:
    image: busybox
    depends_on: [db, cache]
`)
	// The stack is there, stopped, as after a reboot.
	st := stack.New(stack.Options{Engine: f})
	if err := st.Up(context.Background(), p, stack.UpOptions{NoStart: true}); err != nil {
		t.Fatal(err)
	}
	h := start(t, p, f, nil)
	h.eventually("all up", func() bool { return h.running("shop-api-1") && h.running("shop-queue-1") })
	got := f.Calls("StartContainer")
	want := []string{"StartContainer shop-cache-1", "StartContainer shop-queue-1", "StartContainer shop-db-1", "StartContainer shop-api-1"}
	if !slices.Equal(got, want) {
		t.Fatalf("start order %v, want %v", got, want)
	}
}

func TestTwoAgentsForOneProject(t *testing.T) {
	f := enginefake.New("busybox", "stack-agent:test")
	p := load(t, jobFile)
	ctx := context.Background()
	first := &ContainerLock{Engine: f, Project: p, Image: "stack-agent:test"}
	if err := first.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	second := &ContainerLock{Engine: f, Project: p, Image: "stack-agent:test"}
	err := second.Acquire(ctx)
	var locked *LockedError
	if !errors.As(err, &locked) || !strings.Contains(err.Error(), `another agent acts for project "shop" (foreground agent, pid`) {
		t.Fatalf("second agent: %v, want a LockedError naming the first", err)
	}
	// With --wait the second takes over when the first goes.
	second.Wait = true
	got := make(chan error, 1)
	go func() { got <- second.Acquire(ctx) }()
	select {
	case err := <-got:
		t.Fatalf("second agent did not wait: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	first.Release(ctx)
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	// A hold left by an engine that stopped under its agent is taken over.
	second.Release(ctx)
	stale := &ContainerLock{Engine: f, Project: p, Image: "stack-agent:test"}
	if err := stale.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	f.Die(AgentName("shop"), 137)
	third := &ContainerLock{Engine: f, Project: p, Image: "stack-agent:test"}
	if err := third.Acquire(ctx); err != nil {
		t.Fatalf("stale hold not taken over: %v", err)
	}
	third.Release(ctx)
}
