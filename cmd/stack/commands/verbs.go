package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// verbs is the part of *stack.Stack every connection offers. The other
// verbs are reached through the small interface of the command that calls
// them (startVerbs, logsVerbs, ...), with connectAs.
type verbs interface {
	Up(ctx context.Context, p *types.Project, o stack.UpOptions) error
	Down(ctx context.Context, name string, p *types.Project, o stack.DownOptions) error
	Ps(ctx context.Context, name string, o stack.PsOptions) ([]engine.Container, error)
}

// dockerVerbs returns a Stack with o on the Docker engine sel names (-H,
// --context, DOCKER_HOST, DOCKER_CONTEXT, the current context), and a
// function to release it.
func dockerVerbs(sel engine.Selection, o stack.Options) (verbs, func(), error) {
	t, err := engine.Resolve(sel)
	if err != nil {
		return nil, nil, err
	}
	eng, err := engine.NewDockerFor(t)
	if err != nil {
		return nil, nil, err
	}
	o.Engine = eng
	return stack.New(o), func() { _ = eng.Close() }, nil
}

// lockOptions are the project locks the verbs take, held in the name of
// the command c runs: --no-wait-lock, and STACK_LOCK_STALE for how long a
// holder on another host may show no heartbeat before it is taken over.
func (c *cli) lockOptions() (*stack.LockOptions, error) {
	lock := &stack.LockOptions{Command: c.command, NoWait: c.global.noWaitLock}
	if v := c.getenv("STACK_LOCK_STALE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("STACK_LOCK_STALE=%q: want a positive duration such as 30s", v)
		}
		lock.StaleAfter = d
		lock.Heartbeat = min(stack.DefaultLockHeartbeat, d/3)
	}
	return lock, nil
}

// connect returns the verbs, reporting progress to sink, and a function
// to release them (never nil).
func (c *cli) connect(sink stack.Sink) (verbs, func(), error) {
	v, release, err := c.newVerbs(sink, c.global.parallel)
	if err != nil {
		return nil, nil, err
	}
	if release == nil {
		release = func() {}
	}
	return v, release, nil
}

// connectAs connects as connect does and returns the verbs as T, the
// interface of the calls command makes. Verbs that lack them (a test
// double) are released and give errUnsupported.
func connectAs[T any](c *cli, sink stack.Sink, command string) (T, func(), error) {
	var zero T
	v, release, err := c.connect(sink)
	if err != nil {
		return zero, nil, err
	}
	t, ok := v.(T)
	if !ok {
		release()
		return zero, nil, errUnsupported(command)
	}
	return t, release, nil
}

// callAs connects as connectAs does, calls call with the verbs and
// releases them when it returns.
func callAs[T any](c *cli, sink stack.Sink, command string, call func(T) error) error {
	v, release, err := connectAs[T](c, sink, command)
	if err != nil {
		return err
	}
	defer release()
	return call(v)
}

// callWithProgress is callAs with the progress renderer --progress
// chooses, headed by title, as the sink; the renderer is closed after the
// verbs are released.
func callWithProgress[T any](c *cli, title, command string, call func(T) error) error {
	prog, err := c.progress(title)
	if err != nil {
		return err
	}
	defer prog.Close()
	return callAs(c, prog, command, call)
}

// progressOrQuiet returns the renderer of progress for title, or one that
// shows nothing when quiet (build -q, pull -q).
func (c *cli) progressOrQuiet(title string, quiet bool) (display.Progress, error) {
	if quiet {
		return display.Quiet{}, nil
	}
	return c.progress(title)
}

// runLifecycle is the common shape of start, stop, restart, kill, rm,
// pause and unpause: resolve the project (a stack file or just a project
// name) and the services named, then call the verb (which plans and, with
// --dry-run, only reports its plan),
// reached as T, with a progress renderer headed by title as the sink.
func runLifecycle[T any](c *cli, cmd *cobra.Command, services []string, title string, call func(ctx context.Context, v T, name string, p *types.Project) error) error {
	ctx := cmd.Context()
	p, name, err := c.projectOrName(ctx, services)
	if err != nil {
		return err
	}
	return callWithProgress(c, title, cmd.Name(), func(v T) error {
		return call(ctx, v, name, p)
	})
}

// errUnsupported is returned when the verbs at hand lack a command's verb
// (a test double).
func errUnsupported(command string) error {
	return fmt.Errorf("%s is not supported by this engine", command)
}
