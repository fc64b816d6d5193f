package graph

import (
	"context"
	"testing"
)

// The benchmark workload matches shared/bench: 100 levels x 100 wide, each
// node depending on two nodes of the level below.
const benchLevels, benchWidth = 100, 100

func BenchmarkNew(b *testing.B) {
	nodes := layered(benchLevels, benchWidth)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(nodes); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOrder(b *testing.B) {
	g := mustNew(b, layered(benchLevels, benchWidth)...)
	b.ReportAllocs()
	for b.Loop() {
		if len(g.Order()) != g.Len() {
			b.Fatal("short order")
		}
	}
}

func BenchmarkWalk(b *testing.B) {
	g := mustNew(b, layered(benchLevels, benchWidth)...)
	v := Visitor{Run: func(context.Context, string) error { return nil }}
	for _, bc := range []struct {
		name  string
		limit int
	}{{"unbounded", 0}, {"limit8", 8}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := g.Walk(context.Background(), WalkOptions{Limit: bc.limit}, v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
