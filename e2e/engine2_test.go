package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// A second Docker Engine for a script (the dockerd2 command), in a network
// namespace of its own (its networks, ports and rules stay there), with its
// own socket, --data-root, --exec-root, --pidfile, containerd namespaces
// and cgroup parent: it touches nothing of the default engine or of the
// host's networking. The namespace is not optional: a dockerd started with
// --bridge none deletes the docker0 interface of the namespace it runs in,
// which in the host's namespace is the default engine's bridge.

// engine2Wait bounds the start of the second engine.
const engine2Wait = 60 * time.Second

// cmdDockerd2 is "dockerd2 start": start a second engine for this script,
// load $IMAGE into it and set $ENGINE2 to its address (unix://...), and
// $ENGINE1 to the default engine's. The engine and everything in it are
// removed when the script ends.
func cmdDockerd2(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || args[0] != "start" {
		ts.Fatalf("usage: dockerd2 start")
	}
	if os.Geteuid() != 0 {
		ts.Fatalf("dockerd2: a second engine needs root")
	}
	bin, err := exec.LookPath("dockerd")
	if err != nil {
		ts.Fatalf("dockerd2: %v", err)
	}
	for _, tool := range []string{"ip", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			ts.Fatalf("dockerd2: %v (Debian: iproute2, util-linux)", err)
		}
	}
	// A short directory: a unix socket path has at most 107 bytes.
	dir, err := os.MkdirTemp("", "stack-e2e-d2-")
	ts.Check(err)
	name := filepath.Base(dir)
	sock := filepath.Join(dir, "docker.sock")
	host := "unix://" + sock
	ts.Check(os.WriteFile(filepath.Join(dir, "daemon.json"), []byte("{}\n"), 0o644))
	logf, err := os.Create(filepath.Join(dir, "dockerd.log"))
	ts.Check(err)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		ts.Fatalf("dockerd2: ip netns add %s: %v: %s", name, err, out)
	}
	ts.Defer(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			ts.Logf("dockerd2: ip netns del %s: %v: %s", name, err, out)
		}
	})
	_ = exec.Command("ip", "-n", name, "link", "set", "lo", "up").Run()
	// nsenter, not ip netns exec: that remounts /sys, and dockerd then
	// finds no devices cgroup. nsenter execs dockerd: the PID is dockerd's.
	cmd := exec.Command("nsenter", "--net=/var/run/netns/"+name, bin,
		"--config-file", filepath.Join(dir, "daemon.json"),
		"--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"),
		"-H", host,
		"--bridge", "none",
		"--iptables=false",
		"--ip-masq=false",
		"--cgroup-parent", "/"+name,
		"--containerd-namespace", name,
		"--containerd-plugins-namespace", name+"-plugins",
		"--shutdown-timeout", "2",
		"--log-level", "warn",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group: an interrupt of go test does not reach it
	// before the deferred stop does.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	ts.Check(cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ts.Defer(func() {
		stopEngine2(ts, cmd.Process, exited, dir)
		removeCgroups(ts.Logf, name)
		logf.Close()
		if err := os.RemoveAll(dir); err != nil {
			ts.Logf("dockerd2: remove %s: %v", dir, err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), engine2Wait)
	defer cancel()
	for {
		out, err := exec.CommandContext(ctx, "docker", "-H", host, "version", "--format", "{{.Server.Version}}").CombinedOutput()
		if err == nil {
			break
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "dockerd.log"))
			ts.Fatalf("dockerd2 exited: %v\n%s", err, log)
		case <-ctx.Done():
			log, _ := os.ReadFile(filepath.Join(dir, "dockerd.log"))
			ts.Fatalf("dockerd2 did not answer within %s: %s\n%s", engine2Wait, firstLine(string(out)), log)
		case <-time.After(200 * time.Millisecond):
		}
	}
	image := ts.Getenv("IMAGE")
	load := fmt.Sprintf("docker save %s | docker -H %s load -q", shellQuote(image), shellQuote(host))
	if out, err := exec.CommandContext(ctx, "sh", "-c", load).CombinedOutput(); err != nil {
		ts.Fatalf("dockerd2: load %s: %v: %s", image, err, out)
	}
	ts.Setenv("ENGINE2", host)
	engine1 := ts.Getenv("DOCKER_HOST")
	if engine1 == "" {
		engine1 = "unix:///var/run/docker.sock"
	}
	ts.Setenv("ENGINE1", engine1)
}

// stopEngine2 takes down what the script left in the second engine, then
// stops it (SIGTERM, then SIGKILL) and waits for it.
func stopEngine2(ts *testscript.TestScript, p *os.Process, exited chan error, dir string) {
	host := "unix://" + filepath.Join(dir, "docker.sock")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "-H", host, "ps", "-aq").Output(); err == nil {
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			_ = exec.CommandContext(ctx, "docker", append([]string{"-H", host, "rm", "-f", "-v"}, ids...)...).Run()
		}
	}
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		_ = p.Kill()
		<-exited
	}
	unmountUnder(dir, ts.Logf)
}

// unmountUnder undoes the mounts an engine left under dir: one would keep
// RemoveAll from working.
func unmountUnder(dir string, logf func(format string, args ...any)) {
	if b, err := os.ReadFile("/proc/self/mounts"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
				if err := syscall.Unmount(f[1], syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
					logf("unmount %s: %v", f[1], err)
				}
			}
		}
	}
}

// removeCgroups removes the cgroup directories the engine made under its
// cgroup parent, deepest first (a cgroup directory goes with rmdir only).
func removeCgroups(logf func(format string, args ...any), parent string) {
	roots, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", parent))
	if top := filepath.Join("/sys/fs/cgroup", parent); dirExists(top) {
		roots = append(roots, top)
	}
	for _, root := range roots {
		var dirs []string
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			if err := syscall.Rmdir(dirs[i]); err != nil && !errors.Is(err, syscall.ENOENT) {
				logf("remove cgroup %s: %v", dirs[i], err)
			}
		}
	}
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// cmdHostDir is "hostdir PATH": make sure the absolute directory PATH
// exists (a bind source a stack file names); the directories it had to
// make are removed when the script ends, if still empty.
func cmdHostDir(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || !filepath.IsAbs(args[0]) {
		ts.Fatalf("usage: hostdir ABSOLUTE-PATH")
	}
	var made []string
	for p := filepath.Clean(args[0]); !dirExists(p); p = filepath.Dir(p) {
		made = append(made, p)
	}
	ts.Check(os.MkdirAll(args[0], 0o755))
	ts.Defer(func() {
		for _, p := range made { // deepest first
			if err := syscall.Rmdir(p); err != nil {
				ts.Logf("hostdir: remove %s: %v", p, err)
			}
		}
	})
}
