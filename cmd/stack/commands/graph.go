package commands

import (
	"context"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// graphOptions are the flags of stack graph.
type graphOptions struct {
	*cli
	cmd *cobra.Command

	services []string
	format   string
}

func newGraphCommand(c *cli) *cobra.Command {
	o := &graphOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "graph [OPTIONS] [SERVICE...]",
		Short: "Show the dependency graph of the services",
		Long: `Show the dependency graph of the services.

Services are grouped in levels: level 0 depends on nothing, level n on
services of lower levels. Within a level, higher x-link-priority starts first.
Edges say what a service waits for (service_healthy, ...) and why they exist
when it is not depends_on (links, volumes_from, network_mode, ipc, pid).
With SERVICE arguments, only those and what they depend on are shown.`,
		Example: `  # The levels and edges of the whole stack
  stack graph

  # A picture, with Graphviz
  stack graph --format dot | dot -Tsvg > stack.svg

  # What web needs, as a Mermaid flowchart for a README
  stack graph --format mermaid web`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.services = cmd, args
			return runGraph(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.format, "format", display.GraphText, "Format the output. Values: ["+strings.Join(display.GraphFormats, " | ")+"]")
	return cmd
}

// runGraph loads the stack file and renders its graph.
func runGraph(ctx context.Context, o *graphOptions) error {
	if !slices.Contains(display.GraphFormats, o.format) {
		return usagef(o.cmd.CommandPath(), "unsupported --format value %q: use one of %s", o.format, strings.Join(display.GraphFormats, ", "))
	}
	p, err := o.loadProject(ctx, o.services)
	if err != nil {
		return err
	}
	g, err := stack.Graph(p)
	if err != nil {
		return err
	}
	if len(o.services) > 0 {
		if g, err = g.Select(o.services, true); err != nil {
			return err
		}
	}
	return display.RenderGraph(o.stdout, o.format, p.Name, g)
}
