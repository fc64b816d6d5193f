package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/project"
)

// fakeSwarm is an in-memory swarm manager: services get one task per
// replica, in the state the test chooses per service (running by
// default). It records calls and can inject failures.
type fakeSwarm struct {
	mu       sync.Mutex
	seq      int
	info     engine.SwarmInfo
	services map[string]*engine.Service // by name
	specs    map[string]engine.ServiceSpec
	tasks    map[string][]engine.Task // by service ID
	networks map[string]engine.Network
	secrets  map[string]engine.SwarmObject
	configs  map[string]engine.SwarmObject
	nodes    []engine.Node
	calls    []string
	// state is the state new tasks of a service (by name) are in, and
	// taskErr their error.
	state   map[string]string
	taskErr map[string]string
	// fail maps "Method name" to an injected error.
	fail map[string]error
	// pushed maps an image to the digest a push reports.
	pushed map[string]string
}

func newFakeSwarm() *fakeSwarm {
	return &fakeSwarm{
		info:     engine.SwarmInfo{State: "active", Manager: true, NodeID: "n1", Nodes: 1, Managers: 1},
		services: map[string]*engine.Service{},
		specs:    map[string]engine.ServiceSpec{},
		tasks:    map[string][]engine.Task{},
		networks: map[string]engine.Network{},
		secrets:  map[string]engine.SwarmObject{},
		configs:  map[string]engine.SwarmObject{},
		nodes:    []engine.Node{{ID: "n1", Hostname: "node1", Addr: "10.0.0.1", Role: "manager", State: "ready", Leader: true}},
		state:    map[string]string{},
		taskErr:  map[string]string{},
		fail:     map[string]error{},
		pushed:   map[string]string{},
	}
}

var _ Engine = (*fakeSwarm)(nil)

func (f *fakeSwarm) record(method, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, method+" "+name)
	return f.fail[method+" "+name]
}

// called returns the recorded calls of methods, in order, as "Method name".
func (f *fakeSwarm) called(methods ...string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		m, _, _ := strings.Cut(c, " ")
		for _, want := range methods {
			if m == want {
				out = append(out, c)
			}
		}
	}
	return out
}

func (f *fakeSwarm) id(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s%d", prefix, f.seq)
}

func (f *fakeSwarm) SwarmInfo(context.Context) (engine.SwarmInfo, error) {
	return f.info, f.record("SwarmInfo", "")
}

func (f *fakeSwarm) ListNodes(context.Context) ([]engine.Node, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]engine.Node(nil), f.nodes...), nil
}

func (f *fakeSwarm) ListServices(_ context.Context, ns string) ([]engine.Service, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Service
	for _, name := range sortedKeys(f.services) {
		s := *f.services[name]
		if s.Labels[engine.LabelStackNamespace] != ns {
			continue
		}
		s.Running, s.Desired = 0, 1
		if s.Replicas != nil {
			s.Desired = *s.Replicas
		}
		for _, t := range f.tasks[s.ID] {
			if t.State == engine.TaskRunning && t.DesiredState == engine.TaskRunning {
				s.Running++
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// makeTasks gives service s its tasks, in the state the test chose.
func (f *fakeSwarm) makeTasks(s *engine.Service, spec engine.ServiceSpec) {
	for i := range f.tasks[s.ID] {
		f.tasks[s.ID][i].DesiredState = engine.TaskShutdown
	}
	state := f.state[s.Name]
	if state == "" {
		state = engine.TaskRunning
	}
	n := 1
	if spec.Replicas != nil {
		n = int(*spec.Replicas)
	}
	var tasks []engine.Task
	for i := 1; i <= n; i++ {
		t := engine.Task{ID: f.id("t"), ServiceID: s.ID, Slot: i, NodeID: "n1", DesiredState: engine.TaskRunning,
			State: state, Err: f.taskErr[s.Name], CreatedAt: time.Now(), UpdatedAt: time.Now(), Image: spec.Container.Image}
		if state == engine.TaskFailed || state == engine.TaskComplete {
			t.DesiredState = engine.TaskShutdown
		}
		tasks = append(tasks, t)
	}
	f.tasks[s.ID] = tasks
}

func serviceFromSpec(id string, spec engine.ServiceSpec) *engine.Service {
	s := &engine.Service{ID: id, Name: spec.Name, Labels: spec.Labels, Image: spec.Container.Image, Mode: spec.Mode, Replicas: spec.Replicas}
	if spec.Restart != nil {
		s.RestartCondition = spec.Restart.Condition
	}
	for _, r := range spec.Container.Secrets {
		s.Secrets = append(s.Secrets, r.Name)
	}
	for _, r := range spec.Container.Configs {
		s.Configs = append(s.Configs, r.Name)
	}
	for _, n := range spec.Networks {
		s.Networks = append(s.Networks, n.Target)
	}
	return s
}

func (f *fakeSwarm) CreateService(_ context.Context, spec engine.ServiceSpec, _ engine.ServiceOptions) (string, []string, error) {
	if err := f.record("CreateService", spec.Name); err != nil {
		return "", nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range spec.Container.Secrets {
		if r.ID == "" {
			return "", nil, fmt.Errorf("secret %s has no ID", r.Name)
		}
	}
	s := serviceFromSpec(f.id("s"), spec)
	f.services[spec.Name] = s
	f.specs[spec.Name] = spec
	f.makeTasks(s, spec)
	return s.ID, nil, nil
}

func (f *fakeSwarm) UpdateService(_ context.Context, cur engine.Service, spec engine.ServiceSpec, _ engine.ServiceOptions) ([]string, error) {
	if err := f.record("UpdateService", spec.Name); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := serviceFromSpec(cur.ID, spec)
	s.Version = cur.Version + 1
	f.services[spec.Name] = s
	f.specs[spec.Name] = spec
	f.makeTasks(s, spec)
	return nil, nil
}

func (f *fakeSwarm) ScaleService(_ context.Context, id string, n uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, s := range f.services {
		if s.ID == id {
			s.Replicas = &n
			spec := f.specs[name]
			spec.Replicas = &n
			f.specs[name] = spec
			f.makeTasks(s, spec)
		}
	}
	return nil
}

func (f *fakeSwarm) RemoveService(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, s := range f.services {
		if s.ID == id {
			f.calls = append(f.calls, "RemoveService "+name)
			delete(f.services, name)
			delete(f.tasks, id)
		}
	}
	return nil
}

func (f *fakeSwarm) ListTasks(_ context.Context, flt engine.TaskFilter) ([]engine.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Task
	for _, s := range f.services {
		if s.Labels[engine.LabelStackNamespace] != flt.Namespace {
			continue
		}
		for _, t := range f.tasks[s.ID] {
			if flt.DesiredState != "" && t.DesiredState != flt.DesiredState {
				continue
			}
			out = append(out, t)
		}
	}
	return out, nil
}

func (f *fakeSwarm) ServiceLogs(_ context.Context, service string, _ engine.LogOptions, line func(engine.ServiceLogLine)) error {
	line(engine.ServiceLogLine{Stream: "stdout", Text: "log of " + service})
	return nil
}

func (f *fakeSwarm) ListStackNetworks(_ context.Context, ns string) ([]engine.Network, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Network
	for _, name := range sortedKeys(f.networks) {
		if n := f.networks[name]; n.Labels[engine.LabelStackNamespace] == ns {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *fakeSwarm) SwarmNetworkScope(_ context.Context, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.networks[name]; ok {
		return "swarm", nil
	}
	return "", fmt.Errorf("network %s: %w", name, engine.ErrNotFound)
}

func (f *fakeSwarm) CreateOverlayNetwork(_ context.Context, n engine.OverlayNetwork) (engine.Network, error) {
	if err := f.record("CreateOverlayNetwork", n.Name); err != nil {
		return engine.Network{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	net := engine.Network{ID: f.id("net"), Name: n.Name, Driver: n.Driver, Labels: n.Labels}
	f.networks[n.Name] = net
	return net, nil
}

func (f *fakeSwarm) RemoveNetwork(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, n := range f.networks {
		if n.ID == id {
			f.calls = append(f.calls, "RemoveNetwork "+name)
			delete(f.networks, name)
		}
	}
	return nil
}

func (f *fakeSwarm) RemoveVolume(_ context.Context, name string) error {
	return f.record("RemoveVolume", name)
}

func (f *fakeSwarm) ListStackVolumes(context.Context, string) ([]engine.Volume, error) {
	return nil, nil
}

func listObjects(m map[string]engine.SwarmObject, flt engine.ObjectFilter) []engine.SwarmObject {
	var out []engine.SwarmObject
	for _, name := range sortedKeys(m) {
		o := m[name]
		if flt.Namespace != "" && o.Labels[engine.LabelStackNamespace] == flt.Namespace || slices.Contains(flt.Names, name) {
			out = append(out, o)
		}
	}
	return out
}

// createObject records and stores a secret or config in m.
func (f *fakeSwarm) createObject(method string, m map[string]engine.SwarmObject, o engine.ObjectSpec) (string, error) {
	if err := f.record(method, o.Name); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	obj := engine.SwarmObject{ID: f.id("obj"), Name: o.Name, Labels: o.Labels}
	m[o.Name] = obj
	return obj.ID, nil
}

// removeObject removes the secret or config id from m.
func (f *fakeSwarm) removeObject(method string, m map[string]engine.SwarmObject, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, o := range m {
		if o.ID == id {
			f.calls = append(f.calls, method+" "+name)
			delete(m, name)
		}
	}
	return nil
}

func (f *fakeSwarm) ListSecrets(_ context.Context, flt engine.ObjectFilter) ([]engine.SwarmObject, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return listObjects(f.secrets, flt), nil
}

func (f *fakeSwarm) CreateSecret(_ context.Context, o engine.ObjectSpec) (string, error) {
	return f.createObject("CreateSecret", f.secrets, o)
}

func (f *fakeSwarm) RemoveSecret(_ context.Context, id string) error {
	return f.removeObject("RemoveSecret", f.secrets, id)
}

func (f *fakeSwarm) ListConfigs(_ context.Context, flt engine.ObjectFilter) ([]engine.SwarmObject, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return listObjects(f.configs, flt), nil
}

func (f *fakeSwarm) CreateConfig(_ context.Context, o engine.ObjectSpec) (string, error) {
	return f.createObject("CreateConfig", f.configs, o)
}

func (f *fakeSwarm) RemoveConfig(_ context.Context, id string) error {
	return f.removeObject("RemoveConfig", f.configs, id)
}

func (f *fakeSwarm) ResolveImage(_ context.Context, ref, _ string) (string, error) {
	if err := f.record("ResolveImage", ref); err != nil {
		return "", err
	}
	return ref + "@sha256:" + strings.Repeat("a", 64), nil
}

func (f *fakeSwarm) PushImage(_ context.Context, ref, _ string, _ func(string)) (string, error) {
	if err := f.record("PushImage", ref); err != nil {
		return "", err
	}
	if d, ok := f.pushed[ref]; ok {
		return d, nil
	}
	return "sha256:" + strings.Repeat("b", 64), nil
}

func (f *fakeSwarm) SwarmEvents(ctx context.Context) (<-chan engine.SwarmEvent, <-chan error) {
	out := make(chan engine.SwarmEvent)
	errc := make(chan error)
	go func() {
		<-ctx.Done()
		close(out)
		close(errc)
	}()
	return out, errc
}

// load loads a stack file given as text, in a directory of its own with
// the extra files given.
func load(t *testing.T, yaml string, files map[string]string) *types.Project {
	t.Helper()
	dir := t.TempDir()
	files["compose.yaml"] = yaml
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := project.Load(context.Background(), project.Options{WorkingDir: dir, Environ: []string{"TOKEN=from-env"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
