package commands

import (
	"context"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// everydayVerbs adds the everyday verbs to fakeVerbs.
type everydayVerbs struct {
	*fakeVerbs
	logs  stack.LogsOptions
	rm    stack.RmOptions
	scale map[string]int
	kill  stack.KillOptions
}

func (f *everydayVerbs) Logs(_ context.Context, _ string, sink stack.LogSink, o stack.LogsOptions) error {
	f.record("logs")
	f.logs = o
	sink.Log(stack.LogLine{Service: "web", Number: 1, Container: "shop-web-1", Stream: "stdout", Line: "hello"})
	return nil
}

func (f *everydayVerbs) Rm(_ context.Context, _ string, _ *types.Project, o stack.RmOptions) error {
	f.record("rm")
	f.rm = o
	if o.Confirm != nil && o.Confirm([]string{"shop-web-1"}) {
		f.record("removed")
	}
	return nil
}

func (f *everydayVerbs) Scale(_ context.Context, _ *types.Project, scale map[string]int, _ stack.ScaleOptions) error {
	f.record("scale")
	f.scale = scale
	return nil
}

func (f *everydayVerbs) Kill(_ context.Context, _ string, _ *types.Project, o stack.KillOptions) error {
	f.record("kill")
	f.kill = o
	return nil
}

func runEveryday(h *harness, v *everydayVerbs, args ...string) int {
	h.t.Helper()
	return h.runVerbs(v, nil, args...)
}

func TestLogsFlags(t *testing.T) {
	h := newHarness(t, shopFile)
	v := &everydayVerbs{fakeVerbs: h.verbs}
	h.write("other.yaml", shopFile)
	// -f after logs is --follow; before it, and --file after it, the file.
	if code := runEveryday(h, v, "-f", "other.yaml", "logs", "-f", "-n", "5", "--index", "2", "--no-color", "web"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if !v.logs.Follow || v.logs.Tail != "5" || v.logs.Index != 2 || len(v.logs.Services) != 1 || v.logs.Services[0] != "web" {
		t.Errorf("options %+v", v.logs)
	}
	if got := h.stdout.String(); got != "web-1  | hello\n" {
		t.Errorf("output %q", got)
	}
	if code := runEveryday(h, v, "logs", "--file", "other.yaml", "--format", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if !v.logs.Timestamps || !strings.Contains(h.stdout.String(), `"line":"hello"`) {
		t.Errorf("json: %+v %q", v.logs, h.stdout.String())
	}
	for _, bad := range [][]string{{"logs", "-n", "x"}, {"logs", "--format", "xml"}, {"logs", "nosuch"}} {
		if code := runEveryday(h, v, bad...); code == 0 {
			t.Errorf("%v: exit 0", bad)
		}
	}
}

func TestRmAsksUnlessForced(t *testing.T) {
	h := newHarness(t, shopFile)
	v := &everydayVerbs{fakeVerbs: h.verbs}
	h.stdin = "y\n" // not a terminal: the answer is no anyway
	if code := runEveryday(h, v, "rm"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if strings.Contains(strings.Join(v.calls, " "), "removed") || !strings.Contains(h.stderr.String(), "Going to remove shop-web-1") {
		t.Errorf("calls %v, stderr %q", v.calls, h.stderr.String())
	}
	if code := runEveryday(h, v, "rm", "-f", "-s", "-v"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if !strings.Contains(strings.Join(v.calls, " "), "removed") || !v.rm.Stop || !v.rm.Volumes {
		t.Errorf("calls %v, options %+v", v.calls, v.rm)
	}
}

func TestScaleArgumentsAndCheck(t *testing.T) {
	h := newHarness(t, shopFile+`  api:
    image: nginx
    ports: ["8080:80"]
`)
	v := &everydayVerbs{fakeVerbs: h.verbs}
	if code := runEveryday(h, v, "scale", "web=3", "cache=0"); code != 0 {
		t.Fatalf("exit %d: %s", code, h.stderr.String())
	}
	if v.scale["web"] != 3 || v.scale["cache"] != 0 {
		t.Errorf("scale %v", v.scale)
	}
	v.calls = nil
	if code := runEveryday(h, v, "scale", "api=2"); code == 0 || len(v.calls) != 0 {
		t.Errorf("fixed port scaled: exit %d, calls %v", code, v.calls)
	}
	if !strings.Contains(h.stderr.String(), "8080") {
		t.Errorf("stderr %q does not name the port", h.stderr.String())
	}
	for _, bad := range []string{"web", "web=x", "=2", "web=-1", "nosuch=2"} {
		if code := runEveryday(h, v, "scale", bad); code == 0 {
			t.Errorf("scale %s: exit 0", bad)
		}
	}
}

func TestKillSignal(t *testing.T) {
	h := newHarness(t, shopFile)
	v := &everydayVerbs{fakeVerbs: h.verbs}
	if code := runEveryday(h, v, "kill", "-s", "SIGHUP", "web"); code != 0 || v.kill.Signal != "SIGHUP" {
		t.Errorf("exit %d, options %+v: %s", code, v.kill, h.stderr.String())
	}
	if code := runEveryday(h, v, "kill"); code != 0 || v.kill.Signal != "SIGKILL" {
		t.Errorf("default signal %q", v.kill.Signal)
	}
}

func TestEverydayVerbsNeedTheirVerb(t *testing.T) {
	h := newHarness(t, shopFile)
	if code := h.run("top"); code == 0 || !strings.Contains(h.stderr.String(), "not supported") {
		t.Errorf("exit %d, stderr %q", code, h.stderr.String())
	}
}
