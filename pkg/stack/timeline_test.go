package stack

import (
	"context"
	"testing"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

func TestFirstHealthy(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	probe := func(start, code int) engine.HealthProbe {
		return engine.HealthProbe{Start: at(start), End: at(start).Add(100 * time.Millisecond), ExitCode: code}
	}
	for _, tc := range []struct {
		name string
		h    engine.ContainerHistory
		want time.Time
	}{
		{"no healthcheck", engine.ContainerHistory{StartedAt: at(0)}, time.Time{}},
		{"first pass after failures", engine.ContainerHistory{StartedAt: at(0), Health: "healthy", Probes: []engine.HealthProbe{probe(1, 1), probe(2, 0), probe(3, 0)}}, at(2).Add(100 * time.Millisecond)},
		{"probes of the previous run are skipped", engine.ContainerHistory{StartedAt: at(10), Health: "healthy", Probes: []engine.HealthProbe{probe(1, 0), probe(2, 0), probe(11, 1), probe(12, 0), probe(13, 0)}}, at(12).Add(100 * time.Millisecond)},
		{"the first probes were dropped", engine.ContainerHistory{StartedAt: at(0), Health: "healthy", Probes: []engine.HealthProbe{probe(5, 0), probe(6, 0), probe(7, 0), probe(8, 0), probe(9, 0)}}, time.Time{}},
	} {
		if got := firstHealthy(tc.h); !got.Equal(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	dropped := engine.ContainerHistory{StartedAt: at(0), Health: "healthy", Probes: []engine.HealthProbe{probe(5, 0), probe(6, 0)}}
	if got, want := firstPass(dropped), at(5).Add(100*time.Millisecond); !got.Equal(want) {
		t.Errorf("healthy by %v, want %v", got, want)
	}
}

func TestTimelineWithoutHistory(t *testing.T) {
	f := newFake()
	s := New(Options{Engine: f})
	p := testProject("tl", map[string][]string{"db": nil, "web": {"db"}})
	if err := s.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	ts, err := s.Timeline(context.Background(), p.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].Service != "db" || ts[1].Service != "web" || ts[0].Started.IsZero() || ts[0].Started.After(ts[1].Started) {
		t.Fatalf("timeline %+v", ts)
	}
}
