package commands

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// downOptions are the flags of stack down.
type downOptions struct {
	*cli
	cmd *cobra.Command

	timeout       int
	volumes       bool
	removeOrphans bool
	swarm         bool
	rmi           string
}

// rmiVerbs is the part of *stack.Stack that stack down --rmi calls.
type rmiVerbs interface {
	verbs
	DownImages(ctx context.Context, name string, p *types.Project, mode string) ([]string, error)
	RemoveImages(ctx context.Context, refs []string, dryRun bool) error
}

func newDownCommand(c *cli) *cobra.Command {
	o := &downOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "down [OPTIONS]",
		Short: "Stop and remove containers, networks",
		Long: `Stop and remove containers, networks.

Containers are stopped in reverse dependency order. Without a stack file, a
project name (-p or COMPOSE_PROJECT_NAME) is enough: the engine's labels say
what belongs to the project. With --rmi, images are removed last: "local"
those built for the services, "all" also every service's image key.`,
		Example: `  # Remove the stack of the current directory, volumes included
  stack down -v

  # Remove a project by name, without its stack file
  stack -p shop down`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.cmd = cmd
			if !cmd.Flags().Changed("remove-orphans") {
				o.removeOrphans = c.envBool("COMPOSE_REMOVE_ORPHANS")
			}
			return runDown(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&o.timeout, "timeout", "t", 0, "Specify a shutdown timeout in seconds")
	f.BoolVarP(&o.volumes, "volumes", "v", false, "Remove named volumes declared in the \"volumes\" section of the stack file and anonymous volumes attached to containers")
	f.BoolVar(&o.removeOrphans, "remove-orphans", false, "Remove containers for services not defined in the stack file (COMPOSE_REMOVE_ORPHANS)")
	f.BoolVar(&o.swarm, "swarm", false, swarmFlagUsage+": remove its services, networks, secrets and configs (with -v, its volumes on the manager)")
	f.StringVar(&o.rmi, "rmi", "", `Remove images used by services. "local" remove only images that don't have a custom tag ("local"|"all")`)
	return cmd
}

// runDown resolves the project, then calls stack.Down.
func runDown(ctx context.Context, o *downOptions) error {
	switch o.rmi {
	case "", stack.RemoveImagesLocal, stack.RemoveImagesAll:
	default:
		return usagef(o.cmd.CommandPath(), "invalid --rmi value %q: use local or all", o.rmi)
	}
	if o.swarm && o.rmi != "" {
		return usagef(o.cmd.CommandPath(), "--rmi and --swarm are incompatible: a swarm's images are on its nodes")
	}
	p, name, err := o.projectOrName(ctx, nil)
	if err != nil {
		return err
	}
	if o.swarm {
		return runSwarmDown(ctx, o, name)
	}
	opts := stack.DownOptions{
		Timeout:       seconds(o.cmd, "timeout", o.timeout),
		Volumes:       o.volumes,
		RemoveOrphans: o.removeOrphans,
		DryRun:        o.global.dryRun,
	}
	if o.rmi == "" {
		return callWithProgress(o.cli, "Running", "down", func(v verbs) error {
			return v.Down(ctx, name, p, opts)
		})
	}
	// The images are found while the containers still say which they run,
	// and removed once nothing uses them.
	return callWithProgress(o.cli, "Running", "down", func(v rmiVerbs) error {
		refs, err := v.DownImages(ctx, name, p, o.rmi)
		if err != nil {
			return err
		}
		if err := v.Down(ctx, name, p, opts); err != nil {
			return err
		}
		return v.RemoveImages(ctx, refs, o.global.dryRun)
	})
}
