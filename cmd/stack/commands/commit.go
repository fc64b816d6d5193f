package commands

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// commitVerbs is the part of *stack.Stack that stack commit calls.
type commitVerbs interface {
	Commit(ctx context.Context, project string, o stack.CommitOptions) (string, error)
}

// commitOptions are the flags of stack commit.
type commitOptions struct {
	*cli
	cmd *cobra.Command

	index   int
	pause   bool
	message string
	author  string
	changes []string
}

func newCommitCommand(c *cli) *cobra.Command {
	o := &commitOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "commit [OPTIONS] SERVICE [REPOSITORY[:TAG]]",
		Short: "Create a new image from a service container's changes",
		Long: `Create a new image from a service container's changes.

Commits the filesystem changes of the container of SERVICE (number --index,
default the first) to a new image, named REPOSITORY[:TAG] when given, as
docker commit does; the progress line says "Committed as <image ID>". The
container is paused meanwhile unless --pause=false. Unlike docker compose
commit, a stopped container can be committed too.`,
		Example: `  # Keep what a debugging session changed in the web container
  stack commit -m "with debug tools" web shop/web:debug

  # With a new default command
  stack commit -c 'CMD ["sh"]' web shop/web:shell`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usagef(cmd.CommandPath(), "%q requires 1 or 2 arguments: SERVICE [REPOSITORY[:TAG]]", cmd.CommandPath())
			}
			return nil
		},
		ValidArgsFunction: completeServices(c, true),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd = cmd
			ref := ""
			if len(args) == 2 {
				ref = args[1]
			}
			return runCommit(cmd.Context(), o, args[0], ref)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.index, "index", 0, "index of the container if service has multiple replicas.")
	f.BoolVarP(&o.pause, "pause", "p", true, "Pause container during commit")
	// -p is --pause here, as in Compose.
	c.shadowProjectName(f)
	f.StringVarP(&o.message, "message", "m", "", "Commit message")
	f.StringVarP(&o.author, "author", "a", "", `Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")`)
	f.StringArrayVarP(&o.changes, "change", "c", nil, "Apply Dockerfile instruction to the created image")
	return cmd
}

// runCommit calls stack.Commit.
func runCommit(ctx context.Context, o *commitOptions, service, ref string) error {
	if o.index < 0 {
		return usagef(o.cmd.CommandPath(), "invalid --index %d: container numbers start at 1", o.index)
	}
	_, name, err := o.projectOrName(ctx, []string{service})
	if err != nil {
		return err
	}
	return callWithProgress(o.cli, "Committing", "commit", func(v commitVerbs) error {
		_, err := v.Commit(ctx, name, stack.CommitOptions{
			Service: service,
			Index:   o.index,
			Ref:     ref,
			Message: o.message,
			Author:  o.author,
			Changes: o.changes,
			Pause:   o.pause,
			DryRun:  o.global.dryRun,
		})
		return err
	})
}
