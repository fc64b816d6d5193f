package stack

import (
	"context"
	"errors"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// ContainerTimes is when one container of a project was created, started,
// turned healthy and finished, as far as the engine remembers.
type ContainerTimes struct {
	ID      string
	Name    string
	Service string
	Number  int
	State   string
	Health  string
	Created time.Time
	// Started is the start of the current (or last) run; zero if it never
	// ran.
	Started time.Time
	// Healthy is when the current run passed its first health probe; zero
	// when it has no healthcheck, is not healthy yet, or the engine no
	// longer knows.
	Healthy time.Time
	// HealthyBy, when Healthy is not known but the container passed a
	// kept probe, is the end of the earliest one: it was healthy by then.
	HealthyBy time.Time
	// Finished is when the last run ended, zero while running.
	Finished time.Time
	ExitCode int
}

// probesKept is how many health probes Docker keeps per container.
const probesKept = 5

// Timeline returns the times of every service container of project, from
// one inspect per container and, when a healthy time is not in the kept
// probes, the events the engine still holds. Sorted by start, then name.
func (s *Stack) Timeline(ctx context.Context, project string) ([]ContainerTimes, error) {
	oneOff := false
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: project, All: true, OneOff: &oneOff})
	if err != nil {
		return nil, err
	}
	hist, _ := s.engine.(engine.History)
	out := make([]ContainerTimes, len(cs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for i, c := range cs {
		g.Go(func() error {
			t, err := s.containerTimes(gctx, hist, c)
			if err != nil && !errors.Is(err, engine.ErrNotFound) {
				return err
			}
			out[i] = t
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, t := range out {
		if t.Name != "" { // removed meanwhile
			kept = append(kept, t)
		}
	}
	out = kept
	if hist != nil {
		s.healthyFromEvents(ctx, hist, project, out)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.Before(out[j].Started)
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// containerTimes reads one container's times.
func (s *Stack) containerTimes(ctx context.Context, hist engine.History, c engine.Container) (ContainerTimes, error) {
	t := ContainerTimes{ID: c.ID, Name: c.Name, Service: c.Service, Number: c.Number, State: string(c.State), Health: c.Health, Created: c.Created}
	if hist == nil {
		d, err := s.engine.InspectContainer(ctx, c.ID)
		if err != nil {
			return ContainerTimes{}, err
		}
		t.Created, t.Started, t.Finished, t.ExitCode, t.Health = d.Created, d.StartedAt, d.FinishedAt, d.ExitCode, d.Health
		if d.Running {
			t.Finished = time.Time{}
		}
		return t, nil
	}
	h, err := hist.ContainerHistory(ctx, c.ID)
	if err != nil {
		return ContainerTimes{}, err
	}
	t.Created, t.Started, t.Finished, t.ExitCode, t.Health = h.Created, h.StartedAt, h.FinishedAt, h.ExitCode, h.Health
	if h.Running {
		t.Finished = time.Time{}
	}
	t.Healthy = firstHealthy(h)
	if t.Healthy.IsZero() {
		t.HealthyBy = firstPass(h)
	}
	return t, nil
}

// firstHealthy is the end of the first passing probe of the current run,
// when the kept probes reach back to its start.
func firstHealthy(h engine.ContainerHistory) time.Time {
	if h.Health == "" || h.StartedAt.IsZero() {
		return time.Time{}
	}
	complete := len(h.Probes) < probesKept
	for _, p := range h.Probes {
		if p.Start.Before(h.StartedAt) {
			complete = true // a probe of the previous run: nothing of this one was dropped
			continue
		}
		if p.ExitCode == 0 {
			if complete {
				return p.End
			}
			return time.Time{}
		}
	}
	return time.Time{}
}

// firstPass is the end of the earliest kept passing probe of the current
// run.
func firstPass(h engine.ContainerHistory) time.Time {
	for _, p := range h.Probes {
		if p.ExitCode == 0 && !p.Start.Before(h.StartedAt) {
			return p.End
		}
	}
	return time.Time{}
}

// healthyFromEvents fills the healthy times the probes could not give from
// the engine's kept events, best effort: an engine that forgot them leaves
// the times zero.
func (s *Stack) healthyFromEvents(ctx context.Context, hist engine.History, project string, ts []ContainerTimes) {
	var since time.Time
	missing := map[string]int{}
	for i, t := range ts {
		if t.Health == "" || !t.Healthy.IsZero() || t.Started.IsZero() {
			continue
		}
		missing[t.ID] = i
		if since.IsZero() || t.Started.Before(since) {
			since = t.Started
		}
	}
	if len(missing) == 0 {
		return
	}
	evs, err := hist.PastEvents(ctx, engine.Filter{Project: project}, since.Add(-time.Second), s.now())
	if err != nil {
		return
	}
	for _, ev := range evs {
		i, ok := missing[ev.ID]
		if !ok || ev.Action != "health_status: healthy" || ev.Time.Before(ts[i].Started) {
			continue
		}
		ts[i].Healthy, ts[i].HealthyBy = ev.Time, time.Time{}
		delete(missing, ev.ID)
	}
}
