package commands

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// containerStates are the values of ps --status.
var containerStates = []string{"paused", "restarting", "removing", "running", "dead", "created", "exited"}

// psOptions are the flags of stack ps.
type psOptions struct {
	*cli
	cmd *cobra.Command

	services     []string
	all          bool
	quiet        bool
	listServices bool
	format       string
	status       []string
	filter       string
	swarm        bool
	orphans      bool
	noTrunc      bool
}

func newPsCommand(c *cli) *cobra.Command {
	o := &psOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "ps [OPTIONS] [SERVICE...]",
		Short: "List containers",
		Long: `List containers.

Lists the containers of the project (of the services named, if any), sorted by
service and number: the running ones, or all of them with -a or --status.
Without a stack file, a project name (-p or COMPOSE_PROJECT_NAME) is enough.
A --format template sees the fields of the JSON output (ID, Name, Image,
Service, State, Status, Health, ExitCode, Ports, Publishers, ...).`,
		Example: `  # List the running containers of the project
  stack ps

  # Every container, as JSON lines
  stack ps -a --format json

  # IDs of the exited containers of web
  stack ps -q --status exited web`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.services = cmd, args
			return runPs(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "Show all stopped containers")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Only display IDs")
	f.BoolVar(&o.listServices, "services", false, "Display services")
	f.StringVar(&o.format, "format", display.PsTable, "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'json':             Print in JSON format, one object per line\n'TEMPLATE':         Print output using the given Go template")
	f.StringArrayVar(&o.status, "status", nil, "Filter services by status. Values: ["+strings.Join(containerStates, " | ")+"]")
	f.StringVar(&o.filter, "filter", "", "Filter services by a property (supported filters: status)")
	f.BoolVar(&o.swarm, "swarm", false, swarmFlagUsage+": list its tasks, with their node")
	f.BoolVar(&o.orphans, "orphans", true, "Include orphaned services (not declared by project)")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "Don't truncate output")
	return cmd
}

// runPs checks the flags, calls stack.Ps and prints the containers.
func runPs(ctx context.Context, o *psOptions) error {
	if o.swarm {
		return runSwarmPs(ctx, o)
	}
	path := o.cmd.CommandPath()
	if o.filter != "" {
		key, val, ok := strings.Cut(o.filter, "=")
		if !ok || key != "status" {
			return usagef(path, "unsupported --filter %q: use status=STATE", o.filter)
		}
		o.status = append(o.status, val)
	}
	for _, s := range o.status {
		if !slices.Contains(containerStates, s) {
			return usagef(path, "invalid --status value %q: use one of %s", s, strings.Join(containerStates, ", "))
		}
	}
	// A bad template is a usage error, found before the engine is asked.
	if err := display.WritePs(io.Discard, o.format, nil); err != nil {
		return usagef(path, "%v", err)
	}

	p, name, err := o.projectOrName(ctx, o.services)
	if err != nil {
		return err
	}
	v, release, err := connectAs[verbs](o.cli, stack.Discard, "ps")
	if err != nil {
		return err
	}
	defer release()
	cs, err := v.Ps(ctx, name, stack.PsOptions{All: o.all || len(o.status) > 0, Services: o.services})
	if err != nil {
		return err
	}
	if len(o.status) > 0 {
		cs = slices.DeleteFunc(cs, func(c engine.Container) bool { return !slices.Contains(o.status, string(c.State)) })
	}
	if !o.orphans && p != nil {
		// Services of an inactive profile are declared: not orphans.
		cs = slices.DeleteFunc(cs, func(c engine.Container) bool {
			_, enabled := p.Services[c.Service]
			_, disabled := p.DisabledServices[c.Service]
			return !enabled && !disabled
		})
	}

	switch {
	case o.quiet:
		for _, c := range cs {
			fmt.Fprintln(o.stdout, c.ID)
		}
		return nil
	case o.listServices:
		var seen []string
		for _, c := range cs {
			if !slices.Contains(seen, c.Service) {
				seen = append(seen, c.Service)
				fmt.Fprintln(o.stdout, c.Service)
			}
		}
		return nil
	}
	rows := display.NewPsRows(cs, o.clock())
	if o.noTrunc {
		for i := range rows {
			rows[i].ID = cs[i].ID
		}
	}
	return display.WritePs(o.stdout, o.format, rows)
}
