package commands

import (
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionOptions are the flags of stack version.
type versionOptions struct {
	*cli
	short  bool
	format string
}

func newVersionCommand(c *cli) *cobra.Command {
	o := &versionOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "version [OPTIONS]",
		Short: "Show the stack version information",
		Long: `Show the stack version information.

The version is the module version the binary was built from, or "dev" for a
build from a work tree.`,
		Example: `  # The full line
  stack version

  # Only the number, for scripts
  stack version --short`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.format != "pretty" && o.format != "json" {
				return usagef(cmd.CommandPath(), "unsupported --format value %q: use pretty or json", o.format)
			}
			return runVersion(o)
		},
	}
	cmd.Flags().BoolVar(&o.short, "short", false, "Shows only the version number")
	cmd.Flags().StringVar(&o.format, "format", "pretty", "Format the output. Values: [pretty | json]")
	return cmd
}

// runVersion prints "stack version <v>".
func runVersion(o *versionOptions) error {
	v := version()
	switch {
	case o.short:
		_, err := fmt.Fprintln(o.stdout, v)
		return err
	case o.format == "json":
		b, err := json.Marshal(map[string]string{"version": v})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(o.stdout, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintf(o.stdout, "stack version %s\n", v)
	return err
}

// version is the module version stamped by the Go toolchain, or "dev" for a
// build from a work tree without one.
func version() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			return v
		}
	}
	return "dev"
}
