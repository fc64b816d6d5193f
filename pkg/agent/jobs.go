package agent

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/project"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Job is a scheduled or triggered service as stack jobs shows it.
type Job struct {
	Service string `json:"service"`
	// Schedule is the service's x-schedule, e.g. `run "0 3 * * *"
	// (Europe/Berlin)`; Triggers its x-on, e.g. "healthy of db: run".
	Schedule string   `json:"schedule,omitempty"`
	Triggers []string `json:"triggers,omitempty"`
	// Next is the next tick of its crons, and NextAction what it does.
	Next       *time.Time `json:"next,omitempty"`
	NextAction string     `json:"next_action,omitempty"`
	// Runs are its last runs, newest first (jobs only).
	Runs []Run `json:"runs,omitempty"`
}

// Run is one run of a job, from its container on the engine.
type Run struct {
	Container string     `json:"container"`
	Trigger   string     `json:"trigger"`
	Reason    string     `json:"reason,omitempty"`
	Tick      *time.Time `json:"tick,omitempty"`
	State     string     `json:"state"`
	Started   *time.Time `json:"started,omitempty"`
	Finished  *time.Time `json:"finished,omitempty"`
	// Duration is the run's length so far, rounded to milliseconds.
	Duration time.Duration `json:"duration_ns"`
	// ExitCode is set once the run has finished.
	ExitCode *int `json:"exit_code,omitempty"`
}

// Jobs lists the scheduled and triggered services of p with their next
// tick after now and, for jobs, their last runs (at most last; 0 for all
// the engine keeps), read from the engine: the run history survives the
// agent.
func Jobs(ctx context.Context, eng engine.Engine, p *types.Project, now time.Time, last int) ([]Job, error) {
	oneOff := true
	cs, err := eng.ListContainers(ctx, engine.Filter{Project: p.Name, All: true, OneOff: &oneOff})
	if err != nil {
		return nil, err
	}
	var jobs []Job
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		a, err := project.AutomationOf(p.Services[name])
		if err != nil {
			return nil, err
		}
		if a.Schedule == nil && len(a.Triggers) == 0 {
			continue
		}
		j := Job{Service: name}
		if s := a.Schedule; s != nil {
			var parts []string
			for _, e := range []struct {
				what string
				c    *project.Cron
			}{{"run", s.Run}, {"start", s.Start}, {"stop", s.Stop}} {
				if e.c == nil {
					continue
				}
				parts = append(parts, fmt.Sprintf("%s %q", e.what, e.c.Spec))
				if next := e.c.Next(now); !next.IsZero() && (j.Next == nil || next.Before(*j.Next)) {
					j.Next, j.NextAction = &next, e.what
				}
			}
			j.Schedule = strings.Join(parts, ", ")
			if s.Timezone != "" {
				j.Schedule += " (" + s.Timezone + ")"
			}
		}
		for _, t := range a.Triggers {
			j.Triggers = append(j.Triggers, fmt.Sprintf("%s of %s: %s", t.Event, t.Service, t.Action))
		}
		runs := stack.Runs(cs, name)
		if last > 0 && len(runs) > last {
			runs = runs[:last]
		}
		for _, c := range runs {
			r, err := runOf(ctx, eng, c, now)
			if errors.Is(err, engine.ErrNotFound) {
				continue // removed since the list (the agent prunes old runs)
			}
			if err != nil {
				return nil, err
			}
			j.Runs = append(j.Runs, r)
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// runOf reads one run from its container.
func runOf(ctx context.Context, eng engine.Engine, c engine.Container, now time.Time) (Run, error) {
	r := Run{Container: c.Name, Trigger: c.Labels[stack.LabelRunTrigger], Reason: c.Labels[stack.LabelRunReason], State: string(c.State)}
	if t, err := time.Parse(time.RFC3339, c.Labels[stack.LabelRunTick]); err == nil {
		r.Tick = &t
	}
	d, err := eng.InspectContainer(ctx, c.ID)
	if err != nil {
		return r, err
	}
	if !d.StartedAt.IsZero() {
		r.Started = &d.StartedAt
		end := now
		if !d.Running && !d.FinishedAt.IsZero() {
			r.Finished, end = &d.FinishedAt, d.FinishedAt
			code := d.ExitCode
			r.ExitCode = &code
		}
		// The engine's clock and ours may differ a little.
		r.Duration = max(0, end.Sub(d.StartedAt).Round(time.Millisecond))
	}
	return r, nil
}
