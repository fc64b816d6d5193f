package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/container"
)

// LabelStackFields holds a short hash per group of settings, so that a
// recreate can say which settings changed without inspecting the old
// container.
const LabelStackFields = "io.stack.config-fields"

// LabelStackNetworks holds a hash of the configurations of the networks a
// container joins, so that a changed network recreates its containers.
const LabelStackNetworks = "io.stack.networks-hash"

// LabelStackVolumes does the same for the named volumes a container mounts:
// a changed volume is then noticed without listing volumes.
const LabelStackVolumes = "io.stack.volumes-hash"

// Hashes are the labels that decide whether a container still matches its
// service.
type Hashes struct {
	Compose string // com.docker.compose.config-hash
	Stack   string // io.stack.config-hash
	Fields  string // io.stack.config-fields
}

// fieldGroups splits a create configuration into the groups a user thinks
// in. Every setting lands in exactly one group; "other" takes the rest.
func fieldGroups(c CreateConfig) map[string]any {
	cfg, endpoints := canonical(c)
	host := container.HostConfig{}
	if c.HostConfig != nil {
		host = *c.HostConfig
	}
	// The networks and volumes hashes belong with their groups, not labels.
	labels := cfg.Labels
	networksHash, volumesHash := labels[LabelStackNetworks], labels[LabelStackVolumes]
	delete(labels, LabelStackNetworks)
	delete(labels, LabelStackVolumes)
	g := map[string]any{
		"image":       cfg.Image,
		"command":     cfg.Cmd,
		"entrypoint":  cfg.Entrypoint,
		"environment": cfg.Env,
		"labels":      labels,
		"ports":       []any{cfg.ExposedPorts, host.PortBindings, host.PublishAllPorts},
		"volumes":     []any{volumesHash, cfg.Volumes, host.Binds, host.Mounts, host.Tmpfs, host.VolumesFrom, host.VolumeDriver},
		"networks":    []any{networksHash, endpoints, host.NetworkMode, host.Links, host.ExtraHosts, host.DNS, host.DNSSearch, host.DNSOptions, cfg.Hostname, cfg.Domainname},
		"healthcheck": cfg.Healthcheck,
		"restart":     host.RestartPolicy,
		"resources":   []any{host.Resources, host.ShmSize},
		"process":     []any{cfg.User, cfg.WorkingDir, cfg.Tty, cfg.OpenStdin, cfg.StopSignal, cfg.StopTimeout, host.Init},
	}
	cfg.Image, cfg.Cmd, cfg.Entrypoint, cfg.Env, cfg.Labels = "", nil, nil, nil, nil
	cfg.ExposedPorts, cfg.Volumes, cfg.Healthcheck = nil, nil, nil
	cfg.Hostname, cfg.Domainname, cfg.User, cfg.WorkingDir = "", "", "", ""
	cfg.Tty, cfg.OpenStdin, cfg.StopSignal, cfg.StopTimeout = false, false, "", nil
	host.PortBindings, host.PublishAllPorts = nil, false
	host.Binds, host.Mounts, host.Tmpfs, host.VolumesFrom, host.VolumeDriver = nil, nil, nil, nil, ""
	host.NetworkMode, host.Links, host.ExtraHosts, host.DNS, host.DNSSearch, host.DNSOptions = "", nil, nil, nil, nil, nil
	host.RestartPolicy = container.RestartPolicy{}
	host.Resources, host.ShmSize = container.Resources{}, 0
	host.Init = nil
	g["other"] = []any{cfg, host, c.Platform}
	if len(c.Files) > 0 {
		g["files"] = filesDigest(c.Files)
	}
	return g
}

// FieldHashes returns the value of LabelStackFields for c: "group=hash"
// pairs, sorted, each hash 8 hex digits.
func FieldHashes(c CreateConfig) string {
	groups := fieldGroups(c)
	parts := make([]string, 0, len(groups))
	for name, v := range groups {
		data, _ := json.Marshal(v)
		sum := sha256.Sum256(data)
		parts = append(parts, name+"="+hex.EncodeToString(sum[:4]))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// DiffFields names the groups whose hashes differ between two values of
// LabelStackFields. It returns nil when either is empty.
func DiffFields(old, new string) []string {
	if old == "" || new == "" {
		return nil
	}
	parse := func(s string) map[string]string {
		m := map[string]string{}
		for _, p := range strings.Split(s, ",") {
			k, v, _ := strings.Cut(p, "=")
			m[k] = v
		}
		return m
	}
	o, n := parse(old), parse(new)
	var diff []string
	for k, v := range n {
		if o[k] != v {
			diff = append(diff, k)
		}
	}
	for k := range o {
		if _, ok := n[k]; !ok {
			diff = append(diff, k)
		}
	}
	sort.Strings(diff)
	return diff
}

// HashesOf returns the hashes a configuration built by ContainerConfig
// carries in its labels.
func HashesOf(c CreateConfig) Hashes {
	l := c.Config.Labels
	return Hashes{Compose: l[LabelConfigHash], Stack: l[LabelStackHash], Fields: l[LabelStackFields]}
}

// NetworkHash is the value of LabelStackHash on a network: a hash of the
// settings that cannot change without recreating it.
func NetworkHash(c types.NetworkConfig) string {
	return shortHash([]any{c.Driver, c.DriverOpts, c.Ipam, c.Internal, c.Attachable, c.EnableIPv6, c.EnableIPv4, c.Labels})
}

// VolumeHash is the value of LabelStackHash on a volume.
func VolumeHash(c types.VolumeConfig) string {
	return shortHash([]any{c.Driver, c.DriverOpts, c.Labels})
}

// serviceNetworksHash hashes the configurations of the project networks s
// joins; "" when it joins none of them.
func serviceNetworksHash(p *types.Project, s types.ServiceConfig) string {
	if s.NetworkMode != "" {
		return ""
	}
	keys := make([]string, 0, len(s.Networks))
	for k := range s.Networks {
		if _, ok := p.Networks[k]; ok {
			keys = append(keys, k)
		}
	}
	if len(s.Networks) == 0 {
		// The builder joins the default network then (networking).
		if _, ok := p.Networks["default"]; ok {
			keys = append(keys, "default")
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+NetworkHash(p.Networks[k]))
	}
	return shortHash(parts)
}

func shortHash(v any) string {
	data, _ := json.Marshal(v)
	sum := sha256.Sum256(data)
	return stackHashVersion + hex.EncodeToString(sum[:8])
}

// serviceVolumesHash hashes the configurations of the project volumes s
// mounts; "" when it mounts none of them.
func serviceVolumesHash(p *types.Project, s types.ServiceConfig) string {
	var parts []string
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeVolume || v.Source == "" {
			continue
		}
		if c, ok := p.Volumes[v.Source]; ok {
			parts = append(parts, v.Source+"="+VolumeHash(c))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	sort.Strings(parts)
	return shortHash(parts)
}
