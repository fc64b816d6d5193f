package engine

import (
	"context"
	"fmt"
	"sort"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
)

// The swarm objects of Docker a stack deploys beside its services:
// overlay networks, secrets, configs, and the volumes tasks create.

// ListStackNetworks returns the networks of namespace, by name.
func (d *Docker) ListStackNetworks(ctx context.Context, namespace string) ([]Network, error) {
	list, err := d.cli.NetworkList(ctx, network.ListOptions{Filters: namespaceFilter(namespace)})
	if err != nil {
		return nil, d.wrap(fmt.Sprintf("list networks of %q", namespace), err)
	}
	out := make([]Network, 0, len(list))
	for _, n := range list {
		out = append(out, fromNetwork(n))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// SwarmNetworkScope returns the scope of the network name ("swarm" for
// one every node can join); ErrNotFound when there is none.
func (d *Docker) SwarmNetworkScope(ctx context.Context, name string) (string, error) {
	n, err := d.cli.NetworkInspect(ctx, name, network.InspectOptions{})
	if err != nil {
		return "", d.wrap(fmt.Sprintf("inspect network %q", name), err)
	}
	return n.Scope, nil
}

// CreateOverlayNetwork creates a swarm-scoped network.
func (d *Docker) CreateOverlayNetwork(ctx context.Context, n OverlayNetwork) (Network, error) {
	driver := n.Driver
	if driver == "" {
		driver = "overlay"
	}
	opts := network.CreateOptions{
		Driver:     driver,
		Scope:      "swarm",
		Options:    n.Options,
		Internal:   n.Internal,
		Attachable: n.Attachable,
		Labels:     n.Labels,
	}
	if n.EnableIPv6 {
		v6 := true
		opts.EnableIPv6 = &v6
	}
	if n.IPAMDriver != "" || len(n.IPAM) > 0 {
		opts.IPAM = &network.IPAM{Driver: n.IPAMDriver}
		for _, p := range n.IPAM {
			opts.IPAM.Config = append(opts.IPAM.Config, network.IPAMConfig{Subnet: p.Subnet, IPRange: p.IPRange, Gateway: p.Gateway})
		}
	}
	resp, err := d.cli.NetworkCreate(ctx, n.Name, opts)
	if err != nil {
		return Network{}, d.wrap(fmt.Sprintf("create network %q", n.Name), err)
	}
	return Network{ID: resp.ID, Name: n.Name, Driver: driver, Labels: n.Labels}, nil
}

// ListStackVolumes returns the volumes of namespace on this engine's node
// (a volume of a service exists on each node that ran one of its tasks).
func (d *Docker) ListStackVolumes(ctx context.Context, namespace string) ([]Volume, error) {
	return d.listVolumes(ctx, fmt.Sprintf("list volumes of %q", namespace), namespaceFilter(namespace))
}

// objectFilter selects the objects of f.Namespace, or those named in
// f.Names (the engine matches name filters as prefixes: callers compare).
func objectFilter(f ObjectFilter) filters.Args {
	if f.Namespace != "" {
		return namespaceFilter(f.Namespace)
	}
	args := filters.NewArgs()
	for _, n := range f.Names {
		args.Add("name", n)
	}
	return args
}

// ListSecrets returns the secrets f selects, by name.
func (d *Docker) ListSecrets(ctx context.Context, f ObjectFilter) ([]SwarmObject, error) {
	return listObjects(ctx, d, "list secrets", f, func(ctx context.Context, args filters.Args) ([]swarm.Secret, error) {
		return d.cli.SecretList(ctx, swarm.SecretListOptions{Filters: args})
	}, func(s swarm.Secret) SwarmObject { return fromSDKObject(s.ID, s.Spec.Name, s.Spec.Labels, s.Meta) })
}

// listObjects lists secrets or configs (T) with list, as SwarmObjects.
func listObjects[T any](ctx context.Context, d *Docker, op string, f ObjectFilter,
	list func(context.Context, filters.Args) ([]T, error), conv func(T) SwarmObject) ([]SwarmObject, error) {
	if f.Namespace == "" && len(f.Names) == 0 {
		return nil, nil
	}
	items, err := list(ctx, objectFilter(f))
	if err != nil {
		return nil, d.wrap(op, err)
	}
	out := make([]SwarmObject, 0, len(items))
	for _, it := range items {
		out = append(out, conv(it))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// CreateSecret creates a secret and returns its ID.
func (d *Docker) CreateSecret(ctx context.Context, o ObjectSpec) (string, error) {
	spec := swarm.SecretSpec{Annotations: swarm.Annotations{Name: o.Name, Labels: o.Labels}, Data: o.Data}
	if o.Driver != "" {
		spec.Driver = &swarm.Driver{Name: o.Driver, Options: o.DriverOptions}
	}
	if o.TemplateDriver != "" {
		spec.Templating = &swarm.Driver{Name: o.TemplateDriver}
	}
	resp, err := d.cli.SecretCreate(ctx, spec)
	if err != nil {
		return "", d.wrap(fmt.Sprintf("create secret %q", o.Name), err)
	}
	return resp.ID, nil
}

// RemoveSecret removes a secret that no service uses.
func (d *Docker) RemoveSecret(ctx context.Context, id string) error {
	return d.wrap(fmt.Sprintf("remove secret %q", id), d.cli.SecretRemove(ctx, id))
}

// ListConfigs returns the configs f selects, by name.
func (d *Docker) ListConfigs(ctx context.Context, f ObjectFilter) ([]SwarmObject, error) {
	return listObjects(ctx, d, "list configs", f, func(ctx context.Context, args filters.Args) ([]swarm.Config, error) {
		return d.cli.ConfigList(ctx, swarm.ConfigListOptions{Filters: args})
	}, func(c swarm.Config) SwarmObject { return fromSDKObject(c.ID, c.Spec.Name, c.Spec.Labels, c.Meta) })
}

// CreateConfig creates a config and returns its ID.
func (d *Docker) CreateConfig(ctx context.Context, o ObjectSpec) (string, error) {
	spec := swarm.ConfigSpec{Annotations: swarm.Annotations{Name: o.Name, Labels: o.Labels}, Data: o.Data}
	if o.TemplateDriver != "" {
		spec.Templating = &swarm.Driver{Name: o.TemplateDriver}
	}
	resp, err := d.cli.ConfigCreate(ctx, spec)
	if err != nil {
		return "", d.wrap(fmt.Sprintf("create config %q", o.Name), err)
	}
	return resp.ID, nil
}

// RemoveConfig removes a config that no service uses.
func (d *Docker) RemoveConfig(ctx context.Context, id string) error {
	return d.wrap(fmt.Sprintf("remove config %q", id), d.cli.ConfigRemove(ctx, id))
}
