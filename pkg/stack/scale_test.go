package stack

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

func numbers(t *testing.T, f *fakeEngine, service string) []int {
	t.Helper()
	cs, err := f.ListContainers(context.Background(), engineFilter("shop", service))
	if err != nil {
		t.Fatal(err)
	}
	var ns []int
	for _, c := range cs {
		ns = append(ns, c.Number)
	}
	sort.Ints(ns)
	return ns
}

func TestScaleUpAndDownKeepsLowestNumbers(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	s := New(Options{Engine: f})
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Scale(ctx, p, map[string]int{"web": 5}, ScaleOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := numbers(t, f, "web"); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("after scale to 5: %v", got)
	}
	if err := s.Scale(ctx, p, map[string]int{"web": 2}, ScaleOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := numbers(t, f, "web"); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("after scale to 2: %v, want [1 2]", got)
	}
	removed := f.called("RemoveContainer")
	sort.Strings(removed)
	if want := []string{"shop-web-3", "shop-web-4", "shop-web-5"}; !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	// db was neither recreated nor scaled.
	if got := numbers(t, f, "db"); !slices.Equal(got, []int{1}) {
		t.Errorf("db: %v", got)
	}
}

func TestScaleStartsDependenciesUnlessNoDeps(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	s := New(Options{Engine: f})
	if err := s.Scale(ctx, p, map[string]int{"web": 2}, ScaleOptions{NoDeps: true}); err != nil {
		t.Fatal(err)
	}
	if got := numbers(t, f, "db"); len(got) != 0 {
		t.Errorf("--no-deps created db: %v", got)
	}
	if err := s.Scale(ctx, p, map[string]int{"web": 3}, ScaleOptions{}); err != nil {
		t.Fatal(err)
	}
	starts := f.called("StartContainer")
	if i, j := slices.Index(starts, "shop-db-1"), slices.Index(starts, "shop-web-3"); i < 0 || j < i {
		t.Errorf("start order %v: db must start before the new web", starts)
	}
}

func TestCheckScale(t *testing.T) {
	svc := func(mod func(*types.ServiceConfig)) *types.Project {
		p := testProject("shop", map[string][]string{"web": nil})
		s := p.Services["web"]
		mod(&s)
		p.Services["web"] = s
		return p
	}
	fixed := svc(func(s *types.ServiceConfig) {
		s.Ports = []types.ServicePortConfig{{Target: 80, Published: "8080", Protocol: "tcp"}}
	})
	ranged := svc(func(s *types.ServiceConfig) {
		s.Ports = []types.ServicePortConfig{{Target: 80, Published: "8080-8089", Protocol: "tcp"}}
	})
	random := svc(func(s *types.ServiceConfig) {
		s.Ports = []types.ServicePortConfig{{Target: 80, Protocol: "tcp"}}
	})
	named := svc(func(s *types.ServiceConfig) { s.ContainerName = "the-web" })
	three := 3
	fileScale := svc(func(s *types.ServiceConfig) {
		s.Scale = &three
		s.Ports = []types.ServicePortConfig{{Target: 80, Published: "8080", Protocol: "tcp"}}
	})
	for _, tc := range []struct {
		name  string
		p     *types.Project
		scale map[string]int
		bad   bool
	}{
		{"fixed port, one", fixed, map[string]int{"web": 1}, false},
		{"fixed port, two", fixed, map[string]int{"web": 2}, true},
		{"port range", ranged, map[string]int{"web": 5}, false},
		{"random port", random, map[string]int{"web": 5}, false},
		{"container_name", named, map[string]int{"web": 2}, true},
		{"scale in the file", fileScale, nil, true},
		{"scale in the file, overridden", fileScale, map[string]int{"web": 1}, false},
	} {
		err := CheckScale(tc.p, nil, tc.scale)
		if (err != nil) != tc.bad {
			t.Errorf("%s: got %v, want error %v", tc.name, err, tc.bad)
		}
		if err != nil && !errors.Is(err, ErrNotScalable) {
			t.Errorf("%s: %v is not ErrNotScalable", tc.name, err)
		}
	}
}

func TestScaleRefusedTouchesNothing(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil})
	web := p.Services["web"]
	web.Ports = []types.ServicePortConfig{{Target: 80, Published: "8080", Protocol: "tcp"}}
	p.Services["web"] = web
	err := New(Options{Engine: f}).Scale(context.Background(), p, map[string]int{"web": 3}, ScaleOptions{})
	if !errors.Is(err, ErrNotScalable) {
		t.Fatalf("got %v, want ErrNotScalable", err)
	}
	if len(f.calls) != 0 {
		t.Errorf("the engine was called: %v", f.calls)
	}
}
