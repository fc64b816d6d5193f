// The network calls of Docker.

package engine

import (
	"context"
	"fmt"
	"net"
	"sort"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/versions"
)

// ListNetworks returns the networks labelled with project. Their Containers
// are empty: the engine's list does not fill them (InspectNetwork does).
func (d *Docker) ListNetworks(ctx context.Context, project string) ([]Network, error) {
	op := fmt.Sprintf("list networks of project %q", project)
	// down lists networks, volumes and containers at once: settle the API
	// version first (see versionFor).
	if _, err := d.versionFor(ctx, op); err != nil {
		return nil, err
	}
	args := filters.NewArgs(filters.Arg("label", LabelProject+"="+project))
	list, err := d.cli.NetworkList(ctx, network.ListOptions{Filters: args})
	if err != nil {
		return nil, d.wrap(op, err)
	}
	out := make([]Network, 0, len(list))
	for _, n := range list {
		out = append(out, fromNetwork(n))
		d.netNames.learn(n.ID, n.Name)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func fromNetwork(n network.Inspect) Network {
	out := Network{ID: n.ID, Name: n.Name, Driver: n.Driver, Labels: n.Labels}
	for id := range n.Containers {
		out.Containers = append(out.Containers, id)
	}
	sort.Strings(out.Containers)
	return out
}

// InspectNetwork finds a network by name or ID, with its endpoints.
func (d *Docker) InspectNetwork(ctx context.Context, name string) (Network, error) {
	n, err := d.cli.NetworkInspect(ctx, name, network.InspectOptions{})
	if err != nil {
		return Network{}, d.wrap(fmt.Sprintf("inspect network %q", d.netNames.of(name)), err)
	}
	d.netNames.learn(n.ID, n.Name)
	return fromNetwork(n), nil
}

// CreateNetwork creates network r.Key of project r.Project, named
// r.Config.Name (compose-go sets "<project>_<key>"; that is also the default)
// with Compose's labels. An external network is never created: it is looked
// up, and ErrNotFound when missing.
func (d *Docker) CreateNetwork(ctx context.Context, r NetworkRequest) (Network, error) {
	name := networkName(r)
	if r.Config.External {
		n, err := d.InspectNetwork(ctx, name)
		if err != nil {
			return Network{}, fmt.Errorf("external network %q of project %q: %w", name, r.Project, err)
		}
		return n, nil
	}
	op := fmt.Sprintf("create network %q", name)
	api, err := d.version(ctx)
	if err != nil {
		return Network{}, fmt.Errorf("%s: %w", op, err)
	}
	opts, err := networkOptions(r, api)
	if err != nil {
		return Network{}, fmt.Errorf("%s: %w", op, err)
	}
	resp, err := d.cli.NetworkCreate(ctx, name, opts)
	if err != nil {
		return Network{}, d.wrap(op, err)
	}
	d.netNames.learn(resp.ID, name)
	driver := r.Config.Driver
	if driver == "" {
		driver = "bridge"
	}
	return Network{ID: resp.ID, Name: name, Driver: driver, Labels: opts.Labels}, nil
}

// ValidateNetwork reports what keeps network r from being created on an
// engine speaking apiVersion, without calling the engine.
func ValidateNetwork(r NetworkRequest, apiVersion string) error {
	if r.Config.External {
		return nil
	}
	_, err := networkOptions(r, apiVersion)
	return err
}

func networkName(r NetworkRequest) string {
	if r.Config.Name != "" {
		return r.Config.Name
	}
	return r.Project + "_" + r.Key
}

// networkOptions are the engine's options for creating network r.
func networkOptions(r NetworkRequest, api string) (network.CreateOptions, error) {
	c := r.Config
	labels := map[string]string{}
	for k, v := range c.Labels {
		labels[k] = v
	}
	for k, v := range c.CustomLabels {
		labels[k] = v
	}
	labels[LabelProject] = r.Project
	labels[LabelNetwork] = r.Key
	labels[LabelVersion] = ComposeVersion
	labels[LabelStackHash] = NetworkHash(c)
	opts := network.CreateOptions{
		Driver:     c.Driver,
		Options:    c.DriverOpts,
		Internal:   c.Internal,
		Attachable: c.Attachable,
		EnableIPv6: c.EnableIPv6,
		Labels:     labels,
	}
	if api == "" || versions.GreaterThanOrEqualTo(api, "1.47") {
		opts.EnableIPv4 = c.EnableIPv4
	} else if c.EnableIPv4 != nil && !*c.EnableIPv4 {
		return opts, fmt.Errorf("network %q: enable_ipv4: false needs Docker Engine API 1.47 (engine: %s)", r.Key, api)
	}
	if c.Ipam.Driver != "" || len(c.Ipam.Config) > 0 || len(c.Ipam.Options) > 0 {
		ipam := &network.IPAM{Driver: c.Ipam.Driver, Options: c.Ipam.Options}
		for _, p := range c.Ipam.Config {
			if p == nil {
				continue
			}
			if err := checkIPAM(p.Subnet, p.IPRange, p.Gateway); err != nil {
				return opts, err
			}
			ipam.Config = append(ipam.Config, network.IPAMConfig{
				Subnet:     p.Subnet,
				IPRange:    p.IPRange,
				Gateway:    p.Gateway,
				AuxAddress: p.AuxiliaryAddresses,
			})
		}
		opts.IPAM = ipam
	}
	return opts, nil
}

// ConnectNetwork connects a container to a network with ep's settings.
func (d *Docker) ConnectNetwork(ctx context.Context, networkID, containerID string, ep Endpoint) error {
	op := fmt.Sprintf("connect container %q to network %q", d.names.of(containerID), d.netNames.of(networkID))
	return d.wrap(op, d.cli.NetworkConnect(ctx, networkID, containerID, ep.Settings))
}

// RemoveNetwork removes a network; one with endpoints is ErrConflict.
func (d *Docker) RemoveNetwork(ctx context.Context, id string) error {
	return d.wrap(fmt.Sprintf("remove network %q", d.netNames.of(id)), d.cli.NetworkRemove(ctx, id))
}

// DisconnectNetwork force-disconnects a container from a network. container
// may also be a key of the network's endpoints that names no container (a
// stale endpoint, moby issue 42119): the endpoint's name is then used.
func (d *Docker) DisconnectNetwork(ctx context.Context, networkID, containerID string) error {
	op := fmt.Sprintf("disconnect container %q from network %q", d.names.of(containerID), d.netNames.of(networkID))
	err := d.cli.NetworkDisconnect(ctx, networkID, containerID, true)
	if err == nil || !cerrdefs.IsNotFound(err) {
		return d.wrap(op, err)
	}
	n, ierr := d.cli.NetworkInspect(ctx, networkID, network.InspectOptions{})
	if ierr != nil {
		return d.wrap(op, err)
	}
	ep, ok := n.Containers[containerID]
	if !ok || ep.Name == "" || ep.Name == containerID {
		return d.wrap(op, err)
	}
	return d.wrap(op, d.cli.NetworkDisconnect(ctx, networkID, ep.Name, true))
}

// checkIPAM refuses addresses the engine would refuse only when asked to
// create the network, after other objects of the project were made.
func checkIPAM(subnet, ipRange, gateway string) error {
	for _, c := range []struct{ name, v string }{{"subnet", subnet}, {"ip_range", ipRange}} {
		if _, _, err := net.ParseCIDR(c.v); c.v != "" && err != nil {
			return fmt.Errorf("ipam %s %q is not an address range such as 172.28.0.0/16", c.name, c.v)
		}
	}
	if gateway != "" && net.ParseIP(gateway) == nil {
		return fmt.Errorf("ipam gateway %q is not an IP address", gateway)
	}
	return nil
}
