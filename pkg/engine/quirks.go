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
func (d *Docker) releaseEndpoints(ctx context.Context, id string) error {
	api, err := d.version(ctx)
	if err != nil || versions.GreaterThanOrEqualTo(api, apiEndpointRaceFixed) {
		return err
	}
	info, err := d.cli.ContainerInspect(ctx, id)
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return d.wrap(fmt.Sprintf("inspect container %q", id), err)
	}
	// A stopped container holds no endpoint; built-in networks are never
	// removed, so a phantom on them harms nothing.
	if info.State == nil || !info.State.Running || info.NetworkSettings == nil {
		return nil
	}
	for name := range info.NetworkSettings.Networks {
		switch name {
		case "bridge", "host", "none":
			continue
		}
		lock := d.netLock(name)
		lock.Lock()
		err := d.cli.NetworkDisconnect(ctx, name, id, true)
		lock.Unlock()
		if err != nil && !cerrdefs.IsNotFound(err) {
			return d.wrap(fmt.Sprintf("disconnect container %q from network %q", id, name), err)
		}
	}
	return nil
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
