package commands

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// cpVerbs is the part of *stack.Stack that stack cp calls.
type cpVerbs interface {
	Copy(ctx context.Context, project string, o stack.CopyOptions) error
}

// cpOptions are the flags of stack cp.
type cpOptions struct {
	*cli
	cmd *cobra.Command

	index      int
	all        bool
	followLink bool
	archive    bool
}

func newCpCommand(c *cli) *cobra.Command {
	o := &cpOptions{cli: c}
	cmd := &cobra.Command{
		Use: `cp [OPTIONS] SERVICE:SRC_PATH DEST_PATH|-
	stack cp [OPTIONS] SRC_PATH|- SERVICE:DEST_PATH`,
		Short: "Copy files/folders between a service container and the local filesystem",
		Long: `Copy files/folders between a service container and the local filesystem.

Copies as docker cp does, through the engine's API as tar streams: from the
first container of SERVICE (or number --index), or to every container of it
(or number --index; one-off containers too with --all). "-" is a tar stream
on standard input or output; a stream read from standard input goes to every
container without a copy on disk. Stopped containers are copied to and from
as well. A destination that is an existing directory receives the source;
otherwise the source is copied under the destination's name, and "SRC/."
copies a directory's content.`,
		Example: `  # A file out of the web container, and back into every web container
  stack cp web:/etc/nginx/nginx.conf .
  stack cp nginx.conf web:/etc/nginx/nginx.conf

  # A directory's content into the second worker, keeping owners
  stack cp -a ./assets/. worker:/srv/assets --index 2

  # A tar stream out of the db container
  stack cp db:/var/lib/data - > data.tar`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef(cmd.CommandPath(), "%q requires exactly 2 arguments: SOURCE and DESTINATION, one of them SERVICE:PATH", cmd.CommandPath())
			}
			return nil
		},
		ValidArgsFunction: completeServices(c, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd = cmd
			return runCp(cmd.Context(), o, args[0], args[1])
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.index, "index", 0, "Index of the container if service has multiple replicas")
	f.BoolVar(&o.all, "all", false, "Include containers created by the run command")
	f.BoolVarP(&o.followLink, "follow-link", "L", false, "Always follow symbol link in SRC_PATH")
	f.BoolVarP(&o.archive, "archive", "a", false, "Archive mode (copy all uid/gid information)")
	return cmd
}

// runCp checks the arguments and calls stack.Copy.
func runCp(ctx context.Context, o *cpOptions, src, dst string) error {
	path := o.cmd.CommandPath()
	if o.index < 0 {
		return usagef(path, "invalid --index %d: container numbers start at 1", o.index)
	}
	srcService, _ := stack.SplitCopyArg(src)
	dstService, _ := stack.SplitCopyArg(dst)
	switch {
	case srcService != "" && dstService != "":
		return usagef(path, "copying between services is not supported")
	case srcService == "" && dstService == "":
		return usagef(path, "one of %q and %q must be SERVICE:PATH", src, dst)
	case src == "-" && dst == "-":
		return usagef(path, `source and destination cannot both be "-"`)
	}
	service := srcService + dstService
	_, name, err := o.projectOrName(ctx, []string{service})
	if err != nil {
		return err
	}
	return callWithProgress(o.cli, "Copying", "cp", func(v cpVerbs) error {
		return v.Copy(ctx, name, stack.CopyOptions{
			Source:      src,
			Destination: dst,
			Index:       o.index,
			All:         o.all,
			FollowLink:  o.followLink,
			Archive:     o.archive,
			In:          o.stdin,
			Out:         o.stdout,
			DryRun:      o.global.dryRun,
		})
	})
}
