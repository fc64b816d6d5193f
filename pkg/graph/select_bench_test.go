package graph

import (
	"context"
	"fmt"
	"testing"
)

// Benchmarks of the derived graphs and walks that up and down use, on the
// same 10,000-node workload as bench_test.go.

func BenchmarkSelect(b *testing.B) {
	g := mustNew(b, layered(benchLevels, benchWidth)...)
	// One node of the top level and everything it needs: most of the graph.
	top := []string{fmt.Sprintf("s%03d_%03d", benchLevels-1, 0)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Select(top, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilter(b *testing.B) {
	g := mustNew(b, layered(benchLevels, benchWidth)...)
	b.ReportAllocs()
	for b.Loop() {
		// Drop every edge, as up does for the creation graph of a stack
		// with only depends_on edges.
		g.Filter(func(string, Edge) bool { return false })
	}
}

func BenchmarkLevels(b *testing.B) {
	g := mustNew(b, layered(benchLevels, benchWidth)...)
	b.ReportAllocs()
	for b.Loop() {
		if len(g.Levels()) != benchLevels {
			b.Fatal("wrong number of levels")
		}
	}
}

// BenchmarkWalkReverse is the teardown walk of down, with a Wait as up's
// start walk has.
func BenchmarkWalkReverse(b *testing.B) {
	g := mustNew(b, layered(benchLevels, benchWidth)...)
	nop := func(context.Context, string) error { return nil }
	for _, bc := range []struct {
		name string
		opts WalkOptions
		v    Visitor
	}{
		{"reverse/limit16", WalkOptions{Limit: 16, Reverse: true}, Visitor{Run: nop}},
		{"forward-wait/limit16", WalkOptions{Limit: 16}, Visitor{Wait: nop, Run: nop}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := g.Walk(context.Background(), bc.opts, bc.v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
