package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/deploy"
	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// swarmVerbs is what the swarm commands call: *deploy.Deployer.
type swarmVerbs interface {
	Deploy(ctx context.Context, p *types.Project, o deploy.DeployOptions) (*deploy.Plan, error)
	Services(ctx context.Context, project string) ([]deploy.ServiceInfo, error)
	Tasks(ctx context.Context, project string, o deploy.TasksOptions) ([]deploy.TaskInfo, error)
	Logs(ctx context.Context, project string, o deploy.LogsOptions, sink stack.LogSink) error
	Scale(ctx context.Context, project string, replicas map[string]int, o deploy.ScaleOptions) error
	Remove(ctx context.Context, project string, o deploy.RemoveOptions) ([]string, error)
}

// connectSwarm returns the swarm verbs on the engine the command selects
// (-H, --context, DOCKER_HOST, ...), reporting progress to sink, and a
// function to release them.
func (c *cli) connectSwarm(sink stack.Sink) (swarmVerbs, func(), error) {
	t, err := engine.Resolve(c.engineSelection())
	if err != nil {
		return nil, nil, err
	}
	eng, err := engine.NewDockerFor(t)
	if err != nil {
		return nil, nil, err
	}
	d := deploy.New(deploy.Options{Engine: eng, Sink: sink, Parallel: c.global.parallel})
	return d, func() { _ = eng.Close() }, nil
}

// callSwarm connects to the swarm with sink, calls call and releases the
// connection.
func (c *cli) callSwarm(sink stack.Sink, call func(swarmVerbs) error) error {
	v, release, err := c.connectSwarm(sink)
	if err != nil {
		return err
	}
	defer release()
	return call(v)
}

// deployOptions are the flags of stack deploy.
type deployOptions struct {
	*cli
	cmd *cobra.Command

	build, push   bool
	prune         bool
	wait          bool
	waitTimeout   int
	resolveImage  string
	registryAuth  bool
	force         bool
	noBuildCache  bool
	pullBaseImage bool
}

const deployLong = `Deploy the project to a Docker Swarm.

Creates or updates the project's services, overlay networks, secrets and
configs on the swarm the engine belongs to (DOCKER_HOST must reach a manager,
locally or over tcp://), with docker stack's labels: docker stack ls, ps,
services and rm see the project too. The stack file is the one up reads:
.env, profiles, include, extends and the long depends_on all work.

Services are created in dependency order: a service is created once what it
depends on runs (is healthy, has completed) as its depends_on condition says;
among those ready, higher x-link-priority first. A second deploy updates only
the services whose settings changed, as a rolling update by their
update_config, and says which settings changed.

Keys a swarm cannot honour (container_name, privileged, devices, ...) are
named in one warning; the global --strict makes it an error. See
docs/swarm.md.`

const deployExample = `  # Deploy (or update) the stack of the current directory, and wait for it
  stack deploy --wait

  # Build the images, push them to their registries, deploy
  stack deploy --build --push --wait

  # Show what a deploy would do, and why
  stack deploy --dry-run

  # Deploy to a remote manager and remove services no longer in the file
  DOCKER_HOST=tcp://manager:2376 DOCKER_TLS_VERIFY=1 stack deploy --prune`

func newDeployCommand(c *cli) *cobra.Command {
	o := &deployOptions{cli: c}
	cmd := &cobra.Command{
		Use:     "deploy [OPTIONS]",
		Short:   "Deploy the project to a Docker Swarm",
		Long:    deployLong,
		Example: deployExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.cmd = cmd
			return runDeploy(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.build, "build", false, "Build the images of services with a build section first")
	f.BoolVar(&o.push, "push", false, "Push the images of services with a build section to their registry, and deploy the pushed digests")
	f.BoolVar(&o.prune, "prune", false, "Remove services that are no longer in the stack file")
	f.BoolVar(&o.wait, "wait", false, "Wait until every service runs (healthy where it has a health check) or, for a job, has completed")
	f.IntVar(&o.waitTimeout, "wait-timeout", 0, "Maximum duration in seconds of the deploy with --wait")
	f.StringVar(&o.resolveImage, "resolve-image", deploy.ResolveAlways, `Ask the registry for the digest of each image ("always"|"changed"|"never")`)
	f.BoolVar(&o.registryAuth, "with-registry-auth", true, "Send the registry credentials of the docker config to the swarm, so that every node can pull")
	f.BoolVar(&o.force, "force", false, "Update every service, also those whose settings did not change")
	f.BoolVar(&o.noBuildCache, "no-cache", false, "With --build: do not use the build cache")
	f.BoolVar(&o.pullBaseImage, "pull", false, "With --build: always pull the base images")
	return cmd
}

// runDeploy checks the flags and the stack file, builds when asked, then
// calls deploy.Deploy; with --dry-run it prints the plan.
func runDeploy(ctx context.Context, o *deployOptions) error {
	path := o.cmd.CommandPath()
	switch {
	case o.waitTimeout < 0:
		return usagef(path, "invalid --wait-timeout %d", o.waitTimeout)
	case o.waitTimeout > 0 && !o.wait:
		return usagef(path, "--wait-timeout needs --wait")
	case (o.noBuildCache || o.pullBaseImage) && !o.build:
		return usagef(path, "--no-cache and --pull need --build")
	}
	switch o.resolveImage {
	case deploy.ResolveAlways, deploy.ResolveChanged, deploy.ResolveNever:
	default:
		return usagef(path, "invalid --resolve-image %q: use always, changed or never", o.resolveImage)
	}
	p, err := o.loadValid(ctx, nil)
	if err != nil {
		return err
	}
	// Bad values, and with --strict unsupported keys, are reported before
	// anything is built or contacted.
	d, err := deploy.Translate(p, deploy.TranslateOptions{Push: o.push, Build: o.build})
	if err != nil {
		return err
	}
	if o.global.strict && len(d.Warnings) > 0 {
		return fmt.Errorf("%w: %s", deploy.ErrStrict, deploy.WarningText(d.Warnings))
	}
	target, err := engine.Resolve(o.engineSelection())
	if err != nil {
		return err
	}
	creds, err := engine.LoadCredentials(target.ConfigDir)
	if err != nil {
		return err
	}
	prog, err := o.progress("Deploying")
	if err != nil {
		return err
	}
	defer prog.Close()
	if o.build {
		err := callAs(o.cli, prog, "build", func(v buildVerbs) error {
			return v.Build(ctx, p, stack.BuildOptions{NoCache: o.noBuildCache, Pull: o.pullBaseImage, DryRun: o.global.dryRun})
		})
		if err != nil {
			return err
		}
	}
	opts := deploy.DeployOptions{
		Prune:        o.prune,
		Force:        o.force,
		Wait:         o.wait,
		WaitTimeout:  time.Duration(o.waitTimeout) * time.Second,
		Strict:       o.global.strict,
		Push:         o.push,
		Build:        o.build,
		ResolveImage: o.resolveImage,
		Auth:         creds.Auth,
		SendAuth:     o.registryAuth,
		DryRun:       o.global.dryRun,
		Warn:         func(msg string) { fmt.Fprintf(o.stderr, "stack: warning: %s\n", msg) },
	}
	var plan *deploy.Plan
	err = o.callSwarm(prog, func(v swarmVerbs) (err error) {
		plan, err = v.Deploy(ctx, p, opts)
		return err
	})
	if err == nil && o.global.dryRun {
		prog.Close()
		fmt.Fprint(o.stdout, plan)
	}
	return err
}
