package stack

import (
	"context"
	"errors"
	"sort"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/graph"
)

// ErrImageMissing is returned, wrapped with the service and image, when an
// image a container needs is not on the engine.
var ErrImageMissing = errors.New("image not found on the engine")

// Up brings the project to the state its file declares: it observes the
// engine, plans (see PlanUp) and runs the plan: networks and volumes first,
// every container created as early as the engine allows and started the
// moment its dependencies meet their condition. Then, as o asks, it waits
// for the services to be ready or follows their logs.
func (s *Stack) Up(ctx context.Context, p *types.Project, o UpOptions) error {
	sel, err := selection(p, o.Services, !o.NoDeps)
	if err != nil {
		return err
	}
	if o.Build && !o.NoBuild && !o.DryRun {
		// Before planning, so that a rebuilt image recreates its containers.
		if err := s.PrepareImages(ctx, p, ImageOptions{Services: sel.Names(), Build: true, Pull: o.Pull}); err != nil {
			return err
		}
	}
	if !o.DryRun {
		// Likewise for images a refresh pull policy finds too old.
		if err := s.refreshImages(ctx, p, sel.Names(), o); err != nil {
			return err
		}
	}
	if o.DryRun {
		pl, err := s.planUp(ctx, p, sel, o)
		if err != nil {
			return err
		}
		s.reportPlan(pl)
		return nil
	}
	// Observed, planned and run under the project's lock; waiting for
	// readiness and following logs only read.
	release, err := s.lock(ctx, p.Name)
	if err != nil {
		return err
	}
	pl, err := s.planUp(ctx, p, sel, o)
	if err != nil {
		release()
		return err
	}
	x, err := s.execute(ctx, pl)
	release()
	run := x.running(p)
	if err != nil {
		if o.Wait {
			return s.waitFailed(ctx, run, err)
		}
		return err
	}
	if o.Wait && !o.NoStart {
		if err := s.waitReady(ctx, run, o); err != nil {
			return err
		}
	}
	if o.Attach != nil {
		return s.attach(ctx, run, o)
	}
	return nil
}

// PlanUp observes the engine and returns the plan Up would run with o,
// changing nothing: what "what would up do now, and why?" is answered by.
func (s *Stack) PlanUp(ctx context.Context, p *types.Project, o UpOptions) (*Plan, error) {
	sel, err := selection(p, o.Services, !o.NoDeps)
	if err != nil {
		return nil, err
	}
	return s.planUp(ctx, p, sel, o)
}

// selection is the service graph of the named services (all when none),
// with what they depend on when withDeps.
func selection(p *types.Project, services []string, withDeps bool) (*graph.Graph, error) {
	g, err := Graph(p)
	if err != nil || len(services) == 0 {
		return g, err
	}
	return g.Select(services, withDeps)
}

// planUp observes what the plan needs, with as few calls as it can: the
// containers and images at once; the networks and volumes only when the
// containers do not prove them present and unchanged.
func (s *Stack) planUp(ctx context.Context, p *types.Project, sel *graph.Graph, o UpOptions) (*Plan, error) {
	d, obs, err := s.observeDesired(ctx, p, sel, o)
	if err != nil {
		return nil, err
	}
	pl, err := planUp(d, obs, o)
	if err != nil || obs.Networks != nil || !pl.createsContainers() {
		return pl, err
	}
	// Containers are created naming their networks, which a network held
	// twice makes ambiguous although running containers prove it present:
	// one more list, for the plans that create.
	seen := &Observed{}
	if err := s.observeResources(ctx, p.Name, seen, false); err != nil {
		return nil, err
	}
	if len(seen.Duplicates) == 0 {
		return pl, nil
	}
	obs.Networks, obs.Duplicates = seen.Networks, seen.Duplicates
	return planUp(d, obs, o)
}

// observeDesired observes what a plan of the services of sel needs and
// computes their desired state.
func (s *Stack) observeDesired(ctx context.Context, p *types.Project, sel *graph.Graph, o UpOptions) (*Desired, *Observed, error) {
	obs, err := s.observeContainers(ctx, p.Name, imageRefs(p, sel.Names()))
	if err != nil {
		return nil, nil, err
	}
	d, err := desire(p, sel, o, obs)
	if err != nil {
		return nil, nil, err
	}
	if !resourcesProven(d, obs) {
		if err := s.observeResources(ctx, p.Name, obs, true); err != nil {
			return nil, nil, err
		}
	}
	return d, obs, nil
}

// createsContainers reports whether the plan creates a container.
func (p *Plan) createsContainers() bool {
	for _, op := range p.Ops {
		if op.Resource == KindContainer && (op.Kind == OpCreate || op.Kind == OpRecreate) {
			return true
		}
	}
	return false
}

// running is what an up left running: the containers of its plan, for
// --wait and a foreground up.
type running struct {
	project *types.Project
	// members are by name.
	members []member
}

// member is one container of a run.
type member struct {
	service string
	name    string
	number  int
	id      string // "" when the run did not get to make it
}

// running lists the containers the plan made, started or kept, with their
// IDs as far as the execution got.
func (x *execution) running(p *types.Project) *running {
	run := &running{project: p}
	if x == nil {
		return run
	}
	at := map[string]int{}
	for _, op := range x.pl.Ops {
		if op.Resource != KindContainer {
			continue
		}
		switch op.Kind {
		case OpCreate, OpStart, OpKeep, OpRestart, OpReplace:
		default:
			continue
		}
		m := member{service: op.Service, name: op.Name, number: op.Number, id: x.id(op.ID)}
		if i, ok := at[op.Name]; ok {
			if m.id != "" {
				run.members[i] = m
			}
			continue
		}
		at[op.Name] = len(run.members)
		run.members = append(run.members, m)
	}
	sort.Slice(run.members, func(i, j int) bool { return run.members[i].name < run.members[j].name })
	return run
}
