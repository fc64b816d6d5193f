package commands

import (
	"bytes"
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// statsVerbs is the part of *stack.Stack that stack stats calls.
type statsVerbs interface {
	Stats(ctx context.Context, project string, o stack.StatsOptions, fn func([]stack.ContainerStats) error) error
}

// statsOptions are the flags of stack stats.
type statsOptions struct {
	*cli
	cmd *cobra.Command

	all      bool
	format   string
	noStream bool
	noTrunc  bool
}

func newStatsCommand(c *cli) *cobra.Command {
	o := &statsOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "stats [OPTIONS] [SERVICE]",
		Short: "Display a live stream of container(s) resource usage statistics",
		Long: `Display a live stream of container(s) resource usage statistics.

Shows, for each running container of the project (of SERVICE, if named;
stopped ones too with -a), its CPU %, memory use and limit, network and block
I/O and process count, computed as the docker CLI computes them. On a
terminal the table is redrawn about twice a second until Ctrl-C; with
--no-stream one sample is printed and stack exits. Containers that start or
stop meanwhile join or leave the table.`,
		Example: `  # Live usage of every container of the project
  stack stats

  # One sample, as JSON lines, for a script
  stack stats --no-stream --format json

  # Only names and CPU of the web containers
  stack stats --no-stream --format "table {{.Name}}\t{{.CPUPerc}}" web`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef(cmd.CommandPath(), "%q accepts at most 1 argument: SERVICE", cmd.CommandPath())
			}
			return nil
		},
		ValidArgsFunction: completeServices(c, true),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd = cmd
			return runStats(cmd.Context(), o, args)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "Show all containers (default shows just running)")
	f.StringVar(&o.format, "format", "", `Format output using a custom template:
'table':            Print output in table format with column headers (default)
'table TEMPLATE':   Print output in table format using the given Go template
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template`)
	f.BoolVar(&o.noStream, "no-stream", false, "Disable streaming stats and only pull the first result")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "Do not truncate output")
	return cmd
}

// runStats calls stack.Stats and prints each round of samples: on a
// terminal over the previous one.
func runStats(ctx context.Context, o *statsOptions, services []string) error {
	_, name, err := o.projectOrName(ctx, services)
	if err != nil {
		return err
	}
	// Render to a buffer first: a bad template fails before any output,
	// and a redraw is one write.
	if err := display.WriteStats(io.Discard, o.format, nil); err != nil {
		return usagef(o.cmd.CommandPath(), "%v", err)
	}
	live := !o.noStream && o.stdoutTTY
	var buf bytes.Buffer
	return callAs(o.cli, stack.Discard, "stats", func(v statsVerbs) error {
		return v.Stats(ctx, name, stack.StatsOptions{Services: services, All: o.all, Stream: !o.noStream}, func(cs []stack.ContainerStats) error {
			buf.Reset()
			if live {
				buf.WriteString(display.ClearScreen)
			}
			if err := display.WriteStats(&buf, o.format, display.NewStatsRows(cs, o.noTrunc)); err != nil {
				return err
			}
			_, err := o.stdout.Write(buf.Bytes())
			return err
		})
	})
}
