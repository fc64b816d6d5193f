package commands

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// stopVerbs is the part of *stack.Stack that stack stop calls.
type stopVerbs interface {
	Stop(ctx context.Context, name string, p *types.Project, o stack.StopOptions) error
}

func newStopCommand(c *cli) *cobra.Command {
	var timeout int
	cmd := &cobra.Command{
		Use:   "stop [OPTIONS] [SERVICE...]",
		Short: "Stop services",
		Long: `Stop services.

Stops the running containers of the services (all when none is named)
without removing them, dependents first. They can be started again with
"stack start".`,
		Example: `  # Stop the whole project
  stack stop

  # Stop web, killing it after 2 seconds if it does not exit
  stack stop -t 2 web`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLifecycle(c, cmd, args, "Stopping", func(ctx context.Context, v stopVerbs, name string, p *types.Project) error {
				return v.Stop(ctx, name, p, stack.StopOptions{Services: args, Timeout: seconds(cmd, "timeout", timeout), DryRun: c.global.dryRun})
			})
		},
	}
	cmd.Flags().IntVarP(&timeout, "timeout", "t", 0, "Specify a shutdown timeout in seconds")
	return cmd
}
