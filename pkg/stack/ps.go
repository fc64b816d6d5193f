package stack

import (
	"context"
	"sort"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Ps lists the containers of the project named name, sorted by service and
// number: running ones, or all with o.All.
func (s *Stack) Ps(ctx context.Context, name string, o PsOptions) ([]engine.Container, error) {
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: name, All: o.All, Services: o.Services})
	if err != nil {
		return nil, err
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Service != cs[j].Service {
			return cs[i].Service < cs[j].Service
		}
		if cs[i].OneOff != cs[j].OneOff {
			return !cs[i].OneOff
		}
		if cs[i].Number != cs[j].Number {
			return cs[i].Number < cs[j].Number
		}
		return cs[i].Name < cs[j].Name
	})
	return cs, nil
}
