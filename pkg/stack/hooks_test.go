package stack

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// hookProject is web with a post_start and a pre_stop hook, after db.
func hookProject() *types.Project {
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	web := p.Services["web"]
	web.PostStart = []types.ServiceHook{{Command: types.ShellCommand{"warmup", "cache"}}}
	web.PreStop = []types.ServiceHook{{Command: types.ShellCommand{"drain", "now"}}}
	p.Services["web"] = web
	return p
}

func TestHooksRunAroundStartAndStop(t *testing.T) {
	f := newFake()
	f.execExit = map[string]int{}
	p := hookProject()
	sink := &recordSink{}
	s := New(Options{Engine: f, Sink: sink})
	ctx := context.Background()
	if got := planOf(t, s, p, UpOptions{}).String(); !strings.Contains(got, "container shop-web-1: start with post_start[0]") {
		t.Fatalf("plan:\n%s", got)
	}
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("Exec"); !slices.Equal(got, []string{"shop-web-1 warmup cache"}) {
		t.Fatalf("execs after up = %v", got)
	}
	if !slices.ContainsFunc(sink.events, func(e Event) bool {
		return e.Name == "shop-web-1" && e.Status == StatusHook && e.Text == "post_start[0]: warmup cache"
	}) {
		t.Fatalf("no hook output in %v", sink.events)
	}
	// A failing pre_stop is reported; the container stops anyway.
	f.execExit["drain"] = 3
	f.calls = nil
	if err := s.Stop(ctx, "shop", p, StopOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("Exec"); !slices.Equal(got, []string{"shop-web-1 drain now"}) {
		t.Fatalf("execs at stop = %v", got)
	}
	if got := f.called("StopContainer"); !slices.Equal(got, []string{"shop-web-1", "shop-db-1"}) {
		t.Fatalf("stops = %v", got)
	}
	if !sink.has("shop-web-1", StatusWarning) {
		t.Fatal("a failing pre_stop hook was not reported")
	}
}

func TestFailingPostStartFailsTheService(t *testing.T) {
	f := newFake()
	f.execExit = map[string]int{"warmup": 1}
	err := New(Options{Engine: f}).Up(context.Background(), hookProject(), UpOptions{})
	var hook *engine.HookFailedError
	if !errors.As(err, &hook) || !strings.Contains(err.Error(), `service "web": post_start[0] hook exited with status 1`) {
		t.Fatalf("err = %v", err)
	}
	if strings.Count(err.Error(), `service "web"`) != 1 {
		t.Fatalf("service named more than once: %v", err)
	}
}

func TestHookWithoutCommandIsAPlanError(t *testing.T) {
	f := newFake()
	p := hookProject()
	web := p.Services["web"]
	web.PostStart = []types.ServiceHook{{User: "root"}}
	p.Services["web"] = web
	err := New(Options{Engine: f}).Up(context.Background(), p, UpOptions{})
	if err == nil || !strings.Contains(err.Error(), "post_start[0].command") {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.called("CreateNetwork")) + len(f.called("CreateContainer")); n != 0 {
		t.Fatal("engine changed")
	}
}
