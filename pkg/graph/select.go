package graph

import "slices"

// Select returns the sub-graph made of the named nodes and, if withDeps, of
// all their transitive dependencies. Edges to nodes outside the selection are
// dropped. A name that is not in g gives a *NotFoundError. Duplicate names
// are allowed; an empty names selects nothing.
func (g *Graph) Select(names []string, withDeps bool) (*Graph, error) {
	in := make([]bool, len(g.nodes))
	var stack []int32
	for _, name := range names {
		i, ok := g.index[name]
		if !ok {
			return nil, &NotFoundError{Name: name}
		}
		if !in[i] {
			in[i] = true
			stack = append(stack, i)
		}
	}
	for withDeps && len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, d := range g.deps[i] {
			if !in[d] {
				in[d] = true
				stack = append(stack, d)
			}
		}
	}
	var nodes []Node
	for i, n := range g.nodes {
		if !in[i] {
			continue
		}
		var deps []Edge
		for _, e := range n.Deps {
			if in[g.index[e.To]] {
				deps = append(deps, e)
			}
		}
		n.Deps = deps
		nodes = append(nodes, n)
	}
	return mustBuild(nodes), nil
}

// Filter returns a graph with the same nodes and only the edges for which
// keep returns true. keep is called once per edge with the name of the node
// owning it. It is used, for instance, to derive the graph of edges that
// matter for creation order.
func (g *Graph) Filter(keep func(from string, e Edge) bool) *Graph {
	nodes := make([]Node, len(g.nodes))
	for i, n := range g.nodes {
		var deps []Edge
		for _, e := range n.Deps {
			if keep(n.Name, e) {
				deps = append(deps, e)
			}
		}
		n.Deps = deps
		nodes[i] = n
	}
	return mustBuild(nodes)
}

// mustBuild builds a graph derived from a valid one by dropping nodes or
// edges, which cannot introduce unknown names or cycles.
func mustBuild(nodes []Node) *Graph {
	g, err := build(slices.Clip(nodes))
	if err != nil {
		panic("graph: derived graph is invalid: " + err.Error())
	}
	return g
}
