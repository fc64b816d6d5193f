package commands

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// lsVerbs is the part of *stack.Stack that stack ls calls.
type lsVerbs interface {
	List(ctx context.Context, o stack.LsOptions) ([]stack.ProjectSummary, error)
}

// lsOptions are the flags of stack ls.
type lsOptions struct {
	all    bool
	format string
	quiet  bool
	filter []string
}

func newLsCommand(c *cli) *cobra.Command {
	o := &lsOptions{}
	cmd := &cobra.Command{
		Use:   "ls [OPTIONS]",
		Short: "List running compose projects",
		Long: `List running compose projects.

Lists the projects that have containers on the engine, from their labels:
projects started by stack and by Docker Compose alike. Without -a, only
projects with a running container.`,
		Example: `  # Projects with running containers
  stack ls

  # Every project whose name matches shop, as JSON
  stack ls -a --filter name=shop --format json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLs(cmd, c, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "Show all stopped projects")
	f.StringVar(&o.format, "format", display.LsTable, "Format the output. Values: [table | json]")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Only display project names")
	f.StringArrayVar(&o.filter, "filter", nil, "Filter output based on conditions provided (name=REGEXP)")
	return cmd
}

func runLs(cmd *cobra.Command, c *cli, o *lsOptions) error {
	ctx := cmd.Context()
	path := cmd.CommandPath()
	if o.format != display.LsTable && o.format != display.LsJSON {
		return usagef(path, "unsupported --format %q: use table or json", o.format)
	}
	var names []*regexp.Regexp
	for _, f := range o.filter {
		key, val, ok := strings.Cut(f, "=")
		if !ok || key != "name" {
			return usagef(path, "unsupported --filter %q: use name=VALUE", f)
		}
		re, err := regexp.Compile(val)
		if err != nil {
			re = regexp.MustCompile(regexp.QuoteMeta(val))
		}
		names = append(names, re)
	}
	v, release, err := connectAs[lsVerbs](c, stack.Discard, "ls")
	if err != nil {
		return err
	}
	defer release()
	ps, err := v.List(ctx, stack.LsOptions{All: o.all})
	if err != nil {
		return err
	}
	if len(names) > 0 {
		kept := ps[:0]
		for _, p := range ps {
			for _, re := range names {
				if re.MatchString(p.Name) {
					kept = append(kept, p)
					break
				}
			}
		}
		ps = kept
	}
	if o.quiet {
		for _, p := range ps {
			fmt.Fprintln(c.stdout, p.Name)
		}
		return nil
	}
	return display.WriteProjects(c.stdout, o.format, ps)
}
