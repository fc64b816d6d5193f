package stack

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// waitEvent blocks until sink has an event matching ok, or fails.
func waitEvent(t *testing.T, sink *recordSink, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		sink.mu.Lock()
		for _, e := range sink.events {
			if ok(e) {
				sink.mu.Unlock()
				return e
			}
		}
		sink.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no such event in %v", sink.events)
	return Event{}
}

func lockingStack(f *lockingFake, sink Sink, o LockOptions) *Stack {
	return New(Options{Engine: f, Sink: sink, Lock: &o})
}

func TestLockSecondUpWaitsForTheFirst(t *testing.T) {
	f := newLockingFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	first := lockingStack(f, nil, LockOptions{Command: "stack up"})
	held, err := first.Lock(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	sink := &recordSink{}
	second := lockingStack(f, sink, LockOptions{Command: "stack up"})
	done := make(chan error, 1)
	go func() { done <- second.Up(context.Background(), p, UpOptions{}) }()
	w := waitEvent(t, sink, func(e Event) bool { return e.Status == StatusWaiting && e.Kind == KindProject })
	if !strings.Contains(w.Text, `"stack up"`) || !strings.Contains(w.Text, "pid") {
		t.Errorf("waiting message does not name the holder: %q", w.Text)
	}
	if n := len(f.called("CreateContainer")); n != 0 {
		t.Fatalf("the waiting up created %d containers", n)
	}
	held.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(f.called("CreateContainer")); n != 2 {
		t.Errorf("created %d containers, want 2", n)
	}
	if _, ok := f.held("shop"); ok {
		t.Error("the lock is still held after both ended")
	}
}

func TestLockNoWaitNamesTheHolder(t *testing.T) {
	f := newLockingFake()
	f.put("shop", engine.LockHolder{Host: "elsewhere", PID: 4242, Command: "stack down", Token: "x"})
	s := lockingStack(f, nil, LockOptions{Command: "stack up", NoWait: true})
	err := s.Up(context.Background(), testProject("shop", map[string][]string{"web": nil}), UpOptions{})
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("got %v, want a LockedError", err)
	}
	for _, want := range []string{`"stack down"`, "pid 4242", "elsewhere", "--no-wait-lock"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if n := len(f.called("ListContainers")); n != 0 {
		t.Errorf("observed the project %d times without the lock", n)
	}
}

func TestLockOfAGoneLocalProcessIsTakenOver(t *testing.T) {
	f := newLockingFake()
	me := lockingStack(f, nil, LockOptions{}).holder()
	if me.Boot == "" {
		t.Skip("no /proc: processes cannot be looked up")
	}
	// This process's PID with another start time: a reused PID.
	dead := me
	dead.PIDStart, dead.Token, dead.Command = "1", "old", "stack up"
	f.put("shop", dead)
	sink := &recordSink{}
	s := lockingStack(f, sink, LockOptions{Command: "stack down", NoWait: true})
	if err := s.Down(context.Background(), "shop", nil, DownOptions{}); err != nil {
		t.Fatal(err)
	}
	w := waitEvent(t, sink, func(e Event) bool { return e.Status == StatusWarning && e.Kind == KindProject })
	if !strings.Contains(w.Text, "has ended") {
		t.Errorf("take-over message: %q", w.Text)
	}
}

func TestLockOfASilentRemoteHolderIsTakenOverAfterStaleAfter(t *testing.T) {
	f := newLockingFake()
	f.put("shop", engine.LockHolder{Host: "elsewhere", PID: 1, Command: "stack up", Token: "x"})
	sink := &recordSink{}
	s := lockingStack(f, sink, LockOptions{Heartbeat: 10 * time.Millisecond, StaleAfter: 50 * time.Millisecond})
	start := time.Now()
	l, err := s.Lock(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if time.Since(start) < 50*time.Millisecond {
		t.Error("taken over before the holder was stale")
	}
	w := waitEvent(t, sink, func(e Event) bool { return e.Status == StatusWarning })
	if !strings.Contains(w.Text, "no heartbeat") {
		t.Errorf("take-over message: %q", w.Text)
	}
}

func TestLockStalenessFollowsTheHeartbeat(t *testing.T) {
	var st staleness
	t0 := time.Unix(1000, 0)
	l := engine.Lock{Holder: engine.LockHolder{Host: "elsewhere", Token: "a"}}
	stale := 30 * time.Second
	// A beat that moves keeps the holder alive however long it has held.
	for i := 0; i < 10; i++ {
		l.Beat = i
		if why := st.gone(l, false, t0.Add(time.Duration(i)*20*time.Second), stale); why != "" {
			t.Fatalf("beat %d: gone (%s)", i, why)
		}
	}
	// A beat that stops is stale after stale, counted from when it was seen.
	last := t0.Add(9 * 20 * time.Second)
	if why := st.gone(l, false, last.Add(stale-time.Second), stale); why != "" {
		t.Fatalf("gone before stale: %s", why)
	}
	if why := st.gone(l, false, last.Add(stale), stale); !strings.Contains(why, "no heartbeat") {
		t.Fatalf("not gone after stale: %q", why)
	}
	// A new holder starts its own count.
	l.Holder.Token = "b"
	if why := st.gone(l, false, last.Add(2*stale), stale); why != "" {
		t.Fatalf("a new holder was gone at once: %s", why)
	}
}

func TestLockIsSharedByTheStacksOwnVerbs(t *testing.T) {
	f := newLockingFake()
	s := lockingStack(f, nil, LockOptions{NoWait: true})
	l, err := s.Lock(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	p := testProject("shop", map[string][]string{"web": nil})
	if err := s.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(context.Background(), "shop", p, StopOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.held("shop"); !ok {
		t.Error("a verb released the lock its caller holds")
	}
	l.Release()
	l.Release()
	if _, ok := f.held("shop"); ok {
		t.Error("Release left the lock")
	}
	if f.creates != 1 {
		t.Errorf("%d locks created, want 1", f.creates)
	}
}

func TestLockDryRunTakesNoLock(t *testing.T) {
	f := newLockingFake()
	f.put("shop", engine.LockHolder{Host: "elsewhere", PID: 1, Token: "x"})
	s := lockingStack(f, nil, LockOptions{NoWait: true})
	p := testProject("shop", map[string][]string{"web": nil})
	if err := s.Up(context.Background(), p, UpOptions{DryRun: true}); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if err := s.Down(context.Background(), "shop", p, DownOptions{DryRun: true}); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if f.creates != 0 {
		t.Error("a dry run created a lock")
	}
}

func TestLockIsReleasedAfterCancel(t *testing.T) {
	f := newLockingFake()
	s := lockingStack(f, nil, LockOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	l, err := s.Lock(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	l.Release()
	if _, ok := f.held("shop"); ok {
		t.Error("the lock outlived its holder's interrupt")
	}
}

func TestProcStartOfThisProcess(t *testing.T) {
	start, err := procStart(os.Getpid())
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("no /proc")
	}
	if err != nil || start == "" {
		t.Fatalf("procStart: %q, %v", start, err)
	}
	if alive, known := processAlive(os.Getpid(), start); !alive || !known {
		t.Errorf("this process: alive %v known %v", alive, known)
	}
	if alive, known := processAlive(os.Getpid(), start+"0"); alive || !known {
		t.Errorf("a reused PID: alive %v known %v", alive, known)
	}
}
