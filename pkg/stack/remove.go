package stack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// removeContainer stops (when up) and removes the container of op, with
// its anonymous volumes when op.Volumes.
func (x *execution) removeContainer(ctx context.Context, op *Op) error {
	c := op.Container
	// A zero timeout kills at once; a forced remove does that in one call.
	kill := op.Timeout != nil && *op.Timeout <= 0
	stop := !kill && c.State.Up()
	status := StatusRemoving
	if stop {
		status = StatusStopping
	}
	x.s.emit(Event{Kind: KindContainer, Name: op.Name, Service: op.Service, Status: status})
	if stop {
		x.preStop(ctx, op, c.ID)
	}
	err := x.s.engine.RemoveContainer(ctx, c.ID, engine.RemoveOptions{Force: true, Volumes: op.Volumes, Stop: stop, StopTimeout: op.Timeout, Listed: c})
	if err := ignoreGone(err); err != nil {
		return x.fail(op, err)
	}
	x.s.emit(Event{Kind: KindContainer, Name: op.Name, Service: op.Service, Status: StatusRemoved, Done: true})
	return nil
}

// removeNetwork removes the network of op. dockerd 20.10 can keep a
// phantom endpoint after parallel removals (moby#42119): disconnect what
// the network still lists and try again, a bounded number of times.
func (x *execution) removeNetwork(ctx context.Context, op *Op) error {
	s := x.s
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = ignoreGone(s.engine.RemoveNetwork(ctx, op.NetworkID))
		if err == nil || !errors.Is(err, engine.ErrActiveEndpoints) {
			break
		}
		full, ierr := s.engine.InspectNetwork(ctx, op.NetworkID)
		if ierr != nil {
			break
		}
		if foreign := x.foreignEndpoints(ctx, full.Containers); len(foreign) > 0 {
			return fmt.Errorf("network %q is kept: containers that are not of project %q are attached to it (%s); disconnect them, then run the command again",
				op.Name, x.pl.Project, strings.Join(foreign, ", "))
		}
		for _, c := range full.Containers {
			_ = s.engine.DisconnectNetwork(ctx, op.NetworkID, c)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	if errors.Is(err, engine.ErrActiveEndpoints) {
		err = fmt.Errorf("%w (when the network lists no container, this is a stale endpoint that "+
			"dockerd 20.10 can keep after parallel removals, moby#42119; it goes away when the engine restarts)", err)
	}
	return err
}

// foreignEndpoints names the endpoints of ids that belong to containers
// of another project (or of none): stack leaves those alone. The others
// are the project's, or stale endpoints without a container.
func (x *execution) foreignEndpoints(ctx context.Context, ids []string) []string {
	var foreign []string
	for _, id := range ids {
		c, err := x.s.engine.InspectContainer(ctx, id)
		if err == nil && c.Project != x.pl.Project {
			foreign = append(foreign, strconv.Quote(c.Name))
		}
	}
	return foreign
}
