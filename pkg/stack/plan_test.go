package stack

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// planOf runs Plan against f for the whole project.
func planOf(t *testing.T, s *Stack, p *types.Project, o UpOptions) *Plan {
	t.Helper()
	pl, err := s.PlanUp(context.Background(), p, o)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func TestPlanNamesChangedSettings(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	s := New(Options{Engine: f})
	if err := s.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	db := p.Services["db"]
	db.Environment = types.NewMappingWithEquals([]string{"A=1"})
	db.Command = types.ShellCommand{"sleep", "1"}
	p.Services["db"] = db
	got := planOf(t, s, p, UpOptions{}).String()
	for _, want := range []string{
		"container shop-db-1: recreate (command, environment)",
		"container shop-web-1: keep\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("plan lacks %q:\n%s", want, got)
		}
	}
}

func TestPlanRestartsDependentsThatAskForIt(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "api": {"db"}, "web": {"db"}})
	api := p.Services["api"]
	api.DependsOn["db"] = types.ServiceDependency{Condition: types.ServiceConditionStarted, Restart: true, Required: true}
	p.Services["api"] = api
	s := New(Options{Engine: f})
	ctx := context.Background()
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	db := p.Services["db"]
	db.Environment = types.NewMappingWithEquals([]string{"A=1"})
	p.Services["db"] = db
	got := planOf(t, s, p, UpOptions{}).String()
	if !strings.Contains(got, "container shop-api-1: restart (dependency recreated)") || !strings.Contains(got, "container shop-web-1: keep") {
		t.Fatalf("plan:\n%s", got)
	}
	f.calls = nil
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("StartContainer"); !slices.Equal(got, []string{"shop-db-1"}) {
		t.Fatalf("starts = %v", got)
	}
	if got := f.called("RestartContainer"); !slices.Equal(got, []string{"shop-api-1"}) {
		t.Fatalf("restarts = %v", got)
	}
}

func TestPlanRemovesLeftoversOfInterruptedRecreate(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil})
	s := New(Options{Engine: f})
	ctx := context.Background()
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	// A replacement created under its temporary name, never swapped in.
	_, err := f.CreateContainer(ctx, fakeSpec(t, p, "web", "0123456789ab_shop-web-1", 1, map[string]string{engine.LabelReplace: "shop-web-1"}))
	if err != nil {
		t.Fatal(err)
	}
	got := planOf(t, s, p, UpOptions{}).String()
	if !strings.Contains(got, "container 0123456789ab_shop-web-1: remove (left over by an interrupted run)") || !strings.Contains(got, "container shop-web-1: keep") {
		t.Fatalf("plan:\n%s", got)
	}
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	cs, _ := s.Ps(ctx, "shop", PsOptions{All: true})
	if len(cs) != 1 || cs[0].Name != "shop-web-1" {
		t.Fatalf("containers = %+v", cs)
	}
}

func TestPlanAdoptsCreatedContainers(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil})
	s := New(Options{Engine: f})
	ctx := context.Background()
	if err := s.Up(ctx, p, UpOptions{NoStart: true}); err != nil {
		t.Fatal(err)
	}
	if got := planOf(t, s, p, UpOptions{}).String(); !strings.Contains(got, "container shop-web-1: start\n") {
		t.Fatalf("plan:\n%s", got)
	}
}

func TestPlanNoRecreateAndForce(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil})
	s := New(Options{Engine: f})
	if err := s.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := planOf(t, s, p, UpOptions{ForceRecreate: true}).String(); !strings.Contains(got, "recreate (forced)") {
		t.Fatalf("force:\n%s", got)
	}
	web := p.Services["web"]
	web.Environment = types.NewMappingWithEquals([]string{"A=1"})
	p.Services["web"] = web
	if got := planOf(t, s, p, UpOptions{NoRecreate: true}).String(); !strings.Contains(got, "container shop-web-1: keep") {
		t.Fatalf("no-recreate:\n%s", got)
	}
}

// fakeSpec is the spec of container number n of service, called name.
func fakeSpec(t testing.TB, p *types.Project, service, name string, n int, labels map[string]string) engine.ContainerSpec {
	t.Helper()
	cc, err := engine.ContainerConfig(engine.CreateRequest{Project: p, Service: p.Services[service], Name: name, Number: n, Labels: labels}, "1.41")
	if err != nil {
		t.Fatal(err)
	}
	return engine.ContainerSpec{Name: name, Config: cc, Service: p.Services[service]}
}
