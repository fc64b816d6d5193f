// The project lock calls of Docker (see Locker).

package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
)

var _ Locker = (*Docker)(nil)

// CreateLock creates the lock container of project, never started, with
// no image.
func (d *Docker) CreateLock(ctx context.Context, project string, h LockHolder) (Lock, error) {
	name := LockName(project)
	op := fmt.Sprintf("lock project %q", project)
	if _, err := d.versionFor(ctx, op); err != nil {
		return Lock{}, err
	}
	if d.isPodman(ctx) {
		return Lock{}, fmt.Errorf("%s: %w (Podman)", op, ErrLocksUnsupported)
	}
	labels := map[string]string{
		LabelLock:         project,
		LabelLockHost:     h.Host,
		LabelLockBoot:     h.Boot,
		LabelLockPID:      strconv.Itoa(h.PID),
		LabelLockPIDStart: h.PIDStart,
		LabelLockCommand:  h.Command,
		LabelLockStarted:  h.Started.UTC().Format(time.RFC3339Nano),
		LabelLockToken:    h.Token,
	}
	cfg := &container.Config{
		// Never run; the command only says what the container is.
		Cmd:    []string{"stack-lock"},
		Labels: labels,
	}
	hc := &container.HostConfig{
		NetworkMode:   "none",
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyOnFailure},
	}
	resp, err := d.cli.ContainerCreate(ctx, cfg, hc, nil, nil, name)
	if err != nil {
		return Lock{}, d.wrap(op, err)
	}
	d.names.learn(resp.ID, name)
	return Lock{ID: resp.ID, Project: project, Holder: h}, nil
}

// InspectLock returns the lock of project.
func (d *Docker) InspectLock(ctx context.Context, project string) (Lock, error) {
	c, err := d.cli.ContainerInspect(ctx, LockName(project))
	if err != nil {
		return Lock{}, d.wrap(fmt.Sprintf("inspect the lock of project %q", project), err)
	}
	var labels map[string]string
	if c.Config != nil {
		labels = c.Config.Labels
	}
	if labels[LabelLock] != project {
		// A container of someone else under the lock's name: the project
		// cannot be locked until it is renamed or removed.
		return Lock{}, fmt.Errorf("lock project %q: the container %q is not a stack lock: rename or remove it", project, LockName(project))
	}
	l := Lock{ID: c.ID, Project: project, Holder: holderFrom(labels)}
	if c.HostConfig != nil {
		l.Beat = c.HostConfig.RestartPolicy.MaximumRetryCount
	}
	return l, nil
}

// holderFrom reads a lock's holder from its labels.
func holderFrom(labels map[string]string) LockHolder {
	pid, _ := strconv.Atoi(labels[LabelLockPID])
	started, _ := time.Parse(time.RFC3339Nano, labels[LabelLockStarted])
	return LockHolder{
		Host:     labels[LabelLockHost],
		Boot:     labels[LabelLockBoot],
		PID:      pid,
		PIDStart: labels[LabelLockPIDStart],
		Command:  labels[LabelLockCommand],
		Started:  started,
		Token:    labels[LabelLockToken],
	}
}

// BeatLock writes the heartbeat counter into the lock's restart policy.
func (d *Docker) BeatLock(ctx context.Context, id string, beat int) error {
	_, err := d.cli.ContainerUpdate(ctx, id, container.UpdateConfig{
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyOnFailure, MaximumRetryCount: beat},
	})
	return d.wrap(fmt.Sprintf("heartbeat of lock %q", d.names.of(id)), err)
}

// RemoveLock removes the lock container with ID id.
func (d *Docker) RemoveLock(ctx context.Context, id string) error {
	err := d.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
	return d.wrap(fmt.Sprintf("remove lock %q", d.names.of(id)), err)
}

// WaitLockGone waits for the destroy event of the lock container id, after
// checking that it still exists (so a removal just before is not missed).
func (d *Docker) WaitLockGone(ctx context.Context, id string) error {
	op := fmt.Sprintf("wait for lock %q", d.names.of(id))
	if _, err := d.versionFor(ctx, op); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	args := filters.NewArgs(
		filters.Arg("type", string(events.ContainerEventType)),
		filters.Arg("container", id),
		filters.Arg("event", string(events.ActionDestroy)),
	)
	msgs, errs := d.cli.Events(ctx, events.ListOptions{Filters: args})
	if _, err := d.cli.ContainerInspect(ctx, id); err != nil {
		err = d.wrap(op, err)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case m := <-msgs:
			if m.Actor.ID == id {
				return nil
			}
		case err := <-errs:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err == nil || errors.Is(err, io.EOF) {
				err = fmt.Errorf("the engine closed the event stream: %w", io.EOF)
			}
			return d.wrap(op, err)
		}
	}
}
