package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
)

// The swarm calls of Docker: the swarm, its nodes, services and tasks.

var _ Swarm = (*Docker)(nil)

// SwarmInfo tells whether the engine is in a swarm and is a manager.
func (d *Docker) SwarmInfo(ctx context.Context) (SwarmInfo, error) {
	if _, err := d.version(ctx); err != nil {
		return SwarmInfo{}, err
	}
	info, err := d.cli.Info(ctx)
	if err != nil {
		return SwarmInfo{}, d.wrap("engine info", err)
	}
	s := info.Swarm
	return SwarmInfo{
		State:    string(s.LocalNodeState),
		Manager:  s.ControlAvailable,
		NodeID:   s.NodeID,
		NodeAddr: s.NodeAddr,
		Nodes:    s.Nodes,
		Managers: s.Managers,
		Error:    s.Error,
	}, nil
}

// ListNodes returns the nodes of the swarm, by hostname then ID.
func (d *Docker) ListNodes(ctx context.Context) ([]Node, error) {
	list, err := d.cli.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return nil, d.wrap("list swarm nodes", err)
	}
	out := make([]Node, 0, len(list))
	for _, n := range list {
		out = append(out, fromSDKNode(n))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Hostname != out[j].Hostname {
			return out[i].Hostname < out[j].Hostname
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func namespaceFilter(namespace string) filters.Args {
	return filters.NewArgs(filters.Arg("label", LabelStackNamespace+"="+namespace))
}

// ListServices returns the services of namespace, by name, with their task
// counts, in one call.
func (d *Docker) ListServices(ctx context.Context, namespace string) ([]Service, error) {
	if _, err := d.versionFor(ctx, fmt.Sprintf("list services of %q", namespace)); err != nil {
		return nil, err
	}
	list, err := d.cli.ServiceList(ctx, swarm.ServiceListOptions{Filters: namespaceFilter(namespace), Status: true})
	if err != nil {
		return nil, d.wrap(fmt.Sprintf("list services of %q", namespace), err)
	}
	out := make([]Service, 0, len(list))
	for _, s := range list {
		out = append(out, fromSDKService(s))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// CreateService creates the service s and returns its ID and the engine's
// warnings.
func (d *Docker) CreateService(ctx context.Context, s ServiceSpec, o ServiceOptions) (string, []string, error) {
	resp, err := d.cli.ServiceCreate(ctx, sdkServiceSpec(s, 0), swarm.ServiceCreateOptions{EncodedRegistryAuth: o.RegistryAuth})
	if err != nil {
		return "", nil, d.wrap(fmt.Sprintf("create service %q", s.Name), err)
	}
	return resp.ID, resp.Warnings, nil
}

// UpdateService replaces the spec of current with s. The force-update
// counter of current is kept, so that only a changed spec restarts tasks.
func (d *Docker) UpdateService(ctx context.Context, current Service, s ServiceSpec, o ServiceOptions) ([]string, error) {
	resp, err := d.cli.ServiceUpdate(ctx, current.ID, swarm.Version{Index: current.Version},
		sdkServiceSpec(s, current.ForceUpdate), swarm.ServiceUpdateOptions{EncodedRegistryAuth: o.RegistryAuth})
	if err != nil {
		return nil, d.wrap(fmt.Sprintf("update service %q", s.Name), err)
	}
	return resp.Warnings, nil
}

// ScaleService sets the replicas of a replicated service, and keeps every
// other setting, its registry credential included.
func (d *Docker) ScaleService(ctx context.Context, id string, replicas uint64) error {
	svc, _, err := d.cli.ServiceInspectWithRaw(ctx, id, swarm.ServiceInspectOptions{})
	if err != nil {
		return d.wrap(fmt.Sprintf("inspect service %q", id), err)
	}
	op := fmt.Sprintf("scale service %q", svc.Spec.Name)
	if svc.Spec.Mode.Replicated == nil {
		return fmt.Errorf("%s: only a replicated service can be scaled", op)
	}
	spec := svc.Spec
	spec.Mode.Replicated.Replicas = &replicas
	_, err = d.cli.ServiceUpdate(ctx, svc.ID, svc.Version, spec, swarm.ServiceUpdateOptions{RegistryAuthFrom: swarm.RegistryAuthFromSpec})
	return d.wrap(op, err)
}

// RemoveService removes a service; its tasks are shut down by the swarm.
func (d *Docker) RemoveService(ctx context.Context, id string) error {
	return d.wrap(fmt.Sprintf("remove service %q", id), d.cli.ServiceRemove(ctx, id))
}

// ListTasks returns the tasks f selects, by service, slot and creation.
func (d *Docker) ListTasks(ctx context.Context, f TaskFilter) ([]Task, error) {
	args := filters.NewArgs()
	if f.Namespace != "" {
		args = namespaceFilter(f.Namespace)
	}
	for _, id := range f.ServiceIDs {
		args.Add("service", id)
	}
	if f.UpToDate {
		// The engine's own filter for create and update progress.
		args.Add("_up-to-date", "true")
	}
	if f.DesiredState != "" {
		args.Add("desired-state", f.DesiredState)
	}
	list, err := d.cli.TaskList(ctx, swarm.TaskListOptions{Filters: args})
	if err != nil {
		return nil, d.wrap(fmt.Sprintf("list tasks of %q", f.Namespace), err)
	}
	out := make([]Task, 0, len(list))
	for _, t := range list {
		out = append(out, fromSDKTask(t))
	}
	slices.SortFunc(out, func(a, b Task) int {
		return cmp.Or(cmp.Compare(a.ServiceID, b.ServiceID), cmp.Compare(a.Slot, b.Slot),
			cmp.Compare(a.NodeID, b.NodeID), b.CreatedAt.Compare(a.CreatedAt))
	})
	return out, nil
}

// SwarmEvents streams the service and node events of the swarm until ctx
// ends, which closes both channels without an error.
func (d *Docker) SwarmEvents(ctx context.Context) (<-chan SwarmEvent, <-chan error) {
	args := filters.NewArgs(filters.Arg("type", string(events.ServiceEventType)), filters.Arg("type", string(events.NodeEventType)))
	return streamEvents(ctx, d, "swarm events", events.ListOptions{Filters: args}, func(m events.Message) (SwarmEvent, bool) {
		return SwarmEvent{Type: string(m.Type), Action: string(m.Action), ID: m.Actor.ID, Name: m.Actor.Attributes["name"]}, true
	}, nil)
}
