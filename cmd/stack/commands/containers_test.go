package commands

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// containerVerbs adds the verbs of the commands on one service's
// containers (attach, cp, commit, export, diff, stats, volumes, create,
// push) to fakeVerbs.
type containerVerbs struct {
	*fakeVerbs
	attach stack.AttachOptions
	cp     stack.CopyOptions
	commit stack.CommitOptions
	create stack.CreateOptions
	push   stack.PushOptions
	stats  stack.StatsOptions
	diff   string
	err    error
}

func (v *containerVerbs) Attach(_ context.Context, _ string, o stack.AttachOptions) error {
	v.record("attach")
	v.attach = o
	return v.err
}

func (v *containerVerbs) Copy(_ context.Context, _ string, o stack.CopyOptions) error {
	v.record("cp")
	v.cp = o
	return v.err
}

func (v *containerVerbs) Commit(_ context.Context, _ string, o stack.CommitOptions) (string, error) {
	v.record("commit")
	v.commit = o
	return "sha256:1", v.err
}

func (v *containerVerbs) Export(_ context.Context, _ string, w io.Writer, o stack.ExportOptions) error {
	v.record("export " + o.Service)
	_, err := io.WriteString(w, "TAR")
	return err
}

func (v *containerVerbs) Diff(_ context.Context, _, service string, _ int) ([]engine.Change, error) {
	v.record("diff")
	v.diff = service
	return []engine.Change{{Kind: "A", Path: "/new"}, {Kind: "C", Path: "/tmp"}}, v.err
}

func (v *containerVerbs) Create(_ context.Context, _ *types.Project, o stack.CreateOptions) error {
	v.record("create")
	v.create = o
	return v.err
}

func (v *containerVerbs) Push(_ context.Context, _ *types.Project, o stack.PushOptions) error {
	v.record("push")
	v.push = o
	return v.err
}

func (v *containerVerbs) Stats(_ context.Context, _ string, o stack.StatsOptions, fn func([]stack.ContainerStats) error) error {
	v.record("stats")
	v.stats = o
	return fn([]stack.ContainerStats{{
		Container: engine.Container{ID: "0123456789abcdef", Name: "shop-web-1"},
		Sampled:   true,
		Stats:     engine.Stats{CPUPercent: 1.5, MemUsage: 2 << 20, MemLimit: 1 << 30, MemPercent: 0.2, NetRx: 1500, PIDs: 3},
	}})
}

func (v *containerVerbs) Volumes(_ context.Context, _ string, _ []string) ([]engine.Volume, error) {
	v.record("volumes")
	return []engine.Volume{{Name: "shop_data", Driver: "local"}}, v.err
}

func TestContainerCommandsUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"cp", "web:/a", "db:/b"},
		{"cp", "a", "b"},
		{"cp", "-", "-"},
		{"cp", "web:/a"},
		{"cp", "--index", "-1", "web:/a", "b"},
		{"attach"},
		{"attach", "--detach-keys", "ctrl-", "web"},
		{"commit"},
		{"commit", "web", "a", "b"},
		{"export", "web", "db"},
		{"diff"},
		{"stats", "web", "db"},
		{"stats", "--format", "{{.Name"},
		{"volumes", "--format", "{{"},
		{"create", "--pull", "sometimes"},
		{"create", "--build", "--no-build"},
		{"up", "--watch", "-d"},
		{"up", "--watch", "--no-build"},
		{"up", "--watch", "--abort-on-container-exit"},
		{"up", "--watch"}, // no develop section
		{"watch"},
		{"down", "--rmi", "some"},
	} {
		h := newHarness(t, shopFile)
		v := &containerVerbs{fakeVerbs: h.verbs}
		if code := h.runVerbs(v, nil, args...); code != 1 {
			t.Errorf("%q: exit %d, want 1", args, code)
		}
		if len(v.calls) > 0 {
			t.Errorf("%q: reached the verbs: %q", args, v.calls)
		}
		if lines := strings.Count(strings.TrimSpace(h.stderr.String()), "\n"); lines > 1 {
			t.Errorf("%q: more than an error and its hint:\n%s", args, h.stderr.String())
		}
	}
}

func TestContainerCommandsFlags(t *testing.T) {
	h := newHarness(t, shopFile)
	v := &containerVerbs{fakeVerbs: h.verbs}
	// -p is --pause after commit, --project-name before it.
	if code := h.runVerbs(v, nil, "-p", "shop", "commit", "-p=false", "-m", "msg", "-c", "CMD [\"sh\"]", "--index", "2", "web", "shop/web:snap"); code != 0 {
		t.Fatalf("commit: exit %d: %s", code, h.stderr.String())
	}
	if c := v.commit; c.Pause || c.Message != "msg" || c.Index != 2 || c.Ref != "shop/web:snap" || len(c.Changes) != 1 {
		t.Errorf("commit options %+v", c)
	}
	if code := h.runVerbs(v, nil, "cp", "-a", "-L", "--all", "./local", "web:/srv"); code != 0 || !v.cp.Archive || !v.cp.FollowLink || !v.cp.All || v.cp.Destination != "web:/srv" {
		t.Errorf("cp: exit %d, options %+v", code, v.cp)
	}
	if code := h.runVerbs(v, nil, "attach", "--no-stdin", "--sig-proxy=false", "--detach-keys", "ctrl-x,x", "web"); code != 0 {
		t.Fatalf("attach: exit %d: %s", code, h.stderr.String())
	}
	if a := v.attach; a.Stdin != nil || a.SigProxy || a.DetachKeys != "ctrl-x,x" || a.Service != "web" {
		t.Errorf("attach options %+v", a)
	}
	if code := h.runVerbs(v, nil, "create", "--pull", "never", "--scale", "web=2", "--quiet-pull", "-y", "web"); code != 0 || v.create.Pull != "never" || v.create.Scale["web"] != 2 {
		t.Errorf("create: exit %d, options %+v", code, v.create)
	}
	if code := h.runVerbs(v, nil, "create"); code != 0 || v.create.Pull != "" {
		t.Errorf("create --pull policy is the services' own: %+v", v.create)
	}
	if code := h.runVerbs(v, nil, "push", "--include-deps", "--ignore-push-failures", "web"); code != 0 || !v.push.IgnoreFailures || len(v.push.Services) != 3 {
		t.Errorf("push: exit %d, options %+v", code, v.push)
	}
}

func TestContainerCommandsOutput(t *testing.T) {
	h := newHarness(t, shopFile)
	v := &containerVerbs{fakeVerbs: h.verbs}
	if code := h.runVerbs(v, nil, "diff", "web"); code != 0 || h.stdout.String() != "A /new\nC /tmp\n" {
		t.Errorf("diff: exit %d, %q", code, h.stdout.String())
	}
	if code := h.runVerbs(v, nil, "stats", "--no-stream", "--format", "json"); code != 0 ||
		!strings.Contains(h.stdout.String(), `"CPUPerc":"1.50%"`) || !strings.Contains(h.stdout.String(), `"MemUsage":"2MiB / 1GiB"`) ||
		!strings.Contains(h.stdout.String(), `"ID":"0123456789ab"`) || v.stats.Stream {
		t.Errorf("stats json: exit %d, %q", code, h.stdout.String())
	}
	if code := h.runVerbs(v, nil, "stats", "--no-stream", "--no-trunc", "--format", `table {{.ID}}\t{{.PIDs}}`); code != 0 ||
		!strings.HasPrefix(h.stdout.String(), "CONTAINER ID") || !strings.Contains(h.stdout.String(), "0123456789abcdef   3") {
		t.Errorf("stats table template: exit %d, %q", code, h.stdout.String())
	}
	if code := h.runVerbs(v, nil, "volumes", "-q"); code != 0 || h.stdout.String() != "shop_data\n" {
		t.Errorf("volumes -q: %q", h.stdout.String())
	}
	if code := h.runVerbs(v, nil, "volumes", "--format", "{{.Name}} {{.Driver}}"); code != 0 || h.stdout.String() != "shop_data local\n" {
		t.Errorf("volumes template: %q", h.stdout.String())
	}
	if code := h.runVerbs(v, nil, "export", "-o", "web.tar", "web"); code != 0 {
		t.Fatalf("export: exit %d: %s", code, h.stderr.String())
	}
	if b, err := os.ReadFile(filepath.Join(h.dir, "web.tar")); err != nil || string(b) != "TAR" {
		t.Errorf("export -o: %q, %v", b, err)
	}
	h.stdTTY = true
	if code := h.runVerbs(v, nil, "export", "web"); code != 1 || !strings.Contains(h.stderr.String(), "terminal") {
		t.Errorf("export to a terminal: exit %d, %s", code, h.stderr.String())
	}
}

func TestAttachDetachedExitsWithOne(t *testing.T) {
	h := newHarness(t, shopFile)
	v := &containerVerbs{fakeVerbs: h.verbs, err: engine.ErrDetached}
	if code := h.runVerbs(v, nil, "attach", "web"); code != 1 || !strings.Contains(h.stderr.String(), "read escape sequence") {
		t.Errorf("exit %d, %q", code, h.stderr.String())
	}
	if v.attach.Stdin == nil {
		t.Error("standard input not attached by default")
	}
}
