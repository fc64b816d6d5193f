package graph

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Node is a vertex of the graph: a unique name, a priority (higher starts
// first among ready nodes) and the edges to the nodes it depends on.
type Node struct {
	Name     string
	Priority int
	Deps     []Edge // what this node depends on
}

// Edge says that the node owning it depends on the node named To. Kind and
// Condition are opaque to the graph; callers use Kind for the origin of the
// edge ("depends_on", "links", "volumes_from", "network_mode", ...) and
// Condition for what the dependency must reach (e.g. "service_healthy").
// Several edges may point to the same node; for ordering they count once.
type Edge struct {
	To        string
	Kind      string
	Condition string
}

// CycleError reports a dependency cycle found by New. Path lists the nodes of
// the cycle, each depending on the next, starting at the lexically smallest
// node of the cycle and ending with that node again.
type CycleError struct {
	Path []string
}

// Error returns "dependency cycle: a -> b -> a".
func (e *CycleError) Error() string {
	return "dependency cycle: " + strings.Join(e.Path, " -> ")
}

// UnknownError reports a dependency of node From on a node To that is not in
// the graph.
type UnknownError struct {
	From, To string
}

// Error names both nodes.
func (e *UnknownError) Error() string {
	return fmt.Sprintf("service %q depends on undefined service %q", e.From, e.To)
}

// DuplicateError reports two nodes with the same name given to New.
type DuplicateError struct {
	Name string
}

// Error names the duplicated node.
func (e *DuplicateError) Error() string {
	return fmt.Sprintf("duplicate service %q", e.Name)
}

// NotFoundError reports a name asked for (by Select) that is not in the graph.
type NotFoundError struct {
	Name string
}

// Error names the missing node.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no such service: %q", e.Name)
}

// Graph is a validated, acyclic dependency graph. It is immutable after New
// and safe for concurrent use.
type Graph struct {
	nodes []Node // sorted by name; each Deps is a private copy sorted by To
	index map[string]int32

	// deps and dependents hold distinct node indices in ascending order, which
	// is name order because nodes is sorted by name.
	deps       [][]int32
	dependents [][]int32

	// fwd ranks nodes for start order (priority desc, name), rev for teardown
	// order (priority asc, name). Ready sets are heaps of ranks.
	fwd, rev ranking
}

// ranking maps each node to its position in a total order and back.
type ranking struct {
	rank   []int32 // node index -> rank
	byRank []int32 // rank -> node index
}

// New validates nodes and builds a Graph from a copy of them; nodes is not
// modified and not retained. It returns a *DuplicateError for a repeated
// name, an *UnknownError for a dependency on a node that is not given and a
// *CycleError if the dependencies form a cycle. When several problems exist,
// the one reported is chosen deterministically.
func New(nodes []Node) (*Graph, error) {
	total := 0
	for _, n := range nodes {
		total += len(n.Deps)
	}
	// One backing array for all copied edges keeps New at a few allocations.
	edges := make([]Edge, 0, total)
	own := make([]Node, len(nodes))
	for i, n := range nodes {
		start := len(edges)
		edges = append(edges, n.Deps...)
		n.Deps = edges[start:len(edges):len(edges)]
		if len(n.Deps) == 0 {
			n.Deps = nil
		}
		own[i] = n
	}
	return build(own)
}

// build makes a Graph out of nodes, which it takes ownership of.
func build(nodes []Node) (*Graph, error) {
	slices.SortFunc(nodes, func(a, b Node) int { return strings.Compare(a.Name, b.Name) })
	g := &Graph{
		nodes:      nodes,
		index:      make(map[string]int32, len(nodes)),
		deps:       make([][]int32, len(nodes)),
		dependents: make([][]int32, len(nodes)),
	}
	for i, n := range nodes {
		if i > 0 && nodes[i-1].Name == n.Name {
			return nil, &DuplicateError{Name: n.Name}
		}
		g.index[n.Name] = int32(i)
	}
	total := 0
	for _, n := range nodes {
		total += len(n.Deps)
	}
	// Adjacency lists share one backing array each, filled in order.
	all := make([]int32, 0, total)
	counts := make([]int, len(nodes)) // dependents per node
	for i := range nodes {
		n := &nodes[i]
		slices.SortFunc(n.Deps, compareEdges)
		start := len(all)
		for _, e := range n.Deps {
			j, ok := g.index[e.To]
			if !ok {
				return nil, &UnknownError{From: n.Name, To: e.To}
			}
			// Deps are sorted by To, so duplicates are adjacent.
			if len(all) > start && all[len(all)-1] == j {
				continue
			}
			all = append(all, j)
			counts[j]++
		}
		if len(all) > start {
			g.deps[i] = all[start:len(all):len(all)]
		}
	}
	// Iterating i ascending below keeps each dependents list sorted.
	backing := make([]int32, len(all))
	for j, c := range counts {
		if c > 0 {
			g.dependents[j], backing = backing[:0:c], backing[c:]
		}
	}
	for i, ds := range g.deps {
		for _, j := range ds {
			g.dependents[j] = append(g.dependents[j], int32(i))
		}
	}
	if err := g.checkAcyclic(); err != nil {
		return nil, err
	}
	g.rank()
	return g, nil
}

func compareEdges(a, b Edge) int {
	return cmp.Or(
		strings.Compare(a.To, b.To),
		strings.Compare(a.Kind, b.Kind),
		strings.Compare(a.Condition, b.Condition),
	)
}

// rank fills g.fwd (priority desc, then name) and g.rev (priority asc, then
// name).
func (g *Graph) rank() {
	n := len(g.nodes)
	fwd := make([]int32, n)
	for i := range fwd {
		fwd[i] = int32(i)
	}
	// Index order is name order, so a stable sort on priority alone breaks
	// ties by name.
	slices.SortStableFunc(fwd, func(a, b int32) int {
		return cmp.Compare(g.nodes[b].Priority, g.nodes[a].Priority)
	})
	// rev lists the same priority groups in the opposite order, each group
	// still in name order.
	rev := make([]int32, 0, n)
	for end := n; end > 0; {
		start := end - 1
		for start > 0 && g.nodes[fwd[start-1]].Priority == g.nodes[fwd[end-1]].Priority {
			start--
		}
		rev = append(rev, fwd[start:end]...)
		end = start
	}
	g.fwd, g.rev = newRanking(fwd), newRanking(rev)
}

func newRanking(byRank []int32) ranking {
	r := ranking{rank: make([]int32, len(byRank)), byRank: byRank}
	for k, i := range byRank {
		r.rank[i] = int32(k)
	}
	return r
}

// checkAcyclic peels off nodes without unfinished dependencies (Kahn). Any
// node left over depends, directly or not, on a cycle; the cycle reported is
// found from the smallest leftover node and then rotated so that it starts at
// its own smallest node.
func (g *Graph) checkAcyclic() error {
	n := len(g.nodes)
	pending := make([]int32, n)
	queue := make([]int32, 0, n)
	for i, ds := range g.deps {
		pending[i] = int32(len(ds))
		if len(ds) == 0 {
			queue = append(queue, int32(i))
		}
	}
	for k := 0; k < len(queue); k++ {
		for _, d := range g.dependents[queue[k]] {
			if pending[d]--; pending[d] == 0 {
				queue = append(queue, d)
			}
		}
	}
	if len(queue) == n {
		return nil
	}
	start := slices.IndexFunc(pending, func(p int32) bool { return p > 0 })
	// Every leftover node has a leftover dependency, so following the first
	// one must come back to a node already seen.
	seen := make(map[int32]int) // node -> position in walk
	var walk []int32
	cur := int32(start)
	for {
		if pos, ok := seen[cur]; ok {
			walk = walk[pos:]
			break
		}
		seen[cur] = len(walk)
		walk = append(walk, cur)
		next := slices.IndexFunc(g.deps[cur], func(d int32) bool { return pending[d] > 0 })
		cur = g.deps[cur][next]
	}
	low := slices.Index(walk, slices.Min(walk))
	path := make([]string, 0, len(walk)+1)
	for k := range walk {
		path = append(path, g.nodes[walk[(low+k)%len(walk)]].Name)
	}
	path = append(path, path[0])
	return &CycleError{Path: path}
}

// Len returns the number of nodes.
func (g *Graph) Len() int { return len(g.nodes) }

// Names returns the names of all nodes, sorted.
func (g *Graph) Names() []string {
	names := make([]string, len(g.nodes))
	for i, n := range g.nodes {
		names[i] = n.Name
	}
	return names
}

// Has reports whether the graph has a node with this name.
func (g *Graph) Has(name string) bool {
	_, ok := g.index[name]
	return ok
}

// Node returns a copy of the named node, with its Deps sorted by To, and
// whether it exists.
func (g *Graph) Node(name string) (Node, bool) {
	i, ok := g.index[name]
	if !ok {
		return Node{}, false
	}
	n := g.nodes[i]
	n.Deps = slices.Clone(n.Deps)
	return n, true
}

// Dependencies returns the direct dependencies of the named node, sorted by
// To (then Kind, Condition), or nil if there is no such node.
func (g *Graph) Dependencies(name string) []Edge {
	i, ok := g.index[name]
	if !ok {
		return nil
	}
	return slices.Clone(g.nodes[i].Deps)
}

// Dependents returns the names of the nodes that depend directly on the named
// node, sorted, or nil if there is no such node.
func (g *Graph) Dependents(name string) []string {
	i, ok := g.index[name]
	if !ok {
		return nil
	}
	return g.names(g.dependents[i])
}

func (g *Graph) names(idx []int32) []string {
	if len(idx) == 0 {
		return nil
	}
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = g.nodes[i].Name
	}
	return out
}
