package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// podmanFile is the stack of the Podman test: web waits for db to be
// healthy.
const podmanFile = `services:
  db:
    image: stack-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; echo db-up; sleep 1; touch /tmp/ready; sleep 3600 & wait"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      retries: 60
  web:
    image: stack-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; echo web-up; sleep 3600 & wait"]
    depends_on:
      db: {condition: service_healthy}
`

// TestPodman runs stack against Podman's Docker-compatible API: a service
// of its own, started by scripts/podman.sh (Debian's podman, installed
// when missing) on a socket in a temporary directory, with the local
// busybox image copied into it. It skips, saying why, only where Podman
// cannot run containers on the machine.
func TestPodman(t *testing.T) {
	t.Parallel()
	requireEngine(t)
	bin := stackBinary(t)
	ensureImage(t)
	host := startPodman(t)

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(podmanFile), 0o644); err != nil {
		t.Fatal(err)
	}
	project := "e2e-podman-" + randomSuffix(6)
	env := append(os.Environ(), "DOCKER_HOST="+host, "COMPOSE_PROJECT_NAME="+project)
	stack := func(want int, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir, cmd.Env = dir, env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("stack %s: %v", strings.Join(args, " "), err)
		}
		if code != want {
			t.Fatalf("stack %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, stderr.String())
		}
		return string(out)
	}
	// The docker CLI reads the engine's state, from Podman's socket.
	podman := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), engineTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "docker", args...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("docker %s (on Podman): %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}

	// Up with a dependency on a healthy service: stack runs Podman's
	// health checks itself (no systemd timers here).
	stack(0, "up", "-d", "--wait", "--wait-timeout", "120")
	if h := podman("inspect", "--format", "{{.State.Health.Status}}", project+"-db-1"); h != "healthy" {
		t.Errorf("db is %q, want healthy", h)
	}
	var db, web struct{ State struct{ StartedAt string } }
	for name, into := range map[string]any{project + "-db-1": &db, project + "-web-1": &web} {
		if err := json.Unmarshal([]byte(podman("inspect", "--format", "{{json .}}", name)), into); err != nil {
			t.Fatal(err)
		}
	}
	if web.State.StartedAt <= db.State.StartedAt {
		t.Errorf("web started at %s, not after db (%s)", web.State.StartedAt, db.State.StartedAt)
	}

	ps := stack(0, "ps", "--format", "{{.Name}} {{.State}}")
	for _, want := range []string{project + "-db-1 running", project + "-web-1 running"} {
		if !strings.Contains(ps, want) {
			t.Errorf("ps lacks %q:\n%s", want, ps)
		}
	}
	if logs := stack(0, "logs", "--no-color"); !regexp.MustCompile(`(?m)^db-1 +\| db-up$`).MatchString(logs) || !regexp.MustCompile(`(?m)^web-1 +\| web-up$`).MatchString(logs) {
		t.Errorf("logs:\n%s", logs)
	}
	if out := stack(0, "exec", "-T", "web", "cat", "/tmp/../etc/hostname"); strings.TrimSpace(out) == "" {
		t.Error("exec printed nothing")
	}
	stack(3, "exec", "-T", "web", "sh", "-c", "exit 3")

	stack(0, "down", "-t", "1")
	filter := "label=" + projectLabel + "=" + project
	if left := podman("ps", "-a", "-q", "--filter", filter); left != "" {
		t.Errorf("containers left after down: %s", left)
	}
	if left := podman("network", "ls", "-q", "--filter", filter); left != "" {
		t.Errorf("networks left after down: %s", left)
	}
}

// startPodman starts the test's Podman service and returns its address;
// it is stopped, and what it left in the host removed, when the test ends.
func startPodman(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "podman")
	script := filepath.Join(repoRoot, "scripts", "podman.sh")
	cmd := exec.Command("bash", script, "start", dir, testImage)
	out, err := cmd.Output()
	if err != nil {
		msg := err.Error()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			msg = strings.TrimSpace(string(ee.Stderr))
			if ee.ExitCode() == 2 {
				t.Skip(msg)
			}
		}
		if os.Getenv("STACK_E2E_REQUIRED") == "" {
			t.Skipf("no Podman: %s", msg)
		}
		t.Fatalf("scripts/podman.sh start: %s", msg)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("bash", script, "stop", dir).CombinedOutput(); err != nil {
			t.Errorf("scripts/podman.sh stop: %v: %s", err, out)
		}
	})
	return strings.TrimSpace(string(out))
}
