package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/moby/term"
)

// Exec runs a process in a running container. The process's streams are
// connected to r.Streams; its exit code is read once its output has ended.
func (d *Docker) Exec(ctx context.Context, id string, r ExecRequest) (int, error) {
	op := fmt.Sprintf("exec in container %q", d.names.of(id))
	opts := container.ExecOptions{
		User:         r.User,
		Privileged:   r.Privileged,
		Tty:          r.TTY,
		AttachStdin:  r.Stdin != nil && !r.Detach,
		AttachStdout: !r.Detach,
		AttachStderr: !r.Detach,
		Env:          r.Env,
		WorkingDir:   r.WorkDir,
		Cmd:          r.Cmd,
	}
	if r.TTY && r.Size != nil {
		opts.ConsoleSize = &[2]uint{r.Size.Height, r.Size.Width}
	}
	created, err := d.cli.ContainerExecCreate(ctx, id, opts)
	if err != nil {
		return 0, d.wrap(op, err)
	}
	if r.Detach {
		err := d.cli.ContainerExecStart(ctx, created.ID, container.ExecStartOptions{Detach: true, Tty: r.TTY})
		return 0, d.wrap(op, err)
	}
	resp, err := d.cli.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{Tty: r.TTY, ConsoleSize: opts.ConsoleSize})
	if err != nil {
		return 0, d.wrap(op, err)
	}
	defer resp.Close()

	var resizes sync.WaitGroup
	stop := make(chan struct{})
	if r.TTY {
		resize := func(s TermSize) {
			if s.Width > 0 && s.Height > 0 {
				// Best effort: the process may already have ended.
				_ = d.cli.ContainerExecResize(ctx, created.ID, container.ResizeOptions{Height: s.Height, Width: s.Width})
			}
		}
		if r.Size != nil {
			resize(*r.Size)
		}
		if r.Resize != nil {
			resizes.Add(1)
			go func() {
				defer resizes.Done()
				for {
					select {
					case s, ok := <-r.Resize:
						if !ok {
							return
						}
						resize(s)
					case <-stop:
						return
					}
				}
			}()
		}
	}
	err = pump(ctx, resp, r.Streams)
	close(stop)
	resizes.Wait()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return d.execExitCode(ctx, created.ID, op)
}

// execExitCode reads the exit code of an exec whose output has ended. The
// engine may take a moment to record the end after closing the stream.
func (d *Docker) execExitCode(ctx context.Context, execID, op string) (int, error) {
	for range 100 {
		ins, err := d.cli.ContainerExecInspect(ctx, execID)
		if err != nil {
			return 0, d.wrap(op, err)
		}
		if !ins.Running {
			return ins.ExitCode, nil
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return 0, fmt.Errorf("%s: %w", op, ctx.Err())
		}
	}
	return 0, fmt.Errorf("%s: the process's output ended but it is still running", op)
}

// AttachContainer attaches s to a container's streams. The output is copied
// from now on, in the background; the returned wait blocks until it ends.
// With s.DetachKeys, standard input is watched for them (and the engine
// told of them too, as the docker CLI does).
func (d *Docker) AttachContainer(ctx context.Context, id string, s Streams) (func() error, error) {
	op := fmt.Sprintf("attach to container %q", d.names.of(id))
	opts := container.AttachOptions{
		Stream: true,
		Stdin:  s.Stdin != nil,
		Stdout: true,
		Stderr: true,
	}
	if s.DetachKeys != "" && s.Stdin != nil {
		keys, err := term.ToBytes(s.DetachKeys)
		if err != nil {
			return nil, fmt.Errorf("%s: invalid detach keys %q: %w", op, s.DetachKeys, err)
		}
		opts.DetachKeys = s.DetachKeys
		s.Stdin = term.NewEscapeProxy(s.Stdin, keys)
	}
	resp, err := d.cli.ContainerAttach(ctx, id, opts)
	if err != nil {
		return nil, d.wrap(op, err)
	}
	done := make(chan error, 1)
	go func() {
		defer resp.Close()
		done <- pump(ctx, resp, s)
	}()
	return func() error {
		err := <-done
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ErrDetached):
			return ErrDetached
		}
		return fmt.Errorf("%s: %w", op, err)
	}, nil
}

// ResizeContainer sets the terminal size of a running container.
func (d *Docker) ResizeContainer(ctx context.Context, id string, size TermSize) error {
	err := d.cli.ContainerResize(ctx, id, container.ResizeOptions{Height: size.Height, Width: size.Width})
	return d.wrap(fmt.Sprintf("resize container %q", d.names.of(id)), err)
}

// pump copies s.Stdin to a hijacked connection and its output to s.Stdout
// and s.Stderr until the output ends, the detach keys are read from
// s.Stdin (ErrDetached), or ctx ends (which closes the connection). The
// stdin copy is not waited for: it may be blocked on a read nothing can
// interrupt; it ends at its next read or write.
func pump(ctx context.Context, resp types.HijackedResponse, s Streams) error {
	stdout, stderr := s.Stdout, s.Stderr
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	detached := make(chan struct{})
	if s.Stdin != nil {
		go func() {
			_, err := io.Copy(resp.Conn, s.Stdin)
			if _, ok := err.(term.EscapeError); ok {
				close(detached)
				return
			}
			_ = resp.CloseWrite()
		}()
	}
	out := make(chan error, 1)
	go func() {
		var err error
		if s.TTY {
			_, err = io.Copy(stdout, resp.Reader)
		} else {
			_, err = stdcopy.StdCopy(stdout, stderr, resp.Reader)
		}
		out <- err
	}()
	select {
	case err := <-out:
		return err
	case <-detached:
		resp.Close()
		<-out
		return ErrDetached
	case <-ctx.Done():
		resp.Close()
		<-out
		return ctx.Err()
	}
}
