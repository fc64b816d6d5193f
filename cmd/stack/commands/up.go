package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// upOptions are the flags of stack up.
type upOptions struct {
	*cli
	cmd *cobra.Command

	services           []string
	build, noBuild     bool
	pull               string
	detach             bool
	wait               bool
	waitTimeout        int
	noDeps             bool
	forceRecreate      bool
	noRecreate         bool
	alwaysRecreateDeps bool
	renewAnonVolumes   bool
	removeOrphans      bool
	noStart            bool
	timeout            int
	scale              []string
	noColor            bool
	noLogPrefix        bool
	timestamps         bool

	abortOnExit        bool
	abortOnFailure     bool
	exitCodeFrom       string
	attach             []string
	noAttach           []string
	attachDependencies bool

	agent      bool
	watch      bool
	quietPull  bool
	quietBuild bool
	yes        bool
}

const upExample = `  # Start everything and follow the logs; Ctrl-C stops the stack
  stack up

  # Start in the background and wait until every service is healthy
  stack up -d --wait

  # Start web and what it depends on, with three web containers
  stack up -d --scale web=3 web`

func newUpCommand(c *cli) *cobra.Command {
	o := &upOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "up [OPTIONS] [SERVICE...]",
		Short: "Create and start containers",
		Long: `Create and start containers.

Services start in dependency order; among those ready, higher x-link-priority
first. Without -d, up follows the logs of the services and stops them on Ctrl-C
(press it again to kill them).`,
		Example: upExample,
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cmd, o.services = cmd, args
			if !cmd.Flags().Changed("remove-orphans") {
				o.removeOrphans = c.envBool("COMPOSE_REMOVE_ORPHANS")
			}
			return runUp(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.detach, "detach", "d", false, "Detached mode: Run containers in the background")
	f.BoolVar(&o.wait, "wait", false, "Wait for services to be running|healthy. Implies detached mode.")
	f.IntVar(&o.waitTimeout, "wait-timeout", 0, "Maximum duration in seconds to wait for the project to be running|healthy")
	f.BoolVar(&o.noDeps, "no-deps", false, "Don't start linked services")
	f.BoolVar(&o.forceRecreate, "force-recreate", false, "Recreate containers even if their configuration and image haven't changed")
	f.BoolVar(&o.noRecreate, "no-recreate", false, "If containers already exist, don't recreate them. Incompatible with --force-recreate.")
	f.BoolVar(&o.alwaysRecreateDeps, "always-recreate-deps", false, "Recreate dependent containers. Incompatible with --no-recreate.")
	f.BoolVarP(&o.renewAnonVolumes, "renew-anon-volumes", "V", false, "Recreate anonymous volumes instead of retrieving data from the previous containers")
	f.BoolVar(&o.removeOrphans, "remove-orphans", false, "Remove containers for services not defined in the stack file (COMPOSE_REMOVE_ORPHANS)")
	f.BoolVar(&o.noStart, "no-start", false, "Don't start the services after creating them")
	f.IntVarP(&o.timeout, "timeout", "t", 0, "Use this timeout in seconds for container shutdown when attached or when containers are already running")
	f.StringArrayVar(&o.scale, "scale", nil, "Scale SERVICE to NUM instances. Overrides the scale setting in the stack file if present.")
	f.BoolVar(&o.noColor, "no-color", false, "Produce monochrome output")
	f.BoolVar(&o.noLogPrefix, "no-log-prefix", false, "Don't print prefix in logs")
	f.BoolVar(&o.timestamps, "timestamps", false, "Show timestamps")
	f.BoolVar(&o.abortOnExit, "abort-on-container-exit", false, "Stops all containers if any container was stopped. Incompatible with -d")
	f.BoolVar(&o.abortOnFailure, "abort-on-container-failure", false, "Stops all containers if any container exited with failure. Incompatible with -d")
	f.StringVar(&o.exitCodeFrom, "exit-code-from", "", "Return the exit code of the selected service container. Implies --abort-on-container-exit")
	f.StringArrayVar(&o.attach, "attach", nil, "Restrict attaching to the specified services. Incompatible with --attach-dependencies.")
	f.StringArrayVar(&o.noAttach, "no-attach", nil, "Do not attach (stream logs) to the specified services")
	f.BoolVar(&o.attachDependencies, "attach-dependencies", false, "Automatically attach to log output of dependent services")
	f.BoolVar(&o.build, "build", false, "Build images before starting containers")
	f.BoolVar(&o.noBuild, "no-build", false, "Don't build an image, even if it's missing")
	f.StringVar(&o.pull, "pull", "", `Pull image before running ("always"|"missing"|"never"|"build")`)
	f.BoolVar(&o.agent, "agent", false, "Install the project's agent too (stack agent install). Needs -d or --wait")
	f.BoolVarP(&o.watch, "watch", "w", false, "Watch source code and rebuild/refresh containers when files are updated.")
	f.BoolVar(&o.quietPull, "quiet-pull", false, "Pull without printing progress information")
	f.BoolVar(&o.quietBuild, "quiet-build", false, "Suppress the build output")
	f.BoolVarP(&o.yes, "yes", "y", false, `Assume "yes" as answer to all prompts and run non-interactively`)
	return cmd
}

// runUp checks the flags and the stack file, then calls stack.Up.
func runUp(ctx context.Context, o *upOptions) error {
	path := o.cmd.CommandPath()
	switch {
	case o.forceRecreate && o.noRecreate:
		return usagef(path, "--force-recreate and --no-recreate are incompatible")
	case o.alwaysRecreateDeps && o.noRecreate:
		return usagef(path, "--always-recreate-deps and --no-recreate are incompatible")
	case o.wait && o.noStart:
		return usagef(path, "--wait and --no-start are incompatible")
	case o.agent && !o.detach && !o.wait:
		return usagef(path, "--agent needs -d or --wait: the agent runs in the background")
	case o.watch && (o.detach || o.wait || o.noStart):
		return usagef(path, "--watch cannot be combined with --detach, --wait or --no-start")
	case o.watch && o.noBuild:
		return usagef(path, "--no-build and --watch are incompatible")
	case o.watch && (o.abortOnExit || o.abortOnFailure || o.exitCodeFrom != "" || len(o.attach) > 0 || o.attachDependencies):
		return usagef(path, "--watch cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --exit-code-from, --attach or --attach-dependencies")
	}
	if err := o.checkAttachFlags(path); err != nil {
		return err
	}
	scale, err := parseScale(path, o.scale)
	if err != nil {
		return err
	}

	p, err := o.loadValid(ctx, o.services)
	if err != nil {
		return err
	}
	// As Compose, from the project's environment (.env included).
	ignoreOrphans, _ := strconv.ParseBool(p.Environment["COMPOSE_IGNORE_ORPHANS"])
	if ignoreOrphans && o.removeOrphans {
		return usagef(path, "cannot combine COMPOSE_IGNORE_ORPHANS and --remove-orphans")
	}
	for name := range scale {
		if err := checkServices(p, []string{name}); err != nil {
			return err
		}
	}
	if o.exitCodeFrom != "" {
		if err := checkServices(p, []string{o.exitCodeFrom}); err != nil {
			return err
		}
	}
	if err := checkServices(p, o.attach); err != nil {
		return fmt.Errorf("cannot attach: %w", err)
	}
	if o.watch {
		if err := stack.CheckWatch(p, o.services); err != nil {
			return err
		}
	}

	up := stack.UpOptions{
		Services:           o.services,
		NoDeps:             o.noDeps,
		Scale:              scale,
		ForceRecreate:      o.forceRecreate,
		NoRecreate:         o.noRecreate,
		AlwaysRecreateDeps: o.alwaysRecreateDeps,
		RenewAnonVolumes:   o.renewAnonVolumes,
		RemoveOrphans:      o.removeOrphans,
		IgnoreOrphans:      ignoreOrphans,
		NoStart:            o.noStart,
		Timeout:            seconds(o.cmd, "timeout", o.timeout),
		DryRun:             o.global.dryRun,
		Wait:               o.wait,
		WaitTimeout:        time.Duration(o.waitTimeout) * time.Second,
		Kill:               o.kill,
		AttachTo:           o.attach,
		AttachDependencies: o.attachDependencies,
		NoAttach:           o.noAttach,
		Cascade:            o.cascade(),
		ExitCodeFrom:       o.exitCodeFrom,
		Build:              o.build,
		NoBuild:            o.noBuild,
		Pull:               o.pull,
	}
	if o.build && o.noBuild {
		return usagef(o.cmd.CommandPath(), "--build and --no-build are incompatible")
	}

	prog, err := o.progress("Running")
	if err != nil {
		return err
	}
	defer prog.Close()
	// --wait implies -d; nothing to follow without a start.
	if !o.detach && !o.wait && !o.noStart && !o.global.dryRun {
		up.Attach = display.NewLogPrinter(o.stdout, display.LogOptions{
			Color:       !o.noColor && o.colour(o.stdoutTTY),
			NoPrefix:    o.noLogPrefix,
			Timestamps:  o.timestamps,
			OnFirstLine: prog.Settle,
			Names:       logNames(p, up),
		})
	}

	sink := quiet(prog, o.quietPull, o.quietBuild)
	if o.watch {
		w := o.watchOptions(prog, o.services, true, o.quietBuild)
		return callAs(o.cli, sink, "up", func(v watchVerbs) error { return v.UpWatch(ctx, p, up, w) })
	}
	err = callAs(o.cli, sink, "up", func(v verbs) error { return v.Up(ctx, p, up) })
	if err != nil || !o.agent || o.global.dryRun {
		return err
	}
	prog.Close()
	return o.installAgent(ctx, p)
}

// checkAttachFlags applies Compose's rules to the flags of a foreground up:
// --exit-code-from implies --abort-on-container-exit unless
// --abort-on-container-failure is given, and neither --wait nor -d goes with
// the flags that need an attached up.
func (o *upOptions) checkAttachFlags(path string) error {
	abortOnExit := o.abortOnExit || o.exitCodeFrom != "" && !o.abortOnFailure
	attached := o.attachDependencies || abortOnExit || o.abortOnFailure || len(o.attach) > 0
	switch {
	case abortOnExit && o.abortOnFailure:
		return usagef(path, "--abort-on-container-failure cannot be combined with --abort-on-container-exit")
	case len(o.attach) > 0 && o.attachDependencies:
		return usagef(path, "cannot combine --attach and --attach-dependencies")
	case o.wait && (o.attachDependencies || abortOnExit || len(o.attach) > 0):
		return usagef(path, "--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies")
	case (o.detach || o.wait) && attached:
		return usagef(path, "--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, --attach-dependencies")
	}
	return nil
}

// cascade is Compose's rule: --exit-code-from implies
// --abort-on-container-exit unless --abort-on-container-failure is given.
func (o *upOptions) cascade() stack.Cascade {
	switch {
	case o.abortOnFailure:
		return stack.CascadeFail
	case o.abortOnExit || o.exitCodeFrom != "":
		return stack.CascadeStop
	}
	return stack.CascadeNone
}

// logNames are the names of the containers up will follow, "web-1" to
// "web-<replicas>", so that log prefixes are aligned from the first line.
func logNames(p *types.Project, o stack.UpOptions) []string {
	var names []string
	for name, s := range p.Services {
		n, ok := o.Scale[name]
		if !ok {
			n = s.GetScale()
		}
		// Only the longest name of a service matters.
		names = append(names, name+"-"+strconv.Itoa(max(n, 1)))
	}
	return names
}

// parseScale reads --scale SERVICE=NUM values.
func parseScale(path string, values []string) (map[string]int, error) {
	if len(values) == 0 {
		return nil, nil
	}
	scale := make(map[string]int, len(values))
	for _, v := range values {
		name, num, ok := strings.Cut(v, "=")
		n, err := strconv.Atoi(num)
		if !ok || name == "" || err != nil || n < 0 {
			return nil, usagef(path, "invalid --scale value %q: want SERVICE=NUM, NUM a number of containers", v)
		}
		scale[name] = n
	}
	return scale, nil
}
