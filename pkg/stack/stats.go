package stack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// ContainerStats is the latest resource usage sample of a container.
type ContainerStats struct {
	Container engine.Container
	// Sampled is false while no sample has arrived (a stopped container,
	// or one just started): the numbers are then zero.
	Sampled bool
	engine.Stats
}

// StatsOptions tune Stats.
type StatsOptions struct {
	// Services selects whose containers to show; empty means all.
	Services []string
	// All shows stopped containers too, with zero numbers.
	All bool
	// Stream keeps sampling until ctx ends; otherwise one sample of each
	// container is taken.
	Stream bool
	// Interval is how often fn is called when streaming; 0 means 500ms.
	Interval time.Duration
}

// Stats samples the resource usage of the project's containers and calls
// fn with all of them, in the order of Ps: once, or with Stream every
// Interval until ctx ends (then it returns nil), following containers that
// start and leaving out those removed (and, without All, those stopped).
func (s *Stack) Stats(ctx context.Context, project string, o StatsOptions, fn func([]ContainerStats) error) error {
	if !o.Stream {
		return s.statsOnce(ctx, project, o, fn)
	}
	return s.statsStream(ctx, project, o, fn)
}

// statsOnce takes one sample of each running container, in parallel.
func (s *Stack) statsOnce(ctx context.Context, project string, o StatsOptions, fn func([]ContainerStats) error) error {
	cs, err := s.Ps(ctx, project, PsOptions{All: o.All, Services: o.Services})
	if err != nil {
		return err
	}
	out := make([]ContainerStats, len(cs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for i, c := range cs {
		out[i].Container = c
		if c.State != "running" {
			continue
		}
		g.Go(func() error {
			err := s.engine.ContainerStats(gctx, c.ID, false, func(st engine.Stats) error {
				out[i].Stats, out[i].Sampled = st, true
				return nil
			})
			if errors.Is(err, engine.ErrNotFound) {
				return nil // removed since the list
			}
			if err != nil {
				return fmt.Errorf("container %q: %w", c.Name, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return fn(out)
}

// statsSample is one sample from the stream of a container.
type statsSample struct {
	id string
	st engine.Stats
}

// statsStream follows the project's containers and their samples.
func (s *Stack) statsStream(ctx context.Context, project string, o StatsOptions, fn func([]ContainerStats) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Subscribed before the list, so that no start is missed.
	events, errs := s.engine.Events(ctx, engine.Filter{Project: project, Services: o.Services})
	cs, err := s.Ps(ctx, project, PsOptions{All: o.All, Services: o.Services})
	if err != nil {
		return err
	}

	var wg sync.WaitGroup
	defer wg.Wait()
	samples := make(chan statsSample)
	tracked := map[string]*ContainerStats{}
	stops := map[string]context.CancelFunc{}
	sample := func(c engine.Container) {
		if _, ok := stops[c.ID]; ok || c.State != "running" {
			return
		}
		cctx, stop := context.WithCancel(ctx)
		stops[c.ID] = stop
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A container that stops or goes away ends its stream.
			_ = s.engine.ContainerStats(cctx, c.ID, true, func(st engine.Stats) error {
				select {
				case samples <- statsSample{id: c.ID, st: st}:
					return nil
				case <-cctx.Done():
					return cctx.Err()
				}
			})
		}()
	}
	drop := func(id string) {
		if stop, ok := stops[id]; ok {
			stop()
			delete(stops, id)
		}
	}
	for _, c := range cs {
		tracked[c.ID] = &ContainerStats{Container: c}
		sample(c)
	}

	interval := o.Interval
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	// The first call comes with the first tick, when samples have come.
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case sm := <-samples:
			if t, ok := tracked[sm.id]; ok {
				t.Stats, t.Sampled = sm.st, true
			}
		case ev, ok := <-events:
			if !ok {
				if err := <-errs; err != nil && ctx.Err() == nil {
					return err
				}
				return nil
			}
			switch ev.Action {
			case "start", "unpause":
				t, ok := tracked[ev.ID]
				if !ok {
					t = &ContainerStats{Container: engine.Container{ID: ev.ID, Name: ev.Name, Service: ev.Service, Project: ev.Project}}
					t.Container.Number, _ = strconv.Atoi(ev.Attribute[engine.LabelNumber])
					tracked[ev.ID] = t
				}
				t.Container.State = "running"
				sample(t.Container)
			case "die":
				drop(ev.ID)
				if t, ok := tracked[ev.ID]; ok {
					t.Container.State, t.Stats, t.Sampled = "exited", engine.Stats{}, false
					if !o.All {
						delete(tracked, ev.ID)
					}
				}
			case "destroy":
				drop(ev.ID)
				delete(tracked, ev.ID)
			}
		case <-tick.C:
			if err := fn(statsList(tracked)); err != nil {
				return err
			}
		}
	}
}

// statsList is the tracked containers in the order of Ps.
func statsList(tracked map[string]*ContainerStats) []ContainerStats {
	out := make([]ContainerStats, 0, len(tracked))
	for _, t := range tracked {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Container, out[j].Container
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Number != b.Number {
			return a.Number < b.Number
		}
		return a.Name < b.Name
	})
	return slices.Clip(out)
}
