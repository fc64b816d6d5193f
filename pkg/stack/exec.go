package stack

import (
	"context"
	"fmt"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// ExecOptions tune Exec.
type ExecOptions struct {
	Service string
	// Index is the container number of the service; 0 means 1.
	Index int
	Cmd   []string
	// Env are KEY=VALUE pairs added to the container's environment.
	Env        []string
	User       string
	WorkDir    string
	Privileged bool
	// TTY gives the process a terminal; Detach runs it in the background.
	TTY    bool
	Detach bool
	// Streams connect the process; a nil Stdin leaves its input closed.
	engine.Streams
	// Size and Resize give the terminal's size, with TTY.
	Size   *engine.TermSize
	Resize <-chan engine.TermSize
}

// Exec runs a command in a running container of a service of project. A
// non-zero exit code of the command is returned as an *ExitError that
// carries it and no message.
func (s *Stack) Exec(ctx context.Context, project string, o ExecOptions) error {
	c, err := s.serviceContainer(ctx, project, o.Service, o.Index)
	if err != nil {
		return err
	}
	code, err := s.engine.Exec(ctx, c.ID, engine.ExecRequest{
		Cmd:        o.Cmd,
		Env:        o.Env,
		User:       o.User,
		WorkDir:    o.WorkDir,
		Privileged: o.Privileged,
		TTY:        o.TTY,
		Detach:     o.Detach,
		Streams:    o.Streams,
		Size:       o.Size,
		Resize:     o.Resize,
	})
	if err != nil {
		return fmt.Errorf("service %q: %w", o.Service, err)
	}
	if code != 0 {
		return &ExitError{Code: code}
	}
	return nil
}

// serviceContainer finds the running container number index (0: 1) of a
// service, one-off containers left out.
func (s *Stack) serviceContainer(ctx context.Context, project, service string, index int) (engine.Container, error) {
	if index <= 0 {
		index = 1
	}
	oneOff := false
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: project, Services: []string{service}, OneOff: &oneOff})
	if err != nil {
		return engine.Container{}, err
	}
	if len(cs) == 0 {
		return engine.Container{}, fmt.Errorf("service %q is not running", service)
	}
	for _, c := range cs {
		if c.Number == index {
			return c, nil
		}
	}
	return engine.Container{}, fmt.Errorf("service %q has no running container number %d (it has %d)", service, index, len(cs))
}
