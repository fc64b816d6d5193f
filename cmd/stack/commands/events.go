package commands

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// eventsVerbs is the part of *stack.Stack that stack events calls.
type eventsVerbs interface {
	EventsRange(ctx context.Context, project string, o stack.EventsOptions, fn func(stack.ContainerEvent) error) error
}

func newEventsCommand(c *cli) *cobra.Command {
	var asJSON bool
	var since, until string
	cmd := &cobra.Command{
		Use:   "events [OPTIONS] [SERVICE...]",
		Short: "Receive real time events from containers",
		Long: `Receive real time events from containers.

Prints the container events of the project (of the services named, if any)
as they happen, until Ctrl-C (or --until). --since replays past events first.
With --json, one JSON object per line:

  {"time":"...","type":"container","action":"start","id":"...","service":"web","attributes":{"image":"...","name":"..."}}`,
		Example: `  # Watch the project
  stack events

  # Watch web as JSON lines
  stack events --json web

  # What happened in the last ten minutes, then stop
  stack events --since 10m --until 0s`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			_, name, err := c.projectOrName(ctx, args)
			if err != nil {
				return err
			}
			return callAs(c, stack.Discard, "events", func(v eventsVerbs) error {
				o := stack.EventsOptions{Services: args, Since: since, Until: until}
				err := v.EventsRange(ctx, name, o, func(e stack.ContainerEvent) error {
					return display.WriteEvent(c.stdout, e, asJSON)
				})
				if err == nil && until == "" {
					// Followed until interrupted.
					err = ctx.Err()
				}
				return err
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "Output events as a stream of json objects")
	f.StringVar(&since, "since", "", "Show all events created since timestamp")
	f.StringVar(&until, "until", "", "Stream events until this timestamp")
	return cmd
}
