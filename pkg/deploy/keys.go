package deploy

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Every service key of the Compose Specification, and what a swarm gets
// of it. The table is the one source of truth: translation warns of the
// keys it marks unsupported, docs/swarm.md is generated from it, and a test
// walks compose-go's ServiceConfig so that a key added by an upgrade
// cannot be dropped unnoticed.

// support says how a key reaches a swarm.
type support int

const (
	// supported: the swarm gets it; Swarm says as what.
	supported support = iota
	// partly: supported, but some of its values or sub-keys are not, and
	// those are warned of by name.
	partly
	// unsupported: a swarm cannot do it; a deploy that sets it warns
	// (an error with --strict).
	unsupported
	// noEffect: it changes nothing that runs anywhere (a loader or CLI
	// matter), on a swarm as with `up`: accepted silently.
	noEffect
)

func (s support) String() string {
	switch s {
	case supported:
		return "yes"
	case partly:
		return "partly"
	case unsupported:
		return "warned"
	}
	return "no effect"
}

// keyInfo is one key of a service.
type keyInfo struct {
	Key     string
	Support support
	// Swarm says what the swarm gets, or why it cannot.
	Swarm string
}

// serviceKeys returns the table of service keys, in the order of the
// Compose Specification's reference (roughly alphabetical), deploy's
// sub-keys after deploy.
func serviceKeys() []keyInfo {
	return []keyInfo{
		{"annotations", unsupported, "no annotations on task containers in the swarm API"},
		{"attach", noEffect, "a matter of `up`'s log output"},
		{"blkio_config", unsupported, "no block I/O limits in the swarm API"},
		{"build", partly, "with `--build --push`: built, pushed to the registry of `image`, and pinned to the pushed digest; otherwise warned (nodes cannot build)"},
		{"cap_add", supported, "capabilities added"},
		{"cap_drop", supported, "capabilities dropped"},
		{"cgroup", unsupported, "no cgroup namespace choice in the swarm API"},
		{"cgroup_parent", unsupported, "no cgroup parent in the swarm API"},
		{"command", supported, "the task's arguments"},
		{"configs", supported, "swarm configs, mounted as files"},
		{"container_name", unsupported, "a swarm names the task containers itself"},
		{"cpu_count", unsupported, "use deploy.resources"},
		{"cpu_percent", unsupported, "use deploy.resources"},
		{"cpu_period", unsupported, "use deploy.resources"},
		{"cpu_quota", unsupported, "use deploy.resources"},
		{"cpu_rt_period", unsupported, "no real-time scheduling in the swarm API"},
		{"cpu_rt_runtime", unsupported, "no real-time scheduling in the swarm API"},
		{"cpu_shares", unsupported, "use deploy.resources"},
		{"cpus", supported, "deploy.resources.limits.cpus, when that is not set"},
		{"cpuset", unsupported, "no CPU pinning in the swarm API"},
		{"credential_spec", unsupported, "Windows only"},
		{"depends_on", supported, "the order services are created in, and with --wait waited for: a service is created once what it depends on has converged (healthy, completed) as its condition says"},
		{"deploy", supported, "see the deploy.* keys"},
		{"deploy.endpoint_mode", supported, "vip or dnsrr"},
		{"deploy.labels", supported, "service labels"},
		{"deploy.mode", supported, "replicated, global, replicated-job, global-job"},
		{"deploy.placement", supported, "constraints, preferences (spread), max_replicas_per_node"},
		{"deploy.replicas", supported, "replicas; completions of a replicated job"},
		{"deploy.resources", partly, "limits (cpus, memory, pids) and reservations (cpus, memory, generic_resources); reservations.devices is warned"},
		{"deploy.restart_policy", supported, "restart policy"},
		{"deploy.rollback_config", supported, "rollback config"},
		{"deploy.update_config", supported, "update config of the rolling update"},
		{"develop", unsupported, "watch is a local development matter"},
		{"device_cgroup_rules", unsupported, "no device rules in the swarm API"},
		{"devices", unsupported, "no devices in the swarm API"},
		{"dns", supported, "the tasks' name servers"},
		{"dns_opt", supported, "resolver options"},
		{"dns_search", supported, "search domains"},
		{"dockerfile", partly, "as build"},
		{"domainname", unsupported, "no domain name in the swarm API"},
		{"entrypoint", supported, "the task's command"},
		{"env_file", supported, "read by stack into the environment"},
		{"environment", supported, "the tasks' environment"},
		{"expose", noEffect, "services on one overlay network reach each other on every port"},
		{"extends", noEffect, "applied when the file is loaded"},
		{"external_links", unsupported, "a task cannot link to a container"},
		{"extra_hosts", supported, "extra /etc/hosts lines"},
		{"gpus", unsupported, "use deploy.resources.reservations.generic_resources"},
		{"group_add", supported, "supplementary groups"},
		{"healthcheck", supported, "the tasks' health check: a task counts as running once healthy, and an unhealthy one is replaced"},
		{"hostname", supported, "the tasks' host name (swarm templates such as {{.Task.Slot}} work)"},
		{"image", supported, "the image, pinned to its digest in the registry (--resolve-image)"},
		{"init", supported, "an init process"},
		{"ipc", unsupported, "no IPC namespace choice in the swarm API"},
		{"isolation", supported, "isolation technology"},
		{"label_file", supported, "read by stack into the labels"},
		{"labels", supported, "labels of the task containers"},
		{"links", partly, "ordered as depends_on; the linked service is reached by its name on a shared network; other aliases are warned"},
		{"log_driver", supported, "as logging.driver"},
		{"log_opt", supported, "as logging.options"},
		{"logging", supported, "log driver and options of the tasks"},
		{"mac_address", unsupported, "no MAC address in the swarm API"},
		{"mem_limit", supported, "deploy.resources.limits.memory, when that is not set"},
		{"mem_reservation", supported, "deploy.resources.reservations.memory, when that is not set"},
		{"mem_swappiness", unsupported, "no swappiness in the swarm API"},
		{"memswap_limit", unsupported, "no swap limit in the swarm API"},
		{"models", unsupported, "no models on a swarm"},
		{"name", noEffect, "the service's key"},
		{"net", unsupported, "use networks"},
		{"network_mode", unsupported, "tasks join the project's overlay networks"},
		{"networks", partly, "overlay networks (attachable) with aliases and driver_opts; ipv4_address, ipv6_address, mac_address, link_local_ips, priority, gw_priority and interface_name are warned"},
		{"oom_kill_disable", unsupported, "no OOM killer choice in the swarm API"},
		{"oom_score_adj", unsupported, "not in the swarm API of Docker 20.10"},
		{"pid", unsupported, "no PID namespace choice in the swarm API"},
		{"pids_limit", supported, "deploy.resources.limits.pids, when that is not set"},
		{"platform", supported, "a placement platform"},
		{"post_start", unsupported, "no lifecycle hooks on a swarm"},
		{"pre_start", unsupported, "no lifecycle hooks on a swarm"},
		{"pre_stop", unsupported, "no lifecycle hooks on a swarm"},
		{"ports", partly, "published ports, through the routing mesh (mode: ingress) or on the node of each task (mode: host); host_ip is warned"},
		{"privileged", unsupported, "a swarm cannot run privileged tasks"},
		{"profiles", noEffect, "applied when the file is loaded"},
		{"provider", unsupported, "no providers on a swarm"},
		{"pull_policy", partly, "nodes pull the image when they lack it (missing, always); never and build are warned"},
		{"pull_refresh_after", unsupported, "nodes pull as the swarm decides"},
		{"read_only", supported, "a read-only root file system"},
		{"restart", supported, "the restart policy when deploy.restart_policy is not set"},
		{"runtime", unsupported, "no runtime choice in the swarm API"},
		{"scale", supported, "replicas, when deploy.replicas is not set"},
		{"secrets", supported, "swarm secrets, mounted as files in /run/secrets"},
		{"security_opt", unsupported, "not in the swarm API of Docker 20.10"},
		{"shm_size", unsupported, "no /dev/shm size in the swarm API (a tmpfs volume can stand in)"},
		{"stdin_open", supported, "an open standard input"},
		{"stop_grace_period", supported, "the stop grace period"},
		{"stop_signal", supported, "the stop signal"},
		{"storage_opt", unsupported, "no storage options in the swarm API"},
		{"sysctls", supported, "namespaced kernel parameters"},
		{"tmpfs", supported, "tmpfs mounts"},
		{"tty", supported, "a terminal"},
		{"ulimits", supported, "resource limits"},
		{"umask", unsupported, "no umask in the swarm API"},
		{"use_api_socket", unsupported, "tasks do not get the engine's socket"},
		{"user", supported, "the user tasks run as"},
		{"userns_mode", unsupported, "no user namespace choice in the swarm API"},
		{"uts", unsupported, "no UTS namespace choice in the swarm API"},
		{"volume_driver", unsupported, "set the driver on the volume instead"},
		{"volumes", partly, "named volumes (created on each node that runs a task), bind mounts (paths on that node), tmpfs; image volumes are warned"},
		{"volumes_from", unsupported, "a task cannot mount another's volumes"},
		{"working_dir", supported, "the working directory"},
		{"x-link-priority", supported, "among services ready to be created, higher first"},
		{"x-on", unsupported, "triggers run under `stack agent`, not on a swarm"},
		{"x-restart-on-unhealthy", noEffect, "a swarm replaces an unhealthy task by itself"},
		{"x-schedule", unsupported, "schedules run under `stack agent`, not on a swarm"},
	}
}

// keyTable indexes serviceKeys by key.
func keyTable() map[string]keyInfo {
	m := map[string]keyInfo{}
	for _, k := range serviceKeys() {
		m[k.Key] = k
	}
	return m
}

// setUnsupported lists the keys of s that the table marks unsupported and
// that are set, by their YAML names, sorted.
func setUnsupported(s types.ServiceConfig) []string {
	table := keyTable()
	var out []string
	eachKey(reflect.ValueOf(s), func(key string, v reflect.Value) {
		if k, ok := table[key]; ok && k.Support == unsupported && !v.IsZero() {
			out = append(out, key)
		}
	})
	for _, x := range []string{"x-on", "x-schedule"} {
		if _, ok := s.Extensions[x]; ok {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// eachKey calls f for every field of the struct v that has a YAML name,
// with inline structs flattened, as the Compose file spells the key.
func eachKey(v reflect.Value, f func(key string, v reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		field := t.Field(i)
		name, opts, _ := strings.Cut(field.Tag.Get("yaml"), ",")
		switch {
		case strings.HasPrefix(name, "#") || name == "-":
		case strings.Contains(opts, "inline") && field.Type.Kind() == reflect.Struct:
			eachKey(v.Field(i), f)
		case name != "":
			f(name, v.Field(i))
		}
	}
}

// markdownTable renders the table for docs/swarm.md.
func markdownTable() string {
	var b strings.Builder
	b.WriteString("| key | on a swarm | what the swarm gets |\n|---|---|---|\n")
	for _, k := range serviceKeys() {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", k.Key, k.Support, k.Swarm)
	}
	return b.String()
}
