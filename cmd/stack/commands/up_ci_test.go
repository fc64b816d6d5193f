package commands

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

func TestUpForegroundFlags(t *testing.T) {
	h := newHarness(t, shopFile)
	code := h.run("up", "--exit-code-from", "web", "--attach", "web", "--attach", "db", "--no-attach", "cache", "web")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, h.stderr.String())
	}
	up := h.verbs.up
	if up.Attach == nil || up.ExitCodeFrom != "web" || up.Cascade != stack.CascadeStop || up.AttachDependencies {
		t.Errorf("options %+v", up)
	}
	if !slices.Equal(up.AttachTo, []string{"web", "db"}) || !slices.Equal(up.NoAttach, []string{"cache"}) {
		t.Errorf("attach %v, no-attach %v", up.AttachTo, up.NoAttach)
	}

	if code := h.run("up", "--abort-on-container-failure", "--exit-code-from", "web", "--attach-dependencies", "web"); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, h.stderr.String())
	}
	if up := h.verbs.up; up.Cascade != stack.CascadeFail || up.ExitCodeFrom != "web" || !up.AttachDependencies {
		t.Errorf("options %+v", up)
	}
}

func TestUpForegroundFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"up", "-d", "--abort-on-container-exit"}, "--detach cannot be combined with"},
		{[]string{"up", "-d", "--exit-code-from", "web"}, "--detach cannot be combined with"},
		{[]string{"up", "-d", "--abort-on-container-failure"}, "--detach cannot be combined with"},
		{[]string{"up", "--wait", "--attach", "web"}, "--wait cannot be combined with"},
		{[]string{"up", "--wait", "--abort-on-container-failure"}, "--detach cannot be combined with"},
		{[]string{"up", "--abort-on-container-exit", "--abort-on-container-failure"}, "--abort-on-container-failure cannot be combined with --abort-on-container-exit"},
		{[]string{"up", "--attach", "web", "--attach-dependencies"}, "cannot combine --attach and --attach-dependencies"},
		{[]string{"up", "--exit-code-from", "nosuch"}, "no such service: nosuch"},
		{[]string{"up", "--attach", "nosuch"}, "cannot attach: no such service: nosuch"},
	} {
		h := newHarness(t, shopFile)
		if code := h.run(tt.args...); code != 1 {
			t.Errorf("%v: exit %d, want 1", tt.args, code)
		}
		if !strings.Contains(h.stderr.String(), tt.want) {
			t.Errorf("%v: stderr %q, want %q", tt.args, h.stderr.String(), tt.want)
		}
		if h.connect != 0 {
			t.Errorf("%v: the engine was contacted", tt.args)
		}
	}
}

func TestUpWaitErrorIsPrintedWhole(t *testing.T) {
	h := newHarness(t, shopFile)
	h.verbs.onUp = func(context.Context, stack.UpOptions) error {
		return &stack.WaitError{NotReady: []stack.NotReady{{
			Service: "db", Container: "shop-db-1", Reason: "is unhealthy", Failed: true,
			State: "running", Health: "unhealthy", HealthOutput: "refused", Logs: []string{"starting", "crashed"},
		}}}
	}
	if code := h.run("up", "--wait"); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	want := `stack: service "db" is not ready: container shop-db-1 is unhealthy

service "db" (container shop-db-1) is unhealthy; state: running, health unhealthy
  last health check output:
    refused
  last 2 log lines:
    starting
    crashed
`
	if h.stderr.String() != want {
		t.Errorf("stderr\n%s\nwant\n%s", h.stderr.String(), want)
	}
}
