package commands

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// restartVerbs is the part of *stack.Stack that stack restart calls.
type restartVerbs interface {
	Restart(ctx context.Context, name string, p *types.Project, o stack.RestartOptions) error
}

func newRestartCommand(c *cli) *cobra.Command {
	var timeout int
	var noDeps bool
	cmd := &cobra.Command{
		Use:   "restart [OPTIONS] [SERVICE...]",
		Short: "Restart service containers",
		Long: `Restart service containers.

Restarts the containers of the services (all when none is named), stopped
ones included, in dependency order, and those of the services that depend
on them with depends_on restart: true (unless --no-deps). Changes to the stack file are not
applied: use "stack up" for that.`,
		Example: `  # Restart everything
  stack restart

  # Restart web, giving it 2 seconds to stop
  stack restart -t 2 web`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLifecycle(c, cmd, args, "Restarting", func(ctx context.Context, v restartVerbs, name string, p *types.Project) error {
				return v.Restart(ctx, name, p, stack.RestartOptions{Services: args, Timeout: seconds(cmd, "timeout", timeout), DryRun: c.global.dryRun, NoDeps: noDeps})
			})
		},
	}
	cmd.Flags().IntVarP(&timeout, "timeout", "t", 0, "Specify a shutdown timeout in seconds")
	cmd.Flags().BoolVar(&noDeps, "no-deps", false, "Don't restart dependent services")
	return cmd
}
