package commands

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
)

// servicesOptions are the flags of stack services.
type servicesOptions struct {
	*cli
	cmd *cobra.Command

	quiet  bool
	format string
}

func newServicesCommand(c *cli) *cobra.Command {
	o := &servicesOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "services [OPTIONS]",
		Short: "List the services of a project deployed to a swarm",
		Long: `List the services of a project deployed to a swarm.

For each service of the project on the swarm (stack deploy): its mode, its
tasks running out of those desired (for a job: completed out of those asked
for), its image and its published ports. Without a stack file, a project name
(-p or COMPOSE_PROJECT_NAME) is enough.`,
		Example: `  # The services of the project of the current directory
  stack services

  # As JSON
  stack -p shop services --format json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.cmd = cmd
			return runServices(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Only display IDs")
	f.StringVar(&o.format, "format", "table", "Format the output: table or json")
	return cmd
}

func runServices(ctx context.Context, o *servicesOptions) error {
	if err := display.WriteServices(io.Discard, o.format, nil); err != nil {
		return usagef(o.cmd.CommandPath(), "%v", err)
	}
	_, name, err := o.projectOrName(ctx, nil)
	if err != nil {
		return err
	}
	return o.callSwarm(warnings(o.stderr), func(v swarmVerbs) error {
		list, err := v.Services(ctx, name)
		if err != nil {
			return err
		}
		if o.quiet {
			for _, s := range list {
				fmt.Fprintln(o.stdout, s.ID)
			}
			return nil
		}
		return display.WriteServices(o.stdout, o.format, list)
	})
}
