package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/project"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// engineHint follows an error that says the engine cannot be reached.
const engineHint = `Is the Docker engine running? Start one with "dockerd" or scripts/engine.sh, or set DOCKER_HOST.`

// errInterrupted is the cause of the root context's cancellation by a
// signal.
var errInterrupted = errors.New("interrupted")

// Main runs the command line and returns the process exit code. The first
// SIGINT or SIGTERM cancels the command's context (a graceful stop); the
// second turns the stop into a kill; the third exits at once with 130.
func Main() int {
	project.Warm()
	sigs := make(chan os.Signal, 3)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	c := &cli{
		stdin:     os.Stdin,
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		environ:   os.Environ(),
		stdoutTTY: display.IsTerminal(os.Stdout),
		stderrTTY: display.IsTerminal(os.Stderr),
		termSize:  func() (int, int) { return display.TerminalSize(os.Stderr) },
	}
	c.useDocker()
	return run(context.Background(), c, os.Args[1:], sigs, os.Exit)
}

// run executes args with c and returns the exit code. sigs delivers the
// interrupts; exit is called on the third one.
func run(parent context.Context, c *cli, args []string, sigs <-chan os.Signal, exit func(int)) (code int) {
	defer func() {
		// A panic is a bug; say so in one line rather than with a trace,
		// unless asked for the trace.
		if r := recover(); r != nil {
			fmt.Fprintf(c.stderr, "stack: internal error: %v\n", r)
			if c.getenv("STACK_DEBUG") != "" {
				c.stderr.Write(debug.Stack())
			}
			code = 2
		}
	}()

	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	kill := make(chan struct{})
	c.kill = kill
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		watchSignals(sigs, done, cancel, kill, exit)
	}()
	defer func() {
		close(done)
		wg.Wait()
	}()

	root := newRootCommand(c)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if c.global.debugCounts {
		// The command is done and its engine connection closed: what is
		// left is what it leaked.
		fmt.Fprintf(c.stderr, "stack: debug: %s\n", processCounts())
	}
	return c.report(err, errors.Is(context.Cause(ctx), errInterrupted))
}

// watchSignals counts interrupts until done closes: the first cancels the
// command, the second closes kill, the third exits with 130.
func watchSignals(sigs <-chan os.Signal, done <-chan struct{}, cancel context.CancelCauseFunc, kill chan struct{}, exit func(int)) {
	n := 0
	for {
		select {
		case <-done:
			return
		case <-sigs:
			n++
			switch n {
			case 1:
				cancel(errInterrupted)
			case 2:
				close(kill)
			default:
				exit(130)
			}
		}
	}
}

// report prints err once, with its hint, and returns the exit code.
func (c *cli) report(err error, interrupted bool) int {
	if msg := errorMessage(err, interrupted); msg != "" {
		if c.global.progress == display.ModeJSON {
			fmt.Fprintln(c.stderr, display.JSONError(msg))
		} else {
			fmt.Fprintf(c.stderr, "stack: %s\n", msg)
		}
	}
	if hint := errorHint(err); hint != "" {
		fmt.Fprintln(c.stderr, hint)
	}
	return exitCode(err, interrupted)
}

// exitCode is the one table from outcomes to exit codes. As in Compose: 0
// on success, 130 when interrupted, the code a stack.ExitError carries (a
// container's exit code), and 1 for every other error, usage errors
// included.
func exitCode(err error, interrupted bool) int {
	var exitErr *stack.ExitError
	switch {
	case interrupted:
		return 130
	case err == nil:
		return 0
	case errors.As(err, &exitErr):
		return exitErr.Code
	default:
		return 1
	}
}

// errorMessage is what to print for err: nothing for success, for the
// cancellation an interrupt causes, or for an exit code without message.
func errorMessage(err error, interrupted bool) string {
	var exitErr *stack.ExitError
	switch {
	case err == nil:
		return ""
	case interrupted && errors.Is(err, context.Canceled):
		return ""
	case errors.As(err, &exitErr) && exitErr.Err == nil:
		return ""
	}
	return err.Error()
}

// errorHint is a line printed after some errors to say what to do.
func errorHint(err error) string {
	var unreachable *engine.UnreachableError
	var usage *usageError
	var gone *stack.EngineGoneError
	switch {
	case errors.As(err, &gone):
		// Its message says what to do.
		return ""
	case errors.As(err, &unreachable):
		return engineHint
	case errors.As(err, &usage):
		return fmt.Sprintf("See '%s --help'.", usage.command)
	}
	return ""
}

// usageError is a mistake in the command line itself.
type usageError struct {
	err     error
	command string // e.g. "stack up"
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError for the command cmdPath.
func usagef(cmdPath, format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...), command: cmdPath}
}
