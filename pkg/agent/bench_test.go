package agent

import (
	"context"
	"testing"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine/enginefake"
)

// The agent's own cost, on the in-memory engine: what it adds to the
// engine's time between a tick or an event and the call it makes. The
// real engine's figures are bench/agent.sh's (docs/performance.md).

// BenchmarkTickToStart is the time from a job's tick to the start of its
// run's container: the tick's work, the observation, the plan of the run
// and its execution.
func BenchmarkTickToStart(b *testing.B) {
	f := enginefake.New("busybox")
	f.Exit["backup"] = 0
	h := start(b, load(b, jobFile), f, nil)
	h.eventually("db", func() bool { return h.running("shop-db-1") })
	// jobFile's job runs every 10 s.
	next := h.clock.Now().Add(10 * time.Second)
	b.ResetTimer()
	for i := range b.N {
		h.advanceTo(next)
		h.eventually("run", func() bool { return h.count("StartContainer", "-run-") == i+1 })
		next = next.Add(10 * time.Second)
	}
}

// BenchmarkRestartDependents is the time from the start of a restart:
// true dependency to the restart of its dependent.
func BenchmarkRestartDependents(b *testing.B) {
	f, h := startSupervised(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if err := f.RestartContainer(ctx, "shop-db-1", nil); err != nil {
			b.Fatal(err)
		}
		h.eventually("api restarted", func() bool { return h.count("RestartContainer", "shop-api-1") == i+1 })
	}
}
