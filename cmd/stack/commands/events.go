package commands

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// eventsVerbs is the part of *stack.Stack that stack events calls.
type eventsVerbs interface {
	Events(ctx context.Context, project string, services []string, fn func(stack.ContainerEvent) error) error
}

func newEventsCommand(c *cli) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "events [OPTIONS] [SERVICE...]",
		Short: "Receive real time events from containers",
		Long: `Receive real time events from containers.

Prints the container events of the project (of the services named, if any)
as they happen, until Ctrl-C. With --json, one JSON object per line:

  {"time":"...","type":"container","action":"start","id":"...","service":"web","attributes":{"image":"...","name":"..."}}`,
		Example: `  # Watch the project
  stack events

  # Watch web as JSON lines
  stack events --json web`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			_, name, err := c.projectOrName(ctx, args)
			if err != nil {
				return err
			}
			return callAs(c, stack.Discard, "events", func(v eventsVerbs) error {
				err := v.Events(ctx, name, args, func(e stack.ContainerEvent) error {
					return display.WriteEvent(c.stdout, e, asJSON)
				})
				if err == nil {
					// Followed until interrupted.
					err = ctx.Err()
				}
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "Output events as a stream of json objects")
	return cmd
}
