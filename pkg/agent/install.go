package agent

// The installed agent: a container of the project, <project>-agent-1,
// that runs the agent from the agent image with the engine's socket and
// the project's files mounted read-only, restarted by the engine (unless
// stopped), so that schedules survive reboots with no host service.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// InstallOptions describe the installed agent.
type InstallOptions struct {
	// Image is the agent image (EnsureImage).
	Image string
	// Args are stack's global flags that load the project as this process
	// did (files, project name and directory, profiles, env files,
	// parallel), with absolute paths.
	Args []string
	// Env are KEY=VALUE variables the project's files use, for their
	// interpolation in the agent's container.
	Env []string
	// Paths are the files and directories the agent reads (the project's
	// directory and files): mounted read-only at the same paths, so that
	// every path in the project means the same inside.
	Paths []string
	// Host is the engine's address as this process reaches it.
	Host string
}

// socketInside is where the agent's container finds the engine's socket.
const socketInside = "/var/run/docker.sock"

// installSpec is the agent's container.
func installSpec(p *types.Project, o InstallOptions, api string) (engine.ContainerSpec, error) {
	name := AgentName(p.Name)
	svc := types.ServiceConfig{Name: AgentService}
	svc.Image = o.Image
	svc.Command = append(append(types.ShellCommand{}, o.Args...), "agent", "--installed")
	svc.Restart = types.RestartPolicyUnlessStopped
	svc.Labels = types.Labels{stack.LabelAgent: AgentInstalled}
	svc.WorkingDir = p.WorkingDir
	env := types.MappingWithEquals{}
	for _, kv := range o.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = &v
	}
	u, err := url.Parse(o.Host)
	if err != nil {
		return engine.ContainerSpec{}, fmt.Errorf("engine address %q: %w", o.Host, err)
	}
	switch u.Scheme {
	case "unix":
		host := "unix://" + socketInside
		env["DOCKER_HOST"] = &host
		svc.NetworkMode = "none"
		svc.Volumes = append(svc.Volumes, types.ServiceVolumeConfig{Type: types.VolumeTypeBind, Source: u.Path, Target: socketInside, ReadOnly: true})
	case "tcp":
		host := o.Host
		env["DOCKER_HOST"] = &host
		// The engine's address means the same on the host's network.
		svc.NetworkMode = "host"
	default:
		return engine.ContainerSpec{}, fmt.Errorf("engine address %q: the installed agent reaches an engine over a unix socket or tcp", o.Host)
	}
	svc.Environment = env
	paths := append([]string(nil), o.Paths...)
	sort.Strings(paths)
	for i, path := range paths {
		if i > 0 && (path == paths[i-1] || strings.HasPrefix(path, strings.TrimSuffix(paths[i-1], "/")+"/")) {
			continue // within a directory mounted already
		}
		svc.Volumes = append(svc.Volumes, types.ServiceVolumeConfig{Type: types.VolumeTypeBind, Source: path, Target: path, ReadOnly: true})
	}
	cc, err := engine.ContainerConfig(engine.CreateRequest{Project: p, Service: svc, Name: name, Number: 1, OneOff: true}, api)
	if err != nil {
		return engine.ContainerSpec{}, err
	}
	return engine.ContainerSpec{Name: name, Config: cc, Service: svc}, nil
}

// Install creates and starts the project's agent container, or replaces
// it when it was made otherwise (another binary, other flags). It reports
// whether it changed anything. A foreground agent of the project is a
// *LockedError: only one agent acts for a project.
func Install(ctx context.Context, eng engine.Engine, p *types.Project, o InstallOptions) (bool, error) {
	api, err := eng.APIVersion(ctx)
	if err != nil {
		return false, err
	}
	spec, err := installSpec(p, o, api)
	if err != nil {
		return false, err
	}
	held, err := (&ContainerLock{Engine: eng, Project: p}).holder(ctx, spec.Name)
	if err != nil {
		return false, err
	}
	if held != nil {
		switch {
		case held.Labels[stack.LabelAgent] == AgentHold && held.State.Up():
			return false, &LockedError{Project: p.Name, Container: spec.Name, Kind: AgentHold, Holder: held.Labels[LabelHolder]}
		case held.State.Up() && held.Labels[engine.LabelStackHash] == spec.Config.Config.Labels[engine.LabelStackHash]:
			return false, nil
		}
		if err := eng.RemoveContainer(ctx, held.ID, engine.RemoveOptions{Force: true, Stop: true}); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return false, err
		}
	}
	c, err := eng.CreateContainer(ctx, spec)
	if err != nil {
		return false, fmt.Errorf("install the agent of project %q: %w", p.Name, err)
	}
	if err := eng.StartContainer(ctx, c.ID); err != nil {
		return false, fmt.Errorf("install the agent of project %q: %w", p.Name, err)
	}
	return true, nil
}

// Remove stops and removes the project's installed agent, and reports
// whether there was one. A foreground agent is left alone: it is its
// owner's to stop.
func Remove(ctx context.Context, eng engine.Engine, project string) (bool, error) {
	cs, err := eng.ListContainers(ctx, engine.Filter{Project: project, All: true})
	if err != nil {
		return false, err
	}
	for _, c := range cs {
		if c.Name != AgentName(project) || c.Labels[stack.LabelAgent] != AgentInstalled {
			continue
		}
		if err := eng.RemoveContainer(ctx, c.ID, engine.RemoveOptions{Force: true, Stop: true, Listed: &c}); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return false, fmt.Errorf("remove the agent of project %q: %w", project, err)
		}
		return true, nil
	}
	return false, nil
}
