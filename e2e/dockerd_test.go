package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ownEngine is a Docker Engine of one test or script, which it may stop
// and start: the default engine is shared and never restarted. It runs in
// a network namespace of its own (a dockerd started with --bridge none
// deletes the docker0 interface of the namespace it runs in: in the
// host's, the default engine's bridge), with its own socket, --data-root,
// --exec-root, --pidfile, containerd namespaces and cgroup parent, no
// bridge and no iptables rules, so it touches nothing of the default
// engine or of the host's network; its teardown removes it all.
type ownEngine struct {
	tb   engineTB
	dir  string
	name string
	// Host is its address, unix://.../docker.sock.
	Host   string
	cmd    *exec.Cmd
	exited chan error
}

// engineTB is what an own engine reports to: a *testing.T, or a script's
// *testscript.TestScript.
type engineTB interface {
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

// engineStartLimit bounds the start of an own engine.
const engineStartLimit = 90 * time.Second

// startOwnEngine starts an engine for t, or skips t where one cannot run
// (not root, no dockerd, ip or nsenter).
func startOwnEngine(t *testing.T) *ownEngine {
	t.Helper()
	if err := ownEngineUsable(); err != nil {
		t.Skipf("an engine of the test's own: %v", err)
	}
	e := newOwnEngine(t, t.Cleanup)
	e.Start()
	return e
}

// ownEngineUsable says why an own engine cannot run here, or nil.
func ownEngineUsable() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root")
	}
	for _, tool := range []string{"dockerd", "ip", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("needs %s (Debian: docker.io, iproute2, util-linux): %w", tool, err)
		}
	}
	return nil
}

// newOwnEngine prepares the directory and the network namespace of an
// engine, not started, and registers its teardown with cleanup.
func newOwnEngine(tb engineTB, cleanup func(func())) *ownEngine {
	// Short: a unix socket path has at most 107 bytes.
	dir, err := os.MkdirTemp("", "stack-e2e-own-")
	if err != nil {
		tb.Fatalf("%v", err)
	}
	e := &ownEngine{tb: tb, dir: dir, name: filepath.Base(dir), Host: "unix://" + filepath.Join(dir, "docker.sock")}
	cleanup(e.teardown)
	if out, err := exec.Command("ip", "netns", "add", e.name).CombinedOutput(); err != nil {
		tb.Fatalf("ip netns add %s: %v: %s", e.name, err, out)
	}
	_ = exec.Command("ip", "-n", e.name, "link", "set", "lo", "up").Run()
	if err := os.WriteFile(filepath.Join(dir, "daemon.json"), []byte("{}\n"), 0o644); err != nil {
		tb.Fatalf("%v", err)
	}
	return e
}

// Start starts the engine (again) on the same data and waits until it
// answers.
func (e *ownEngine) Start() {
	tb := e.tb
	if e.cmd != nil {
		tb.Fatalf("own engine: already running")
	}
	logf, err := os.OpenFile(filepath.Join(e.dir, "dockerd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	defer logf.Close()
	// nsenter, not ip netns exec, which remounts /sys: dockerd then finds
	// no devices cgroup. nsenter execs dockerd: the PID is dockerd's.
	cmd := exec.Command("nsenter", "--net=/var/run/netns/"+e.name, "dockerd",
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
		// A restart stops the containers as a shutdown does, quickly.
		"--shutdown-timeout", "2",
		"--log-level", "warn",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group: an interrupt of go test reaches it only
	// through the cleanup.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start dockerd: %v", err)
	}
	e.cmd, e.exited = cmd, make(chan error, 1)
	go func(cmd *exec.Cmd, exited chan error) { exited <- cmd.Wait() }(cmd, e.exited)
	ctx, cancel := context.WithTimeout(context.Background(), engineStartLimit)
	defer cancel()
	for {
		out, err := exec.CommandContext(ctx, "docker", "-H", e.Host, "version", "--format", "{{.Server.Version}}").CombinedOutput()
		if err == nil {
			return
		}
		select {
		case err := <-e.exited:
			e.cmd = nil
			tb.Fatalf("dockerd exited: %v\n%s", err, e.log())
		case <-ctx.Done():
			tb.Fatalf("dockerd did not answer within %s: %s\n%s", engineStartLimit, firstLine(string(out)), e.log())
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
		e.tb.Logf("dockerd did not stop within 45s; killed")
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

// Load copies an image of the default engine into this one, unless it is
// there.
func (e *ownEngine) Load(image string) {
	if _, err := e.Docker("image", "inspect", image); err == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*engineTimeout)
	defer cancel()
	load := fmt.Sprintf("docker save %s | docker -H %s load -q", shellQuote(image), shellQuote(e.Host))
	if out, err := exec.CommandContext(ctx, "sh", "-c", load).CombinedOutput(); err != nil {
		e.tb.Fatalf("load %s into the test's engine: %v: %s", image, err, out)
	}
}

func (e *ownEngine) log() string {
	b, _ := os.ReadFile(filepath.Join(e.dir, "dockerd.log"))
	return tail(string(b), 20)
}

// teardown removes what the test left in the engine, the engine, what it
// left running (after a kill), its cgroups, mounts, namespace and files.
func (e *ownEngine) teardown() {
	tb := e.tb
	if e.cmd != nil {
		if out, err := e.Docker("ps", "-aq"); err == nil {
			if ids := strings.Fields(out); len(ids) > 0 {
				_, _ = e.Docker(append([]string{"rm", "-f", "-v"}, ids...)...)
			}
		}
		if f, ok := tb.(interface{ Failed() bool }); ok && f.Failed() {
			tb.Logf("dockerd log (end):\n%s", e.log())
		}
		e.Stop()
	}
	e.killLeftovers()
	unmountUnder(e.dir, tb.Logf)
	removeCgroups(tb.Logf, e.name)
	if out, err := exec.Command("ip", "netns", "del", e.name).CombinedOutput(); err != nil {
		tb.Logf("ip netns del %s: %v: %s", e.name, err, out)
	}
	if err := os.RemoveAll(e.dir); err != nil {
		tb.Logf("remove %s: %v", e.dir, err)
	}
}

// killLeftovers kills what the engine started and a kill or a crash left
// running: its containerd and shims (their command lines name the
// engine's directory) and the processes of its containers (in its
// cgroups), then waits for its cgroups to empty.
func (e *ownEngine) killLeftovers() {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), e.dir+"/") {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil && pid != os.Getpid() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids := e.cgroupProcs()
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.tb.Logf("processes left in the engine's cgroups: %v", pids)
			return
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// cgroupProcs lists the processes in the engine's cgroups.
func (e *ownEngine) cgroupProcs() []int {
	var pids []int
	files, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", e.name, "*", "cgroup.procs"))
	more, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", e.name, "*", "cgroup.procs"))
	for _, f := range append(files, more...) {
		b, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(field); err == nil && !slices.Contains(pids, pid) {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}
