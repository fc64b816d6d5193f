package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v4"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/project"
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
	listModels   bool
	listProfiles bool
	listImages   bool
	hash         string
	variables    bool
	environment  bool
	model        project.ModelOptions
	resolve      bool
	lock         bool
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
valid.

The output loads back to the same project: "$" is written "$$", env_file is
merged into environment, and networks, volumes, secrets and configs that no
service uses are left out (--all-resources keeps them). Secret values are
never printed: a secret names its file or its variable. --hash prints the
com.docker.compose.config-hash of services as Docker Compose v5.5 computes
it.`,
		Example: `  # Check a stack file in CI
  stack -f app.yml config -q

  # The resolved model as JSON
  stack config --format json

  # The services, one per line
  stack config --services

  # The config hash of every service, as docker compose config --hash '*'
  stack config --hash '*'`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.services = cmd, args
			return runConfig(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", `Format the output. Values: [yaml | json]`)
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Only validate the configuration, don't print anything")
	f.BoolVar(&o.listServices, "services", false, "Print the service names, one per line")
	f.BoolVar(&o.listVolumes, "volumes", false, "Print the volume names, one per line")
	f.BoolVar(&o.listNetworks, "networks", false, "Print the network names, one per line")
	f.BoolVar(&o.listModels, "models", false, "Print the model names, one per line")
	f.BoolVar(&o.listProfiles, "profiles", false, "Print the profile names, one per line")
	f.BoolVar(&o.listImages, "images", false, "Print the image names, one per line")
	f.StringVar(&o.hash, "hash", "", `Print the service config hash, one per line ("*" for every service)`)
	f.BoolVar(&o.variables, "variables", false, "Print model variables and default values")
	f.BoolVar(&o.environment, "environment", false, "Print environment used for interpolation")
	f.BoolVar(&o.model.NoInterpolate, "no-interpolate", false, "Don't interpolate environment variables")
	f.BoolVar(&o.model.NoNormalize, "no-normalize", false, "Don't normalize compose model")
	f.BoolVar(&o.model.NoPathResolution, "no-path-resolution", false, "Don't resolve file paths")
	f.BoolVar(&o.model.NoConsistency, "no-consistency", false, "Don't check model consistency - warning: may produce invalid Compose output")
	f.BoolVar(&o.model.NoEnvResolution, "no-env-resolution", false, "Don't resolve service env files")
	f.BoolVar(&o.resolve, "resolve-image-digests", false, "Pin image tags to digests")
	f.BoolVar(&o.lock, "lock-image-digests", false, "Produces an override file with image digests")
	f.StringVarP(&o.output, "output", "o", "", "Save to file (default to stdout)")
	return cmd
}

// runConfig loads and validates the stack file and prints what was asked.
func runConfig(ctx context.Context, o *configOptions) error {
	switch o.format {
	case "":
		o.format = "yaml"
	case "yaml", "json":
	default:
		return usagef(o.cmd.CommandPath(), "unsupported --format value %q: use yaml or json", o.format)
	}
	if o.lock {
		o.resolve = true
	}
	o.cli.model = o.model
	if o.variables {
		return o.printVariables(ctx)
	}
	if o.model.NoInterpolate && o.listing() == nil && o.hash == "" && !o.environment {
		return o.printModel(ctx)
	}
	p, err := o.load(ctx)
	if err != nil {
		return err
	}
	if o.quiet {
		return nil
	}
	if lines := o.listing(); lines != nil {
		return o.writeLines(lines(p))
	}
	switch {
	case o.hash != "":
		return o.printHashes(p)
	case o.environment:
		return o.writeLines(p.Environment.Values())
	}
	if o.resolve {
		if p, err = o.resolveDigests(ctx, p); err != nil {
			return err
		}
	}
	if o.lock {
		p = imagesOnly(p)
	}
	var b []byte
	if o.format == "json" {
		b, err = p.MarshalJSON()
		b = append(b, '\n')
	} else {
		b, err = p.MarshalYAML()
	}
	if err == nil && o.format == "yaml" {
		b, err = composeOrder(b)
	}
	if err != nil {
		return fmt.Errorf("render the stack file: %w", err)
	}
	if !o.model.NoInterpolate {
		// Interpolation is done: what remains of "$" is literal, and is
		// written "$$" so that the output means the same when loaded.
		b = bytes.ReplaceAll(b, []byte("$"), []byte("$$"))
	}
	return o.write(b)
}

// load loads the project as config's flags say, restricted to the services
// named, with env_file merged into environment and removed.
func (o *configOptions) load(ctx context.Context) (*types.Project, error) {
	var p *types.Project
	var err error
	if o.model.NoConsistency {
		p, err = o.loadProject(ctx, o.services)
	} else if p, err = o.loadValid(ctx, o.services); err == nil {
		// What up would refuse, config refuses too: every container and
		// network configuration is built, for the newest engine API.
		err = stack.Validate(p, "")
	}
	if err != nil {
		return nil, err
	}
	if len(o.services) > 0 {
		if p, err = p.WithSelectedServices(o.services); err != nil {
			return nil, err
		}
		if !o.global.allResources {
			p = p.WithoutUnnecessaryResources()
		}
	}
	if !o.model.NoEnvResolution {
		for name, s := range p.Services {
			s.EnvFiles = nil
			p.Services[name] = s
		}
	}
	return p, nil
}

// listing returns the function that lists what a listing flag asks for,
// or nil when none was given.
func (o *configOptions) listing() func(*types.Project) []string {
	switch {
	case o.listServices:
		return func(p *types.Project) []string { return p.ServiceNames() }
	case o.listVolumes:
		return func(p *types.Project) []string { return p.VolumeNames() }
	case o.listNetworks:
		return func(p *types.Project) []string { return p.NetworkNames() }
	case o.listModels:
		return models
	case o.listProfiles:
		return profiles
	case o.listImages:
		return images
	}
	return nil
}

// printModel prints the merged model without interpolation
// (--no-interpolate): variables stay as written. Service names do not
// narrow it, as in Compose.
func (o *configOptions) printModel(ctx context.Context) error {
	if len(o.services) > 0 {
		fmt.Fprintln(o.stderr, "stack: warning: service names are not applied with --no-interpolate: the whole model is printed")
	}
	m, err := project.LoadModel(ctx, o.projectOptions(), false)
	if err != nil {
		return err
	}
	// The loader keeps the value of an environment-sourced secret in the
	// model: never print it.
	for _, section := range []string{"secrets", "configs"} {
		entries, _ := m[section].(map[string]any)
		for _, e := range entries {
			if em, ok := e.(map[string]any); ok {
				delete(em, types.SecretConfigXValue)
			}
		}
	}
	if o.quiet {
		return nil
	}
	if o.resolve {
		if err := o.resolveModelDigests(ctx, m); err != nil {
			return err
		}
	}
	if o.lock {
		lockModel(m)
	}
	return o.writeFormatted(m)
}

// writeFormatted writes v as --format says, JSON or YAML.
func (o *configOptions) writeFormatted(v any) error {
	var b []byte
	var err error
	if o.format == "json" {
		b, err = json.MarshalIndent(v, "", "  ")
		b = append(b, '\n')
	} else {
		b, err = marshalYAML(v)
	}
	if err != nil {
		return fmt.Errorf("render the stack file: %w", err)
	}
	return o.write(b)
}

// printVariables prints the variables the stack files use, with their
// default and alternate values, as a table (or as --format asks).
func (o *configOptions) printVariables(ctx context.Context) error {
	if len(o.services) > 0 {
		fmt.Fprintln(o.stderr, "stack: warning: service names are not applied with --variables: the variables of the whole model are printed")
	}
	po := o.projectOptions()
	po.Model = project.ModelOptions{NoInterpolate: true, NoEnvResolution: true}
	m, err := project.LoadModel(ctx, po, true)
	if err != nil {
		return err
	}
	vars := template.ExtractVariables(m, template.DefaultPattern)
	if o.quiet {
		return nil
	}
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	if o.cmd.Flags().Changed("format") {
		return o.writeFormatted(vars)
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 20, 1, 3, ' ', 0) // as the docker CLI's tables
	fmt.Fprintln(tw, "NAME\tREQUIRED\tDEFAULT VALUE\tALTERNATE VALUE")
	for _, n := range names {
		v := vars[n]
		fmt.Fprintf(tw, "%s\t%t\t%s\t%s\n", n, v.Required, v.DefaultValue, v.PresenceValue)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return o.write(buf.Bytes())
}

// printHashes prints "service hash" for the services --hash names ("*":
// all), the com.docker.compose.config-hash Docker Compose v5.5 writes.
func (o *configOptions) printHashes(p *types.Project) error {
	names := p.ServiceNames()
	if o.hash != "*" {
		names = strings.Split(o.hash, ",")
	}
	lines := make([]string, 0, len(names))
	for _, name := range names {
		s, ok := p.Services[name]
		if !ok {
			return fmt.Errorf("no such service: %s", name)
		}
		h, err := engine.ConfigHash(s)
		if err != nil {
			return fmt.Errorf("service %q: config hash: %w", name, err)
		}
		lines = append(lines, name+" "+h)
	}
	return o.writeLines(lines)
}

// resolveDigests pins the image of each service to its digest, asking the
// engine.
func (o *configOptions) resolveDigests(ctx context.Context, p *types.Project) (*types.Project, error) {
	var refs []string
	for _, s := range p.Services {
		refs = append(refs, s.Image)
	}
	pinned, err := o.digests(ctx, refs)
	if err != nil {
		return nil, err
	}
	for name, s := range p.Services {
		if s.Image != "" {
			s.Image = pinned[s.Image]
			p.Services[name] = s
		}
	}
	return p, nil
}

// resolveModelDigests is resolveDigests for a model that was not
// interpolated.
func (o *configOptions) resolveModelDigests(ctx context.Context, m map[string]any) error {
	services, _ := m["services"].(map[string]any)
	var refs []string
	for _, raw := range services {
		if s, ok := raw.(map[string]any); ok {
			img, _ := s["image"].(string)
			refs = append(refs, img)
		}
	}
	pinned, err := o.digests(ctx, refs)
	if err != nil {
		return err
	}
	for _, raw := range services {
		if s, ok := raw.(map[string]any); ok {
			if img, _ := s["image"].(string); img != "" {
				s["image"] = pinned[img]
			}
		}
	}
	return nil
}

// digests asks the engine for the digests of the distinct, non-empty refs.
func (o *configOptions) digests(ctx context.Context, refs []string) (map[string]string, error) {
	var distinct []string
	for _, r := range refs {
		if r != "" && !slices.Contains(distinct, r) {
			distinct = append(distinct, r)
		}
	}
	sort.Strings(distinct)
	var pinned map[string]string
	err := callAs(o.cli, display.Quiet{}, "config --resolve-image-digests", func(v digestVerbs) error {
		var err error
		pinned, err = v.ImageDigests(ctx, distinct)
		return err
	})
	return pinned, err
}

// digestVerbs is the verb --resolve-image-digests calls.
type digestVerbs interface {
	ImageDigests(ctx context.Context, refs []string) (map[string]string, error)
}

// imagesOnly keeps of p only what --lock-image-digests writes: each
// service's image and its image volumes, an override file for the project.
func imagesOnly(p *types.Project) *types.Project {
	out := &types.Project{Services: types.Services{}}
	for name, s := range p.Services {
		svc := types.ServiceConfig{Name: name}
		svc.Image = s.Image
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeImage {
				svc.Volumes = append(svc.Volumes, v)
			}
		}
		out.Services[name] = svc
	}
	return out
}

// lockModel is imagesOnly for a model that was not interpolated.
func lockModel(m map[string]any) {
	for k := range m {
		if k != "services" {
			delete(m, k)
		}
	}
	services, _ := m["services"].(map[string]any)
	for _, raw := range services {
		s, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		for k := range s {
			if k != "image" && k != "volumes" {
				delete(s, k)
			}
		}
		vols, _ := s["volumes"].([]any)
		kept := vols[:0]
		for _, v := range vols {
			if vm, ok := v.(map[string]any); ok && vm["type"] == types.VolumeTypeImage {
				kept = append(kept, v)
			}
		}
		if len(kept) == 0 {
			delete(s, "volumes")
		} else {
			s["volumes"] = kept
		}
	}
}

// composeOrder rewrites the keys of each service of a YAML project in the
// order Docker Compose v5.5 writes them, so that the two outputs compare
// line by line.
func composeOrder(b []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	rank := map[string]int{}
	for i, k := range engine.ComposeServiceKeys() {
		rank[k] = i
	}
	if len(doc.Content) == 1 {
		top := doc.Content[0]
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value != "services" {
				continue
			}
			services := top.Content[i+1]
			for j := 1; j < len(services.Content); j += 2 {
				sortMapping(services.Content[j], rank)
			}
		}
	}
	return marshalYAML(&doc)
}

// sortMapping orders the keys of a mapping node by rank; keys without one
// (extensions) go last, in their order.
func sortMapping(n *yaml.Node, rank map[string]int) {
	if n.Kind != yaml.MappingNode {
		return
	}
	type pair struct{ k, v *yaml.Node }
	pairs := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		pairs = append(pairs, pair{n.Content[i], n.Content[i+1]})
	}
	at := func(p pair) int {
		if r, ok := rank[p.k.Value]; ok {
			return r
		}
		return len(rank)
	}
	sort.SliceStable(pairs, func(i, j int) bool { return at(pairs[i]) < at(pairs[j]) })
	n.Content = n.Content[:0]
	for _, p := range pairs {
		n.Content = append(n.Content, p.k, p.v)
	}
}

// marshalYAML writes v as YAML indented by two, as compose-go does.
func marshalYAML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// writeLines writes lines, one per line.
func (o *configOptions) writeLines(lines []string) error {
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

// models lists the models the project declares, sorted.
func models(p *types.Project) []string {
	var out []string
	for _, m := range p.Models {
		if m.Model != "" && !slices.Contains(out, m.Model) {
			out = append(out, m.Model)
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
