package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// recorder notes Run calls and checks ordering constraints as they happen.
type recorder struct {
	mu      sync.Mutex
	order   []string // Run starts
	done    map[string]bool
	waited  map[string]bool
	bad     []string
	started atomic.Int32
	ended   atomic.Int32
}

func newRecorder() *recorder {
	return &recorder{done: map[string]bool{}, waited: map[string]bool{}}
}

// visitor returns a Visitor that checks that every predecessor of a node
// finished before the node's Wait and Run start, then calls run (if not nil).
func (r *recorder) visitor(g *Graph, reverse bool, run func(ctx context.Context, name string) error) Visitor {
	preds := func(name string) []string {
		if reverse {
			return g.Dependents(name)
		}
		var out []string
		for _, e := range g.Dependencies(name) {
			out = append(out, e.To)
		}
		return out
	}
	check := func(name, phase string) {
		for _, p := range preds(name) {
			if !r.done[p] {
				r.bad = append(r.bad, fmt.Sprintf("%s of %s started before %s finished", phase, name, p))
			}
		}
	}
	return Visitor{
		Wait: func(ctx context.Context, name string) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			check(name, "Wait")
			r.waited[name] = true
			return nil
		},
		Run: func(ctx context.Context, name string) error {
			r.started.Add(1)
			defer r.ended.Add(1)
			r.mu.Lock()
			check(name, "Run")
			if !r.waited[name] {
				r.bad = append(r.bad, "Run of "+name+" before its Wait")
			}
			r.order = append(r.order, name)
			r.mu.Unlock()
			var err error
			if run != nil {
				err = run(ctx, name)
			}
			if err == nil {
				r.mu.Lock()
				r.done[name] = true
				r.mu.Unlock()
			}
			return err
		},
	}
}

// skipWait lets Run proceed without a recorded Wait, for visitors without one.
func (r *recorder) skipWait(g *Graph) {
	for _, nm := range g.Names() {
		r.waited[nm] = true
	}
}

func (r *recorder) ran() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.order)
}

func (r *recorder) assertClean(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bad {
		t.Error(b)
	}
	if s, e := r.started.Load(), r.ended.Load(); s != e {
		t.Errorf("Walk returned with %d Run calls still in flight", s-e)
	}
}

// layered builds levels x width nodes, each depending on two nodes of the
// level below, with priorities that vary so ordering is exercised.
func layered(levels, width int) []Node {
	nodes := make([]Node, 0, levels*width)
	name := func(l, i int) string { return fmt.Sprintf("s%03d_%03d", l, i) }
	for l := range levels {
		for i := range width {
			nd := Node{Name: name(l, i), Priority: (l*7 + i*13) % 5}
			if l > 0 {
				nd.Deps = []Edge{{To: name(l-1, i)}, {To: name(l-1, (i+1)%width)}}
			}
			nodes = append(nodes, nd)
		}
	}
	return nodes
}

func walkGraphs(t *testing.T) map[string]*Graph {
	return map[string]*Graph{
		"diamond": diamond(t),
		"ties":    mustNew(t, n("c", 0), n("a", 0), n("b", 0), n("d", 0, "c")),
		"layered": mustNew(t, layered(6, 5)...),
		"single":  mustNew(t, n("only", 0)),
	}
}

func TestWalkLimitOneFollowsOrder(t *testing.T) {
	for name, g := range walkGraphs(t) {
		for _, reverse := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/reverse=%v", name, reverse), func(t *testing.T) {
				r := newRecorder()
				// No Wait: Wait calls run concurrently, so the order in which
				// nodes queue for the slot would depend on scheduling.
				v := Visitor{Run: r.visitor(g, reverse, nil).Run}
				r.skipWait(g)
				if err := g.Walk(context.Background(), WalkOptions{Limit: 1, Reverse: reverse}, v); err != nil {
					t.Fatal(err)
				}
				want := g.Order()
				if reverse {
					want = g.ReverseOrder()
				}
				if got := r.ran(); !slices.Equal(got, want) {
					t.Errorf("ran %v, want %v", got, want)
				}
				r.assertClean(t)
			})
		}
	}
}

func TestWalkRespectsDependencies(t *testing.T) {
	for name, g := range walkGraphs(t) {
		for _, reverse := range []bool{false, true} {
			for _, limit := range []int{0, 1, 3} {
				t.Run(fmt.Sprintf("%s/reverse=%v/limit=%d", name, reverse, limit), func(t *testing.T) {
					r := newRecorder()
					err := g.Walk(context.Background(), WalkOptions{Limit: limit, Reverse: reverse}, r.visitor(g, reverse, nil))
					if err != nil {
						t.Fatal(err)
					}
					got := r.ran()
					slices.Sort(got)
					if !slices.Equal(got, g.Names()) {
						t.Errorf("ran %v, want each of %v once", got, g.Names())
					}
					r.assertClean(t)
				})
			}
		}
	}
}

func TestWalkEmpty(t *testing.T) {
	g := mustNew(t)
	err := g.Walk(context.Background(), WalkOptions{}, Visitor{Run: func(context.Context, string) error {
		t.Error("Run called on empty graph")
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestWalkLimit(t *testing.T) {
	tests := []struct {
		name  string
		nodes int
		limit int
		want  int // max concurrent Run calls
	}{
		{"bounded", 40, 4, 4},
		{"limit one", 10, 1, 1},
		{"limit above size", 5, 10, 5},
		{"unbounded", 30, 0, 30},
		{"negative is unbounded", 12, -1, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var nodes []Node
			for i := range tt.nodes {
				// A chain on every other node so that slots free up while
				// nodes become ready, not just at the start.
				nd := n(fmt.Sprintf("n%02d", i), i%3)
				if i%2 == 1 && i >= 3 {
					nd.Deps = []Edge{{To: fmt.Sprintf("n%02d", i-2)}}
				}
				nodes = append(nodes, nd)
			}
			if tt.want == tt.nodes {
				nodes = nodes[:0]
				for i := range tt.nodes {
					nodes = append(nodes, n(fmt.Sprintf("n%02d", i), 0))
				}
			}
			g := mustNew(t, nodes...)
			var cur, peak atomic.Int32
			full := make(chan struct{})
			var once sync.Once
			run := func(ctx context.Context, name string) error {
				c := cur.Add(1)
				defer cur.Add(-1)
				for {
					p := peak.Load()
					if c <= p || peak.CompareAndSwap(p, c) {
						break
					}
				}
				// Hold every Run until the expected number is reached at
				// once: this proves the bound is reachable, and the peak
				// proves it is never exceeded.
				if int(c) >= tt.want {
					once.Do(func() { close(full) })
				}
				select {
				case <-full:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if err := g.Walk(context.Background(), WalkOptions{Limit: tt.limit}, Visitor{Run: run}); err != nil {
				t.Fatal(err)
			}
			if got := int(peak.Load()); got != tt.want {
				t.Errorf("peak concurrency %d, want %d", got, tt.want)
			}
		})
	}
}

func TestWalkSlowBranchDoesNotBlockOthers(t *testing.T) {
	// slow is independent of the chain x <- y <- z; it only returns once z
	// ran, so the walk would deadlock if slow delayed them.
	g := mustNew(t, n("slow", 100), n("x", 0), n("y", 0, "x"), n("z", 0, "y"))
	for _, limit := range []int{0, 2} {
		for _, reverse := range []bool{false, true} {
			t.Run(fmt.Sprintf("limit=%d/reverse=%v", limit, reverse), func(t *testing.T) {
				last := "z"
				if reverse {
					last = "x"
				}
				lastRan := make(chan struct{})
				run := func(ctx context.Context, name string) error {
					switch name {
					case "slow":
						select {
						case <-lastRan:
						case <-ctx.Done():
							return ctx.Err()
						}
					case last:
						close(lastRan)
					}
					return nil
				}
				if err := g.Walk(context.Background(), WalkOptions{Limit: limit, Reverse: reverse}, Visitor{Run: run}); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestWalkWaitDoesNotHoldSlot(t *testing.T) {
	// With one slot, "first" (highest priority) blocks in Wait until "other"
	// has run. If waiting held the slot, "other" could never run.
	g := mustNew(t, n("first", 10), n("other", 0), n("after", 5, "first"))
	otherRan := make(chan struct{})
	r := newRecorder()
	v := Visitor{
		Wait: func(ctx context.Context, name string) error {
			if name == "first" {
				select {
				case <-otherRan:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		},
		Run: func(ctx context.Context, name string) error {
			r.mu.Lock()
			r.order = append(r.order, name)
			r.mu.Unlock()
			if name == "other" {
				close(otherRan)
			}
			return nil
		},
	}
	if err := g.Walk(context.Background(), WalkOptions{Limit: 1}, v); err != nil {
		t.Fatal(err)
	}
	if got, want := r.ran(), []string{"other", "first", "after"}; !slices.Equal(got, want) {
		t.Errorf("ran %v, want %v", got, want)
	}
}

var errBoom = errors.New("boom")

func TestWalkErrorStops(t *testing.T) {
	// a fails once c is in flight; b depends on a, d on c. c blocks until it
	// is cancelled and then reports a cancellation error of its own, which
	// must not replace the first error.
	g := mustNew(t, n("a", 0), n("b", 0, "a"), n("c", 0), n("d", 0, "c"), n("e", 0, "b", "d"))
	tests := []struct {
		name    string
		reverse bool
		failIn  string // "wait" or "run"
		fail    string // node that fails
		block   string // node in flight when it fails
		notRun  []string
	}{
		{name: "run error", failIn: "run", fail: "a", block: "c", notRun: []string{"a", "b", "d", "e"}},
		{name: "wait error", failIn: "wait", fail: "a", block: "c", notRun: []string{"a", "b", "d", "e"}},
		{name: "reverse run error", reverse: true, failIn: "run", fail: "b", block: "d", notRun: []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		for _, limit := range []int{0, 2} {
			t.Run(fmt.Sprintf("%s/limit=%d", tt.name, limit), func(t *testing.T) {
				blockStarted := make(chan struct{})
				r := newRecorder()
				v := r.visitor(g, tt.reverse, func(ctx context.Context, name string) error {
					switch name {
					case tt.block:
						close(blockStarted)
						<-ctx.Done()
						return fmt.Errorf("stop %s: %w", name, ctx.Err())
					case tt.fail:
						<-blockStarted
						return errBoom
					}
					return nil
				})
				inner := v.Wait
				v.Wait = func(ctx context.Context, name string) error {
					if tt.failIn == "wait" && name == tt.fail {
						<-blockStarted
						return errBoom
					}
					return inner(ctx, name)
				}
				err := g.Walk(context.Background(), WalkOptions{Limit: limit, Reverse: tt.reverse}, v)
				if err != errBoom {
					t.Fatalf("Walk = %v, want %v unwrapped", err, errBoom)
				}
				ran := r.ran()
				for _, nm := range tt.notRun {
					if slices.Contains(ran, nm) && !(nm == tt.fail && tt.failIn == "run") {
						t.Errorf("%s ran after the failure; ran %v", nm, ran)
					}
				}
				if !slices.Contains(ran, tt.block) {
					t.Errorf("%s did not run", tt.block)
				}
				r.assertClean(t)
			})
		}
	}
}

func TestWalkCancel(t *testing.T) {
	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		g := diamond(t)
		r := newRecorder()
		if err := g.Walk(ctx, WalkOptions{}, r.visitor(g, false, nil)); err != context.Canceled {
			t.Fatalf("Walk = %v, want context.Canceled", err)
		}
		if got := r.ran(); len(got) != 0 {
			t.Errorf("ran %v, want nothing", got)
		}
	})

	// a cancels the parent while c is blocked in flight; nothing may start
	// afterwards, not even a Wait, and c must be released.
	g := mustNew(t, n("a", 0), n("b", 0, "a"), n("c", 0), n("d", 0, "c"))
	for _, limit := range []int{0, 2} {
		for _, withWait := range []bool{false, true} {
			t.Run(fmt.Sprintf("limit=%d/wait=%v", limit, withWait), func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				cStarted := make(chan struct{})
				r := newRecorder()
				v := r.visitor(g, false, func(ctx context.Context, name string) error {
					switch name {
					case "a":
						<-cStarted
						cancel()
						return nil
					case "c":
						close(cStarted)
						<-ctx.Done()
						return ctx.Err()
					}
					return nil
				})
				var waitedAfter atomic.Bool
				if withWait {
					inner := v.Wait
					v.Wait = func(ctx context.Context, name string) error {
						if name == "b" || name == "d" {
							waitedAfter.Store(true)
						}
						return inner(ctx, name)
					}
				} else {
					v.Wait = nil
					r.skipWait(g)
				}
				if err := g.Walk(ctx, WalkOptions{Limit: limit}, v); err != context.Canceled {
					t.Fatalf("Walk = %v, want context.Canceled", err)
				}
				if got := r.ran(); slices.Contains(got, "b") || slices.Contains(got, "d") {
					t.Errorf("ran %v after cancellation", got)
				}
				if waitedAfter.Load() {
					t.Error("Wait started after cancellation")
				}
				r.assertClean(t)
			})
		}
	}
}

func TestWalkNilRun(t *testing.T) {
	g := diamond(t)
	var waits atomic.Int32
	err := g.Walk(context.Background(), WalkOptions{Limit: 1}, Visitor{Wait: func(context.Context, string) error {
		waits.Add(1)
		return nil
	}})
	if err != nil || waits.Load() != int32(g.Len()) {
		t.Fatalf("Walk = %v with %d waits, want nil and %d", err, waits.Load(), g.Len())
	}
}
