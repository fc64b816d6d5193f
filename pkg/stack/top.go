package stack

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// ContainerTop is the process table of one container.
type ContainerTop struct {
	Container string
	Service   string
	engine.Top
}

// Top lists the processes of the running containers of services (all when
// empty), in the order of Ps.
func (s *Stack) Top(ctx context.Context, project string, services []string) ([]ContainerTop, error) {
	cs, err := s.Ps(ctx, project, PsOptions{Services: services})
	if err != nil {
		return nil, err
	}
	out := make([]ContainerTop, len(cs))
	keep := make([]bool, len(cs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for i, c := range cs {
		g.Go(func() error {
			t, err := s.engine.TopContainer(gctx, c.ID, "")
			if err != nil {
				// Stopped or removed since the list: not running any more.
				if errors.Is(err, engine.ErrNotFound) || errors.Is(err, engine.ErrConflict) {
					return nil
				}
				return err
			}
			out[i], keep[i] = ContainerTop{Container: c.Name, Service: c.Service, Top: t}, true
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	res := out[:0]
	for i, t := range out {
		if keep[i] {
			res = append(res, t)
		}
	}
	return res, nil
}
