// Docker Compose's config hash (com.docker.compose.config-hash), computed
// over the form Docker Compose v5.5 hashes, whatever compose-go release we
// link.

package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/compose-spec/compose-go/v2/types"
)

// ComposeHashReference names the Docker Compose release whose config hash
// ConfigHash reproduces, and the compose-go release it links.
const ComposeHashReference = "Docker Compose v5.5 (compose-go v2.14.0)"

// composeHashKeys are the JSON keys of compose-go v2.14.0's ServiceConfig,
// the release Docker Compose v5.5 links, in the order of its fields:
// encoding/json writes a struct's fields in that order, so the order is part
// of what Compose hashes. Later compose-go releases moved fields into
// embedded structs (ContainerSpec, WorkloadSpec), which changes the order
// and with it the hash of most services. Keys of our compose-go that are not
// listed here are ones Compose v5.5 does not know; they are left out, as
// Compose would never see them.
var composeHashKeys = []string{
	"profiles", "annotations", "attach", "build", "develop", "blkio_config",
	"cap_add", "cap_drop", "cgroup_parent", "cgroup", "cpu_count",
	"cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period",
	"cpu_rt_runtime", "cpus", "cpuset", "cpu_shares", "command", "configs",
	"container_name", "credential_spec", "depends_on", "deploy",
	"device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search",
	"dockerfile", "domainname", "entrypoint", "provider", "environment",
	"env_file", "expose", "extends", "external_links", "extra_hosts",
	"group_add", "gpus", "hostname", "healthcheck", "image", "init", "ipc",
	"isolation", "labels", "label_file", "links", "logging", "log_driver",
	"log_opt", "mem_limit", "mem_reservation", "memswap_limit",
	"mem_swappiness", "mac_address", "models", "net", "network_mode",
	"networks", "oom_kill_disable", "oom_score_adj", "pid", "pids_limit",
	"platform", "ports", "privileged", "pull_policy", "read_only", "restart",
	"runtime", "scale", "secrets", "security_opt", "shm_size", "stdin_open",
	"stop_grace_period", "stop_signal", "storage_opt", "sysctls", "tmpfs",
	"tty", "ulimits", "use_api_socket", "user", "userns_mode", "uts",
	"volume_driver", "volumes", "volumes_from", "working_dir", "pre_start",
	"post_start", "pre_stop",
}

// ComposeServiceKeys returns the keys of a service in the order Docker
// Compose v5.5 writes them (`config` output, config hash).
func ComposeServiceKeys() []string {
	return append([]string(nil), composeHashKeys...)
}

// composeHashSkipped are the keys of our compose-go's ServiceConfig that
// compose-go v2.14.0 does not have, so Compose v5.5 never hashes them.
var composeHashSkipped = []string{"pull_refresh_after", "umask"}

// composePreStartHook is a pre_start hook as compose-go v2.14.0 marshals it
// (its ServiceHook); later releases give the hook a whole container spec.
type composePreStartHook struct {
	Command     types.ShellCommand      `json:"command"`
	Image       string                  `json:"image,omitempty"`
	User        string                  `json:"user,omitempty"`
	Privileged  bool                    `json:"privileged,omitempty"`
	WorkingDir  string                  `json:"working_dir,omitempty"`
	Environment types.MappingWithEquals `json:"environment,omitempty"`
	PerReplica  bool                    `json:"per_replica,omitempty"`
}

// ConfigHash computes Docker Compose's com.docker.compose.config-hash of a
// service as Docker Compose v5.5 does: the SHA-256 (hex) of the JSON of the
// service without the fields that do not describe the container (build,
// pull_policy, scale, deploy.replicas, depends_on, profiles) and without
// env_file (Compose hashes the environment once env_file is merged into
// it), written in the field order of the compose-go release Compose v5.5
// links. So a service started by either tool is left running by the other,
// and scaling does not change the hash.
//
// Compose hashes a service whose network_mode, ipc, pid or volumes_from
// names another service with that reference resolved to a container ID;
// ConfigHash hashes the reference as written (as `docker compose config
// --hash` does).
func ConfigHash(s types.ServiceConfig) (string, error) {
	data, err := composeHashForm(s)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// composeHashForm is the JSON that ConfigHash hashes.
func composeHashForm(s types.ServiceConfig) ([]byte, error) {
	s.Build = nil
	s.PullPolicy = ""
	s.Scale = nil
	if s.Deploy != nil {
		d := *s.Deploy // a copy: the caller's service stays as it is
		d.Replicas = nil
		s.Deploy = &d
	}
	s.DependsOn = nil
	s.Profiles = nil
	s.EnvFiles = nil
	data, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, err
	}
	if len(s.PreStart) > 0 {
		hooks := make([]composePreStartHook, len(s.PreStart))
		for i, h := range s.PreStart {
			hooks[i] = composePreStartHook{
				Command: h.Command, Image: h.Image, User: h.User, Privileged: h.Privileged,
				WorkingDir: h.WorkingDir, Environment: h.Environment, PerReplica: h.PerReplica,
			}
		}
		if fields["pre_start"], err = json.Marshal(hooks); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for _, k := range composeHashKeys {
		v, ok := fields[k]
		if !ok {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(k) // plain ASCII keys: no escaping needed
		b.WriteString(`":`)
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
