package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	cerrdefs "github.com/containerd/errdefs"
)

// testImages are local busybox images, the first present is used; none is
// ever pulled. scripts/busybox-image.sh builds the first one.
var testImages = []string{"stack-test/busybox:latest", "stack-engine-test/busybox:latest"}

// engineTest is a real engine with a unique project whose objects are
// removed when the test ends.
type engineTest struct {
	d       *Docker
	project string
	image   string
}

func newEngineTest(t *testing.T) *engineTest {
	t.Helper()
	if testing.Short() {
		t.Skip("talks to a Docker engine")
	}
	d, err := NewDocker()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := d.Ping(ctx); err != nil {
		var u *UnreachableError
		if errors.As(err, &u) {
			t.Skipf("no engine: %v", err)
		}
		t.Fatal(err)
	}
	et := &engineTest{d: d}
	for _, ref := range testImages {
		if _, err := d.InspectImage(ctx, ref); err == nil {
			et.image = ref
			break
		} else if !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
	}
	if et.image == "" {
		t.Skipf("none of the test images %v is present (run scripts/busybox-image.sh)", testImages)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	et.project = "stackenginetest" + hex.EncodeToString(b[:])
	t.Cleanup(et.cleanup(t))
	return et
}

// cleanup removes every container, network and volume of the project.
func (et *engineTest) cleanup(t *testing.T) func() {
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		d := et.d
		cs, err := d.ListContainers(ctx, Filter{Project: et.project, All: true})
		if err != nil {
			t.Errorf("cleanup: %v", err)
		}
		for _, c := range cs {
			if err := d.RemoveContainer(ctx, c.ID, RemoveOptions{Force: true, Volumes: true}); err != nil && !errors.Is(err, ErrNotFound) {
				t.Errorf("cleanup: %v", err)
			}
		}
		ns, _ := d.ListNetworks(ctx, et.project)
		for _, n := range ns {
			if err := d.RemoveNetwork(ctx, n.ID); err != nil && !errors.Is(err, ErrNotFound) {
				t.Errorf("cleanup: %v", err)
			}
		}
		vs, _ := d.ListVolumes(ctx, et.project)
		for _, v := range vs {
			if err := d.RemoveVolume(ctx, v.Name); err != nil && !errors.Is(err, ErrNotFound) {
				t.Errorf("cleanup: %v", err)
			}
		}
	}
}

// load loads a compose file of the test's project with the test image as
// ${IMAGE}.
func (et *engineTest) load(t *testing.T, yaml string) *types.Project {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: file}},
		Environment: types.Mapping{"IMAGE": et.image},
	}, func(o *loader.Options) { o.SetProjectName(et.project, true) })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// setUp creates the project's networks and volumes.
func (et *engineTest) setUp(ctx context.Context, t *testing.T, p *types.Project) {
	t.Helper()
	for key, n := range p.Networks {
		if _, err := et.d.CreateNetwork(ctx, NetworkRequest{Project: p.Name, Key: key, Config: n}); err != nil {
			t.Fatal(err)
		}
	}
	for key, v := range p.Volumes {
		if _, err := et.d.CreateVolume(ctx, VolumeRequest{Project: p.Name, Key: key, Config: v}); err != nil {
			t.Fatal(err)
		}
	}
}

func (et *engineTest) request(t *testing.T, p *types.Project, service string, n int) ContainerSpec {
	t.Helper()
	s, err := p.GetService(service)
	if err != nil {
		t.Fatal(err)
	}
	api, err := et.d.APIVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	name := p.Name + "-" + service + "-" + strconv.Itoa(n)
	cc, err := ContainerConfig(CreateRequest{Project: p, Service: s, Name: name, Number: n}, api)
	if err != nil {
		t.Fatal(err)
	}
	return ContainerSpec{Name: name, Config: cc, Service: s}
}

// eventRecorder collects events until told to stop.
type eventRecorder struct {
	mu     sync.Mutex
	events []Event
	err    error
	cond   chan struct{} // signalled on every event
	done   chan struct{}
}

func record(ch <-chan Event, errc <-chan error) *eventRecorder {
	r := &eventRecorder{cond: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for ev := range ch {
			r.mu.Lock()
			r.events = append(r.events, ev)
			r.mu.Unlock()
			select {
			case r.cond <- struct{}{}:
			default:
			}
		}
		r.mu.Lock()
		r.err = <-errc
		r.mu.Unlock()
	}()
	return r
}

// waitFor waits for an event of container name with action, or the timeout.
func (r *eventRecorder) waitFor(t *testing.T, name, action string, timeout time.Duration) Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		for _, ev := range r.events {
			if ev.Name == name && ev.Action == action {
				r.mu.Unlock()
				return ev
			}
		}
		r.mu.Unlock()
		select {
		case <-r.cond:
		case <-r.done:
			t.Fatalf("event stream ended before %s %s (error %v)", name, action, r.err)
		case <-deadline:
			t.Fatalf("no %s event of %s within %s", action, name, timeout)
		}
	}
}

func TestDockerLifecycle(t *testing.T) {
	et := newEngineTest(t)
	d := et.d
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	p := et.load(t, `
services:
  job:
    image: ${IMAGE}
    command: ["sh", "-c", "echo to-stdout; echo to-stderr >&2; echo kept > /data/file; exit 3"]
    networks: [front, back]
    volumes: [data:/data]
    labels: {test.label: "yes"}
networks:
  front: {}
  back:
    labels: {test.net: "back"}
volumes:
  data: {}
`)
	et.setUp(ctx, t, p)

	nets, err := d.ListNetworks(ctx, p.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(nets) != 2 || nets[0].Name != p.Name+"_back" || nets[1].Name != p.Name+"_front" {
		t.Fatalf("networks %+v", nets)
	}
	if l := nets[0].Labels; l[LabelNetwork] != "back" || l[LabelProject] != p.Name || l["test.net"] != "back" || l[LabelVersion] == "" {
		t.Errorf("network labels %v", l)
	}
	vols, err := d.ListVolumes(ctx, p.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(vols) != 1 || vols[0].Name != p.Name+"_data" || vols[0].Labels[LabelVolume] != "data" {
		t.Fatalf("volumes %+v", vols)
	}

	evCtx, stopEvents := context.WithCancel(ctx)
	rec := record(d.Events(evCtx, Filter{Project: p.Name}))

	req := et.request(t, p, "job", 1)
	c, err := d.CreateContainer(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != req.Name || c.Service != "job" || c.Number != 1 || c.State != "created" {
		t.Errorf("created %+v", c)
	}
	equal(t, "created networks", c.Networks, []string{p.Name + "_back", p.Name + "_front"})
	if _, err := d.CreateContainer(ctx, req); !errors.Is(err, ErrConflict) {
		t.Errorf("second create: %v, want ErrConflict", err)
	} else if !strings.Contains(err.Error(), `create container "`+req.Name+`"`) {
		t.Errorf("second create error %q does not name the container", err)
	}

	list, err := d.ListContainers(ctx, Filter{Project: p.Name, All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("list %+v", list)
	}
	got := list[0]
	if got.ID != c.ID || got.Name != req.Name || got.Number != 1 || got.OneOff || got.State != "created" ||
		got.Labels["test.label"] != "yes" || got.Labels[LabelImage] == "" || got.Created.IsZero() {
		t.Errorf("listed %+v", got)
	}
	equal(t, "listed networks", got.Networks, []string{p.Name + "_back", p.Name + "_front"})
	if other, _ := d.ListContainers(ctx, Filter{Project: p.Name, All: true, Services: []string{"other"}}); len(other) != 0 {
		t.Errorf("service filter: %+v", other)
	}
	oneOff := true
	if other, _ := d.ListContainers(ctx, Filter{Project: p.Name, All: true, OneOff: &oneOff}); len(other) != 0 {
		t.Errorf("oneoff filter: %+v", other)
	}

	if err := d.StartContainer(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	code, err := d.WaitContainer(ctx, c.ID)
	if err != nil || code != 3 {
		t.Fatalf("wait: %d, %v", code, err)
	}
	// Waiting on an exited container returns at once.
	if code, err := d.WaitContainer(ctx, c.ID); err != nil || code != 3 {
		t.Fatalf("second wait: %d, %v", code, err)
	}

	var stdout, stderr bytes.Buffer
	if err := d.Logs(ctx, c.ID, LogOptions{}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	equal(t, "stdout", stdout.String(), "to-stdout\n")
	equal(t, "stderr", stderr.String(), "to-stderr\n")

	rec.waitFor(t, req.Name, "start", 30*time.Second)
	die := rec.waitFor(t, req.Name, "die", 30*time.Second)
	if die.ExitCode != "3" || die.Service != "job" || die.Project != p.Name || die.ID != c.ID {
		t.Errorf("die event %+v", die)
	}

	det, err := d.InspectContainer(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if det.Running || det.ExitCode != 3 || det.State != "exited" || det.FinishedAt.IsZero() || det.TTY {
		t.Errorf("inspect %+v", det)
	}
	var volMount bool
	for _, m := range det.Mounts {
		volMount = volMount || (m.Type == "volume" && m.Name == p.Name+"_data" && m.Destination == "/data")
	}
	if !volMount {
		t.Errorf("mounts %+v", det.Mounts)
	}

	if err := d.StopContainer(ctx, c.ID, nil); err != nil {
		t.Errorf("stop of an exited container: %v", err)
	}
	if err := d.RemoveContainer(ctx, c.ID, RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.InspectContainer(ctx, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("inspect removed: %v, want ErrNotFound", err)
	}
	rec.waitFor(t, req.Name, "destroy", 30*time.Second)
	stopEvents()
	<-rec.done
	if rec.err != nil {
		t.Errorf("events ended with %v, want no error after cancel", rec.err)
	}

	for _, n := range nets {
		if err := d.RemoveNetwork(ctx, n.ID); err != nil {
			t.Error(err)
		}
	}
	if err := d.RemoveVolume(ctx, p.Name+"_data"); err != nil {
		t.Error(err)
	}
	if _, err := d.InspectVolume(ctx, p.Name+"_data"); !errors.Is(err, ErrNotFound) {
		t.Errorf("inspect removed volume: %v", err)
	}
}

func TestDockerRunningServiceHealthPortsStop(t *testing.T) {
	et := newEngineTest(t)
	d := et.d
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := et.load(t, `
services:
  web:
    image: ${IMAGE}
    command: ["sh", "-c", "echo tty-err >&2; exec sleep 300"]
    tty: true
    ports: ["127.0.0.1::80"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
`)
	et.setUp(ctx, t, p)
	evCtx, stopEvents := context.WithCancel(ctx)
	defer stopEvents()
	rec := record(d.Events(evCtx, Filter{Project: p.Name, Services: []string{"web", "other"}}))

	req := et.request(t, p, "web", 1)
	c, err := d.CreateContainer(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.StartContainer(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, req.Name, "health_status: healthy", 60*time.Second)

	list, err := d.ListContainers(ctx, Filter{Project: p.Name, Services: []string{"web", "other"}})
	if err != nil || len(list) != 1 {
		t.Fatalf("list %+v, %v", list, err)
	}
	got := list[0]
	if got.State != "running" || got.Health != "healthy" || !strings.Contains(got.Status, "(healthy)") {
		t.Errorf("listed %+v", got)
	}
	if len(got.Ports) != 1 || got.Ports[0].ContainerPort != 80 || got.Ports[0].HostPort == 0 ||
		got.Ports[0].HostIP != "127.0.0.1" || got.Ports[0].Protocol != "tcp" {
		t.Errorf("ports %+v", got.Ports)
	}

	// Endpoints exist while the container runs.
	def, err := d.InspectNetwork(ctx, p.Name+"_default")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "endpoints", def.Containers, []string{c.ID})
	if err := d.RemoveNetwork(ctx, def.ID); !errors.Is(err, ErrConflict) {
		t.Errorf("remove network in use: %v, want ErrConflict", err)
	}
	if err := d.DisconnectNetwork(ctx, def.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if def, err = d.InspectNetwork(ctx, def.ID); err != nil || len(def.Containers) != 0 {
		t.Errorf("after disconnect: %+v, %v", def, err)
	}

	// A TTY container's output is not multiplexed: all on stdout.
	var stdout, stderr bytes.Buffer
	logCtx, stopLogs := context.WithTimeout(ctx, 500*time.Millisecond)
	err = d.Logs(logCtx, c.ID, LogOptions{Follow: true}, &stdout, &stderr)
	stopLogs()
	if err != nil {
		t.Errorf("following logs until ctx ends: %v, want nil", err)
	}
	if !strings.Contains(stdout.String(), "tty-err") || stderr.Len() != 0 {
		t.Errorf("tty logs: stdout %q, stderr %q", stdout.String(), stderr.String())
	}

	timeout := time.Second
	if err := d.StopContainer(ctx, c.ID, &timeout); err != nil {
		t.Fatal(err)
	}
	code, err := d.WaitContainer(ctx, c.ID)
	if err != nil || code == 0 {
		t.Errorf("wait after stop: %d, %v", code, err)
	}
	rec.waitFor(t, req.Name, "die", 30*time.Second)
}

func TestDockerNotFound(t *testing.T) {
	et := newEngineTest(t)
	d := et.d
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if _, err := d.InspectImage(ctx, "stack-engine-test/missing:none"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing image: %v", err)
	}
	p := et.load(t, "services:\n  web:\n    image: stack-engine-test/missing:none\n")
	et.setUp(ctx, t, p)
	_, err := d.CreateContainer(ctx, et.request(t, p, "web", 1))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("create with a missing image: %v, want ErrNotFound", err)
	}
	// The engine names the container; the layer above names the service.
	for _, s := range []string{`create container "` + p.Name + `-web-1"`, "stack-engine-test/missing:none"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
	missing := p.Name + "-nothing-1"
	checks := map[string]error{
		"inspect container": func() error { _, err := d.InspectContainer(ctx, missing); return err }(),
		"start container":   d.StartContainer(ctx, missing),
		"remove container":  d.RemoveContainer(ctx, missing, RemoveOptions{Force: true}),
		"wait":              func() error { _, err := d.WaitContainer(ctx, missing); return err }(),
		"logs":              d.Logs(ctx, missing, LogOptions{}, &bytes.Buffer{}, &bytes.Buffer{}),
		"inspect network":   func() error { _, err := d.InspectNetwork(ctx, missing); return err }(),
		"inspect volume":    func() error { _, err := d.InspectVolume(ctx, missing); return err }(),
		"external network": func() error {
			_, err := d.CreateNetwork(ctx, NetworkRequest{Project: p.Name, Key: "ext", Config: types.NetworkConfig{Name: missing, External: true}})
			return err
		}(),
	}
	for what, err := range checks {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", what, err)
		}
	}
	if nets, _ := d.ListNetworks(ctx, p.Name); len(nets) != 1 {
		t.Errorf("an external network was created: %+v", nets)
	}
}

func TestDockerUnreachable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/stack-test.sock")
	d, err := NewDocker()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = d.ListContainers(ctx, Filter{Project: "x"})
	var u *UnreachableError
	if !errors.As(err, &u) {
		t.Fatalf("error %v (%T), want *UnreachableError", err, err)
	}
	if u.Host != "unix:///nonexistent/stack-test.sock" {
		t.Errorf("host %q", u.Host)
	}
	want := "cannot connect to the Docker engine at unix:///nonexistent/stack-test.sock: "
	if !strings.HasPrefix(u.Error(), want) || !strings.Contains(u.Error(), "no such file or directory") {
		t.Errorf("message %q", u.Error())
	}
	if !strings.HasPrefix(err.Error(), `list containers of project "x": `) {
		t.Errorf("wrapped message %q", err)
	}
}

func TestWrapErrors(t *testing.T) {
	d := &Docker{host: "unix:///var/run/docker.sock"}
	if d.wrap("op", nil) != nil {
		t.Error("nil error wrapped")
	}
	nf := d.wrap(`start container "a"`, fmt.Errorf("Error response from daemon: %w", cerrdefs.ErrNotFound))
	if !errors.Is(nf, ErrNotFound) || !cerrdefs.IsNotFound(nf) || errors.Is(nf, ErrConflict) {
		t.Errorf("not found: %v", nf)
	}
	equal(t, "message", nf.Error(), `start container "a": not found`)
	cf := d.wrap("create", cerrdefs.ErrConflict)
	if !errors.Is(cf, ErrConflict) || errors.Is(cf, ErrNotFound) {
		t.Errorf("conflict: %v", cf)
	}
	other := d.wrap("create", errors.New("boom"))
	if errors.Is(other, ErrConflict) || errors.Is(other, ErrNotFound) || other.Error() != "create: boom" {
		t.Errorf("other: %v", other)
	}
	if c := d.wrap("wait", context.Canceled); !errors.Is(c, context.Canceled) {
		t.Errorf("canceled: %v", c)
	}
	equal(t, "dedupe", dedupe("no such image: a:b: No such image: a:b"), "No such image: a:b")
	equal(t, "no dedupe", dedupe("a: b"), "a: b")
}

func TestSummaryHelpers(t *testing.T) {
	for status, want := range map[string]string{
		"Up 3 minutes (healthy)":         "healthy",
		"Up 1 second (health: starting)": "starting",
		"Up 2 hours (unhealthy)":         "unhealthy",
		"Up 2 hours":                     "",
		"Exited (0) 5 seconds ago":       "",
	} {
		equal(t, status, healthFromStatus(status), want)
	}
	equal(t, "name with links", summaryName([]string{"/web/db", "/shop-db-1"}), "shop-db-1")
	equal(t, "plain name", summaryName([]string{"/shop-web-1"}), "shop-web-1")
}

// TestDockerOverTCP reaches the engine through DOCKER_HOST=tcp://..., via a
// local TCP proxy to the engine's unix socket.
func TestDockerOverTCP(t *testing.T) {
	et := newEngineTest(t)
	if et.d.proto != "unix" {
		t.Skip("the engine is not on a unix socket")
	}
	socket := et.d.addr
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("unix", socket)
			if err != nil {
				in.Close()
				continue
			}
			track(in)
			track(out)
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(out, in); out.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})

	t.Setenv("DOCKER_HOST", "tcp://"+ln.Addr().String())
	d, err := NewDocker()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := d.Ping(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Host != "tcp://"+ln.Addr().String() || info.APIVersion == "" || info.ServerVersion == "" {
		t.Errorf("info %+v", info)
	}
	if _, err := d.ListContainers(ctx, Filter{Project: et.project}); err != nil {
		t.Error(err)
	}
}

// A command's first calls can run at once (up lists containers and images
// together); the API version must be settled before either reads it. The
// race detector fails this test when it is not.
func TestFirstCallsAtOnce(t *testing.T) {
	et := newEngineTest(t) // skips without an engine
	d, err := NewDocker()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	project := fmt.Sprintf("first-calls-%d", time.Now().UnixNano())
	errs := make(chan error, 3)
	go func() { _, err := d.ListContainers(ctx, Filter{Project: project, All: true}); errs <- err }()
	go func() { _, err := d.ImageIDs(ctx, []string{et.image}); errs <- err }()
	evctx, stop := context.WithCancel(ctx)
	_, evErrs := d.Events(evctx, Filter{Project: project})
	stop()
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if err := <-evErrs; err != nil && !errors.Is(err, context.Canceled) {
		t.Error(err)
	}
}
