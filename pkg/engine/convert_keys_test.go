package engine

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/blkiodev"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"

	"github.com/stack-orchestrator/stack/pkg/project"
)

// keyCase is the conversion test of the keys of the key table it names:
// a stack file in, the engine's create (or build) options out.
type keyCase struct {
	keys  []string
	yaml  string            // the whole file; its service is "web"
	files map[string]string // written beside it
	env   map[string]string // the project environment
	api   string            // default 1.41
	check func(t *testing.T, c CreateConfig)
	build func(t *testing.T, o build.ImageBuildOptions)
}

// keysTestedElsewhere are honoured keys that do not change a create call:
// they decide how many containers there are, their names, or the image.
var keysTestedElsewhere = map[string]string{
	"attach":             "pkg/stack attach tests",
	"container_name":     "pkg/stack plan tests (the container's name)",
	"scale":              "pkg/stack scale tests",
	"deploy.replicas":    "pkg/stack scale tests",
	"pull_policy":        "pkg/stack image tests",
	"pull_refresh_after": "pkg/stack image tests",
	// Lifecycle hooks are execs the executor runs (pkg/stack hook tests,
	// e2e lifecycle_hooks); hooks.go describes them.
	"post_start":               "pkg/stack hook tests",
	"post_start[].command":     "pkg/stack hook tests",
	"post_start[].user":        "pkg/stack hook tests",
	"post_start[].privileged":  "pkg/stack hook tests",
	"post_start[].working_dir": "pkg/stack hook tests",
	"post_start[].environment": "pkg/stack hook tests",
	"pre_stop":                 "pkg/stack hook tests",
	"pre_stop[].command":       "pkg/stack hook tests",
	"pre_stop[].user":          "pkg/stack hook tests",
	"pre_stop[].privileged":    "pkg/stack hook tests",
	"pre_stop[].working_dir":   "pkg/stack hook tests",
	"pre_stop[].environment":   "pkg/stack hook tests",
}

func keyCases() []keyCase {
	return []keyCase{
		{keys: []string{"annotations"}, api: "1.43", yaml: `
services:
  web: {image: busybox, annotations: {com.example.a: "1"}}`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "annotations", c.HostConfig.Annotations, map[string]string{"com.example.a": "1"})
			}},
		{keys: []string{"blkio_config", "blkio_config.weight", "blkio_config.weight_device", "blkio_config.weight_device[].path",
			"blkio_config.weight_device[].weight", "blkio_config.device_read_bps", "blkio_config.device_read_bps[].path",
			"blkio_config.device_read_bps[].rate", "blkio_config.device_read_iops", "blkio_config.device_read_iops[].path",
			"blkio_config.device_read_iops[].rate", "blkio_config.device_write_bps", "blkio_config.device_write_bps[].path",
			"blkio_config.device_write_bps[].rate", "blkio_config.device_write_iops", "blkio_config.device_write_iops[].path",
			"blkio_config.device_write_iops[].rate"}, yaml: `
services:
  web:
    image: busybox
    blkio_config:
      weight: 300
      weight_device: [{path: /dev/sda, weight: 400}]
      device_read_bps: [{path: /dev/sda, rate: 12mb}]
      device_read_iops: [{path: /dev/sda, rate: 120}]
      device_write_bps: [{path: /dev/sdb, rate: 1024k}]
      device_write_iops: [{path: /dev/sdb, rate: 30}]`,
			check: func(t *testing.T, c CreateConfig) {
				r := c.HostConfig.Resources
				equal(t, "weight", r.BlkioWeight, uint16(300))
				equal(t, "weight_device", r.BlkioWeightDevice, []*blkiodev.WeightDevice{{Path: "/dev/sda", Weight: 400}})
				equal(t, "read bps", r.BlkioDeviceReadBps, []*blkiodev.ThrottleDevice{{Path: "/dev/sda", Rate: 12 * 1024 * 1024}})
				equal(t, "read iops", r.BlkioDeviceReadIOps, []*blkiodev.ThrottleDevice{{Path: "/dev/sda", Rate: 120}})
				equal(t, "write bps", r.BlkioDeviceWriteBps, []*blkiodev.ThrottleDevice{{Path: "/dev/sdb", Rate: 1024 * 1024}})
				equal(t, "write iops", r.BlkioDeviceWriteIOps, []*blkiodev.ThrottleDevice{{Path: "/dev/sdb", Rate: 30}})
			}},
		{keys: []string{"build", "build.context", "build.dockerfile", "build.args", "build.labels", "build.cache_from",
			"build.no_cache", "build.pull", "build.extra_hosts", "build.isolation", "build.network", "build.target",
			"build.shm_size", "build.tags", "build.ulimits", "build.ulimits.*.soft", "build.ulimits.*.hard", "build.platforms"},
			yaml: `
services:
  web:
    build:
      context: .
      dockerfile: Other.dockerfile
      args: {A: "1"}
      labels: {l: v}
      cache_from: [cache:1]
      no_cache: true
      pull: true
      extra_hosts: ["h:10.0.0.1"]
      isolation: default
      network: host
      target: prod
      shm_size: 64m
      tags: [extra:1]
      ulimits: {nofile: {soft: 10, hard: 20}}
      platforms: [linux/amd64]`,
			build: func(t *testing.T, o build.ImageBuildOptions) {
				equal(t, "args", *o.BuildArgs["A"], "1")
				equal(t, "labels", o.Labels["l"], "v")
				equal(t, "cache_from", o.CacheFrom, []string{"cache:1"})
				equal(t, "no_cache", o.NoCache, true)
				equal(t, "pull", o.PullParent, true)
				equal(t, "extra_hosts", o.ExtraHosts, []string{"h:10.0.0.1"})
				equal(t, "isolation", o.Isolation, container.Isolation("default"))
				equal(t, "network", o.NetworkMode, "host")
				equal(t, "target", o.Target, "prod")
				equal(t, "shm_size", o.ShmSize, int64(64*1024*1024))
				equal(t, "tags", o.Tags, []string{"shop-web", "extra:1"})
				equal(t, "ulimits", o.Ulimits, []*container.Ulimit{{Name: "nofile", Soft: 10, Hard: 20}})
				equal(t, "platform", o.Platform, "linux/amd64")
			}},
		{keys: []string{"build.dockerfile_inline", "build.ulimits.*.single"}, yaml: `
services:
  web:
    build:
      context: .
      dockerfile_inline: "FROM busybox"
      ulimits: {nproc: 65535}`,
			build: func(t *testing.T, o build.ImageBuildOptions) {
				equal(t, "ulimits", o.Ulimits, []*container.Ulimit{{Name: "nproc", Soft: 65535, Hard: 65535}})
			}},
		{keys: []string{"cap_add", "cap_drop", "cgroup", "cgroup_parent", "privileged", "read_only", "runtime", "isolation",
			"security_opt", "group_add", "oom_score_adj", "oom_kill_disable", "storage_opt", "sysctls", "init", "userns_mode", "uts"},
			yaml: `
services:
  web:
    image: busybox
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    cgroup: private
    cgroup_parent: /custom
    privileged: true
    read_only: true
    runtime: runc
    isolation: default
    security_opt: [no-new-privileges]
    group_add: ["100"]
    oom_score_adj: 100
    oom_kill_disable: true
    storage_opt: {size: 1G}
    sysctls: {net.core.somaxconn: "1024"}
    init: true
    userns_mode: host
    uts: host`,
			check: func(t *testing.T, c CreateConfig) {
				h := c.HostConfig
				equal(t, "cap_add", []string(h.CapAdd), []string{"NET_ADMIN"})
				equal(t, "cap_drop", []string(h.CapDrop), []string{"ALL"})
				equal(t, "cgroup", h.CgroupnsMode, container.CgroupnsMode("private"))
				equal(t, "cgroup_parent", h.CgroupParent, "/custom")
				equal(t, "privileged", h.Privileged, true)
				equal(t, "read_only", h.ReadonlyRootfs, true)
				equal(t, "runtime", h.Runtime, "runc")
				equal(t, "isolation", h.Isolation, container.Isolation("default"))
				equal(t, "security_opt", h.SecurityOpt, []string{"no-new-privileges"})
				equal(t, "group_add", h.GroupAdd, []string{"100"})
				equal(t, "oom_score_adj", h.OomScoreAdj, 100)
				equal(t, "oom_kill_disable", *h.OomKillDisable, true)
				equal(t, "storage_opt", h.StorageOpt, map[string]string{"size": "1G"})
				equal(t, "sysctls", h.Sysctls, map[string]string{"net.core.somaxconn": "1024"})
				equal(t, "init", *h.Init, true)
				equal(t, "userns_mode", h.UsernsMode, container.UsernsMode("host"))
				equal(t, "uts", h.UTSMode, container.UTSMode("host"))
			}},
		{keys: []string{"command", "entrypoint", "image", "user", "working_dir", "hostname", "domainname", "tty", "stdin_open",
			"stop_signal", "stop_grace_period", "environment", "labels", "platform"}, yaml: `
services:
  web:
    image: busybox
    command: [sleep, "1"]
    entrypoint: [sh, -c]
    user: "1000"
    working_dir: /srv
    hostname: h
    domainname: example.org
    tty: true
    stdin_open: true
    stop_signal: SIGINT
    stop_grace_period: 20s
    environment: {B: "2", A: "1"}
    labels: {tier: web}
    platform: linux/arm64/v8`,
			check: func(t *testing.T, c CreateConfig) {
				g := c.Config
				equal(t, "image", g.Image, "busybox")
				equal(t, "command", []string(g.Cmd), []string{"sleep", "1"})
				equal(t, "entrypoint", []string(g.Entrypoint), []string{"sh", "-c"})
				equal(t, "user", g.User, "1000")
				equal(t, "working_dir", g.WorkingDir, "/srv")
				equal(t, "hostname", g.Hostname, "h")
				equal(t, "domainname", g.Domainname, "example.org")
				equal(t, "tty", g.Tty, true)
				equal(t, "stdin_open", g.OpenStdin, true)
				equal(t, "stop_signal", g.StopSignal, "SIGINT")
				equal(t, "stop_grace_period", *g.StopTimeout, 20)
				equal(t, "environment", g.Env, []string{"A=1", "B=2"})
				equal(t, "labels", g.Labels["tier"], "web")
				equal(t, "platform", [3]string{c.Platform.OS, c.Platform.Architecture, c.Platform.Variant}, [3]string{"linux", "arm64", "v8"})
			}},
		{keys: []string{"configs", "configs[].source", "configs[].target", "configs[].uid", "configs[].gid", "configs[].mode"},
			files: map[string]string{"app.conf": "from a file"},
			env:   map[string]string{"CFG": "from the environment"},
			yaml: `
services:
  web:
    image: busybox
    configs:
      - plain
      - {source: inline, target: etc/inline.conf, uid: "100", gid: "101", mode: 0440}
      - {source: fromenv, target: /env.conf}
      - {source: filemode, target: /filemode.conf, mode: 0400}
configs:
  plain: {file: ./app.conf}
  inline: {content: "inline content"}
  fromenv: {environment: CFG}
  filemode: {file: ./app.conf}`,
			check: func(t *testing.T, c CreateConfig) {
				if len(c.HostConfig.Mounts) != 1 {
					t.Fatalf("mounts: %#v", c.HostConfig.Mounts)
				}
				m := c.HostConfig.Mounts[0]
				equal(t, "file config mount", [3]any{m.Type, m.Target, m.ReadOnly}, [3]any{mount.TypeBind, "/plain", true})
				if !strings.HasSuffix(m.Source, "/app.conf") || !filepath.IsAbs(m.Source) {
					t.Errorf("mount source %q", m.Source)
				}
				equal(t, "files", c.Files, []File{
					{Kind: "config", Name: "inline", Path: "/etc/inline.conf", Content: []byte("inline content"), UID: 100, GID: 101, KeepOwner: true, Mode: 0o440},
					{Kind: "config", Name: "fromenv", Path: "/env.conf", Content: []byte("from the environment"), Mode: 0o444},
					{Kind: "config", Name: "filemode", Path: "/filemode.conf", HostFile: filepath.Join(filepath.Dir(m.Source), "app.conf"), Mode: 0o400},
				})
			}},
		{keys: []string{"secrets", "secrets[].source", "secrets[].target", "secrets[].uid", "secrets[].gid", "secrets[].mode"},
			files: map[string]string{"s.txt": "file secret"},
			env:   map[string]string{"TOKEN": "t0ken"},
			yaml: `
services:
  web:
    image: busybox
    secrets:
      - fromfile
      - {source: token, target: api_token, uid: "0", mode: 0400}
secrets:
  fromfile: {file: ./s.txt}
  token: {environment: TOKEN}`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "secret mount target", c.HostConfig.Mounts[0].Target, "/run/secrets/fromfile")
				equal(t, "files", c.Files, []File{{Kind: "secret", Name: "token", Path: "/run/secrets/api_token", Content: []byte("t0ken"), KeepOwner: true, Mode: 0o400}})
			}},
		{keys: []string{"cpu_count", "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpu_shares",
			"cpus", "cpuset", "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit", "pids_limit", "shm_size",
			"device_cgroup_rules"}, yaml: `
services:
  web:
    image: busybox
    cpu_count: 2
    cpu_percent: 50
    cpu_period: 100000
    cpu_quota: 50000
    cpu_rt_period: 1000000
    cpu_rt_runtime: 950000
    cpu_shares: 512
    cpus: 1.5
    cpuset: "0,1"
    mem_limit: 256m
    mem_reservation: 128m
    mem_swappiness: 10
    memswap_limit: 512m
    pids_limit: 100
    shm_size: 64m
    device_cgroup_rules: ["c 1:3 mr"]`,
			check: func(t *testing.T, c CreateConfig) {
				r := c.HostConfig.Resources
				equal(t, "cpu_count", r.CPUCount, int64(2))
				equal(t, "cpu_percent", r.CPUPercent, int64(50))
				equal(t, "cpu_period", r.CPUPeriod, int64(100000))
				equal(t, "cpu_quota", r.CPUQuota, int64(50000))
				equal(t, "cpu_rt_period", r.CPURealtimePeriod, int64(1000000))
				equal(t, "cpu_rt_runtime", r.CPURealtimeRuntime, int64(950000))
				equal(t, "cpu_shares", r.CPUShares, int64(512))
				equal(t, "cpus", r.NanoCPUs, int64(1.5e9))
				equal(t, "cpuset", r.CpusetCpus, "0,1")
				equal(t, "mem_limit", r.Memory, int64(256<<20))
				equal(t, "mem_reservation", r.MemoryReservation, int64(128<<20))
				equal(t, "mem_swappiness", *r.MemorySwappiness, int64(10))
				equal(t, "memswap_limit", r.MemorySwap, int64(512<<20))
				equal(t, "pids_limit", *r.PidsLimit, int64(100))
				equal(t, "shm_size", c.HostConfig.ShmSize, int64(64<<20))
				equal(t, "device_cgroup_rules", r.DeviceCgroupRules, []string{"c 1:3 mr"})
			}},
		{keys: []string{"deploy", "deploy.resources", "deploy.resources.limits", "deploy.resources.limits.cpus",
			"deploy.resources.limits.memory", "deploy.resources.limits.pids", "deploy.resources.reservations",
			"deploy.resources.reservations.memory", "deploy.resources.reservations.devices",
			"deploy.resources.reservations.devices[].capabilities", "deploy.resources.reservations.devices[].driver",
			"deploy.resources.reservations.devices[].count", "deploy.resources.reservations.devices[].device_ids",
			"deploy.resources.reservations.devices[].options", "deploy.restart_policy", "deploy.restart_policy.condition",
			"deploy.restart_policy.max_attempts"}, yaml: `
services:
  web:
    image: busybox
    deploy:
      resources:
        limits: {cpus: "0.5", memory: 64M, pids: 50}
        reservations:
          memory: 32M
          devices:
            - {capabilities: [gpu], driver: nvidia, count: all, options: {o: v}}
            - {capabilities: [tpu], device_ids: ["0", "1"]}
      restart_policy: {condition: on-failure, max_attempts: 3}`,
			check: func(t *testing.T, c CreateConfig) {
				r := c.HostConfig.Resources
				equal(t, "limit cpus", r.NanoCPUs, int64(5e8))
				equal(t, "limit memory", r.Memory, int64(64<<20))
				equal(t, "limit pids", *r.PidsLimit, int64(50))
				equal(t, "reservation memory", r.MemoryReservation, int64(32<<20))
				equal(t, "device requests", r.DeviceRequests, []container.DeviceRequest{
					{Driver: "nvidia", Count: -1, Capabilities: [][]string{{"gpu"}}, Options: map[string]string{"o": "v"}},
					{DeviceIDs: []string{"0", "1"}, Capabilities: [][]string{{"tpu"}}},
				})
				equal(t, "restart", c.HostConfig.RestartPolicy, container.RestartPolicy{Name: "on-failure", MaximumRetryCount: 3})
			}},
		{keys: []string{"gpus", "gpus[].capabilities", "gpus[].driver", "gpus[].count", "gpus[].device_ids", "gpus[].options",
			"devices", "devices[].source", "devices[].target", "devices[].permissions"}, yaml: `
services:
  web:
    image: busybox
    gpus:
      - {driver: nvidia, count: 2, capabilities: [compute], options: {a: b}}
      - {device_ids: ["GPU-1"]}
    devices:
      - /dev/fuse:/dev/fuse2:rw
      - vendor.com/class=dev0`,
			check: func(t *testing.T, c CreateConfig) {
				r := c.HostConfig.Resources
				equal(t, "devices", r.Devices, []container.DeviceMapping{{PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse2", CgroupPermissions: "rw"}})
				equal(t, "device requests", r.DeviceRequests, []container.DeviceRequest{
					{Driver: "cdi", DeviceIDs: []string{"vendor.com/class=dev0"}},
					{Driver: "nvidia", Count: 2, Capabilities: [][]string{{"compute", "gpu"}}, Options: map[string]string{"a": "b"}},
					{DeviceIDs: []string{"GPU-1"}, Capabilities: [][]string{{"gpu"}}},
				})
			}},
		{keys: []string{"dns", "dns_opt", "dns_search", "extra_hosts", "logging", "logging.driver", "logging.options"}, yaml: `
services:
  web:
    image: busybox
    dns: [10.0.0.2]
    dns_opt: [ndots:1]
    dns_search: [example.org]
    extra_hosts: ["db:10.0.0.3"]
    logging: {driver: json-file, options: {max-size: 1m}}`,
			check: func(t *testing.T, c CreateConfig) {
				h := c.HostConfig
				equal(t, "dns", h.DNS, []string{"10.0.0.2"})
				equal(t, "dns_opt", h.DNSOptions, []string{"ndots:1"})
				equal(t, "dns_search", h.DNSSearch, []string{"example.org"})
				equal(t, "extra_hosts", h.ExtraHosts, []string{"db:10.0.0.3"})
				equal(t, "logging", h.LogConfig, container.LogConfig{Type: "json-file", Config: map[string]string{"max-size": "1m"}})
			}},
		{keys: []string{"expose", "ports", "ports[].host_ip", "ports[].target", "ports[].published", "ports[].protocol"}, yaml: `
services:
  web:
    image: busybox
    expose: ["81"]
    ports: [{target: 80, published: "8080", host_ip: 127.0.0.1, protocol: udp}]`,
			check: func(t *testing.T, c CreateConfig) {
				if _, ok := c.Config.ExposedPorts["81/tcp"]; !ok {
					t.Errorf("expose: %v", c.Config.ExposedPorts)
				}
				b := c.HostConfig.PortBindings["80/udp"]
				if len(b) != 1 || b[0].HostIP != "127.0.0.1" || b[0].HostPort != "8080" {
					t.Errorf("ports: %v", c.HostConfig.PortBindings)
				}
			}},
		{keys: []string{"healthcheck", "healthcheck.test", "healthcheck.timeout", "healthcheck.interval", "healthcheck.retries",
			"healthcheck.start_period", "healthcheck.start_interval"}, api: "1.44", yaml: `
services:
  web:
    image: busybox
    healthcheck: {test: [CMD, "true"], timeout: 2s, interval: 3s, retries: 4, start_period: 5s, start_interval: 1s}`,
			check: func(t *testing.T, c CreateConfig) {
				h := c.Config.Healthcheck
				equal(t, "test", h.Test, []string{"CMD", "true"})
				equal(t, "durations", [4]int64{int64(h.Timeout), int64(h.Interval), int64(h.StartPeriod), int64(h.StartInterval)}, [4]int64{2e9, 3e9, 5e9, 1e9})
				equal(t, "retries", h.Retries, 4)
			}},
		{keys: []string{"healthcheck.disable"}, yaml: `
services:
  web: {image: busybox, healthcheck: {disable: true}}`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "test", c.Config.Healthcheck.Test, []string{"NONE"})
			}},
		{keys: []string{"ipc", "pid", "network_mode", "volumes_from", "links", "external_links", "restart"}, yaml: `
services:
  web:
    image: busybox
    ipc: service:db
    pid: service:db
    network_mode: service:db
    volumes_from: [db]
    links: [db:database]
    external_links: [other:o]
    restart: on-failure:2
  db: {image: busybox}`,
			check: func(t *testing.T, c CreateConfig) {
				h := c.HostConfig
				equal(t, "ipc", h.IpcMode, container.IpcMode("container:shop-db-1"))
				equal(t, "pid", h.PidMode, container.PidMode("container:shop-db-1"))
				equal(t, "network_mode", h.NetworkMode, container.NetworkMode("container:shop-db-1"))
				equal(t, "volumes_from", h.VolumesFrom, []string{"shop-db-1"})
				equal(t, "links", h.Links, []string{"shop-db-1:database", "other:o"})
				equal(t, "restart", h.RestartPolicy, container.RestartPolicy{Name: "on-failure", MaximumRetryCount: 2})
			}},
		{keys: []string{"networks", "networks.*.aliases", "networks.*.driver_opts", "networks.*.gw_priority",
			"networks.*.interface_name", "networks.*.ipv4_address", "networks.*.ipv6_address", "networks.*.link_local_ips",
			"networks.*.mac_address", "networks.*.priority", "networks.*.use_service_name_alias", "mac_address"}, api: "1.49", yaml: `
services:
  web:
    image: busybox
    mac_address: "02:42:ac:11:00:02"
    networks:
      front:
        priority: 10
        aliases: [www]
        ipv4_address: 10.1.0.5
        ipv6_address: "fd00::5"
        link_local_ips: [169.254.0.5]
        driver_opts: {o: v}
        interface_name: eth7
      back:
        gw_priority: 5
        mac_address: "02:42:ac:11:00:03"
        use_service_name_alias: false
networks:
  front: {}
  back: {}`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "primary", c.HostConfig.NetworkMode, container.NetworkMode("shop_front"))
				f := c.Networking.EndpointsConfig["shop_front"]
				equal(t, "aliases", f.Aliases, []string{"web", "www"})
				equal(t, "ipam", [3]any{f.IPAMConfig.IPv4Address, f.IPAMConfig.IPv6Address, f.IPAMConfig.LinkLocalIPs}, [3]any{"10.1.0.5", "fd00::5", []string{"169.254.0.5"}})
				equal(t, "driver_opts", f.DriverOpts, map[string]string{"o": "v", ifnameOpt: "eth7"})
				equal(t, "primary mac", f.MacAddress, "02:42:ac:11:00:02")
				b := c.Networking.EndpointsConfig["shop_back"]
				equal(t, "gw_priority", b.GwPriority, 5)
				equal(t, "back mac", b.MacAddress, "02:42:ac:11:00:03")
				equal(t, "no service alias", len(b.Aliases), 0)
			}},
		{keys: []string{"tmpfs", "ulimits", "ulimits.*.single", "ulimits.*.soft", "ulimits.*.hard"}, yaml: `
services:
  web:
    image: busybox
    tmpfs: ["/run:size=1m"]
    ulimits: {nproc: 100, nofile: {soft: 10, hard: 20}}`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "tmpfs", c.HostConfig.Tmpfs, map[string]string{"/run": "size=1m"})
				equal(t, "ulimits", c.HostConfig.Ulimits, []*container.Ulimit{{Name: "nofile", Soft: 10, Hard: 20}, {Name: "nproc", Soft: 100, Hard: 100}})
			}},
		{keys: []string{"use_api_socket"}, yaml: `
services:
  web: {image: busybox, use_api_socket: true}`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "binds", c.HostConfig.Binds, []string{"/var/run/docker.sock:/var/run/docker.sock"})
				equal(t, "env", c.Config.Env, []string{"DOCKER_CONFIG=/run/secrets/docker"})
				equal(t, "files", c.Files, []File{{Kind: "config", Name: "use_api_socket", Path: "/run/secrets/docker/config.json", Credentials: true, Mode: 0o444}})
			}},
		{keys: []string{"volumes", "volumes[].type", "volumes[].source", "volumes[].target", "volumes[].read_only",
			"volumes[].bind", "volumes[].bind.selinux", "volumes[].bind.propagation", "volumes[].volume", "volumes[].volume.nocopy",
			"volumes[].tmpfs", "volumes[].tmpfs.size", "volumes[].tmpfs.mode"}, yaml: `
services:
  web:
    image: busybox
    volumes:
      - {type: volume, source: data, target: /data, read_only: true, volume: {nocopy: true}}
      - {type: bind, source: /srv, target: /srv, bind: {selinux: z, propagation: rshared}}
      - {type: tmpfs, target: /tmp, tmpfs: {size: 1024, mode: 0700}}
volumes:
  data: {}`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "binds", c.HostConfig.Binds, []string{"shop_data:/data:ro,nocopy", "/srv:/srv:z,rshared"})
				equal(t, "tmpfs", c.HostConfig.Tmpfs, map[string]string{"/tmp": "size=1024,mode=700"})
			}},
		{keys: []string{"volumes[].bind.create_host_path", "volumes[].bind.recursive", "volumes[].volume.labels",
			"volumes[].volume.subpath", "volumes[].image", "volumes[].image.subpath"}, api: "1.48", yaml: `
services:
  web:
    image: busybox
    volumes:
      - {type: bind, source: /srv/a, target: /a, bind: {create_host_path: false}}
      - {type: bind, source: /srv/b, target: /b, read_only: true, bind: {recursive: readonly}}
      - {type: volume, source: data, target: /data, volume: {labels: {l: v}, subpath: sub}}
      - {type: image, source: tools:1, target: /tools, image: {subpath: bin}}
volumes:
  data: {}`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "mounts", c.HostConfig.Mounts, []mount.Mount{
					{Type: mount.TypeBind, Source: "/srv/a", Target: "/a", BindOptions: &mount.BindOptions{}},
					{Type: mount.TypeBind, Source: "/srv/b", Target: "/b", ReadOnly: true, BindOptions: &mount.BindOptions{CreateMountpoint: true, ReadOnlyForceRecursive: true}},
					{Type: mount.TypeVolume, Source: "shop_data", Target: "/data", VolumeOptions: &mount.VolumeOptions{Labels: map[string]string{"l": "v"}, Subpath: "sub"}},
					{Type: mount.TypeImage, Source: "tools:1", Target: "/tools", ImageOptions: &mount.ImageOptions{Subpath: "bin"}},
				})
				equal(t, "no binds", len(c.HostConfig.Binds), 0)
			}},
	}
}

// loadKeyCase loads a keyCase's file as project "shop".
func loadKeyCase(t *testing.T, kc keyCase) *types.Project {
	t.Helper()
	dir := t.TempDir()
	for name, content := range kc.files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte(kc.yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: file}},
		Environment: types.Mapping(kc.env),
	}, func(o *loader.Options) { o.SetProjectName("shop", true) })
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return p
}

// TestKeyConversion runs the conversion test of each key of the table.
func TestKeyConversion(t *testing.T) {
	for _, kc := range keyCases() {
		t.Run(kc.keys[0], func(t *testing.T) {
			p := loadKeyCase(t, kc)
			r := request(t, p, "web")
			if kc.build != nil {
				opts, err := buildOptions(BuildRequest{Build: *r.Service.Build, Tags: []string{"shop-web"}})
				if err != nil {
					t.Fatal(err)
				}
				kc.build(t, opts)
				return
			}
			api := kc.api
			if api == "" {
				api = "1.41"
			}
			c, err := ContainerConfig(r, api)
			if err != nil {
				t.Fatal(err)
			}
			kc.check(t, c)
		})
	}
}

// TestEveryHonouredKeyHasAConversionTest fails when a key the table says
// stack honours has no case in keyCases.
func TestEveryHonouredKeyHasAConversionTest(t *testing.T) {
	var tested []string
	for _, kc := range keyCases() {
		tested = append(tested, kc.keys...)
	}
	for _, k := range project.ServiceKeys() {
		if k.Status != project.KeyHonoured {
			continue
		}
		if _, ok := keysTestedElsewhere[k.Path]; ok {
			continue
		}
		if !slices.Contains(tested, k.Path) {
			t.Errorf("honoured key %q has no conversion test in keyCases", k.Path)
		}
	}
	for _, k := range tested {
		if !slices.ContainsFunc(project.ServiceKeys(), func(x project.Key) bool { return x.Path == k }) {
			t.Errorf("keyCases tests %q, which is not in the key table", k)
		}
	}
}

// TestNewKeyErrors checks that what an engine cannot do, or a secret that
// cannot be provided, is an error naming the service and the key.
func TestNewKeyErrors(t *testing.T) {
	tests := []struct {
		name, yaml, api string
		env             map[string]string
		want            string
	}{
		{"annotations on an old engine", "services:\n  web: {image: busybox, annotations: {a: b}}", "1.41",
			nil, `service "web": annotations: needs Docker Engine API 1.43 or later (engine: 1.41)`},
		{"gw_priority on an old engine", "services:\n  web: {image: busybox, networks: {n: {gw_priority: 1}}}\nnetworks: {n: {}}", "1.47",
			nil, `service "web": networks.n.gw_priority: needs Docker Engine API 1.48`},
		{"interface_name on an old engine", "services:\n  web: {image: busybox, networks: {n: {interface_name: e}}}\nnetworks: {n: {}}", "1.48",
			nil, `networks.n.interface_name: needs Docker Engine API 1.49`},
		{"recursive readonly on an old engine", "services:\n  web: {image: busybox, volumes: [{type: bind, source: /a, target: /a, read_only: true, bind: {recursive: readonly}}]}", "1.41",
			nil, `volumes.bind.recursive: needs Docker Engine API 1.44`},
		{"subpath on an old engine", "services:\n  web: {image: busybox, volumes: [{type: volume, source: d, target: /d, volume: {subpath: x}}]}\nvolumes: {d: {}}", "1.44",
			nil, `volumes.volume.subpath: needs Docker Engine API 1.45`},
		{"image volume on an old engine", "services:\n  web: {image: busybox, volumes: [{type: image, source: i, target: /i}]}", "1.41",
			nil, `service "web": volumes: needs Docker Engine API 1.48`},
		{"cluster volume", "services:\n  web: {image: busybox, volumes: [{type: cluster, source: c, target: /c}]}", "1.41",
			nil, `cluster volume of "/c" exists only on a swarm`},
		{"secret variable not set", "services:\n  web: {image: busybox, secrets: [s]}\nsecrets: {s: {environment: NOPE}}", "1.41",
			nil, `service "web": secrets[0]: environment variable "NOPE" required by secret "s" is not set`},
		{"external secret", "services:\n  web: {image: busybox, secrets: [s]}\nsecrets: {s: {external: true}}", "1.41",
			nil, `secrets[0]: secret "s" is external`},
		{"secret into a read-only container", "services:\n  web: {image: busybox, read_only: true, secrets: [s]}\nsecrets: {s: {environment: V}}", "1.41",
			map[string]string{"V": "x"}, `secrets[0]: secret "s" cannot be written into a read_only container`},
		{"uid not numeric", "services:\n  web: {image: busybox, secrets: [{source: s, uid: root}]}\nsecrets: {s: {environment: V}}", "1.41",
			map[string]string{"V": "x"}, `secrets[0].uid: "root" is not a numeric id`},
		{"secret over a volume", "services:\n  web:\n    image: busybox\n    volumes: [{type: volume, source: d, target: /run/secrets/s}]\n    secrets: [s]\nsecrets: {s: {environment: V}}\nvolumes: {d: {}}", "1.41",
			map[string]string{"V": "x"}, `target "/run/secrets/s" of secret "s" is also the target of a volume`},
		{"bad device cgroup rule", "services:\n  web: {image: busybox, device_cgroup_rules: [\"c 1:3\"]}", "1.41",
			nil, `device_cgroup_rules: "c 1:3" is not`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loadKeyCase(t, keyCase{yaml: tt.yaml, env: tt.env})
			_, err := ContainerConfig(request(t, p, "web"), tt.api)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if err != nil && tt.env != nil && strings.Contains(err.Error(), tt.env["V"]+"\"") {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}

func TestFilesChangeTheStackHash(t *testing.T) {
	yaml := "services:\n  web: {image: busybox, secrets: [s]}\nsecrets: {s: {environment: V}}"
	hash := func(v string) string {
		p := loadKeyCase(t, keyCase{yaml: yaml, env: map[string]string{"V": v}})
		c, err := ContainerConfig(request(t, p, "web"), "1.41")
		if err != nil {
			t.Fatal(err)
		}
		return c.Config.Labels[LabelStackHash]
	}
	if hash("a") == hash("b") {
		t.Error("a changed secret value keeps the stack hash: the container would keep the old value")
	}
	plain := convert(t, "services:\n  web: {image: busybox}", "web", "1.41")
	if _, ok := map[string]bool{}[plain.Config.Labels[LabelStackHash]]; ok || plain.Files != nil {
		t.Error("a service without secrets has files")
	}
}

func TestCDINames(t *testing.T) {
	for dev, want := range map[string]bool{
		"nvidia.com/gpu=all": true, "vendor.com/class=dev0": true,
		"/dev/fuse": false, "gpu=all": false, "nvidia.com/gpu": false, "/x.y/z=1": false,
	} {
		if isCDIName(dev) != want {
			t.Errorf("isCDIName(%q) = %v", dev, !want)
		}
	}
}
