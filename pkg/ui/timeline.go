package ui

import (
	"context"
	"time"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// TimelineBar is one container's start: created, started, healthy, and
// finished when it is no longer running.
type TimelineBar struct {
	Name    string   `json:"name"`
	Service string   `json:"service"`
	Number  int      `json:"number"`
	State   string   `json:"state"`
	Health  string   `json:"health,omitempty"`
	Created *float64 `json:"created,omitempty"` // milliseconds since the epoch
	Started *float64 `json:"started,omitempty"`
	Healthy *float64 `json:"healthy,omitempty"`
	// HealthyBy, when Healthy is not known, is a time it was healthy by.
	HealthyBy *float64   `json:"healthyBy,omitempty"`
	Finished  *float64   `json:"finished,omitempty"`
	ExitCode  *int       `json:"exitCode,omitempty"`
	Deps      []EdgeView `json:"deps"`
}

// Timeline is the page's start timeline.
type Timeline struct {
	Now  float64       `json:"now"`
	Bars []TimelineBar `json:"bars"`
}

// timeline reads the containers' times from the engine and fills the
// healthy times it no longer knows from the events this hub saw.
func (h *hub) timeline(ctx context.Context) (Timeline, error) {
	ts, err := h.verbs.Timeline(ctx, h.name)
	if err != nil {
		return Timeline{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	deps := map[string][]EdgeView{}
	for _, s := range h.view.Services {
		deps[s.Name] = s.Deps
	}
	by := healthyBounds(ts, deps)
	out := Timeline{Now: *ms(h.s.o.Now()), Bars: make([]TimelineBar, 0, len(ts))}
	for _, t := range ts {
		healthy, healthyBy := t.Healthy, t.HealthyBy
		if r := h.rec[t.ID]; r != nil && healthy.IsZero() && !r.healthy.IsZero() && !r.healthy.Before(t.Started) {
			healthy = r.healthy
		}
		if b := by[t.Service]; healthy.IsZero() && t.Health == "healthy" && !b.IsZero() && b.After(t.Started) && (healthyBy.IsZero() || b.Before(healthyBy)) {
			healthyBy = b
		}
		if !healthy.IsZero() {
			healthyBy = time.Time{}
		}
		b := TimelineBar{
			Name: t.Name, Service: t.Service, Number: t.Number, State: t.State, Health: t.Health,
			Created: ms(t.Created), Started: ms(t.Started), Healthy: ms(healthy), HealthyBy: ms(healthyBy), Finished: ms(t.Finished),
			Deps: deps[t.Service],
		}
		if b.Deps == nil {
			b.Deps = []EdgeView{}
		}
		if t.State == "exited" || t.State == "dead" {
			code := t.ExitCode
			b.ExitCode = &code
		}
		out.Bars = append(out.Bars, b)
	}
	return out, nil
}

// healthyBounds tells, per service, the earliest start of a container
// that waited for it to be healthy: stack started that one only once the
// service was healthy, so it was healthy by then.
func healthyBounds(ts []stack.ContainerTimes, deps map[string][]EdgeView) map[string]time.Time {
	by := map[string]time.Time{}
	for _, t := range ts {
		if t.Started.IsZero() {
			continue
		}
		for _, d := range deps[t.Service] {
			if d.Condition == "service_healthy" && (by[d.To].IsZero() || t.Started.Before(by[d.To])) {
				by[d.To] = t.Started
			}
		}
	}
	return by
}

// ms is t in milliseconds since the epoch, nil when zero.
func ms(t time.Time) *float64 {
	if t.IsZero() || t.Year() < 2000 {
		return nil
	}
	v := float64(t.UnixNano()) / 1e6
	return &v
}
