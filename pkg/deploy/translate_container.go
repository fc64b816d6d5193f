package deploy

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// The container each task of a service runs, its resources, networks and
// ports.

func (t *translation) container(s types.ServiceConfig, image string) (engine.TaskContainer, error) {
	c := engine.TaskContainer{
		Image:           image,
		Labels:          namespaceLabels(t.p.Name, s.Labels),
		Command:         s.Entrypoint,
		Args:            s.Command,
		Hostname:        s.Hostname,
		Env:             environment(s.Environment),
		Dir:             s.WorkingDir,
		User:            s.User,
		Groups:          s.GroupAdd,
		Init:            s.Init,
		StopSignal:      s.StopSignal,
		StopGracePeriod: durationPtr(s.StopGracePeriod),
		TTY:             s.Tty,
		OpenStdin:       s.StdinOpen,
		ReadOnly:        s.ReadOnly,
		Isolation:       s.Isolation,
		Sysctls:         s.Sysctls,
		CapAdd:          s.CapAdd,
		CapDrop:         s.CapDrop,
		Healthcheck:     healthcheck(s.HealthCheck),
	}
	for host, ips := range s.ExtraHosts {
		for _, ip := range ips {
			c.Hosts = append(c.Hosts, ip+" "+host)
		}
	}
	sort.Strings(c.Hosts)
	if len(s.DNS) > 0 || len(s.DNSSearch) > 0 || len(s.DNSOpts) > 0 {
		c.DNS = &engine.DNSConfig{Nameservers: s.DNS, Search: s.DNSSearch, Options: s.DNSOpts}
	}
	for _, name := range sortedKeys(s.Ulimits) {
		u := s.Ulimits[name]
		soft, hard := int64(u.Soft), int64(u.Hard)
		if u.Single != 0 {
			soft, hard = int64(u.Single), int64(u.Single)
		}
		c.Ulimits = append(c.Ulimits, engine.Ulimit{Name: name, Soft: soft, Hard: hard})
	}
	var err error
	if c.Mounts, err = t.mounts(s); err != nil {
		return c, err
	}
	for _, r := range s.Secrets {
		ref, err := t.fileRef(s, "secrets", types.FileReferenceConfig(r), t.d.Secrets, "/run/secrets/")
		if err != nil {
			return c, err
		}
		c.Secrets = append(c.Secrets, ref)
	}
	for _, r := range s.Configs {
		ref, err := t.fileRef(s, "configs", types.FileReferenceConfig(r), t.d.Configs, "/")
		if err != nil {
			return c, err
		}
		c.Configs = append(c.Configs, ref)
	}
	return c, nil
}

// environment renders the environment as KEY=VALUE, sorted; a variable
// without a value stays a bare KEY, as the engine takes it.
func environment(m types.MappingWithEquals) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		if v == nil {
			out = append(out, k)
		} else {
			out = append(out, k+"="+*v)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

func healthcheck(h *types.HealthCheckConfig) *engine.Healthcheck {
	if h == nil {
		return nil
	}
	if h.Disable {
		return &engine.Healthcheck{Test: []string{"NONE"}}
	}
	out := &engine.Healthcheck{
		Test:          h.Test,
		Interval:      durationOf(derefDuration(h.Interval)),
		Timeout:       durationOf(derefDuration(h.Timeout)),
		StartPeriod:   durationOf(derefDuration(h.StartPeriod)),
		StartInterval: durationOf(derefDuration(h.StartInterval)),
	}
	if h.Retries != nil {
		out.Retries = int(*h.Retries)
	}
	return out
}

// fileRef puts the secret or config r of s into the task's file system.
// A target without a directory goes into dir, as docker stack does.
func (t *translation) fileRef(s types.ServiceConfig, key string, r types.FileReferenceConfig, objects []Object, dir string) (engine.FileRef, error) {
	var obj *Object
	for i := range objects {
		if objects[i].Key == r.Source {
			obj = &objects[i]
		}
	}
	if obj == nil {
		return engine.FileRef{}, t.fail(s.Name, key, "undefined %s %q", strings.TrimSuffix(key, "s"), r.Source)
	}
	target := r.Target
	if target == "" {
		target = r.Source
	}
	// The engine takes a secret's target relative to /run/secrets; a
	// config's is a path.
	if key == "secrets" {
		target = strings.TrimPrefix(target, dir)
	} else if !strings.HasPrefix(target, "/") {
		target = dir + target
	}
	ref := engine.FileRef{Name: obj.Name, Target: target, UID: r.UID, GID: r.GID, Mode: 0o444}
	if ref.UID == "" {
		ref.UID = "0"
	}
	if ref.GID == "" {
		ref.GID = "0"
	}
	if r.Mode != nil {
		ref.Mode = uint32(*r.Mode)
	}
	return ref, nil
}

// mounts translates volumes and tmpfs.
func (t *translation) mounts(s types.ServiceConfig) ([]engine.ServiceMount, error) {
	var out []engine.ServiceMount
	for i, v := range s.Volumes {
		m := engine.ServiceMount{Type: v.Type, Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly}
		where := fmt.Sprintf("volumes[%d]", i)
		switch v.Type {
		case types.VolumeTypeVolume:
			if v.Volume != nil {
				m.VolumeNoCopy, m.VolumeSubpath = v.Volume.NoCopy, v.Volume.Subpath
			}
			if v.Source != "" {
				vol, ok := t.p.Volumes[v.Source]
				if !ok {
					return nil, t.fail(s.Name, where, "undefined volume %q", v.Source)
				}
				m.Source = vol.Name
				if !vol.External {
					labels := map[string]string{}
					for k, val := range vol.Labels {
						labels[k] = val
					}
					m.VolumeLabels = namespaceLabels(t.p.Name, labels)
					m.VolumeDriver, m.VolumeDriverOpts = vol.Driver, vol.DriverOpts
				}
			}
		case types.VolumeTypeBind:
			if v.Bind != nil {
				m.BindPropagation = v.Bind.Propagation
				if v.Bind.SELinux != "" {
					t.warn(where+".bind.selinux", "not in the swarm API")
				}
			}
		case types.VolumeTypeTmpfs:
			if v.Tmpfs != nil {
				m.TmpfsSize = int64(v.Tmpfs.Size)
				m.TmpfsMode = uint32(v.Tmpfs.Mode)
			}
		case types.VolumeTypeNamedPipe:
		default:
			t.warn(where+": type "+v.Type, "not in the swarm API")
			continue
		}
		out = append(out, m)
	}
	for _, path := range s.Tmpfs {
		target, _, _ := strings.Cut(path, ":")
		out = append(out, engine.ServiceMount{Type: types.VolumeTypeTmpfs, Target: target})
	}
	return out, nil
}

// resources reads deploy.resources, and the older service keys (cpus,
// mem_limit, mem_reservation, pids_limit) where deploy does not say.
func (t *translation) resources(s types.ServiceConfig) (*engine.Resources, error) {
	r := &engine.Resources{}
	res := deployOf(s).Resources
	if l := res.Limits; l != nil {
		r.LimitNanoCPUs = nanoCPUs(float64(l.NanoCPUs))
		r.LimitMemory = int64(l.MemoryBytes)
		r.LimitPids = l.Pids
		if len(l.Devices) > 0 || len(l.GenericResources) > 0 {
			t.warn("deploy.resources.limits", "only cpus, memory and pids are limits on a swarm")
		}
	}
	if v := res.Reservations; v != nil {
		r.ReserveNanoCPUs = nanoCPUs(float64(v.NanoCPUs))
		r.ReserveMemory = int64(v.MemoryBytes)
		for _, g := range v.GenericResources {
			if d := g.DiscreteResourceSpec; d != nil {
				r.ReserveResources = append(r.ReserveResources, engine.GenericResource{Kind: d.Kind, Value: d.Value})
			}
		}
		if len(v.Devices) > 0 {
			t.warn("deploy.resources.reservations.devices", "use generic_resources")
		}
		if v.Pids != 0 {
			t.warn("deploy.resources.reservations.pids", "a swarm reserves no PIDs")
		}
	}
	if r.LimitNanoCPUs == 0 && s.CPUS > 0 {
		r.LimitNanoCPUs = nanoCPUs(float64(s.CPUS))
	}
	if r.LimitMemory == 0 && s.MemLimit > 0 {
		r.LimitMemory = int64(s.MemLimit)
	}
	if r.ReserveMemory == 0 && s.MemReservation > 0 {
		r.ReserveMemory = int64(s.MemReservation)
	}
	if r.LimitPids == 0 && s.PidsLimit > 0 {
		r.LimitPids = s.PidsLimit
	}
	if r.LimitNanoCPUs == 0 && r.LimitMemory == 0 && r.LimitPids == 0 && r.ReserveNanoCPUs == 0 && r.ReserveMemory == 0 && len(r.ReserveResources) == 0 {
		return nil, nil
	}
	return r, nil
}

func nanoCPUs(cpus float64) int64 {
	return int64(math.Round(cpus * 1e9))
}

// networks attaches s to its networks (the default one when it names
// none), with its aliases; it returns the attachments and the names of
// the networks.
func (t *translation) networks(s types.ServiceConfig) ([]engine.NetworkAttachment, []string) {
	nets := s.Networks
	if len(nets) == 0 {
		if s.NetworkMode != "" {
			return nil, nil
		}
		nets = map[string]*types.ServiceNetworkConfig{"default": nil}
	}
	var out []engine.NetworkAttachment
	var names []string
	for _, key := range sortedKeys(nets) {
		n := nets[key]
		name := scoped(t.p.Name, key)
		if cfg, ok := t.p.Networks[key]; ok && cfg.Name != "" {
			name = cfg.Name
		}
		a := engine.NetworkAttachment{Target: name}
		if n != nil {
			a.Aliases = append(a.Aliases, n.Aliases...)
			a.DriverOpts = n.DriverOpts
			for _, u := range []struct {
				key string
				set bool
			}{
				{"ipv4_address", n.Ipv4Address != ""},
				{"ipv6_address", n.Ipv6Address != ""},
				{"mac_address", n.MacAddress != ""},
				{"link_local_ips", len(n.LinkLocalIPs) > 0},
				{"priority", n.Priority != 0},
				{"gw_priority", n.GatewayPriority != 0},
				{"interface_name", n.InterfaceName != ""},
			} {
				if u.set {
					t.warn("networks."+key+"."+u.key, "a swarm assigns it")
				}
			}
		}
		// Tasks find each other by service name, as containers of `up` do.
		if n.ServiceNameAliasEnabled() {
			a.Aliases = append(a.Aliases, s.Name)
		}
		out = append(out, a)
		names = append(names, name)
	}
	return out, names
}

// ports publishes s's ports; mode ingress unless the file says host.
func (t *translation) ports(s types.ServiceConfig) []engine.PortConfig {
	var out []engine.PortConfig
	for i, p := range s.Ports {
		if p.HostIP != "" {
			t.warn(fmt.Sprintf("ports[%d].host_ip", i), "a swarm publishes on every address of a node")
		}
		pc := engine.PortConfig{Protocol: p.Protocol, Target: p.Target, Mode: p.Mode}
		if pc.Protocol == "" {
			pc.Protocol = "tcp"
		}
		if pc.Mode == "" {
			pc.Mode = "ingress"
		}
		if p.Published != "" {
			var n uint32
			if _, err := fmt.Sscanf(p.Published, "%d", &n); err == nil {
				pc.Published = n
			}
		}
		out = append(out, pc)
	}
	slices.SortFunc(out, func(a, b engine.PortConfig) int {
		return cmp.Or(cmp.Compare(a.Target, b.Target), cmp.Compare(a.Published, b.Published), cmp.Compare(a.Protocol, b.Protocol))
	})
	return out
}

func durationOf(d types.Duration) time.Duration { return time.Duration(d) }

func derefDuration(d *types.Duration) types.Duration {
	if d == nil {
		return 0
	}
	return *d
}

func durationPtr(d *types.Duration) *time.Duration {
	if d == nil {
		return nil
	}
	v := time.Duration(*d)
	return &v
}
