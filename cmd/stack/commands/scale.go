package commands

import (
	"context"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// scaleVerbs is the part of *stack.Stack that stack scale calls.
type scaleVerbs interface {
	Scale(ctx context.Context, p *types.Project, scale map[string]int, o stack.ScaleOptions) error
}

func newScaleCommand(c *cli) *cobra.Command {
	var noDeps, swarm bool
	cmd := &cobra.Command{
		Use:   "scale [OPTIONS] SERVICE=REPLICAS...",
		Short: "Scale services",
		Long: `Scale services.

Sets the number of containers of each service named. New containers take the
next numbers and start after their dependencies; scaling down removes the
highest numbers first. The other containers are left as they are. A service
with a container_name or a fixed published host port cannot have more than
one container: scale says so before changing anything.`,
		Example: `  # Run three web containers and one worker
  stack scale web=3 worker=1

  # Scale without starting what web depends on
  stack scale --no-deps web=2`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScale(cmd, c, args, noDeps, swarm)
		},
	}
	cmd.Flags().BoolVar(&noDeps, "no-deps", false, "Don't start linked services")
	cmd.Flags().BoolVar(&swarm, "swarm", false, swarmFlagUsage+": set the replicas of its services")
	return cmd
}

func runScale(cmd *cobra.Command, c *cli, args []string, noDeps, swarm bool) error {
	ctx := cmd.Context()
	path := cmd.CommandPath()
	scale := make(map[string]int, len(args))
	services := make([]string, 0, len(args))
	for _, a := range args {
		name, num, ok := strings.Cut(a, "=")
		n, err := strconv.Atoi(num)
		if !ok || name == "" || err != nil || n < 0 {
			return usagef(path, "invalid argument %q: want SERVICE=REPLICAS, REPLICAS a number of containers", a)
		}
		scale[name] = n
		services = append(services, name)
	}
	if swarm {
		return runSwarmScale(ctx, c, scale)
	}
	p, err := c.loadValid(ctx, services)
	if err != nil {
		return err
	}
	// Refused before the engine is even asked.
	if err := stack.CheckScale(p, services, scale); err != nil {
		return err
	}
	return callWithProgress(c, "Running", "scale", func(v scaleVerbs) error {
		return v.Scale(ctx, p, scale, stack.ScaleOptions{NoDeps: noDeps, DryRun: c.global.dryRun})
	})
}
