package agent

import (
	"context"
	"testing"
	"time"
)

// The converge holds every other work until it opens the queue. A converge
// that ended before the hold took effect left the queue held for good: no
// trigger or tick ran again (TestTriggers/oom failed so once under load).
// The hold is now taken with the converge's start, so even a converge that
// opens at once leaves the queue open.
func TestHoldingWorkThatOpensAtOnce(t *testing.T) {
	q := newQueue(context.Background(), wallClock{})
	opened := make(chan struct{})
	q.addHolding("converge", func(context.Context) {
		q.open()
		close(opened)
	})
	<-opened
	ran := make(chan struct{})
	q.add("trigger", func(context.Context) { close(ran) })
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("work added after the converge opened the queue never ran")
	}
}

func TestHoldingWorkHoldsTheRestUntilOpen(t *testing.T) {
	q := newQueue(context.Background(), wallClock{})
	release := make(chan struct{})
	q.addHolding("converge", func(context.Context) {
		<-release
		q.open()
	})
	ran := make(chan struct{})
	q.add("trigger", func(context.Context) { close(ran) })
	select {
	case <-ran:
		t.Fatal("work ran while the converge held the queue")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("held work never ran after open")
	}
}
