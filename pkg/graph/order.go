package graph

// Levels groups nodes by depth: level 0 holds the nodes without
// dependencies, level n the nodes whose deepest dependency is at level n-1.
// Each level is sorted by priority (highest first), then name.
func (g *Graph) Levels() [][]string {
	n := len(g.nodes)
	if n == 0 {
		return nil
	}
	level := make([]int32, n)
	maxLevel := int32(0)
	// Visiting in rank order of a topological walk guarantees deps first.
	for _, i := range g.topo(g.fwd, g.deps, g.dependents) {
		for _, d := range g.deps[i] {
			level[i] = max(level[i], level[d]+1)
		}
		maxLevel = max(maxLevel, level[i])
	}
	out := make([][]string, maxLevel+1)
	// byRank is already priority desc then name, so appending keeps order.
	for _, i := range g.fwd.byRank {
		out[level[i]] = append(out[level[i]], g.nodes[i].Name)
	}
	return out
}

// Order returns a deterministic topological order, dependencies first:
// repeatedly the ready node (all dependencies already listed) with the
// highest priority, ties by name. It is the order in which Walk with a limit
// of 1 runs the nodes.
func (g *Graph) Order() []string {
	return g.names(g.topo(g.fwd, g.deps, g.dependents))
}

// ReverseOrder returns a deterministic teardown order: a node comes only
// after all nodes that depend on it, and among the ready ones the lowest
// priority comes first, ties by name. It is the order in which Walk with
// Reverse and a limit of 1 runs the nodes.
func (g *Graph) ReverseOrder() []string {
	return g.names(g.topo(g.rev, g.dependents, g.deps))
}

// topo lists node indices so that every node comes after its preds, choosing
// among ready nodes by r.
func (g *Graph) topo(r ranking, preds, succs [][]int32) []int32 {
	n := len(g.nodes)
	pending := make([]int32, n)
	var ready rankHeap
	for i, p := range preds {
		pending[i] = int32(len(p))
		if len(p) == 0 {
			ready.push(r.rank[i])
		}
	}
	out := make([]int32, 0, n)
	for ready.len() > 0 {
		i := r.byRank[ready.pop()]
		out = append(out, i)
		for _, s := range succs[i] {
			if pending[s]--; pending[s] == 0 {
				ready.push(r.rank[s])
			}
		}
	}
	return out
}

// rankHeap is a min-heap of ranks: the smallest rank is the node to take
// next. It is hand-rolled to avoid container/heap's interface calls.
type rankHeap struct{ a []int32 }

func (h *rankHeap) len() int { return len(h.a) }

func (h *rankHeap) push(x int32) {
	h.a = append(h.a, x)
	for k := len(h.a) - 1; k > 0; {
		p := (k - 1) / 2
		if h.a[p] <= h.a[k] {
			break
		}
		h.a[p], h.a[k] = h.a[k], h.a[p]
		k = p
	}
}

func (h *rankHeap) pop() int32 {
	top := h.a[0]
	last := len(h.a) - 1
	h.a[0] = h.a[last]
	h.a = h.a[:last]
	for k := 0; ; {
		c := 2*k + 1
		if c >= last {
			break
		}
		if c+1 < last && h.a[c+1] < h.a[c] {
			c++
		}
		if h.a[k] <= h.a[c] {
			break
		}
		h.a[k], h.a[c] = h.a[c], h.a[k]
		k = c
	}
	return top
}
