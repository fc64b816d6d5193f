package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/strslice"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/go-connections/nat"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// CreateConfig is everything the Docker Engine needs to create one container
// of a service, as ContainerConfig computes it.
type CreateConfig struct {
	Config     *container.Config
	HostConfig *container.HostConfig
	// Networking holds the endpoints given at create: the primary network
	// only before API 1.44, all of them from 1.44 on.
	Networking *network.NetworkingConfig
	// Platform is the service's platform, nil when not set.
	Platform *ocispec.Platform
	// Connect lists, in priority order, the networks to connect after create
	// (engines before API 1.44 accept only one network at create).
	Connect []Endpoint
	// Files are copied into the container after create, before start
	// (secrets and configs that are not bind mounts).
	Files []File
}

// Endpoint is the attachment of a container to one network.
type Endpoint struct {
	Network  string // engine name of the network, e.g. "shop_back"
	Settings *network.EndpointSettings
}

// apiMultiNetworkCreate is the first API version that accepts several
// networks in NetworkingConfig at create (and endpoint MAC addresses and
// healthcheck start_interval).
const apiMultiNetworkCreate = "1.44"

// ContainerConfig turns one replica of a compose-go service into the
// container, host and networking configurations of a create call for an
// engine speaking apiVersion (empty: the oldest behaviour, one network at
// create). It sets Compose's labels, the config hash and stack's own hash.
// It is pure: it reads neither files nor the engine, so references to other
// containers (links, volumes_from, network_mode/ipc/pid "service:X") are
// resolved through r.Peers and bind sources must already be absolute or
// relative to the project's working directory (compose-go resolves them).
//
// Environment is taken from Service.Environment: compose-go's loader has
// already merged env_file into it (unless loaded with SkipResolveEnvironment);
// variables without a value are left out.
//
// Invalid values give an error that names the service and the key.
func ContainerConfig(r CreateRequest, apiVersion string) (CreateConfig, error) {
	if r.Project == nil {
		return CreateConfig{}, &ConfigError{Service: r.Service.Name, Msg: "no project given"}
	}
	b := &builder{
		r:   r,
		s:   r.Service,
		p:   r.Project,
		api: apiVersion,
		cfg: &container.Config{
			AttachStdout: true,
			AttachStderr: true,
		},
		host: &container.HostConfig{},
	}
	steps := []func() error{
		b.basics,
		b.environment,
		b.ports,
		b.volumes,
		b.files,
		b.links,
		b.networking,
		b.endpointExtras,
		b.namespaces,
		b.restart,
		b.healthcheck,
		b.resources,
		b.devices,
		b.misc,
		b.labels,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return CreateConfig{}, err
		}
	}
	out := CreateConfig{
		Config:     b.cfg,
		HostConfig: b.host,
		Networking: b.netCfg,
		Platform:   b.platform,
		Connect:    b.connect,
		Files:      b.fileList,
	}
	out.Config.Labels[LabelStackHash] = StackHash(out)
	out.Config.Labels[LabelStackFields] = FieldHashes(out)
	return out, nil
}

// ConfigError is a value of a service that no container configuration can
// be built from. Service and Key say where it is.
type ConfigError struct {
	Service string
	Key     string // e.g. "restart" or "healthcheck.interval"
	Msg     string
}

func (e *ConfigError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("service %q: %s", e.Service, e.Msg)
	}
	return fmt.Sprintf("service %q: %s: %s", e.Service, e.Key, e.Msg)
}

// Replica returns c for container number n of the service, with labels
// added: the number label set, every map and slice a create may change
// copied, so replicas of one configuration never share them.
func (c CreateConfig) Replica(n int, labels map[string]string) CreateConfig {
	out := c.clone()
	out.Config.Labels[LabelNumber] = strconv.Itoa(n)
	for k, v := range labels {
		out.Config.Labels[k] = v
	}
	return out
}

// clone copies what CreateContainer changes: the labels, the binds and the
// anonymous volumes.
func (c CreateConfig) clone() CreateConfig {
	cfg := *c.Config
	cfg.Labels = maps.Clone(cfg.Labels)
	if cfg.Labels == nil {
		cfg.Labels = map[string]string{}
	}
	cfg.Volumes = maps.Clone(cfg.Volumes)
	host := *c.HostConfig
	host.Binds = slices.Clone(host.Binds)
	c.Config, c.HostConfig = &cfg, &host
	return c
}

// builder holds the state of one ContainerConfig call.
type builder struct {
	r   CreateRequest
	s   types.ServiceConfig
	p   *types.Project
	api string

	cfg      *container.Config
	host     *container.HostConfig
	netCfg   *network.NetworkingConfig
	platform *ocispec.Platform
	connect  []Endpoint
	linkList []string
	fileList []File
}

// errf returns a *ConfigError naming the service and the key.
func (b *builder) errf(key, format string, args ...any) error {
	return &ConfigError{Service: b.s.Name, Key: key, Msg: fmt.Sprintf(format, args...)}
}

func (b *builder) apiAtLeast(v string) bool {
	return b.api != "" && versions.GreaterThanOrEqualTo(b.api, v)
}

// peer returns the container name of a service that this one refers to.
func (b *builder) peer(key, service string) (string, error) {
	if name, ok := b.r.Peers[service]; ok && name != "" {
		return name, nil
	}
	return "", b.errf(key, "no container of service %q to refer to (create it first)", service)
}

// refMode resolves "service:X" of network_mode, ipc and pid to
// "container:<name of a container of X>"; other values are kept.
func (b *builder) refMode(key, mode string) (string, error) {
	svc, ok := strings.CutPrefix(mode, types.ServicePrefix)
	if !ok {
		return mode, nil
	}
	if svc == "" {
		return "", b.errf(key, "%q names no service", mode)
	}
	name, err := b.peer(key, svc)
	if err != nil {
		return "", err
	}
	return types.ContainerPrefix + name, nil
}

func (b *builder) basics() error {
	s := b.s
	b.cfg.Image = s.Image
	if b.cfg.Image == "" {
		// Compose's default name for an image built for the service.
		b.cfg.Image = b.p.Name + "-" + s.Name
	}
	if _, err := reference.ParseAnyReference(b.cfg.Image); err != nil {
		return b.errf("image", "%q is not an image reference: %v", shorten(b.cfg.Image), err)
	}
	// nil keeps the image's value, an empty list clears it: keep the difference.
	if s.Command != nil {
		b.cfg.Cmd = strslice.StrSlice(append([]string{}, s.Command...))
	}
	if s.Entrypoint != nil {
		b.cfg.Entrypoint = strslice.StrSlice(append([]string{}, s.Entrypoint...))
	}
	b.cfg.WorkingDir = s.WorkingDir
	b.cfg.User = s.User
	b.cfg.Hostname = s.Hostname
	b.cfg.Domainname = s.DomainName
	b.cfg.Tty = s.Tty
	b.cfg.OpenStdin = s.StdinOpen
	b.cfg.StdinOnce = s.StdinOpen && b.r.StdinOnce
	b.cfg.StopSignal = s.StopSignal
	if s.StopGracePeriod != nil {
		secs := int(time.Duration(*s.StopGracePeriod).Seconds())
		b.cfg.StopTimeout = &secs
	}
	if s.Platform != "" {
		parts := strings.Split(s.Platform, "/")
		if len(parts) > 3 || slices.Contains(parts, "") {
			return b.errf("platform", "%q is not os[/arch[/variant]]", s.Platform)
		}
		p := &ocispec.Platform{OS: parts[0]}
		if len(parts) > 1 {
			p.Architecture = parts[1]
		}
		if len(parts) > 2 {
			p.Variant = parts[2]
		}
		b.platform = p
	}
	return nil
}

func (b *builder) environment() error {
	keys := make([]string, 0, len(b.s.Environment))
	for k, v := range b.s.Environment {
		if v == nil {
			continue // declared without a value and not found: unset
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	env := make([]string, 0, len(keys))
	for _, k := range keys {
		env = append(env, k+"="+*b.s.Environment[k])
	}
	if len(env) > 0 {
		b.cfg.Env = env
	}
	return nil
}

func (b *builder) ports() error {
	exposed := nat.PortSet{}
	bindings := nat.PortMap{}
	for _, p := range b.s.Ports {
		proto := strings.ToLower(p.Protocol)
		if proto == "" {
			proto = "tcp"
		}
		if !validProto(proto) {
			return b.errf("ports", "protocol %q of port %d is not tcp, udp or sctp", p.Protocol, p.Target)
		}
		if p.Target == 0 || p.Target > 65535 {
			return b.errf("ports", "target port %d is out of range", p.Target)
		}
		if p.Published != "" {
			if _, _, err := nat.ParsePortRange(p.Published); err != nil {
				return b.errf("ports", "published port %q: %v", p.Published, err)
			}
		}
		port, err := nat.NewPort(proto, strconv.Itoa(int(p.Target)))
		if err != nil {
			return b.errf("ports", "%v", err)
		}
		exposed[port] = struct{}{}
		// An empty HostPort asks the engine for a random free port.
		bindings[port] = append(bindings[port], nat.PortBinding{HostIP: p.HostIP, HostPort: p.Published})
	}
	for _, e := range b.s.Expose {
		proto, portRange := nat.SplitProtoPort(e)
		proto = strings.ToLower(proto)
		if !validProto(proto) {
			return b.errf("expose", "protocol of %q is not tcp, udp or sctp", e)
		}
		start, end, err := nat.ParsePortRange(portRange)
		if err != nil {
			return b.errf("expose", "%q: %v", e, err)
		}
		for n := start; n <= end; n++ {
			port, err := nat.NewPort(proto, strconv.FormatUint(n, 10))
			if err != nil {
				return b.errf("expose", "%v", err)
			}
			exposed[port] = struct{}{}
		}
	}
	if len(exposed) > 0 {
		b.cfg.ExposedPorts = exposed
	}
	if len(bindings) > 0 {
		b.host.PortBindings = bindings
	}
	return nil
}

func validProto(p string) bool {
	return p == "tcp" || p == "udp" || p == "sctp"
}

// volumes maps the service's volumes with the legacy options only: Binds for
// named volumes and bind mounts (the engine then creates a missing host path,
// as Compose does), Config.Volumes for anonymous volumes and HostConfig.Tmpfs
// for tmpfs. They cover every engine version this project meets.
func (b *builder) volumes() error {
	for _, v := range b.s.Volumes {
		if v.Target == "" {
			return b.errf("volumes", "a %s volume has no target", v.Type)
		}
		// The engine splits binds on ':' and wants an absolute target: say
		// so now, before anything of the project is created.
		if v.Type != types.VolumeTypeTmpfs && !windowsPath(v.Target) && (!path.IsAbs(v.Target) || strings.Contains(v.Target, ":")) {
			return b.errf("volumes", "target %q must be an absolute path in the container, without ':'", v.Target)
		}
		if m, ok, err := b.mountAPI(v); err != nil || ok {
			if err != nil {
				return err
			}
			b.host.Mounts = append(b.host.Mounts, m)
			continue
		}
		if v.Type == types.VolumeTypeBind && !windowsPath(v.Source) && strings.Contains(v.Source, ":") {
			return b.errf("volumes", "bind source %q contains ':', which the engine cannot mount", v.Source)
		}
		switch v.Type {
		case types.VolumeTypeVolume, "":
			if v.Source == "" {
				if b.cfg.Volumes == nil {
					b.cfg.Volumes = map[string]struct{}{}
				}
				b.cfg.Volumes[v.Target] = struct{}{}
				continue
			}
			vol, ok := b.p.Volumes[v.Source]
			if !ok {
				return b.errf("volumes", "volume %q is not declared in the top-level volumes", v.Source)
			}
			name := vol.Name
			if name == "" {
				name = b.p.Name + "_" + v.Source
			}
			var opts []string
			if v.Volume != nil && v.Volume.NoCopy {
				opts = append(opts, "nocopy")
			}
			b.host.Binds = append(b.host.Binds, bindSpec(name, v.Target, v.ReadOnly, opts))
		case types.VolumeTypeBind:
			src := v.Source
			if src == "" {
				return b.errf("volumes", "bind mount of %q has no source", v.Target)
			}
			if !filepath.IsAbs(src) {
				src = filepath.Join(b.p.WorkingDir, src)
			}
			var opts []string
			if v.Bind != nil {
				if v.Bind.SELinux != "" {
					opts = append(opts, v.Bind.SELinux)
				}
				if v.Bind.Propagation != "" {
					opts = append(opts, v.Bind.Propagation)
				}
			}
			b.host.Binds = append(b.host.Binds, bindSpec(src, v.Target, v.ReadOnly, opts))
		case types.VolumeTypeTmpfs:
			var opts []string
			if v.Tmpfs != nil {
				if v.Tmpfs.Size < 0 {
					return b.errf("volumes", "tmpfs size of %q is negative", v.Target)
				}
				if v.Tmpfs.Size > 0 {
					opts = append(opts, fmt.Sprintf("size=%d", v.Tmpfs.Size))
				}
				if v.Tmpfs.Mode != 0 {
					opts = append(opts, fmt.Sprintf("mode=%o", v.Tmpfs.Mode))
				}
			}
			if v.ReadOnly {
				opts = append(opts, "ro")
			}
			b.addTmpfs(v.Target, strings.Join(opts, ","))
		default:
			return b.errf("volumes", "type %q of %q is not supported", v.Type, v.Target)
		}
	}
	for _, t := range b.s.Tmpfs {
		target, opts, _ := strings.Cut(t, ":")
		if target == "" {
			return b.errf("tmpfs", "%q has no target", t)
		}
		b.addTmpfs(target, opts)
	}
	for _, vf := range b.s.VolumesFrom {
		ref, err := b.volumesFrom(vf)
		if err != nil {
			return err
		}
		b.host.VolumesFrom = append(b.host.VolumesFrom, ref)
	}
	return nil
}

func (b *builder) addTmpfs(target, opts string) {
	if b.host.Tmpfs == nil {
		b.host.Tmpfs = map[string]string{}
	}
	b.host.Tmpfs[target] = opts
}

// windowsPath reports whether p starts with a drive letter ("C:\\data"),
// whose ':' is no separator.
func windowsPath(p string) bool {
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') &&
		('a' <= p[0] && p[0] <= 'z' || 'A' <= p[0] && p[0] <= 'Z')
}

// bindSpec renders one entry of HostConfig.Binds: "src:dst[:opts]".
func bindSpec(src, dst string, readOnly bool, opts []string) string {
	if readOnly {
		opts = append([]string{"ro"}, opts...)
	}
	if len(opts) == 0 {
		return src + ":" + dst
	}
	return src + ":" + dst + ":" + strings.Join(opts, ",")
}

// volumesFrom resolves "service[:ro|rw]" and "container:name[:ro|rw]".
func (b *builder) volumesFrom(vf string) (string, error) {
	if name, ok := strings.CutPrefix(vf, types.ContainerPrefix); ok {
		if name == "" {
			return "", b.errf("volumes_from", "%q names no container", vf)
		}
		return name, nil
	}
	svc, mode, hasMode := strings.Cut(vf, ":")
	if hasMode && mode != "ro" && mode != "rw" {
		return "", b.errf("volumes_from", "mode %q of %q is not ro or rw", mode, vf)
	}
	name, err := b.peer("volumes_from", svc)
	if err != nil {
		return "", err
	}
	if hasMode {
		return name + ":" + mode, nil
	}
	return name, nil
}

// links resolves links ("svc[:alias]" -> "<container>:<alias>") and keeps
// external_links ("container[:alias]").
func (b *builder) links() error {
	for _, l := range b.s.Links {
		svc, alias, ok := strings.Cut(l, ":")
		if !ok {
			alias = svc
		}
		if svc == "" || alias == "" {
			return b.errf("links", "%q is not service[:alias]", l)
		}
		name, err := b.peer("links", svc)
		if err != nil {
			return err
		}
		b.linkList = append(b.linkList, name+":"+alias)
	}
	for _, l := range b.s.ExternalLinks {
		name, alias, ok := strings.Cut(l, ":")
		if !ok {
			alias = name
		}
		if name == "" || alias == "" {
			return b.errf("external_links", "%q is not container[:alias]", l)
		}
		b.linkList = append(b.linkList, name+":"+alias)
	}
	if len(b.linkList) > 0 {
		b.host.Links = b.linkList
	}
	return nil
}

func (b *builder) networking() error {
	s := b.s
	if s.NetworkMode != "" {
		mode, err := b.refMode("network_mode", s.NetworkMode)
		if err != nil {
			return err
		}
		b.host.NetworkMode = container.NetworkMode(mode)
		b.cfg.MacAddress = s.MacAddress //nolint:staticcheck // the only place for it with network_mode
		return nil
	}
	keys := s.NetworksByPriority()
	if len(keys) == 0 {
		if _, ok := b.p.Networks["default"]; !ok {
			// Compose does the same: a project without networks runs its
			// services without a network.
			b.host.NetworkMode = network.NetworkNone
			return nil
		}
		keys = []string{"default"}
	}
	endpoints := map[string]*network.EndpointSettings{}
	for i, key := range keys {
		nw, ok := b.p.Networks[key]
		if !ok {
			return b.errf("networks", "network %q is not declared in the top-level networks", key)
		}
		name := nw.Name
		if name == "" {
			name = b.p.Name + "_" + key
		}
		ep, err := b.endpoint(key, s.Networks[key], i == 0)
		if err != nil {
			return err
		}
		if i == 0 {
			b.host.NetworkMode = container.NetworkMode(name)
		}
		if i == 0 || b.apiAtLeast(apiMultiNetworkCreate) {
			endpoints[name] = ep
		} else {
			b.connect = append(b.connect, Endpoint{Network: name, Settings: ep})
		}
	}
	b.netCfg = &network.NetworkingConfig{EndpointsConfig: endpoints}
	return nil
}

// endpoint builds the settings of one network attachment.
func (b *builder) endpoint(key string, c *types.ServiceNetworkConfig, primary bool) (*network.EndpointSettings, error) {
	ep := &network.EndpointSettings{}
	// One-off containers get no service aliases, so that they do not take
	// part in the service's name resolution (Compose does the same), unless
	// run --use-aliases asks for them.
	if !b.r.OneOff || b.r.UseAliases {
		if c == nil || c.UseServiceNameAlias == nil || *c.UseServiceNameAlias {
			ep.Aliases = append(ep.Aliases, b.s.Name)
		}
		if c != nil {
			for _, a := range c.Aliases {
				if !slices.Contains(ep.Aliases, a) {
					ep.Aliases = append(ep.Aliases, a)
				}
			}
		}
	}
	if len(b.linkList) > 0 {
		ep.Links = append([]string{}, b.linkList...)
	}
	mac := ""
	if c != nil {
		if c.Ipv4Address != "" || c.Ipv6Address != "" || len(c.LinkLocalIPs) > 0 {
			ep.IPAMConfig = &network.EndpointIPAMConfig{
				IPv4Address:  c.Ipv4Address,
				IPv6Address:  c.Ipv6Address,
				LinkLocalIPs: slices.Clone(c.LinkLocalIPs),
			}
		}
		if len(c.DriverOpts) > 0 {
			ep.DriverOpts = maps.Clone(map[string]string(c.DriverOpts))
		}
		mac = c.MacAddress
	}
	if primary && mac == "" {
		mac = b.s.MacAddress
	}
	if primary && b.s.MacAddress != "" && mac != b.s.MacAddress {
		return nil, b.errf("mac_address", "differs from the mac_address of network %q", key)
	}
	switch {
	case mac == "":
	case b.apiAtLeast(apiMultiNetworkCreate):
		ep.MacAddress = mac
	case primary:
		b.cfg.MacAddress = mac //nolint:staticcheck // the field for API < 1.44
	default:
		return nil, b.errf("networks", "mac_address on network %q other than the first needs Docker Engine API %s (engine: %s)", key, apiMultiNetworkCreate, b.api)
	}
	return ep, nil
}

func (b *builder) namespaces() error {
	ipc, err := b.refMode("ipc", b.s.Ipc)
	if err != nil {
		return err
	}
	pid, err := b.refMode("pid", b.s.Pid)
	if err != nil {
		return err
	}
	b.host.IpcMode = container.IpcMode(ipc)
	b.host.PidMode = container.PidMode(pid)
	b.host.UsernsMode = container.UsernsMode(b.s.UserNSMode)
	b.host.UTSMode = container.UTSMode(b.s.Uts)
	b.host.CgroupnsMode = container.CgroupnsMode(b.s.Cgroup)
	return nil
}

func (b *builder) restart() error {
	var policy container.RestartPolicy
	if r := b.s.Restart; r != "" {
		name, count, hasCount := strings.Cut(r, ":")
		switch name {
		case "no", "always", "unless-stopped":
			if hasCount {
				return b.errf("restart", "%q takes no retry count", r)
			}
		case "on-failure":
			if hasCount {
				n, err := strconv.Atoi(count)
				if err != nil || n < 0 {
					return b.errf("restart", "retry count of %q is not a number >= 0", r)
				}
				policy.MaximumRetryCount = n
			}
		default:
			return b.errf("restart", "%q is not one of no, always, on-failure[:N], unless-stopped", r)
		}
		policy.Name = container.RestartPolicyMode(name)
	}
	if b.s.Deploy != nil && b.s.Deploy.RestartPolicy != nil {
		rp := b.s.Deploy.RestartPolicy
		policy = container.RestartPolicy{}
		switch rp.Condition {
		case "none", "no":
			policy.Name = container.RestartPolicyDisabled
		case "on-failure":
			policy.Name = container.RestartPolicyOnFailure
			if rp.MaxAttempts != nil {
				policy.MaximumRetryCount = int(*rp.MaxAttempts)
			}
		case "any", "always", "":
			// "any" is the specification's default condition.
			policy.Name = container.RestartPolicyAlways
		case "unless-stopped":
			policy.Name = container.RestartPolicyUnlessStopped
		default:
			return b.errf("deploy.restart_policy.condition", "%q is not one of none, on-failure, any", rp.Condition)
		}
	}
	b.host.RestartPolicy = policy
	return nil
}

func (b *builder) healthcheck() error {
	h := b.s.HealthCheck
	if h == nil {
		return nil
	}
	if h.Disable {
		b.cfg.Healthcheck = &container.HealthConfig{Test: []string{"NONE"}}
		return nil
	}
	hc := &container.HealthConfig{}
	if len(h.Test) > 0 {
		switch h.Test[0] {
		case "NONE":
			if len(h.Test) > 1 {
				return b.errf("healthcheck.test", "NONE takes no arguments")
			}
		case "CMD", "CMD-SHELL":
			if len(h.Test) < 2 {
				return b.errf("healthcheck.test", "%s needs a command", h.Test[0])
			}
		default:
			return b.errf("healthcheck.test", "first element %q is not CMD, CMD-SHELL or NONE", h.Test[0])
		}
		hc.Test = append([]string{}, h.Test...)
	}
	dur := func(key string, d *types.Duration) (time.Duration, error) {
		if d == nil {
			return 0, nil
		}
		v := time.Duration(*d)
		// The engine rejects durations below one millisecond (0 means the default).
		if v < 0 || (v > 0 && v < time.Millisecond) {
			return 0, b.errf("healthcheck."+key, "%s is not 0 or at least 1ms", v)
		}
		return v, nil
	}
	var err error
	if hc.Interval, err = dur("interval", h.Interval); err != nil {
		return err
	}
	if hc.Timeout, err = dur("timeout", h.Timeout); err != nil {
		return err
	}
	if hc.StartPeriod, err = dur("start_period", h.StartPeriod); err != nil {
		return err
	}
	if b.apiAtLeast(apiMultiNetworkCreate) {
		if hc.StartInterval, err = dur("start_interval", h.StartInterval); err != nil {
			return err
		}
	}
	if h.Retries != nil {
		hc.Retries = int(*h.Retries)
	}
	b.cfg.Healthcheck = hc
	return nil
}

func (b *builder) resources() error {
	s := b.s
	r := &b.host.Resources
	r.CgroupParent = s.CgroupParent
	r.Memory = int64(s.MemLimit)
	r.MemoryReservation = int64(s.MemReservation)
	r.MemorySwap = int64(s.MemSwapLimit)
	if s.MemSwappiness != 0 {
		v := int64(s.MemSwappiness)
		r.MemorySwappiness = &v
	}
	if s.OomKillDisable {
		v := true
		r.OomKillDisable = &v
	}
	r.NanoCPUs = nanoCPUs(s.CPUS)
	r.CPUShares = s.CPUShares
	r.CPUPeriod = s.CPUPeriod
	r.CPUQuota = s.CPUQuota
	r.CpusetCpus = s.CPUSet
	if s.PidsLimit != 0 {
		v := s.PidsLimit
		r.PidsLimit = &v
	}
	if s.Deploy != nil {
		if l := s.Deploy.Resources.Limits; l != nil {
			if l.MemoryBytes != 0 {
				r.Memory = int64(l.MemoryBytes)
			}
			if l.NanoCPUs != 0 {
				r.NanoCPUs = nanoCPUs(float32(l.NanoCPUs))
			}
			if l.Pids > 0 {
				v := l.Pids
				r.PidsLimit = &v
			}
		}
		if res := s.Deploy.Resources.Reservations; res != nil && res.MemoryBytes != 0 {
			r.MemoryReservation = int64(res.MemoryBytes)
		}
	}
	if r.Memory < 0 || r.MemoryReservation < 0 || r.NanoCPUs < 0 {
		return b.errf("resources", "memory and cpus must not be negative")
	}
	if r.Memory > 0 && r.MemoryReservation > r.Memory {
		return b.errf("mem_reservation", "%d is above the memory limit %d", r.MemoryReservation, r.Memory)
	}
	names := make([]string, 0, len(s.Ulimits))
	for name := range s.Ulimits {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		u := s.Ulimits[name]
		if u == nil {
			continue
		}
		soft, hard := u.Soft, u.Hard
		if u.Single != 0 {
			soft, hard = u.Single, u.Single
		}
		if soft > hard && hard >= 0 {
			return b.errf("ulimits."+name, "soft limit %d is above hard limit %d", soft, hard)
		}
		r.Ulimits = append(r.Ulimits, &container.Ulimit{Name: name, Soft: int64(soft), Hard: int64(hard)})
	}
	for _, d := range s.Devices {
		if d.Source == "" {
			return b.errf("devices", "a device has no source")
		}
		target, perms := d.Target, d.Permissions
		if target == "" {
			target = d.Source
		}
		if perms == "" {
			perms = "rwm"
		}
		r.Devices = append(r.Devices, container.DeviceMapping{PathOnHost: d.Source, PathInContainer: target, CgroupPermissions: perms})
	}
	if s.ShmSize < 0 {
		return b.errf("shm_size", "must not be negative")
	}
	b.host.ShmSize = int64(s.ShmSize)
	return nil
}

// nanoCPUs converts compose-go's float32 CPUs to the engine's billionths,
// through the shortest decimal form so that 0.1 gives 100000000, not
// float32 noise.
func nanoCPUs(cpus float32) int64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(cpus), 'f', -1, 32), 64)
	return int64(math.Round(f * 1e9))
}

func (b *builder) misc() error {
	s := b.s
	h := b.host
	if s.Init != nil {
		v := *s.Init
		h.Init = &v
	}
	h.Privileged = s.Privileged
	h.ReadonlyRootfs = s.ReadOnly
	h.CapAdd = strslice.StrSlice(slices.Clone(s.CapAdd))
	h.CapDrop = strslice.StrSlice(slices.Clone(s.CapDrop))
	h.SecurityOpt = slices.Clone(s.SecurityOpt)
	h.GroupAdd = slices.Clone(s.GroupAdd)
	h.OomScoreAdj = int(s.OomScoreAdj)
	h.Runtime = s.Runtime
	h.Isolation = container.Isolation(s.Isolation)
	h.StorageOpt = maps.Clone(s.StorageOpt)
	h.VolumeDriver = s.VolumeDriver
	h.DNS = slices.Clone(s.DNS)
	h.DNSSearch = slices.Clone(s.DNSSearch)
	h.DNSOptions = slices.Clone(s.DNSOpts)
	if len(s.Sysctls) > 0 {
		h.Sysctls = maps.Clone(map[string]string(s.Sysctls))
	}
	if len(s.ExtraHosts) > 0 {
		hosts := s.ExtraHosts.AsList(":")
		sort.Strings(hosts)
		h.ExtraHosts = hosts
	}
	switch {
	case s.Logging != nil:
		h.LogConfig = container.LogConfig{Type: s.Logging.Driver, Config: maps.Clone(s.Logging.Options)}
	case s.LogDriver != "" || len(s.LogOpt) > 0:
		h.LogConfig = container.LogConfig{Type: s.LogDriver, Config: maps.Clone(s.LogOpt)}
	}
	return nil
}

func (b *builder) labels() error {
	s, p := b.s, b.p
	labels := map[string]string{}
	for k, v := range s.Labels {
		labels[k] = v
	}
	for k, v := range s.CustomLabels {
		labels[k] = v
	}
	hash, err := ConfigHash(s)
	if err != nil {
		return b.errf("config hash", "%v", err)
	}
	labels[LabelProject] = p.Name
	labels[LabelService] = s.Name
	labels[LabelNumber] = strconv.Itoa(b.r.Number)
	labels[LabelOneOff] = "False"
	if b.r.OneOff {
		labels[LabelOneOff] = "True"
	}
	labels[LabelConfigHash] = hash
	labels[LabelWorkingDir] = p.WorkingDir
	labels[LabelConfigFiles] = strings.Join(p.ComposeFiles, ",")
	labels[LabelDependsOn] = dependsOnLabel(s.DependsOn)
	labels[LabelVersion] = ComposeVersion
	if h := serviceNetworksHash(p, s); h != "" {
		labels[LabelStackNetworks] = h
	}
	if h := serviceVolumesHash(p, s); h != "" {
		labels[LabelStackVolumes] = h
	}
	for k, v := range b.r.Labels {
		labels[k] = v
	}
	b.cfg.Labels = labels
	return nil
}

// dependsOnLabel renders depends_on as Compose does ("svc:condition:restart",
// comma-joined), sorted so that it does not change between runs.
func dependsOnLabel(d types.DependsOnConfig) string {
	deps := make([]string, 0, len(d))
	for name, dep := range d {
		deps = append(deps, fmt.Sprintf("%s:%s:%t", name, dep.Condition, dep.Restart))
	}
	sort.Strings(deps)
	return strings.Join(deps, ",")
}

// stackHashVersion prefixes StackHash values; bump it when the canonical
// form changes, so that old labels compare as different.
const stackHashVersion = "v1:"

// labelsOutsideStackHash are the labels that describe the project rather than
// the container, or that differ between replicas of the same configuration.
var labelsOutsideStackHash = []string{
	LabelNumber, LabelConfigHash, LabelStackHash, LabelStackFields, LabelImage, LabelReplace,
	LabelDependsOn, LabelWorkingDir, LabelConfigFiles, LabelEnvFile, LabelVersion,
}

// StackHash returns stack's versioned hash ("v1:<sha256 hex>") of what a
// CreateConfig sends to the engine, for the label LabelStackHash. It leaves
// out the labels that differ between replicas or describe the project rather
// than the container (container number, hashes, image ID, depends_on, working
// directory, files, version) and does not depend on how the networks are
// split between create and connect, so scaling a service does not change it.
// ContainerConfig sets it; anonymous volumes inherited at recreate are added
// after it is computed.
func StackHash(c CreateConfig) string {
	cfg, endpoints := canonical(c)
	whole := struct {
		Config     container.Config
		HostConfig *container.HostConfig
		Endpoints  map[string]*network.EndpointSettings
		Platform   *ocispec.Platform
		Files      []string `json:",omitempty"`
	}{cfg, c.HostConfig, endpoints, c.Platform, filesDigest(c.Files)}
	// Marshalling these types cannot fail: no channels, funcs or cycles.
	data, _ := json.Marshal(whole)
	sum := sha256.Sum256(data)
	return stackHashVersion + hex.EncodeToString(sum[:])
}

// canonical returns c's container config without the labels outside the
// stack hash, and its endpoints whether given at create or connected after,
// the form both StackHash and FieldHashes read.
func canonical(c CreateConfig) (container.Config, map[string]*network.EndpointSettings) {
	var cfg container.Config
	if c.Config != nil {
		cfg = *c.Config
	}
	labels := make(map[string]string, len(cfg.Labels))
	for k, v := range cfg.Labels {
		labels[k] = v
	}
	for _, k := range labelsOutsideStackHash {
		delete(labels, k)
	}
	cfg.Labels = labels
	endpoints := map[string]*network.EndpointSettings{}
	if c.Networking != nil {
		for k, v := range c.Networking.EndpointsConfig {
			endpoints[k] = v
		}
	}
	for _, e := range c.Connect {
		endpoints[e.Network] = e.Settings
	}
	return cfg, endpoints
}

// InheritVolumes makes c reuse the anonymous volumes of a previous container
// of the service (mounts from its inspect), as Compose does on recreate: the
// ones the service declares as anonymous, and the ones the image declares
// (imageVolumes, the image's Config.Volumes) that the service does not mount
// otherwise. Call it after ContainerConfig; it does not change the stack hash
// label.
func InheritVolumes(c *CreateConfig, s types.ServiceConfig, imageVolumes map[string]struct{}, previous []Mount) {
	anonymous := map[string]bool{} // target -> read-only
	declared := map[string]bool{}
	for _, v := range s.Volumes {
		declared[v.Target] = true
		if (v.Type == types.VolumeTypeVolume || v.Type == "") && v.Source == "" {
			anonymous[v.Target] = v.ReadOnly
		}
	}
	for _, t := range s.Tmpfs {
		target, _, _ := strings.Cut(t, ":")
		declared[target] = true
	}
	for _, m := range previous {
		if m.Type != "volume" || m.Name == "" || m.Destination == "" {
			continue
		}
		readOnly, isAnon := anonymous[m.Destination]
		_, fromImage := imageVolumes[m.Destination]
		if !isAnon && (declared[m.Destination] || !fromImage) {
			continue
		}
		c.HostConfig.Binds = append(c.HostConfig.Binds, bindSpec(m.Name, m.Destination, readOnly, nil))
		delete(c.Config.Volumes, m.Destination)
	}
	if len(c.Config.Volumes) == 0 {
		c.Config.Volumes = nil
	}
}

// AliasEndpoint is the endpoint of a container on a network with aliases
// only: how a container of a service stack cannot configure rejoins it.
func AliasEndpoint(name string, aliases ...string) Endpoint {
	return Endpoint{Network: name, Settings: &network.EndpointSettings{Aliases: aliases}}
}

// shorten cuts a value a message quotes to its first 40 characters when
// it is longer than 64.
func shorten(v string) string {
	if len(v) <= 64 {
		return v
	}
	return fmt.Sprintf("%s... (%d characters)", v[:40], len(v))
}
