package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// agentBootStack is a chain and two free services with priorities, none
// with a restart policy: after an engine restart only the agent comes back
// by itself, and it starts the rest. With --parallel 1 the order is the
// graph's and the priorities': among the services whose dependencies run,
// the highest priority first. cache (10), then db (0, before queue's -1),
// then api (ready once db runs, 0 before -1), web, and queue last.
const agentBootStack = `services:
  db:
    image: stack-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
  cache:
    image: stack-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    x-link-priority: 10
  queue:
    image: stack-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    x-link-priority: -1
  api:
    image: stack-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    depends_on: [db]
  web:
    image: stack-test/busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    depends_on: [api]
`

// TestAgentBringsTheStackBackAfterAnEngineRestart installs the agent
// (up --agent) on an engine of the test's own, stops and starts that
// engine as a reboot would, and checks that the stack came back in graph
// and priority order; then that down removes everything, the agent first.
func TestAgentBringsTheStackBackAfterAnEngineRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests skipped in -short mode")
	}
	if err := engineAnswers(); err != nil {
		if os.Getenv("STACK_E2E_REQUIRED") == "" {
			t.Skipf("Docker Engine unreachable (%v)", err)
		}
		t.Fatalf("Docker Engine unreachable: %v", err)
	}
	t.Parallel()
	bin := stackBinary(t)
	ensureImage(t)
	eng := startOwnEngine(t)
	eng.Load(testImage)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(agentBootStack), 0o644); err != nil {
		t.Fatal(err)
	}
	project := "agentboot-" + randomSuffix(6)
	stack := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"-p", project, "--parallel", "1", "--progress", "plain"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(stackEnv(), "DOCKER_HOST="+eng.Host)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("stack %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	services := []string{"cache", "db", "api", "web", "queue"}
	stack("up", "-d", "--agent")
	agentName := project + "-agent-1"
	eng.await(t, "the agent runs", func(s map[string]state) bool { return s[agentName].Status == "running" })

	eng.Stop()
	eng.Start()
	var got map[string]state
	eng.await(t, "every service runs again", func(s map[string]state) bool {
		got = s
		for _, svc := range services {
			if s[project+"-"+svc+"-1"].Status != "running" {
				return false
			}
		}
		return true
	})
	order := make([]string, 0, len(services))
	for _, svc := range services {
		order = append(order, project+"-"+svc+"-1")
	}
	byStart := append([]string(nil), order...)
	sort.Slice(byStart, func(i, j int) bool { return got[byStart[i]].StartedAt.Before(got[byStart[j]].StartedAt) })
	if strings.Join(byStart, " ") != strings.Join(order, " ") {
		var table strings.Builder
		for _, n := range byStart {
			table.WriteString(got[n].StartedAt.Format(time.RFC3339Nano) + " " + n + "\n")
		}
		logs, _ := exec.Command("docker", "-H", eng.Host, "logs", "--tail", "40", agentName).CombinedOutput()
		t.Fatalf("after the engine restart the stack started in this order:\n%s\nwant %v\nagent log:\n%s", table.String(), order, string(logs))
	}
	if !got[agentName].StartedAt.Before(got[order[0]].StartedAt) {
		t.Errorf("the agent started after the stack it starts")
	}

	stack("down")
	if out, _ := eng.Docker("ps", "-a", "--filter", "label="+projectLabel+"="+project, "--format", "{{.Names}}"); strings.TrimSpace(out) != "" {
		t.Fatalf("down left containers: %s", out)
	}
}

// state is a container's state as await reads it.
type state struct {
	Status    string
	StartedAt time.Time
}

// await waits until cond holds for the states of the engine's containers,
// by name; bounded only to fail.
func (e *ownEngine) await(t *testing.T, what string, cond func(map[string]state) bool) {
	t.Helper()
	deadline := time.Now().Add(awaitLimit)
	var last map[string]state
	for time.Now().Before(deadline) {
		if out, err := e.Docker("ps", "-aq"); err == nil && strings.TrimSpace(out) != "" {
			if js, err := e.Docker(append([]string{"inspect"}, strings.Fields(out)...)...); err == nil {
				var objs []struct {
					Name  string
					State state
				}
				if json.Unmarshal([]byte(js), &objs) == nil {
					last = map[string]state{}
					for _, o := range objs {
						last[strings.TrimPrefix(o.Name, "/")] = o.State
					}
					if cond(last) {
						return
					}
				}
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	logs, _ := e.Docker("ps", "-a")
	t.Fatalf("not within %s: %s; containers:\n%s", awaitLimit, what, logs)
}
