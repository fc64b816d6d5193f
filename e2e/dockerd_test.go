package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ownEngine is a Docker Engine of one test, which the test may stop and
// start: the default engine is shared and never restarted. It runs in a
// network namespace of its own, with its own socket, --data-root,
// --exec-root, --pidfile, containerd namespaces and cgroup parent, no
// bridge and no iptables rules, so it touches nothing of the default
// engine or of the host's network; the test's cleanup removes it all.
type ownEngine struct {
	t    *testing.T
	dir  string
	name string
	// Host is its address, unix://.../docker.sock.
	Host   string
	cmd    *exec.Cmd
	exited chan error
}

// engineStartLimit bounds the start of an own engine.
const engineStartLimit = 90 * time.Second

// startOwnEngine starts an engine for t, or skips t where one cannot run
// (not root, no dockerd, ip or nsenter).
func startOwnEngine(t *testing.T) *ownEngine {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("an engine of the test's own needs root")
	}
	for _, tool := range []string{"dockerd", "ip", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("an engine of the test's own needs %s (Debian: docker.io, iproute2, util-linux): %v", tool, err)
		}
	}
	// Short: a unix socket path has at most 107 bytes.
	dir, err := os.MkdirTemp("", "stack-e2e-own-")
	if err != nil {
		t.Fatal(err)
	}
	e := &ownEngine{t: t, dir: dir, name: filepath.Base(dir), Host: "unix://" + filepath.Join(dir, "docker.sock")}
	t.Cleanup(e.teardown)
	if out, err := exec.Command("ip", "netns", "add", e.name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", e.name, err, out)
	}
	_ = exec.Command("ip", "-n", e.name, "link", "set", "lo", "up").Run()
	if err := os.WriteFile(filepath.Join(dir, "daemon.json"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.Start()
	return e
}

// Start starts the engine (again) on the same data and waits until it
// answers.
func (e *ownEngine) Start() {
	t := e.t
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(e.dir, "dockerd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	// nsenter, not ip netns exec, which remounts /sys: dockerd then finds
	// no devices cgroup. nsenter execs dockerd: the PID is dockerd's.
	e.cmd = exec.Command("nsenter", "--net=/var/run/netns/"+e.name, "dockerd",
		"--config-file", filepath.Join(e.dir, "daemon.json"),
		"--data-root", filepath.Join(e.dir, "data"),
		"--exec-root", filepath.Join(e.dir, "exec"),
		"--pidfile", filepath.Join(e.dir, "docker.pid"),
		"-H", e.Host,
		"--bridge", "none",
		"--iptables=false",
		"--ip-masq=false",
		"--cgroup-parent", "/"+e.name,
		"--containerd-namespace", e.name,
		"--containerd-plugins-namespace", e.name+"-plugins",
		"--log-level", "warn",
	)
	e.cmd.Stdout, e.cmd.Stderr = logf, logf
	// Its own process group: an interrupt of go test reaches it only
	// through the cleanup.
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := e.cmd.Start(); err != nil {
		t.Fatalf("start dockerd: %v", err)
	}
	e.exited = make(chan error, 1)
	go func(cmd *exec.Cmd, exited chan error) { exited <- cmd.Wait() }(e.cmd, e.exited)
	ctx, cancel := context.WithTimeout(context.Background(), engineStartLimit)
	defer cancel()
	for {
		out, err := exec.CommandContext(ctx, "docker", "-H", e.Host, "version", "--format", "{{.Server.Version}}").CombinedOutput()
		if err == nil {
			return
		}
		select {
		case err := <-e.exited:
			e.exited <- err
			t.Fatalf("dockerd exited: %v\n%s", err, e.log())
		case <-ctx.Done():
			t.Fatalf("dockerd did not answer within %s: %s\n%s", engineStartLimit, firstLine(string(out)), e.log())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Stop stops the engine as a shutdown of the machine does: SIGTERM, which
// stops its containers, then SIGKILL if it hangs.
func (e *ownEngine) Stop() {
	if e.cmd == nil {
		return
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.exited:
	case <-time.After(45 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.exited
	}
	e.cmd = nil
}

// Docker runs the docker CLI against the engine.
func (e *ownEngine) Docker(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), engineTimeout)
	defer cancel()
	return docker(ctx, append([]string{"-H", e.Host}, args...)...)
}

// Load copies an image of the default engine into this one.
func (e *ownEngine) Load(image string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*engineTimeout)
	defer cancel()
	load := fmt.Sprintf("docker save %s | docker -H %s load -q", image, e.Host)
	if out, err := exec.CommandContext(ctx, "sh", "-c", load).CombinedOutput(); err != nil {
		e.t.Fatalf("load %s into the test's engine: %v: %s", image, err, out)
	}
}

func (e *ownEngine) log() string {
	b, _ := os.ReadFile(filepath.Join(e.dir, "dockerd.log"))
	return tail(string(b), 20)
}

// teardown removes what the test left in the engine, the engine, its
// cgroups, mounts, namespace and files.
func (e *ownEngine) teardown() {
	t := e.t
	if e.cmd != nil {
		if out, err := e.Docker("ps", "-aq"); err == nil {
			if ids := strings.Fields(out); len(ids) > 0 {
				_, _ = e.Docker(append([]string{"rm", "-f", "-v"}, ids...)...)
			}
		}
		if t.Failed() {
			t.Logf("dockerd log (end):\n%s", e.log())
		}
		e.Stop()
	}
	unmountUnder(e.dir, t.Logf)
	removeCgroups(t.Logf, e.name)
	if out, err := exec.Command("ip", "netns", "del", e.name).CombinedOutput(); err != nil {
		t.Logf("ip netns del %s: %v: %s", e.name, err, out)
	}
	if err := os.RemoveAll(e.dir); err != nil {
		t.Logf("remove %s: %v", e.dir, err)
	}
}
