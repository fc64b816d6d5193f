package commands

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// watchVerbs is the part of *stack.Stack that stack watch and up --watch
// call.
type watchVerbs interface {
	Watch(ctx context.Context, p *types.Project, o stack.WatchOptions) error
	UpWatch(ctx context.Context, p *types.Project, up stack.UpOptions, w stack.WatchOptions) error
}

// watchOptions are the flags of stack watch.
type watchOptions struct {
	*cli
	cmd *cobra.Command

	services []string
	noUp     bool
	prune    bool
	quiet    bool
}

func newWatchCommand(c *cli) *cobra.Command {
	o := &watchOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "watch [SERVICE...]",
		Short: "Watch build context for service and rebuild/refresh containers when files are updated",
		Long: `Watch build context for service and rebuild/refresh containers when files are updated.

Brings the services up (unless --no-up; those with a build section and
develop.watch rules are built afresh), then follows their develop.watch
rules until Ctrl-C, which leaves them running:

  sync           copy changed files into the running containers (deleted
                 ones are removed), at target
  rebuild        build the image and recreate that service's containers
  restart        restart the containers
  sync+restart   sync, then restart
  sync+exec      sync, then run exec.command in each container

include and ignore patterns (relative to the rule's path), the build
context's .dockerignore, .git and editors' temporary files decide which
changes count; initial_sync copies the whole path when the watch starts
and into containers started later. A burst of changes (an editor's save, a
git checkout) is acted on once per service. Progress goes to standard
error, the output of sync+exec commands to standard output.`,
		Example: `  # Bring the stack up and follow the develop.watch rules
  stack watch

  # Only web's rules, on containers already running
  stack watch --no-up web`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: completeServices(c, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.services = cmd, args
			return runWatch(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.noUp, "no-up", false, "Do not build & start services before watching")
	f.BoolVar(&o.prune, "prune", true, "Prune dangling images on rebuild")
	f.BoolVar(&o.quiet, "quiet", false, "hide build output")
	return cmd
}

// runWatch checks the rules, then calls stack.UpWatch or, with --no-up,
// stack.Watch.
func runWatch(ctx context.Context, o *watchOptions) error {
	if o.global.dryRun {
		return usagef(o.cmd.CommandPath(), "--dry-run is not supported by watch")
	}
	p, err := o.loadValid(ctx, o.services)
	if err != nil {
		return err
	}
	if err := stack.CheckWatch(p, o.services); err != nil {
		return err
	}
	prog, err := o.progress("Watching")
	if err != nil {
		return err
	}
	defer prog.Close()
	w := o.watchOptions(prog, o.services, o.prune, o.quiet)
	return callAs(o.cli, quiet(prog, false, o.quiet), "watch", func(v watchVerbs) error {
		if o.noUp {
			return v.Watch(ctx, p, w)
		}
		return v.UpWatch(ctx, p, stack.UpOptions{Services: o.services, Kill: o.kill}, w)
	})
}

// watchOptions are the options of a watch that reports on prog: the live
// view settles once the watch is in place, and the output of sync+exec
// commands goes to standard output with the log prefixes.
func (c *cli) watchOptions(prog display.Progress, services []string, prune, quietBuild bool) stack.WatchOptions {
	return stack.WatchOptions{
		Services: services,
		Prune:    prune,
		Build:    stack.BuildOptions{Quiet: quietBuild},
		Ready:    prog.Settle,
		Logs:     display.NewLogPrinter(c.stdout, display.LogOptions{Color: c.colour(c.stdoutTTY)}),
	}
}
