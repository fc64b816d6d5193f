package stack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/graph"
)

// Down stops and removes the containers of the project named name, then its
// networks, and with o.Volumes its volumes. p may be nil: then the labels on
// the engine alone say what belongs to the project and in which order.
func (s *Stack) Down(ctx context.Context, name string, p *types.Project, o DownOptions) error {
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: name, All: true})
	if err != nil {
		return err
	}
	var victims []engine.Container
	for _, c := range cs {
		if p != nil && !c.OneOff && !o.RemoveOrphans {
			if _, ok := p.Services[c.Service]; !ok {
				s.emit(Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: StatusWarning, Done: true,
					Text: "orphan container: its service is not in the stack file; remove it with --remove-orphans"})
				continue
			}
		}
		victims = append(victims, c)
	}
	if err := s.removeContainers(ctx, p, victims, o.Timeout, o.Volumes); err != nil {
		return err
	}
	if err := s.removeNetworks(ctx, name, p); err != nil {
		return err
	}
	if o.Volumes {
		return s.removeVolumes(ctx, name, p)
	}
	return nil
}

// removeContainers stops and removes cs walking the dependency graph in
// reverse (from p, else from the containers' depends_on labels): a
// container is stopped once every container that depends on it is gone,
// and among those free to go, lower x-link-priority first. A zero timeout
// kills, which needs no order.
func (s *Stack) removeContainers(ctx context.Context, p *types.Project, cs []engine.Container, timeout *time.Duration, volumes bool) error {
	g, byName := containerOrder(p, cs)
	if timeout != nil && *timeout <= 0 {
		g = g.Filter(func(string, graph.Edge) bool { return false })
	}
	return g.Walk(ctx, graph.WalkOptions{Limit: s.parallel, Reverse: true}, graph.Visitor{
		Run: func(ctx context.Context, name string) error {
			return s.stopRemove(ctx, byName[name], timeout, volumes)
		},
	})
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

// removeNetworks removes the project's networks. dockerd 20.10 can keep a
// phantom endpoint after parallel removals (moby#42119): disconnect what the
// network still lists and try again, a bounded number of times.
func (s *Stack) removeNetworks(ctx context.Context, project string, p *types.Project) error {
	nets, err := s.engine.ListNetworks(ctx, project)
	if err != nil {
		return err
	}
	declared := map[string]bool{}
	if p != nil {
		for key, n := range p.Networks {
			if !bool(n.External) {
				declared[resourceName(p.Name, key, n.Name)] = true
			}
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for _, n := range nets {
		if p != nil && !declared[n.Name] {
			continue
		}
		g.Go(func() error { return s.removeNetwork(gctx, n) })
	}
	return g.Wait()
}

func (s *Stack) removeNetwork(ctx context.Context, n engine.Network) error {
	s.emit(Event{Kind: KindNetwork, Name: n.Name, Status: StatusRemoving})
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.engine.RemoveNetwork(ctx, n.ID)
		if err == nil || errors.Is(err, engine.ErrNotFound) {
			s.emit(Event{Kind: KindNetwork, Name: n.Name, Status: StatusRemoved, Done: true})
			return nil
		}
		if !strings.Contains(err.Error(), "active endpoints") {
			break
		}
		full, ierr := s.engine.InspectNetwork(ctx, n.ID)
		if ierr != nil {
			break
		}
		for _, c := range full.Containers {
			_ = s.engine.DisconnectNetwork(ctx, n.ID, c)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	if strings.Contains(err.Error(), "active endpoints") {
		err = fmt.Errorf("remove network %q: %w (when the network lists no container, this is a stale endpoint that "+
			"dockerd 20.10 can keep after parallel removals, moby#42119; it goes away when the engine restarts)", n.Name, err)
	} else {
		err = fmt.Errorf("remove network %q: %w", n.Name, err)
	}
	s.emit(Event{Kind: KindNetwork, Name: n.Name, Status: StatusError, Done: true, Error: err.Error()})
	return err
}

// removeVolumes removes the project's named volumes (external ones never).
func (s *Stack) removeVolumes(ctx context.Context, project string, p *types.Project) error {
	vols, err := s.engine.ListVolumes(ctx, project)
	if err != nil {
		return err
	}
	external := map[string]bool{}
	if p != nil {
		for key, v := range p.Volumes {
			if bool(v.External) {
				external[resourceName(p.Name, key, v.Name)] = true
			}
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for _, v := range vols {
		if external[v.Name] {
			continue
		}
		g.Go(func() error {
			s.emit(Event{Kind: KindVolume, Name: v.Name, Status: StatusRemoving})
			if err := s.engine.RemoveVolume(gctx, v.Name); err != nil && !errors.Is(err, engine.ErrNotFound) {
				s.emit(Event{Kind: KindVolume, Name: v.Name, Status: StatusError, Done: true, Error: err.Error()})
				return err
			}
			s.emit(Event{Kind: KindVolume, Name: v.Name, Status: StatusRemoved, Done: true})
			return nil
		})
	}
	return g.Wait()
}
