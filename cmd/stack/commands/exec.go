package commands

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// execVerbs is the part of *stack.Stack that stack exec calls.
type execVerbs interface {
	Exec(ctx context.Context, project string, o stack.ExecOptions) error
}

// execOptions are the flags of stack exec.
type execOptions struct {
	*cli
	cmd *cobra.Command

	service     string
	command     []string
	detach      bool
	privileged  bool
	user        string
	noTTY       bool
	tty         bool
	interactive bool
	env         []string
	workdir     string
	index       int
}

func newExecCommand(c *cli) *cobra.Command {
	o := &execOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "exec [OPTIONS] SERVICE COMMAND [ARGS...]",
		Short: "Execute a command in a running container",
		Long: `Execute a command in a running container.

Runs COMMAND in the container of SERVICE (number --index, default 1), with a
terminal when standard input is one (unless -T). The command's exit code is
stack's.`,
		Example: `  # A shell in the web container
  stack exec web sh

  # Run a query without a terminal, as in a script
  stack exec -T db mysql -e 'select 1'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usagef(cmd.CommandPath(), "%q requires at least 2 arguments: SERVICE COMMAND", cmd.CommandPath())
			}
			return nil
		},
		ValidArgsFunction: completeServices(c, true),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.service, o.command = cmd, args[0], args[1:]
			return runExec(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	// Flags after SERVICE belong to the command.
	f.SetInterspersed(false)
	f.BoolVarP(&o.detach, "detach", "d", false, "Detached mode: Run command in the background")
	f.BoolVar(&o.privileged, "privileged", false, "Give extended privileges to the process")
	f.StringVarP(&o.user, "user", "u", "", "Run the command as this user")
	f.BoolVarP(&o.noTTY, "no-tty", "T", false, "Disable pseudo-TTY allocation. By default a TTY is allocated when standard input is a terminal")
	// Older Compose spelled it --no-TTY, as run still does.
	f.BoolVar(&o.noTTY, "no-TTY", false, "Disable pseudo-TTY allocation")
	_ = f.MarkHidden("no-TTY")
	f.BoolVarP(&o.tty, "tty", "t", true, "Allocate a pseudo-TTY when standard input is a terminal (--tty=false is -T)")
	f.BoolVarP(&o.interactive, "interactive", "i", true, "Keep STDIN open even if not attached")
	_ = f.MarkHidden("interactive")
	f.StringArrayVarP(&o.env, "env", "e", nil, "Set environment variables")
	f.StringVarP(&o.workdir, "workdir", "w", "", "Path to workdir directory for this command")
	f.IntVar(&o.index, "index", 0, "Index of the container if service has multiple replicas")
	return cmd
}

// runExec resolves the project and calls stack.Exec, lending the terminal
// to the process when it has one.
func runExec(ctx context.Context, o *execOptions) error {
	path := o.cmd.CommandPath()
	if o.index < 0 {
		return usagef(path, "invalid --index %d: container numbers start at 1", o.index)
	}
	if o.global.dryRun {
		return usagef(path, "--dry-run is not supported by exec")
	}
	p, name, err := o.projectOrName(ctx, nil)
	if err != nil {
		return err
	}
	if p != nil {
		// A service of an inactive profile may run: it was started by name.
		if _, disabled := p.DisabledServices[o.service]; !disabled {
			if err := checkServices(p, []string{o.service}); err != nil {
				return err
			}
		}
	}
	env, err := o.envList(path, o.env)
	if err != nil {
		return err
	}
	in, tty := o.stdinTerminal()
	tty = tty && !o.noTTY && o.tty && !o.detach
	opts := stack.ExecOptions{
		Service:    o.service,
		Index:      o.index,
		Cmd:        o.command,
		Env:        env,
		User:       o.user,
		WorkDir:    o.workdir,
		Privileged: o.privileged,
		TTY:        tty,
		Detach:     o.detach,
		Streams:    engine.Streams{Stdout: o.stdout, Stderr: o.stderr, TTY: tty},
	}
	if o.interactive && !o.detach {
		opts.Stdin = o.stdin
	}

	return callAs(o.cli, display.Quiet{}, "exec", func(v execVerbs) error {
		if tty {
			ts, err := lendTerminal(ctx, in, o.stdoutFile())
			if err != nil {
				return err
			}
			defer ts.end()
			opts.Size, opts.Resize = ts.size, ts.resize
		}
		return v.Exec(ctx, name, opts)
	})
}
