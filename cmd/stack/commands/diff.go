package commands

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// diffVerbs is the part of *stack.Stack that stack diff calls.
type diffVerbs interface {
	Diff(ctx context.Context, project, service string, index int) ([]engine.Change, error)
}

func newDiffCommand(c *cli) *cobra.Command {
	var index int
	cmd := &cobra.Command{
		Use:   "diff [OPTIONS] SERVICE",
		Short: "Inspect changes to files or directories on a service container's filesystem",
		Long: `Inspect changes to files or directories on a service container's filesystem.

Lists what changed in the filesystem of the container of SERVICE (number
--index, default the first; running or not) since it was created from its
image, as docker diff does: one line per path, sorted, "A" added, "C"
changed, "D" deleted. Docker Compose has no diff command: this one is
stack's addition.`,
		Example: `  # What the web container wrote outside its volumes
  stack diff web

  # Only what was added under /tmp of the second worker
  stack diff --index 2 worker | grep '^A /tmp/'`,
		Args:              oneService,
		ValidArgsFunction: completeServices(c, true),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if index < 0 {
				return usagef(cmd.CommandPath(), "invalid --index %d: container numbers start at 1", index)
			}
			_, name, err := c.projectOrName(ctx, args)
			if err != nil {
				return err
			}
			return callAs(c, stack.Discard, "diff", func(v diffVerbs) error {
				changes, err := v.Diff(ctx, name, args[0], index)
				if err != nil {
					return err
				}
				return display.WriteChanges(c.stdout, changes)
			})
		},
	}
	cmd.Flags().IntVar(&index, "index", 0, "index of the container if service has multiple replicas.")
	return cmd
}
