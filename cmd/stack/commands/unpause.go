package commands

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// unpauseVerbs is the part of *stack.Stack that stack unpause calls.
type unpauseVerbs interface {
	Unpause(ctx context.Context, name string, p *types.Project, o stack.PauseOptions) error
}

func newUnpauseCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "unpause [SERVICE...]",
		Short: "Unpause services",
		Long: `Unpause services.

Resumes the paused containers of the services, all when none is named.`,
		Example: `  # Resume the whole project
  stack unpause

  # Resume the worker only
  stack unpause worker`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLifecycle(c, cmd, args, "Unpausing", func(ctx context.Context, v unpauseVerbs, name string, p *types.Project) error {
				return v.Unpause(ctx, name, p, stack.PauseOptions{Services: args, DryRun: c.global.dryRun})
			})
		},
	}
}
