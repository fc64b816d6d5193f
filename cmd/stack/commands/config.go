package commands

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// configOptions are the flags of stack config.
type configOptions struct {
	*cli
	cmd *cobra.Command

	services     []string
	format       string
	quiet        bool
	listServices bool
	listVolumes  bool
	listNetworks bool
	listProfiles bool
	listImages   bool
	output       string
}

func newConfigCommand(c *cli) *cobra.Command {
	o := &configOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "config [OPTIONS] [SERVICE...]",
		Short: "Parse, resolve and render the stack file in canonical format",
		Long: `Parse, resolve and render the stack file in canonical format.

Files are merged, variables interpolated, profiles applied and the dependency
graph checked (a cycle is an error), exactly as up would before touching the
engine. With -q nothing is printed: the exit code says whether the file is
valid.`,
		Example: `  # Check a stack file in CI
  stack -f app.yml config -q

  # The resolved model as JSON
  stack config --format json

  # The services, one per line
  stack config --services`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.services = cmd, args
			return runConfig(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "yaml", `Format the output. Values: [yaml | json]`)
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Only validate the configuration, don't print anything")
	f.BoolVar(&o.listServices, "services", false, "Print the service names, one per line")
	f.BoolVar(&o.listVolumes, "volumes", false, "Print the volume names, one per line")
	f.BoolVar(&o.listNetworks, "networks", false, "Print the network names, one per line")
	f.BoolVar(&o.listProfiles, "profiles", false, "Print the profile names, one per line")
	f.BoolVar(&o.listImages, "images", false, "Print the image names, one per line")
	f.StringVarP(&o.output, "output", "o", "", "Save to file (default to stdout)")
	return cmd
}

// runConfig loads and validates the stack file and prints what was asked.
func runConfig(ctx context.Context, o *configOptions) error {
	if o.format != "yaml" && o.format != "json" {
		return usagef(o.cmd.CommandPath(), "unsupported --format value %q: use yaml or json", o.format)
	}
	p, err := o.loadValid(ctx, o.services)
	if err != nil {
		return err
	}
	// What up would refuse, config refuses too: every container and
	// network configuration is built, for the newest engine API.
	if err := stack.Validate(p, ""); err != nil {
		return err
	}
	if len(o.services) > 0 {
		if p, err = p.WithSelectedServices(o.services); err != nil {
			return err
		}
	}
	if o.quiet {
		return nil
	}

	var lines []string
	switch {
	case o.listServices:
		lines = p.ServiceNames()
	case o.listVolumes:
		lines = p.VolumeNames()
	case o.listNetworks:
		lines = p.NetworkNames()
	case o.listProfiles:
		lines = profiles(p)
	case o.listImages:
		lines = images(p)
	default:
		var b []byte
		if o.format == "json" {
			b, err = p.MarshalJSON()
			b = append(b, '\n')
		} else {
			b, err = p.MarshalYAML()
		}
		if err != nil {
			return fmt.Errorf("render the stack file: %w", err)
		}
		return o.write(b)
	}
	var buf bytes.Buffer
	for _, l := range lines {
		buf.WriteString(l)
		buf.WriteByte('\n')
	}
	return o.write(buf.Bytes())
}

// write sends b to --output or stdout.
func (o *configOptions) write(b []byte) error {
	if o.output != "" {
		if err := os.WriteFile(o.output, b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", o.output, err)
		}
		return nil
	}
	_, err := o.stdout.Write(b)
	return err
}

// profiles lists every profile named by a service, active or not, sorted.
func profiles(p *types.Project) []string {
	var out []string
	for _, s := range p.AllServices() {
		for _, pr := range s.Profiles {
			if !slices.Contains(out, pr) {
				out = append(out, pr)
			}
		}
	}
	slices.Sort(out)
	return out
}

// images lists the image of each service, sorted by service; a service
// that only builds gets Compose's default name, <project>-<service>.
func images(p *types.Project) []string {
	var out []string
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		img := s.Image
		if img == "" {
			img = p.Name + "-" + name
		}
		out = append(out, img)
	}
	return out
}
