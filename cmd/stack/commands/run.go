package commands

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/mattn/go-shellwords"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// runVerbs is the part of *stack.Stack that stack run calls.
type runVerbs interface {
	Run(ctx context.Context, p *types.Project, o stack.RunOptions) (string, error)
}

// runOptions are the flags of stack run.
type runOptions struct {
	*cli
	cmd *cobra.Command

	service      string
	command      []string
	build        bool
	detach       bool
	entrypoint   string
	env          []string
	interactive  bool
	labels       []string
	name         string
	noTTY        bool
	tty          bool
	noDeps       bool
	publish      []string
	rm           bool
	servicePorts bool
	user         string
	volumes      []string
	workdir      string
	capAdd       []string
	capDrop      []string
	envFiles     []string
	pull         string
	quiet        bool
	quietPull    bool
	quietBuild   bool
	useAliases   bool
}

func newRunCommand(c *cli) *cobra.Command {
	o := &runOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "run [OPTIONS] SERVICE [COMMAND] [ARGS...]",
		Short: "Run a one-off command on a service",
		Long: `Run a one-off command on a service.

Creates a new container of SERVICE, named "<project>-<service>-run-<id>" and
labelled as a one-off, and runs COMMAND in it (the service's command when none
is given), attached to the terminal. The service's dependencies are started
first unless --no-deps; its ports are published only with --service-ports.
The command's exit code is stack's. "stack down" removes one-off containers.`,
		Example: `  # A shell in a new web container, removed on exit
  stack run --rm web sh

  # A database migration, without starting the dependencies
  stack run --rm --no-deps -e LOG=debug app ./migrate`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 {
				return usagef(cmd.CommandPath(), "%q requires at least 1 argument: SERVICE", cmd.CommandPath())
			}
			return nil
		},
		ValidArgsFunction: completeServices(c, true),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.service, o.command = cmd, args[0], args[1:]
			return runRun(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	// Flags after SERVICE belong to the command.
	f.SetInterspersed(false)
	f.BoolVar(&o.build, "build", false, "Build image before starting container")
	f.BoolVarP(&o.detach, "detach", "d", false, "Run container in background and print container ID")
	f.StringVar(&o.entrypoint, "entrypoint", "", "Override the entrypoint of the image")
	f.StringArrayVarP(&o.env, "env", "e", nil, "Set environment variables")
	f.BoolVarP(&o.interactive, "interactive", "i", true, "Keep STDIN open even if not attached")
	f.StringArrayVarP(&o.labels, "label", "l", nil, "Add or override a label")
	f.StringVar(&o.name, "name", "", "Assign a name to the container")
	f.BoolVarP(&o.noTTY, "no-TTY", "T", false, "Disable pseudo-TTY allocation (default: auto-detected)")
	f.BoolVarP(&o.tty, "tty", "t", true, "Allocate a pseudo-TTY when standard input is a terminal (--tty=false is -T)")
	f.BoolVar(&o.noDeps, "no-deps", false, "Don't start linked services")
	f.StringArrayVarP(&o.publish, "publish", "p", nil, "Publish a container's port(s) to the host")
	// -p is --publish here, as in Compose.
	c.shadowProjectName(f)
	f.BoolVar(&o.rm, "rm", false, "Automatically remove the container when it exits")
	f.BoolVarP(&o.servicePorts, "service-ports", "P", false, "Run command with all service's ports enabled and mapped to the host")
	f.StringVarP(&o.user, "user", "u", "", "Run as specified username or uid")
	f.StringArrayVarP(&o.volumes, "volume", "v", nil, "Bind mount a volume")
	f.StringVarP(&o.workdir, "workdir", "w", "", "Working directory inside the container")
	f.StringArrayVar(&o.capAdd, "cap-add", nil, "Add Linux capabilities")
	f.StringArrayVar(&o.capDrop, "cap-drop", nil, "Drop Linux capabilities")
	f.StringArrayVar(&o.envFiles, "env-from-file", nil, "Set environment variables from file")
	f.StringVar(&o.pull, "pull", "policy", `Pull image before running ("always"|"missing"|"never")`)
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Don't print anything to STDOUT")
	f.BoolVar(&o.quietPull, "quiet-pull", false, "Pull without printing progress information")
	f.BoolVar(&o.quietBuild, "quiet-build", false, "Suppress progress output from the build process")
	f.BoolVar(&o.useAliases, "use-aliases", false, "Use the service's network useAliases in the network(s) the container connects to")
	return cmd
}

// runRun checks the flags and the stack file, then calls stack.Run.
func runRun(ctx context.Context, o *runOptions) error {
	path := o.cmd.CommandPath()
	if o.detach && o.rm {
		return usagef(path, "--rm and -d cannot be combined")
	}
	if o.global.dryRun {
		return usagef(path, "--dry-run is not supported by run")
	}
	env, err := o.envList(path, o.env)
	if err != nil {
		return err
	}
	if env, err = o.envFromFiles(path, env, o.envFiles); err != nil {
		return err
	}
	pull, err := pullFlag(path, o.pull)
	if err != nil {
		return err
	}
	labels, err := labelMap(path, o.labels)
	if err != nil {
		return err
	}
	var entrypoint []string
	if o.cmd.Flags().Changed("entrypoint") {
		if entrypoint, err = shellwords.Parse(o.entrypoint); err != nil {
			return usagef(path, "invalid --entrypoint %q: %v", o.entrypoint, err)
		}
		if entrypoint == nil {
			entrypoint = []string{}
		}
	}
	p, err := o.loadValid(ctx, []string{o.service})
	if err != nil {
		return err
	}

	in, tty := o.stdinTerminal()
	tty = tty && !o.noTTY && o.tty && !o.detach
	opts := stack.RunOptions{
		Service:      o.service,
		Command:      o.command,
		Entrypoint:   entrypoint,
		Env:          env,
		Labels:       labels,
		User:         o.user,
		WorkDir:      o.workdir,
		Volumes:      o.volumes,
		Publish:      o.publish,
		ServicePorts: o.servicePorts,
		Name:         o.name,
		NoDeps:       o.noDeps,
		Remove:       o.rm,
		Detach:       o.detach,
		TTY:          tty,
		Interactive:  o.interactive && !o.detach,
		Streams:      engine.Streams{Stdin: o.stdin, Stdout: o.stdout, Stderr: o.stderr},
		Build:        o.build,
		Pull:         pull,
		CapAdd:       o.capAdd,
		CapDrop:      o.capDrop,
		UseAliases:   o.useAliases,
	}

	prog, err := o.progressOrQuiet("Running", o.quiet)
	if err != nil {
		return err
	}
	defer prog.Close()
	rv, release, err := connectAs[runVerbs](o.cli, quiet(prog, o.quietPull, o.quietBuild), "run")
	if err != nil {
		return err
	}
	defer release()
	terminal := &lazyTerminal{c: o.cli}
	if tty {
		terminal.in = in
	}
	opts.BeforeAttach = func() (*engine.TermSize, <-chan engine.TermSize) {
		prog.Settle()
		return terminal.lend(ctx)
	}
	defer terminal.end()
	name, runErr := rv.Run(ctx, p, opts)
	if runErr == nil && o.detach {
		fmt.Fprintln(o.stdout, name)
	}
	return runErr
}

// envList reads -e values: KEY=VALUE, or KEY to take the value from the
// environment (left out when it is not set there).
func (c *cli) envList(path string, values []string) ([]string, error) {
	var env []string
	for _, v := range values {
		k, _, ok := strings.Cut(v, "=")
		if k == "" {
			return nil, usagef(path, "invalid environment variable %q: want KEY=VALUE or KEY", v)
		}
		if ok {
			env = append(env, v)
			continue
		}
		if val, found := c.lookupEnv(k); found {
			env = append(env, k+"="+val)
		}
	}
	return env, nil
}

// envFromFiles adds the variables of the --env-from-file files (dotenv
// syntax, relative paths from the working directory) to env, as Compose
// does: a variable -e already set keeps its value, and the files may
// refer to those with ${VAR}.
func (c *cli) envFromFiles(path string, env, files []string) ([]string, error) {
	set := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		set[k] = v
	}
	for _, file := range files {
		p := file
		if !filepath.IsAbs(p) && c.workDir != "" {
			p = filepath.Join(c.workDir, p)
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, usagef(path, "--env-from-file: %v", err)
		}
		vars, err := dotenv.ParseWithLookup(f, func(k string) (string, bool) {
			v, ok := set[k]
			return v, ok
		})
		f.Close()
		if err != nil {
			return nil, usagef(path, "--env-from-file %s: %v", file, err)
		}
		for _, k := range slices.Sorted(maps.Keys(vars)) {
			if _, ok := set[k]; !ok {
				set[k] = vars[k]
				env = append(env, k+"="+vars[k])
			}
		}
	}
	return env, nil
}

// labelMap reads -l KEY=VALUE values.
func labelMap(path string, values []string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	labels := make(map[string]string, len(values))
	for _, v := range values {
		k, val, _ := strings.Cut(v, "=")
		if k == "" {
			return nil, usagef(path, "invalid label %q: want KEY=VALUE", v)
		}
		labels[k] = val
	}
	return labels, nil
}
