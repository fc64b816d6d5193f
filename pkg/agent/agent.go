package agent

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/graph"
	"github.com/stack-orchestrator/stack/pkg/project"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Statuses of the agent's own progress events; the plans it runs report
// with pkg/stack's.
const (
	StatusAgent    stack.Status = "Agent"
	StatusRun      stack.Status = "Run"
	StatusStart    stack.Status = "Start"
	StatusStop     stack.Status = "Stop"
	StatusRestart  stack.Status = "Restart"
	StatusConverge stack.Status = "Converge"
)

// Options configure an Agent.
type Options struct {
	Engine  engine.Engine
	Project *types.Project
	// Sink receives the agent's progress: each action with its reason, and
	// the progress of the plans it runs. Nil discards.
	Sink stack.Sink
	// Parallel bounds concurrent engine calls of each plan.
	Parallel int
	// Clock is nil for the wall clock.
	Clock Clock
	// Lock decides which agent acts for the project (lock.go); nil takes
	// no lock (tests of one agent).
	Lock Lock
	// ProjectLock, when set, makes each change the agent makes hold the
	// project's lock on the engine, as every command's change does, so
	// that the agent and a command never change the project at once
	// (stack.LockOptions); nil takes none.
	ProjectLock *stack.LockOptions
	// Grace is how long a dependency that died, not stopped, is left to
	// the engine's restart policy before the agent starts it (0: 2s).
	Grace time.Duration
}

// Agent runs the automation of one project.
type Agent struct {
	o     Options
	eng   engine.Engine
	st    *stack.Stack
	p     *types.Project
	g     *graph.Graph
	auto  map[string]project.Automation
	rules []rule
	sink  stack.Sink
	clock Clock
	grace time.Duration

	mu sync.Mutex
	// stopped are the containers, by ID, stopped on purpose since they
	// last started: supervision leaves them down.
	stopped map[string]bool
	// backoff is, per service, how often supervision restarted it lately.
	backoff map[string]*backoff
}

// lookSlack is added to a delayed look, so that it comes after what it
// waits for by the engine's clock too.
const lookSlack = 100 * time.Millisecond

// rule is an x-on trigger of service on.
type rule struct {
	on string
	project.Trigger
}

// New returns the agent of o.Project, whose extensions Load validated.
func New(o Options) (*Agent, error) {
	g, err := stack.Graph(o.Project)
	if err != nil {
		return nil, err
	}
	a := &Agent{
		o: o, eng: o.Engine, p: o.Project, g: g, sink: o.Sink, clock: o.Clock, grace: o.Grace,
		auto: map[string]project.Automation{}, stopped: map[string]bool{}, backoff: map[string]*backoff{},
	}
	if a.sink == nil {
		a.sink = stack.Discard
	}
	if a.clock == nil {
		a.clock = wallClock{}
	}
	if a.grace <= 0 {
		a.grace = 2 * time.Second
	}
	a.st = stack.New(stack.Options{Engine: o.Engine, Sink: a.sink, Parallel: o.Parallel, Now: a.clock.Now, Lock: o.ProjectLock})
	for _, name := range slices.Sorted(maps.Keys(o.Project.Services)) {
		au, err := project.AutomationOf(o.Project.Services[name])
		if err != nil {
			return nil, err
		}
		a.auto[name] = au
		for _, t := range au.Triggers {
			a.rules = append(a.rules, rule{on: name, Trigger: t})
		}
	}
	return a, nil
}

// say reports what the agent does to a service and why.
func (a *Agent) say(service string, status stack.Status, text string) {
	a.sink.Event(stack.Event{Time: a.clock.Now(), Kind: stack.KindService, Name: service, Service: service, Status: status, Text: text, Done: true})
}

// failed reports an action that failed; the agent goes on.
func (a *Agent) failed(service string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	a.sink.Event(stack.Event{Time: a.clock.Now(), Kind: stack.KindService, Name: service, Service: service, Status: stack.StatusError, Done: true, Error: err.Error()})
}

// Run acts for the project until ctx ends, which is not an error. It
// takes the project's lock first, and gives up only when another agent
// holds it or the lock is lost; a lost engine is waited for.
func (a *Agent) Run(ctx context.Context) error {
	if a.o.Lock != nil {
		if err := a.o.Lock.Acquire(ctx); err != nil {
			return err
		}
		defer a.o.Lock.Release(ctx)
	}
	a.say(a.p.Name, StatusAgent, a.summary())
	delay := time.Second
	for {
		began := a.clock.Now()
		err := a.session(ctx)
		if ctx.Err() != nil {
			a.say(a.p.Name, StatusAgent, "stopped")
			return nil
		}
		var lost *LockLostError
		if errors.As(err, &lost) {
			return err
		}
		if errors.Is(err, errLockRemoved) {
			a.say(a.p.Name, StatusAgent, "stopped: its lock container was removed (stack down?)")
			return nil
		}
		if a.clock.Now().Sub(began) > time.Minute {
			delay = time.Second
		}
		a.sink.Event(stack.Event{Time: a.clock.Now(), Kind: stack.KindService, Name: a.p.Name, Status: stack.StatusWarning, Done: true,
			Text: fmt.Sprintf("lost the engine (%v); looking again in %s", err, delay)})
		select {
		case <-ctx.Done():
			return nil
		case <-a.clock.After(delay):
		}
		delay = min(2*delay, 30*time.Second)
	}
}

// summary says what the agent watches.
func (a *Agent) summary() string {
	var jobs, scheduled, triggered, supervised []string
	for _, name := range slices.Sorted(maps.Keys(a.auto)) {
		au := a.auto[name]
		switch {
		case au.Schedule != nil && au.Schedule.Run != nil:
			jobs = append(jobs, name)
		case au.Schedule != nil:
			scheduled = append(scheduled, name)
		}
		if len(au.Triggers) > 0 {
			triggered = append(triggered, name)
		}
		if au.RestartOnUnhealthy {
			supervised = append(supervised, name)
		}
	}
	for _, name := range a.g.Names() {
		for _, dep := range slices.Sorted(maps.Keys(a.p.Services[name].DependsOn)) {
			if a.p.Services[name].DependsOn[dep].Restart && !slices.Contains(supervised, name) {
				supervised = append(supervised, name)
			}
		}
	}
	part := func(what string, names []string) string {
		if len(names) == 0 {
			return ""
		}
		return what + " " + strings.Join(names, ", ")
	}
	var parts []string
	for _, s := range []string{part("jobs", jobs), part("scheduled", scheduled), part("triggered", triggered), part("supervised", supervised)} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "acting for project " + a.p.Name + ": nothing scheduled, triggered or supervised"
	}
	return "acting for project " + a.p.Name + ": " + strings.Join(parts, "; ")
}

// session follows the engine's events until they fail: it subscribes,
// brings the project to its desired state, then reacts to events and
// ticks.
func (a *Agent) session(ctx context.Context) error {
	sctx, cancel := context.WithCancel(ctx)
	q := newQueue(sctx, a.clock)
	defer func() {
		cancel()
		q.close()
	}()
	// Subscribed first, so that nothing that happens from now on is missed.
	events, errs := a.eng.Events(sctx, engine.Filter{Project: a.p.Name})
	if a.o.Lock != nil {
		if err := a.o.Lock.Check(sctx); err != nil {
			return err
		}
	}
	// Ticks and triggers wait for the converge: they plan against the
	// state it makes.
	q.addHolding("converge", func(ctx context.Context) {
		a.converge(ctx, q)
		q.open()
	})
	sched := newSchedule(a.auto, a.clock.Now())
	var timer <-chan time.Time
	var timerAt time.Time
	for {
		if next, ok := sched.next(); ok && !next.Equal(timerAt) {
			timerAt, timer = next, a.clock.After(next.Sub(a.clock.Now()))
		}
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				if err := <-errs; err != nil {
					return err
				}
				return errors.New("the engine closed the event stream")
			}
			if err := a.react(q, ev); err != nil {
				return err
			}
		case err := <-errs:
			if err == nil {
				err = errors.New("the engine closed the event stream")
			}
			return err
		case <-timer:
			timer, timerAt = nil, time.Time{}
			for _, t := range sched.due(a.clock.Now()) {
				reason := fmt.Sprintf("schedule %s %q", t.action, t.cron.Spec)
				a.act(q, t.service, t.action, reason, stack.TriggerSchedule, t.at)
			}
		}
	}
}

// converge brings the project to its desired state in graph and priority
// order, as up --no-recreate does: every service but the jobs and those
// their schedule has stopped (which it stops), then looks at supervision.
func (a *Agent) converge(ctx context.Context, q *queue) {
	now := a.clock.Now()
	off := map[string]bool{}
	for _, name := range a.g.Names() {
		if scheduledOff(a.auto[name], now) {
			off[name] = true
			for _, d := range a.dependents(name) {
				off[d] = true
			}
		}
	}
	var want, stop []string
	for _, name := range a.g.Order() {
		switch {
		case off[name]:
			stop = append(stop, name)
		case !project.IsJob(a.p.Services[name]):
			want = append(want, name)
		}
	}
	a.say(a.p.Name, StatusConverge, "bringing the project to its desired state in graph order")
	if len(want) > 0 {
		if err := a.st.Up(ctx, a.p, stack.UpOptions{Services: want, NoRecreate: true}); err != nil {
			a.failed(a.p.Name, err)
		}
	}
	if len(stop) > 0 {
		a.say(a.p.Name, StatusStop, "outside their schedule: "+strings.Join(stop, ", "))
		if err := a.st.Stop(ctx, a.p.Name, a.p, stack.StopOptions{Services: stop}); err != nil {
			a.failed(a.p.Name, err)
		}
	}
	q.add("supervise", a.supervise(q))
}

// dependents returns every service that depends on name, transitively.
func (a *Agent) dependents(name string) []string {
	var out []string
	seen := map[string]bool{name: true}
	queue := []string{name}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, d := range a.g.Dependents(n) {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
				queue = append(queue, d)
			}
		}
	}
	return out
}

// act queues action on service, with why.
func (a *Agent) act(q *queue, service string, action project.Action, reason, trigger string, at time.Time) {
	if action == project.ActionRun || (action == project.ActionStart && project.IsJob(a.p.Services[service])) {
		q.add("run:"+service, func(ctx context.Context) { a.run(ctx, service, reason, trigger, at) })
		return
	}
	// One key per service: a start, stop or restart queued behind another
	// replaces it, so the last word wins.
	q.add("service:"+service, func(ctx context.Context) {
		var err error
		switch action {
		case project.ActionStart:
			a.say(service, StatusStart, reason)
			err = a.st.Up(ctx, a.p, stack.UpOptions{Services: []string{service}, NoRecreate: true})
		case project.ActionStop:
			services := append([]string{service}, a.dependents(service)...)
			text := reason
			if len(services) > 1 {
				text += "; dependents first: " + strings.Join(services[1:], ", ")
			}
			a.say(service, StatusStop, text)
			err = a.st.Stop(ctx, a.p.Name, a.p, stack.StopOptions{Services: services})
		case project.ActionRestart:
			a.say(service, StatusRestart, reason)
			err = a.restart(ctx, []string{service}, func(engine.Container) string { return reason })
		}
		if err != nil {
			a.failed(service, err)
		}
	})
}

// run starts a run of job service.
func (a *Agent) run(ctx context.Context, service, reason, trigger string, at time.Time) {
	a.say(service, StatusRun, reason)
	if _, err := a.st.RunJob(ctx, a.p, stack.JobRunOptions{Service: service, Trigger: trigger, Reason: reason, Tick: at}); err != nil {
		a.failed(service, err)
	}
}

// restart restarts the running containers of services for which why
// gives a reason (and starts their stopped ones), each once its
// dependencies meet their conditions.
func (a *Agent) restart(ctx context.Context, services []string, why func(engine.Container) string) error {
	oneOff := false
	cs, err := a.eng.ListContainers(ctx, engine.Filter{Project: a.p.Name, Services: services, All: true, OneOff: &oneOff})
	if err != nil {
		return err
	}
	ids := map[string]string{}
	for _, c := range cs {
		if r := why(c); r != "" && c.State.Up() {
			ids[c.ID] = r
		}
	}
	return a.st.Up(ctx, a.p, stack.UpOptions{Services: services, NoRecreate: true, Restart: ids})
}

// react turns an engine event into the work it calls for: the triggers
// that match it, a look at supervision, the pruning of a job's runs. It
// fails when the agent must stop.
func (a *Agent) react(q *queue, ev engine.Event) error {
	attrs := ev.Attribute
	if attrs[stack.LabelAgent] != "" {
		if ev.Action == "destroy" && a.o.Lock != nil && a.o.Lock.Owns(ev.ID) {
			return errLockRemoved
		}
		return nil
	}
	oneOff := attrs[engine.LabelOneOff] == "True"
	job := attrs[stack.LabelJob]
	if oneOff && job == "" {
		// stack run's containers are the user's, not the service's.
		return nil
	}
	a.mu.Lock()
	switch ev.Action {
	case "start":
		delete(a.stopped, ev.ID)
	case "stop":
		a.stopped[ev.ID] = true
	case "destroy":
		delete(a.stopped, ev.ID)
	}
	a.mu.Unlock()
	for _, e := range triggerEvents(ev) {
		for _, r := range a.rules {
			if r.Service == ev.Service && r.Event == e {
				reason := fmt.Sprintf("%s of %s (%s)", e, ev.Service, ev.Name)
				a.act(q, r.on, r.Action, reason, stack.TriggerEvent, time.Time{})
			}
		}
	}
	if oneOff {
		if ev.Action == "die" {
			q.add("prune:"+job, func(ctx context.Context) {
				if err := a.st.PruneRuns(ctx, a.p, job); err != nil {
					a.failed(job, err)
				}
			})
		}
		return nil
	}
	_, health, _ := strings.Cut(ev.Action, ":")
	health = strings.TrimSpace(health)
	switch {
	case ev.Action == "start" && a.supervises(ev.Service):
		q.add("supervise", a.supervise(q))
	case ev.Action == "die" && a.supervises(ev.Service):
		// The engine's restart policy may bring it back; look after that
		// (a little after, for the time the engine took to report it).
		q.addAfter(a.grace+lookSlack, "supervise", a.supervise(q))
	case health == engine.HealthUnhealthy && a.auto[ev.Service].RestartOnUnhealthy:
		q.add("supervise", a.supervise(q))
	case health == engine.HealthHealthy:
		a.mu.Lock()
		delete(a.backoff, ev.Service)
		a.mu.Unlock()
	}
	return nil
}

// errLockRemoved ends an agent whose lock container was removed: the
// project is being taken down.
var errLockRemoved = errors.New("the agent's lock container was removed")

// triggerEvents are the trigger events an engine event is.
func triggerEvents(ev engine.Event) []project.Event {
	switch {
	case ev.Action == "start":
		return []project.Event{project.EventStart}
	case ev.Action == "die":
		if ev.ExitCode == "0" || ev.ExitCode == "" {
			return []project.Event{project.EventDie, project.EventExit0}
		}
		return []project.Event{project.EventDie, project.EventExitNonzero}
	case ev.Action == "oom":
		return []project.Event{project.EventOOM}
	case strings.HasPrefix(ev.Action, "health_status"):
		_, h, _ := strings.Cut(ev.Action, ":")
		switch strings.TrimSpace(h) {
		case engine.HealthHealthy:
			return []project.Event{project.EventHealthy}
		case engine.HealthUnhealthy:
			return []project.Event{project.EventUnhealthy}
		}
	}
	return nil
}
