package commands

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// waitVerbs is the part of *stack.Stack that stack wait calls.
type waitVerbs interface {
	Wait(ctx context.Context, project string, services []string, o stack.WaitOptions) error
}

func newWaitCommand(c *cli) *cobra.Command {
	var downProject bool
	cmd := &cobra.Command{
		Use:   "wait SERVICE [SERVICE...] [OPTIONS]",
		Short: "Block until containers of all (or specified) services stop",
		Long: `Block until containers of all (or specified) services stop.

Returns as soon as the first container of the services named has stopped (at
once if one already has), and its exit code becomes the exit code of stack
wait. With --down-project, the project is then taken down.`,
		Example: `  # Run the tests service and exit with its code
  stack up -d && stack wait tests

  # The same, removing the stack when tests ends
  stack wait --down-project tests`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			_, name, err := c.projectOrName(ctx, args)
			if err != nil {
				return err
			}
			wait := func(v waitVerbs) error {
				return v.Wait(ctx, name, args, stack.WaitOptions{DownProject: downProject})
			}
			if downProject {
				// Taking the project down is progress to show.
				return callWithProgress(c, "Running", "wait", wait)
			}
			return callAs(c, warnings(c.stderr), "wait", wait)
		},
	}
	cmd.Flags().BoolVar(&downProject, "down-project", false, "Drops project when the first container stops")
	return cmd
}
