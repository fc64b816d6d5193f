package stack

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// chain is web -> app -> db, db first.
func chain(t *testing.T) (*fakeEngine, *Stack, *types.Project) {
	t.Helper()
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "app": {"db"}, "web": {"app"}})
	s := New(Options{Engine: f, Parallel: 1})
	if err := s.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.calls = nil
	f.mu.Unlock()
	return f, s, p
}

func TestLifecycleOrder(t *testing.T) {
	ctx := context.Background()
	forward := []string{"shop-db-1", "shop-app-1", "shop-web-1"}
	reverse := []string{"shop-web-1", "shop-app-1", "shop-db-1"}
	for _, withFile := range []bool{true, false} {
		f, s, p := chain(t)
		file := p
		if !withFile {
			// The depends_on labels give the order.
			file = nil
		}
		if err := s.Stop(ctx, "shop", file, StopOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := f.called("StopContainer"); !slices.Equal(got, reverse) {
			t.Errorf("file=%v: stop order %v, want %v", withFile, got, reverse)
		}
		if err := s.Start(ctx, "shop", file, StartOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := f.called("StartContainer"); !slices.Equal(got, forward) {
			t.Errorf("file=%v: start order %v, want %v", withFile, got, forward)
		}
		if err := s.Restart(ctx, "shop", file, RestartOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := f.called("RestartContainer"); !slices.Equal(got, forward) {
			t.Errorf("file=%v: restart order %v, want %v", withFile, got, forward)
		}
		if err := s.Rm(ctx, "shop", file, RmOptions{Stop: true}); err != nil {
			t.Fatal(err)
		}
		if got := f.called("RemoveContainer"); !slices.Equal(got, reverse) {
			t.Errorf("file=%v: rm order %v, want %v", withFile, got, reverse)
		}
	}
}

func TestStopSelectedServicesOnly(t *testing.T) {
	f, s, p := chain(t)
	if err := s.Stop(context.Background(), "shop", p, StopOptions{Services: []string{"app"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("StopContainer"); !slices.Equal(got, []string{"shop-app-1"}) {
		t.Errorf("stopped %v, want shop-app-1 only", got)
	}
}

func TestRmRemovesStoppedOnlyAndAsks(t *testing.T) {
	ctx := context.Background()
	f, s, p := chain(t)
	if err := s.Stop(ctx, "shop", p, StopOptions{Services: []string{"web"}}); err != nil {
		t.Fatal(err)
	}
	var asked []string
	no := func(names []string) bool { asked = names; return false }
	if err := s.Rm(ctx, "shop", p, RmOptions{Confirm: no}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(asked, []string{"shop-web-1"}) {
		t.Errorf("asked about %v, want the stopped shop-web-1", asked)
	}
	if got := f.called("RemoveContainer"); len(got) != 0 {
		t.Errorf("removed %v without a yes", got)
	}
	yes := func([]string) bool { return true }
	if err := s.Rm(ctx, "shop", p, RmOptions{Confirm: yes}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("RemoveContainer"); !slices.Equal(got, []string{"shop-web-1"}) {
		t.Errorf("removed %v, want shop-web-1 only", got)
	}
	if got := f.called("StopContainer"); !slices.Equal(got, []string{"shop-web-1"}) {
		t.Errorf("stopped %v; rm without -s stops nothing", got)
	}
}

func TestLifecycleReportsProgressAndErrors(t *testing.T) {
	f, _, p := chain(t)
	sink := &recordSink{}
	s := New(Options{Engine: f, Sink: sink, Parallel: 1})
	boom := errors.New("boom")
	f.fail["StopContainer shop-app-1"] = boom
	err := s.Stop(context.Background(), "shop", p, StopOptions{})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	// db is not stopped while app, which depends on it, could not be.
	if got := f.called("StopContainer"); slices.Contains(got, "shop-db-1") {
		t.Errorf("stopped %v: db went down under app", got)
	}
	var statuses []string
	for _, e := range sink.events {
		statuses = append(statuses, e.Name+" "+string(e.Status))
	}
	for _, want := range []string{"shop-web-1 Stopping", "shop-web-1 Stopped", "shop-app-1 Error"} {
		if !slices.Contains(statuses, want) {
			t.Errorf("no event %q in %v", want, statuses)
		}
	}
}

func TestKillDefaultsToSIGKILL(t *testing.T) {
	f, s, p := chain(t)
	if err := s.Kill(context.Background(), "shop", p, KillOptions{Services: []string{"web"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("StopContainer"); !slices.Equal(got, []string{"shop-web-1"}) {
		t.Errorf("killed %v, want shop-web-1", got)
	}
}

// Only a container about to be removed leaves its networks before it stops
// (the engine quirk): one that is only stopped keeps them for its next
// start.
func TestStopKeepsNetworksDownRetires(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	s := New(Options{Engine: f})
	ctx := context.Background()
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(ctx, "shop", p, StopOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("RetireContainer"); len(got) != 0 {
		t.Fatalf("stop retired %v", got)
	}
	if err := s.Start(ctx, "shop", p, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Down(ctx, "shop", p, DownOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("RetireContainer"); !slices.Equal(got, []string{"shop-web-1", "shop-db-1"}) {
		t.Fatalf("down retired %v, want web then db", got)
	}
}
