package commands

import (
	"encoding/json"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/engine"
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
build from a work tree. Then the engine stack talks to, and the docker
context and the setting that chose it (-H, --context, DOCKER_HOST,
DOCKER_CONTEXT, the current context of the docker config directory), as the
docker CLI chooses it; the engine is not contacted.`,
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
	f := cmd.Flags()
	f.BoolVar(&o.short, "short", false, "Shows only the version number")
	f.StringVarP(&o.format, "format", "f", "pretty", "Format the output. Values: [pretty | json]")
	// -f is --format here, as in Compose.
	shadowFileFlag(cmd, c)
	return cmd
}

// runVersion prints "stack version <v>", then the engine and its context.
func runVersion(o *versionOptions) error {
	v := version()
	if o.short {
		_, err := fmt.Fprintln(o.stdout, v)
		return err
	}
	t, terr := engine.Resolve(o.engineSelection())
	host := t.Host
	if host == "" {
		host = engine.DefaultHost
	}
	if o.format == "json" {
		out := map[string]string{"version": v}
		if terr == nil {
			out["engine"], out["context"], out["contextSource"] = host, t.Context, t.Source
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(o.stdout, "%s\n", b); err != nil {
			return err
		}
		return terr
	}
	if _, err := fmt.Fprintf(o.stdout, "stack version %s\n", v); err != nil {
		return err
	}
	if terr != nil {
		return terr
	}
	context := t.Context
	if t.Source != "default" {
		context += " (" + t.Source + ")"
	}
	_, err := fmt.Fprintf(o.stdout, "Engine:  %s\nContext: %s\n", host, context)
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
