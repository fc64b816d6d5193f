package engine

import (
	"context"
	"fmt"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/versions"
)

// apiEndpointRaceFixed is the first API version whose engine is not known
// to keep phantom endpoints (below).
const apiEndpointRaceFixed = "1.42"

// releaseEndpoints works around moby#42119: dockerd 20.10 (API 1.41) can
// keep a phantom endpoint on a network when several of its containers
// release their endpoints at once, after which the network cannot be
// removed until the engine restarts. Before a container that is going away
// is stopped or removed, its endpoints are removed one network at a time,
// so the engine never releases two endpoints of one network concurrently.
// It costs one inspect and one disconnect per network, on old engines only.
func (d *Docker) releaseEndpoints(ctx context.Context, id string, listed *Container) error {
	api, err := d.version(ctx)
	if err != nil || versions.GreaterThanOrEqualTo(api, apiEndpointRaceFixed) {
		return err
	}
	running, networks, err := d.endpointsOf(ctx, id, listed)
	// A stopped container holds no endpoint.
	if err != nil || !running {
		return err
	}
	for _, name := range networks {
		// Built-in networks are never removed: a phantom there harms nothing.
		switch name {
		case "bridge", "host", "none":
			continue
		}
		// Best effort: the caller's list may be stale (the container left
		// meanwhile), and a failed disconnect only leaves the race as it was;
		// the stop and remove that follow report what really fails.
		lock := d.netLock(name)
		lock.Lock()
		_ = d.cli.NetworkDisconnect(ctx, name, id, true)
		lock.Unlock()
	}
	// Released: a stop or remove that follows has nothing more to do.
	d.names.released(id)
	return nil
}

// endpointsOf tells whether a container runs and which networks it is on:
// from what this client saw of it (lists, creates, its own starts, stops
// and releases), else from the caller's list entry, else from an inspect.
func (d *Docker) endpointsOf(ctx context.Context, id string, listed *Container) (bool, []string, error) {
	if up, networks, ok := d.names.endpoints(id); ok {
		return up, networks, nil
	}
	if listed != nil {
		return listed.State.Up(), listed.Networks, nil
	}
	info, err := d.cli.ContainerInspect(ctx, id)
	if cerrdefs.IsNotFound(err) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, d.wrap(fmt.Sprintf("inspect container %q", d.names.of(id)), err)
	}
	if info.State == nil || !info.State.Running || info.NetworkSettings == nil {
		return false, nil, nil
	}
	var networks []string
	for name := range info.NetworkSettings.Networks {
		networks = append(networks, name)
	}
	return true, networks, nil
}

// netLock returns the mutex of one network.
func (d *Docker) netLock(name string) *sync.Mutex {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.netLocks == nil {
		d.netLocks = map[string]*sync.Mutex{}
	}
	l, ok := d.netLocks[name]
	if !ok {
		l = &sync.Mutex{}
		d.netLocks[name] = l
	}
	return l
}
