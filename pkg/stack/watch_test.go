package stack

import (
	"context"
	"testing"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// An exec event (a health probe) before the wait must not hide what the
// inspect says: the container is already healthy.
func TestWaitForIgnoresUnrelatedEvents(t *testing.T) {
	f := newFake()
	f.health["db"] = "healthy"
	p := testProject("shop", map[string][]string{"db": nil})
	s := New(Options{Engine: f})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	cs, _ := s.Ps(ctx, "shop", PsOptions{})
	w := s.watch(ctx, "shop")
	defer w.close()
	w.apply(engine.Event{Action: "exec_die", ID: cs[0].ID})
	if err := s.await(ctx, w, cs[0].ID, cs[0].Name, ConditionHealthy, ""); err != nil {
		t.Fatal(err)
	}
}
