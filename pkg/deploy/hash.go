package deploy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Change detection: a service carries a hash of its whole spec and a short
// hash per group of settings, so that a second deploy updates only what
// changed and says which settings did, without reading the old spec back.

// groups splits the JSON form of s into named groups of settings. The
// labels stack adds for change detection are left out.
func groups(s engine.ServiceSpec) map[string]string {
	s.Labels = withoutHashLabels(s.Labels)
	top := map[string]json.RawMessage{}
	b, _ := json.Marshal(s)
	_ = json.Unmarshal(b, &top)
	out := map[string]string{}
	for k, v := range top {
		if k == "container" {
			inner := map[string]json.RawMessage{}
			_ = json.Unmarshal(v, &inner)
			for ik, iv := range inner {
				out[groupName("container."+ik)] += string(iv)
			}
			continue
		}
		out[groupName(k)] += string(v)
	}
	return out
}

// groupName maps the JSON name of a field of the spec to the stack
// file's word, where they differ.
func groupName(k string) string {
	switch k {
	case "container.args":
		return "command"
	case "container.command":
		return "entrypoint"
	case "container.env":
		return "environment"
	case "container.mounts":
		return "volumes"
	case "container.hosts":
		return "extra_hosts"
	case "container.dir":
		return "working_dir"
	case "container.groups":
		return "group_add"
	case "container.open_stdin":
		return "stdin_open"
	case "container.cap_add":
		return "cap_add"
	case "container.cap_drop":
		return "cap_drop"
	case "container.stop_grace_period":
		return "stop_grace_period"
	case "labels":
		return "deploy.labels"
	case "mode":
		return "deploy.mode"
	case "replicas":
		return "deploy.replicas"
	case "max_concurrent":
		return "deploy.replicas"
	case "resources":
		return "deploy.resources"
	case "restart":
		return "restart_policy"
	case "placement":
		return "deploy.placement"
	case "log_driver":
		return "logging"
	case "endpoint_mode":
		return "deploy.endpoint_mode"
	case "update_config":
		return "deploy.update_config"
	case "rollback_config":
		return "deploy.rollback_config"
	}
	return strings.TrimPrefix(k, "container.")
}

func withoutHashLabels(labels map[string]string) map[string]string {
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		if k != LabelHash && k != LabelFields {
			out[k] = v
		}
	}
	return out
}

// specHashes returns the values of LabelHash and LabelFields for s.
func specHashes(s engine.ServiceSpec) (hash, fields string) {
	g := groups(s)
	names := sortedKeys(g)
	all := sha256.New()
	parts := make([]string, 0, len(names))
	for _, n := range names {
		sum := sha256.Sum256([]byte(g[n]))
		all.Write([]byte(n))
		all.Write(sum[:])
		parts = append(parts, n+"="+hex.EncodeToString(sum[:4]))
	}
	return hex.EncodeToString(all.Sum(nil)), strings.Join(parts, ",")
}

// withHashes returns s labelled with its hashes.
func withHashes(s engine.ServiceSpec) engine.ServiceSpec {
	hash, fields := specHashes(s)
	labels := withoutHashLabels(s.Labels)
	labels[LabelHash] = hash
	labels[LabelFields] = fields
	s.Labels = labels
	return s
}
