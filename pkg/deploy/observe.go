package deploy

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// State is what a swarm has of a project, and of the external objects the
// project names: one list per kind, made at once.
type State struct {
	Services []engine.Service
	Networks []engine.Network
	Secrets  []engine.SwarmObject
	Configs  []engine.SwarmObject
	// ExternalNetworks maps the name of each external network to its
	// scope, "" when it does not exist.
	ExternalNetworks map[string]string
	// ExternalSecrets and ExternalConfigs map names to IDs, for the
	// external objects that exist.
	ExternalSecrets map[string]string
	ExternalConfigs map[string]string
}

// ErrNotManager is wrapped by the error of a swarm verb run against an
// engine that is not a swarm manager.
var ErrNotManager = errors.New("not a swarm manager")

// checkManager returns an error unless e is a swarm manager that answers.
func checkManager(ctx context.Context, e Engine) (engine.SwarmInfo, error) {
	info, err := e.SwarmInfo(ctx)
	if err != nil {
		return info, err
	}
	switch {
	case info.State == "inactive" || info.State == "":
		return info, fmt.Errorf("this engine is %w: it is in no swarm (start one with `docker swarm init`, or set DOCKER_HOST to a manager's engine)", ErrNotManager)
	case info.State == "locked":
		return info, fmt.Errorf("this engine is %w: its swarm is locked (`docker swarm unlock`)", ErrNotManager)
	case !info.Manager:
		msg := "it is a worker node (set DOCKER_HOST to a manager's engine)"
		if info.State != "active" {
			msg = fmt.Sprintf("its swarm state is %s", info.State)
			if info.Error != "" {
				msg += ": " + info.Error
			}
		}
		return info, fmt.Errorf("this engine is %w: %s", ErrNotManager, msg)
	}
	return info, nil
}

// Observe lists what the swarm has of project, and looks up the external
// networks, secrets and configs d names.
func Observe(ctx context.Context, e Engine, project string, d *Desired) (*State, error) {
	s := &State{
		ExternalNetworks: map[string]string{},
		ExternalSecrets:  map[string]string{},
		ExternalConfigs:  map[string]string{},
	}
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { s.Services, err = e.ListServices(ctx, project); return })
	g.Go(func() (err error) { s.Networks, err = e.ListStackNetworks(ctx, project); return })
	g.Go(func() (err error) {
		s.Secrets, err = e.ListSecrets(ctx, engine.ObjectFilter{Namespace: project})
		return
	})
	g.Go(func() (err error) {
		s.Configs, err = e.ListConfigs(ctx, engine.ObjectFilter{Namespace: project})
		return
	})
	if d == nil {
		return s, g.Wait()
	}
	for _, n := range d.Networks {
		if !n.External {
			continue
		}
		g.Go(func() error {
			scope, err := e.SwarmNetworkScope(ctx, n.Name)
			if err != nil && !errors.Is(err, engine.ErrNotFound) {
				return err
			}
			mu.Lock()
			s.ExternalNetworks[n.Name] = scope
			mu.Unlock()
			return nil
		})
	}
	lookup := func(objects []Object, list func(context.Context, engine.ObjectFilter) ([]engine.SwarmObject, error), into map[string]string) {
		var names []string
		for _, o := range objects {
			if o.External {
				names = append(names, o.Name)
			}
		}
		if len(names) == 0 {
			return
		}
		g.Go(func() error {
			found, err := list(ctx, engine.ObjectFilter{Names: names})
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for _, f := range found {
				into[f.Name] = f.ID
			}
			return nil
		})
	}
	lookup(d.Secrets, e.ListSecrets, s.ExternalSecrets)
	lookup(d.Configs, e.ListConfigs, s.ExternalConfigs)
	return s, g.Wait()
}
