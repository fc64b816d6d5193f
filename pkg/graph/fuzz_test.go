package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

// fuzzNodes builds up to 32 nodes from data: each byte pair is an edge
// from node a%n to node b%n (a self edge or a back edge can close a
// cycle); n and the priorities come from the first bytes.
func fuzzNodes(data []byte) []Node {
	if len(data) == 0 {
		return nil
	}
	n := int(data[0])%32 + 1
	nodes := make([]Node, n)
	for i := range nodes {
		nodes[i] = Node{Name: fmt.Sprintf("n%02d", i)}
		if i+1 < len(data) {
			nodes[i].Priority = int(int8(data[i+1])) % 4
		}
	}
	for i := 1; i+1 < len(data); i += 2 {
		from, to := int(data[i])%n, int(data[i+1])%n
		nodes[from].Deps = append(nodes[from].Deps, Edge{To: nodes[to].Name, Kind: "depends_on"})
	}
	return nodes
}

// FuzzGraph: a graph of random edges is either refused with a cycle that
// is one, or gives an order, levels and walks (forward, reverse, any
// limit) that honour every edge and visit every node once.
func FuzzGraph(f *testing.F) {
	for _, s := range []string{"", "\x03\x00\x01\x01\x02", "\x02\x00\x01\x01\x00", "\x05\x00\x00", "\x1f\x01\x02\x03\x04\x05\x06\x07\x08"} {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, limit uint8) {
		nodes := fuzzNodes(data)
		g, err := New(nodes)
		var cycle *CycleError
		if errors.As(err, &cycle) {
			checkCycle(t, nodes, cycle.Path)
			return
		}
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		deps := map[string][]string{}
		for _, n := range nodes {
			for _, e := range n.Deps {
				deps[n.Name] = append(deps[n.Name], e.To)
			}
		}
		order := g.Order()
		if len(order) != len(nodes) {
			t.Fatalf("order has %d nodes, want %d", len(order), len(nodes))
		}
		checkOrder(t, "order", order, deps, false)
		checkOrder(t, "reverse order", g.ReverseOrder(), deps, true)
		var levels []string
		for _, l := range g.Levels() {
			levels = append(levels, l...)
		}
		checkOrder(t, "levels", levels, deps, false)
		for _, reverse := range []bool{false, true} {
			var mu sync.Mutex
			var walked []string
			err := g.Walk(context.Background(), WalkOptions{Limit: int(limit % 4), Reverse: reverse}, Visitor{
				Run: func(_ context.Context, name string) error {
					mu.Lock()
					defer mu.Unlock()
					walked = append(walked, name)
					return nil
				},
			})
			if err != nil || len(walked) != len(nodes) {
				t.Fatalf("walk (reverse %v): %v, %d of %d nodes", reverse, err, len(walked), len(nodes))
			}
			checkOrder(t, "walk", walked, deps, reverse)
		}
	})
}

// checkOrder fails unless every node comes after what it depends on
// (before, when reverse), once.
func checkOrder(t *testing.T, what string, order []string, deps map[string][]string, reverse bool) {
	t.Helper()
	at := map[string]int{}
	for i, name := range order {
		if _, dup := at[name]; dup {
			t.Fatalf("%s: %s twice in %v", what, name, order)
		}
		at[name] = i
	}
	for from, tos := range deps {
		for _, to := range tos {
			if reverse && at[from] > at[to] || !reverse && at[from] < at[to] {
				t.Fatalf("%s: %s before %s it depends on (reverse %v): %v", what, from, to, reverse, order)
			}
		}
	}
}

// checkCycle fails unless path is a cycle of the graph's edges.
func checkCycle(t *testing.T, nodes []Node, path []string) {
	t.Helper()
	if len(path) < 2 || path[0] != path[len(path)-1] {
		t.Fatalf("cycle %v does not close", path)
	}
	byName := map[string]Node{}
	for _, n := range nodes {
		byName[n.Name] = n
	}
	for i := 0; i+1 < len(path); i++ {
		if !slices.ContainsFunc(byName[path[i]].Deps, func(e Edge) bool { return e.To == path[i+1] }) {
			t.Fatalf("cycle %v: %s does not depend on %s", path, path[i], path[i+1])
		}
	}
}
