package commands

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// createVerbs is the part of *stack.Stack that stack create calls.
type createVerbs interface {
	Create(ctx context.Context, p *types.Project, o stack.CreateOptions) error
}

// createOptions are the flags of stack create.
type createOptions struct {
	*cli
	cmd *cobra.Command

	services       []string
	build, noBuild bool
	pull           string
	quietPull      bool
	forceRecreate  bool
	noRecreate     bool
	removeOrphans  bool
	scale          []string
	yes            bool
}

func newCreateCommand(c *cli) *cobra.Command {
	o := &createOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] [SERVICE...]",
		Short: "Creates containers for a service",
		Long: `Creates containers for a service.

Does what "stack up --no-start" does: builds or pulls the images as needed,
creates the networks, volumes and containers of the services (all, or those
named and their dependencies), and starts nothing. "stack start" starts them
later, in dependency order.`,
		Example: `  # Create every container, building images first
  stack create --build

  # Create web with three replicas, replacing existing containers
  stack create --force-recreate --scale web=3 web`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: completeServices(c, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.services = cmd, args
			if !cmd.Flags().Changed("remove-orphans") {
				o.removeOrphans = c.envBool("COMPOSE_REMOVE_ORPHANS")
			}
			return runCreate(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.build, "build", false, "Build images before starting containers")
	f.BoolVar(&o.noBuild, "no-build", false, "Don't build an image, even if it's policy")
	f.StringVar(&o.pull, "pull", "policy", `Pull image before running ("always"|"missing"|"never"|"build")`)
	f.BoolVar(&o.quietPull, "quiet-pull", false, "Pull without printing progress information")
	f.BoolVar(&o.forceRecreate, "force-recreate", false, "Recreate containers even if their configuration and image haven't changed")
	f.BoolVar(&o.noRecreate, "no-recreate", false, "If containers already exist, don't recreate them. Incompatible with --force-recreate.")
	f.BoolVar(&o.removeOrphans, "remove-orphans", false, "Remove containers for services not defined in the stack file")
	f.StringArrayVar(&o.scale, "scale", nil, "Scale SERVICE to NUM instances. Overrides the scale setting in the stack file if present.")
	f.BoolVarP(&o.yes, "yes", "y", false, `Assume "yes" as answer to all prompts and run non-interactively`)
	return cmd
}

// runCreate checks the flags and the stack file, then calls stack.Create.
func runCreate(ctx context.Context, o *createOptions) error {
	path := o.cmd.CommandPath()
	switch {
	case o.forceRecreate && o.noRecreate:
		return usagef(path, "--force-recreate and --no-recreate are incompatible")
	case o.build && o.noBuild:
		return usagef(path, "--build and --no-build are incompatible")
	}
	pull, err := pullFlag(path, o.pull)
	if err != nil {
		return err
	}
	scale, err := parseScale(path, o.scale)
	if err != nil {
		return err
	}
	p, err := o.loadValid(ctx, o.services)
	if err != nil {
		return err
	}
	for name := range scale {
		if err := checkServices(p, []string{name}); err != nil {
			return err
		}
	}
	prog, err := o.progress("Creating")
	if err != nil {
		return err
	}
	defer prog.Close()
	return callAs(o.cli, quiet(prog, o.quietPull, false), "create", func(v createVerbs) error {
		return v.Create(ctx, p, stack.CreateOptions{
			Services:      o.services,
			Scale:         scale,
			ForceRecreate: o.forceRecreate,
			NoRecreate:    o.noRecreate,
			RemoveOrphans: o.removeOrphans,
			Build:         o.build,
			NoBuild:       o.noBuild,
			Pull:          pull,
			DryRun:        o.global.dryRun,
		})
	})
}

// pullFlag checks a --pull value; "policy" (create's default) means each
// service's own pull_policy, as "" does for the verbs.
func pullFlag(path, v string) (string, error) {
	switch v {
	case "policy", "":
		return "", nil
	case "always", "missing", "never", "build":
		return v, nil
	}
	return "", usagef(path, `invalid --pull value %q: use always, missing, never, build or policy`, v)
}
