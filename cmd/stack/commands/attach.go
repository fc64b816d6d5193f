package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/moby/term"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// attachVerbs is the part of *stack.Stack that stack attach calls.
type attachVerbs interface {
	Attach(ctx context.Context, project string, o stack.AttachOptions) error
}

// attachOptions are the flags of stack attach.
type attachOptions struct {
	*cli
	cmd *cobra.Command

	service    string
	index      int
	detachKeys string
	noStdin    bool
	sigProxy   bool
}

func newAttachCommand(c *cli) *cobra.Command {
	o := &attachOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "attach [OPTIONS] SERVICE",
		Short: "Attach local standard input, output, and error streams to a service's running container",
		Long: `Attach local standard input, output, and error streams to a service's running container.

Connects the terminal to the running container of SERVICE (number --index,
default the first; one-off containers after the service's own): its output
from now on, and standard input when the container keeps it open
(stdin_open). The detach keys (--detach-keys, else "detachKeys" of the docker
config, else ctrl-p,ctrl-q) leave it running; stack then says "read escape
sequence" and exits with 1, as docker compose attach does. Otherwise stack
exits with the container's exit code once it stops. Ctrl-C is forwarded to a
container without a terminal as SIGINT (--sig-proxy).`,
		Example: `  # Follow the output of the web container and type into it
  stack attach web

  # The second worker, output only; leave with ctrl-x,x
  stack attach --index 2 --no-stdin worker
  stack attach --detach-keys ctrl-x,x worker`,
		Args:              oneService,
		ValidArgsFunction: completeServices(c, true),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.service = cmd, args[0]
			return runAttach(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.index, "index", 0, "index of the container if service has multiple replicas.")
	f.StringVar(&o.detachKeys, "detach-keys", "", "Override the key sequence for detaching from a container.")
	f.BoolVar(&o.noStdin, "no-stdin", false, "Do not attach STDIN")
	f.BoolVar(&o.sigProxy, "sig-proxy", true, "Proxy all received signals to the process")
	return cmd
}

// runAttach checks the flags and calls stack.Attach, lending the terminal
// to a container that has one.
func runAttach(ctx context.Context, o *attachOptions) error {
	path := o.cmd.CommandPath()
	if o.index < 0 {
		return usagef(path, "invalid --index %d: container numbers start at 1", o.index)
	}
	if o.global.dryRun {
		return usagef(path, "--dry-run is not supported by attach")
	}
	keys := o.detachKeys
	if keys == "" {
		// The docker config of the engine the command talks to.
		t, err := engine.Resolve(o.engineSelection())
		if err != nil {
			return err
		}
		if keys, err = engine.DetachKeys(t.ConfigDir); err != nil {
			return err
		}
	}
	if keys != "" {
		if _, err := term.ToBytes(keys); err != nil {
			return usagef(path, "invalid detach keys %q: %v", keys, err)
		}
	}
	_, name, err := o.projectOrName(ctx, []string{o.service})
	if err != nil {
		return err
	}
	in, inTTY := o.stdinTerminal()
	opts := stack.AttachOptions{
		Service:  o.service,
		Index:    o.index,
		Streams:  engine.Streams{Stdout: o.stdout, Stderr: o.stderr, DetachKeys: keys},
		SigProxy: o.sigProxy,
	}
	if !o.noStdin {
		opts.Stdin = o.stdin
	}
	terminal := &lazyTerminal{c: o.cli}
	if inTTY && !o.noStdin {
		terminal.in = in
	}
	opts.BeforeAttach = func(tty bool) (*engine.TermSize, <-chan engine.TermSize) {
		if !tty {
			return nil, nil
		}
		return terminal.lend(ctx)
	}
	err = callAs(o.cli, display.Quiet{}, "attach", func(v attachVerbs) error {
		defer terminal.end()
		return v.Attach(ctx, name, opts)
	})
	if errors.Is(err, engine.ErrDetached) && terminal.ts != nil {
		// The terminal was raw: start the message on a line of its own.
		fmt.Fprintln(o.stderr)
	}
	return err
}
