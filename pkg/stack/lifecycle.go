package stack

import (
	"context"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// The lifecycle verbs (start, stop, restart, kill, rm, pause, unpause) act
// on the existing containers of a project, found by its labels. p, the
// loaded stack file, may be nil: the containers' depends_on labels then
// give the order.

// StartOptions tune Start.
type StartOptions struct {
	Services []string // empty: all
	DryRun   bool
	// Wait blocks until the selected services' containers are running and
	// healthy, as up --wait does, at most WaitTimeout (0: no limit).
	Wait        bool
	WaitTimeout time.Duration
}

// StopOptions tune Stop.
type StopOptions struct {
	Services []string
	// Timeout is the grace period before the kill; nil: each container's own.
	Timeout *time.Duration
	DryRun  bool
}

// RestartOptions tune Restart.
type RestartOptions struct {
	Services []string
	Timeout  *time.Duration
	DryRun   bool
	// NoDeps restarts only Services; otherwise, with a stack file, the
	// services that depend on them with depends_on restart: true are
	// restarted too, as Compose does.
	NoDeps bool
}

// KillOptions tune Kill.
type KillOptions struct {
	Services []string
	// Signal is sent to the containers' main process; "" is SIGKILL.
	Signal string
	DryRun bool
	// RemoveOrphans also kills the containers of services no longer in the
	// stack file; without it, and with a file, they are left alone, as in
	// Compose.
	RemoveOrphans bool
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
	DryRun  bool
}

// PauseOptions tune Pause and Unpause.
type PauseOptions struct {
	Services []string
	DryRun   bool
}

// Start starts the stopped containers of the selected services, each after
// the containers it depends on.
func (s *Stack) Start(ctx context.Context, name string, p *types.Project, o StartOptions) error {
	err := s.lifecycle(ctx, name, p, o.Services, o.DryRun, lifecycle{kind: OpStart, ordered: true,
		pick: func(c engine.Container) bool { return c.State.Stopped() }})
	if err != nil || !o.Wait || o.DryRun {
		return err
	}
	return s.waitStarted(ctx, name, p, o)
}

// Stop stops the running (or paused) containers of the selected services,
// dependents first.
func (s *Stack) Stop(ctx context.Context, name string, p *types.Project, o StopOptions) error {
	return s.lifecycle(ctx, name, p, o.Services, o.DryRun, lifecycle{kind: OpStop, ordered: true, reverse: true, timeout: o.Timeout,
		pick: func(c engine.Container) bool { return c.State.Up() }})
}

// Restart restarts every container of the selected services (and, unless
// o.NoDeps, of their restart: true dependents), stopped ones included, in
// dependency order.
func (s *Stack) Restart(ctx context.Context, name string, p *types.Project, o RestartOptions) error {
	services := o.Services
	if !o.NoDeps && p != nil && len(services) > 0 {
		services = withRestartDependents(p, services)
	}
	return s.lifecycle(ctx, name, p, services, o.DryRun, lifecycle{kind: OpRestart, ordered: true, timeout: o.Timeout,
		pick: func(engine.Container) bool { return true }})
}

// Kill sends a signal to the running containers of the selected services,
// all at once.
func (s *Stack) Kill(ctx context.Context, name string, p *types.Project, o KillOptions) error {
	return s.lifecycle(ctx, name, p, o.Services, o.DryRun, lifecycle{kind: OpKill, signal: o.Signal,
		pick: func(c engine.Container) bool {
			return c.State.Up() && (p == nil || o.RemoveOrphans || inProject(p, c.Service))
		}})
}

// Rm removes the stopped containers of the selected services (with o.Stop,
// the running ones too, stopped first), dependents first, after
// o.Confirm agrees.
func (s *Stack) Rm(ctx context.Context, name string, p *types.Project, o RmOptions) error {
	l := lifecycle{kind: OpRemove, ordered: true, reverse: true, timeout: o.Timeout, volumes: o.Volumes,
		pick: func(c engine.Container) bool { return o.Stop || !c.State.Up() }}
	return s.locked(ctx, name, o.DryRun, func() error {
		pl, err := s.planLifecycle(ctx, name, p, o.Services, l)
		if err != nil {
			return err
		}
		if o.Confirm != nil && !o.DryRun {
			names := make([]string, len(pl.Ops))
			for i, op := range pl.Ops {
				names[i] = op.Name
			}
			if !o.Confirm(names) {
				return nil
			}
		}
		return s.apply(ctx, pl, o.DryRun)
	})
}

// Pause pauses the running containers of the selected services.
func (s *Stack) Pause(ctx context.Context, name string, p *types.Project, o PauseOptions) error {
	return s.lifecycle(ctx, name, p, o.Services, o.DryRun, lifecycle{kind: OpPause,
		pick: func(c engine.Container) bool { return c.State == engine.StateRunning }})
}

// Unpause resumes the paused containers of the selected services.
func (s *Stack) Unpause(ctx context.Context, name string, p *types.Project, o PauseOptions) error {
	return s.lifecycle(ctx, name, p, o.Services, o.DryRun, lifecycle{kind: OpUnpause,
		pick: func(c engine.Container) bool { return c.State == engine.StatePaused }})
}

// lifecycle observes, plans and runs (or with dryRun reports) verb l on
// the selected services' containers.
func (s *Stack) lifecycle(ctx context.Context, name string, p *types.Project, services []string, dryRun bool, l lifecycle) error {
	return s.locked(ctx, name, dryRun, func() error {
		pl, err := s.planLifecycle(ctx, name, p, services, l)
		if err != nil {
			return err
		}
		return s.apply(ctx, pl, dryRun)
	})
}

// locked runs f holding the lock of project, or without it for a dry
// run, which changes nothing.
func (s *Stack) locked(ctx context.Context, project string, dryRun bool, f func() error) error {
	if dryRun {
		return f()
	}
	release, err := s.lock(ctx, project)
	if err != nil {
		return err
	}
	defer release()
	return f()
}

// apply executes pl, or with dryRun reports it.
func (s *Stack) apply(ctx context.Context, pl *Plan, dryRun bool) error {
	if dryRun {
		s.reportPlan(pl)
		return nil
	}
	_, err := s.execute(ctx, pl)
	return err
}

// planLifecycle lists the project's service containers (one-off ones
// excluded) of services and plans verb l on them.
func (s *Stack) planLifecycle(ctx context.Context, name string, p *types.Project, services []string, l lifecycle) (*Plan, error) {
	oneOff := false
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: name, Services: services, All: true, OneOff: &oneOff})
	if err != nil {
		return nil, err
	}
	return planLifecycle(name, p, cs, l), nil
}
