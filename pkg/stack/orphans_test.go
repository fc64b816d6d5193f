package stack

import (
	"context"
	"strings"
	"testing"
)

// TestUpOrphanWarning: an orphan is reported unless IgnoreOrphans
// (COMPOSE_IGNORE_ORPHANS) says to keep quiet; it is never removed then.
func TestUpOrphanWarning(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		f := newFake()
		ctx := context.Background()
		if err := New(Options{Engine: f}).Up(ctx, testProject("shop", map[string][]string{"db": nil, "old": nil}), UpOptions{}); err != nil {
			t.Fatal(err)
		}
		sink := &recordSink{}
		if err := New(Options{Engine: f, Sink: sink}).Up(ctx, testProject("shop", map[string][]string{"db": nil}), UpOptions{IgnoreOrphans: ignore}); err != nil {
			t.Fatal(err)
		}
		warned := false
		for _, e := range sink.events {
			warned = warned || (e.Status == StatusWarning && strings.Contains(e.Text, "orphan"))
		}
		if warned == ignore {
			t.Errorf("IgnoreOrphans %v: orphan warning %v", ignore, warned)
		}
		if len(f.called("RemoveContainer")) != 0 {
			t.Errorf("IgnoreOrphans %v removed %v", ignore, f.called("RemoveContainer"))
		}
	}
}
