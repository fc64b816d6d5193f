package stack

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// fakeEngine is an in-memory engine.Engine that records calls and injects
// failures, for the logic the real engine cannot easily be made to show.
type fakeEngine struct {
	mu         sync.Mutex
	seq        int
	containers map[string]*fakeContainer // by ID
	networks   map[string]engine.Network // by name
	volumes    map[string]engine.Volume  // by name
	images     map[string]bool
	calls      []string
	// fail maps "Method name" (e.g. "StartContainer p-web-1") to an error.
	fail map[string]error
	// health, when set for a service, is the health status a started
	// container of it reports at once ("healthy", "unhealthy").
	health map[string]string
	// exit, when set for a service, makes its containers exit at once with
	// that code after start.
	exit map[string]int
	// execExit is the exit code of an exec whose command's first word is
	// the key.
	execExit map[string]int
	subs     []chan engine.Event
}

type fakeContainer struct {
	c       engine.Container
	running bool
	code    int
	health  string
	started time.Time
	finish  time.Time
}

func newFake() *fakeEngine {
	return &fakeEngine{
		containers: map[string]*fakeContainer{},
		networks:   map[string]engine.Network{},
		volumes:    map[string]engine.Volume{},
		images:     map[string]bool{"busybox": true},
		fail:       map[string]error{},
		health:     map[string]string{},
		exit:       map[string]int{},
	}
}

var _ engine.Engine = (*fakeEngine)(nil)

// record notes a call and returns the injected failure for it, if any.
func (f *fakeEngine) record(method, name string) error {
	f.calls = append(f.calls, method+" "+name)
	return f.fail[method+" "+name]
}

// called returns the recorded calls of one method, in order.
func (f *fakeEngine) called(method string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if m, name, _ := strings.Cut(c, " "); m == method {
			out = append(out, name)
		}
	}
	return out
}

func (f *fakeEngine) publish(ev engine.Event) {
	ev.Time = time.Now()
	for _, ch := range f.subs {
		ch <- ev
	}
}

func (f *fakeEngine) byID(id string) (*fakeContainer, error) {
	c, ok := f.containers[id]
	if !ok {
		return nil, fmt.Errorf("container %q: %w", id, engine.ErrNotFound)
	}
	return c, nil
}

func (f *fakeEngine) Ping(context.Context) (engine.Info, error) {
	return engine.Info{Host: "fake", APIVersion: "1.41"}, nil
}

func (f *fakeEngine) ListContainers(_ context.Context, flt engine.Filter) ([]engine.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("ListContainers", flt.Project); err != nil {
		return nil, err
	}
	var out []engine.Container
	for _, c := range f.containers {
		if c.c.Project != flt.Project || (!flt.All && !c.running) {
			continue
		}
		if flt.OneOff != nil && *flt.OneOff != c.c.OneOff {
			continue
		}
		if len(flt.Services) > 0 && !slices.Contains(flt.Services, c.c.Service) {
			continue
		}
		out = append(out, f.view(c))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *fakeEngine) view(c *fakeContainer) engine.Container {
	v := c.c
	v.State = engine.StateCreated
	if c.running {
		v.State = engine.StateRunning
	} else if !c.finish.IsZero() {
		v.State = engine.StateExited
	}
	v.Health = c.health
	return v
}

func (f *fakeEngine) CreateContainer(_ context.Context, spec engine.ContainerSpec) (engine.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("CreateContainer", spec.Name); err != nil {
		return engine.Container{}, err
	}
	for _, c := range f.containers {
		if c.c.Name == spec.Name {
			return engine.Container{}, fmt.Errorf("create container %q: %w", spec.Name, engine.ErrConflict)
		}
	}
	// The engine resolves these references at create.
	cfg, host := spec.Config.Config, spec.Config.HostConfig
	var refs []string
	for _, l := range host.Links {
		name, _, _ := strings.Cut(l, ":")
		refs = append(refs, name)
	}
	refs = append(refs, host.VolumesFrom...)
	if peer, ok := strings.CutPrefix(string(host.NetworkMode), "container:"); ok {
		refs = append(refs, peer)
	}
	for _, ref := range refs {
		ref, _, _ = strings.Cut(ref, ":")
		found := false
		for _, c := range f.containers {
			found = found || c.c.Name == ref
		}
		if !found {
			return engine.Container{}, fmt.Errorf("create container %q: peer %q: %w", spec.Name, ref, engine.ErrNotFound)
		}
	}
	f.seq++
	id := fmt.Sprintf("%064d", f.seq)
	labels := maps.Clone(cfg.Labels)
	n, _ := strconv.Atoi(labels[engine.LabelNumber])
	c := &fakeContainer{c: engine.Container{
		ID: id, Name: spec.Name, Image: cfg.Image, Project: labels[engine.LabelProject],
		Service: labels[engine.LabelService], Number: n, OneOff: labels[engine.LabelOneOff] == "True", Labels: labels,
		Created: time.Now(),
	}}
	if name := string(host.NetworkMode); name != "" && !strings.Contains(name, ":") && name != "none" {
		c.c.Networks = append(c.c.Networks, name)
	}
	f.containers[id] = c
	return f.view(c), nil
}

func (f *fakeEngine) StartContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.byID(id)
	if err != nil {
		return err
	}
	if err := f.record("StartContainer", c.c.Name); err != nil {
		return err
	}
	c.running, c.started, c.finish = true, time.Now(), time.Time{}
	f.publish(engine.Event{Action: "start", ID: id, Name: c.c.Name, Service: c.c.Service, Project: c.c.Project})
	if h, ok := f.health[c.c.Service]; ok {
		c.health = h
		f.publish(engine.Event{Action: "health_status: " + h, ID: id, Name: c.c.Name, Service: c.c.Service, Project: c.c.Project})
	}
	if code, ok := f.exit[c.c.Service]; ok {
		c.running, c.code, c.finish = false, code, time.Now()
		f.publish(engine.Event{Action: "die", ID: id, Name: c.c.Name, Service: c.c.Service, Project: c.c.Project, ExitCode: strconv.Itoa(code)})
	}
	return nil
}

func (f *fakeEngine) StopContainer(_ context.Context, id string, _ *time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.byID(id)
	if err != nil {
		return err
	}
	if err := f.record("StopContainer", c.c.Name); err != nil {
		return err
	}
	if c.running {
		c.running, c.finish = false, time.Now()
		f.publish(engine.Event{Action: "die", ID: id, Name: c.c.Name, Service: c.c.Service, Project: c.c.Project, ExitCode: "0"})
	}
	return nil
}

func (f *fakeEngine) RetireContainer(ctx context.Context, id string, timeout *time.Duration) error {
	f.mu.Lock()
	if c, err := f.byID(id); err == nil {
		f.calls = append(f.calls, "RetireContainer "+c.c.Name)
	}
	f.mu.Unlock()
	return f.StopContainer(ctx, id, timeout)
}

func (f *fakeEngine) KillContainer(ctx context.Context, id, _ string) error {
	return f.StopContainer(ctx, id, nil)
}

func (f *fakeEngine) RemoveContainer(ctx context.Context, id string, o engine.RemoveOptions) error {
	if o.Stop {
		if err := f.StopContainer(ctx, id, o.StopTimeout); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.byID(id)
	if err != nil {
		return err
	}
	if err := f.record("RemoveContainer", c.c.Name); err != nil {
		return err
	}
	delete(f.containers, id)
	return nil
}

func (f *fakeEngine) RenameContainer(_ context.Context, id, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.byID(id)
	if err != nil {
		return err
	}
	if err := f.record("RenameContainer", name); err != nil {
		return err
	}
	c.c.Name = name
	return nil
}

func (f *fakeEngine) PauseContainer(context.Context, string) error   { return nil }
func (f *fakeEngine) UnpauseContainer(context.Context, string) error { return nil }

func (f *fakeEngine) InspectContainer(_ context.Context, id string) (engine.ContainerDetails, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.byID(id)
	if err != nil {
		return engine.ContainerDetails{}, err
	}
	return engine.ContainerDetails{
		Container: f.view(c), Running: c.running, ExitCode: c.code,
		StartedAt: c.started, FinishedAt: c.finish,
	}, nil
}

func (f *fakeEngine) WaitContainer(_ context.Context, id string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.byID(id)
	if err != nil {
		return 0, err
	}
	return c.code, nil
}

func (f *fakeEngine) Logs(_ context.Context, id string, _ engine.LogOptions, stdout, _ io.Writer) error {
	f.mu.Lock()
	c, err := f.byID(id)
	f.mu.Unlock()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "hello from %s\n", c.c.Name)
	return err
}

func (f *fakeEngine) Events(ctx context.Context, _ engine.Filter) (<-chan engine.Event, <-chan error) {
	in := make(chan engine.Event, 1024)
	out := make(chan engine.Event)
	errs := make(chan error, 1)
	f.mu.Lock()
	f.subs = append(f.subs, in)
	f.mu.Unlock()
	go func() {
		defer close(out)
		defer close(errs)
		defer func() {
			f.mu.Lock()
			for i, ch := range f.subs {
				if ch == in {
					f.subs = append(f.subs[:i], f.subs[i+1:]...)
					break
				}
			}
			f.mu.Unlock()
		}()
		for {
			select {
			case ev := <-in:
				select {
				case out <- ev:
				case <-ctx.Done():
					errs <- ctx.Err()
					return
				}
			case <-ctx.Done():
				errs <- ctx.Err()
				return
			}
		}
	}()
	return out, errs
}

func (f *fakeEngine) ListNetworks(_ context.Context, project string) ([]engine.Network, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("ListNetworks", project); err != nil {
		return nil, err
	}
	var out []engine.Network
	for _, n := range f.networks {
		if n.Labels[engine.LabelProject] == project {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *fakeEngine) InspectNetwork(_ context.Context, name string) (engine.Network, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.networks {
		if n.Name == name || n.ID == name {
			return n, nil
		}
	}
	return engine.Network{}, fmt.Errorf("network %q: %w", name, engine.ErrNotFound)
}

func (f *fakeEngine) CreateNetwork(_ context.Context, r engine.NetworkRequest) (engine.Network, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := resourceName(r.Project, r.Key, r.Config.Name)
	if err := f.record("CreateNetwork", name); err != nil {
		return engine.Network{}, err
	}
	n := engine.Network{ID: "net-" + name, Name: name, Labels: map[string]string{engine.LabelProject: r.Project, engine.LabelNetwork: r.Key}}
	f.networks[name] = n
	return n, nil
}

func (f *fakeEngine) RemoveNetwork(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, n := range f.networks {
		if n.ID == id {
			if err := f.record("RemoveNetwork", name); err != nil {
				return err
			}
			delete(f.networks, name)
			return nil
		}
	}
	return fmt.Errorf("network %q: %w", id, engine.ErrNotFound)
}

func (f *fakeEngine) DisconnectNetwork(_ context.Context, network, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.byID(id)
	if err != nil {
		return err
	}
	if err := f.record("DisconnectNetwork", c.c.Name+" "+network); err != nil {
		return err
	}
	c.c.Networks = slices.DeleteFunc(c.c.Networks, func(n string) bool { return n == network || "net-"+n == network })
	return nil
}

func (f *fakeEngine) ConnectNetwork(_ context.Context, network, id string, _ engine.Endpoint) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.byID(id)
	if err != nil {
		return err
	}
	if err := f.record("ConnectNetwork", c.c.Name+" "+network); err != nil {
		return err
	}
	c.c.Networks = append(c.c.Networks, network)
	return nil
}

func (f *fakeEngine) ListVolumes(_ context.Context, project string) ([]engine.Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("ListVolumes", project); err != nil {
		return nil, err
	}
	var out []engine.Volume
	for _, v := range f.volumes {
		if v.Labels[engine.LabelProject] == project {
			out = append(out, v)
		}
	}
	return out, nil
}

func (f *fakeEngine) InspectVolume(_ context.Context, name string) (engine.Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.volumes[name]
	if !ok {
		return engine.Volume{}, fmt.Errorf("volume %q: %w", name, engine.ErrNotFound)
	}
	return v, nil
}

func (f *fakeEngine) CreateVolume(_ context.Context, r engine.VolumeRequest) (engine.Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := resourceName(r.Project, r.Key, r.Config.Name)
	if err := f.record("CreateVolume", name); err != nil {
		return engine.Volume{}, err
	}
	v := engine.Volume{Name: name, Labels: map[string]string{engine.LabelProject: r.Project, engine.LabelVolume: r.Key}}
	f.volumes[name] = v
	return v, nil
}

func (f *fakeEngine) RemoveVolume(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("RemoveVolume", name); err != nil {
		return err
	}
	delete(f.volumes, name)
	return nil
}

func (f *fakeEngine) InspectImage(_ context.Context, ref string) (engine.Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.images[ref] {
		return engine.Image{}, fmt.Errorf("image %q: %w", ref, engine.ErrNotFound)
	}
	return engine.Image{ID: "sha256:" + ref, Tags: []string{ref}}, nil
}

func (f *fakeEngine) APIVersion(context.Context) (string, error) { return "1.41", nil }

func (f *fakeEngine) ImageIDs(_ context.Context, refs []string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "ImageIDs "+strings.Join(refs, ","))
	out := map[string]string{}
	for _, r := range refs {
		if f.images[r] {
			out[r] = "sha256:" + r
		}
	}
	return out, nil
}
