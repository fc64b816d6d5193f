package commands

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// buildVerbs is the part of *stack.Stack that stack build calls.
type buildVerbs interface {
	Build(ctx context.Context, p *types.Project, o stack.BuildOptions) error
}

// buildOptions are the flags of stack build.
type buildOptions struct {
	*cli
	cmd *cobra.Command

	services  []string
	noCache   bool
	pull      bool
	buildArgs []string
	quiet     bool
	withDeps  bool
	push      bool
	print     bool
	memory    string
	ssh       string
	builder   string
}

// buildPushVerbs is the part of *stack.Stack that stack build --push calls.
type buildPushVerbs interface {
	buildVerbs
	pushVerbs
}

func newBuildCommand(c *cli) *cobra.Command {
	o := &buildOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "build [OPTIONS] [SERVICE...]",
		Short: "Build or rebuild services",
		Long: `Build or rebuild services.

Builds the image of every service with a build section (or of the services
named), each distinct image once, with the engine's builder. The image is
the service's image key, else "<project>-<service>". The build context honours
.dockerignore; with --progress plain every line of the builder is shown.
--push pushes the images built that have an image key, as "stack push" does;
--print prints the builds as JSON (stack's own form: the classic builder
reads no bake file) and builds nothing. --ssh and a --builder other than
"default" need BuildKit and are refused.`,
		Example: `  # Build every image of the stack
  stack build

  # Rebuild web from scratch with a build argument
  stack build --no-cache --build-arg VERSION=1.2 web`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: completeServices(c, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.services = cmd, args
			return runBuild(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.noCache, "no-cache", false, "Do not use cache when building the image")
	f.BoolVar(&o.pull, "pull", false, "Always attempt to pull a newer version of the image")
	f.StringArrayVar(&o.buildArgs, "build-arg", nil, "Set build-time variables for services")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Don't print anything to STDOUT")
	f.BoolVar(&o.withDeps, "with-dependencies", false, "Also build dependencies (transitively)")
	f.BoolVar(&o.push, "push", false, "Push service images")
	f.BoolVar(&o.print, "print", false, "Print the builds as JSON, without building")
	f.StringVarP(&o.memory, "memory", "m", "", "Set memory limit for the build container")
	f.StringVar(&o.ssh, "ssh", "", "Set SSH authentications used when building service images (needs BuildKit)")
	f.StringVar(&o.builder, "builder", "", "Set builder to use (only the engine's own, \"default\")")
	return cmd
}

// runBuild loads the stack file and calls stack.Build.
func runBuild(ctx context.Context, o *buildOptions) error {
	path := o.cmd.CommandPath()
	switch {
	case o.ssh != "":
		return usagef(path, "--ssh needs BuildKit: stack builds with the engine's classic builder, which forwards no SSH agent")
	case o.builder != "" && o.builder != "default":
		return usagef(path, "--builder %q: stack builds with the engine's own builder only (\"default\")", o.builder)
	case o.print && o.push:
		return usagef(path, "--print and --push are incompatible")
	}
	var memory int64
	if o.memory != "" {
		m, err := units.RAMInBytes(o.memory)
		if err != nil || m <= 0 {
			return usagef(path, "invalid --memory %q: want a size such as 512m or 2g", o.memory)
		}
		memory = m
	}
	p, services, err := o.loadWithDependencies(ctx, o.services, o.withDeps)
	if err != nil {
		return err
	}
	args, err := buildArgs(o.cli, o.cmd.CommandPath(), o.buildArgs)
	if err != nil {
		return err
	}
	bo := stack.BuildOptions{
		Services: services,
		NoCache:  o.noCache,
		Pull:     o.pull,
		Args:     args,
		Quiet:    o.quiet,
		Memory:   memory,
		DryRun:   o.global.dryRun,
	}
	if o.print {
		defs, err := stack.BuildDefinitions(p, bo)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(o.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(defs)
	}
	prog, err := o.progressOrQuiet("Building", o.quiet)
	if err != nil {
		return err
	}
	defer prog.Close()
	if !o.push {
		return callAs(o.cli, prog, "build", func(v buildVerbs) error { return v.Build(ctx, p, bo) })
	}
	return callAs(o.cli, prog, "build", func(v buildPushVerbs) error {
		if err := v.Build(ctx, p, bo); err != nil {
			return err
		}
		return v.Push(ctx, p, stack.PushOptions{Services: services, DryRun: o.global.dryRun})
	})
}

// buildArgs reads --build-arg values (KEY=VALUE, or KEY to take the value
// from the environment; unset when it is not there).
func buildArgs(c *cli, path string, values []string) (map[string]*string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	args := make(map[string]*string, len(values))
	for _, v := range values {
		k, val, ok := strings.Cut(v, "=")
		if k == "" {
			return nil, usagef(path, "invalid --build-arg %q: want KEY=VALUE or KEY", v)
		}
		if !ok {
			if env, found := c.lookupEnv(k); found {
				val, ok = env, true
			}
		}
		if ok {
			args[k] = &val
		} else {
			args[k] = nil
		}
	}
	return args, nil
}

// lookupEnv returns the value of key in the environment and whether it is
// set.
func (c *cli) lookupEnv(key string) (string, bool) {
	for i := len(c.environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(c.environ[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}
