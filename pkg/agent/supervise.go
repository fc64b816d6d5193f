package agent

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Supervision: depends_on restart: true held at run time, and
// x-restart-on-unhealthy. Level-triggered: it compares what the engine
// says now (start times, states, health), whatever events led there.

// Back-off of the restarts supervision makes of one service.
const (
	unhealthyBackoff    = 10 * time.Second
	unhealthyBackoffMax = 5 * time.Minute
	crashBackoff        = time.Second
	crashBackoffMax     = time.Minute
)

// backoff counts the restarts supervision made of a service lately.
type backoff struct {
	n    int
	last time.Time
}

// wait is how long to wait from now before the next restart: none for
// the first, then base, doubling up to max.
func (b *backoff) wait(now time.Time, base, max time.Duration) time.Duration {
	if b == nil || b.n == 0 || now.Sub(b.last) > 10*max {
		// None lately: a service that ran well for long starts afresh.
		return 0
	}
	d := base << (b.n - 1)
	if d > max || d <= 0 {
		d = max
	}
	return b.last.Add(d).Sub(now)
}

// supervises reports whether service is a dependency that a restart: true
// edge ties dependents to.
func (a *Agent) supervises(service string) bool {
	for _, name := range a.g.Names() {
		if d, ok := a.p.Services[name].DependsOn[service]; ok && d.Restart {
			return true
		}
	}
	return false
}

// supervise returns the work that looks at supervision once.
func (a *Agent) supervise(q *queue) func(context.Context) {
	return func(ctx context.Context) {
		if err := a.superviseOnce(ctx, q); err != nil {
			a.failed(a.p.Name, err)
		}
	}
}

// superviseOnce observes the containers supervision is about and acts:
// a restart: true dependency that died and that nothing brings back is
// started; a dependent that started before the container of a restart:
// true dependency is restarted, once the dependency meets its condition;
// an unhealthy container of a service with x-restart-on-unhealthy is
// restarted. Restarts of one service back off.
func (a *Agent) superviseOnce(ctx context.Context, q *queue) error {
	oneOff := false
	cs, err := a.eng.ListContainers(ctx, engine.Filter{Project: a.p.Name, All: true, OneOff: &oneOff})
	if err != nil {
		return err
	}
	byService := map[string][]engine.Container{}
	for _, c := range cs {
		byService[c.Service] = append(byService[c.Service], c)
	}
	// Start times, by inspect, of the services restart: true edges join.
	started := map[string]time.Time{}
	var finished = map[string]time.Time{}
	inspect := func(svc string) error {
		for _, c := range byService[svc] {
			if _, ok := started[c.ID]; ok {
				continue
			}
			d, err := a.eng.InspectContainer(ctx, c.ID)
			if err != nil {
				return err
			}
			started[c.ID], finished[c.ID] = d.StartedAt, d.FinishedAt
		}
		return nil
	}
	now := a.clock.Now()
	var revive []string
	stale := map[string]string{}
	for _, name := range a.g.Order() {
		svc := a.p.Services[name]
		for _, dep := range slices.Sorted(maps.Keys(svc.DependsOn)) {
			if !svc.DependsOn[dep].Restart {
				continue
			}
			if err := inspect(dep); err != nil {
				return err
			}
			if err := inspect(name); err != nil {
				return err
			}
			var depStart time.Time
			for _, c := range byService[dep] {
				if c.State.Up() && started[c.ID].After(depStart) {
					depStart = started[c.ID]
				}
				if a.died(c, finished[c.ID], now) && !slices.Contains(revive, dep) {
					revive = append(revive, dep)
				}
			}
			for _, c := range byService[name] {
				if c.State.Up() && !depStart.IsZero() && started[c.ID].Before(depStart) {
					stale[c.ID] = fmt.Sprintf("dependency %s restarted", dep)
				}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(a.auto)) {
		if !a.auto[name].RestartOnUnhealthy {
			continue
		}
		for _, c := range byService[name] {
			if c.State.Up() && c.Health == engine.HealthUnhealthy {
				stale[c.ID] = "unhealthy"
			}
		}
	}
	// Back-off per service, for crashes brought back and for restarts
	// that do not cure unhealthiness.
	revive = a.allowed(q, revive, now, crashBackoff, crashBackoffMax)
	if len(revive) > 0 {
		for _, name := range revive {
			a.say(name, StatusStart, "died and its restart policy did not bring it back; its restart: true dependents follow")
		}
		if err := a.st.Up(ctx, a.p, stack.UpOptions{Services: revive, NoRecreate: true}); err != nil {
			return err
		}
	}
	var services []string
	for _, c := range cs {
		if r, ok := stale[c.ID]; ok {
			base, max := unhealthyBackoff, unhealthyBackoffMax
			if r != "unhealthy" {
				base, max = 0, 0
			}
			if len(a.allowed(q, []string{c.Service}, now, base, max)) == 0 {
				delete(stale, c.ID)
				continue
			}
			if !slices.Contains(services, c.Service) {
				services = append(services, c.Service)
				a.say(c.Service, StatusRestart, r)
			}
		}
	}
	if len(services) == 0 {
		return nil
	}
	return a.st.Up(ctx, a.p, stack.UpOptions{Services: services, NoRecreate: true, Restart: stale})
}

// died reports whether container c died on its own (not stopped on
// purpose) at least the grace period ago and is still down: the engine's
// restart policy is not bringing it back.
func (a *Agent) died(c engine.Container, finished, now time.Time) bool {
	if c.State != engine.StateExited && c.State != engine.StateDead {
		return false
	}
	a.mu.Lock()
	stopped := a.stopped[c.ID]
	a.mu.Unlock()
	return !stopped && !finished.IsZero() && !now.Before(finished.Add(a.grace))
}

// allowed returns the services of names whose back-off lets supervision
// restart them now, and counts the restart; for the others it looks again
// when their back-off ends. A zero base never backs off.
func (a *Agent) allowed(q *queue, names []string, now time.Time, base, max time.Duration) []string {
	if base == 0 {
		return names
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, name := range names {
		b := a.backoff[name]
		if wait := b.wait(now, base, max); wait > 0 {
			q.addAfter(wait, "supervise", a.supervise(q))
			continue
		}
		if b == nil || now.Sub(b.last) > 10*max {
			b = &backoff{}
			a.backoff[name] = b
		}
		b.n++
		b.last = now
		out = append(out, name)
	}
	return out
}
