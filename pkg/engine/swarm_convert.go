package engine

import (
	"os"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/swarm"
)

// This file maps the plain swarm values of swarm.go onto the Docker SDK's
// types and back. It decides nothing: what a stack file key becomes is
// pkg/deploy's business.

// sdkServiceSpec converts s to the engine's service spec. forceUpdate is
// the counter of the service being updated (0 for a new one).
func sdkServiceSpec(s ServiceSpec, forceUpdate uint64) swarm.ServiceSpec {
	c := s.Container
	cs := &swarm.ContainerSpec{
		Image:           c.Image,
		Labels:          c.Labels,
		Command:         c.Command,
		Args:            c.Args,
		Hostname:        c.Hostname,
		Env:             c.Env,
		Dir:             c.Dir,
		User:            c.User,
		Groups:          c.Groups,
		Init:            c.Init,
		StopSignal:      c.StopSignal,
		StopGracePeriod: c.StopGracePeriod,
		TTY:             c.TTY,
		OpenStdin:       c.OpenStdin,
		ReadOnly:        c.ReadOnly,
		Hosts:           c.Hosts,
		Isolation:       container.Isolation(c.Isolation),
		Sysctls:         c.Sysctls,
		CapabilityAdd:   c.CapAdd,
		CapabilityDrop:  c.CapDrop,
	}
	for _, m := range c.Mounts {
		cs.Mounts = append(cs.Mounts, sdkMount(m))
	}
	if h := c.Healthcheck; h != nil {
		cs.Healthcheck = &container.HealthConfig{
			Test: h.Test, Interval: h.Interval, Timeout: h.Timeout,
			StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries,
		}
	}
	if d := c.DNS; d != nil {
		cs.DNSConfig = &swarm.DNSConfig{Nameservers: d.Nameservers, Search: d.Search, Options: d.Options}
	}
	for _, r := range c.Secrets {
		cs.Secrets = append(cs.Secrets, &swarm.SecretReference{
			SecretID: r.ID, SecretName: r.Name,
			File: &swarm.SecretReferenceFileTarget{Name: r.Target, UID: r.UID, GID: r.GID, Mode: os.FileMode(r.Mode)},
		})
	}
	for _, r := range c.Configs {
		cs.Configs = append(cs.Configs, &swarm.ConfigReference{
			ConfigID: r.ID, ConfigName: r.Name,
			File: &swarm.ConfigReferenceFileTarget{Name: r.Target, UID: r.UID, GID: r.GID, Mode: os.FileMode(r.Mode)},
		})
	}
	for _, u := range c.Ulimits {
		cs.Ulimits = append(cs.Ulimits, &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}

	task := swarm.TaskSpec{ContainerSpec: cs, ForceUpdate: forceUpdate}
	if r := s.Resources; r != nil {
		task.Resources = &swarm.ResourceRequirements{
			Limits:       &swarm.Limit{NanoCPUs: r.LimitNanoCPUs, MemoryBytes: r.LimitMemory, Pids: r.LimitPids},
			Reservations: &swarm.Resources{NanoCPUs: r.ReserveNanoCPUs, MemoryBytes: r.ReserveMemory},
		}
		for _, g := range r.ReserveResources {
			task.Resources.Reservations.GenericResources = append(task.Resources.Reservations.GenericResources,
				swarm.GenericResource{DiscreteResourceSpec: &swarm.DiscreteGenericResource{Kind: g.Kind, Value: g.Value}})
		}
	}
	if r := s.Restart; r != nil {
		task.RestartPolicy = &swarm.RestartPolicy{
			Condition: swarm.RestartPolicyCondition(r.Condition), Delay: r.Delay,
			MaxAttempts: r.MaxAttempts, Window: r.Window,
		}
	}
	if p := s.Placement; p != nil {
		task.Placement = &swarm.Placement{Constraints: p.Constraints, MaxReplicas: p.MaxReplicas}
		for _, d := range p.Spread {
			task.Placement.Preferences = append(task.Placement.Preferences,
				swarm.PlacementPreference{Spread: &swarm.SpreadOver{SpreadDescriptor: d}})
		}
		for _, pl := range p.Platforms {
			task.Placement.Platforms = append(task.Placement.Platforms, swarm.Platform{OS: pl.OS, Architecture: pl.Architecture})
		}
	}
	if l := s.LogDriver; l != nil {
		task.LogDriver = &swarm.Driver{Name: l.Name, Options: l.Options}
	}
	for _, n := range s.Networks {
		task.Networks = append(task.Networks, swarm.NetworkAttachmentConfig{Target: n.Target, Aliases: n.Aliases, DriverOpts: n.DriverOpts})
	}

	spec := swarm.ServiceSpec{
		Annotations:    swarm.Annotations{Name: s.Name, Labels: s.Labels},
		TaskTemplate:   task,
		Mode:           sdkMode(s),
		UpdateConfig:   sdkUpdateConfig(s.Update),
		RollbackConfig: sdkUpdateConfig(s.Rollback),
	}
	if s.EndpointMode != "" || len(s.Ports) > 0 {
		spec.EndpointSpec = &swarm.EndpointSpec{Mode: swarm.ResolutionMode(s.EndpointMode)}
		for _, p := range s.Ports {
			spec.EndpointSpec.Ports = append(spec.EndpointSpec.Ports, swarm.PortConfig{
				Protocol: swarm.PortConfigProtocol(p.Protocol), TargetPort: p.Target,
				PublishedPort: p.Published, PublishMode: swarm.PortConfigPublishMode(p.Mode),
			})
		}
	}
	return spec
}

func sdkMount(m ServiceMount) mount.Mount {
	out := mount.Mount{Type: mount.Type(m.Type), Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly}
	switch m.Type {
	case string(mount.TypeVolume):
		if m.VolumeNoCopy || m.VolumeSubpath != "" || len(m.VolumeLabels) > 0 || m.VolumeDriver != "" || len(m.VolumeDriverOpts) > 0 {
			out.VolumeOptions = &mount.VolumeOptions{NoCopy: m.VolumeNoCopy, Subpath: m.VolumeSubpath, Labels: m.VolumeLabels}
			if m.VolumeDriver != "" || len(m.VolumeDriverOpts) > 0 {
				out.VolumeOptions.DriverConfig = &mount.Driver{Name: m.VolumeDriver, Options: m.VolumeDriverOpts}
			}
		}
	case string(mount.TypeBind):
		if m.BindPropagation != "" {
			out.BindOptions = &mount.BindOptions{Propagation: mount.Propagation(m.BindPropagation)}
		}
	case string(mount.TypeTmpfs):
		if m.TmpfsSize != 0 || m.TmpfsMode != 0 {
			out.TmpfsOptions = &mount.TmpfsOptions{SizeBytes: m.TmpfsSize, Mode: os.FileMode(m.TmpfsMode)}
		}
	}
	return out
}

func sdkMode(s ServiceSpec) swarm.ServiceMode {
	switch s.Mode {
	case ModeGlobal:
		return swarm.ServiceMode{Global: &swarm.GlobalService{}}
	case ModeGlobalJob:
		return swarm.ServiceMode{GlobalJob: &swarm.GlobalJob{}}
	case ModeReplicatedJob:
		return swarm.ServiceMode{ReplicatedJob: &swarm.ReplicatedJob{MaxConcurrent: s.MaxConcurrent, TotalCompletions: s.Replicas}}
	default:
		return swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: s.Replicas}}
	}
}

func sdkUpdateConfig(u *UpdateConfig) *swarm.UpdateConfig {
	if u == nil {
		return nil
	}
	return &swarm.UpdateConfig{
		Parallelism: u.Parallelism, Delay: u.Delay, FailureAction: u.FailureAction,
		Monitor: u.Monitor, MaxFailureRatio: u.MaxFailureRatio, Order: u.Order,
	}
}

// fromSDKService converts a listed service.
func fromSDKService(s swarm.Service) Service {
	out := Service{
		ID:        s.ID,
		Version:   s.Version.Index,
		Name:      s.Spec.Name,
		Labels:    s.Spec.Labels,
		CreatedAt: s.CreatedAt,
		UpdatedAt: s.UpdatedAt,
	}
	out.ForceUpdate = s.Spec.TaskTemplate.ForceUpdate
	if r := s.Spec.TaskTemplate.RestartPolicy; r != nil {
		out.RestartCondition = string(r.Condition)
	}
	if cs := s.Spec.TaskTemplate.ContainerSpec; cs != nil {
		out.Image = cs.Image
		for _, r := range cs.Secrets {
			out.Secrets = append(out.Secrets, r.SecretName)
		}
		for _, r := range cs.Configs {
			out.Configs = append(out.Configs, r.ConfigName)
		}
	}
	for _, n := range s.Spec.TaskTemplate.Networks {
		out.Networks = append(out.Networks, n.Target)
	}
	m := s.Spec.Mode
	switch {
	case m.Global != nil:
		out.Mode = ModeGlobal
	case m.GlobalJob != nil:
		out.Mode = ModeGlobalJob
	case m.ReplicatedJob != nil:
		out.Mode = ModeReplicatedJob
		out.Replicas = m.ReplicatedJob.TotalCompletions
	case m.Replicated != nil:
		out.Mode = ModeReplicated
		out.Replicas = m.Replicated.Replicas
	}
	if st := s.ServiceStatus; st != nil {
		out.Running, out.Desired, out.Completed = st.RunningTasks, st.DesiredTasks, st.CompletedTasks
	}
	if u := s.UpdateStatus; u != nil {
		out.UpdateState, out.UpdateMessage = string(u.State), u.Message
	}
	ports := s.Endpoint.Ports
	if len(ports) == 0 && s.Spec.EndpointSpec != nil {
		ports = s.Spec.EndpointSpec.Ports
	}
	out.Ports = fromSDKPorts(ports)
	return out
}

func fromSDKPorts(ports []swarm.PortConfig) []PortConfig {
	var out []PortConfig
	seen := map[PortConfig]bool{}
	for _, p := range ports {
		pc := PortConfig{Protocol: string(p.Protocol), Target: p.TargetPort, Published: p.PublishedPort, Mode: string(p.PublishMode)}
		// The engine lists a host-mode port once per address family.
		if !seen[pc] {
			seen[pc] = true
			out = append(out, pc)
		}
	}
	return out
}

// fromSDKTask converts a listed task.
func fromSDKTask(t swarm.Task) Task {
	out := Task{
		ID:           t.ID,
		ServiceID:    t.ServiceID,
		Slot:         t.Slot,
		NodeID:       t.NodeID,
		DesiredState: string(t.DesiredState),
		State:        string(t.Status.State),
		Message:      t.Status.Message,
		Err:          t.Status.Err,
		Ports:        fromSDKPorts(t.Status.PortStatus.Ports),
		CreatedAt:    t.CreatedAt,
		UpdatedAt:    t.Status.Timestamp,
	}
	if cs := t.Status.ContainerStatus; cs != nil {
		out.ContainerID, out.ExitCode = cs.ContainerID, cs.ExitCode
	}
	if c := t.Spec.ContainerSpec; c != nil {
		out.Image = c.Image
		for _, m := range c.Mounts {
			if m.Type == mount.TypeVolume && m.Source != "" {
				out.Volumes = append(out.Volumes, m.Source)
			}
		}
	}
	return out
}

// fromSDKNode converts a listed node.
func fromSDKNode(n swarm.Node) Node {
	out := Node{
		ID:            n.ID,
		Hostname:      n.Description.Hostname,
		Addr:          n.Status.Addr,
		Role:          string(n.Spec.Role),
		State:         string(n.Status.State),
		Availability:  string(n.Spec.Availability),
		EngineVersion: n.Description.Engine.EngineVersion,
		Labels:        n.Spec.Labels,
	}
	if n.ManagerStatus != nil {
		out.Leader = n.ManagerStatus.Leader
		// A manager's node address can be 0.0.0.0; its manager address
		// is the one others reach.
		if host, _, ok := strings.Cut(n.ManagerStatus.Addr, ":"); ok && (out.Addr == "" || out.Addr == "0.0.0.0") {
			out.Addr = host
		}
	}
	return out
}

func fromSDKObject(id, name string, labels map[string]string, meta swarm.Meta) SwarmObject {
	return SwarmObject{ID: id, Name: name, Labels: labels, CreatedAt: meta.CreatedAt}
}
