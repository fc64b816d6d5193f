package graph

import "context"

// WalkOptions configures Walk.
type WalkOptions struct {
	// Limit is the maximum number of concurrent Run calls; <= 0 means
	// unbounded. Wait calls do not count against it.
	Limit int
	// Reverse walks dependents first, for teardown: a node runs after every
	// node that depends on it has finished, and among ready nodes the lowest
	// priority gets a free slot first.
	Reverse bool
}

// Visitor holds the calls Walk makes for each node. Both receive a context
// that is cancelled when the walk stops early.
type Visitor struct {
	// Wait, if not nil, is called once all predecessors of the node have
	// finished, without holding a worker slot: it is the place to block until
	// a dependency is healthy, for example.
	Wait func(ctx context.Context, name string) error
	// Run, if not nil, is called after Wait returned nil, while holding one
	// of the Limit worker slots. A nil Run does nothing.
	Run func(ctx context.Context, name string) error
}

// Walk calls v for every node, each node after its predecessors (its
// dependencies, or its dependents if opts.Reverse) have finished Run without
// error. Independent nodes proceed concurrently. When more nodes are ready
// than there are free slots, the highest priority goes first (the lowest if
// Reverse), ties by name; so with Limit 1 and no Wait the nodes run in
// exactly Order (or ReverseOrder).
//
// On the first error returned by Wait or Run, or when ctx is cancelled, Walk
// starts no new call, cancels the context passed to calls in flight, waits
// for them to return and then returns that first error unchanged (ctx.Err()
// for a cancelled ctx). Nodes not reached are not visited. Walk returns only
// once every goroutine it started has returned.
func (g *Graph) Walk(ctx context.Context, opts WalkOptions, v Visitor) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n := len(g.nodes)
	if n == 0 {
		return nil
	}
	r, preds, succs := g.fwd, g.deps, g.dependents
	if opts.Reverse {
		r, preds, succs = g.rev, g.dependents, g.deps
	}
	run := v.Run
	if run == nil {
		run = func(context.Context, string) error { return nil }
	}

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// The calling goroutine is the only one touching the scheduling state;
	// workers report back on events. At most one goroutine per node is in
	// flight, so a buffer of n means workers never block on sending.
	events := make(chan walkEvent, n)
	pending := make([]int32, n)
	var (
		ready    rankHeap // nodes done waiting, queued for a slot
		inflight int      // goroutines whose event has not been received
		running  int      // Run calls in flight
		firstErr error
	)
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	// A predecessor's failure caused by the parent's cancellation is
	// reported as the cancellation.
	failFromWorker := func(err error) {
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
		}
		fail(err)
	}
	becomeReady := func(i int32) {
		if v.Wait == nil {
			ready.push(r.rank[i])
			return
		}
		inflight++
		name := g.nodes[i].Name
		go func() {
			events <- walkEvent{node: i, err: v.Wait(wctx, name)}
		}()
	}
	for i, p := range preds {
		pending[i] = int32(len(p))
		if len(p) == 0 {
			becomeReady(int32(i))
		}
	}

	ctxDone := ctx.Done()
	for {
		if firstErr == nil {
			if err := ctx.Err(); err != nil {
				fail(err)
			}
		}
		for firstErr == nil && (opts.Limit <= 0 || running < opts.Limit) && ready.len() > 0 {
			i := r.byRank[ready.pop()]
			running++
			inflight++
			name := g.nodes[i].Name
			go func() {
				events <- walkEvent{node: i, ran: true, err: run(wctx, name)}
			}()
		}
		if inflight == 0 {
			// Either everything ran or an error stopped the walk; nothing
			// queued can still be started.
			return firstErr
		}
		select {
		case ev := <-events:
			inflight--
			if ev.ran {
				running--
			}
			switch {
			case ev.err != nil:
				failFromWorker(ev.err)
			case firstErr != nil:
				// Stopping: only drain.
			case !ev.ran:
				ready.push(r.rank[ev.node])
			default:
				for _, s := range succs[ev.node] {
					if pending[s]--; pending[s] == 0 {
						// Checked here too so that no Wait starts after
						// the parent is cancelled.
						if err := ctx.Err(); err != nil {
							fail(err)
							break
						}
						becomeReady(s)
					}
				}
			}
		case <-ctxDone:
			ctxDone = nil
			fail(ctx.Err())
		}
	}
}

// walkEvent reports that a Wait (ran false) or Run (ran true) call for node
// returned err.
type walkEvent struct {
	node int32
	ran  bool
	err  error
}
