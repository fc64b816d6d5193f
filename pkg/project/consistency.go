package project

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// checkConsistency checks the references between the parts of a loaded
// project, the rules compose-go's loader applies after merging. We run our
// own instead of compose-go's: its cycle check walks every path of the
// depends_on graph, which grows exponentially with the depth of the graph
// (18 levels of 10 services took 8 s to load), and ours names the service
// and the key. Services are checked in name order so that the first error
// reported is always the same. The returned error has no File.
func checkConsistency(p *types.Project) *Error {
	if e := checkServiceNames(p); e != nil {
		return e
	}
	for _, name := range sortedKeysOf(p.Services) {
		if e := checkService(p, p.Services[name]); e != nil {
			e.Service = name
			return e
		}
	}
	if e := checkContainerNames(p); e != nil {
		return e
	}
	if e := checkJobs(p); e != nil {
		return e
	}
	for _, name := range sortedKeysOf(p.Secrets) {
		s := p.Secrets[name]
		if !s.External && s.File == "" && s.Environment == "" {
			return &Error{Key: "secrets." + name, Msg: "must declare either file or environment"}
		}
	}
	return checkCycle(p)
}

func checkService(p *types.Project, s types.ServiceConfig) *Error {
	if s.Build == nil && s.Image == "" && s.Provider == nil {
		return &Error{Msg: "has neither an image nor a build context specified"}
	}
	if e := checkBuild(p, s); e != nil {
		return e
	}
	if s.NetworkMode != "" && len(s.Networks) > 0 {
		return &Error{Key: "network_mode", Msg: "cannot be set together with networks"}
	}
	for _, n := range sortedKeysOf(s.Networks) {
		if _, ok := p.Networks[n]; !ok {
			return &Error{Key: "networks", Msg: fmt.Sprintf("undefined network %q: declare it under the top-level networks:", n)}
		}
	}
	if target, ok := strings.CutPrefix(s.NetworkMode, types.ServicePrefix); ok {
		if _, exists := p.Services[target]; !exists {
			return &Error{Key: "network_mode", Msg: fmt.Sprintf("undefined service %q", target)}
		}
	}
	if s.HealthCheck != nil && len(s.HealthCheck.Test) > 0 {
		switch s.HealthCheck.Test[0] {
		case "CMD", "CMD-SHELL", "NONE":
		default:
			return &Error{Key: "healthcheck.test", Msg: `must start with "CMD", "CMD-SHELL" or "NONE"`}
		}
	}
	if e := checkDependencies(p, s); e != nil {
		return e
	}
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeVolume && v.Source != "" {
			if _, ok := p.Volumes[v.Source]; !ok {
				return &Error{Key: "volumes", Msg: fmt.Sprintf("undefined volume %q: declare it under the top-level volumes:", v.Source)}
			}
		}
	}
	for _, c := range s.Configs {
		if _, ok := p.Configs[c.Source]; !ok {
			return &Error{Key: "configs", Msg: fmt.Sprintf("undefined config %q", c.Source)}
		}
	}
	for _, c := range s.Secrets {
		if _, ok := p.Secrets[c.Source]; !ok {
			return &Error{Key: "secrets", Msg: fmt.Sprintf("undefined secret %q", c.Source)}
		}
	}
	for _, m := range sortedKeysOf(s.Models) {
		if _, ok := p.Models[m]; !ok {
			return &Error{Key: "models", Msg: fmt.Sprintf("undefined model %q", m)}
		}
	}
	if e := checkResources(s); e != nil {
		return e
	}
	if s.Develop != nil {
		for _, w := range s.Develop.Watch {
			if w.Target == "" && w.Action != types.WatchActionRebuild && w.Action != types.WatchActionRestart {
				return &Error{Key: "develop.watch", Msg: "target is required for actions other than rebuild and restart"}
			}
		}
	}
	return checkMounts(s)
}

func checkBuild(p *types.Project, s types.ServiceConfig) *Error {
	b := s.Build
	if b == nil {
		return nil
	}
	if b.DockerfileInline != "" && b.Dockerfile != "" {
		return &Error{Key: "build", Msg: "dockerfile and dockerfile_inline cannot be set together"}
	}
	for _, name := range sortedKeysOf(b.AdditionalContexts) {
		target, ok := strings.CutPrefix(b.AdditionalContexts[name], types.ServicePrefix)
		if !ok {
			continue
		}
		t, found := p.Services[target]
		if !found {
			t, found = p.DisabledServices[target]
		}
		switch {
		case !found:
			return &Error{Key: "build.additional_contexts." + name, Msg: fmt.Sprintf("undefined service %q", target)}
		case t.Build == nil:
			return &Error{Key: "build.additional_contexts." + name, Msg: fmt.Sprintf("service %q has no build section", target)}
		}
	}
	if len(b.Platforms) > 0 && s.Platform != "" && !slices.Contains(b.Platforms, s.Platform) {
		return &Error{Key: "build.platforms", Msg: fmt.Sprintf("must include the service's platform %q", s.Platform)}
	}
	for _, sec := range b.Secrets {
		if _, ok := p.Secrets[sec.Source]; !ok {
			return &Error{Key: "build.secrets", Msg: fmt.Sprintf("undefined secret %q", sec.Source)}
		}
	}
	return nil
}

// checkDependencies checks depends_on, which also holds what links,
// volumes_from and network_mode name once compose-go has normalised them.
// A dependency that is only disabled by profiles is told apart from one
// that does not exist.
func checkDependencies(p *types.Project, s types.ServiceConfig) *Error {
	for _, dep := range sortedKeysOf(s.DependsOn) {
		if _, ok := p.Services[dep]; ok {
			continue
		}
		d, disabled := p.DisabledServices[dep]
		if disabled && !s.DependsOn[dep].Required {
			continue
		}
		if _, isJob := p.Jobs[dep]; isJob {
			return &Error{Msg: fmt.Sprintf("depends on %q, which is a job: services can depend on services only", dep)}
		}
		if disabled && len(d.Profiles) > 0 {
			return &Error{Msg: fmt.Sprintf("depends on service %q, which is not enabled: it needs profile %s (use --profile or COMPOSE_PROFILES, or mark the dependency required: false)",
				dep, strings.Join(quoteAll(d.Profiles), " or "))}
		}
		return &Error{Msg: fmt.Sprintf("depends on undefined service %q", dep)}
	}
	return nil
}

// checkResources checks the settings that can be given twice, at the top of
// the service and under deploy:, and the replica count.
func checkResources(s types.ServiceConfig) *Error {
	if s.Scale != nil && *s.Scale < 0 {
		return &Error{Key: "scale", Msg: "must be greater than or equal to 0"}
	}
	if d := s.Deploy; d != nil {
		if d.Replicas != nil && *d.Replicas < 0 {
			return &Error{Key: "deploy.replicas", Msg: "must be greater than or equal to 0"}
		}
		if s.Scale != nil {
			if d.Replicas != nil && *d.Replicas != *s.Scale {
				return &Error{Key: "scale", Msg: "differs from deploy.replicas: set one of them"}
			}
			d.Replicas = s.Scale // compose-go's check does the same: one value from here on
		}
		if l := d.Resources.Limits; l != nil {
			switch {
			case s.CPUS != 0 && l.NanoCPUs.Value() != s.CPUS:
				return &Error{Key: "cpus", Msg: "differs from deploy.resources.limits.cpus: set one of them"}
			case s.MemLimit != 0 && l.MemoryBytes != s.MemLimit:
				return &Error{Key: "mem_limit", Msg: "differs from deploy.resources.limits.memory: set one of them"}
			case s.PidsLimit != 0 && l.Pids != s.PidsLimit:
				return &Error{Key: "pids_limit", Msg: "differs from deploy.resources.limits.pids: set one of them"}
			}
		}
		if r := d.Resources.Reservations; r != nil && s.MemReservation != 0 && r.MemoryBytes != s.MemReservation {
			return &Error{Key: "mem_reservation", Msg: "differs from deploy.resources.reservations.memory: set one of them"}
		}
	}
	if s.GetScale() > 1 && s.ContainerName != "" {
		return &Error{Key: "container_name", Msg: fmt.Sprintf("cannot be set on a service with %d replicas: container names are unique", s.GetScale())}
	}
	return nil
}

// checkMounts refuses two mounts on one path in the container.
func checkMounts(s types.ServiceConfig) *Error {
	seen := map[string]string{}
	for i, t := range s.Tmpfs {
		path, _, _ := strings.Cut(t, ":")
		loc := fmt.Sprintf("tmpfs[%d]", i)
		if prev, ok := seen[path]; ok {
			return &Error{Key: loc, Msg: fmt.Sprintf("%s is already mounted by %s", path, prev)}
		}
		seen[path] = loc
	}
	for i, v := range s.Volumes {
		loc := fmt.Sprintf("volumes[%d]", i)
		if prev, ok := seen[v.Target]; ok {
			return &Error{Key: loc, Msg: fmt.Sprintf("%s is already mounted by %s", v.Target, prev)}
		}
		seen[v.Target] = loc
	}
	return nil
}

// checkJobs keeps job names apart from service names and checks the jobs'
// dependencies, which may be services or jobs.
func checkJobs(p *types.Project) *Error {
	all := p.AllJobs()
	for _, name := range sortedKeysOf(all) {
		_, enabled := p.Services[name]
		_, disabled := p.DisabledServices[name]
		if enabled || disabled {
			return &Error{Msg: fmt.Sprintf("%q is declared both as a service and as a job: names must be unique", name)}
		}
	}
	for _, name := range sortedKeysOf(p.Jobs) {
		j := p.Jobs[name]
		for _, dep := range sortedKeysOf(j.DependsOn) {
			if _, ok := p.Jobs[dep]; ok {
				continue
			}
			if _, ok := p.Services[dep]; ok {
				continue
			}
			if _, disabled := p.DisabledServices[dep]; disabled && !j.DependsOn[dep].Required {
				continue
			}
			return &Error{Key: "jobs." + name + ".depends_on", Msg: fmt.Sprintf("undefined service or job %q", dep)}
		}
	}
	return nil
}

// checkCycle finds a depends_on cycle in linear time: a depth-first search
// from each service in name order, dependencies in name order, that skips
// what an earlier search finished. The cycle is reported as a path that
// starts and ends with the same service, e.g. "a -> b -> c -> a".
func checkCycle(p *types.Project) *Error {
	const (
		unseen = iota
		onPath
		done
	)
	state := make(map[string]int, len(p.Services))
	var path []string
	var visit func(name string) []string
	visit = func(name string) []string {
		state[name] = onPath
		path = append(path, name)
		for _, dep := range sortedKeysOf(p.Services[name].DependsOn) {
			if _, ok := p.Services[dep]; !ok {
				continue // an optional dependency that is disabled
			}
			switch state[dep] {
			case onPath:
				i := len(path) - 1
				for path[i] != dep {
					i--
				}
				return append(append([]string(nil), path[i:]...), dep)
			case unseen:
				if c := visit(dep); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[name] = done
		return nil
	}
	for _, name := range sortedKeysOf(p.Services) {
		if state[name] != unseen {
			continue
		}
		if c := visit(name); c != nil {
			return &Error{Msg: "dependency cycle detected: " + cycleText(c), Err: errCycle}
		}
	}
	return nil
}

var errCycle = errors.New("dependency cycle")

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkContainerNames refuses two services with one container_name: the
// engine would refuse the second container only after making the first.
func checkContainerNames(p *types.Project) *Error {
	owner := map[string]string{}
	for _, name := range sortedKeysOf(p.Services) {
		cn := p.Services[name].ContainerName
		if cn == "" {
			continue
		}
		if other, taken := owner[cn]; taken {
			return &Error{Service: name, Key: "container_name", Msg: fmt.Sprintf("%q is also the container_name of service %q: container names are unique", cn, other)}
		}
		owner[cn] = name
	}
	return nil
}

// cycleText prints a cycle; one of more than 12 services shows its first
// 8 and last 3 and says how many it has.
func cycleText(c []string) string {
	if len(c) <= 13 {
		return strings.Join(c, " -> ")
	}
	return fmt.Sprintf("%s -> ... -> %s (%d services)", strings.Join(c[:8], " -> "), strings.Join(c[len(c)-3:], " -> "), len(c)-1)
}

// maxServiceName is the longest service name accepted: a name is part of
// container names, labels and DNS aliases, and one of megabytes fails
// only when the engine is asked to create it.
const maxServiceName = 255

// checkServiceNames refuses service names longer than maxServiceName.
func checkServiceNames(p *types.Project) *Error {
	for _, services := range []types.Services{p.Services, p.DisabledServices} {
		for name := range services {
			if len(name) > maxServiceName {
				return &Error{Service: name, Msg: fmt.Sprintf("name is %d characters long; at most %d", len(name), maxServiceName)}
			}
		}
	}
	return nil
}
