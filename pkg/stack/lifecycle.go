package stack

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/graph"
)

// The lifecycle verbs (start, stop, restart, kill, rm, pause, unpause) act
// on the existing containers of a project, found by its labels. p, the
// loaded stack file, may be nil: the containers' depends_on labels then
// give the order.

// StartOptions tune Start.
type StartOptions struct {
	Services []string // empty: all
}

// StopOptions tune Stop.
type StopOptions struct {
	Services []string
	// Timeout is the grace period before the kill; nil: each container's own.
	Timeout *time.Duration
}

// RestartOptions tune Restart.
type RestartOptions struct {
	Services []string
	Timeout  *time.Duration
}

// KillOptions tune Kill.
type KillOptions struct {
	Services []string
	// Signal is sent to the containers' main process; "" is SIGKILL.
	Signal string
}

// RmOptions tune Rm.
type RmOptions struct {
	Services []string
	// Stop stops running containers first and removes them too; otherwise
	// only stopped containers are removed.
	Stop    bool
	Timeout *time.Duration
	// Volumes also removes the anonymous volumes of the containers.
	Volumes bool
	// Confirm, when set, is asked with the names of the containers about
	// to be removed (possibly none); false removes nothing.
	Confirm func(names []string) bool
}

// PauseOptions tune Pause and Unpause.
type PauseOptions struct {
	Services []string
}

// Start starts the stopped containers of the selected services, each after
// the containers it depends on.
func (s *Stack) Start(ctx context.Context, name string, p *types.Project, o StartOptions) error {
	cs, err := s.selectContainers(ctx, name, o.Services, func(c engine.Container) bool {
		return c.State == "created" || c.State == "exited" || c.State == "dead"
	})
	if err != nil {
		return err
	}
	return s.inOrder(ctx, p, cs, false, func(ctx context.Context, c engine.Container) error {
		return s.step(c, StatusStarting, StatusStarted, func() error { return s.engine.StartContainer(ctx, c.ID) })
	})
}

// Stop stops the running (or paused) containers of the selected services,
// dependents first.
func (s *Stack) Stop(ctx context.Context, name string, p *types.Project, o StopOptions) error {
	cs, err := s.selectContainers(ctx, name, o.Services, isUp)
	if err != nil {
		return err
	}
	return s.inOrder(ctx, p, cs, true, func(ctx context.Context, c engine.Container) error {
		return s.step(c, StatusStopping, StatusStopped, func() error { return s.engine.StopContainer(ctx, c.ID, o.Timeout) })
	})
}

// Restart restarts every container of the selected services, stopped ones
// included, in dependency order.
func (s *Stack) Restart(ctx context.Context, name string, p *types.Project, o RestartOptions) error {
	cs, err := s.selectContainers(ctx, name, o.Services, func(engine.Container) bool { return true })
	if err != nil {
		return err
	}
	return s.inOrder(ctx, p, cs, false, func(ctx context.Context, c engine.Container) error {
		return s.step(c, StatusRestarting, StatusStarted, func() error { return s.engine.RestartContainer(ctx, c.ID, o.Timeout) })
	})
}

// Kill sends a signal to the running containers of the selected services,
// all at once.
func (s *Stack) Kill(ctx context.Context, name string, p *types.Project, o KillOptions) error {
	cs, err := s.selectContainers(ctx, name, o.Services, isUp)
	if err != nil {
		return err
	}
	sig := o.Signal
	if sig == "" {
		sig = "SIGKILL"
	}
	return s.inOrder(ctx, nil, cs, true, func(ctx context.Context, c engine.Container) error {
		return s.step(c, StatusKilling, StatusKilled, func() error { return s.engine.KillContainer(ctx, c.ID, sig) })
	})
}

// Rm removes the stopped containers of the selected services (with o.Stop,
// the running ones too, stopped first), dependents first, after
// o.Confirm agrees.
func (s *Stack) Rm(ctx context.Context, name string, p *types.Project, o RmOptions) error {
	cs, err := s.selectContainers(ctx, name, o.Services, func(c engine.Container) bool { return o.Stop || !isUp(c) })
	if err != nil {
		return err
	}
	if o.Confirm != nil {
		names := make([]string, len(cs))
		for i, c := range cs {
			names[i] = c.Name
		}
		if !o.Confirm(names) {
			return nil
		}
	}
	return s.inOrder(ctx, p, cs, true, func(ctx context.Context, c engine.Container) error {
		return s.stopRemove(ctx, c, o.Timeout, o.Volumes)
	})
}

// Pause pauses the running containers of the selected services.
func (s *Stack) Pause(ctx context.Context, name string, p *types.Project, o PauseOptions) error {
	cs, err := s.selectContainers(ctx, name, o.Services, func(c engine.Container) bool { return c.State == "running" })
	if err != nil {
		return err
	}
	return s.inOrder(ctx, nil, cs, true, func(ctx context.Context, c engine.Container) error {
		return s.step(c, "Pausing", StatusPaused, func() error { return s.engine.PauseContainer(ctx, c.ID) })
	})
}

// Unpause resumes the paused containers of the selected services.
func (s *Stack) Unpause(ctx context.Context, name string, p *types.Project, o PauseOptions) error {
	cs, err := s.selectContainers(ctx, name, o.Services, func(c engine.Container) bool { return c.State == "paused" })
	if err != nil {
		return err
	}
	return s.inOrder(ctx, nil, cs, false, func(ctx context.Context, c engine.Container) error {
		return s.step(c, "Unpausing", StatusUnpaused, func() error { return s.engine.UnpauseContainer(ctx, c.ID) })
	})
}

// isUp reports whether a container has a process: running, paused or
// restarting.
func isUp(c engine.Container) bool {
	return c.State == "running" || c.State == "paused" || c.State == "restarting"
}

// select_ lists the project's service containers (one-off ones excluded)
// of services, keeping those pick accepts.
func (s *Stack) selectContainers(ctx context.Context, name string, services []string, pick func(engine.Container) bool) ([]engine.Container, error) {
	oneOff := false
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: name, Services: services, All: true, OneOff: &oneOff})
	if err != nil {
		return nil, err
	}
	out := cs[:0]
	for _, c := range cs {
		if pick(c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// step runs one engine call on c between two progress events.
func (s *Stack) step(c engine.Container, doing, done string, call func() error) error {
	s.emit(Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: doing})
	if err := call(); err != nil {
		err = fmt.Errorf("service %q: %w", c.Service, err)
		s.emit(Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: StatusError, Done: true, Error: err.Error()})
		return err
	}
	s.emit(Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: done, Done: true})
	return nil
}

// inOrder calls op for every container of cs, each after the containers
// it depends on (see containerOrder), or dependents first when reverse.
func (s *Stack) inOrder(ctx context.Context, p *types.Project, cs []engine.Container, reverse bool, op func(context.Context, engine.Container) error) error {
	g, byName := containerOrder(p, cs)
	return g.Walk(ctx, graph.WalkOptions{Limit: s.parallel, Reverse: reverse}, graph.Visitor{
		Run: func(ctx context.Context, key string) error {
			err := op(ctx, byName[key])
			if errors.Is(err, engine.ErrNotFound) {
				// Removed meanwhile: nothing left to do with it.
				return nil
			}
			return err
		},
	})
}

// containerOrder expands the service dependencies to the containers cs:
// each depends on every container in cs of the services its service
// depends on. The dependencies come from p, or from the containers'
// depends_on labels when p is nil; a cycle among labels drops the order.
func containerOrder(p *types.Project, cs []engine.Container) (*graph.Graph, map[string]engine.Container) {
	byName := make(map[string]engine.Container, len(cs))
	byService := map[string][]string{}
	for _, c := range cs {
		byName[c.Name] = c
		byService[c.Service] = append(byService[c.Service], c.Name)
	}
	var sg *graph.Graph
	if p != nil {
		sg, _ = Graph(p)
	}
	nodes := make([]graph.Node, 0, len(cs))
	for _, c := range cs {
		n := graph.Node{Name: c.Name}
		var deps []string
		if sg != nil && sg.Has(c.Service) {
			sn, _ := sg.Node(c.Service)
			n.Priority = sn.Priority
			for _, e := range sg.Dependencies(c.Service) {
				deps = append(deps, e.To)
			}
		} else {
			deps = labelDeps(c.Labels[engine.LabelDependsOn])
		}
		for _, dep := range deps {
			for _, dn := range byService[dep] {
				n.Deps = append(n.Deps, graph.Edge{To: dn})
			}
		}
		nodes = append(nodes, n)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	g, err := graph.New(nodes)
	if err != nil {
		for i := range nodes {
			nodes[i].Deps = nil
		}
		g, _ = graph.New(nodes)
	}
	return g, byName
}
