package commands

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// killVerbs is the part of *stack.Stack that stack kill calls.
type killVerbs interface {
	Kill(ctx context.Context, name string, p *types.Project, o stack.KillOptions) error
}

func newKillCommand(c *cli) *cobra.Command {
	var signal string
	var removeOrphans bool
	cmd := &cobra.Command{
		Use:   "kill [OPTIONS] [SERVICE...]",
		Short: "Force stop service containers",
		Long: `Force stop service containers.

Sends a signal (SIGKILL by default) to the running containers of the
services, all when none is named; with --remove-orphans also to those of
services no longer in the stack file.`,
		Example: `  # Kill every container of the project
  stack kill

  # Ask web to reload its configuration
  stack kill -s SIGHUP web`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("remove-orphans") {
				removeOrphans = c.envBool("COMPOSE_REMOVE_ORPHANS")
			}
			return runLifecycle(c, cmd, args, "Killing", func(ctx context.Context, v killVerbs, name string, p *types.Project) error {
				return v.Kill(ctx, name, p, stack.KillOptions{Services: args, Signal: signal, DryRun: c.global.dryRun, RemoveOrphans: removeOrphans})
			})
		},
	}
	cmd.Flags().StringVarP(&signal, "signal", "s", "SIGKILL", "SIGNAL to send to the container")
	cmd.Flags().BoolVar(&removeOrphans, "remove-orphans", false, "Remove containers for services not defined in the stack file (COMPOSE_REMOVE_ORPHANS)")
	return cmd
}
