package commands

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// pullVerbs is the part of *stack.Stack that stack pull calls.
type pullVerbs interface {
	Pull(ctx context.Context, p *types.Project, o stack.PullOptions) error
}

// pullOptions are the flags of stack pull.
type pullOptions struct {
	*cli
	cmd *cobra.Command

	services           []string
	ignoreBuildable    bool
	ignorePullFailures bool
	includeDeps        bool
	policy             string
	quiet              bool
}

func newPullCommand(c *cli) *cobra.Command {
	o := &pullOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "pull [OPTIONS] [SERVICE...]",
		Short: "Pull service images",
		Long: `Pull service images.

Pulls the image of every service (or of the services named) from its
registry, each attempt bounded to 30 seconds. Services without an image key,
or with pull_policy never or build, are skipped. An image that cannot be
pulled fails the command with what to do instead (build it, or tag a local
image with its name), unless the service can build it.`,
		Example: `  # Pull every image of the stack
  stack pull

  # Pull only what is missing, for db and what it depends on
  stack pull --policy missing --include-deps db`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: completeServices(c, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.services = cmd, args
			return runPull(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.ignoreBuildable, "ignore-buildable", false, "Ignore images that can be built")
	f.BoolVar(&o.ignorePullFailures, "ignore-pull-failures", false, "Pull what it can and ignores images with pull failures")
	f.BoolVar(&o.includeDeps, "include-deps", false, "Also pull services declared as dependencies")
	f.StringVar(&o.policy, "policy", "", `Apply pull policy ("missing"|"always")`)
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Pull without printing progress information")
	return cmd
}

// runPull loads the stack file and calls stack.Pull.
func runPull(ctx context.Context, o *pullOptions) error {
	path := o.cmd.CommandPath()
	switch o.policy {
	case "", "always", "missing":
	default:
		return usagef(path, "invalid --policy value %q: use missing or always", o.policy)
	}
	p, services, err := o.loadWithDependencies(ctx, o.services, o.includeDeps)
	if err != nil {
		return err
	}
	prog, err := o.progressOrQuiet("Pulling", o.quiet)
	if err != nil {
		return err
	}
	defer prog.Close()
	return callAs(o.cli, prog, "pull", func(v pullVerbs) error {
		return v.Pull(ctx, p, stack.PullOptions{
			Services:           services,
			Policy:             o.policy,
			IgnoreBuildable:    o.ignoreBuildable,
			IgnorePullFailures: o.ignorePullFailures,
			DryRun:             o.global.dryRun,
		})
	})
}
