package stack

import (
	"context"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Down stops and removes the containers of the project named name, then its
// networks, and with o.Volumes its volumes, as PlanDown plans it. p may be
// nil: then the labels on the engine alone say what belongs to the project
// and in which order.
func (s *Stack) Down(ctx context.Context, name string, p *types.Project, o DownOptions) error {
	return s.locked(ctx, name, o.DryRun, func() error {
		pl, err := s.PlanDown(ctx, name, p, o)
		if err != nil {
			return err
		}
		if o.DryRun {
			s.reportPlan(pl)
			return nil
		}
		if _, err = s.execute(ctx, pl); err != nil || !removesAgent(pl) {
			return err
		}
		// The agent may have made a container (a job's run) between the
		// observation and its own removal: one more pass takes what is left.
		again, err := s.PlanDown(ctx, name, p, o)
		if err != nil || len(again.Ops) == 0 {
			return err
		}
		_, err = s.execute(ctx, again)
		return err
	})
}

// removesAgent reports whether a plan removes the project's agent.
func removesAgent(pl *Plan) bool {
	for _, op := range pl.Ops {
		if op.Kind == OpRemove && op.Container != nil && op.Container.Labels[LabelAgent] != "" {
			return true
		}
	}
	return false
}

// PlanDown observes the project (its containers, networks and, with
// o.Volumes, volumes, all at once) and returns the plan of Down.
func (s *Stack) PlanDown(ctx context.Context, name string, p *types.Project, o DownOptions) (*Plan, error) {
	obs := &Observed{}
	errc := make(chan error, 1)
	go func() {
		var err error
		obs.Containers, err = s.engine.ListContainers(ctx, engine.Filter{Project: name, All: true})
		errc <- err
	}()
	rerr := s.observeResources(ctx, name, obs, o.Volumes)
	if err := <-errc; err != nil {
		return nil, err
	}
	if rerr != nil {
		return nil, rerr
	}
	return planDown(name, p, obs, o), nil
}

// labelDeps parses Compose's depends_on label: "svc:condition:restart,...".
func labelDeps(label string) []string {
	var deps []string
	for _, part := range strings.Split(label, ",") {
		if name, _, _ := strings.Cut(part, ":"); name != "" {
			deps = append(deps, name)
		}
	}
	return deps
}
