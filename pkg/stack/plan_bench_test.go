package stack

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// The benchmark project has the shape of shared/bench/genstack.py at
// 100 levels x 100 wide: 10,000 services, each depending on two services of
// the level below.
const benchLevels, benchWidth = 100, 100

func benchProject(levels, width int) *types.Project {
	name := func(l, w int) string { return fmt.Sprintf("s%dx%d", l, w) }
	services := make(map[string][]string, levels*width)
	for l := range levels {
		for w := range width {
			var deps []string
			if l > 0 {
				deps = []string{name(l-1, w)}
				if next := name(l-1, (w+1)%width); next != deps[0] {
					deps = append(deps, next)
				}
			}
			services[name(l, w)] = deps
		}
	}
	p := testProject("bench", services)
	for n, s := range p.Services {
		s.Init = ptr(true)
		s.Command = types.ShellCommand{"sleep", "36000"}
		p.Services[n] = s
	}
	return p
}

func ptr[T any](v T) *T { return &v }

// runningFake returns a fake engine on which every service of p has one
// running container with the current configuration hash, as after an up:
// the state in which a second up has nothing to do.
func runningFake(b *testing.B, p *types.Project) *fakeEngine {
	b.Helper()
	f := newFake()
	for name, s := range p.Services {
		hash, err := engine.ConfigHash(s)
		if err != nil {
			b.Fatal(err)
		}
		f.seq++
		id := fmt.Sprintf("%064d", f.seq)
		f.containers[id] = &fakeContainer{running: true, c: engine.Container{
			ID: id, Name: p.Name + "-" + name + "-1", Image: s.Image, Project: p.Name,
			Service: name, Number: 1,
			Labels: map[string]string{
				engine.LabelProject:    p.Name,
				engine.LabelService:    name,
				engine.LabelNumber:     strconv.Itoa(1),
				engine.LabelConfigHash: hash,
			},
		}}
	}
	f.networks[p.Name+"_default"] = engine.Network{
		ID: "net-default", Name: p.Name + "_default",
		Labels: map[string]string{engine.LabelProject: p.Name, engine.LabelNetwork: "default"},
	}
	return f
}

// BenchmarkGraph builds the service graph of a 10,000-service project.
func BenchmarkGraph(b *testing.B) {
	p := benchProject(benchLevels, benchWidth)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Graph(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlan observes the engine (one list call on the fake) and plans a
// 10,000-service project: "noop" with every container running and up to
// date, "cold" with nothing on the engine (which also lists networks and
// volumes).
func BenchmarkPlan(b *testing.B) {
	p := benchProject(benchLevels, benchWidth)
	for _, bc := range []struct {
		name    string
		f       *fakeEngine
		changes bool
	}{
		{"noop", runningFake(b, p), false},
		{"cold", newFake(), true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := New(Options{Engine: bc.f})
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				pl, err := s.PlanUp(ctx, p, UpOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if pl.Changes() != bc.changes {
					b.Fatalf("plan changes: %v, want %v", pl.Changes(), bc.changes)
				}
			}
		})
	}
}

// BenchmarkUpNoop is a whole second up of a 10,000-service project against
// the fake: graph, observe, plan, and the finding that nothing is to be done.
// It is the client's share of the ~0.1 s that a no-op up may take (the
// loading of the stack file aside).
func BenchmarkUpNoop(b *testing.B) {
	p := benchProject(benchLevels, benchWidth)
	f := runningFake(b, p)
	s := New(Options{Engine: f})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Up(ctx, p, UpOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := len(f.called("CreateContainer")) + len(f.called("StartContainer")); n != 0 {
		b.Fatalf("a no-op up made %d create or start calls", n)
	}
}
