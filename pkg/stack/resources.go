package stack

import (
	"context"
	"errors"
	"fmt"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// runNetwork carries out one network operation of a plan.
func (x *execution) runNetwork(ctx context.Context, op *Op) error {
	s := x.s
	ev := func(status Status, done bool) {
		s.emit(Event{Kind: KindNetwork, Name: op.Name, Status: status, Done: done})
	}
	switch op.Kind {
	case OpCheck:
		if _, err := s.engine.InspectNetwork(ctx, op.Name); err != nil {
			if errors.Is(err, engine.ErrNotFound) {
				err = fmt.Errorf("network %q is declared as external but does not exist: create it with \"docker network create %s\"", op.Name, op.Name)
			}
			return x.fail(op, err)
		}
		return nil
	case OpRemove:
		ev(StatusRemoving, false)
		if err := x.removeNetwork(ctx, op); err != nil {
			return x.fail(op, err)
		}
		ev(StatusRemoved, true)
		return nil
	case OpRecreate:
		// Its containers were disconnected by the ops before this one.
		ev(StatusRecreate, false)
		if err := x.removeNetwork(ctx, op); err != nil {
			return x.fail(op, err)
		}
		fallthrough
	case OpCreate:
		ev(StatusCreating, false)
		if _, err := s.engine.CreateNetwork(ctx, *op.Network); err != nil && !errors.Is(err, engine.ErrConflict) {
			return x.fail(op, err)
		}
		ev(StatusCreated, true)
		return nil
	}
	return x.fail(op, errors.New("cannot "+string(op.Kind)+" a network"))
}

// runVolume carries out one volume operation of a plan.
func (x *execution) runVolume(ctx context.Context, op *Op) error {
	s := x.s
	ev := func(status Status, done bool) {
		s.emit(Event{Kind: KindVolume, Name: op.Name, Status: status, Done: done})
	}
	switch op.Kind {
	case OpCheck:
		if _, err := s.engine.InspectVolume(ctx, op.Name); err != nil {
			if errors.Is(err, engine.ErrNotFound) {
				err = fmt.Errorf("volume %q is declared as external but does not exist: create it with \"docker volume create %s\"", op.Name, op.Name)
			}
			return x.fail(op, err)
		}
		return nil
	case OpCreate:
		ev(StatusCreating, false)
		if _, err := s.engine.CreateVolume(ctx, *op.Volume); err != nil {
			return x.fail(op, err)
		}
		ev(StatusCreated, true)
		return nil
	case OpRemove:
		ev(StatusRemoving, false)
		if err := ignoreGone(s.engine.RemoveVolume(ctx, op.Name)); err != nil {
			if errors.Is(err, engine.ErrConflict) {
				// The project's containers are gone by now: another uses it.
				err = fmt.Errorf("volume %q is kept: a container that is not part of project %q uses it; remove that container, then run down -v again (%w)", op.Name, x.pl.Project, err)
			}
			return x.fail(op, err)
		}
		ev(StatusRemoved, true)
		return nil
	}
	return x.fail(op, errors.New("cannot "+string(op.Kind)+" a volume"))
}

// runImage pulls or builds the image of op. The build and pull report
// their own progress and failures.
func (x *execution) runImage(ctx context.Context, op *Op) error {
	p := x.pl.project
	svc := p.Services[op.Service]
	switch op.Kind {
	case OpBuild:
		return x.s.buildOne(ctx, p, svc, op.Name, BuildOptions{})
	case OpPull:
		if err := x.s.pullOne(ctx, op.Service, op.Name, PullTimeout); err != nil {
			return missingImage(svc, op.Name, err)
		}
		return nil
	}
	return x.fail(op, errors.New("cannot "+string(op.Kind)+" an image"))
}
