package stack

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stack-orchestrator/stack/pkg/engine"
)

// testProject builds a project from services given as name -> deps, all
// on the busybox image. A dep written "db:healthy" waits for health.
func testProject(name string, services map[string][]string) *types.Project {
	p := &types.Project{Name: name, Services: types.Services{}, Networks: types.Networks{"default": {}}}
	for svc, deps := range services {
		s := types.ServiceConfig{Name: svc}
		s.Image = "busybox"
		if len(deps) > 0 {
			s.DependsOn = types.DependsOnConfig{}
		}
		for _, d := range deps {
			dep, cond, _ := strings.Cut(d, ":")
			switch cond {
			case "healthy":
				cond = types.ServiceConditionHealthy
			case "done":
				cond = types.ServiceConditionCompletedSuccessfully
			default:
				cond = types.ServiceConditionStarted
			}
			s.DependsOn[dep] = types.ServiceDependency{Condition: cond, Required: true}
		}
		p.Services[svc] = s
	}
	return p
}

// recordSink keeps events for assertions.
type recordSink struct {
	mu     sync.Mutex
	events []Event
}

func (r *recordSink) Event(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func TestUpStartsInDependencyAndPriorityOrder(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{
		"db": nil, "cache": nil, "web": {"db", "cache"}, "worker": {"db"},
	})
	db := p.Services["db"]
	db.Extensions = types.Extensions{"x-link-priority": 10}
	p.Services["db"] = db
	s := New(Options{Engine: f, Parallel: 1})
	if err := s.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	got := f.called("StartContainer")
	want := []string{"shop-db-1", "shop-cache-1", "shop-web-1", "shop-worker-1"}
	if !slices.Equal(got, want) {
		t.Fatalf("start order = %v, want %v", got, want)
	}
	if n := f.called("CreateNetwork"); !slices.Equal(n, []string{"shop_default"}) {
		t.Fatalf("networks created = %v", n)
	}
}

func TestUpTwiceChangesNothing(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	s := New(Options{Engine: f})
	ctx := context.Background()
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	f.calls = nil
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	// One list of containers, one of images (a rebuilt image recreates),
	// made at once.
	calls := slices.Sorted(slices.Values(f.calls))
	if !slices.Equal(calls, []string{"ImageIDs busybox", "ListContainers shop"}) {
		t.Fatalf("second up made calls %v, want two lists", f.calls)
	}
}

func TestUpFailedStartStopsDependents(t *testing.T) {
	f := newFake()
	f.fail["StartContainer shop-db-1"] = errors.New("port is already allocated")
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}, "other": nil})
	s := New(Options{Engine: f, Parallel: 1})
	err := s.Up(context.Background(), p, UpOptions{})
	if err == nil || !strings.Contains(err.Error(), `service "db"`) || !strings.Contains(err.Error(), "port is already allocated") {
		t.Fatalf("err = %v, want the service and the engine's message", err)
	}
	if slices.Contains(f.called("StartContainer"), "shop-web-1") {
		t.Fatal("web started although its dependency failed")
	}
	// The next up converges what is left.
	delete(f.fail, "StartContainer shop-db-1")
	if err := s.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	cs, _ := s.Ps(context.Background(), "shop", PsOptions{})
	if len(cs) != 3 {
		t.Fatalf("running = %d, want 3", len(cs))
	}
}

func TestUpFailedCreateReportsService(t *testing.T) {
	f := newFake()
	f.fail["CreateContainer shop-web-1"] = errors.New("invalid mount config")
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	err := New(Options{Engine: f}).Up(context.Background(), p, UpOptions{})
	if err == nil || !strings.Contains(err.Error(), `service "web"`) || !strings.Contains(err.Error(), "invalid mount config") {
		t.Fatalf("err = %v", err)
	}
	if slices.Contains(f.called("StartContainer"), "shop-web-1") {
		t.Fatal("web started without a container")
	}
}

func TestUpWaitsForHealthAndCompletion(t *testing.T) {
	f := newFake()
	f.health["db"] = "healthy"
	f.exit["migrate"] = 0
	p := testProject("shop", map[string][]string{"db": nil, "migrate": {"db:healthy"}, "web": {"db:healthy", "migrate:done"}})
	if err := New(Options{Engine: f}).Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("StartContainer"); !slices.Equal(got, []string{"shop-db-1", "shop-migrate-1", "shop-web-1"}) {
		t.Fatalf("starts = %v", got)
	}
}

func TestUpFailsOnUnhealthyOrFailedDependency(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(f *fakeEngine)
		deps   map[string][]string
		substr string
	}{
		{"unhealthy", func(f *fakeEngine) { f.health["db"] = "unhealthy" },
			map[string][]string{"db": nil, "web": {"db:healthy"}}, "shop-db-1 is unhealthy"},
		{"no healthcheck", func(f *fakeEngine) {},
			map[string][]string{"db": nil, "web": {"db:healthy"}}, "no healthcheck"},
		{"init job failed", func(f *fakeEngine) { f.exit["migrate"] = 3 },
			map[string][]string{"migrate": nil, "web": {"migrate:done"}}, "exited with code 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			tc.setup(f)
			err := New(Options{Engine: f}).Up(context.Background(), testProject("shop", tc.deps), UpOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.substr) || !strings.Contains(err.Error(), `service "web"`) {
				t.Fatalf("err = %v, want %q", err, tc.substr)
			}
			if slices.Contains(f.called("StartContainer"), "shop-web-1") {
				t.Fatal("web started")
			}
		})
	}
}

func TestUpMissingImageTouchesNothing(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil})
	web := p.Services["web"]
	web.Image = "nope:latest"
	p.Services["web"] = web
	// No registry answers here.
	f.fail["PullImage nope:latest"] = errors.New("dial tcp: lookup registry: no such host")
	err := New(Options{Engine: f}).Up(context.Background(), p, UpOptions{})
	if !errors.Is(err, ErrImageMissing) || !strings.Contains(err.Error(), `"nope:latest"`) {
		t.Fatalf("err = %v", err)
	}
	if len(f.called("CreateNetwork"))+len(f.called("CreateContainer")) > 0 {
		t.Fatal("engine changed")
	}
}

func TestScaleAndDown(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	s := New(Options{Engine: f})
	ctx := context.Background()
	for _, n := range []int{5, 2} {
		if err := s.Up(ctx, p, UpOptions{Scale: map[string]int{"web": n}}); err != nil {
			t.Fatal(err)
		}
	}
	cs, _ := s.Ps(ctx, "shop", PsOptions{Services: []string{"web"}})
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"shop-web-1", "shop-web-2"}) {
		t.Fatalf("after 5 -> 2: %v", names)
	}
	f.calls = nil
	if err := s.Down(ctx, "shop", nil, DownOptions{}); err != nil {
		t.Fatal(err)
	}
	stops := f.called("StopContainer")
	if len(stops) != 3 || stops[2] != "shop-db-1" {
		t.Fatalf("stops = %v, want db last", stops)
	}
	if len(f.containers) != 0 || len(f.networks) != 0 {
		t.Fatalf("left %d containers, %d networks", len(f.containers), len(f.networks))
	}
}

func TestUpRecreatesChangedService(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	s := New(Options{Engine: f})
	ctx := context.Background()
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	web := p.Services["web"]
	web.Environment = types.NewMappingWithEquals([]string{"A=1"})
	p.Services["web"] = web
	f.calls = nil
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("StartContainer"); !slices.Equal(got, []string{"shop-web-1"}) {
		t.Fatalf("starts = %v, want web only", got)
	}
	if got := f.called("RenameContainer"); !slices.Equal(got, []string{"shop-web-1"}) {
		t.Fatalf("renames = %v", got)
	}
}

func TestUpCancelledStopsScheduling(t *testing.T) {
	f := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	s := New(Options{Engine: f, Parallel: 1, Sink: SinkFunc(func(e Event) {
		if e.Name == "shop-db-1" && e.Status == StatusStarted {
			cancel()
		}
	})})
	err := s.Up(ctx, p, UpOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want canceled", err)
	}
	if slices.Contains(f.called("StartContainer"), "shop-web-1") {
		t.Fatal("web started after cancel")
	}
}

func TestDownStopsDependentsFirstThenLowPriority(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "cache": nil, "web": {"db", "cache"}})
	db := p.Services["db"]
	db.Extensions = types.Extensions{"x-link-priority": 10}
	p.Services["db"] = db
	s := New(Options{Engine: f, Parallel: 1})
	ctx := context.Background()
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Down(ctx, "shop", p, DownOptions{}); err != nil {
		t.Fatal(err)
	}
	// db has the higher priority: it started first, so it stops last.
	if got := f.called("StopContainer"); !slices.Equal(got, []string{"shop-web-1", "shop-cache-1", "shop-db-1"}) {
		t.Fatalf("stops = %v", got)
	}
}

// Two runs of up that plan the same new container: the second to create it
// takes the first one's container instead of failing or making another.
func TestUpAdoptsContainerMadeByConcurrentRun(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil})
	s := New(Options{Engine: f})
	ctx := context.Background()
	pl, err := s.PlanUp(ctx, p, UpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The other run creates shop-web-1 after this one planned.
	if err := s.Up(ctx, p, UpOptions{NoStart: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.execute(ctx, pl); err != nil {
		t.Fatalf("execute: %v", err)
	}
	cs, _ := s.Ps(ctx, "shop", PsOptions{All: true})
	if len(cs) != 1 || cs[0].State != engine.StateRunning {
		t.Fatalf("containers = %+v", cs)
	}
}
