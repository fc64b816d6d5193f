// Podman's Docker-compatible API: where it differs from Docker's in what
// stack relies on, the difference is made up here (docs/podman.md lists
// them all, with those that are refused).

package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
)

// podmanAPI is the path prefix of Podman's own (libpod) API: any version
// from 4.0 serves the calls made here.
const podmanAPI = "/v4.0.0/libpod"

// isPodman reports whether the engine is Podman, asking it once.
func (d *Docker) isPodman(ctx context.Context) bool {
	d.mu.Lock()
	known := d.flavour
	d.mu.Unlock()
	if known != "" {
		return known == flavourPodman
	}
	v, err := d.cli.ServerVersion(ctx)
	if err != nil {
		return false // asked again next time
	}
	f := flavourDocker
	for _, c := range v.Components {
		if strings.Contains(strings.ToLower(c.Name), "podman") {
			f = flavourPodman
		}
	}
	d.mu.Lock()
	d.flavour = f
	d.mu.Unlock()
	return f == flavourPodman
}

// Engine flavours, for Docker.flavour.
const (
	flavourDocker = "docker"
	flavourPodman = "podman"
)

// podmanEvent makes an event of Podman look like Docker's: a health event
// says the new status in its action ("health_status: healthy"; Podman
// sends it in a field the client drops, so it is read back), and an exit
// code is under exitCode.
func (d *Docker) podmanEvent(ctx context.Context, ev Event) Event {
	if ev.ExitCode == "" {
		ev.ExitCode = ev.Attribute["containerExitCode"]
	}
	if ev.Action == "health_status" {
		if c, err := d.cli.ContainerInspect(ctx, ev.ID); err == nil && c.State != nil && c.State.Health != nil {
			ev.Action = "health_status: " + c.State.Health.Status
		}
	}
	return ev
}

// podmanLocal tells whether a tag of Podman's image store names ref:
// Podman keeps images loaded or built without a registry as
// "localhost/NAME", which Docker calls "NAME".
func podmanLocal(tag, ref string) bool {
	name, ok := strings.CutPrefix(tag, "localhost/")
	return ok && (name == ref || name == normalizeRef(ref))
}

// healthDriver runs the health checks of a project's containers on Podman
// while someone follows its events: Podman schedules them with systemd
// timers, so without systemd (in a container, in CI) they never run and a
// container stays "starting" forever. Each running container with a
// healthcheck is checked at its interval, through Podman's own API; the
// result reaches the followers as Podman's health event. It returns when
// ctx ends.
func (d *Docker) healthDriver(ctx context.Context, f Filter) {
	type checked struct {
		interval time.Duration
		next     time.Time
	}
	known := map[string]*checked{}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		cs, err := d.cli.ContainerList(ctx, container.ListOptions{Filters: projectFilter(f)})
		if err != nil {
			continue // the event stream reports a lost engine
		}
		now := time.Now()
		running := map[string]bool{}
		var wg sync.WaitGroup
		for _, c := range cs {
			running[c.ID] = true
			k, ok := known[c.ID]
			if !ok {
				k = &checked{}
				known[c.ID] = k
				ins, err := d.cli.ContainerInspect(ctx, c.ID)
				if err == nil && ins.Config != nil && ins.Config.Healthcheck != nil && len(ins.Config.Healthcheck.Test) > 0 && ins.Config.Healthcheck.Test[0] != "NONE" {
					k.interval = ins.Config.Healthcheck.Interval
					if k.interval <= 0 {
						k.interval = 30 * time.Second // Podman's and Docker's default
					}
					k.next = now.Add(k.interval)
				}
			}
			if k.interval == 0 || now.Before(k.next) {
				continue
			}
			k.next = now.Add(k.interval)
			wg.Add(1)
			go func(id string) {
				defer wg.Done()
				// A failed run is the next run's business.
				_, _ = d.podmanHealthcheck(ctx, id)
			}(c.ID)
		}
		wg.Wait()
		for id := range known {
			if !running[id] {
				delete(known, id)
			}
		}
	}
}

// podmanHealthcheck runs container id's health check once, through
// Podman's own API, and returns the status it reports.
func (d *Docker) podmanHealthcheck(ctx context.Context, id string) (string, error) {
	resp, err := d.podmanGet(ctx, fmt.Sprintf("%s/containers/%s/healthcheck", podmanAPI, url.PathEscape(id)))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("healthcheck of container %q: %s: %s", d.names.of(id), resp.Status, strings.TrimSpace(string(body)))
	}
	var res struct{ Status string }
	if err := json.Unmarshal(body, &res); err != nil {
		return "", fmt.Errorf("healthcheck of container %q: %w", d.names.of(id), err)
	}
	return res.Status, nil
}

// podmanGet sends a GET to the engine outside the Docker API, through the
// client's own connection (socket, TLS).
func (d *Docker) podmanGet(ctx context.Context, path string) (*http.Response, error) {
	u, err := url.Parse(d.host)
	if err != nil {
		return nil, err
	}
	base := "http://" + u.Host
	switch {
	case u.Scheme == "unix" || u.Scheme == "npipe":
		base = "http://podman"
	case u.Scheme == "https" || os.Getenv("DOCKER_TLS_VERIFY") != "" || os.Getenv("DOCKER_CERT_PATH") != "":
		base = "https://" + u.Host
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return nil, err
	}
	return d.cli.HTTPClient().Do(req)
}
