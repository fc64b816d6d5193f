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
		Example: `  # The processes of every running container
  stack top

  # Those of web only
  stack top web`,
		Args: cobra.ArbitraryArgs,
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
			v, release, err := c.connect(stack.Discard)
			if err != nil {
				return err
			}
			defer release()
			tv, ok := v.(topVerbs)
			if !ok {
				return errUnsupported("top")
			}
			tops, err := tv.Top(ctx, name, args)
			if err != nil {
				return err
			}
			return display.WriteTop(c.stdout, tops)
		},
	}
}
