package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// devProject is app (sync of src to /app, sync+exec of hooks) and built
// (rebuild on img), in dir.
func devProject(t *testing.T, dir string) *types.Project {
	t.Helper()
	for _, d := range []string{"src", "hooks", "img"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "src/a.txt"), "a")
	writeFile(t, filepath.Join(dir, "img/.dockerignore"), "secret.txt\n")
	p := testProject("dev", map[string][]string{"app": nil, "built": nil})
	p.WorkingDir = dir
	app := p.Services["app"]
	app.Develop = &types.DevelopConfig{Watch: []types.Trigger{
		{Path: "src", Target: "/app", Action: types.WatchActionSync, Ignore: []string{"*.tmp"}, InitialSync: true},
		{Path: "hooks", Target: "/hooks", Action: types.WatchActionSyncExec, Exec: types.ServiceHook{Command: []string{"sh", "-c", "echo hook"}}},
	}}
	p.Services["app"] = app
	built := p.Services["built"]
	built.Image = ""
	built.Build = &types.BuildConfig{Context: filepath.Join(dir, "img")}
	built.Develop = &types.DevelopConfig{Watch: []types.Trigger{{Path: "img", Action: types.WatchActionRebuild}}}
	p.Services["built"] = built
	return p
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWatchRulesAreChecked(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		change func(*types.ServiceConfig)
		want   string
	}{
		{func(s *types.ServiceConfig) { s.Develop.Watch[0].Action = "copy" }, `develop.watch[0]: unknown action "copy"`},
		{func(s *types.ServiceConfig) { s.Develop.Watch[0].Target = "" }, "develop.watch[0]: action sync needs a target"},
		{func(s *types.ServiceConfig) { s.Develop.Watch[1].Exec.Command = nil }, "develop.watch[1]: action sync+exec needs exec.command"},
		{func(s *types.ServiceConfig) { s.Develop.Watch[0].Path = "" }, "develop.watch[0]: path is required"},
		{func(s *types.ServiceConfig) { s.Develop.Watch[0].Action = types.WatchActionRebuild }, "develop.watch[0]: action rebuild needs a build section"},
		{func(s *types.ServiceConfig) { s.Develop.Watch[0].Ignore = []string{"["} }, "develop.watch[0]: ignore:"},
	} {
		p := devProject(t, dir)
		app := p.Services["app"]
		app.Develop = &types.DevelopConfig{Watch: slices.Clone(app.Develop.Watch)}
		tc.change(&app)
		p.Services["app"] = app
		err := CheckWatch(p, nil)
		if err == nil || !strings.Contains(err.Error(), `service "app": `+tc.want) {
			t.Errorf("want %q, got %v", tc.want, err)
		}
	}
	p := devProject(t, dir)
	if err := CheckWatch(p, nil); err != nil {
		t.Errorf("valid rules: %v", err)
	}
	plain := testProject("dev", map[string][]string{"db": nil})
	if err := CheckWatch(plain, nil); !errors.Is(err, ErrNoWatch) {
		t.Errorf("no rules: %v", err)
	}
}

func TestWatchRuleMatching(t *testing.T) {
	dir := t.TempDir()
	p := devProject(t, dir)
	app := p.Services["app"]
	app.Develop.Watch[0].Include = []string{"*.txt", "sub"}
	p.Services["app"] = app
	rules, _, err := watchRules(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	find := func(svc string) watchRule {
		for _, r := range rules {
			if r.service == svc {
				return r
			}
		}
		t.Fatalf("no rule of %s", svc)
		return watchRule{}
	}
	sync, rebuild := find("app"), find("built")
	for _, tc := range []struct {
		rule   watchRule
		path   string
		target string
		ok     bool
	}{
		{sync, "src/a.txt", "/app/a.txt", true},
		{sync, "src/sub/deep.bin", "/app/sub/deep.bin", true}, // under an included directory
		{sync, "src/b.tmp", "", false},                        // ignored
		{sync, "src/c.go", "", false},                         // not included
		{sync, "src/.git/HEAD", "", false},
		{sync, "src/a.txt.swp", "", false},
		{sync, "src", "/app", true},
		{sync, "other/a.txt", "", false},
		{rebuild, "img/Dockerfile", "", true},
		{rebuild, "img/secret.txt", "", false}, // .dockerignore
	} {
		target, ok := tc.rule.match(filepath.Join(dir, tc.path))
		if ok != tc.ok || target != tc.target {
			t.Errorf("%s on %s: %q %v, want %q %v", tc.rule.Action, tc.path, target, ok, tc.target, tc.ok)
		}
	}
}

// watching runs Watch on p in the background until the test ends.
func watching(t *testing.T, s *Stack, p *types.Project) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Watch(ctx, p, WatchOptions{Quiet: 200 * time.Millisecond, Ready: func() { close(ready) }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("watch: %v", err)
		}
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("watch ended: %v", err)
	}
}

// eventually waits for cond, bounded generously (no timing is asserted).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

func TestWatchActsOncePerBurst(t *testing.T) {
	dir := t.TempDir()
	f := newFake()
	p := devProject(t, dir)
	s := New(Options{Engine: f})
	if err := s.Up(context.Background(), p, UpOptions{Scale: map[string]int{"app": 2}}); err != nil {
		t.Fatal(err)
	}
	watching(t, s, p)
	// The initial sync went to both app containers.
	if got := f.called("CopyStream"); len(got) != 2 {
		t.Errorf("initial sync: %q", got)
	}

	for i := range 100 {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("hooks/f%03d", i)), "x")
	}
	eventually(t, "the hook ran in both containers", func() bool { return len(f.called("Exec")) >= 2 })
	writeFile(t, filepath.Join(dir, "src/a.txt"), "changed")
	eventually(t, "the edit was synced", func() bool { return len(f.called("CopyStream")) >= 6 })
	if got := f.called("Exec"); len(got) != 2 {
		t.Errorf("100 files should run the hook once per container: %q", got)
	}

	// A rebuild builds and recreates built only.
	created := len(f.called("CreateContainer"))
	writeFile(t, filepath.Join(dir, "img/Dockerfile"), "FROM busybox")
	eventually(t, "built was recreated", func() bool { return len(f.called("CreateContainer")) > created })
	if got := f.called("BuildImage"); !slices.Equal(got, []string{"dev-built", "dev-built"}) {
		t.Errorf("builds %q", got)
	}
	// (A recreate creates under a temporary name, then renames.)
	if got := f.called("CreateContainer")[created:]; len(got) != 1 || !strings.HasSuffix(got[0], "dev-built-1") {
		t.Errorf("recreated %q, want only built", got)
	}

	// A deleted file is removed with rm.
	if err := os.Remove(filepath.Join(dir, "src/a.txt")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the deletion reached the containers", func() bool {
		return slices.ContainsFunc(f.called("Exec"), func(c string) bool { return strings.Contains(c, "rm -rf -- /app/a.txt") })
	})
}
