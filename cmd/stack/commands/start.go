package commands

import (
	"context"
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// startVerbs is the part of *stack.Stack that stack start calls.
type startVerbs interface {
	Start(ctx context.Context, name string, p *types.Project, o stack.StartOptions) error
}

func newStartCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "start [SERVICE...]",
		Short: "Start services",
		Long: `Start services.

Starts the existing stopped containers of the services (all when none is
named), each after the containers it depends on. Use "stack up" to create
missing containers.`,
		Example: `  # Start every stopped container of the project
  stack start

  # Start the containers of db and web
  stack start db web`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.runLifecycle(cmd, args, "Starting", func(ctx context.Context, v verbs, name string, p *types.Project) error {
				sv, ok := v.(startVerbs)
				if !ok {
					return errUnsupported("start")
				}
				return sv.Start(ctx, name, p, stack.StartOptions{Services: args})
			})
		},
	}
}

// runLifecycle is the common shape of start, stop, restart, kill, rm,
// pause and unpause: resolve the project (a stack file or just a project
// name), check the services named, then call the verb with a progress
// renderer as the sink.
func (c *cli) runLifecycle(cmd *cobra.Command, services []string, title string, call func(ctx context.Context, v verbs, name string, p *types.Project) error) error {
	ctx := cmd.Context()
	if c.global.dryRun {
		return usagef(cmd.CommandPath(), "--dry-run is not supported by %s yet", cmd.Name())
	}
	p, name, err := c.projectOrName(ctx)
	if err != nil {
		return err
	}
	if p != nil {
		if err := checkServices(p, services); err != nil {
			return err
		}
	}
	prog, err := c.progress(title)
	if err != nil {
		return err
	}
	defer prog.Close()
	v, release, err := c.connect(prog)
	if err != nil {
		return err
	}
	defer release()
	return call(ctx, v, name, p)
}

// errUnsupported is returned when the verbs at hand lack a command's verb
// (a test double).
func errUnsupported(command string) error {
	return fmt.Errorf("%s is not supported by this engine", command)
}
