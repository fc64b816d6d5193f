package commands

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// pauseVerbs is the part of *stack.Stack that stack pause calls.
type pauseVerbs interface {
	Pause(ctx context.Context, name string, p *types.Project, o stack.PauseOptions) error
}

func newPauseCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "pause [SERVICE...]",
		Short: "Pause services",
		Long: `Pause services.

Suspends every process of the running containers of the services (all when
none is named); "stack unpause" resumes them.`,
		Example: `  # Pause the whole project
  stack pause

  # Pause the worker only
  stack pause worker`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLifecycle(c, cmd, args, "Pausing", func(ctx context.Context, v pauseVerbs, name string, p *types.Project) error {
				return v.Pause(ctx, name, p, stack.PauseOptions{Services: args, DryRun: c.global.dryRun})
			})
		},
	}
}
