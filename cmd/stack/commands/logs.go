package commands

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// logsVerbs is the part of *stack.Stack that stack logs calls.
type logsVerbs interface {
	Logs(ctx context.Context, project string, sink stack.LogSink, o stack.LogsOptions) error
}

// logsOptions are the flags of stack logs.
type logsOptions struct {
	*cli
	cmd *cobra.Command

	services    []string
	follow      bool
	tail        string
	since       string
	until       string
	timestamps  bool
	noColor     bool
	noLogPrefix bool
	index       int
	format      string
	swarm       bool
}

// Formats of logs --format.
const (
	logsText = "text"
	logsJSON = "json"
)

// logsBuffer is the size of the output buffer of logs, and logsDelay the
// longest a buffered line waits to be written.
const (
	logsBuffer = 64 << 10
	logsDelay  = 10 * time.Millisecond
)

func newLogsCommand(c *cli) *cobra.Command {
	o := &logsOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "logs [OPTIONS] [SERVICE...]",
		Short: "View output from containers",
		Long: `View output from containers.

Shows the logs of the containers of the services (all when none is named),
stopped ones included, each line prefixed with the container ("web-1 | ").
With -f, logs keeps following, picks up containers that start later (scale,
restart, recreate), and ends when no container of the services runs any more,
or on Ctrl-C.`,
		Example: `  # The whole log of every container
  stack logs

  # Follow web from its last 10 lines, with timestamps
  stack logs -f -n 10 -t web

  # The last hour as JSON lines, for jq
  stack logs --since 1h --format json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.services = cmd, args
			return runLogs(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.follow, "follow", "f", false, "Follow log output")
	f.StringVarP(&o.tail, "tail", "n", "all", "Number of lines to show from the end of the logs for each container")
	f.StringVar(&o.since, "since", "", "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)")
	f.StringVar(&o.until, "until", "", "Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)")
	f.BoolVarP(&o.timestamps, "timestamps", "t", false, "Show timestamps")
	f.BoolVar(&o.noColor, "no-color", false, "Produce monochrome output")
	f.BoolVar(&o.noLogPrefix, "no-log-prefix", false, "Don't print prefix in logs")
	f.IntVar(&o.index, "index", 0, "index of the container if service has multiple replicas")
	f.StringVar(&o.format, "format", logsText, "Format the output: text or json (one object per line: time, service, container, stream, line)")
	f.BoolVar(&o.swarm, "swarm", false, swarmFlagUsage+": the logs of its services' tasks, through the manager")
	shadowFileFlag(cmd, c)
	return cmd
}

// runLogs checks the flags, then streams the logs to stdout.
func runLogs(ctx context.Context, o *logsOptions) error {
	path := o.cmd.CommandPath()
	if o.tail != "all" {
		if n, err := strconv.Atoi(o.tail); err != nil || n < 0 {
			return usagef(path, "invalid --tail value %q: want a number of lines or \"all\"", o.tail)
		}
	}
	if o.index < 0 {
		return usagef(path, "invalid --index value %d", o.index)
	}
	if o.format != logsText && o.format != logsJSON {
		return usagef(path, "unsupported --format %q: use text or json", o.format)
	}
	_, name, err := o.projectOrName(ctx, o.services)
	if err != nil {
		return err
	}
	out := display.NewLineBuffer(o.stdout, logsBuffer, logsDelay)
	defer out.Close()
	var sink stack.LogSink
	if o.format == logsJSON {
		sink = display.NewJSONLogPrinter(out)
	} else {
		sink = display.NewLogPrinter(out, display.LogOptions{
			Color:      !o.noColor && o.colour(o.stdoutTTY),
			NoPrefix:   o.noLogPrefix,
			Timestamps: o.timestamps,
		})
	}
	if o.swarm {
		return runSwarmLogs(ctx, o, name, sink)
	}
	return callAs(o.cli, warnings(o.stderr), "logs", func(v logsVerbs) error {
		return v.Logs(ctx, name, sink, stack.LogsOptions{
			Services:   o.services,
			Index:      o.index,
			Follow:     o.follow,
			Tail:       o.tail,
			Since:      o.since,
			Until:      o.until,
			Timestamps: o.timestamps || o.format == logsJSON,
		})
	})
}

// warnings is a sink that prints only the warnings and errors of a verb,
// for the commands whose output is data.
func warnings(w io.Writer) stack.Sink {
	return stack.SinkFunc(func(e stack.Event) {
		switch e.Status {
		case stack.StatusWarning:
			fmt.Fprintf(w, "stack: warning: %s: %s\n", e.Name, e.Text)
		case stack.StatusError:
			fmt.Fprintf(w, "stack: %s: %s\n", e.Name, e.Error)
		}
	})
}

// shadowFileFlag gives cmd its own --file flag, without the -f shorthand,
// bound to the global one: cmd can then use -f for itself (logs --follow,
// rm --force) as in Compose, while --file still works after the command
// and -f before it.
func shadowFileFlag(cmd *cobra.Command, c *cli) {
	cmd.Flags().StringArrayVar(&c.global.files, "file", nil, "Stack configuration files (as the global -f, which this command uses for something else)")
}
