package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
)

// Docker is the Engine of a Docker Engine, reached through one API client
// (and its connection pool) shared by all calls. It is safe for concurrent
// use.
type Docker struct {
	cli  *client.Client
	host string
	// target is the engine as Resolve chose it.
	target Target

	// proto and addr of host, read by dial.
	proto, addr string
	// lastDialErr is the latest failure to connect, the cause reported in
	// UnreachableError (the client replaces it with a generic text).
	lastDialErr atomic.Pointer[error]

	// names is what this client has seen of containers.
	names containerBook
	// netNames are the networks' names by ID, so that errors name
	// networks as the user knows them.
	netNames nameBook

	mu         sync.Mutex
	apiVersion string // negotiated, "" until the first need
	// flavour is "docker" or "podman" once known (podman.go).
	flavour string
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

// NewDocker returns a client of the engine the environment names, as the
// docker CLI chooses it (see Resolve): DOCKER_HOST, DOCKER_CONTEXT or the
// current context, with DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and
// DOCKER_API_VERSION; the API version is otherwise negotiated with the
// engine on the first call. It does not contact the engine.
func NewDocker() (*Docker, error) {
	t, err := Resolve(Selection{})
	if err != nil {
		return nil, err
	}
	return NewDockerFor(t)
}

// NewDockerFor returns a client of the engine t. It does not contact the
// engine.
func NewDockerFor(t Target) (*Docker, error) {
	d := &Docker{target: t}
	host := t.Host
	if host == "" {
		host = client.DefaultDockerHost
	}
	opts, err := t.clientOpts()
	if err != nil {
		return nil, err
	}
	opts = append(opts, client.WithAPIVersionNegotiation())
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

// Reachable reports whether the engine takes a new connection now; nil
// when it does. Unlike a call, it never reuses a pooled connection: an
// engine that is shutting down closes its socket first, while the
// connections it has still answer.
func (d *Docker) Reachable(ctx context.Context) error {
	if d.proto == "" {
		_, err := d.Ping(ctx)
		return err
	}
	conn, err := d.dial(ctx, d.proto, d.addr)
	if err != nil {
		return &UnreachableError{Host: d.host, Err: err}
	}
	return conn.Close()
}

// Close releases the client's idle connections.
func (d *Docker) Close() error {
	return d.cli.Close()
}

// Host returns the address of the engine, e.g. unix:///var/run/docker.sock.
func (d *Docker) Host() string { return d.host }

// Target returns the engine as Resolve chose it.
func (d *Docker) Target() Target { return d.target }

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
	if client.IsErrConnectionFailed(err) || brokenConnection(err) {
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
		if strings.Contains(msg, "already exists") || strings.Contains(msg, "in use") {
			kind = ErrConflict
		}
	}
	if strings.Contains(msg, "active endpoints") {
		kind = errors.Join(ErrConflict, ErrActiveEndpoints)
	}
	msg = dedupe(strings.TrimPrefix(msg, daemonErrorPrefix))
	return &opError{op: op, kind: kind, err: &engineError{msg: msg, err: err}}
}

// brokenConnection reports whether err says that the connection to the
// engine broke or could not be made: the engine went away in the middle
// of a call (EOF, reset) or between calls (refused, socket gone). An
// error the engine answered with never says so.
func brokenConnection(err error) bool {
	var opErr *net.OpError
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.As(err, &opErr) && opErr.Op == "dial"
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

// APIVersion returns the negotiated API version, asking the engine once.
func (d *Docker) APIVersion(ctx context.Context) (string, error) {
	return d.version(ctx)
}

// version returns the negotiated API version, asking the engine once.
func (d *Docker) version(ctx context.Context) (string, error) {
	return d.versionFor(ctx, "ping engine")
}

// versionFor is version with op naming the failed operation in the error.
// The calls that can be a command's first, and run at once with another
// (ListContainers, ListNetworks, ListVolumes, ImageIDs, Events), call it
// first: the client's own lazy
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

// containerBook is what this client saw of containers, by ID: their names,
// so that errors name containers as the user knows them, and, from lists,
// creates and this client's own starts and stops, whether they are up and
// on which networks (see releaseEndpoints). It is safe for concurrent use.
type containerBook struct {
	mu sync.Mutex
	m  map[string]*bookEntry
}

type bookEntry struct {
	name     string
	known    bool // up and networks are known
	up       bool
	networks []string
}

func (b *containerBook) entry(id string) *bookEntry {
	if b.m == nil {
		b.m = map[string]*bookEntry{}
	}
	e, ok := b.m[id]
	if !ok {
		e = &bookEntry{}
		b.m[id] = e
	}
	return e
}

// learn records the name of container id.
func (b *containerBook) learn(id, name string) {
	if id == "" || name == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.entry(id).name = name
}

// saw records what a list or create told about a container.
func (b *containerBook) saw(c Container) {
	if c.ID == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.entry(c.ID)
	if c.Name != "" {
		e.name = c.Name
	}
	e.known, e.up, e.networks = true, c.State.Up(), c.Networks
}

// setUp records that this client started or stopped container id. A
// started container's networks are as its configuration says, which the
// book may no longer know: they are read again when needed.
func (b *containerBook) setUp(id string, up bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.m[id]; ok {
		e.up = up
		if up {
			e.known = false
		}
	}
}

// released records that container id left its networks.
func (b *containerBook) released(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.m[id]; ok {
		e.networks = nil
	}
}

// endpoints returns whether container id is up and its networks, when
// known.
func (b *containerBook) endpoints(id string) (up bool, networks []string, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, found := b.m[id]
	if !found || !e.known {
		return false, nil, false
	}
	return e.up, e.networks, true
}

// of returns the name of container id when known, else id itself (the
// caller may have passed a name).
func (b *containerBook) of(id string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.m[id]; ok && e.name != "" {
		return e.name
	}
	return id
}

// nameBook is the names of objects this client has seen, by ID. It is
// safe for concurrent use.
type nameBook struct {
	mu sync.Mutex
	m  map[string]string
}

// learn records the name of object id.
func (b *nameBook) learn(id, name string) {
	if id == "" || name == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]string{}
	}
	b.m[id] = name
}

// of returns the name of object id when known, else id itself (the caller
// may have passed a name).
func (b *nameBook) of(id string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := b.m[id]; n != "" {
		return n
	}
	return id
}

// renamed records a successful rename and passes err through.
func (d *Docker) renamed(id, name string, err error) error {
	if err == nil {
		d.names.learn(id, name)
	}
	return err
}
