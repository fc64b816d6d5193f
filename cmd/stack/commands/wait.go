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
		Short: "Block until containers of all (or specified) services stop.",
		Long: `Block until the first container of the services stops.

The exit code of that container becomes the exit code of stack wait. With
--down-project, the project is then taken down.`,
		Example: `  # Run the tests service and exit with its code
  stack up -d && stack wait tests

  # The same, removing the stack when tests ends
  stack wait --down-project tests`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			p, name, err := c.projectOrName(ctx)
			if err != nil {
				return err
			}
			if p != nil {
				if err := checkServices(p, args); err != nil {
					return err
				}
			}
			var sink stack.Sink = warnings(c.stderr)
			if downProject {
				prog, err := c.progress("Running")
				if err != nil {
					return err
				}
				defer prog.Close()
				sink = prog
			}
			v, release, err := c.connect(sink)
			if err != nil {
				return err
			}
			defer release()
			wv, ok := v.(waitVerbs)
			if !ok {
				return errUnsupported("wait")
			}
			return wv.Wait(ctx, name, args, stack.WaitOptions{DownProject: downProject})
		},
	}
	cmd.Flags().BoolVar(&downProject, "down-project", false, "Drops project when the first container stops")
	return cmd
}
