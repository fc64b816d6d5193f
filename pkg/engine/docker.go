package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
)

// Docker is the Engine of a Docker Engine, reached through one API client
// (and its connection pool) shared by all calls. It is safe for concurrent
// use.
type Docker struct {
	cli  *client.Client
	host string

	// proto and addr of host, read by dial.
	proto, addr string
	// lastDialErr is the latest failure to connect, the cause reported in
	// UnreachableError (the client replaces it with a generic text).
	lastDialErr atomic.Pointer[error]

	mu         sync.Mutex
	apiVersion string // negotiated, "" until the first need
	// netLocks serialise endpoint removals per network (see quirks.go).
	netLocks map[string]*sync.Mutex
}

var _ Engine = (*Docker)(nil)

// UnreachableError means the engine could not be reached at all: no socket,
// connection refused, TLS failure, timeout.
type UnreachableError struct {
	Host string // e.g. unix:///var/run/docker.sock
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot connect to the Docker engine at %s: %v", e.Host, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// NewDocker returns a client of the engine named by the environment, as the
// docker CLI does: DOCKER_HOST (default unix:///var/run/docker.sock, or
// tcp://host:port), DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and
// DOCKER_API_VERSION; the API version is otherwise negotiated with the engine
// on the first call. It does not contact the engine.
func NewDocker() (*Docker, error) {
	d := &Docker{}
	host := os.Getenv(client.EnvOverrideHost)
	if host == "" {
		host = client.DefaultDockerHost
	}
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if u, err := client.ParseHostURL(host); err == nil && (u.Scheme == "unix" || u.Scheme == "tcp") {
		d.proto, d.addr = u.Scheme, u.Host
		// Our own dialer only to keep the cause of a connection failure.
		opts = append(opts, client.WithDialContext(d.dial))
	}
	cli, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker client for %s: %w", host, err)
	}
	d.cli = cli
	d.host = cli.DaemonHost()
	return d, nil
}

// dial connects like the client's default transport does for unix and tcp
// hosts, and remembers the error.
func (d *Docker) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	dialer := &net.Dialer{Timeout: 30 * time.Second}
	if d.proto == "unix" {
		// The transport passes a dummy host name for unix sockets.
		network, addr = "unix", d.addr
	}
	conn, err := dialer.DialContext(ctx, network, addr)
	switch {
	case err == nil:
		d.lastDialErr.Store(nil)
	case ctx.Err() == nil:
		d.lastDialErr.Store(&err)
	}
	return conn, err
}

// Close releases the client's idle connections.
func (d *Docker) Close() error {
	return d.cli.Close()
}

// Host returns the address of the engine, e.g. unix:///var/run/docker.sock.
func (d *Docker) Host() string { return d.host }

// opError is an engine error with the operation and resource in its message,
// that errors.Is matches against its kind (ErrNotFound, ErrConflict).
type opError struct {
	op   string
	kind error
	err  error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }

func (e *opError) Unwrap() []error {
	if e.kind == nil {
		return []error{e.err}
	}
	return []error{e.kind, e.err}
}

// daemonErrorPrefix is the client's prefix of every engine error message.
const daemonErrorPrefix = "Error response from daemon: "

// wrap turns a client error into one of ours, with op (e.g. `start container
// "shop-web-1"`) in front.
func (d *Docker) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if client.IsErrConnectionFailed(err) {
		cause := err
		if p := d.lastDialErr.Load(); p != nil {
			cause = *p
		} else if u := errors.Unwrap(err); u != nil {
			cause = u
		}
		return fmt.Errorf("%s: %w", op, &UnreachableError{Host: d.host, Err: cause})
	}
	var kind error
	msg := err.Error()
	switch {
	case cerrdefs.IsNotFound(err):
		kind = ErrNotFound
	case cerrdefs.IsConflict(err):
		kind = ErrConflict
	case cerrdefs.IsPermissionDenied(err) || cerrdefs.IsInvalidArgument(err) || cerrdefs.IsFailedPrecondition(err):
		// dockerd 20.10 answers 403 for a network name taken or in use.
		if strings.Contains(msg, "already exists") || strings.Contains(msg, "active endpoints") || strings.Contains(msg, "in use") {
			kind = ErrConflict
		}
	}
	msg = dedupe(strings.TrimPrefix(msg, daemonErrorPrefix))
	return &opError{op: op, kind: kind, err: &engineError{msg: msg, err: err}}
}

// dedupe shortens "x: X" to "X": the client repeats some engine messages
// ("no such image: a: No such image: a").
func dedupe(msg string) string {
	if len(msg)%2 == 0 {
		half := (len(msg) - 2) / 2
		if msg[half:half+2] == ": " && strings.EqualFold(msg[:half], msg[half+2:]) {
			return msg[half+2:]
		}
	}
	return msg
}

// engineError keeps the client's error for errors.As and errdefs checks but
// shows the engine's message without the client's prefix.
type engineError struct {
	msg string
	err error
}

func (e *engineError) Error() string { return e.msg }
func (e *engineError) Unwrap() error { return e.err }

// version returns the negotiated API version, asking the engine once.
func (d *Docker) version(ctx context.Context) (string, error) {
	return d.versionFor(ctx, "ping engine")
}

// versionFor is version with op naming the failed operation in the error.
// The calls that can be a command's first, and run at once with another
// (ListContainers, ImageIDs, Events), call it first: the client's own lazy
// negotiation reads its version unlocked while a concurrent first call
// writes it.
func (d *Docker) versionFor(ctx context.Context, op string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.apiVersion != "" {
		return d.apiVersion, nil
	}
	ping, err := d.cli.Ping(ctx)
	if err != nil {
		return "", d.wrap(op, err)
	}
	d.cli.NegotiateAPIVersionPing(ping)
	d.apiVersion = d.cli.ClientVersion()
	return d.apiVersion, nil
}

// Ping checks that the engine answers and returns its address and versions.
func (d *Docker) Ping(ctx context.Context) (Info, error) {
	if _, err := d.version(ctx); err != nil {
		return Info{}, err
	}
	v, err := d.cli.ServerVersion(ctx)
	if err != nil {
		return Info{}, d.wrap("engine version", err)
	}
	return Info{Host: d.host, APIVersion: d.cli.ClientVersion(), ServerVersion: v.Version}, nil
}

// projectFilter selects f.Project's objects; several services are filtered
// by the caller (the engine ANDs label filters).
func projectFilter(f Filter) filters.Args {
	args := filters.NewArgs(filters.Arg("label", LabelProject+"="+f.Project))
	if len(f.Services) == 1 {
		args.Add("label", LabelService+"="+f.Services[0])
	}
	if f.OneOff != nil {
		v := "False"
		if *f.OneOff {
			v = "True"
		}
		args.Add("label", LabelOneOff+"="+v)
	}
	return args
}

func wantService(f Filter, service string) bool {
	return len(f.Services) == 0 || slices.Contains(f.Services, service)
}

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
	out.State = c.State
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

// CreateContainer creates one replica of a service (see ContainerConfig),
// then connects the networks the engine did not take at create. Unless the
// caller gives LabelImage in r.Labels or the service's CustomLabels, it
// inspects the image once to write its ID there, as Compose does; with
// r.InheritVolumesFrom it also inspects that container to take over its
// anonymous volumes. A missing image is ErrNotFound.
func (d *Docker) CreateContainer(ctx context.Context, r CreateRequest) (Container, error) {
	op := fmt.Sprintf("create container %q", r.Name)
	api, err := d.version(ctx)
	if err != nil {
		return Container{}, fmt.Errorf("%s: %w", op, err)
	}
	cc, err := ContainerConfig(r, api)
	if err != nil {
		return Container{}, fmt.Errorf("%s: %w", op, err)
	}
	_, haveImageID := cc.Config.Labels[LabelImage]
	if !haveImageID || r.InheritVolumesFrom != "" {
		img, err := d.cli.ImageInspect(ctx, cc.Config.Image)
		if err != nil {
			return Container{}, d.wrap(fmt.Sprintf("%s: image %q of service %q", op, cc.Config.Image, r.Service.Name), err)
		}
		if !haveImageID {
			cc.Config.Labels[LabelImage] = img.ID
		}
		if r.InheritVolumesFrom != "" {
			prev, err := d.InspectContainer(ctx, r.InheritVolumesFrom)
			if err != nil {
				return Container{}, fmt.Errorf("%s: volumes of the previous container: %w", op, err)
			}
			var imageVolumes map[string]struct{}
			if img.Config != nil {
				imageVolumes = img.Config.Volumes
			}
			InheritVolumes(&cc, r.Service, imageVolumes, prev.Mounts)
		}
	}
	resp, err := d.cli.ContainerCreate(ctx, cc.Config, cc.HostConfig, cc.Networking, cc.Platform, r.Name)
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
				return Container{}, errors.Join(err, d.wrap(fmt.Sprintf("remove container %q", r.Name), rmErr))
			}
			return Container{}, err
		}
	}
	out := containerFromLabels(cc.Config.Labels)
	out.ID = resp.ID
	out.Name = r.Name
	out.Image = cc.Config.Image
	out.State = container.StateCreated
	if cc.Networking != nil {
		for name := range cc.Networking.EndpointsConfig {
			out.Networks = append(out.Networks, name)
		}
	}
	for _, ep := range cc.Connect {
		out.Networks = append(out.Networks, ep.Network)
	}
	sort.Strings(out.Networks)
	return out, nil
}

// StartContainer starts a created or stopped container.
func (d *Docker) StartContainer(ctx context.Context, id string) error {
	return d.wrap(fmt.Sprintf("start container %q", id), d.cli.ContainerStart(ctx, id, container.StartOptions{}))
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
	return d.wrap(fmt.Sprintf("stop container %q", id), d.cli.ContainerStop(ctx, id, opts))
}

// KillContainer sends signal ("" is SIGKILL).
func (d *Docker) KillContainer(ctx context.Context, id, signal string) error {
	return d.wrap(fmt.Sprintf("kill container %q", id), d.cli.ContainerKill(ctx, id, signal))
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
	return d.wrap(fmt.Sprintf("remove container %q", id), err)
}

// RenameContainer renames a container.
func (d *Docker) RenameContainer(ctx context.Context, id, name string) error {
	return d.wrap(fmt.Sprintf("rename container %q to %q", id, name), d.cli.ContainerRename(ctx, id, name))
}

// PauseContainer pauses a running container.
func (d *Docker) PauseContainer(ctx context.Context, id string) error {
	return d.wrap(fmt.Sprintf("pause container %q", id), d.cli.ContainerPause(ctx, id))
}

// UnpauseContainer resumes a paused container.
func (d *Docker) UnpauseContainer(ctx context.Context, id string) error {
	return d.wrap(fmt.Sprintf("unpause container %q", id), d.cli.ContainerUnpause(ctx, id))
}

// InspectContainer returns the details of a container by ID or name. Status
// is left empty: only a list carries the engine's status text.
func (d *Docker) InspectContainer(ctx context.Context, id string) (ContainerDetails, error) {
	c, err := d.cli.ContainerInspect(ctx, id)
	if err != nil {
		return ContainerDetails{}, d.wrap(fmt.Sprintf("inspect container %q", id), err)
	}
	var labels map[string]string
	if c.Config != nil {
		labels = c.Config.Labels
	}
	out := ContainerDetails{Container: containerFromLabels(labels)}
	out.ID = c.ID
	out.Name = strings.TrimPrefix(c.Name, "/")
	out.Created = parseTime(c.Created)
	if c.Config != nil {
		out.Image = c.Config.Image
		out.TTY = c.Config.Tty
	}
	if s := c.State; s != nil {
		out.State = s.Status
		out.Running = s.Running
		out.ExitCode = s.ExitCode
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
	op := fmt.Sprintf("wait for container %q", id)
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
	op := fmt.Sprintf("logs of container %q", id)
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

// Events streams the container events of f.Project (and f.Services, f.OneOff)
// until ctx ends, which closes both channels without an error. An engine
// failure sends one error, then both channels close.
func (d *Docker) Events(ctx context.Context, f Filter) (<-chan Event, <-chan error) {
	out := make(chan Event)
	errc := make(chan error, 1)
	if _, err := d.versionFor(ctx, fmt.Sprintf("events of project %q", f.Project)); err != nil {
		errc <- err
		close(errc)
		close(out)
		return out, errc
	}
	args := projectFilter(f)
	args.Add("type", string(events.ContainerEventType))
	streamCtx, cancel := context.WithCancel(ctx)
	msgs, errs := d.cli.Events(streamCtx, events.ListOptions{Filters: args})
	go func() {
		defer close(errc)
		defer close(out)
		// Cancelling ends the client's goroutine too.
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case err := <-errs:
				if ctx.Err() != nil {
					return
				}
				if err == nil || errors.Is(err, io.EOF) {
					err = errors.New("the engine closed the event stream")
				}
				errc <- d.wrap(fmt.Sprintf("events of project %q", f.Project), err)
				return
			case m := <-msgs:
				ev := eventFrom(m)
				if !wantService(f, ev.Service) {
					continue
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, errc
}

func eventFrom(m events.Message) Event {
	a := m.Actor.Attributes
	t := time.Unix(m.Time, 0)
	if m.TimeNano != 0 {
		t = time.Unix(0, m.TimeNano)
	}
	return Event{
		Time:      t,
		Action:    string(m.Action),
		ID:        m.Actor.ID,
		Name:      a["name"],
		Service:   a[LabelService],
		Project:   a[LabelProject],
		ExitCode:  a["exitCode"],
		Attribute: a,
	}
}

// ListNetworks returns the networks labelled with project. Their Containers
// are empty: the engine's list does not fill them (InspectNetwork does).
func (d *Docker) ListNetworks(ctx context.Context, project string) ([]Network, error) {
	args := filters.NewArgs(filters.Arg("label", LabelProject+"="+project))
	list, err := d.cli.NetworkList(ctx, network.ListOptions{Filters: args})
	if err != nil {
		return nil, d.wrap(fmt.Sprintf("list networks of project %q", project), err)
	}
	out := make([]Network, 0, len(list))
	for _, n := range list {
		out = append(out, fromNetwork(n))
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
		return Network{}, d.wrap(fmt.Sprintf("inspect network %q", name), err)
	}
	return fromNetwork(n), nil
}

// CreateNetwork creates network r.Key of project r.Project, named
// r.Config.Name (compose-go sets "<project>_<key>"; that is also the default)
// with Compose's labels. An external network is never created: it is looked
// up, and ErrNotFound when missing.
func (d *Docker) CreateNetwork(ctx context.Context, r NetworkRequest) (Network, error) {
	c := r.Config
	name := c.Name
	if name == "" {
		name = r.Project + "_" + r.Key
	}
	if c.External {
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
	if versions.GreaterThanOrEqualTo(api, "1.47") {
		opts.EnableIPv4 = c.EnableIPv4
	} else if c.EnableIPv4 != nil && !*c.EnableIPv4 {
		return Network{}, fmt.Errorf("%s: enable_ipv4: false needs Docker Engine API 1.47 (engine: %s)", op, api)
	}
	if c.Ipam.Driver != "" || len(c.Ipam.Config) > 0 || len(c.Ipam.Options) > 0 {
		ipam := &network.IPAM{Driver: c.Ipam.Driver, Options: c.Ipam.Options}
		for _, p := range c.Ipam.Config {
			if p == nil {
				continue
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
	resp, err := d.cli.NetworkCreate(ctx, name, opts)
	if err != nil {
		return Network{}, d.wrap(op, err)
	}
	driver := c.Driver
	if driver == "" {
		driver = "bridge"
	}
	return Network{ID: resp.ID, Name: name, Driver: driver, Labels: labels}, nil
}

// RemoveNetwork removes a network; one with endpoints is ErrConflict.
func (d *Docker) RemoveNetwork(ctx context.Context, id string) error {
	return d.wrap(fmt.Sprintf("remove network %q", id), d.cli.NetworkRemove(ctx, id))
}

// DisconnectNetwork force-disconnects a container from a network. container
// may also be a key of the network's endpoints that names no container (a
// stale endpoint, moby issue 42119): the endpoint's name is then used.
func (d *Docker) DisconnectNetwork(ctx context.Context, networkID, containerID string) error {
	op := fmt.Sprintf("disconnect container %q from network %q", containerID, networkID)
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

// ListVolumes returns the volumes labelled with project.
func (d *Docker) ListVolumes(ctx context.Context, project string) ([]Volume, error) {
	args := filters.NewArgs(filters.Arg("label", LabelProject+"="+project))
	resp, err := d.cli.VolumeList(ctx, volume.ListOptions{Filters: args})
	if err != nil {
		return nil, d.wrap(fmt.Sprintf("list volumes of project %q", project), err)
	}
	out := make([]Volume, 0, len(resp.Volumes))
	for _, v := range resp.Volumes {
		if v != nil {
			out = append(out, fromVolume(*v))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func fromVolume(v volume.Volume) Volume {
	return Volume{Name: v.Name, Driver: v.Driver, Labels: v.Labels, Mountpoint: v.Mountpoint}
}

// InspectVolume finds a volume by name.
func (d *Docker) InspectVolume(ctx context.Context, name string) (Volume, error) {
	v, err := d.cli.VolumeInspect(ctx, name)
	if err != nil {
		return Volume{}, d.wrap(fmt.Sprintf("inspect volume %q", name), err)
	}
	return fromVolume(v), nil
}

// CreateVolume creates volume r.Key of project r.Project, named
// r.Config.Name (default "<project>_<key>") with Compose's labels. An
// external volume is never created: it is looked up, and ErrNotFound when
// missing. The engine returns an existing volume of the same name as is.
func (d *Docker) CreateVolume(ctx context.Context, r VolumeRequest) (Volume, error) {
	c := r.Config
	name := c.Name
	if name == "" {
		name = r.Project + "_" + r.Key
	}
	if c.External {
		v, err := d.InspectVolume(ctx, name)
		if err != nil {
			return Volume{}, fmt.Errorf("external volume %q of project %q: %w", name, r.Project, err)
		}
		return v, nil
	}
	labels := map[string]string{}
	for k, v := range c.Labels {
		labels[k] = v
	}
	for k, v := range c.CustomLabels {
		labels[k] = v
	}
	labels[LabelProject] = r.Project
	labels[LabelVolume] = r.Key
	labels[LabelVersion] = ComposeVersion
	labels[LabelStackHash] = VolumeHash(c)
	v, err := d.cli.VolumeCreate(ctx, volume.CreateOptions{
		Name:       name,
		Driver:     c.Driver,
		DriverOpts: c.DriverOpts,
		Labels:     labels,
	})
	if err != nil {
		return Volume{}, d.wrap(fmt.Sprintf("create volume %q", name), err)
	}
	return fromVolume(v), nil
}

// RemoveVolume removes a volume; one in use is ErrConflict.
func (d *Docker) RemoveVolume(ctx context.Context, name string) error {
	return d.wrap(fmt.Sprintf("remove volume %q", name), d.cli.VolumeRemove(ctx, name, false))
}

// InspectImage returns a local image; ErrNotFound when it is not present.
func (d *Docker) InspectImage(ctx context.Context, ref string) (Image, error) {
	img, err := d.cli.ImageInspect(ctx, ref)
	if err != nil {
		return Image{}, d.wrap(fmt.Sprintf("inspect image %q", ref), err)
	}
	return Image{ID: img.ID, Tags: img.RepoTags}, nil
}
