package commands

import (
	"context"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// startVerbs is the part of *stack.Stack that stack start calls.
type startVerbs interface {
	Start(ctx context.Context, name string, p *types.Project, o stack.StartOptions) error
}

func newStartCommand(c *cli) *cobra.Command {
	var wait bool
	var waitTimeout int
	cmd := &cobra.Command{
		Use:   "start [SERVICE...]",
		Short: "Start services",
		Long: `Start services.

Starts the existing stopped containers of the services (all when none is
named), each after the containers it depends on. Use "stack up" to create
missing containers. With --wait, stack then waits, as "up --wait" does, for
the services' containers to be running and healthy.`,
		Example: `  # Start every stopped container of the project
  stack start

  # Start the containers of db and web
  stack start db web

  # Start everything and wait until it is healthy, at most a minute
  stack start --wait --wait-timeout 60`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLifecycle(c, cmd, args, "Starting", func(ctx context.Context, v startVerbs, name string, p *types.Project) error {
				return v.Start(ctx, name, p, stack.StartOptions{Services: args, DryRun: c.global.dryRun,
					Wait: wait, WaitTimeout: time.Duration(waitTimeout) * time.Second})
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&wait, "wait", false, "Wait for services to be running|healthy. Implies detached mode.")
	f.IntVar(&waitTimeout, "wait-timeout", 0, "Maximum duration in seconds to wait for the project to be running|healthy")
	return cmd
}
