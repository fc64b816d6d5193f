// The table of every service key of the Compose Specification (as
// compose-go models it) and what stack does with it, and the load-time
// check of the keys that stack does not honour.

package project

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// KeyStatus says what stack does with a service key.
type KeyStatus int

// The statuses of service keys.
const (
	// KeyHonoured keys reach the engine, as Docker Compose sends them.
	KeyHonoured KeyStatus = iota + 1
	// KeyLoader keys are consumed while loading (merging, interpolation,
	// profiles, dependency order).
	KeyLoader
	// KeySwarm keys mean something on a swarm only (stack deploy); up
	// ignores them, as Docker Compose does.
	KeySwarm
	// KeyIgnored keys have no effect on a container on this engine, as in
	// Docker Compose (descriptive, or for other platforms).
	KeyIgnored
	// KeyWarned keys are not done by stack: loading warns, naming service
	// and key; with Options.Strict it is an error.
	KeyWarned
	// KeyRefused keys are always an error, when loading or when used.
	KeyRefused
	// KeyNotInSpec fields of compose-go are not keys of the Compose
	// Specification: its schema rejects them when loading.
	KeyNotInSpec
)

// String is the status as the key table in docs/compose-keys.md writes it.
func (s KeyStatus) String() string {
	switch s {
	case KeyHonoured:
		return "honoured"
	case KeyLoader:
		return "loader"
	case KeySwarm:
		return "swarm only"
	case KeyIgnored:
		return "ignored"
	case KeyWarned:
		return "warned"
	case KeyRefused:
		return "error"
	case KeyNotInSpec:
		return "not in the spec"
	}
	return fmt.Sprintf("KeyStatus(%d)", int(s))
}

// Key is one row of the key table.
type Key struct {
	// Path is the key below a service: "networks.*.gw_priority" (any
	// network), "volumes[].bind.recursive" (any volume).
	Path   string
	Status KeyStatus
	// Maps says what the key becomes: the engine feature, or why it is not
	// done.
	Maps string
	// AtLoad makes a set KeyRefused key an error when loading, and a set
	// KeyWarned key a warning (an error with Options.Strict). Keys refused
	// later (by the engine version, or at build) leave it false.
	AtLoad bool
}

// ServiceKeys returns the key table: every key of compose-go's
// ServiceConfig, in the order of docs/compose-keys.md. A test walks
// ServiceConfig's fields and fails on a key missing here, so a key that a
// compose-go upgrade adds cannot be dropped unnoticed.
func ServiceKeys() []Key {
	h, l, sw, ig, w, r, ns := KeyHonoured, KeyLoader, KeySwarm, KeyIgnored, KeyWarned, KeyRefused, KeyNotInSpec
	return []Key{
		{"annotations", h, "HostConfig.Annotations (Engine API 1.43+; older engines: error at up)", false},
		{"attach", h, "whether up and run attach to the service's logs", false},
		{"blkio_config", h, "HostConfig.Resources.Blkio*", false},
		{"blkio_config.weight", h, "BlkioWeight (10 to 1000)", false},
		{"blkio_config.weight_device", h, "BlkioWeightDevice", false},
		{"blkio_config.weight_device[].path", h, "BlkioWeightDevice.Path", false},
		{"blkio_config.weight_device[].weight", h, "BlkioWeightDevice.Weight", false},
		{"blkio_config.device_read_bps", h, "BlkioDeviceReadBps", false},
		{"blkio_config.device_read_bps[].path", h, "ThrottleDevice.Path", false},
		{"blkio_config.device_read_bps[].rate", h, "ThrottleDevice.Rate", false},
		{"blkio_config.device_read_iops", h, "BlkioDeviceReadIOps", false},
		{"blkio_config.device_read_iops[].path", h, "ThrottleDevice.Path", false},
		{"blkio_config.device_read_iops[].rate", h, "ThrottleDevice.Rate", false},
		{"blkio_config.device_write_bps", h, "BlkioDeviceWriteBps", false},
		{"blkio_config.device_write_bps[].path", h, "ThrottleDevice.Path", false},
		{"blkio_config.device_write_bps[].rate", h, "ThrottleDevice.Rate", false},
		{"blkio_config.device_write_iops", h, "BlkioDeviceWriteIOps", false},
		{"blkio_config.device_write_iops[].path", h, "ThrottleDevice.Path", false},
		{"blkio_config.device_write_iops[].rate", h, "ThrottleDevice.Rate", false},
		{"build", h, "built with the engine's classic builder (stack build, up --build)", false},
		{"build.context", h, "the build context: a directory sent as a tar stream, or a Git/HTTP URL", false},
		{"build.dockerfile", h, "ImageBuildOptions.Dockerfile", false},
		{"build.dockerfile_inline", h, "a Dockerfile sent with the context", false},
		{"build.entitlements", r, "error at build: needs BuildKit", false},
		{"build.args", h, "ImageBuildOptions.BuildArgs", false},
		{"build.provenance", w, "BuildKit attestations: the classic builder makes none", true},
		{"build.sbom", w, "BuildKit attestations: the classic builder makes none", true},
		{"build.ssh", r, "error at build: needs BuildKit", false},
		{"build.ssh[].id", r, "error at build: needs BuildKit", false},
		{"build.ssh[].path", r, "error at build: needs BuildKit", false},
		{"build.labels", h, "ImageBuildOptions.Labels", false},
		{"build.cache_from", h, "ImageBuildOptions.CacheFrom", false},
		{"build.cache_to", r, "error at build: needs BuildKit", false},
		{"build.no_cache", h, "ImageBuildOptions.NoCache", false},
		{"build.no_cache_filter", w, "BuildKit only: the classic builder caches every stage", true},
		{"build.additional_contexts", r, "error at build: needs BuildKit", false},
		{"build.pull", h, "ImageBuildOptions.PullParent", false},
		{"build.extra_hosts", h, "ImageBuildOptions.ExtraHosts", false},
		{"build.isolation", h, "ImageBuildOptions.Isolation", false},
		{"build.network", h, "ImageBuildOptions.NetworkMode", false},
		{"build.target", h, "ImageBuildOptions.Target", false},
		{"build.secrets", r, "error at build: needs BuildKit", false},
		{"build.secrets[].source", r, "error at build: needs BuildKit", false},
		{"build.secrets[].target", r, "error at build: needs BuildKit", false},
		{"build.secrets[].uid", r, "error at build: needs BuildKit", false},
		{"build.secrets[].gid", r, "error at build: needs BuildKit", false},
		{"build.secrets[].mode", r, "error at build: needs BuildKit", false},
		{"build.shm_size", h, "ImageBuildOptions.ShmSize", false},
		{"build.tags", h, "ImageBuildOptions.Tags", false},
		{"build.ulimits", h, "ImageBuildOptions.Ulimits", false},
		{"build.ulimits.*.single", h, "Ulimit soft and hard", false},
		{"build.ulimits.*.soft", h, "Ulimit.Soft", false},
		{"build.ulimits.*.hard", h, "Ulimit.Hard", false},
		{"build.platforms", h, "ImageBuildOptions.Platform (one platform; several need BuildKit: error at build)", false},
		{"build.privileged", w, "BuildKit entitlement: the classic builder has none", true},
		{"cap_add", h, "HostConfig.CapAdd", false},
		{"cap_drop", h, "HostConfig.CapDrop", false},
		{"cgroup", h, "HostConfig.CgroupnsMode", false},
		{"cgroup_parent", h, "HostConfig.Resources.CgroupParent", false},
		{"command", h, "Config.Cmd", false},
		{"configs", h, "a read-only bind mount of a file source; environment and content sources (and a file with uid, gid or mode) copied into the container before start; default target /<name>", false},
		{"configs[].source", h, "the top-level config", false},
		{"configs[].target", h, "path in the container (relative: under /)", false},
		{"configs[].uid", h, "owner of the copied file", false},
		{"configs[].gid", h, "group of the copied file", false},
		{"configs[].mode", h, "mode of the copied file (default 0444)", false},
		{"container_name", h, "the container's name (the service cannot scale)", false},
		{"cpu_count", h, "HostConfig.Resources.CPUCount (Windows engines; a Linux engine discards it with a warning)", false},
		{"cpu_percent", h, "HostConfig.Resources.CPUPercent, whole percents (Windows engines; a Linux engine discards it with a warning)", false},
		{"cpu_period", h, "HostConfig.Resources.CPUPeriod", false},
		{"cpu_quota", h, "HostConfig.Resources.CPUQuota", false},
		{"cpu_rt_period", h, "HostConfig.Resources.CPURealtimePeriod", false},
		{"cpu_rt_runtime", h, "HostConfig.Resources.CPURealtimeRuntime", false},
		{"cpu_shares", h, "HostConfig.Resources.CPUShares", false},
		{"cpus", h, "HostConfig.Resources.NanoCPUs", false},
		{"cpuset", h, "HostConfig.Resources.CpusetCpus", false},
		{"credential_spec", w, "Windows engines only; Docker Compose does not pass it either", true},
		{"credential_spec.config", w, "Windows engines only", true},
		{"credential_spec.file", w, "Windows engines only", true},
		{"credential_spec.registry", w, "Windows engines only", true},
		{"depends_on", l, "start order and conditions; the com.docker.compose.depends_on label", false},
		{"depends_on.*.condition", l, "service_started, service_healthy, service_completed_successfully", false},
		{"depends_on.*.restart", l, "dependents restarted with their dependency", false},
		{"depends_on.*.required", l, "an optional dependency may be missing", false},
		{"deploy", h, "the keys below that a single engine has", false},
		{"deploy.mode", sw, "replicated or global on a swarm", false},
		{"deploy.replicas", h, "number of containers, as scale", false},
		{"deploy.labels", sw, "labels of the swarm service", false},
		{"deploy.update_config", sw, "rolling updates on a swarm", false},
		{"deploy.update_config.parallelism", sw, "", false},
		{"deploy.update_config.delay", sw, "", false},
		{"deploy.update_config.failure_action", sw, "", false},
		{"deploy.update_config.monitor", sw, "", false},
		{"deploy.update_config.max_failure_ratio", sw, "", false},
		{"deploy.update_config.order", sw, "", false},
		{"deploy.rollback_config", sw, "rollbacks on a swarm", false},
		{"deploy.rollback_config.parallelism", sw, "", false},
		{"deploy.rollback_config.delay", sw, "", false},
		{"deploy.rollback_config.failure_action", sw, "", false},
		{"deploy.rollback_config.monitor", sw, "", false},
		{"deploy.rollback_config.max_failure_ratio", sw, "", false},
		{"deploy.rollback_config.order", sw, "", false},
		{"deploy.resources", h, "HostConfig.Resources", false},
		{"deploy.resources.limits", h, "limits below", false},
		{"deploy.resources.limits.cpus", h, "NanoCPUs", false},
		{"deploy.resources.limits.memory", h, "Memory", false},
		{"deploy.resources.limits.pids", h, "PidsLimit", false},
		{"deploy.resources.limits.devices", w, "the engine has no device limits (only reservations are requests); Docker Compose ignores it", true},
		{"deploy.resources.limits.devices[].capabilities", w, "see deploy.resources.limits.devices", true},
		{"deploy.resources.limits.devices[].driver", w, "see deploy.resources.limits.devices", true},
		{"deploy.resources.limits.devices[].count", w, "see deploy.resources.limits.devices", true},
		{"deploy.resources.limits.devices[].device_ids", w, "see deploy.resources.limits.devices", true},
		{"deploy.resources.limits.devices[].options", w, "see deploy.resources.limits.devices", true},
		{"deploy.resources.limits.generic_resources", sw, "swarm generic resources", false},
		{"deploy.resources.limits.generic_resources[].discrete_resource_spec", sw, "", false},
		{"deploy.resources.limits.generic_resources[].discrete_resource_spec.kind", sw, "", false},
		{"deploy.resources.limits.generic_resources[].discrete_resource_spec.value", sw, "", false},
		{"deploy.resources.reservations", h, "reservations below", false},
		{"deploy.resources.reservations.cpus", sw, "a scheduling reservation on a swarm; Docker Compose ignores it too", false},
		{"deploy.resources.reservations.memory", h, "MemoryReservation", false},
		{"deploy.resources.reservations.pids", sw, "PIDs are only a limit; Docker Compose ignores it too", false},
		{"deploy.resources.reservations.devices", h, "HostConfig.Resources.DeviceRequests (an engine without the driver: its error at up)", false},
		{"deploy.resources.reservations.devices[].capabilities", h, "DeviceRequest.Capabilities (required)", false},
		{"deploy.resources.reservations.devices[].driver", h, "DeviceRequest.Driver", false},
		{"deploy.resources.reservations.devices[].count", h, "DeviceRequest.Count (all: -1)", false},
		{"deploy.resources.reservations.devices[].device_ids", h, "DeviceRequest.DeviceIDs", false},
		{"deploy.resources.reservations.devices[].options", h, "DeviceRequest.Options", false},
		{"deploy.resources.reservations.generic_resources", sw, "swarm generic resources", false},
		{"deploy.resources.reservations.generic_resources[].discrete_resource_spec", sw, "", false},
		{"deploy.resources.reservations.generic_resources[].discrete_resource_spec.kind", sw, "", false},
		{"deploy.resources.reservations.generic_resources[].discrete_resource_spec.value", sw, "", false},
		{"deploy.restart_policy", h, "HostConfig.RestartPolicy (over restart)", false},
		{"deploy.restart_policy.condition", h, "RestartPolicy.Name: none, on-failure, any", false},
		{"deploy.restart_policy.delay", w, "the engine's restart policy has no delay (Docker Compose ignores it)", true},
		{"deploy.restart_policy.max_attempts", h, "RestartPolicy.MaximumRetryCount", false},
		{"deploy.restart_policy.window", w, "the engine's restart policy has no window (Docker Compose ignores it)", true},
		{"deploy.placement", sw, "placement on swarm nodes", false},
		{"deploy.placement.constraints", sw, "", false},
		{"deploy.placement.preferences", sw, "", false},
		{"deploy.placement.preferences[].spread", sw, "", false},
		{"deploy.placement.max_replicas_per_node", sw, "", false},
		{"deploy.endpoint_mode", sw, "vip or dnsrr on a swarm", false},
		{"develop", ig, "used by watch, which stack has not yet; up ignores it, as docker compose up does", false},
		{"develop.watch", ig, "see develop", false},
		{"develop.watch[].path", ig, "", false},
		{"develop.watch[].action", ig, "", false},
		{"develop.watch[].target", ig, "", false},
		{"develop.watch[].exec", ig, "", false},
		{"develop.watch[].exec.command", ig, "", false},
		{"develop.watch[].exec.user", ig, "", false},
		{"develop.watch[].exec.privileged", ig, "", false},
		{"develop.watch[].exec.working_dir", ig, "", false},
		{"develop.watch[].exec.environment", ig, "", false},
		{"develop.watch[].include", ig, "", false},
		{"develop.watch[].ignore", ig, "", false},
		{"develop.watch[].initial_sync", ig, "", false},
		{"device_cgroup_rules", h, "HostConfig.Resources.DeviceCgroupRules", false},
		{"devices", h, "HostConfig.Resources.Devices; a CDI name (vendor.com/class=name): a DeviceRequest to the cdi driver", false},
		{"devices[].source", h, "DeviceMapping.PathOnHost", false},
		{"devices[].target", h, "DeviceMapping.PathInContainer", false},
		{"devices[].permissions", h, "DeviceMapping.CgroupPermissions (default rwm)", false},
		{"dns", h, "HostConfig.DNS", false},
		{"dns_opt", h, "HostConfig.DNSOptions", false},
		{"dns_search", h, "HostConfig.DNSSearch", false},
		{"dockerfile", ns, "compose-go field, not a key: rejected when loading", false},
		{"domainname", h, "Config.Domainname", false},
		{"entrypoint", h, "Config.Entrypoint", false},
		{"env_file", l, "merged into environment", false},
		{"env_file[].path", l, "", false},
		{"env_file[].required", l, "", false},
		{"env_file[].format", l, "", false},
		{"environment", h, "Config.Env", false},
		{"expose", h, "Config.ExposedPorts", false},
		{"extends", l, "merged from another service", false},
		{"extends.file", l, "", false},
		{"extends.service", l, "", false},
		{"external_links", h, "HostConfig.Links", false},
		{"extra_hosts", h, "HostConfig.ExtraHosts", false},
		{"gpus", h, "HostConfig.Resources.DeviceRequests with capability gpu (an engine without a GPU runtime: its error at up)", false},
		{"gpus[].capabilities", h, "DeviceRequest.Capabilities, plus gpu", false},
		{"gpus[].driver", h, "DeviceRequest.Driver", false},
		{"gpus[].count", h, "DeviceRequest.Count (all: -1)", false},
		{"gpus[].device_ids", h, "DeviceRequest.DeviceIDs", false},
		{"gpus[].options", h, "DeviceRequest.Options", false},
		{"group_add", h, "HostConfig.GroupAdd", false},
		{"healthcheck", h, "Config.Healthcheck", false},
		{"healthcheck.test", h, "HealthConfig.Test", false},
		{"healthcheck.timeout", h, "HealthConfig.Timeout", false},
		{"healthcheck.interval", h, "HealthConfig.Interval", false},
		{"healthcheck.retries", h, "HealthConfig.Retries", false},
		{"healthcheck.start_period", h, "HealthConfig.StartPeriod", false},
		{"healthcheck.start_interval", h, "HealthConfig.StartInterval (Engine API 1.44+)", false},
		{"healthcheck.disable", h, "HealthConfig.Test NONE", false},
		{"hostname", h, "Config.Hostname", false},
		{"image", h, "Config.Image", false},
		{"init", h, "HostConfig.Init", false},
		{"ipc", h, "HostConfig.IpcMode (service:X resolved to a container)", false},
		{"isolation", h, "HostConfig.Isolation", false},
		{"label_file", l, "merged into labels", false},
		{"labels", h, "Config.Labels", false},
		{"links", h, "HostConfig.Links and endpoint links; a start dependency", false},
		{"log_driver", ns, "compose-go field, not a key: rejected when loading", false},
		{"log_opt", ns, "compose-go field, not a key: rejected when loading", false},
		{"logging", h, "HostConfig.LogConfig", false},
		{"logging.driver", h, "LogConfig.Type", false},
		{"logging.options", h, "LogConfig.Config", false},
		{"mac_address", h, "the primary endpoint's MacAddress (Config.MacAddress before API 1.44)", false},
		{"mem_limit", h, "HostConfig.Resources.Memory", false},
		{"mem_reservation", h, "HostConfig.Resources.MemoryReservation", false},
		{"mem_swappiness", h, "HostConfig.Resources.MemorySwappiness", false},
		{"memswap_limit", h, "HostConfig.Resources.MemorySwap", false},
		{"models", w, "Docker Model Runner, which stack does not drive", true},
		{"models.*.endpoint_var", w, "see models", true},
		{"models.*.model_var", w, "see models", true},
		{"name", l, "the service's name (the key under services)", false},
		{"net", ns, "compose-go field, not a key: rejected when loading", false},
		{"network_mode", h, "HostConfig.NetworkMode (service:X resolved to a container)", false},
		{"networks", h, "HostConfig.NetworkMode and NetworkingConfig, in priority order", false},
		{"networks.*.aliases", h, "EndpointSettings.Aliases", false},
		{"networks.*.driver_opts", h, "EndpointSettings.DriverOpts", false},
		{"networks.*.gw_priority", h, "EndpointSettings.GwPriority (Engine API 1.48+; older engines ignore it, so: error at up)", false},
		{"networks.*.interface_name", h, "driver option com.docker.network.endpoint.ifname (Engine API 1.49+; older engines: error at up)", false},
		{"networks.*.ipv4_address", h, "EndpointIPAMConfig.IPv4Address", false},
		{"networks.*.ipv6_address", h, "EndpointIPAMConfig.IPv6Address", false},
		{"networks.*.link_local_ips", h, "EndpointIPAMConfig.LinkLocalIPs", false},
		{"networks.*.mac_address", h, "EndpointSettings.MacAddress (other than the first network: Engine API 1.44+)", false},
		{"networks.*.priority", h, "the order networks are joined in; the first is the primary", false},
		{"networks.*.use_service_name_alias", h, "whether the service name is an alias", false},
		{"oom_kill_disable", h, "HostConfig.Resources.OomKillDisable", false},
		{"oom_score_adj", h, "HostConfig.OomScoreAdj", false},
		{"pid", h, "HostConfig.PidMode (service:X resolved to a container)", false},
		{"pids_limit", h, "HostConfig.Resources.PidsLimit", false},
		{"platform", h, "the create call's platform; the image pulled or built for it", false},
		{"ports", h, "Config.ExposedPorts and HostConfig.PortBindings", false},
		{"ports[].name", ig, "descriptive", false},
		{"ports[].mode", sw, "host or ingress publishing on a swarm; a single engine publishes on the host", false},
		{"ports[].host_ip", h, "PortBinding.HostIP", false},
		{"ports[].target", h, "the container port", false},
		{"ports[].published", h, "PortBinding.HostPort (empty: a free port)", false},
		{"ports[].protocol", h, "tcp, udp or sctp", false},
		{"ports[].app_protocol", ig, "descriptive", false},
		{"post_start", h, "exec in the container right after it starts; a failing hook fails the service's start", false},
		{"post_start[].command", h, "ExecConfig of the hook's exec", false},
		{"post_start[].user", h, "ExecConfig of the hook's exec", false},
		{"post_start[].privileged", h, "ExecConfig of the hook's exec", false},
		{"post_start[].working_dir", h, "ExecConfig of the hook's exec", false},
		{"post_start[].environment", h, "ExecConfig of the hook's exec", false},
		{"pre_start", w, "an init container run before the service starts (Docker Compose v5.5 runs it): not run by stack", true},
		{"pre_start.**", w, "see pre_start", true},
		{"pre_stop", h, "exec in the running container before stop, down, a recreate or a restart stops it; a failing hook is reported and the stop goes on", false},
		{"pre_stop[].command", h, "ExecConfig of the hook's exec", false},
		{"pre_stop[].user", h, "ExecConfig of the hook's exec", false},
		{"pre_stop[].privileged", h, "ExecConfig of the hook's exec", false},
		{"pre_stop[].working_dir", h, "ExecConfig of the hook's exec", false},
		{"pre_stop[].environment", h, "ExecConfig of the hook's exec", false},
		{"privileged", h, "HostConfig.Privileged", false},
		{"profiles", l, "which services are enabled", false},
		{"provider", w, "a service managed by a provider plugin, which stack does not run", true},
		{"provider.type", w, "see provider", true},
		{"provider.options", w, "see provider", true},
		{"pull_policy", h, "always, never, missing, build, refresh, daily, weekly, every_<duration>: pull when the local image is older than that", false},
		{"pull_refresh_after", h, "with pull_policy refresh: the age after which the image is pulled again", false},
		{"read_only", h, "HostConfig.ReadonlyRootfs", false},
		{"restart", h, "HostConfig.RestartPolicy", false},
		{"runtime", h, "HostConfig.Runtime", false},
		{"scale", h, "number of containers", false},
		{"secrets", h, "a read-only bind mount of a file source; environment sources (and a file with uid, gid or mode) copied into the container before start; default target /run/secrets/<name>", false},
		{"secrets[].source", h, "the top-level secret", false},
		{"secrets[].target", h, "path in the container (relative: under /run/secrets)", false},
		{"secrets[].uid", h, "owner of the copied file", false},
		{"secrets[].gid", h, "group of the copied file", false},
		{"secrets[].mode", h, "mode of the copied file (default 0444)", false},
		{"security_opt", h, "HostConfig.SecurityOpt", false},
		{"shm_size", h, "HostConfig.ShmSize", false},
		{"stdin_open", h, "Config.OpenStdin", false},
		{"stop_grace_period", h, "Config.StopTimeout", false},
		{"stop_signal", h, "Config.StopSignal", false},
		{"storage_opt", h, "HostConfig.StorageOpt", false},
		{"sysctls", h, "HostConfig.Sysctls", false},
		{"tmpfs", h, "HostConfig.Tmpfs", false},
		{"tty", h, "Config.Tty", false},
		{"ulimits", h, "HostConfig.Resources.Ulimits", false},
		{"ulimits.*.single", h, "Ulimit soft and hard", false},
		{"ulimits.*.soft", h, "Ulimit.Soft", false},
		{"ulimits.*.hard", h, "Ulimit.Hard", false},
		{"umask", r, "the Docker Engine has no umask setting, and Docker Compose v5.5's schema rejects the key", true},
		{"use_api_socket", h, "bind mount of /var/run/docker.sock, DOCKER_CONFIG=/run/secrets/docker with the docker config's registry credentials (auths)", false},
		{"user", h, "Config.User", false},
		{"userns_mode", h, "HostConfig.UsernsMode", false},
		{"uts", h, "HostConfig.UTSMode", false},
		{"volume_driver", ns, "compose-go field, not a key: rejected when loading", false},
		{"volumes", h, "HostConfig.Binds, Tmpfs and Config.Volumes; HostConfig.Mounts where an option needs the Mount API", false},
		{"volumes[].type", h, "volume, bind, tmpfs, image (Engine API 1.48+), npipe; cluster: error (swarm only)", false},
		{"volumes[].source", h, "volume name or host path", false},
		{"volumes[].target", h, "path in the container", false},
		{"volumes[].read_only", h, "ro", false},
		{"volumes[].consistency", ig, "Docker Desktop for Mac only; no effect on this engine, as in Compose", false},
		{"volumes[].bind", h, "bind options below", false},
		{"volumes[].bind.selinux", h, "z or Z on the bind string", false},
		{"volumes[].bind.propagation", h, "the bind's propagation", false},
		{"volumes[].bind.create_host_path", h, "false: a Mount API bind, so a missing host path is an error", false},
		{"volumes[].bind.recursive", h, "Mount API BindOptions: disabled (NonRecursive); writable, readonly (Engine API 1.44+)", false},
		{"volumes[].volume", h, "volume options below", false},
		{"volumes[].volume.labels", h, "Mount API VolumeOptions.Labels", false},
		{"volumes[].volume.nocopy", h, "nocopy", false},
		{"volumes[].volume.subpath", h, "Mount API VolumeOptions.Subpath (Engine API 1.45+)", false},
		{"volumes[].tmpfs", h, "tmpfs options below", false},
		{"volumes[].tmpfs.size", h, "size=", false},
		{"volumes[].tmpfs.mode", h, "mode=", false},
		{"volumes[].image", h, "image options below", false},
		{"volumes[].image.subpath", h, "Mount API ImageOptions.Subpath", false},
		{"volumes_from", h, "HostConfig.VolumesFrom (service names resolved to a container)", false},
		{"working_dir", h, "Config.WorkingDir", false},
	}
}

// checkKeys reports the keys of the enabled services that stack does not
// honour: a warning for a KeyWarned key (an error when strict), an error
// for a KeyRefused one checked at load.
func checkKeys(p *types.Project, strict bool, warn func(string)) *Error {
	keys := ServiceKeys()
	for _, name := range sortedKeysOf(p.Services) {
		v := reflect.ValueOf(p.Services[name])
		for _, k := range keys {
			if !k.AtLoad || (k.Status != KeyWarned && k.Status != KeyRefused) || strings.HasSuffix(k.Path, ".**") {
				continue
			}
			at, ok := keySet(v, strings.Split(k.Path, "."), "")
			if !ok {
				continue
			}
			if k.Status == KeyRefused || strict {
				return &Error{Service: name, Key: at, Msg: "not supported: " + k.Maps}
			}
			warn(fmt.Sprintf("service %q: %s is ignored: %s", name, at, k.Maps))
		}
	}
	return nil
}

// keySet reports whether the key at path holds a value in v (a struct),
// and names the first place it does, e.g. "networks.front.gw_priority".
func keySet(v reflect.Value, path []string, at string) (string, bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "", false
		}
		v = v.Elem()
	}
	if len(path) == 0 {
		return at, !v.IsZero()
	}
	seg, list := strings.CutSuffix(path[0], "[]")
	if seg == "*" {
		if v.Kind() != reflect.Map {
			return "", false
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			if where, ok := keySet(v.MapIndex(k), path[1:], at+"."+k.String()); ok {
				return where, true
			}
		}
		return "", false
	}
	f, ok := fieldByKey(v, seg)
	if !ok {
		return "", false
	}
	name := seg
	if at != "" {
		name = at + "." + seg
	}
	if !list {
		return keySet(f, path[1:], name)
	}
	if f.Kind() != reflect.Slice {
		return "", false
	}
	for i := range f.Len() {
		if where, ok := keySet(f.Index(i), path[1:], fmt.Sprintf("%s[%d]", name, i)); ok {
			return where, true
		}
	}
	return "", false
}

// fieldByKey finds the field of struct v whose YAML key is key, looking
// into inlined structs.
func fieldByKey(v reflect.Value, key string) (reflect.Value, bool) {
	if v.Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.Anonymous && strings.Contains(opts, "inline") {
			if fv, ok := fieldByKey(v.Field(i), key); ok {
				return fv, true
			}
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		if tag == key {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}
