package stack

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// jobStack is the fake engine, db healthy at once, and the Stack on it,
// for jobProject.
func jobStack() (*fakeEngine, *Stack) {
	f := newFake()
	f.health["db"] = "healthy"
	return f, New(Options{Engine: f})
}

// jobProject is db, web after db, and the job backup after db healthy,
// with the x-schedule given.
func jobProject(schedule map[string]any) *types.Project {
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}, "backup": {"db:healthy"}})
	b := p.Services["backup"]
	b.Extensions = types.Extensions{"x-schedule": schedule}
	p.Services["backup"] = b
	return p
}

func TestUpStartsNoContainerOfAJob(t *testing.T) {
	f, s := jobStack()
	p := jobProject(map[string]any{"run": "@daily"})
	if err := s.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	got := f.called("CreateContainer")
	slices.Sort(got)
	if !slices.Equal(got, []string{"shop-db-1", "shop-web-1"}) {
		t.Fatalf("created %v, want db and web only", got)
	}
}

func TestUpBuildsTheImageOfAJob(t *testing.T) {
	f := newFake()
	p := jobProject(map[string]any{"run": "@daily"})
	withBuild(p, "shop-backup", "backup")
	pl, err := New(Options{Engine: f}).PlanUp(context.Background(), p, UpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pl.String(), "image shop-backup: build (missing)") {
		t.Fatalf("plan builds no image of the job:\n%s", pl)
	}
}

// runNow runs the job and fails the test on error.
func runNow(t *testing.T, s *Stack, p *types.Project, trigger string) string {
	t.Helper()
	name, err := s.RunJob(context.Background(), p, JobRunOptions{Service: "backup", Trigger: trigger, Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return name
}

func TestJobRunStartsDependenciesAndLabelsTheRun(t *testing.T) {
	f, s := jobStack()
	p := jobProject(map[string]any{"run": "@daily"})
	pl, err := s.PlanJobRun(context.Background(), p, JobRunOptions{Service: "backup", Trigger: TriggerManual, Reason: "by hand", Slug: "0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	want := `1. network shop_default: create
2. container shop-db-1: create after 1
3. container shop-db-1: start after 2
4. container shop-backup-run-0123456789ab: create after 1
5. container shop-backup-run-0123456789ab: start (by hand) after 4, 3 healthy
`
	if got := pl.String(); got != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
	}
	name := runNow(t, s, p, TriggerSchedule)
	cs, _ := f.ListContainers(context.Background(), engine.Filter{Project: "shop", All: true})
	runs := Runs(cs, "backup")
	if len(runs) != 1 || runs[0].Name != name || !runs[0].OneOff || runs[0].Labels[LabelRunTrigger] != TriggerSchedule {
		t.Fatalf("runs = %+v, want one labelled run %s", runs, name)
	}
}

func TestJobOverlap(t *testing.T) {
	for _, tt := range []struct {
		overlap     string
		wantStarted int // runs started by two ticks while the first runs
		wantStopped []string
	}{
		{overlap: "skip", wantStarted: 1},
		{overlap: "allow", wantStarted: 2},
		{overlap: "replace", wantStarted: 2, wantStopped: []string{"first"}},
	} {
		t.Run(tt.overlap, func(t *testing.T) {
			f, s := jobStack()
			p := jobProject(map[string]any{"run": "@daily", "overlap": tt.overlap})
			first := runNow(t, s, p, TriggerSchedule)
			second := runNow(t, s, p, TriggerSchedule)
			var runs []string
			for _, n := range f.called("StartContainer") {
				if strings.Contains(n, "-run-") {
					runs = append(runs, n)
				}
			}
			if len(runs) != tt.wantStarted {
				t.Fatalf("runs started: %v, want %d", runs, tt.wantStarted)
			}
			if tt.overlap == "skip" && second != "" {
				t.Errorf("skip returned a run: %q", second)
			}
			var stopped []string
			for _, n := range f.called("StopContainer") {
				if n == first {
					stopped = append(stopped, "first")
				}
			}
			if !slices.Equal(stopped, tt.wantStopped) {
				t.Errorf("stopped %v, want %v", stopped, tt.wantStopped)
			}
		})
	}
}

func TestJobKeepsTheLastFinishedRuns(t *testing.T) {
	f, s := jobStack()
	f.exit["backup"] = 0
	p := jobProject(map[string]any{"run": "@daily", "keep": 2})
	var names []string
	for range 4 {
		names = append(names, runNow(t, s, p, TriggerSchedule))
	}
	if err := s.PruneRuns(context.Background(), p, "backup"); err != nil {
		t.Fatal(err)
	}
	cs, _ := f.ListContainers(context.Background(), engine.Filter{Project: "shop", All: true})
	var kept []string
	for _, r := range Runs(cs, "backup") {
		kept = append(kept, r.Name)
	}
	if want := []string{names[3], names[2]}; !slices.Equal(kept, want) {
		t.Fatalf("kept %v, want the last two %v", kept, want)
	}
}

func TestRestartWaitsForTheDependencyCondition(t *testing.T) {
	f := newFake()
	f.health["db"] = "healthy"
	p := testProject("shop", map[string][]string{"db": nil, "api": {"db:healthy"}, "web": {"db"}})
	s := New(Options{Engine: f})
	ctx := context.Background()
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	cs, _ := f.ListContainers(ctx, engine.Filter{Project: "shop", All: true})
	restart := map[string]string{}
	for _, c := range cs {
		if c.Service == "api" {
			restart[c.ID] = "dependency db restarted"
		}
	}
	pl, err := s.PlanUp(ctx, p, UpOptions{Services: []string{"api"}, NoRecreate: true, Restart: restart})
	if err != nil {
		t.Fatal(err)
	}
	want := "1. container shop-db-1: keep\n2. container shop-api-1: restart (dependency db restarted) after 1 healthy\n"
	if got := pl.String(); got != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
	}
}

func TestDownRemovesTheAgentFirst(t *testing.T) {
	obs := &Observed{Containers: []engine.Container{
		{ID: "a", Name: "shop-agent-1", Service: "stack-agent", OneOff: true, State: engine.StateRunning, Labels: map[string]string{LabelAgent: "true"}},
		{ID: "d", Name: "shop-db-1", Service: "db", State: engine.StateRunning},
	}}
	pl := planDown("shop", nil, obs, DownOptions{})
	want := "1. container shop-db-1: stop after 4\n2. container shop-agent-1: stop\n3. container shop-db-1: remove after 1, 4\n4. container shop-agent-1: remove after 2\n"
	if got := pl.String(); got != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
	}
}
