package agent

import (
	"context"
	"sync"
	"time"
)

// queue runs the agent's work by key, as a controller's work queue does:
// at most one piece of work per key at a time; work added while its key
// runs runs once more after it (the last added wins), so a burst of
// events costs one more look, not one per event.
type queue struct {
	ctx   context.Context
	clock Clock

	mu     sync.Mutex
	closed bool
	// held keeps work from starting until open: ticks and triggers wait
	// for the converge.
	held    bool
	order   []string
	running map[string]bool
	pending map[string]func(context.Context)
	wg      sync.WaitGroup
}

func newQueue(ctx context.Context, clock Clock) *queue {
	return &queue{ctx: ctx, clock: clock, running: map[string]bool{}, pending: map[string]func(context.Context){}}
}

// add runs fn under key, now or after the work running under key.
func (q *queue) add(key string, fn func(context.Context)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	if q.running[key] || q.held {
		if _, ok := q.pending[key]; !ok && q.held {
			q.order = append(q.order, key)
		}
		q.pending[key] = fn
		return
	}
	q.running[key] = true
	q.wg.Add(1)
	go q.run(key, fn)
}

func (q *queue) run(key string, fn func(context.Context)) {
	defer q.wg.Done()
	for {
		fn(q.ctx)
		q.mu.Lock()
		next, ok := q.pending[key]
		delete(q.pending, key)
		if !ok || q.closed {
			delete(q.running, key)
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		fn = next
	}
}

// addHolding runs fn under key and keeps every other work added from now
// on from starting until open. The hold is taken with fn's start, so an fn
// that opens at once cannot be followed by a hold nobody lifts.
func (q *queue) addHolding(key string, fn func(context.Context)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.held = true
	q.running[key] = true
	q.wg.Add(1)
	go q.run(key, fn)
}

// open starts the work held, in the order it was first added.
func (q *queue) open() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.held = false
	for _, key := range q.order {
		fn, ok := q.pending[key]
		if !ok || q.running[key] || q.closed {
			continue
		}
		delete(q.pending, key)
		q.running[key] = true
		q.wg.Add(1)
		go q.run(key, fn)
	}
	q.order = nil
}

// addAfter adds fn under key once d has passed.
func (q *queue) addAfter(d time.Duration, key string, fn func(context.Context)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		select {
		case <-q.clock.After(d):
			q.add(key, fn)
		case <-q.ctx.Done():
		}
	}()
}

// close adds nothing more and waits for the work in flight, which the
// caller has cancelled through the queue's context.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.wg.Wait()
}
