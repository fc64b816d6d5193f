package commands

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// volumesVerbs is the part of *stack.Stack that stack volumes calls.
type volumesVerbs interface {
	Volumes(ctx context.Context, project string, services []string) ([]engine.Volume, error)
}

func newVolumesCommand(c *cli) *cobra.Command {
	var format string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "volumes [OPTIONS] [SERVICE...]",
		Short: "List volumes",
		Long: `List volumes.

Lists the volumes of the project (labelled with it): all of them, or those
that the running containers of the services named mount. Without a stack
file, a project name (-p or COMPOSE_PROJECT_NAME) is enough.`,
		Example: `  # The project's volumes
  stack volumes

  # Their names only, or as JSON lines
  stack volumes -q
  stack volumes --format json

  # The volumes the db containers mount
  stack volumes db`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: completeServices(c, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := display.WriteVolumes(io.Discard, format, nil); err != nil {
				return usagef(cmd.CommandPath(), "%v", err)
			}
			_, name, err := c.projectOrName(ctx, args)
			if err != nil {
				return err
			}
			return callAs(c, stack.Discard, "volumes", func(v volumesVerbs) error {
				vols, err := v.Volumes(ctx, name, args)
				if err != nil {
					return err
				}
				if quiet {
					for _, vol := range vols {
						fmt.Fprintln(c.stdout, vol.Name)
					}
					return nil
				}
				return display.WriteVolumes(c.stdout, format, vols)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&quiet, "quiet", "q", false, "Only display volume names")
	f.StringVar(&format, "format", "table", `Format output using a custom template:
'table':            Print output in table format with column headers (default)
'table TEMPLATE':   Print output in table format using the given Go template
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template`)
	return cmd
}
