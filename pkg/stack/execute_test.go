package stack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// statuses maps each resource name to the last status reported for it.
func (r *recordSink) statuses() map[string]Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]Event{}
	for _, e := range r.events {
		if e.Done {
			out[e.Name] = e
		}
	}
	return out
}

func TestUpFailureReportsOneErrorAndCancelsTheRest(t *testing.T) {
	f := newFake()
	f.fail["StartContainer shop-web-1"] = errors.New("port is already allocated")
	p := testProject("shop", map[string][]string{
		"db": nil, "web": {"db"}, "api": {"web"}, "worker": {"api"}, "cron": {"api"},
	})
	sink := &recordSink{}
	err := New(Options{Engine: f, Sink: sink, Parallel: 1}).Up(context.Background(), p, UpOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), `service "web": `) || !strings.Contains(err.Error(), "port is already allocated") {
		t.Fatalf("err = %v, want web's failure first", err)
	}
	st := sink.statuses()
	errorsSeen := 0
	for name, e := range st {
		if e.Status == StatusError {
			errorsSeen++
			if name != "shop-web-1" {
				t.Errorf("%s reported as an error: %s", name, e.Error)
			}
		}
	}
	if errorsSeen != 1 {
		t.Errorf("%d errors reported, want 1", errorsSeen)
	}
	for _, name := range []string{"shop-api-1", "shop-worker-1", "shop-cron-1"} {
		if e := st[name]; e.Status != StatusCanceled || !strings.Contains(e.Text, `service "web" failed`) {
			t.Errorf("%s: %s %q, want Canceled naming web", name, e.Status, e.Text)
		}
	}
	if e := st["shop-db-1"]; e.Status != StatusStarted {
		t.Errorf("db: %s, want Started", e.Status)
	}
}

// slowStart is the fake engine whose start of one container waits until
// released, and reports whether its context was cancelled meanwhile.
type slowStart struct {
	*fakeEngine
	name     string
	entered  chan struct{}
	release  chan struct{}
	canceled chan bool
	// failing, when set, is a container whose start fails once name's
	// start is in flight.
	failing string
}

func (e *slowStart) StartContainer(ctx context.Context, id string) error {
	c, err := e.InspectContainer(ctx, id)
	switch {
	case err == nil && c.Name == e.name:
		close(e.entered)
		<-e.release
		e.canceled <- ctx.Err() != nil
	case err == nil && c.Name == e.failing:
		<-e.entered
		return errors.New("port is already allocated")
	}
	return e.fakeEngine.StartContainer(ctx, id)
}

func TestUpFailureLetsCallsInFlightFinish(t *testing.T) {
	f := newFake()
	e := &slowStart{fakeEngine: f, name: "shop-slow-1", failing: "shop-bad-1",
		entered: make(chan struct{}), release: make(chan struct{}), canceled: make(chan bool, 1)}
	p := testProject("shop", map[string][]string{"slow": nil, "bad": nil})
	sink := &recordSink{}
	done := make(chan error, 1)
	go func() { done <- New(Options{Engine: e, Sink: sink}).Up(context.Background(), p, UpOptions{}) }()
	<-e.entered
	waitEvent(t, sink, func(ev Event) bool { return ev.Name == "shop-bad-1" && ev.Status == StatusError })
	close(e.release)
	if <-e.canceled {
		t.Error("a start in flight was cancelled by another service's failure")
	}
	if err := <-done; err == nil || !strings.Contains(err.Error(), `service "bad"`) {
		t.Fatalf("err = %v", err)
	}
	if st := sink.statuses()["shop-slow-1"]; st.Status != StatusStarted {
		t.Errorf("slow: %s, want Started: what the engine did is what is reported", st.Status)
	}
}

func TestEngineGoneIsReportedOnce(t *testing.T) {
	f := newFake()
	gone := &engine.UnreachableError{Host: "unix:///run/test.sock", Err: errors.New("connection reset by peer")}
	p := testProject("shop", map[string][]string{"a": nil, "b": nil, "c": nil, "d": nil})
	for _, svc := range []string{"a", "b", "c", "d"} {
		f.fail[fmt.Sprintf("CreateContainer shop-%s-1", svc)] = fmt.Errorf("create container %q: %w", "shop-"+svc+"-1", gone)
	}
	sink := &recordSink{}
	err := New(Options{Engine: f, Sink: sink}).Up(context.Background(), p, UpOptions{})
	var eg *EngineGoneError
	if !errors.As(err, &eg) {
		t.Fatalf("err = %v, want an EngineGoneError", err)
	}
	for _, want := range []string{"unix:///run/test.sock", "went away", "run the command again to finish", "connection reset by peer"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	errs := 0
	for _, e := range sink.events {
		if e.Status == StatusError {
			errs++
		}
	}
	if errs != 1 {
		t.Errorf("%d errors reported, want the engine's going once", errs)
	}
}

func TestInterruptIsNotAnError(t *testing.T) {
	f := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	e := &slowStart{fakeEngine: f, name: "shop-a-1", entered: make(chan struct{}), release: make(chan struct{}), canceled: make(chan bool, 1)}
	p := testProject("shop", map[string][]string{"a": nil, "b": {"a"}})
	sink := &recordSink{}
	done := make(chan error, 1)
	go func() { done <- New(Options{Engine: e, Sink: sink}).Up(ctx, p, UpOptions{}) }()
	<-e.entered
	cancel()
	close(e.release)
	<-e.canceled
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	for _, ev := range sink.events {
		if ev.Status == StatusError {
			t.Errorf("an interrupt reported as an error: %+v", ev)
		}
	}
}

// goneFake is the fake engine that stopped taking connections: what its
// calls in flight saw looks like a failure of the run's own.
type goneFake struct{ *fakeEngine }

func (goneFake) Reachable(context.Context) error {
	return &engine.UnreachableError{Host: "unix:///run/gone.sock", Err: errors.New("connect: connection refused")}
}

func TestAFailureWhileTheEngineGoesIsTheEnginesGoing(t *testing.T) {
	f := newFake()
	f.fail["StartContainer shop-web-1"] = errors.New("exited with code 0")
	err := New(Options{Engine: goneFake{f}}).Up(context.Background(), testProject("shop", map[string][]string{"web": nil}), UpOptions{})
	var eg *EngineGoneError
	if !errors.As(err, &eg) || !strings.Contains(err.Error(), "unix:///run/gone.sock went away") {
		t.Fatalf("err = %v, want the engine's going", err)
	}
}
