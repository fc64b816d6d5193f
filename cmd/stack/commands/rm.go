package commands

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// rmVerbs is the part of *stack.Stack that stack rm calls.
type rmVerbs interface {
	Rm(ctx context.Context, name string, p *types.Project, o stack.RmOptions) error
}

// rmOptions are the flags of stack rm.
type rmOptions struct {
	force   bool
	stop    bool
	volumes bool
}

func newRmCommand(c *cli) *cobra.Command {
	o := &rmOptions{}
	cmd := &cobra.Command{
		Use:   "rm [OPTIONS] [SERVICE...]",
		Short: "Removes stopped service containers",
		Long: `Removes stopped service containers.

By default, anonymous volumes attached to containers are not removed: use -v.
Running containers are left alone unless -s stops them first. Without -f,
rm asks for confirmation on a terminal, and removes nothing when standard
input is not one.`,
		Example: `  # Remove the stopped containers of the project, without asking
  stack rm -f

  # Stop and remove web with its anonymous volumes
  stack rm -s -v -f web`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLifecycle(c, cmd, args, "Removing", func(ctx context.Context, v rmVerbs, name string, p *types.Project) error {
				return v.Rm(ctx, name, p, stack.RmOptions{
					Services: args,
					Stop:     o.stop,
					Volumes:  o.volumes,
					Confirm:  c.confirmRemove(o.force),
					DryRun:   c.global.dryRun,
				})
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.force, "force", "f", false, "Don't ask to confirm removal")
	f.BoolVarP(&o.stop, "stop", "s", false, "Stop the containers, if required, before removing")
	f.BoolVarP(&o.volumes, "volumes", "v", false, "Remove any anonymous volumes attached to containers")
	shadowFileFlag(cmd, c)
	return cmd
}

// confirmRemove returns the question rm asks before removing, as Compose
// does: "Going to remove a, b" then "Are you sure? [yN]" read from a
// terminal. Forced, it only tells; on a standard input that is not a
// terminal the answer is no.
func (c *cli) confirmRemove(force bool) func(names []string) bool {
	return func(names []string) bool {
		if len(names) == 0 {
			fmt.Fprintln(c.stderr, "No stopped containers")
			return false
		}
		msg := "Going to remove " + strings.Join(names, ", ")
		if force {
			fmt.Fprintln(c.stderr, msg)
			return true
		}
		f, ok := c.stdin.(*os.File)
		if !ok || !display.IsTerminal(f) {
			fmt.Fprintf(c.stderr, "%s\nstandard input is not a terminal: nothing removed (use -f to remove without asking)\n", msg)
			return false
		}
		fmt.Fprintf(c.stderr, "%s\nAre you sure? [yN] ", msg)
		answer, _ := bufio.NewReader(c.stdin).ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(answer)) {
		case "y", "yes":
			return true
		}
		return false
	}
}
