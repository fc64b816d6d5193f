package stack

import (
	"context"
	"errors"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Volumes lists the volumes of a project, sorted by name; with services,
// only those that containers of these services mount (as docker compose
// volumes does, which looks at the running containers).
func (s *Stack) Volumes(ctx context.Context, project string, services []string) ([]engine.Volume, error) {
	vols, err := s.engine.ListVolumes(ctx, project)
	if err != nil {
		return nil, err
	}
	sort.Slice(vols, func(i, j int) bool { return vols[i].Name < vols[j].Name })
	if len(services) == 0 {
		return vols, nil
	}
	cs, err := s.Ps(ctx, project, PsOptions{Services: services})
	if err != nil {
		return nil, err
	}
	mounted := map[string]bool{}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for _, c := range cs {
		g.Go(func() error {
			d, err := s.engine.InspectContainer(gctx, c.ID)
			if errors.Is(err, engine.ErrNotFound) {
				return nil // removed since the list
			}
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for _, m := range d.Mounts {
				if m.Name != "" {
					mounted[m.Name] = true
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := vols[:0]
	for _, v := range vols {
		if mounted[v.Name] {
			out = append(out, v)
		}
	}
	return out, nil
}
