package stack

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// AttachOptions tune Attach.
type AttachOptions struct {
	Service string
	// Index is the container number; 0 means the service's first.
	Index int
	// Streams connect the container; a nil Stdin attaches no input
	// (--no-stdin). DetachKeys end the attachment without stopping the
	// container (default: ctrl-p,ctrl-q).
	engine.Streams
	// SigProxy forwards the interrupt that ends ctx to a container
	// without a terminal, as SIGINT.
	SigProxy bool
	// BeforeAttach, when set, is told whether the container has a
	// terminal just before its streams are connected: the time to lend
	// the terminal. The size and resize channel it returns are passed on.
	BeforeAttach func(tty bool) (size *engine.TermSize, resize <-chan engine.TermSize)
}

// DefaultDetachKeys is the docker CLI's detach sequence.
const DefaultDetachKeys = "ctrl-p,ctrl-q"

// Attach connects o.Streams to the running container of a service (one-off
// containers included, after the service's own), as docker compose attach
// does. It returns when the container's output ends, with an *ExitError
// carrying the container's exit code when it is not 0; engine.ErrDetached
// when the user left with the detach keys (the container keeps running);
// or ctx's error.
func (s *Stack) Attach(ctx context.Context, project string, o AttachOptions) error {
	c, err := s.pickContainer(ctx, project, o.Service, o.Index, false)
	if err != nil {
		return err
	}
	d, err := s.engine.InspectContainer(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("service %q: %w", o.Service, err)
	}
	switch d.State {
	case "paused":
		return fmt.Errorf("cannot attach to container %s: it is paused, unpause it first", c.Name)
	case "restarting":
		return fmt.Errorf("cannot attach to container %s: it is restarting, wait until it is running", c.Name)
	}
	if !d.Running {
		return fmt.Errorf("cannot attach to container %s: it is stopped, start it first", c.Name)
	}
	streams := o.Streams
	streams.TTY = d.TTY
	if streams.Stdin != nil && streams.DetachKeys == "" {
		streams.DetachKeys = DefaultDetachKeys
	}
	var size *engine.TermSize
	var resize <-chan engine.TermSize
	if o.BeforeAttach != nil {
		size, resize = o.BeforeAttach(d.TTY)
	}
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	wait, err := s.engine.AttachContainer(actx, c.ID, streams)
	if err != nil {
		return fmt.Errorf("service %q: %w", o.Service, err)
	}
	var resizes sync.WaitGroup
	if d.TTY {
		resizes.Add(1)
		go func() {
			defer resizes.Done()
			s.followSize(actx, c.ID, size, resize)
		}()
	}
	err = wait()
	cancel()
	resizes.Wait()
	switch {
	case errors.Is(err, engine.ErrDetached):
		return err
	case ctx.Err() != nil:
		if o.SigProxy && !d.TTY {
			kctx, kcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer kcancel()
			_ = s.engine.KillContainer(kctx, c.ID, "SIGINT")
		}
		return ctx.Err()
	case err != nil:
		return fmt.Errorf("service %q: %w", o.Service, err)
	}
	code, err := s.engine.WaitContainer(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("service %q: %w", o.Service, err)
	}
	if code != 0 {
		return &ExitError{Code: code}
	}
	return nil
}

// followSize gives a container's terminal the caller's size and its
// changes, until ctx ends. The first resize is one larger, then the real
// size: an unchanged size would not make the program redraw its screen.
func (s *Stack) followSize(ctx context.Context, id string, size *engine.TermSize, resize <-chan engine.TermSize) {
	if size != nil {
		_ = s.engine.ResizeContainer(ctx, id, engine.TermSize{Width: size.Width + 1, Height: size.Height + 1})
		_ = s.engine.ResizeContainer(ctx, id, *size)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case sz, ok := <-resize:
			if !ok {
				return
			}
			_ = s.engine.ResizeContainer(ctx, id, sz)
		}
	}
}
