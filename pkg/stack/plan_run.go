package stack

// A job's runs: one-off containers of a service with x-schedule.run, made
// at a tick, by a trigger or by hand, with the job's overlap rule and the
// number of finished runs it keeps. Their labels are the run history: it
// lives on the engine and survives the agent.

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/project"
)

// Labels of a job's run containers, and of the agent's own container.
const (
	// LabelJob names the service a run container is a run of.
	LabelJob = "io.stack.job"
	// LabelRunTrigger says what made the run: schedule, event or manual.
	LabelRunTrigger = "io.stack.run.trigger"
	// LabelRunReason says why, in the user's words ("schedule @daily").
	LabelRunReason = "io.stack.run.reason"
	// LabelRunTick is the scheduled tick of a run (RFC 3339), when a
	// schedule made it.
	LabelRunTick = "io.stack.run.tick"
	// LabelAgent marks the agent's container of a project: down removes it
	// first, so that it does not act on the teardown.
	LabelAgent = "io.stack.agent"
)

// Run triggers.
const (
	TriggerSchedule = "schedule"
	TriggerEvent    = "event"
	TriggerManual   = "manual"
)

// JobRunOptions tune a run of a job.
type JobRunOptions struct {
	Service string
	// Trigger and Reason are recorded on the run: what made it and why.
	Trigger string
	Reason  string
	// Tick is the scheduled time of the run, zero when no schedule made it.
	Tick time.Time
	// Slug is the random part of the run's name and identity; RunJob makes
	// one when it is empty.
	Slug string
}

// PlanJobRun observes the engine and returns the plan of one run of a
// job: the job's dependencies brought up as up --no-recreate would, then a
// one-off container of the job created and started once they meet their
// conditions. The job's x-schedule decides what happens to a run that
// still runs (overlap: skip plans nothing but a note, replace stops it
// first, allow leaves it) and how many finished runs are kept (keep: the
// older ones are removed). The plan changes nothing.
func (s *Stack) PlanJobRun(ctx context.Context, p *types.Project, o JobRunOptions) (*Plan, error) {
	svc, ok := p.Services[o.Service]
	if !ok {
		return nil, fmt.Errorf("no such service: %s", o.Service)
	}
	a, err := project.AutomationOf(svc)
	if err != nil {
		return nil, err
	}
	if a.Schedule == nil || a.Schedule.Run == nil {
		return nil, fmt.Errorf("service %q is not a job: it has no x-schedule.run", o.Service)
	}
	if o.Slug == "" {
		o.Slug = randomSlug()
	}
	uo := UpOptions{Services: []string{o.Service}, NoRecreate: true}
	sel, err := selection(p, uo.Services, true)
	if err != nil {
		return nil, err
	}
	d, obs, err := s.observeDesired(ctx, p, sel, uo)
	if err != nil {
		return nil, err
	}
	return planJobRun(d, obs, *a.Schedule, o)
}

// planJobRun plans a run of job o.Service (see PlanJobRun). It is pure.
func planJobRun(d *Desired, obs *Observed, sched project.Schedule, o JobRunOptions) (*Plan, error) {
	runs := Runs(obs.Containers, o.Service)
	var running []*engine.Container
	for i := range runs {
		if runs[i].State.Up() {
			running = append(running, &runs[i])
		}
	}
	if len(running) > 0 && sched.Overlap == project.OverlapSkip {
		pl := &Plan{Project: d.Project.Name, project: d.Project}
		pl.Notes = append(pl.Notes, Note{Resource: KindService, Name: o.Service, Service: o.Service,
			Text: fmt.Sprintf("run skipped (%s): %s still runs and overlap is skip", o.Reason, running[0].Name)})
		return pl, nil
	}
	b := newUpPlanner(d, obs, UpOptions{NoRecreate: true})
	return b.plan(func() error {
		// Orphans are up's business, not a run's.
		b.pl.Notes = nil
		sp := d.Services[o.Service]
		var cleared []*Op
		if sched.Overlap == project.OverlapReplace {
			for _, c := range running {
				cleared = append(cleared, b.pl.add(&Op{Kind: OpStop, Resource: KindContainer, Name: c.Name, Service: o.Service,
					Container: c, Reasons: []string{"replaced by a new run (overlap: replace)"}}))
			}
		}
		for _, c := range pruned(runs, sched.Keep) {
			b.pl.add(&Op{Kind: OpRemove, Resource: KindContainer, Name: c.Name, Service: o.Service, Container: c, Volumes: true,
				Reasons: []string{fmt.Sprintf("keep %d finished runs", sched.Keep)}})
		}
		spec, err := runSpec(d, sp, o)
		if err != nil {
			return err
		}
		made := b.pl.add(&Op{Kind: OpCreate, Resource: KindContainer, Name: spec.Name, Service: o.Service, Spec: &spec})
		b.creating(sp, made, cleared)
		start := &Op{Kind: OpStart, Resource: KindContainer, Name: spec.Name, Service: o.Service, From: made, Reasons: []string{o.Reason}}
		b.startOp(sp, start, made)
		return nil
	})
}

// runSpec is the container of one run of job sp: the service as stack run
// makes it (no restart policy, no published ports), labelled with the run.
func runSpec(d *Desired, sp *ServiceSpec, o JobRunOptions) (engine.ContainerSpec, error) {
	p := d.Project
	svc, err := runService(p, sp.Service, RunOptions{})
	if err != nil {
		return engine.ContainerSpec{}, err
	}
	name := fmt.Sprintf("%s-%s-run-%s", p.Name, o.Service, o.Slug[:min(12, len(o.Slug))])
	labels := map[string]string{LabelSlug: o.Slug, LabelJob: o.Service, LabelRunTrigger: o.Trigger, LabelRunReason: o.Reason}
	if !o.Tick.IsZero() {
		labels[LabelRunTick] = o.Tick.UTC().Format(time.RFC3339)
	}
	if sp.ImageID != "" {
		labels[engine.LabelImage] = sp.ImageID
	}
	cc, err := engine.ContainerConfig(engine.CreateRequest{Project: p, Service: svc, Name: name, Number: 1, OneOff: true, Peers: sp.Peers, Labels: labels}, d.API)
	if err != nil {
		return engine.ContainerSpec{}, configError(p, err)
	}
	return engine.ContainerSpec{Name: name, Config: cc, Service: svc}, nil
}

// RunJob runs job o.Service once (see PlanJobRun) and returns the name of
// the run's container, "" when the overlap rule skipped it. It returns once
// the run has started; the run's end is the engine's to tell. It plans and
// runs under the project's lock.
func (s *Stack) RunJob(ctx context.Context, p *types.Project, o JobRunOptions) (string, error) {
	release, err := s.lock(ctx, p.Name)
	if err != nil {
		return "", err
	}
	defer release()
	pl, err := s.PlanJobRun(ctx, p, o)
	if err != nil {
		return "", err
	}
	if _, err := s.execute(ctx, pl); err != nil {
		return "", err
	}
	for _, op := range pl.Ops {
		if op.Kind == OpCreate && op.Spec != nil && op.Spec.Config.Config.Labels[LabelJob] == o.Service {
			return op.Name, nil
		}
	}
	return "", nil
}

// PruneRuns removes the finished runs of job service beyond the number
// its x-schedule keeps, oldest first, under the project's lock.
func (s *Stack) PruneRuns(ctx context.Context, p *types.Project, service string) error {
	a, err := project.AutomationOf(p.Services[service])
	if err != nil || a.Schedule == nil {
		return err
	}
	release, err := s.lock(ctx, p.Name)
	if err != nil {
		return err
	}
	defer release()
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: p.Name, Services: []string{service}, All: true})
	if err != nil {
		return err
	}
	pl := &Plan{Project: p.Name, project: p}
	runs := Runs(cs, service)
	for _, c := range pruned(runs, a.Schedule.Keep) {
		pl.add(&Op{Kind: OpRemove, Resource: KindContainer, Name: c.Name, Service: service, Container: c, Volumes: true,
			Reasons: []string{fmt.Sprintf("keep %d finished runs", a.Schedule.Keep)}})
	}
	_, err = s.execute(ctx, pl)
	return err
}

// Runs returns the run containers of job service among cs, newest first.
func Runs(cs []engine.Container, service string) []engine.Container {
	var runs []engine.Container
	for _, c := range cs {
		if c.OneOff && c.Labels[LabelJob] == service {
			runs = append(runs, c)
		}
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].Created.After(runs[j].Created) })
	return runs
}

// pruned returns the finished runs of runs (newest first) beyond the
// first keep finished ones.
func pruned(runs []engine.Container, keep int) []*engine.Container {
	var out []*engine.Container
	finished := 0
	for i := range runs {
		if runs[i].State.Up() {
			continue
		}
		finished++
		if finished > keep {
			out = append(out, &runs[i])
		}
	}
	return out
}
