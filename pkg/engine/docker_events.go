// The event stream of Docker.

package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/docker/docker/api/types/events"
)

// Events streams the container events of f.Project (and f.Services, f.OneOff)
// until ctx ends, or f.Until has passed, which closes both channels without
// an error. An engine failure sends one error, then both channels close.
func (d *Docker) Events(ctx context.Context, f Filter) (<-chan Event, <-chan error) {
	args := projectFilter(f)
	args.Add("type", string(events.ContainerEventType))
	// Podman runs no health checks without systemd: while the project's
	// events are followed, stack runs them (podman.go).
	var beside func(context.Context)
	podman := d.isPodman(ctx)
	if podman {
		beside = func(ctx context.Context) { d.healthDriver(ctx, f) }
	}
	opts := events.ListOptions{Filters: args, Since: f.Since, Until: f.Until}
	return streamEvents(ctx, d, fmt.Sprintf("events of project %q", f.Project), opts, func(m events.Message) (Event, bool) {
		ev := eventFrom(m)
		if podman {
			ev = d.podmanEvent(ctx, ev)
		}
		return ev, wantService(f, ev.Service)
	}, beside)
}

// streamEvents streams the engine's events that opts select, converted by
// conv (which may drop one), until ctx ends or opts.Until has passed; op
// names the stream in errors.
// beside, when not nil, runs alongside the stream and ends with it.
func streamEvents[T any](ctx context.Context, d *Docker, op string, opts events.ListOptions, conv func(events.Message) (T, bool), beside func(context.Context)) (<-chan T, <-chan error) {
	out := make(chan T)
	errc := make(chan error, 1)
	if _, err := d.versionFor(ctx, op); err != nil {
		errc <- err
		close(errc)
		close(out)
		return out, errc
	}
	streamCtx, cancel := context.WithCancel(ctx)
	msgs, errs := d.cli.Events(streamCtx, opts)
	var wg sync.WaitGroup
	if beside != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			beside(streamCtx)
		}()
	}
	go func() {
		defer close(errc)
		defer close(out)
		// Cancelling ends the client's goroutine and beside.
		defer wg.Wait()
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case err := <-errs:
				if ctx.Err() != nil {
					return
				}
				if (err == nil || errors.Is(err, io.EOF)) && opts.Until != "" {
					return // the end asked for
				}
				if err == nil || errors.Is(err, io.EOF) {
					// The engine is going away (a clean end of the stream).
					err = fmt.Errorf("the engine closed the event stream: %w", io.EOF)
				}
				errc <- d.wrap(op, err)
				return
			case m := <-msgs:
				ev, ok := conv(m)
				if !ok {
					continue
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, errc
}

func eventFrom(m events.Message) Event {
	a := m.Actor.Attributes
	t := time.Unix(m.Time, 0)
	if m.TimeNano != 0 {
		t = time.Unix(0, m.TimeNano)
	}
	return Event{
		Time:      t,
		Action:    string(m.Action),
		ID:        m.Actor.ID,
		Name:      a["name"],
		Service:   a[LabelService],
		Project:   a[LabelProject],
		ExitCode:  a["exitCode"],
		Attribute: a,
	}
}
