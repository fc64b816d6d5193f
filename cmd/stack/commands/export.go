package commands

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// exportVerbs is the part of *stack.Stack that stack export calls.
type exportVerbs interface {
	Export(ctx context.Context, project string, w io.Writer, o stack.ExportOptions) error
}

// exportOptions are the flags of stack export.
type exportOptions struct {
	*cli
	cmd *cobra.Command

	index  int
	output string
}

func newExportCommand(c *cli) *cobra.Command {
	o := &exportOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "export [OPTIONS] SERVICE",
		Short: "Export a service container's filesystem as a tar archive",
		Long: `Export a service container's filesystem as a tar archive.

Writes the whole filesystem of the container of SERVICE (number --index,
default the first) as a tar stream to standard output, or to the file -o
names (which appears complete or not at all). Standard output must not be a
terminal. Unlike docker compose export, a stopped container can be exported
too.`,
		Example: `  # List what the web container holds
  stack export web | tar t

  # Keep it in a file
  stack export -o web.tar web`,
		Args:              oneService,
		ValidArgsFunction: completeServices(c, true),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd = cmd
			return runExport(cmd.Context(), o, args[0])
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.index, "index", 0, "index of the container if service has multiple replicas.")
	f.StringVarP(&o.output, "output", "o", "", "Write to a file, instead of STDOUT")
	return cmd
}

// runExport calls stack.Export with standard output or a temporary file
// beside -o that is renamed once complete.
func runExport(ctx context.Context, o *exportOptions, service string) error {
	path := o.cmd.CommandPath()
	if o.index < 0 {
		return usagef(path, "invalid --index %d: container numbers start at 1", o.index)
	}
	if o.output == "" && o.stdoutTTY {
		return usagef(path, "output option is required when exporting to terminal: use -o FILE or a redirection")
	}
	_, name, err := o.projectOrName(ctx, []string{service})
	if err != nil {
		return err
	}
	opts := stack.ExportOptions{Service: service, Index: o.index, DryRun: o.global.dryRun}
	if o.output == "" {
		return callAs(o.cli, display.Quiet{}, "export", func(v exportVerbs) error {
			return v.Export(ctx, name, o.stdout, opts)
		})
	}
	out := o.output
	if !filepath.IsAbs(out) && o.workDir != "" {
		out = filepath.Join(o.workDir, out)
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return fmt.Errorf("export to %s: it is a directory", o.output)
	}
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return fmt.Errorf("export to %s: %w", o.output, err)
	}
	err = callAs(o.cli, display.Quiet{}, "export", func(v exportVerbs) error {
		return v.Export(ctx, name, f, opts)
	})
	err = errors.Join(err, f.Close())
	if err == nil && !o.global.dryRun {
		err = os.Rename(f.Name(), out)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	if o.global.dryRun {
		_ = os.Remove(f.Name())
	}
	return nil
}
