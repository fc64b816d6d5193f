package graph

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

// n builds a node with plain dependencies.
func n(name string, prio int, deps ...string) Node {
	nd := Node{Name: name, Priority: prio}
	for _, d := range deps {
		nd.Deps = append(nd.Deps, Edge{To: d, Kind: "depends_on"})
	}
	return nd
}

func mustNew(t testing.TB, nodes ...Node) *Graph {
	t.Helper()
	g, err := New(nodes)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name  string
		nodes []Node
		want  string
		check func(t *testing.T, err error)
	}{
		{
			name:  "self loop",
			nodes: []Node{n("a", 0, "a")},
			want:  "dependency cycle: a -> a",
		},
		{
			name:  "two cycle",
			nodes: []Node{n("b", 0, "a"), n("a", 0, "b")},
			want:  "dependency cycle: a -> b -> a",
		},
		{
			name:  "three cycle starts at smallest",
			nodes: []Node{n("c", 0, "a"), n("b", 0, "c"), n("a", 0, "b"), n("z", 0, "b"), n("d", 0)},
			want:  "dependency cycle: a -> b -> c -> a",
		},
		{
			name:  "three cycle reached through other nodes",
			nodes: []Node{n("a", 0, "x"), n("x", 0, "y"), n("y", 0, "m"), n("m", 0, "k"), n("k", 0, "x")},
			want:  "dependency cycle: k -> x -> y -> m -> k",
			check: func(t *testing.T, err error) {
				var ce *CycleError
				if !errors.As(err, &ce) {
					t.Fatalf("want *CycleError, got %T", err)
				}
				if want := []string{"k", "x", "y", "m", "k"}; !slices.Equal(ce.Path, want) {
					t.Errorf("Path = %v, want %v", ce.Path, want)
				}
			},
		},
		{
			name:  "unknown dependency",
			nodes: []Node{n("web", 0, "db"), n("cache", 0)},
			want:  `service "web" depends on undefined service "db"`,
			check: func(t *testing.T, err error) {
				var ue *UnknownError
				if !errors.As(err, &ue) || ue.From != "web" || ue.To != "db" {
					t.Fatalf("want UnknownError{web, db}, got %#v", err)
				}
			},
		},
		{
			name:  "duplicate",
			nodes: []Node{n("a", 0), n("a", 1)},
			want:  `duplicate service "a"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(tt.nodes)
			if err == nil {
				t.Fatalf("New succeeded with %d nodes, want error %q", g.Len(), tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error = %q, want %q", err, tt.want)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestNewDoesNotMutateInput(t *testing.T) {
	in := []Node{
		{Name: "web", Deps: []Edge{{To: "db"}, {To: "cache", Kind: "links"}}},
		{Name: "db"},
		{Name: "cache"},
	}
	want := []Node{
		{Name: "web", Deps: []Edge{{To: "db"}, {To: "cache", Kind: "links"}}},
		{Name: "db"},
		{Name: "cache"},
	}
	g := mustNew(t, in...)
	g2, err := New(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("input changed: %v", in)
	}
	// Results are copies too.
	deps := g.Dependencies("web")
	deps[0].To = "changed"
	node, _ := g.Node("web")
	node.Deps[1].To = "changed"
	if got := g2.Dependencies("web"); !reflect.DeepEqual(got, g.Dependencies("web")) {
		t.Errorf("graph changed through a returned slice: %v", g.Dependencies("web"))
	}
}

func TestAccessors(t *testing.T) {
	g := mustNew(t,
		Node{Name: "web", Priority: 2, Deps: []Edge{
			{To: "db", Kind: "depends_on", Condition: "service_healthy"},
			{To: "cache", Kind: "links"},
			{To: "db", Kind: "links"},
		}},
		n("db", 0),
		n("cache", 0),
		n("worker", 0, "db"),
	)
	if g.Len() != 4 {
		t.Errorf("Len = %d", g.Len())
	}
	if got, want := g.Names(), []string{"cache", "db", "web", "worker"}; !slices.Equal(got, want) {
		t.Errorf("Names = %v, want %v", got, want)
	}
	wantDeps := []Edge{
		{To: "cache", Kind: "links"},
		{To: "db", Kind: "depends_on", Condition: "service_healthy"},
		{To: "db", Kind: "links"},
	}
	if got := g.Dependencies("web"); !reflect.DeepEqual(got, wantDeps) {
		t.Errorf("Dependencies(web) = %v, want %v", got, wantDeps)
	}
	if got, want := g.Dependents("db"), []string{"web", "worker"}; !slices.Equal(got, want) {
		t.Errorf("Dependents(db) = %v, want %v", got, want)
	}
	if got := g.Dependents("web"); got != nil {
		t.Errorf("Dependents(web) = %v, want nil", got)
	}
	if nd, ok := g.Node("web"); !ok || nd.Priority != 2 || len(nd.Deps) != 3 {
		t.Errorf("Node(web) = %v, %v", nd, ok)
	}
	if _, ok := g.Node("nope"); ok || g.Has("nope") || !g.Has("db") {
		t.Error("lookup of unknown node succeeded")
	}
	if g.Dependencies("nope") != nil || g.Dependents("nope") != nil {
		t.Error("edges of unknown node are not nil")
	}
}

// diamond: d depends on b and c, which depend on a; e is alone.
func diamond(t testing.TB) *Graph {
	return mustNew(t,
		n("a", 0),
		n("b", 1, "a"),
		n("c", 5, "a"),
		n("d", 0, "b", "c"),
		n("e", 3),
	)
}

func TestLevels(t *testing.T) {
	tests := []struct {
		name string
		g    *Graph
		want [][]string
	}{
		{"empty", mustNew(t), nil},
		{"diamond", diamond(t), [][]string{{"e", "a"}, {"c", "b"}, {"d"}}},
		{
			"level is longest path",
			mustNew(t, n("a", 0), n("b", 0, "a"), n("c", 0, "b"), n("x", 0, "a", "c"), n("y", 9, "a"), n("z", 9, "a")),
			[][]string{{"a"}, {"y", "z", "b"}, {"c"}, {"x"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.Levels(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Levels = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOrder(t *testing.T) {
	tests := []struct {
		name       string
		g          *Graph
		order, rev []string
	}{
		{"empty", mustNew(t), nil, nil},
		{
			"diamond",
			diamond(t),
			// e (3) beats a (0); then c (5) beats b (1).
			[]string{"e", "a", "c", "b", "d"},
			// d (0) before e (3); then b (1), e (3), c (5) as they free up.
			[]string{"d", "b", "e", "c", "a"},
		},
		{
			"ties by name",
			mustNew(t, n("c", 0), n("a", 0), n("b", 0), n("d", 0, "c")),
			[]string{"a", "b", "c", "d"},
			[]string{"a", "b", "d", "c"},
		},
		{
			"priority only among ready nodes",
			mustNew(t, n("base", 0), n("top", 100, "base"), n("mid", 50)),
			[]string{"mid", "base", "top"},
			[]string{"mid", "top", "base"},
		},
		{
			"negative priority",
			mustNew(t, n("a", -1), n("b", 0), n("c", 1)),
			[]string{"c", "b", "a"},
			[]string{"a", "b", "c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.Order(); !slices.Equal(got, tt.order) {
				t.Errorf("Order = %v, want %v", got, tt.order)
			}
			if got := tt.g.ReverseOrder(); !slices.Equal(got, tt.rev) {
				t.Errorf("ReverseOrder = %v, want %v", got, tt.rev)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	g := mustNew(t,
		n("db", 0),
		n("cache", 0),
		n("api", 0, "db", "cache"),
		n("web", 0, "api"),
		n("admin", 0, "db"),
	)
	tests := []struct {
		name     string
		names    []string
		withDeps bool
		want     []string            // names
		deps     map[string][]string // expected Dependencies targets
		err      string
	}{
		{
			name: "without deps drops outside edges", names: []string{"web", "api"},
			want: []string{"api", "web"},
			deps: map[string][]string{"web": {"api"}, "api": nil},
		},
		{
			name: "with deps", names: []string{"web"}, withDeps: true,
			want: []string{"api", "cache", "db", "web"},
			deps: map[string][]string{"web": {"api"}, "api": {"cache", "db"}},
		},
		{
			name: "duplicates and leaves", names: []string{"admin", "db", "admin"}, withDeps: false,
			want: []string{"admin", "db"},
			deps: map[string][]string{"admin": {"db"}},
		},
		{name: "empty", names: nil, want: []string{}},
		{name: "unknown", names: []string{"web", "x"}, err: `no such service: "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := g.Select(tt.names, tt.withDeps)
			if tt.err != "" {
				var nf *NotFoundError
				if err == nil || err.Error() != tt.err || !errors.As(err, &nf) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := sub.Names(); !slices.Equal(got, tt.want) {
				t.Errorf("Names = %v, want %v", got, tt.want)
			}
			for name, want := range tt.deps {
				var got []string
				for _, e := range sub.Dependencies(name) {
					got = append(got, e.To)
				}
				if !slices.Equal(got, want) {
					t.Errorf("Dependencies(%s) = %v, want %v", name, got, want)
				}
			}
		})
	}
	// The original is untouched.
	if got := g.Dependencies("web"); len(got) != 1 || g.Len() != 5 {
		t.Errorf("Select changed the graph: %v", got)
	}
}

func TestFilter(t *testing.T) {
	g := mustNew(t,
		Node{Name: "web", Deps: []Edge{
			{To: "db", Kind: "depends_on", Condition: "service_healthy"},
			{To: "cache", Kind: "links"},
		}},
		Node{Name: "sidecar", Deps: []Edge{{To: "web", Kind: "network_mode"}}},
		n("db", 0),
		n("cache", 0),
	)
	var calls []string
	creation := g.Filter(func(from string, e Edge) bool {
		calls = append(calls, from+"->"+e.To)
		return e.Kind != "depends_on"
	})
	if want := []string{"sidecar->web", "web->cache", "web->db"}; !slices.Equal(calls, want) {
		t.Errorf("keep called for %v, want %v", calls, want)
	}
	if got, want := creation.Names(), g.Names(); !slices.Equal(got, want) {
		t.Errorf("Names = %v, want %v", got, want)
	}
	if got, want := creation.Dependencies("web"), []Edge{{To: "cache", Kind: "links"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Dependencies(web) = %v, want %v", got, want)
	}
	if got := creation.Dependents("db"); got != nil {
		t.Errorf("Dependents(db) = %v, want nil", got)
	}
	if got, want := creation.Levels(), [][]string{{"cache", "db"}, {"web"}, {"sidecar"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Levels = %v, want %v", got, want)
	}
	if len(g.Dependencies("web")) != 2 {
		t.Error("Filter changed the original graph")
	}
}
