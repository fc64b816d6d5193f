package stack

import (
	"context"
	"errors"
	"fmt"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// runContainer carries out one container operation of a plan.
func (x *execution) runContainer(ctx context.Context, op *Op) error {
	s := x.s
	ev := func(status Status, done bool) {
		s.emit(Event{Kind: KindContainer, Name: op.Name, Service: op.Service, Status: status, Done: done})
	}
	id := x.container(op)
	// step reports doing, runs call, then reports done (or the failure).
	// A lifecycle verb finds nothing left to do with a container removed
	// meanwhile.
	step := func(doing, done Status, call func() error) error {
		ev(doing, false)
		err := call()
		if !x.pl.stages {
			err = ignoreGone(err)
		}
		if err != nil {
			return x.fail(op, err)
		}
		x.setID(op.ID, id)
		ev(done, true)
		return nil
	}
	switch op.Kind {
	case OpCreate, OpRecreate:
		return x.create(ctx, op)
	case OpReplace:
		ev(StatusRecreate, false)
		old := op.Container
		x.preStop(ctx, op, old.ID)
		rm := engine.RemoveOptions{Force: true, Stop: true, StopTimeout: op.Timeout, Listed: old}
		if err := ignoreGone(s.engine.RemoveContainer(ctx, old.ID, rm)); err != nil {
			return x.fail(op, err)
		}
		if err := s.engine.RenameContainer(ctx, id, op.Name); err != nil {
			return x.fail(op, err)
		}
		x.setID(op.ID, id)
		ev(StatusRecreated, op.From == nil)
		return nil
	case OpKeep:
		x.setID(op.ID, id)
		status := StatusRunning
		if !op.Container.State.Up() {
			status = StatusCreated
		}
		ev(status, true)
		return nil
	case OpStart:
		return step(StatusStarting, StatusStarted, func() error {
			if err := s.engine.StartContainer(ctx, id); err != nil {
				return err
			}
			return x.postStart(ctx, op, id)
		})
	case OpRestart:
		return step(StatusRestarting, StatusStarted, func() error {
			x.preStop(ctx, op, id)
			if err := s.engine.RestartContainer(ctx, id, op.Timeout); err != nil {
				return err
			}
			return x.postStart(ctx, op, id)
		})
	case OpStop:
		return step(StatusStopping, StatusStopped, func() error {
			x.preStop(ctx, op, id)
			if op.Retire {
				return s.engine.RetireContainer(ctx, id, op.Timeout)
			}
			return s.engine.StopContainer(ctx, id, op.Timeout)
		})
	case OpKill:
		sig := op.Signal
		if sig == "" {
			sig = "SIGKILL"
		}
		return step(StatusKilling, StatusKilled, func() error { return s.engine.KillContainer(ctx, id, sig) })
	case OpPause:
		return step(StatusPausing, StatusPaused, func() error { return s.engine.PauseContainer(ctx, id) })
	case OpUnpause:
		return step(StatusUnpausing, StatusUnpaused, func() error { return s.engine.UnpauseContainer(ctx, id) })
	case OpRemove:
		return x.removeContainer(ctx, op)
	case OpDisconnect:
		err := ignoreGone(s.engine.DisconnectNetwork(ctx, op.NetworkID, id))
		if err != nil {
			return x.fail(op, err)
		}
		s.emit(Event{Kind: KindContainer, Name: op.Name, Service: op.Service, Status: StatusDisconnected, Done: true, Text: op.Reasons[0]})
		return nil
	case OpConnect:
		s.emit(Event{Kind: KindContainer, Name: op.Name, Service: op.Service, Status: StatusConnecting, Text: op.NetworkID})
		if err := s.engine.ConnectNetwork(ctx, op.NetworkID, id, *op.Endpoint); err != nil && !errors.Is(err, engine.ErrConflict) {
			return x.fail(op, err)
		}
		s.emit(Event{Kind: KindContainer, Name: op.Name, Service: op.Service, Status: StatusConnected, Done: true, Text: op.NetworkID})
		return nil
	}
	return x.fail(op, errors.New("cannot "+string(op.Kind)+" a container"))
}

// create makes the container of a create op, or the replacement of a
// recreate op under its temporary name.
func (x *execution) create(ctx context.Context, op *Op) error {
	s := x.s
	status := StatusCreating
	if op.Kind == OpRecreate {
		status = StatusRecreate
	}
	s.emit(Event{Kind: KindContainer, Name: op.Name, Service: op.Service, Status: status})
	c, err := s.engine.CreateContainer(ctx, *op.Spec)
	if errors.Is(err, engine.ErrConflict) && op.Kind == OpCreate {
		// Another up of the same project made this very container since we
		// looked: take it rather than fail or make a second one.
		if twin, ok := s.findTwin(ctx, x.pl.Project, op); ok {
			c, err = twin, nil
		} else {
			err = fmt.Errorf("the name %q is taken by a container that is not part of project %q, which stack leaves alone: rename or remove it (%w)",
				op.Spec.Name, x.pl.Project, err)
		}
	}
	if err != nil {
		return x.fail(op, err)
	}
	x.setID(op.ID, c.ID)
	if op.Kind == OpCreate {
		s.emit(Event{Kind: KindContainer, Name: op.Name, Service: op.Service, Status: StatusCreated, Done: true})
	}
	return nil
}

// findTwin looks for the container op would create, made meanwhile by a
// concurrent run: same project, service, number and name.
func (s *Stack) findTwin(ctx context.Context, project string, op *Op) (engine.Container, bool) {
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: project, Services: []string{op.Service}, All: true})
	if err != nil {
		return engine.Container{}, false
	}
	for _, c := range cs {
		if c.Name == op.Name && c.Number == op.Number && !c.OneOff {
			return c, true
		}
	}
	return engine.Container{}, false
}

// postStart runs op's post_start hooks in container id, in order; the
// first that fails fails the start, as in Compose.
func (x *execution) postStart(ctx context.Context, op *Op, id string) error {
	for _, h := range op.PostStart {
		if err := x.hook(ctx, op, id, h); err != nil {
			return err
		}
	}
	return nil
}

// preStop runs op's pre_stop hooks in container id before it stops. A
// hook that fails is reported and the stop goes on: a failing hook must
// not keep a container from stopping.
func (x *execution) preStop(ctx context.Context, op *Op, id string) {
	for _, h := range op.PreStop {
		if err := x.hook(ctx, op, id, h); err != nil {
			x.s.emit(Event{Kind: KindContainer, Name: op.Name, Service: op.Service, Status: StatusWarning, Done: true, Text: err.Error()})
		}
	}
}

// hook runs one lifecycle hook in container id, its output reported line
// by line as progress of the container.
func (x *execution) hook(ctx context.Context, op *Op, id string, h engine.Hook) error {
	out := &lineWriter{sink: hookSink{x.s, op, h}}
	r := h.Exec
	r.Stdout, r.Stderr = out, out
	code, err := x.s.engine.Exec(ctx, id, r)
	out.Flush()
	if err != nil {
		return fmt.Errorf("%s hook: %w", h.Key(), err)
	}
	if code != 0 {
		return &engine.HookFailedError{Hook: h, ExitCode: code}
	}
	return nil
}

// hookSink turns the lines a hook writes into progress events.
type hookSink struct {
	s  *Stack
	op *Op
	h  engine.Hook
}

func (k hookSink) Log(l LogLine) {
	k.s.emit(Event{Kind: KindContainer, Name: k.op.Name, Service: k.op.Service, Status: StatusHook, Text: k.h.Key() + ": " + l.Line})
}
