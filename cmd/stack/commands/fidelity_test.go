package commands

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

const secretsFile = `name: sec
services:
  web:
    image: busybox
    command: ["sh", "-c", "echo $$HOME ${TAG:-x}"]
    env_file: [web.env]
    environment:
      PRICE: "cost $$5"
    secrets: [fromfile, tok]
    configs: [inline]
volumes:
  unused: {}
networks:
  unused: {}
secrets:
  fromfile: {file: ./s.txt}
  tok: {environment: TOKEN}
  spare: {file: ./s.txt}
configs:
  inline: {content: "hello"}
`

func secretsHarness(t *testing.T) *harness {
	h := newHarness(t, secretsFile)
	h.write("s.txt", "file secret value\n")
	h.write("web.env", "FROM_FILE=1\n")
	h.env = []string{"TOKEN=the-token-value"}
	return h
}

func TestConfigOutputLoadsBack(t *testing.T) {
	h := secretsHarness(t)
	if code := h.run("config"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	out := h.stdout.String()
	for _, want := range []string{"echo $$HOME x", "PRICE: cost $$5", "FROM_FILE: \"1\"", "environment: TOKEN"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"env_file", "unused", "spare", "the-token-value", "file secret value"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("output has %q:\n%s", unwanted, out)
		}
	}
	if code := h.run("--all-resources", "config"); code != 0 || !strings.Contains(h.stdout.String(), "unused") || !strings.Contains(h.stdout.String(), "spare") {
		t.Errorf("--all-resources: exit %d\n%s", code, h.stdout.String())
	}
	if code := h.run("config", "--no-interpolate"); code != 0 || !strings.Contains(h.stdout.String(), "${TAG:-x}") || strings.Contains(h.stdout.String(), "the-token-value") {
		t.Errorf("--no-interpolate: exit %d\n%s", code, h.stdout.String())
	}
	if code := h.run("config", "--no-env-resolution"); code != 0 || !strings.Contains(h.stdout.String(), "env_file") {
		t.Errorf("--no-env-resolution keeps env_file: exit %d\n%s", code, h.stdout.String())
	}
	if code := h.run("config", "--variables"); code != 0 || !strings.Contains(h.stdout.String(), "TAG") || !strings.HasPrefix(h.stdout.String(), "NAME ") {
		t.Errorf("--variables: exit %d\n%s", code, h.stdout.String())
	}
	if code := h.run("config", "--variables", "--format", "json"); code != 0 || !json.Valid(h.stdout.Bytes()) {
		t.Errorf("--variables json: exit %d\n%s", code, h.stdout.String())
	}
	if code := h.run("config", "--hash", "web"); code != 0 || !strings.HasPrefix(h.stdout.String(), "web ") || len(h.stdout.String()) != len("web ")+64+1 {
		t.Errorf("--hash: exit %d %q", code, h.stdout.String())
	}
	if code := h.run("config", "--hash", "nope"); code == 0 {
		t.Error("--hash of an unknown service succeeded")
	}
	if code := h.run("config", "--environment"); code != 0 || !strings.Contains(h.stdout.String(), "TOKEN=the-token-value\n") {
		t.Errorf("--environment (asked for): exit %d\n%s", code, h.stdout.String())
	}
	if h.connect != 0 {
		t.Error("config contacted the engine")
	}
}

func TestConfigLockModel(t *testing.T) {
	m := map[string]any{
		"name": "x",
		"services": map[string]any{"web": map[string]any{
			"image": "busybox", "command": "x",
			"volumes": []any{map[string]any{"type": "image", "source": "tools"}, map[string]any{"type": "bind"}},
		}},
	}
	lockModel(m)
	b, _ := json.Marshal(m)
	if string(b) != `{"services":{"web":{"image":"busybox","volumes":[{"source":"tools","type":"image"}]}}}` {
		t.Errorf("locked model %s", b)
	}
}

// TestDotEnvComposeVariables: COMPOSE_* variables of .env apply as in
// Compose, the process environment wins, and without -f the stack file is
// looked up in --project-directory.
func TestDotEnvComposeVariables(t *testing.T) {
	h := newHarness(t, "")
	if err := os.MkdirAll(filepath.Join(h.dir, "proj", "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	h.write("proj/files/app.yaml", "services:\n  a: {image: busybox}\n  b: {image: busybox, profiles: [extra]}\n")
	h.write("proj/.env", "COMPOSE_FILE=files/app.yaml\nCOMPOSE_PROJECT_NAME=fromdotenv\nCOMPOSE_PROFILES=extra\nCOMPOSE_PARALLEL_LIMIT=3\n")
	// As in Compose, COMPOSE_FILE is relative to the working directory.
	h.dir = filepath.Join(h.dir, "proj")
	if code := h.run("up", "-d"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if h.verbs.upP.Name != "fromdotenv" || len(h.verbs.upP.Services) != 2 || h.verbs.parallel != 3 {
		t.Errorf("project %q, services %v, parallel %d", h.verbs.upP.Name, h.verbs.upP.ServiceNames(), h.verbs.parallel)
	}
	h.env = []string{"COMPOSE_PROJECT_NAME=fromenv"}
	if code := h.run("up", "-d"); code != 0 || h.verbs.upP.Name != "fromenv" {
		t.Errorf("the process environment does not win: %d %q %s", code, h.verbs.upP.Name, h.stderr.String())
	}
	// Without -f and COMPOSE_FILE: the project directory's own file.
	h2 := newHarness(t, "services:\n  wrong: {image: busybox}\n")
	if err := os.MkdirAll(filepath.Join(h2.dir, "p"), 0o755); err != nil {
		t.Fatal(err)
	}
	h2.write("p/compose.yaml", "services:\n  right: {image: busybox}\n")
	if code := h2.run("--project-directory", "p", "config", "--services"); code != 0 || h2.stdout.String() != "right\n" {
		t.Errorf("exit %d, services %q: %s", code, h2.stdout.String(), h2.stderr.String())
	}
}

func TestIgnoreOrphansAndStatusStdout(t *testing.T) {
	h := newHarness(t, shopFile)
	h.write(".env", "COMPOSE_IGNORE_ORPHANS=true\n")
	if code := h.run("up", "-d"); code != 0 || !h.verbs.up.IgnoreOrphans {
		t.Errorf("exit %d, IgnoreOrphans %v: %s", code, h.verbs.up.IgnoreOrphans, h.stderr.String())
	}
	if code := h.run("up", "-d", "--remove-orphans"); code == 0 || !strings.Contains(h.stderr.String(), "COMPOSE_IGNORE_ORPHANS and --remove-orphans") {
		t.Errorf("both: exit %d: %s", code, h.stderr.String())
	}
	h.env = []string{"COMPOSE_STATUS_STDOUT=1"}
	h.write(".env", "")
	h.verbs.onUp = func(context.Context, stack.UpOptions) error {
		h.verbs.sink.Event(stack.Event{Kind: stack.KindContainer, Name: "shop-web-1", Status: "Started", Done: true})
		return nil
	}
	if code := h.run("--progress", "plain", "up", "-d"); code != 0 || !strings.Contains(h.stdout.String(), "shop-web-1") || strings.Contains(h.stderr.String(), "shop-web-1") {
		t.Errorf("COMPOSE_STATUS_STDOUT: exit %d, stdout %q, stderr %q", code, h.stdout.String(), h.stderr.String())
	}
}

func TestStrictAndUmask(t *testing.T) {
	h := newHarness(t, "services:\n  web:\n    image: busybox\n    deploy: {restart_policy: {condition: on-failure, delay: 5s}}\n")
	if code := h.run("config", "-q"); code != 0 || !strings.Contains(h.stderr.String(), `warning: service "web": deploy.restart_policy.delay is ignored`) {
		t.Errorf("exit %d: %s", code, h.stderr.String())
	}
	if code := h.run("--strict", "config", "-q"); code == 0 || !strings.Contains(h.stderr.String(), `service "web"`) {
		t.Errorf("--strict: exit %d: %s", code, h.stderr.String())
	}
}

func TestVersionNamesTheEngine(t *testing.T) {
	h := newHarness(t, "")
	cfg := t.TempDir()
	h.env = []string{"DOCKER_CONFIG=" + cfg, "DOCKER_HOST=unix:///run/other.sock"}
	if code := h.run("version"); code != 0 || h.stdout.String() != "stack version dev\nEngine:  unix:///run/other.sock\nContext: default (DOCKER_HOST)\n" {
		t.Errorf("exit %d %q", code, h.stdout.String())
	}
	if code := h.run("-H", "unix:///run/h.sock", "version", "--format", "json"); code != 0 || !strings.Contains(h.stdout.String(), `"engine":"unix:///run/h.sock"`) {
		t.Errorf("exit %d %q", code, h.stdout.String())
	}
	if code := h.run("--context", "missing", "version"); code == 0 || !strings.Contains(h.stderr.String(), `context "missing" (--context) does not exist`) {
		t.Errorf("exit %d %q", code, h.stderr.String())
	}
	if code := h.run("--context", "x", "-H", "unix:///a", "version"); code == 0 || !strings.Contains(h.stderr.String(), "conflicting options") {
		t.Errorf("exit %d %q", code, h.stderr.String())
	}
}
