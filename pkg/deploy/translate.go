package deploy

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/project"
)

// Desired is what a project asks of a swarm: services, networks, secrets
// and configs, each under the name it has on the swarm.
type Desired struct {
	Project  string
	Services []Service // by key
	Networks []Network // by name
	Secrets  []Object  // by name
	Configs  []Object  // by name
	// Warnings name, per service, the keys a swarm cannot honour.
	Warnings []Warning
}

// Service is one service of the project as a swarm service.
type Service struct {
	Key      string // the name in the stack file
	Spec     engine.ServiceSpec
	Priority int
	// Deps are the services this one waits for, with the condition.
	Deps []Dep
	// Build is the service's build section, when it has one.
	Build *types.BuildConfig
	// Networks, Secrets and Configs are the names of the swarm objects the
	// service needs to exist first.
	Networks, Secrets, Configs []string
}

// Dep is a dependency of a service on another.
type Dep struct {
	Service   string // key
	Condition string // service_started, service_healthy, service_completed_successfully
}

// Network is an overlay network of the project, or an external one.
type Network struct {
	Key      string
	Name     string
	External bool
	Spec     engine.OverlayNetwork
}

// Object is a secret or config of the project, or an external one. The
// swarm cannot change an object's data, so a project's object is named
// after its content: new data is a new object, and services move to it.
type Object struct {
	Key      string
	Name     string
	External bool
	Spec     engine.ObjectSpec
}

// Warning names the keys of one service (or network, volume, secret,
// config) that a swarm cannot honour.
type Warning struct {
	Kind string   // service, network, ...
	Name string   // its key in the stack file
	Keys []string // each "key" or "key (why)"
}

func (w Warning) String() string {
	return fmt.Sprintf("%s %q: %s", w.Kind, w.Name, strings.Join(w.Keys, ", "))
}

// TranslateOptions tune Translate.
type TranslateOptions struct {
	// Push says the images of services with a build section are built and
	// pushed (deploy --build --push), so build is not warned of; Build
	// that they are built on the manager's engine, without a push.
	Push  bool
	Build bool
}

// Translate turns p into what a swarm gets. It reads the files of file
// secrets and configs, and nothing else; a key that a swarm cannot honour
// is named in Desired.Warnings, a value that cannot be translated is an
// error naming the file, service and key.
func Translate(p *types.Project, o TranslateOptions) (*Desired, error) {
	t := &translation{p: p, o: o, d: &Desired{Project: p.Name}, jobs: completedTargets(p)}
	if err := t.objects(); err != nil {
		return nil, err
	}
	for _, key := range sortedKeys(p.Services) {
		svc, err := t.service(p.Services[key])
		if err != nil {
			return nil, err
		}
		t.d.Services = append(t.d.Services, svc)
	}
	return t.d, nil
}

// translation is the state of one Translate call.
type translation struct {
	p *types.Project
	o TranslateOptions
	d *Desired
	// jobs are the services another waits to complete successfully: they
	// run once.
	jobs map[string]bool
	// notes collects the warnings of the service being translated.
	notes []string
}

// fail returns the error of a value that cannot be translated.
func (t *translation) fail(service, key, format string, args ...any) error {
	return &project.Error{File: fileOf(t.p), Service: service, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// warn notes that key of the current service is not honoured, and why.
func (t *translation) warn(key, why string) {
	if why != "" {
		key += " (" + why + ")"
	}
	t.notes = append(t.notes, key)
}

// fileOf names the project's first file as errors show it.
func fileOf(p *types.Project) string {
	if len(p.ComposeFiles) == 0 {
		return ""
	}
	f := p.ComposeFiles[0]
	if rel, err := filepath.Rel(p.WorkingDir, f); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return f
}

// completedTargets returns the services that another depends on with
// condition service_completed_successfully: on a swarm they are jobs.
func completedTargets(p *types.Project) map[string]bool {
	out := map[string]bool{}
	for _, s := range p.Services {
		for dep, d := range s.DependsOn {
			if d.Condition == types.ServiceConditionCompletedSuccessfully {
				out[dep] = true
			}
		}
	}
	return out
}

func (t *translation) service(s types.ServiceConfig) (Service, error) {
	t.notes = nil
	p := t.p
	out := Service{Key: s.Name, Priority: project.Priority(s), Build: s.Build}
	for _, k := range setUnsupported(s) {
		t.warn(k, "")
	}

	image := s.Image
	switch {
	case s.Build != nil && !t.o.Push && t.o.Build:
		t.warn("build", "built on the manager's engine only: other nodes cannot pull it without --push")
	case s.Build != nil && !t.o.Push:
		t.warn("build", "nodes cannot build: deploy with --build --push")
		if image == "" {
			return out, t.fail(s.Name, "image", "a swarm cannot build the image: name it with image: REGISTRY/NAME and deploy with --build --push")
		}
	case s.Build != nil && image == "":
		return out, t.fail(s.Name, "image", "--push needs the registry to push to: name the image with image: REGISTRY/NAME")
	}
	switch s.PullPolicy {
	case types.PullPolicyNever, types.PullPolicyBuild:
		t.warn("pull_policy: "+s.PullPolicy, "nodes pull an image they lack")
	}

	spec := engine.ServiceSpec{
		Name:   serviceName(p, s.Name),
		Labels: namespaceLabels(p.Name, deployOf(s).Labels),
	}
	spec.Labels[engine.LabelStackImage] = image
	spec.Labels[LabelService] = s.Name

	c, err := t.container(s, image)
	if err != nil {
		return out, err
	}
	spec.Container = c

	if err := t.mode(s, &spec); err != nil {
		return out, err
	}
	if spec.Resources, err = t.resources(s); err != nil {
		return out, err
	}
	if spec.Restart, err = t.restart(s, spec.Mode); err != nil {
		return out, err
	}
	spec.Placement = t.placement(s)
	spec.LogDriver = logDriver(s)
	spec.Networks, out.Networks = t.networks(s)
	spec.EndpointMode = deployOf(s).EndpointMode
	spec.Ports = t.ports(s)
	spec.Update = updateConfig(deployOf(s).UpdateConfig)
	spec.Rollback = updateConfig(deployOf(s).RollbackConfig)
	out.Spec = spec
	for _, r := range c.Secrets {
		out.Secrets = append(out.Secrets, r.Name)
	}
	for _, r := range c.Configs {
		out.Configs = append(out.Configs, r.Name)
	}
	out.Deps = t.deps(s)
	if len(t.notes) > 0 {
		t.d.Warnings = append(t.d.Warnings, Warning{Kind: "service", Name: s.Name, Keys: t.notes})
	}
	return out, nil
}

// deps lists what s waits for: depends_on with its condition (a
// dependency disabled by a profile and not required is dropped, as up
// does), and links as service_started.
func (t *translation) deps(s types.ServiceConfig) []Dep {
	conds := map[string]string{}
	for _, l := range s.Links {
		name, alias, _ := strings.Cut(l, ":")
		if alias != "" && alias != name {
			t.warn("links: "+l, "a task reaches "+name+" by its service name, not by another alias")
		}
		conds[name] = types.ServiceConditionStarted
	}
	for dep, d := range s.DependsOn {
		if _, ok := t.p.Services[dep]; !ok {
			continue
		}
		cond := d.Condition
		if cond == "" {
			cond = types.ServiceConditionStarted
		}
		conds[dep] = cond
	}
	out := make([]Dep, 0, len(conds))
	for _, k := range sortedKeys(conds) {
		out = append(out, Dep{Service: k, Condition: conds[k]})
	}
	return out
}

// mode sets the mode and replicas.
func (t *translation) mode(s types.ServiceConfig, spec *engine.ServiceSpec) error {
	d := deployOf(s)
	mode := d.Mode
	if mode == "" {
		mode = engine.ModeReplicated
	}
	var replicas *uint64
	switch {
	case d.Replicas != nil:
		n := uint64(max(*d.Replicas, 0))
		replicas = &n
	case s.Scale != nil:
		n := uint64(max(*s.Scale, 0))
		replicas = &n
	}
	switch mode {
	case engine.ModeReplicated, engine.ModeReplicatedJob:
	case engine.ModeGlobal, engine.ModeGlobalJob:
		if replicas != nil {
			return t.fail(s.Name, "deploy.replicas", "cannot be set in mode %s: a global service runs one task per node", mode)
		}
	default:
		return t.fail(s.Name, "deploy.mode", "unknown mode %q: use replicated, global, replicated-job or global-job", mode)
	}
	spec.Mode, spec.Replicas = mode, replicas
	return nil
}

// restart maps deploy.restart_policy, or else restart, to a restart
// policy. A job is never restarted after it succeeded: "always" becomes
// on-failure.
func (t *translation) restart(s types.ServiceConfig, mode string) (*engine.RestartPolicy, error) {
	job := mode == engine.ModeReplicatedJob || mode == engine.ModeGlobalJob
	if r := deployOf(s).RestartPolicy; r != nil {
		out := &engine.RestartPolicy{Condition: r.Condition, Delay: durationPtr(r.Delay), MaxAttempts: r.MaxAttempts, Window: durationPtr(r.Window)}
		switch r.Condition {
		case "", "none", "on-failure", "any":
		default:
			return nil, t.fail(s.Name, "deploy.restart_policy.condition", "unknown condition %q: use none, on-failure or any", r.Condition)
		}
		if job && r.Condition == "any" {
			out.Condition = "on-failure"
		}
		return out, nil
	}
	if s.Restart == "" {
		// A service another waits to complete runs once, as with up: a
		// swarm's default restarts it forever.
		if t.jobs[s.Name] && !job {
			return &engine.RestartPolicy{Condition: "none"}, nil
		}
		return nil, nil
	}
	name, count, _ := strings.Cut(s.Restart, ":")
	var attempts *uint64
	if count != "" {
		var n uint64
		if _, err := fmt.Sscanf(count, "%d", &n); err != nil || n == 0 {
			return nil, t.fail(s.Name, "restart", "invalid retry count %q in %q", count, s.Restart)
		}
		attempts = &n
	}
	switch name {
	case types.RestartPolicyNo:
		return &engine.RestartPolicy{Condition: "none"}, nil
	case types.RestartPolicyAlways, types.RestartPolicyUnlessStopped:
		if job {
			return &engine.RestartPolicy{Condition: "on-failure"}, nil
		}
		return &engine.RestartPolicy{Condition: "any"}, nil
	case types.RestartPolicyOnFailure:
		return &engine.RestartPolicy{Condition: "on-failure", MaxAttempts: attempts}, nil
	}
	return nil, t.fail(s.Name, "restart", "unknown policy %q: use no, always, on-failure[:N] or unless-stopped", s.Restart)
}

func (t *translation) placement(s types.ServiceConfig) *engine.Placement {
	d := deployOf(s).Placement
	pl := &engine.Placement{Constraints: d.Constraints, MaxReplicas: d.MaxReplicas}
	for _, pref := range d.Preferences {
		if pref.Spread != "" {
			pl.Spread = append(pl.Spread, pref.Spread)
		}
	}
	if s.Platform != "" {
		os, arch, _ := strings.Cut(s.Platform, "/")
		arch, _, _ = strings.Cut(arch, "/")
		pl.Platforms = []engine.Platform{{OS: os, Architecture: arch}}
	}
	if len(pl.Constraints) == 0 && len(pl.Spread) == 0 && pl.MaxReplicas == 0 && len(pl.Platforms) == 0 {
		return nil
	}
	return pl
}

func logDriver(s types.ServiceConfig) *engine.LogDriver {
	switch {
	case s.Logging != nil && (s.Logging.Driver != "" || len(s.Logging.Options) > 0):
		return &engine.LogDriver{Name: s.Logging.Driver, Options: s.Logging.Options}
	case s.LogDriver != "":
		return &engine.LogDriver{Name: s.LogDriver, Options: s.LogOpt}
	}
	return nil
}

func updateConfig(u *types.UpdateConfig) *engine.UpdateConfig {
	if u == nil {
		return nil
	}
	out := &engine.UpdateConfig{
		Parallelism:     1,
		Delay:           durationOf(u.Delay),
		FailureAction:   u.FailureAction,
		Monitor:         durationOf(u.Monitor),
		MaxFailureRatio: u.MaxFailureRatio,
		Order:           u.Order,
	}
	if u.Parallelism != nil {
		out.Parallelism = *u.Parallelism
	}
	return out
}

// deployOf returns the deploy section of s, empty when it has none.
func deployOf(s types.ServiceConfig) *types.DeployConfig {
	if s.Deploy == nil {
		return &types.DeployConfig{}
	}
	return s.Deploy
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
