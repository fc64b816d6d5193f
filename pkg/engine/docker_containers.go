// The container calls of Docker: list, create, lifecycle, inspect, wait, logs.

package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// ListContainers returns f.Project's containers in one list call, sorted by
// service then number. An empty f.Project lists the containers of every
// project (those with a project label), sorted by project first.
func (d *Docker) ListContainers(ctx context.Context, f Filter) ([]Container, error) {
	args := projectFilter(f)
	op := fmt.Sprintf("list containers of project %q", f.Project)
	if f.Project == "" {
		args.Del("label", LabelProject+"=")
		args.Add("label", LabelProject)
		op = "list containers of every project"
	}
	if _, err := d.versionFor(ctx, op); err != nil {
		return nil, err
	}
	list, err := d.cli.ContainerList(ctx, container.ListOptions{All: f.All, Filters: args})
	if err != nil {
		return nil, d.wrap(op, err)
	}
	out := make([]Container, 0, len(list))
	for _, c := range list {
		if !wantService(f, c.Labels[LabelService]) {
			continue
		}
		out = append(out, fromSummary(c))
		d.names.saw(out[len(out)-1])
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Project != out[j].Project {
			return out[i].Project < out[j].Project
		}
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		if out[i].Number != out[j].Number {
			return out[i].Number < out[j].Number
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func fromSummary(c container.Summary) Container {
	out := containerFromLabels(c.Labels)
	out.ID = c.ID
	out.Name = summaryName(c.Names)
	out.Image = c.Image
	out.State = State(c.State)
	out.Status = c.Status
	out.Health = healthFromStatus(c.Status)
	out.Created = time.Unix(c.Created, 0)
	for _, p := range c.Ports {
		out.Ports = append(out.Ports, Port{HostIP: p.IP, HostPort: p.PublicPort, ContainerPort: p.PrivatePort, Protocol: p.Type})
	}
	if c.NetworkSettings != nil {
		for name := range c.NetworkSettings.Networks {
			out.Networks = append(out.Networks, name)
		}
		sort.Strings(out.Networks)
	}
	return out
}

// containerFromLabels fills what Compose's labels tell.
func containerFromLabels(labels map[string]string) Container {
	n, _ := strconv.Atoi(labels[LabelNumber])
	return Container{
		Project: labels[LabelProject],
		Service: labels[LabelService],
		Number:  n,
		OneOff:  labels[LabelOneOff] == "True",
		Labels:  labels,
	}
}

// summaryName picks the container's own name: with legacy links a container
// also lists "/<linker>/<alias>" names.
func summaryName(names []string) string {
	for _, n := range names {
		if strings.Count(n, "/") == 1 {
			return strings.TrimPrefix(n, "/")
		}
	}
	if len(names) > 0 {
		return strings.TrimPrefix(names[0], "/")
	}
	return ""
}

// healthFromStatus reads the health the engine appends to the status text.
func healthFromStatus(status string) string {
	switch {
	case strings.Contains(status, "(healthy)"):
		return "healthy"
	case strings.Contains(status, "(unhealthy)"):
		return "unhealthy"
	case strings.Contains(status, "(health: starting)"):
		return "starting"
	}
	return ""
}

// CreateContainer creates the container of spec, then connects the networks
// the engine did not take at create. Unless spec's configuration carries
// LabelImage, it inspects the image once to write its ID there, as Compose
// does; with spec.InheritVolumesFrom it also inspects that container to take
// over its anonymous volumes. A missing image is ErrNotFound. spec is not
// changed.
func (d *Docker) CreateContainer(ctx context.Context, spec ContainerSpec) (Container, error) {
	op := fmt.Sprintf("create container %q", spec.Name)
	cc := spec.Config.clone()
	_, haveImageID := cc.Config.Labels[LabelImage]
	if !haveImageID || spec.InheritVolumesFrom != "" {
		img, err := d.cli.ImageInspect(ctx, cc.Config.Image)
		if err != nil {
			return Container{}, d.wrap(fmt.Sprintf("%s: image %q", op, cc.Config.Image), err)
		}
		if !haveImageID {
			cc.Config.Labels[LabelImage] = img.ID
		}
		if spec.InheritVolumesFrom != "" {
			prev, err := d.InspectContainer(ctx, spec.InheritVolumesFrom)
			if err != nil {
				return Container{}, fmt.Errorf("%s: volumes of the previous container: %w", op, err)
			}
			var imageVolumes map[string]struct{}
			if img.Config != nil {
				imageVolumes = img.Config.Volumes
			}
			InheritVolumes(&cc, spec.Service, imageVolumes, prev.Mounts)
		}
	}
	resp, err := d.cli.ContainerCreate(ctx, cc.Config, cc.HostConfig, cc.Networking, cc.Platform, spec.Name)
	if err != nil {
		return Container{}, d.wrap(op, err)
	}
	for _, ep := range cc.Connect {
		if err := d.cli.NetworkConnect(ctx, ep.Network, resp.ID, ep.Settings); err != nil {
			err = d.wrap(fmt.Sprintf("%s: connect network %q", op, ep.Network), err)
			// Do not leave a half-connected container behind, even when ctx ended.
			rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if rmErr := d.cli.ContainerRemove(rmCtx, resp.ID, container.RemoveOptions{Force: true}); rmErr != nil {
				return Container{}, errors.Join(err, d.wrap(fmt.Sprintf("remove container %q", spec.Name), rmErr))
			}
			return Container{}, err
		}
	}
	if err := d.copyFiles(ctx, resp.ID, spec.Name, cc.Files); err != nil {
		return Container{}, err
	}
	out := containerFromLabels(cc.Config.Labels)
	out.ID = resp.ID
	out.Name = spec.Name
	out.Image = cc.Config.Image
	out.State = StateCreated
	if cc.Networking != nil {
		for name := range cc.Networking.EndpointsConfig {
			out.Networks = append(out.Networks, name)
		}
	}
	for _, ep := range cc.Connect {
		out.Networks = append(out.Networks, ep.Network)
	}
	sort.Strings(out.Networks)
	d.names.saw(out)
	return out, nil
}

// StartContainer starts a created or stopped container.
func (d *Docker) StartContainer(ctx context.Context, id string) error {
	err := d.cli.ContainerStart(ctx, id, container.StartOptions{})
	if err == nil {
		d.names.setUp(id, true)
	}
	return d.wrap(fmt.Sprintf("start container %q", d.names.of(id)), err)
}

// StopContainer sends the stop signal and kills after timeout (nil: the
// container's own stop timeout), rounded up to whole seconds.
func (d *Docker) StopContainer(ctx context.Context, id string, timeout *time.Duration) error {
	var opts container.StopOptions
	if timeout != nil {
		secs := int(math.Ceil(timeout.Seconds()))
		if secs < 0 {
			secs = 0
		}
		opts.Timeout = &secs
	}
	err := d.cli.ContainerStop(ctx, id, opts)
	if err == nil {
		d.names.setUp(id, false)
	}
	return d.wrap(fmt.Sprintf("stop container %q", d.names.of(id)), err)
}

// RetireContainer stops a container that is about to be removed. On an
// engine that can keep phantom endpoints (quirks.go) it first leaves its
// networks, one network at a time; a container that only stops must keep
// them, so StopContainer does not.
func (d *Docker) RetireContainer(ctx context.Context, id string, timeout *time.Duration) error {
	if err := d.releaseEndpoints(ctx, id, nil); err != nil {
		return err
	}
	return d.StopContainer(ctx, id, timeout)
}

// KillContainer sends signal ("" is SIGKILL).
func (d *Docker) KillContainer(ctx context.Context, id, signal string) error {
	return d.wrap(fmt.Sprintf("kill container %q", d.names.of(id)), d.cli.ContainerKill(ctx, id, signal))
}

// RemoveContainer removes a container; a running one only with o.Force.
func (d *Docker) RemoveContainer(ctx context.Context, id string, o RemoveOptions) error {
	if o.Stop || o.Force {
		if err := d.releaseEndpoints(ctx, id, o.Listed); err != nil {
			return err
		}
	}
	if o.Stop {
		if err := d.StopContainer(ctx, id, o.StopTimeout); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	err := d.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: o.Force, RemoveVolumes: o.Volumes})
	if err != nil && cerrdefs.IsConflict(err) && strings.Contains(err.Error(), "already in progress") {
		err = d.awaitRemoval(ctx, id, err)
	}
	return d.wrap(fmt.Sprintf("remove container %q", d.names.of(id)), err)
}

// awaitRemoval waits for a removal someone else started (another stack,
// an agent pruning its runs) to end: the container going is what the caller
// asked for. A removal that failed leaves the container dead: then the
// engine's refusal stands.
func (d *Docker) awaitRemoval(ctx context.Context, id string, refused error) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		info, err := d.cli.ContainerInspect(ctx, id)
		switch {
		case cerrdefs.IsNotFound(err):
			return nil
		case err != nil:
			return err
		case info.State != nil && info.State.Dead && info.State.Status != "removing":
			return refused
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// RenameContainer renames a container.
func (d *Docker) RenameContainer(ctx context.Context, id, name string) error {
	return d.wrap(fmt.Sprintf("rename container %q to %q", d.names.of(id), name), d.renamed(id, name, d.cli.ContainerRename(ctx, id, name)))
}

// PauseContainer pauses a running container.
func (d *Docker) PauseContainer(ctx context.Context, id string) error {
	return d.wrap(fmt.Sprintf("pause container %q", d.names.of(id)), d.cli.ContainerPause(ctx, id))
}

// UnpauseContainer resumes a paused container.
func (d *Docker) UnpauseContainer(ctx context.Context, id string) error {
	return d.wrap(fmt.Sprintf("unpause container %q", d.names.of(id)), d.cli.ContainerUnpause(ctx, id))
}

// InspectContainer returns the details of a container by ID or name. Status
// is left empty: only a list carries the engine's status text.
func (d *Docker) InspectContainer(ctx context.Context, id string) (ContainerDetails, error) {
	c, err := d.cli.ContainerInspect(ctx, id)
	if err != nil {
		return ContainerDetails{}, d.wrap(fmt.Sprintf("inspect container %q", d.names.of(id)), err)
	}
	var labels map[string]string
	if c.Config != nil {
		labels = c.Config.Labels
	}
	out := ContainerDetails{Container: containerFromLabels(labels)}
	out.ID = c.ID
	out.Name = strings.TrimPrefix(c.Name, "/")
	d.names.learn(out.ID, out.Name)
	out.Created = parseTime(c.Created)
	if c.Config != nil {
		out.Image = c.Config.Image
		out.TTY = c.Config.Tty
	}
	if s := c.State; s != nil {
		out.State = State(s.Status)
		out.Running = s.Running
		out.ExitCode = s.ExitCode
		out.OOMKilled = s.OOMKilled
		out.Error = s.Error
		out.StartedAt = parseTime(s.StartedAt)
		out.FinishedAt = parseTime(s.FinishedAt)
		if h := s.Health; h != nil {
			out.Health = h.Status
			if n := len(h.Log); n > 0 && h.Log[n-1] != nil {
				out.HealthOutput = h.Log[n-1].Output
			}
		}
	}
	if ns := c.NetworkSettings; ns != nil {
		for name := range ns.Networks {
			out.Networks = append(out.Networks, name)
		}
		sort.Strings(out.Networks)
		for port, bindings := range ns.Ports {
			for _, b := range bindings {
				hp, _ := strconv.ParseUint(b.HostPort, 10, 16)
				out.Ports = append(out.Ports, Port{
					HostIP: b.HostIP, HostPort: uint16(hp),
					ContainerPort: uint16(port.Int()), Protocol: port.Proto(),
				})
			}
		}
		sort.Slice(out.Ports, func(i, j int) bool {
			a, b := out.Ports[i], out.Ports[j]
			if a.ContainerPort != b.ContainerPort {
				return a.ContainerPort < b.ContainerPort
			}
			if a.Protocol != b.Protocol {
				return a.Protocol < b.Protocol
			}
			return a.HostIP < b.HostIP
		})
	}
	for _, m := range c.Mounts {
		out.Mounts = append(out.Mounts, Mount{Type: string(m.Type), Name: m.Name, Source: m.Source, Destination: m.Destination})
	}
	return out, nil
}

// parseTime reads the engine's RFC 3339 times; the zero value stays zero.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// WaitContainer blocks until the container is not running and returns its
// exit code. A container that has already exited returns at once.
func (d *Docker) WaitContainer(ctx context.Context, id string) (int, error) {
	op := fmt.Sprintf("wait for container %q", d.names.of(id))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// "not-running" rather than "next-exit": no race with an exit that
	// happens before the wait request reaches the engine.
	resC, errC := d.cli.ContainerWait(ctx, id, container.WaitConditionNotRunning)
	select {
	case res := <-resC:
		if res.Error != nil && res.Error.Message != "" {
			return int(res.StatusCode), fmt.Errorf("%s: %s", op, res.Error.Message)
		}
		return int(res.StatusCode), nil
	case err := <-errC:
		return 0, d.wrap(op, err)
	case <-ctx.Done():
		// The client's goroutine may still hold a result: take it so that it
		// can end (the cancelled request makes it end soon).
		go func() {
			select {
			case <-resC:
			case <-errC:
			}
		}()
		return 0, fmt.Errorf("%s: %w", op, ctx.Err())
	}
}

// Logs copies a container's output to stdout and stderr until it ends, or,
// when following, until ctx ends (which is then not an error). The output of
// a container with a TTY is not multiplexed and all goes to stdout. Without
// following, a json-file log this process can read is read from disk, which
// is many times faster than the API (logfile.go).
func (d *Docker) Logs(ctx context.Context, id string, o LogOptions, stdout, stderr io.Writer) error {
	op := fmt.Sprintf("logs of container %q", d.names.of(id))
	c, err := d.cli.ContainerInspect(ctx, id)
	if err != nil {
		return d.wrap(op, err)
	}
	if handled, err := logsFromFile(ctx, c, o, stdout, stderr); handled {
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	}
	tail := o.Tail
	if tail == "" {
		tail = "all"
	}
	rc, err := d.cli.ContainerLogs(ctx, id, container.LogsOptions{
		ShowStdout: true,
		ShowStderr: true,
		Follow:     o.Follow,
		Tail:       tail,
		Since:      o.Since,
		Until:      o.Until,
		Timestamps: o.Timestamps,
	})
	if err != nil {
		if o.Follow && ctx.Err() != nil {
			return nil
		}
		return d.wrap(op, err)
	}
	defer rc.Close()
	if c.Config != nil && c.Config.Tty {
		_, err = io.Copy(stdout, rc)
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, rc)
	}
	if err != nil {
		if ctx.Err() != nil {
			if o.Follow {
				return nil
			}
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
