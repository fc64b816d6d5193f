package commands

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// pushVerbs is the part of *stack.Stack that stack push calls.
type pushVerbs interface {
	Push(ctx context.Context, p *types.Project, o stack.PushOptions) error
}

// pushOptions are the flags of stack push.
type pushOptions struct {
	*cli
	cmd *cobra.Command

	services       []string
	ignoreFailures bool
	includeDeps    bool
	quiet          bool
}

func newPushCommand(c *cli) *cobra.Command {
	o := &pushOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "push [OPTIONS] [SERVICE...]",
		Short: "Push service images",
		Long: `Push service images.

Pushes the image of every service (or of those named) that has both a build
section and an image key, with the tags of build.tags, to the registry its
name says, as docker compose push does. Credentials come from the docker
config directory ($DOCKER_CONFIG, default ~/.docker): "auths", "credsStore"
and "credHelpers", as the docker CLI reads them. A registry that refuses the
credentials or cannot be reached fails the command with one line naming the
image and the registry, unless --ignore-push-failures.`,
		Example: `  # Build and publish every built image
  stack build && stack push

  # Push web and what it depends on, carrying on past failures
  stack push --include-deps --ignore-push-failures web`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: completeServices(c, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.services = cmd, args
			return runPush(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.ignoreFailures, "ignore-push-failures", false, "Push what it can and ignores images with push failures")
	f.BoolVar(&o.includeDeps, "include-deps", false, "Also push images of services declared as dependencies")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Push without printing progress information")
	return cmd
}

// runPush loads the stack file and calls stack.Push.
func runPush(ctx context.Context, o *pushOptions) error {
	p, services, err := o.loadWithDependencies(ctx, o.services, o.includeDeps)
	if err != nil {
		return err
	}
	prog, err := o.progressOrQuiet("Pushing", o.quiet)
	if err != nil {
		return err
	}
	defer prog.Close()
	return callAs(o.cli, prog, "push", func(v pushVerbs) error {
		return v.Push(ctx, p, stack.PushOptions{
			Services:       services,
			IgnoreFailures: o.ignoreFailures,
			DryRun:         o.global.dryRun,
		})
	})
}
