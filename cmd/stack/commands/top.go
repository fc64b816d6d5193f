package commands

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// topVerbs is the part of *stack.Stack that stack top calls.
type topVerbs interface {
	Top(ctx context.Context, project string, services []string) ([]stack.ContainerTop, error)
}

func newTopCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "top [SERVICE...]",
		Short: "Display the running processes",
		Long: `Display the running processes.

Prints, for each running container of the services (all when none is named),
its name and then its processes as the engine lists them (UID, PID, PPID, C,
STIME, TTY, TIME, CMD).`,
		Example: `  # The processes of every running container
  stack top

  # Those of web only
  stack top web`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			_, name, err := c.projectOrName(ctx, args)
			if err != nil {
				return err
			}
			return callAs(c, stack.Discard, "top", func(v topVerbs) error {
				tops, err := v.Top(ctx, name, args)
				if err != nil {
					return err
				}
				return display.WriteTop(c.stdout, tops)
			})
		},
	}
}
