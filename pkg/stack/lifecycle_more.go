package stack

// The options of the lifecycle verbs that reach past the containers they
// act on: start --wait, restart's dependents, kill's orphans.

import (
	"context"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// waitStarted waits, as up --wait does, for every container of the
// selected services (those that were already running too) to be ready:
// start --wait. Without a stack file the services' conditions default
// (ready: running, and healthy where a healthcheck is).
func (s *Stack) waitStarted(ctx context.Context, name string, p *types.Project, o StartOptions) error {
	oneOff := false
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: name, Services: o.Services, All: true, OneOff: &oneOff})
	if err != nil {
		return err
	}
	if p == nil {
		p = &types.Project{Name: name, Services: types.Services{}}
	}
	run := &running{project: p}
	for _, c := range cs {
		run.members = append(run.members, member{service: c.Service, name: c.Name, number: c.Number, id: c.ID})
	}
	return s.waitReady(ctx, run, UpOptions{Wait: true, WaitTimeout: o.WaitTimeout})
}

// withRestartDependents adds to services, transitively, the services
// that depend on one of them with depends_on restart: true: those docker
// compose restart restarts too (without --no-deps).
func withRestartDependents(p *types.Project, services []string) []string {
	in := map[string]bool{}
	for _, s := range services {
		in[s] = true
	}
	out := slices.Clone(services)
	for changed := true; changed; {
		changed = false
		for _, name := range sortedKeys(p.Services) {
			if in[name] {
				continue
			}
			for dep, d := range p.Services[name].DependsOn {
				if d.Restart && in[dep] {
					in[name], changed = true, true
					out = append(out, name)
					break
				}
			}
		}
	}
	return out
}
