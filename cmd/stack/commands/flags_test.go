package commands

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// flagVerbs records the options of the verbs whose flags issue 16 added.
type flagVerbs struct {
	*fakeVerbs
	start   stack.StartOptions
	restart stack.RestartOptions
	kill    stack.KillOptions
	events  stack.EventsOptions
	run     stack.RunOptions
	build   stack.BuildOptions
	push    stack.PushOptions
	exec    stack.ExecOptions
}

func (v *flagVerbs) Start(_ context.Context, _ string, _ *types.Project, o stack.StartOptions) error {
	v.record("start")
	v.start = o
	return nil
}

func (v *flagVerbs) Restart(_ context.Context, _ string, _ *types.Project, o stack.RestartOptions) error {
	v.record("restart")
	v.restart = o
	return nil
}

func (v *flagVerbs) Kill(_ context.Context, _ string, _ *types.Project, o stack.KillOptions) error {
	v.record("kill")
	v.kill = o
	return nil
}

func (v *flagVerbs) EventsRange(_ context.Context, _ string, o stack.EventsOptions, _ func(stack.ContainerEvent) error) error {
	v.record("events")
	v.events = o
	return nil
}

func (v *flagVerbs) Run(_ context.Context, _ *types.Project, o stack.RunOptions) (string, error) {
	v.record("run")
	v.run = o
	return "shop-web-run-1", nil
}

func (v *flagVerbs) Build(_ context.Context, _ *types.Project, o stack.BuildOptions) error {
	v.record("build")
	v.build = o
	return nil
}

func (v *flagVerbs) Push(_ context.Context, _ *types.Project, o stack.PushOptions) error {
	v.record("push")
	v.push = o
	return nil
}

func (v *flagVerbs) Exec(_ context.Context, _ string, o stack.ExecOptions) error {
	v.record("exec")
	v.exec = o
	return nil
}

const pushFile = `name: shop
services:
  web:
    image: reg.test/shop/web:1
    build:
      context: .
      args: {A: "1"}
  db:
    image: mariadb
`

func TestAddedFlags(t *testing.T) {
	h := newHarness(t, shopFile)
	v := &flagVerbs{fakeVerbs: h.verbs}
	run := func(args ...string) {
		t.Helper()
		if code := h.runVerbs(v, nil, args...); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, h.stderr.String())
		}
	}
	run("start", "--wait", "--wait-timeout", "7", "web")
	if !v.start.Wait || v.start.WaitTimeout.Seconds() != 7 {
		t.Errorf("start: %+v", v.start)
	}
	run("restart", "--no-deps", "web")
	if !v.restart.NoDeps {
		t.Errorf("restart: %+v", v.restart)
	}
	run("kill", "--remove-orphans")
	if !v.kill.RemoveOrphans {
		t.Errorf("kill: %+v", v.kill)
	}
	h.env = []string{"COMPOSE_REMOVE_ORPHANS=1"}
	run("kill")
	if !v.kill.RemoveOrphans {
		t.Errorf("kill with COMPOSE_REMOVE_ORPHANS: %+v", v.kill)
	}
	h.env = nil
	run("events", "--since", "10m", "--until", "0s", "web")
	if v.events.Since != "10m" || v.events.Until != "0s" || !slices.Equal(v.events.Services, []string{"web"}) {
		t.Errorf("events: %+v", v.events)
	}
	run("exec", "--no-tty", "web", "true")
	run("exec", "--no-TTY", "web", "true")
	run("exec", "-t=false", "web", "true")
	if v.exec.TTY {
		t.Errorf("exec: %+v", v.exec)
	}

	h.write("extra.env", "FROM_FILE=yes\nKEPT=file\nREF=${KEPT}\n")
	run("run", "--cap-add", "NET_ADMIN", "--cap-drop", "MKNOD", "--env-from-file", "extra.env", "-e", "KEPT=flag",
		"--pull", "never", "--use-aliases", "-q", "--quiet-pull", "web", "true")
	r := v.run
	if !slices.Equal(r.CapAdd, []string{"NET_ADMIN"}) || !slices.Equal(r.CapDrop, []string{"MKNOD"}) || r.Pull != "never" || !r.UseAliases {
		t.Errorf("run: %+v", r)
	}
	if want := []string{"KEPT=flag", "FROM_FILE=yes", "REF=flag"}; !slices.Equal(r.Env, want) {
		t.Errorf("run env %q, want %q", r.Env, want)
	}
	if h.stderr.Len() > 0 {
		t.Errorf("run -q printed progress: %q", h.stderr.String())
	}

	run("version", "-f", "json")
	var ver map[string]string
	if err := json.Unmarshal(h.stdout.Bytes(), &ver); err != nil || ver["version"] == "" {
		t.Errorf("version -f json: %q", h.stdout.String())
	}
}

func TestBuildFlags(t *testing.T) {
	h := newHarness(t, pushFile)
	v := &flagVerbs{fakeVerbs: h.verbs}
	if code := h.runVerbs(v, nil, "build", "--memory", "512m", "--push", "--builder", "default", "web"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if v.build.Memory != 512<<20 || !slices.Equal(v.calls, []string{"build", "push"}) || !slices.Equal(v.push.Services, []string{"web"}) {
		t.Errorf("build --push: %+v, calls %q", v.build, v.calls)
	}
	if code := h.runVerbs(v, nil, "build", "--print", "--build-arg", "B=2"); code != 0 {
		t.Fatalf("--print: exit %d: %s", code, h.stderr.String())
	}
	var defs []stack.BuildDefinition
	if err := json.Unmarshal(h.stdout.Bytes(), &defs); err != nil || len(defs) != 1 {
		t.Fatalf("--print: %v: %s", err, h.stdout.String())
	}
	if d := defs[0]; d.Image != "reg.test/shop/web:1" || *d.Args["A"] != "1" || *d.Args["B"] != "2" || d.Labels["com.docker.compose.service"] != "web" {
		t.Errorf("definition %+v", d)
	}
	for _, args := range [][]string{
		{"build", "--ssh", "default"},
		{"build", "--builder", "mybuilder"},
		{"build", "--memory", "lots"},
		{"build", "--print", "--push"},
		{"run", "--pull", "sometimes", "web"},
		{"run", "--env-from-file", "missing.env", "web"},
		{"version", "-f", "xml"},
	} {
		v.calls = nil
		if code := h.runVerbs(v, nil, args...); code != 1 || len(v.calls) > 0 {
			t.Errorf("%q: exit %d, calls %q", args, code, v.calls)
		}
		if !strings.Contains(h.stderr.String(), "stack: ") {
			t.Errorf("%q: no error: %s", args, h.stderr.String())
		}
	}
}
