package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/format"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// LabelSlug is Compose's label of a one-off container: the random part of
// its name, in full.
const LabelSlug = "com.docker.compose.slug"

// RunOptions tune Run.
type RunOptions struct {
	Service string
	// Command replaces the service's command when not empty.
	Command []string
	// Entrypoint, when not nil, replaces the service's entrypoint (an empty
	// list resets it to none).
	Entrypoint []string
	// Env are KEY=VALUE pairs added to the service's environment.
	Env []string
	// Labels are added to the container's labels.
	Labels  map[string]string
	User    string
	WorkDir string
	// Volumes are extra volume specs (docker run -v syntax); Publish are
	// port specs (-p). The service's ports are published only with
	// ServicePorts.
	Volumes      []string
	Publish      []string
	ServicePorts bool
	// Name is the container's name; empty means
	// "<project>-<service>-run-<12 hex digits>".
	Name string
	// NoDeps starts no dependency; otherwise the service's dependencies
	// are brought up first, as up would, and their conditions waited for.
	NoDeps bool
	// Remove removes the container when it has exited (not with Detach).
	Remove bool
	// Detach starts the container and returns at once.
	Detach bool
	// TTY gives the container a terminal; Interactive keeps its standard
	// input open and connects Stdin to it.
	TTY         bool
	Interactive bool
	engine.Streams
	// Size and Resize give the terminal's size, with TTY.
	Size   *engine.TermSize
	Resize <-chan engine.TermSize
	// Build builds the service's image first even when it exists; Pull
	// overrides its pull_policy (always, missing, never, build; "": keep).
	Build bool
	Pull  string
	// CapAdd and CapDrop add to the service's capabilities lists.
	CapAdd, CapDrop []string
	// UseAliases gives the container the service's network aliases, so
	// that it answers to the service's name like the service's own.
	UseAliases bool
	// BeforeAttach, when set, is called once the dependencies are up and
	// just before the container's streams are connected: the time to settle
	// a live progress view and lend the terminal. A size or resize channel
	// it returns replaces Size or Resize.
	BeforeAttach func() (size *engine.TermSize, resize <-chan engine.TermSize)
}

// Run creates and starts a one-off container of a service, labelled
// oneoff=True, with o's overrides; unless o.Detach it is attached to
// o.Streams and waited for, and its exit code, when not zero, is returned
// as an *ExitError. It returns the container's name. When ctx ends the
// container is stopped (and removed with o.Remove).
func (s *Stack) Run(ctx context.Context, p *types.Project, o RunOptions) (string, error) {
	svc, ok := p.Services[o.Service]
	if !ok {
		return "", fmt.Errorf("no such service: %s", o.Service)
	}
	svc, err := runService(p, svc, o)
	if err != nil {
		return "", err
	}
	// The dependencies, the creation and, detached, the start are made
	// under the project's lock; the run itself is not.
	release, err := s.lock(ctx, p.Name)
	if err != nil {
		return "", err
	}
	defer release()
	if !o.NoDeps {
		if err := s.runDependencies(ctx, p, o.Service); err != nil {
			return "", err
		}
	}
	if err := s.PrepareImages(ctx, p, ImageOptions{Services: []string{o.Service}, Build: o.Build, Pull: o.Pull}); err != nil {
		return "", err
	}
	peers, err := s.peers(ctx, p.Name)
	if err != nil {
		return "", err
	}

	slug := randomSlug()
	name := o.Name
	if name == "" {
		name = fmt.Sprintf("%s-%s-run-%s", p.Name, o.Service, slug[:12])
	}
	labels := maps.Clone(o.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[LabelSlug] = slug
	api, err := s.engine.APIVersion(ctx)
	if err != nil {
		return "", err
	}
	cc, err := engine.ContainerConfig(engine.CreateRequest{
		Project: p, Service: svc, Name: name, Number: 1, OneOff: true, Peers: peers, Labels: labels,
		StdinOnce: o.Interactive && !o.Detach, UseAliases: o.UseAliases,
	}, api)
	if err != nil {
		return "", configError(p, err)
	}
	c, err := s.engine.CreateContainer(ctx, engine.ContainerSpec{Name: name, Config: cc, Service: svc})
	if err != nil {
		return "", fmt.Errorf("service %q: %w", o.Service, err)
	}

	if o.Detach {
		if err := s.engine.StartContainer(ctx, c.ID); err != nil {
			return name, errors.Join(fmt.Errorf("service %q: %w", o.Service, err), s.removeOneOff(ctx, c.ID, o.Remove))
		}
		return name, nil
	}
	release()
	if o.BeforeAttach != nil {
		size, resize := o.BeforeAttach()
		if size != nil {
			o.Size = size
		}
		if resize != nil {
			o.Resize = resize
		}
	}
	streams := o.Streams
	if !o.Interactive {
		streams.Stdin = nil
	}
	streams.TTY = o.TTY
	code, err := s.runAttached(ctx, c.ID, streams, o)
	if rmErr := s.removeOneOff(ctx, c.ID, o.Remove); rmErr != nil && err == nil {
		err = rmErr
	}
	if err != nil {
		return name, err
	}
	if code != 0 {
		return name, &ExitError{Code: code}
	}
	return name, nil
}

// runAttached attaches to the created container, starts it, forwards
// terminal sizes and waits for its exit code. When ctx ends the container
// is stopped on a fresh bounded context.
func (s *Stack) runAttached(ctx context.Context, id string, streams engine.Streams, o RunOptions) (int, error) {
	actx, detach := context.WithCancel(ctx)
	defer detach()
	wait, err := s.engine.AttachContainer(actx, id, streams)
	if err != nil {
		return 0, fmt.Errorf("service %q: %w", o.Service, err)
	}
	if err := s.engine.StartContainer(ctx, id); err != nil {
		// A container that never ran may never close its streams.
		detach()
		_ = wait()
		return 0, fmt.Errorf("service %q: %w", o.Service, err)
	}
	var resizes sync.WaitGroup
	stop := make(chan struct{})
	if o.TTY {
		if o.Size != nil {
			_ = s.engine.ResizeContainer(ctx, id, *o.Size)
		}
		if o.Resize != nil {
			resizes.Add(1)
			go func() {
				defer resizes.Done()
				for {
					select {
					case size, ok := <-o.Resize:
						if !ok {
							return
						}
						_ = s.engine.ResizeContainer(ctx, id, size)
					case <-stop:
						return
					}
				}
			}()
		}
	}
	err = wait()
	close(stop)
	resizes.Wait()
	if ctx.Err() != nil {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
		defer cancel()
		if serr := s.engine.StopContainer(stopCtx, id, nil); serr != nil && !errors.Is(serr, engine.ErrNotFound) {
			return 0, errors.Join(ctx.Err(), serr)
		}
		return 0, ctx.Err()
	}
	if err != nil {
		return 0, fmt.Errorf("service %q: %w", o.Service, err)
	}
	code, err := s.engine.WaitContainer(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("service %q: %w", o.Service, err)
	}
	return code, nil
}

// removeOneOff removes a one-off container when asked to, even after ctx
// ended.
func (s *Stack) removeOneOff(ctx context.Context, id string, remove bool) error {
	if !remove {
		return nil
	}
	rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
	defer cancel()
	err := s.engine.RemoveContainer(rmCtx, id, engine.RemoveOptions{Force: true, Volumes: true})
	if err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	return nil
}

// runDependencies brings up what service depends on, then waits for the
// conditions of its own dependencies (healthy, completed).
func (s *Stack) runDependencies(ctx context.Context, p *types.Project, service string) error {
	g, err := Graph(p)
	if err != nil {
		return err
	}
	edges := g.Dependencies(service)
	if len(edges) == 0 {
		return nil
	}
	deps := make([]string, 0, len(edges))
	for _, e := range edges {
		deps = append(deps, e.To)
	}
	var conds []string
	for _, e := range edges {
		if Condition(e.Condition).waits() {
			conds = append(conds, e.To)
		}
	}
	var w *watcher
	if len(conds) > 0 {
		// Subscribed before the start, so that no change is missed.
		w = s.watch(ctx, p.Name)
		defer w.close()
	}
	if err := s.Up(ctx, p, UpOptions{Services: deps}); err != nil {
		return err
	}
	if w == nil {
		return nil
	}
	oneOff := false
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: p.Name, Services: conds, All: true, OneOff: &oneOff})
	if err != nil {
		return err
	}
	for _, e := range edges {
		if !Condition(e.Condition).waits() {
			continue
		}
		for _, c := range cs {
			if c.Service != e.To {
				continue
			}
			if err := s.await(ctx, w, c.ID, c.Name, Condition(e.Condition), ""); err != nil {
				return fmt.Errorf("service %q: dependency failed to start: %w", service, err)
			}
		}
	}
	return nil
}

// peers maps each service of the project to the container a one-off one
// refers to for links, volumes_from and network_mode "service:X": the
// lowest-numbered running one, else the lowest-numbered one.
func (s *Stack) peers(ctx context.Context, project string) (map[string]string, error) {
	oneOff := false
	cs, err := s.engine.ListContainers(ctx, engine.Filter{Project: project, All: true, OneOff: &oneOff})
	if err != nil {
		return nil, err
	}
	byService := map[string][]engine.Container{}
	for _, c := range cs {
		byService[c.Service] = append(byService[c.Service], c)
	}
	peers := map[string]string{}
	for svc, list := range byService {
		if c, ok := lowestUp(list); ok {
			peers[svc] = c.Name
		}
	}
	return peers, nil
}

// runService is the service as the one-off container runs it: o's
// overrides applied, no restart policy, and only the ports asked for. The
// project's maps and slices are not changed.
func runService(p *types.Project, svc types.ServiceConfig, o RunOptions) (types.ServiceConfig, error) {
	if len(o.CapAdd) > 0 {
		svc.CapAdd = append(slices.Clone(svc.CapAdd), o.CapAdd...)
	}
	if len(o.CapDrop) > 0 {
		svc.CapDrop = append(slices.Clone(svc.CapDrop), o.CapDrop...)
	}
	if len(o.Command) > 0 {
		svc.Command = types.ShellCommand(slices.Clone(o.Command))
	}
	if o.Entrypoint != nil {
		svc.Entrypoint = types.ShellCommand(slices.Clone(o.Entrypoint))
	}
	if len(o.Env) > 0 {
		env := types.MappingWithEquals{}
		for k, v := range svc.Environment {
			env[k] = v
		}
		for _, kv := range o.Env {
			k, v, ok := strings.Cut(kv, "=")
			if k == "" {
				return svc, fmt.Errorf("invalid environment variable %q: want KEY=VALUE", kv)
			}
			if !ok {
				env[k] = nil
				continue
			}
			env[k] = &v
		}
		svc.Environment = env
	}
	if o.User != "" {
		svc.User = o.User
	}
	if o.WorkDir != "" {
		svc.WorkingDir = o.WorkDir
	}
	svc.ContainerName = ""
	svc.Restart = ""
	if svc.Deploy != nil {
		d := *svc.Deploy
		d.RestartPolicy = nil
		svc.Deploy = &d
	}
	svc.Tty = o.TTY
	svc.StdinOpen = o.Interactive
	if !o.ServicePorts {
		svc.Ports = nil
	}
	for _, spec := range o.Publish {
		ports, err := types.ParsePortConfig(spec)
		if err != nil {
			return svc, fmt.Errorf("invalid port %q: %w", spec, err)
		}
		svc.Ports = append(slices.Clone(svc.Ports), ports...)
	}
	if len(o.Volumes) > 0 {
		vols := slices.Clone(svc.Volumes)
		for _, spec := range o.Volumes {
			v, err := format.ParseVolume(spec)
			if err != nil {
				return svc, fmt.Errorf("invalid volume %q: %w", spec, err)
			}
			if v.Type == types.VolumeTypeBind && !filepath.IsAbs(v.Source) {
				v.Source = filepath.Join(p.WorkingDir, v.Source)
			}
			vols = append(vols, v)
		}
		svc.Volumes = vols
	}
	return svc, nil
}

// randomSlug is the random identity of a one-off container, 64 hex digits.
func randomSlug() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
