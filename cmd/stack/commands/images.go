package commands

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// imagesVerbs is the part of *stack.Stack that stack images calls.
type imagesVerbs interface {
	Images(ctx context.Context, project string, services []string) ([]stack.ContainerImage, error)
}

func newImagesCommand(c *cli) *cobra.Command {
	var format string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "images [OPTIONS] [SERVICE...]",
		Short: "List images used by the created containers",
		Long: `List images used by the created containers.

Lists, for each container of the services (all when none is named), stopped
ones included, the image it was created from: repository, tag, ID and size.
With -q, only the image IDs, each once.`,
		Example: `  # The images of every container of the project
  stack images

  # Their IDs only, once each
  stack images -q

  # As JSON
  stack images --format json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if format != display.ImagesTable && format != display.ImagesJSON {
				return usagef(cmd.CommandPath(), "unsupported --format %q: use table or json", format)
			}
			_, name, err := c.projectOrName(ctx, args)
			if err != nil {
				return err
			}
			return callAs(c, stack.Discard, "images", func(v imagesVerbs) error {
				imgs, err := v.Images(ctx, name, args)
				if err != nil {
					return err
				}
				if quiet {
					var seen []string
					for _, im := range imgs {
						if im.ID != "" && !slices.Contains(seen, im.ID) {
							seen = append(seen, im.ID)
							fmt.Fprintln(c.stdout, im.ID)
						}
					}
					return nil
				}
				return display.WriteImages(c.stdout, format, imgs)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", display.ImagesTable, "Format the output. Values: [table | json]")
	f.BoolVarP(&quiet, "quiet", "q", false, "Only display IDs")
	return cmd
}
