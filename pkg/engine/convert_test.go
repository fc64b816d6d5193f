package engine

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
)

// loadProject loads a compose file the way pkg/project does (compose-go with
// its defaults), in a temporary working directory holding files.
func loadProject(t *testing.T, yaml string, files map[string]string) *types.Project {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: file}},
		Environment: types.Mapping{"FROM_HOST": "host-value"},
	}, func(o *loader.Options) { o.SetProjectName("shop", true) })
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return p
}

func request(t *testing.T, p *types.Project, service string) CreateRequest {
	t.Helper()
	s, err := p.GetService(service)
	if err != nil {
		t.Fatal(err)
	}
	return CreateRequest{
		Project: p,
		Service: s,
		Name:    "shop-" + service + "-1",
		Number:  1,
		Peers:   map[string]string{"db": "shop-db-1", "cache": "shop-cache-2", "web": "shop-web-1"},
	}
}

func convert(t *testing.T, yaml, service, api string) CreateConfig {
	t.Helper()
	p := loadProject(t, yaml, nil)
	c, err := ContainerConfig(request(t, p, service), api)
	if err != nil {
		t.Fatalf("ContainerConfig: %v", err)
	}
	return c
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}

func TestContainerConfig(t *testing.T) {
	const api41, api44 = "1.41", "1.44"
	tests := []struct {
		name    string
		yaml    string
		service string // default "web"
		api     string // default 1.41
		check   func(t *testing.T, c CreateConfig)
	}{
		{
			name: "image command entrypoint workdir user hostname",
			yaml: `
services:
  web:
    image: busybox
    command: ["sh", "-c", "echo hi"]
    entrypoint: []
    working_dir: /srv
    user: "1000:1000"
    hostname: web1
    domainname: example.org
    tty: true
    stdin_open: true
    stop_signal: SIGINT
    stop_grace_period: 1m30s
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "image", c.Config.Image, "busybox")
				equal(t, "cmd", []string(c.Config.Cmd), []string{"sh", "-c", "echo hi"})
				if c.Config.Entrypoint == nil || len(c.Config.Entrypoint) != 0 {
					t.Errorf("entrypoint: got %#v, want an empty non-nil list (clears the image's)", c.Config.Entrypoint)
				}
				equal(t, "workdir", c.Config.WorkingDir, "/srv")
				equal(t, "user", c.Config.User, "1000:1000")
				equal(t, "hostname", c.Config.Hostname, "web1")
				equal(t, "domainname", c.Config.Domainname, "example.org")
				equal(t, "tty", c.Config.Tty, true)
				equal(t, "stdin_open", c.Config.OpenStdin, true)
				equal(t, "stop_signal", c.Config.StopSignal, "SIGINT")
				equal(t, "stop timeout", *c.Config.StopTimeout, 90)
			},
		},
		{
			name: "no command and no entrypoint keep the image's",
			yaml: `
services:
  web:
    image: busybox
`,
			check: func(t *testing.T, c CreateConfig) {
				if c.Config.Cmd != nil || c.Config.Entrypoint != nil {
					t.Errorf("cmd %#v entrypoint %#v: want nil", c.Config.Cmd, c.Config.Entrypoint)
				}
				equal(t, "restart", c.HostConfig.RestartPolicy, container.RestartPolicy{})
				equal(t, "healthcheck", c.Config.Healthcheck, (*container.HealthConfig)(nil))
			},
		},
		{
			name: "build-only service uses Compose's image name",
			yaml: `
services:
  web:
    build: .
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "image", c.Config.Image, "shop-web")
			},
		},
		{
			name: "environment and env_file",
			yaml: `
services:
  web:
    image: busybox
    env_file: [web.env]
    environment:
      A: "1"
      FROM_HOST:
      UNSET:
      OVERRIDE: from-environment
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "env", c.Config.Env, []string{
					"A=1", "FILE_ONLY=file", "FROM_HOST=host-value", "OVERRIDE=from-environment",
				})
			},
		},
		{
			name: "ports: single, udp, host ip, range, random, ip with random",
			yaml: `
services:
  web:
    image: busybox
    ports:
      - "8080:80"
      - "53:53/udp"
      - "127.0.0.1:8443:443"
      - "8000-8002:90-92"
      - "3000"
      - "127.0.0.1::5000"
    expose:
      - "9000"
      - "9100-9101/udp"
`,
			check: func(t *testing.T, c CreateConfig) {
				want := nat.PortMap{
					"80/tcp":   {{HostPort: "8080"}},
					"53/udp":   {{HostPort: "53"}},
					"443/tcp":  {{HostIP: "127.0.0.1", HostPort: "8443"}},
					"90/tcp":   {{HostPort: "8000"}},
					"91/tcp":   {{HostPort: "8001"}},
					"92/tcp":   {{HostPort: "8002"}},
					"3000/tcp": {{HostPort: ""}},
					"5000/tcp": {{HostIP: "127.0.0.1", HostPort: ""}},
				}
				equal(t, "bindings", c.HostConfig.PortBindings, want)
				exposed := nat.PortSet{}
				for p := range want {
					exposed[p] = struct{}{}
				}
				exposed["9000/tcp"] = struct{}{}
				exposed["9100/udp"] = struct{}{}
				exposed["9101/udp"] = struct{}{}
				equal(t, "exposed", c.Config.ExposedPorts, exposed)
			},
		},
		{
			name: "volumes: named, external, bind read-only, anonymous, tmpfs with size, tmpfs list",
			yaml: `
services:
  web:
    image: busybox
    volumes:
      - data:/data
      - type: volume
        source: data
        target: /nocopy
        volume: {nocopy: true}
      - shared:/shared:ro
      - ./conf:/etc/conf:ro
      - /abs:/abs
      - /anon
      - type: tmpfs
        target: /scratch
        tmpfs: {size: 1048576}
    tmpfs:
      - /run:size=64m
      - /tmp
volumes:
  data: {}
  shared:
    external: true
    name: company-shared
`,
			check: func(t *testing.T, c CreateConfig) {
				wd := c.Config.Labels[LabelWorkingDir]
				equal(t, "binds", c.HostConfig.Binds, []string{
					"shop_data:/data",
					"shop_data:/nocopy:nocopy",
					"company-shared:/shared:ro",
					wd + "/conf:/etc/conf:ro",
					"/abs:/abs",
				})
				equal(t, "anonymous", c.Config.Volumes, map[string]struct{}{"/anon": {}})
				equal(t, "tmpfs", c.HostConfig.Tmpfs, map[string]string{
					"/scratch": "size=1048576",
					"/run":     "size=64m",
					"/tmp":     "",
				})
				if len(c.HostConfig.Mounts) != 0 {
					t.Errorf("mounts: %v, want none (binds only)", c.HostConfig.Mounts)
				}
			},
		},
		{
			name: "default network gets the service alias",
			yaml: `
services:
  web:
    image: busybox
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "network mode", string(c.HostConfig.NetworkMode), "shop_default")
				equal(t, "endpoints", c.Networking.EndpointsConfig, map[string]*network.EndpointSettings{
					"shop_default": {Aliases: []string{"web"}},
				})
				if len(c.Connect) != 0 {
					t.Errorf("connect: %v", c.Connect)
				}
			},
		},
		{
			name: "several networks on API 1.41: first at create, the rest connected",
			api:  api41,
			yaml: `
services:
  web:
    image: busybox
    networks:
      front:
        aliases: [www, web]
        ipv4_address: 172.30.0.10
      back:
        priority: 100
      zeta: {}
networks:
  front:
    ipam:
      config: [{subnet: 172.30.0.0/24}]
  back: {}
  zeta:
    name: custom-zeta
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "network mode", string(c.HostConfig.NetworkMode), "shop_back")
				equal(t, "endpoints", c.Networking.EndpointsConfig, map[string]*network.EndpointSettings{
					"shop_back": {Aliases: []string{"web"}},
				})
				equal(t, "connect", c.Connect, []Endpoint{
					{Network: "shop_front", Settings: &network.EndpointSettings{
						Aliases:    []string{"web", "www"},
						IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: "172.30.0.10"},
					}},
					{Network: "custom-zeta", Settings: &network.EndpointSettings{Aliases: []string{"web"}}},
				})
			},
		},
		{
			name: "several networks on API 1.44: all at create",
			api:  api44,
			yaml: `
services:
  web:
    image: busybox
    networks: [front, back]
networks:
  front: {}
  back: {}
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "network mode", string(c.HostConfig.NetworkMode), "shop_back")
				equal(t, "endpoints", c.Networking.EndpointsConfig, map[string]*network.EndpointSettings{
					"shop_back":  {Aliases: []string{"web"}},
					"shop_front": {Aliases: []string{"web"}},
				})
				if len(c.Connect) != 0 {
					t.Errorf("connect: %v", c.Connect)
				}
			},
		},
		{
			name: "network_mode service:X and ipc/pid service:X",
			yaml: `
services:
  db:
    image: busybox
  web:
    image: busybox
    network_mode: service:db
    ipc: service:cache
    pid: "container:other"
  cache:
    image: busybox
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "network mode", string(c.HostConfig.NetworkMode), "container:shop-db-1")
				equal(t, "ipc", string(c.HostConfig.IpcMode), "container:shop-cache-2")
				equal(t, "pid", string(c.HostConfig.PidMode), "container:other")
				if c.Networking != nil {
					t.Errorf("networking: %#v, want nil", c.Networking)
				}
			},
		},
		{
			name: "network_mode host, none",
			yaml: `
services:
  web:
    image: busybox
    network_mode: host
  other:
    image: busybox
    network_mode: none
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "network mode", string(c.HostConfig.NetworkMode), "host")
			},
		},
		{
			name: "links and external links",
			yaml: `
services:
  db:
    image: busybox
  cache:
    image: busybox
  web:
    image: busybox
    links: ["db:mysql", "cache"]
    external_links: ["legacy_redis_1:redis", "standalone"]
`,
			check: func(t *testing.T, c CreateConfig) {
				want := []string{"shop-db-1:mysql", "shop-cache-2:cache", "legacy_redis_1:redis", "standalone:standalone"}
				equal(t, "links", c.HostConfig.Links, want)
				equal(t, "endpoint links", c.Networking.EndpointsConfig["shop_default"].Links, want)
			},
		},
		{
			name: "volumes_from service, service:ro, container",
			yaml: `
services:
  db:
    image: busybox
  cache:
    image: busybox
  web:
    image: busybox
    volumes_from: ["db", "cache:ro", "container:data-only:rw"]
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "volumes_from", c.HostConfig.VolumesFrom, []string{"shop-db-1", "shop-cache-2:ro", "data-only:rw"})
			},
		},
		{
			name: "restart on-failure:N",
			yaml: `
services:
  web:
    image: busybox
    restart: on-failure:3
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "restart", c.HostConfig.RestartPolicy, container.RestartPolicy{Name: "on-failure", MaximumRetryCount: 3})
			},
		},
		{
			name: "restart unless-stopped",
			yaml: `
services:
  web:
    image: busybox
    restart: unless-stopped
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "restart", c.HostConfig.RestartPolicy, container.RestartPolicy{Name: "unless-stopped"})
			},
		},
		{
			name: "deploy.restart_policy overrides restart",
			yaml: `
services:
  web:
    image: busybox
    restart: always
    deploy:
      restart_policy:
        condition: on-failure
        max_attempts: 5
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "restart", c.HostConfig.RestartPolicy, container.RestartPolicy{Name: "on-failure", MaximumRetryCount: 5})
			},
		},
		{
			name: "healthcheck CMD-SHELL with timings, start_interval dropped on 1.41",
			yaml: `
services:
  web:
    image: busybox
    healthcheck:
      test: wget -q -O- localhost
      interval: 5s
      timeout: 2s
      retries: 3
      start_period: 10s
      start_interval: 1s
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "healthcheck", c.Config.Healthcheck, &container.HealthConfig{
					Test:        []string{"CMD-SHELL", "wget -q -O- localhost"},
					Interval:    5 * time.Second,
					Timeout:     2 * time.Second,
					Retries:     3,
					StartPeriod: 10 * time.Second,
				})
			},
		},
		{
			name: "healthcheck CMD with start_interval on 1.44",
			api:  api44,
			yaml: `
services:
  web:
    image: busybox
    healthcheck:
      test: ["CMD", "true"]
      start_interval: 1s
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "healthcheck", c.Config.Healthcheck, &container.HealthConfig{
					Test:          []string{"CMD", "true"},
					StartInterval: time.Second,
				})
			},
		},
		{
			name: "healthcheck NONE",
			yaml: `
services:
  web:
    image: busybox
    healthcheck:
      test: ["NONE"]
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "healthcheck", c.Config.Healthcheck.Test, []string{"NONE"})
			},
		},
		{
			name: "healthcheck disable",
			yaml: `
services:
  web:
    image: busybox
    healthcheck:
      disable: true
`,
			check: func(t *testing.T, c CreateConfig) {
				equal(t, "healthcheck", c.Config.Healthcheck, &container.HealthConfig{Test: []string{"NONE"}})
			},
		},
		{
			name: "resources: mem_limit, reservation, cpus, pids, shm, ulimits",
			yaml: `
services:
  web:
    image: busybox
    mem_limit: 64m
    mem_reservation: 32m
    cpus: 0.5
    pids_limit: 100
    shm_size: 128m
    ulimits:
      nproc: 65535
      nofile:
        soft: 20000
        hard: 40000
`,
			check: func(t *testing.T, c CreateConfig) {
				r := c.HostConfig.Resources
				equal(t, "memory", r.Memory, int64(64<<20))
				equal(t, "reservation", r.MemoryReservation, int64(32<<20))
				equal(t, "nano cpus", r.NanoCPUs, int64(0.5e9))
				equal(t, "pids", *r.PidsLimit, int64(100))
				equal(t, "shm", c.HostConfig.ShmSize, int64(128<<20))
				equal(t, "ulimits", r.Ulimits, []*container.Ulimit{
					{Name: "nofile", Soft: 20000, Hard: 40000},
					{Name: "nproc", Soft: 65535, Hard: 65535},
				})
			},
		},
		{
			name: "resources: deploy limits and reservations",
			yaml: `
services:
  web:
    image: busybox
    deploy:
      resources:
        limits:
          memory: 256m
          cpus: "1.5"
          pids: 50
        reservations:
          memory: 16m
`,
			check: func(t *testing.T, c CreateConfig) {
				r := c.HostConfig.Resources
				equal(t, "memory", r.Memory, int64(256<<20))
				equal(t, "reservation", r.MemoryReservation, int64(16<<20))
				equal(t, "nano cpus", r.NanoCPUs, int64(1.5e9))
				equal(t, "pids", *r.PidsLimit, int64(50))
			},
		},
		{
			name: "security, host options, logging, platform, runtime",
			yaml: `
services:
  web:
    image: busybox
    init: true
    privileged: true
    read_only: true
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    extra_hosts:
      - "somehost=162.242.195.82"
      - "other:10.0.0.1"
    dns: [8.8.8.8]
    dns_search: [example.org]
    dns_opt: [use-vc]
    sysctls:
      net.core.somaxconn: "1024"
    devices: ["/dev/null:/dev/xnull"]
    group_add: [audio]
    oom_score_adj: 500
    logging:
      driver: json-file
      options: {max-size: 1m}
    platform: linux/amd64
    runtime: runc
    cgroup_parent: stack.slice
    userns_mode: host
`,
			check: func(t *testing.T, c CreateConfig) {
				h := c.HostConfig
				equal(t, "init", *h.Init, true)
				equal(t, "privileged", h.Privileged, true)
				equal(t, "read only", h.ReadonlyRootfs, true)
				equal(t, "cap add", []string(h.CapAdd), []string{"NET_ADMIN"})
				equal(t, "cap drop", []string(h.CapDrop), []string{"ALL"})
				equal(t, "security opt", h.SecurityOpt, []string{"no-new-privileges:true"})
				equal(t, "extra hosts", h.ExtraHosts, []string{"other:10.0.0.1", "somehost:162.242.195.82"})
				equal(t, "dns", []string(h.DNS), []string{"8.8.8.8"})
				equal(t, "dns search", []string(h.DNSSearch), []string{"example.org"})
				equal(t, "dns opt", h.DNSOptions, []string{"use-vc"})
				equal(t, "sysctls", h.Sysctls, map[string]string{"net.core.somaxconn": "1024"})
				equal(t, "devices", h.Devices, []container.DeviceMapping{{PathOnHost: "/dev/null", PathInContainer: "/dev/xnull", CgroupPermissions: "rwm"}})
				equal(t, "group add", h.GroupAdd, []string{"audio"})
				equal(t, "oom score adj", h.OomScoreAdj, 500)
				equal(t, "logging", h.LogConfig, container.LogConfig{Type: "json-file", Config: map[string]string{"max-size": "1m"}})
				equal(t, "platform", c.Platform.OS+"/"+c.Platform.Architecture, "linux/amd64")
				equal(t, "runtime", h.Runtime, "runc")
				equal(t, "cgroup parent", h.CgroupParent, "stack.slice")
				equal(t, "userns", string(h.UsernsMode), "host")
			},
		},
		{
			name: "labels",
			yaml: `
services:
  db:
    image: busybox
  web:
    image: busybox
    labels:
      app: shop
      com.docker.compose.project: spoofed
    depends_on:
      db:
        condition: service_healthy
        restart: true
    links: [cache]
  cache:
    image: busybox
`,
			check: func(t *testing.T, c CreateConfig) {
				l := c.Config.Labels
				equal(t, "user label", l["app"], "shop")
				equal(t, "project", l[LabelProject], "shop")
				equal(t, "service", l[LabelService], "web")
				equal(t, "number", l[LabelNumber], "1")
				equal(t, "oneoff", l[LabelOneOff], "False")
				equal(t, "depends_on", l[LabelDependsOn], "cache:service_started:true,db:service_healthy:true")
				equal(t, "version", l[LabelVersion], ComposeVersion)
				equal(t, "caller label", l[LabelReplace], "old-id")
				if !strings.HasSuffix(l[LabelConfigFiles], "compose.yaml") || l[LabelWorkingDir] == "" {
					t.Errorf("files %q, working dir %q", l[LabelConfigFiles], l[LabelWorkingDir])
				}
				if len(l[LabelConfigHash]) != 64 || !strings.HasPrefix(l[LabelStackHash], "v1:") {
					t.Errorf("hashes %q %q", l[LabelConfigHash], l[LabelStackHash])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"web.env": "FILE_ONLY=file\nOVERRIDE=from-file\n"}
			p := loadProject(t, tt.yaml, files)
			service := "web"
			if tt.service != "" {
				service = tt.service
			}
			api := tt.api
			if api == "" {
				api = api41
			}
			p.ComposeFiles = []string{filepath.Join(p.WorkingDir, "compose.yaml")}
			r := request(t, p, service)
			r.Labels = map[string]string{LabelReplace: "old-id"}
			c, err := ContainerConfig(r, api)
			if err != nil {
				t.Fatalf("ContainerConfig: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestContainerConfigOneOffHasNoServiceAlias(t *testing.T) {
	p := loadProject(t, "services:\n  web:\n    image: busybox\n", nil)
	r := request(t, p, "web")
	r.OneOff = true
	c, err := ContainerConfig(r, "1.41")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "oneoff label", c.Config.Labels[LabelOneOff], "True")
	if a := c.Networking.EndpointsConfig["shop_default"].Aliases; len(a) != 0 {
		t.Errorf("aliases %v, want none", a)
	}
}

func TestContainerConfigInvalidHealthcheck(t *testing.T) {
	// compose-go's loader rejects this too; a service built in code must not pass.
	p := loadProject(t, "services:\n  web:\n    image: busybox\n", nil)
	r := request(t, p, "web")
	r.Service.HealthCheck = &types.HealthCheckConfig{Test: types.HealthCheckTest{"RUN", "true"}}
	_, err := ContainerConfig(r, "1.41")
	if err == nil || !strings.Contains(err.Error(), `service "web": healthcheck.test`) {
		t.Errorf("error %v", err)
	}
}

func TestContainerConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		yaml   string
		peers  map[string]string
		wantIn []string
	}{
		{
			name:   "restart",
			yaml:   "services:\n  web:\n    image: busybox\n    restart: sometimes\n",
			wantIn: []string{`service "web"`, "restart", "sometimes"},
		},
		{
			name:   "restart count",
			yaml:   "services:\n  web:\n    image: busybox\n    restart: on-failure:x\n",
			wantIn: []string{`service "web"`, "restart", "on-failure:x"},
		},
		{
			name:   "missing peer for network_mode",
			yaml:   "services:\n  db:\n    image: busybox\n  web:\n    image: busybox\n    network_mode: service:db\n",
			peers:  map[string]string{},
			wantIn: []string{`service "web"`, "network_mode", `"db"`},
		},
		{
			name:   "missing peer for links",
			yaml:   "services:\n  db:\n    image: busybox\n  web:\n    image: busybox\n    links: [db]\n",
			peers:  map[string]string{},
			wantIn: []string{`service "web"`, "links", `"db"`},
		},
		{
			name:   "platform",
			yaml:   "services:\n  web:\n    image: busybox\n    platform: linux//\n",
			wantIn: []string{`service "web"`, "platform"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loadProject(t, tt.yaml, nil)
			r := request(t, p, "web")
			if tt.peers != nil {
				r.Peers = tt.peers
			}
			_, err := ContainerConfig(r, "1.41")
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

const hashYAML = `
services:
  web:
    image: busybox
    environment: {A: "1"}
    ports: ["8080:80"]
    networks: [front, back]
    depends_on: [db]
  db:
    image: busybox
networks:
  front: {}
  back: {}
`

func TestConfigHash(t *testing.T) {
	base := loadProject(t, hashYAML, nil)
	s, _ := base.GetService("web")
	h1, err := ConfigHash(s)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := ConfigHash(s)
	equal(t, "same service", h2, h1)
	if len(h1) != 64 {
		t.Errorf("hash %q is not sha256 hex", h1)
	}

	scaled := s
	n := 3
	scaled.Scale = &n
	scaled.Deploy = &types.DeployConfig{Replicas: &n}
	scaled.DependsOn = nil
	scaled.Profiles = []string{"debug"}
	scaled.PullPolicy = "never"
	scaled.Build = &types.BuildConfig{Context: "."}
	hs, _ := ConfigHash(scaled)
	// A deploy section holding only replicas marshals to {} and so differs
	// from none at all, as in Compose; compare against the same shape.
	noReplicas := s
	noReplicas.Deploy = &types.DeployConfig{}
	hn, _ := ConfigHash(noReplicas)
	equal(t, "scale, replicas, depends_on, profiles, pull_policy, build ignored", hs, hn)
	if *scaled.Deploy.Replicas != 3 {
		t.Error("ConfigHash changed the caller's deploy.replicas")
	}

	changed := s
	changed.Environment = types.MappingWithEquals{"A": ptr("2")}
	hc, _ := ConfigHash(changed)
	if hc == h1 {
		t.Error("environment change kept the hash")
	}
}

func ptr(s string) *string { return &s }

func TestConfigHashScaleInFile(t *testing.T) {
	hash := func(yaml string) string {
		p := loadProject(t, yaml, nil)
		s, _ := p.GetService("web")
		h, err := ConfigHash(s)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	const base = "services:\n  web:\n    image: busybox\n"
	equal(t, "scale: 3", hash(base+"    scale: 3\n"), hash(base))
	equal(t, "replicas", hash(base+"    deploy: {replicas: 5}\n"), hash(base+"    deploy: {replicas: 1}\n"))
	if hash(base+"    environment: [A=1]\n") == hash(base) {
		t.Error("environment does not change the hash")
	}
}

func TestStackHash(t *testing.T) {
	p := loadProject(t, hashYAML, nil)
	r1 := request(t, p, "web")
	c1, err := ContainerConfig(r1, "1.41")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := ContainerConfig(r1, "1.41")
	equal(t, "same request", again.Config.Labels[LabelStackHash], c1.Config.Labels[LabelStackHash])

	// Another replica: only its name and number differ.
	r2 := r1
	r2.Name, r2.Number = "shop-web-2", 2
	c2, _ := ContainerConfig(r2, "1.41")
	equal(t, "replica 2", c2.Config.Labels[LabelStackHash], c1.Config.Labels[LabelStackHash])
	if c2.Config.Labels[LabelNumber] != "2" {
		t.Errorf("number label %q", c2.Config.Labels[LabelNumber])
	}

	// Scaling the service in the file changes neither hash.
	r3 := r1
	n := 5
	r3.Service.Scale = &n
	c3, _ := ContainerConfig(r3, "1.41")
	equal(t, "scaled stack hash", c3.Config.Labels[LabelStackHash], c1.Config.Labels[LabelStackHash])
	equal(t, "scaled config hash", c3.Config.Labels[LabelConfigHash], c1.Config.Labels[LabelConfigHash])

	// Networks split between create and connect (1.41) or not (1.44): same hash.
	c4, _ := ContainerConfig(r1, "1.44")
	equal(t, "api split", StackHash(c4), StackHash(c1))

	r5 := r1
	r5.Service.Environment = types.MappingWithEquals{"A": ptr("2")}
	c5, _ := ContainerConfig(r5, "1.41")
	if c5.Config.Labels[LabelStackHash] == c1.Config.Labels[LabelStackHash] {
		t.Error("environment change kept the stack hash")
	}
}

func TestInheritVolumes(t *testing.T) {
	p := loadProject(t, `
services:
  web:
    image: busybox
    volumes:
      - /anon
      - data:/data
      - {type: volume, target: /ro-anon, read_only: true}
volumes:
  data: {}
`, nil)
	c, err := ContainerConfig(request(t, p, "web"), "1.41")
	if err != nil {
		t.Fatal(err)
	}
	hash := c.Config.Labels[LabelStackHash]
	InheritVolumes(&c, request(t, p, "web").Service,
		map[string]struct{}{"/var/lib/db": {}, "/data": {}},
		[]Mount{
			{Type: "volume", Name: "aaa", Destination: "/anon"},
			{Type: "volume", Name: "bbb", Destination: "/ro-anon"},
			{Type: "volume", Name: "shop_data", Destination: "/data"},
			{Type: "volume", Name: "ccc", Destination: "/var/lib/db"},
			{Type: "volume", Name: "ddd", Destination: "/gone"},
			{Type: "bind", Source: "/x", Destination: "/x"},
		})
	got := append([]string{}, c.HostConfig.Binds...)
	sort.Strings(got)
	equal(t, "binds", got, []string{"aaa:/anon", "bbb:/ro-anon:ro", "ccc:/var/lib/db", "shop_data:/data"})
	if len(c.Config.Volumes) != 0 {
		t.Errorf("anonymous volumes left: %v", c.Config.Volumes)
	}
	equal(t, "stack hash label", c.Config.Labels[LabelStackHash], hash)
}
