package stack

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// fuzzBytes hands out the fuzzer's bytes one at a time, zeros when spent.
type fuzzBytes []byte

func (b *fuzzBytes) next() int {
	if len(*b) == 0 {
		return 0
	}
	v := (*b)[0]
	*b = (*b)[1:]
	return int(v)
}

// fuzzProject builds a project of n services s0..s{n-1}: each depends on
// some of those before it (started or healthy), with a scale of 0 to
// maxScale and an environment value that, changed, needs a recreate.
func fuzzProject(b *fuzzBytes, n, maxScale int) *types.Project {
	p := &types.Project{Name: "fz", Services: types.Services{}, Networks: types.Networks{"default": {}}}
	for i := range n {
		s := types.ServiceConfig{Name: fmt.Sprintf("s%d", i)}
		s.Image = "busybox"
		scale := b.next() % (maxScale + 1)
		s.Scale = &scale
		v := fmt.Sprint(b.next() % 2)
		s.Environment = types.MappingWithEquals{"A": &v}
		for j := range i {
			switch b.next() % 4 {
			case 1:
				s.DependsOn = dependOn(s.DependsOn, fmt.Sprintf("s%d", j), types.ServiceConditionStarted)
			case 2:
				s.DependsOn = dependOn(s.DependsOn, fmt.Sprintf("s%d", j), types.ServiceConditionHealthy)
			}
		}
		p.Services[s.Name] = s
	}
	return p
}

func dependOn(d types.DependsOnConfig, name, cond string) types.DependsOnConfig {
	if d == nil {
		d = types.DependsOnConfig{}
	}
	d[name] = types.ServiceDependency{Condition: cond, Required: true}
	return d
}

// FuzzPlan: from any state an earlier up of another version of the
// project, then stops, removals and an interrupted recreate left, an up
// brings the engine to the wanted state: every service with its number of
// containers, all running, each under its own name and number, with the
// wanted configuration (a second plan changes nothing), and no orphan.
func FuzzPlan(f *testing.F) {
	for _, s := range []string{"", "\x03\x01\x01\x02\x00\x01\x02\x01\x00\x03\x01\x01\x02\x01", "\x05\x02\x00\x01\x02\x01\x01\x02\x02\x00\x01\x03\x02\x01\x01\x00\x01\x03\x02\x01\x03\x03\x03\x00\x02\x01"} {
		f.Add([]byte(s), []byte("\x01\x02\x03"), uint8(0))
	}
	f.Fuzz(func(t *testing.T, projects, changes []byte, options uint8) {
		b := fuzzBytes(projects)
		n := b.next()%5 + 1
		before := fuzzProject(&b, n, 2)
		after := fuzzProject(&b, max(1, n-b.next()%2), 3) // maybe one service fewer: orphans
		fe := newFake()
		for name := range before.Services {
			fe.health[name] = "healthy"
		}
		ctx := context.Background()
		s := New(Options{Engine: fe})
		if err := s.Up(ctx, before, UpOptions{}); err != nil {
			t.Fatalf("first up: %v", err)
		}
		disturb(fe, fuzzBytes(changes))
		o := UpOptions{RemoveOrphans: true, ForceRecreate: options&1 != 0}
		if options&2 != 0 {
			o.Services = []string{"s0"}
		}
		if err := s.Up(ctx, after, o); err != nil {
			t.Fatalf("up: %v", err)
		}
		if len(o.Services) > 0 {
			// Converge the rest too, then judge the whole project.
			if err := s.Up(ctx, after, UpOptions{RemoveOrphans: true}); err != nil {
				t.Fatalf("up of the rest: %v", err)
			}
		}
		pl, err := s.PlanUp(ctx, after, UpOptions{RemoveOrphans: true})
		if err != nil {
			t.Fatal(err)
		}
		if pl.Changes() {
			t.Fatalf("a second up would change:\n%s", pl)
		}
		checkConverged(t, fe, after)
	})
}

// disturb changes what the fake engine holds as a crash or a user would:
// per container, nothing, a stop, a removal, or a replacement left under
// its temporary name by an interrupted recreate.
func disturb(fe *fakeEngine, b fuzzBytes) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	ids := make([]string, 0, len(fe.containers))
	for id := range fe.containers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		c := fe.containers[id]
		switch b.next() % 4 {
		case 1:
			c.running = false
		case 2:
			delete(fe.containers, id)
		case 3:
			fe.seq++
			twin := *c
			twin.c.ID = fmt.Sprintf("%064d", fe.seq)
			twin.c.Name = shortID(twin.c.ID) + "_" + c.c.Name
			twin.c.Labels = map[string]string{}
			for k, v := range c.c.Labels {
				twin.c.Labels[k] = v
			}
			twin.c.Labels[engine.LabelReplace] = c.c.Name
			twin.running = false
			fe.containers[twin.c.ID] = &twin
		}
	}
}

// checkConverged fails unless the fake holds exactly the containers p
// wants, running, each once under its name.
func checkConverged(t *testing.T, fe *fakeEngine, p *types.Project) {
	t.Helper()
	cs, _ := fe.ListContainers(context.Background(), engine.Filter{Project: p.Name, All: true})
	got := map[string][]string{}
	for _, c := range cs {
		if !c.State.Up() {
			t.Errorf("%s is %s", c.Name, c.State)
		}
		if _, ok := p.Services[c.Service]; !ok {
			t.Errorf("%s: orphan of service %s left", c.Name, c.Service)
		}
		if want := fmt.Sprintf("%s-%s-%d", p.Name, c.Service, c.Number); c.Name != want {
			t.Errorf("%s: want name %s", c.Name, want)
		}
		got[c.Service] = append(got[c.Service], c.Name)
	}
	for name, svc := range p.Services {
		if len(got[name]) != svc.GetScale() {
			t.Errorf("service %s: %d containers %v, want %d", name, len(got[name]), got[name], svc.GetScale())
		}
	}
	if t.Failed() {
		var all []string
		for _, c := range cs {
			all = append(all, c.Name+" "+string(c.State))
		}
		t.Fatalf("engine holds:\n%s", strings.Join(all, "\n"))
	}
}

// FuzzLines: however a stream is cut into writes, the line writer hands
// on exactly its lines, whole, in order (a last partial line at Flush).
func FuzzLines(f *testing.F) {
	f.Add([]byte("a\nbb\r\nccc"), []byte{1, 2, 3})
	f.Add([]byte("\n\n\n"), []byte{0})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		var c lineCollector
		w := &lineWriter{sink: &c}
		rest := data
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if len(cuts) > 0 {
				n = min(n, int(cuts[i%len(cuts)])+1)
			}
			if _, err := w.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		w.Flush()
		want := strings.Split(string(data), "\n")
		if want[len(want)-1] == "" {
			want = want[:len(want)-1]
		}
		for i := range want {
			want[i] = strings.TrimSuffix(want[i], "\r")
		}
		if len(c.lines) != len(want) {
			t.Fatalf("%d lines %q, want %d %q", len(c.lines), c.lines, len(want), want)
		}
		for i := range want {
			if c.lines[i] != want[i] {
				t.Fatalf("line %d: %q, want %q", i, c.lines[i], want[i])
			}
		}
	})
}

// FuzzLabelDeps: Compose's depends_on label of any text gives service
// names that are not empty and hold no separator.
func FuzzLabelDeps(f *testing.F) {
	f.Add("db:service_started:false,cache:service_healthy:true")
	f.Add(",,:x:")
	f.Fuzz(func(t *testing.T, label string) {
		for _, d := range labelDeps(label) {
			if d == "" || strings.ContainsAny(d, ",:") {
				t.Fatalf("%q gives dependency %q", label, d)
			}
		}
	})
}
