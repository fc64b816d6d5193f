package commands

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/agent"
	"github.com/stack-orchestrator/stack/pkg/engine"
)

// agentBinaryEnv names the stack binary the agent image is built from,
// when not this one (a static build beside a -race one).
const agentBinaryEnv = "STACK_AGENT_BINARY"

func newAgentCommand(c *cli) *cobra.Command {
	var wait, installed bool
	cmd := &cobra.Command{
		Use:   "agent [OPTIONS]",
		Short: "Run the project's schedules, triggers and supervision",
		Long: `Run the project's schedules, triggers and supervision in the foreground.

The agent first brings the project to its desired state in dependency and
x-link-priority order (as up --no-recreate, leaving jobs and services outside
their start/stop schedule down), then runs the x-schedule of its services,
their x-on triggers, restarts the dependents of a depends_on restart: true
dependency that restarted, once it meets their condition again, and the
services with x-restart-on-unhealthy that turn unhealthy. Each action is
logged with its reason (JSON lines with --progress json). Ctrl-C stops it.

One agent acts for a project at a time: a second one refuses, or with --wait
waits for the first to go. "stack agent install" runs the agent as a
container of the project instead, which survives reboots.`,
		Example: `  # Run the agent of the project in the current directory
  stack agent

  # Install it as the container <project>-agent-1, restarted with the engine
  stack agent install

  # Remove the installed agent
  stack agent remove`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAgent(cmd.Context(), c, wait, installed)
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "Wait for the agent that acts for the project to go, instead of failing")
	cmd.Flags().BoolVar(&installed, "installed", false, "Run as the installed agent, in its container")
	_ = cmd.Flags().MarkHidden("installed")
	cmd.AddCommand(newAgentInstallCommand(c), newAgentRemoveCommand(c), newAgentHoldCommand(c))
	return cmd
}

// runAgent runs the agent in the foreground until ctx ends.
func runAgent(ctx context.Context, c *cli, wait, installed bool) error {
	p, eng, err := c.engineProject(ctx, nil)
	if err != nil {
		return err
	}
	defer eng.Close()
	prog, err := c.agentProgress()
	if err != nil {
		return err
	}
	defer prog.Close()
	lock := &agent.ContainerLock{Engine: eng, Project: p, Wait: wait}
	if installed {
		lock.Self = agent.AgentName(p.Name)
	} else {
		// The lock of a foreground agent is a container of its image.
		if lock.Image, err = c.agentImage(ctx, eng); err != nil {
			return err
		}
	}
	plock, err := c.lockOptions()
	if err != nil {
		return err
	}
	a, err := agent.New(agent.Options{Engine: eng, Project: p, Sink: prog, Parallel: c.global.parallel, Lock: lock, ProjectLock: plock})
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

// engineProject loads the stack file (with the services named enabled)
// and connects to the engine the environment names: what the agent and
// jobs commands work with. The caller closes the engine.
func (c *cli) engineProject(ctx context.Context, services []string) (*types.Project, *engine.Docker, error) {
	p, err := c.loadValid(ctx, services)
	if err != nil {
		return nil, nil, err
	}
	eng, err := c.dockerEngine()
	if err != nil {
		return nil, nil, err
	}
	return p, eng, nil
}

// dockerEngine connects to the engine the global flags and the
// environment select, as the verbs do.
func (c *cli) dockerEngine() (*engine.Docker, error) {
	t, err := engine.Resolve(c.engineSelection())
	if err != nil {
		return nil, err
	}
	return engine.NewDockerFor(t)
}

// agentProgress renders the agent's log: one line per event, never a live
// view (the agent runs for days).
func (c *cli) agentProgress() (display.Progress, error) {
	mode := c.global.progress
	if mode == display.ModeAuto || mode == display.ModeTTY {
		mode = display.ModePlain
	}
	return display.NewProgress(display.ProgressOptions{Mode: mode, ANSI: c.global.ansi, Out: c.stderr, Color: false, Title: "Agent"})
}

// agentImage returns the agent image of this stack binary (or of
// $STACK_AGENT_BINARY), built when missing.
func (c *cli) agentImage(ctx context.Context, eng engine.Engine) (string, error) {
	bin := c.getenv(agentBinaryEnv)
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return "", fmt.Errorf("find the stack binary for the agent image: %w", err)
		}
	}
	return agent.EnsureImage(ctx, eng, bin)
}

func newAgentInstallCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "install",
		Short: "Install the agent as a container of the project",
		Long: `Install the agent as a container of the project.

The container, <project>-agent-1, runs stack's own binary from a local image built from it (no
registry), with the engine's socket and the project's files mounted
read-only, restart policy unless-stopped: schedules and supervision survive
reboots with no host service to install. "stack down" removes it. Installing
again replaces it when the binary or the flags changed. STACK_AGENT_BINARY
names another stack binary to build the image from.`,
		Example: `  # Install the agent of the project in the current directory
  stack agent install

  # Its log: one JSON line per action, with its reason
  docker logs -f "$(basename "$PWD")-agent-1"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			p, err := c.loadValid(ctx, nil)
			if err != nil {
				return err
			}
			return c.installAgent(ctx, p)
		},
	}
}

// installAgent installs the agent of p and says so on stderr.
func (c *cli) installAgent(ctx context.Context, p *types.Project) error {
	t, err := engine.Resolve(c.engineSelection())
	if err != nil {
		return err
	}
	if t.TLS != nil || c.getenv("DOCKER_TLS_VERIFY") != "" {
		return fmt.Errorf("the installed agent reaches the engine over its unix socket or plain tcp, not TLS: run \"stack agent\" in the foreground for engine %s", t.Host)
	}
	eng, err := engine.NewDockerFor(t)
	if err != nil {
		return err
	}
	defer eng.Close()
	o, err := c.installOptions(p, eng.Host())
	if err != nil {
		return err
	}
	if o.Image, err = c.agentImage(ctx, eng); err != nil {
		return err
	}
	changed, err := agent.Install(ctx, eng, p, o)
	if err != nil {
		return err
	}
	state := "installed"
	if !changed {
		state = "already installed and running"
	}
	fmt.Fprintf(c.stderr, "agent %s %s\n", agent.AgentName(p.Name), state)
	return nil
}

// varRef finds the variables a stack file interpolates.
var varRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// installOptions are the flags, variables and paths with which the
// installed agent loads p as this command did.
func (c *cli) installOptions(p *types.Project, host string) (agent.InstallOptions, error) {
	o := agent.InstallOptions{Host: host, Paths: []string{p.WorkingDir}}
	g := c.global
	o.Args = []string{"--project-name", p.Name, "--project-directory", p.WorkingDir, "--progress", display.ModeJSON, "--parallel", strconv.Itoa(g.parallel)}
	names := map[string]bool{}
	for _, f := range p.ComposeFiles {
		if f == "-" {
			return o, fmt.Errorf("the installed agent reads the stack files from disk: give them with -f, not on standard input")
		}
		o.Args = append(o.Args, "--file", f)
		o.Paths = append(o.Paths, f)
		b, err := os.ReadFile(f)
		if err != nil {
			return o, err
		}
		for _, m := range varRef.FindAllStringSubmatch(string(b), -1) {
			names[m[1]] = true
		}
	}
	for _, prof := range p.Profiles {
		o.Args = append(o.Args, "--profile", prof)
	}
	for _, f := range g.envFiles {
		f = c.abs(f)
		o.Args = append(o.Args, "--env-file", f)
		o.Paths = append(o.Paths, f)
	}
	for _, kv := range c.environ {
		k, _, _ := strings.Cut(kv, "=")
		if names[k] && k != "DOCKER_HOST" {
			o.Env = append(o.Env, kv)
		}
	}
	if tz := hostZone(c.getenv("TZ")); tz != "" {
		o.Env = append(o.Env, "TZ="+tz)
	}
	slices.Sort(o.Env)
	return o, nil
}

// hostZone is the host's time zone by IANA name, which x-schedule uses
// when it names none: $TZ, else the zone /etc/localtime links to.
func hostZone(tz string) string {
	if tz = strings.TrimPrefix(tz, ":"); tz != "" && !strings.HasPrefix(tz, "/") {
		return tz
	}
	link, err := os.Readlink("/etc/localtime")
	if err != nil {
		return ""
	}
	if _, name, ok := strings.Cut(link, "zoneinfo/"); ok {
		return name
	}
	return ""
}

func newAgentRemoveCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "remove",
		Short: "Stop and remove the installed agent of the project",
		Long: `Stop and remove the installed agent of the project.

A foreground agent is left alone: stop it where it runs.`,
		Example: `  # Remove the agent of the project "shop"
  stack -p shop agent remove`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			_, name, err := c.projectOrName(ctx, nil)
			if err != nil {
				return err
			}
			eng, err := c.dockerEngine()
			if err != nil {
				return err
			}
			defer eng.Close()
			removed, err := agent.Remove(ctx, eng, name)
			if err != nil {
				return err
			}
			if removed {
				fmt.Fprintf(c.stderr, "agent %s removed\n", agent.AgentName(name))
			} else {
				fmt.Fprintf(c.stderr, "project %q has no installed agent\n", name)
			}
			return nil
		},
	}
}

// newAgentHoldCommand is what a foreground agent's lock container runs:
// it reads its standard input, attached to the agent, until the agent's
// connection ends.
func newAgentHoldCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:    "hold",
		Hidden: true,
		Args:   noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := io.Copy(io.Discard, c.stdin)
			return err
		},
	}
}
