package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/engine/enginefake"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

func TestInstallMakesTheAgentContainerOnce(t *testing.T) {
	f := enginefake.New("busybox", "stack-agent:test")
	p := load(t, jobFile)
	ctx := context.Background()
	o := InstallOptions{Image: "stack-agent:test", Args: []string{"-p", "shop"}, Env: []string{"KEEP=2"}, Paths: []string{p.WorkingDir}, Host: "unix:///run/e.sock"}
	if changed, err := Install(ctx, f, p, o); err != nil || !changed {
		t.Fatalf("install: changed %v, %v", changed, err)
	}
	c, ok := f.Container("shop-agent-1")
	if !ok || c.State != engine.StateRunning || !c.OneOff || c.Labels[stack.LabelAgent] != AgentInstalled || c.Labels[engine.LabelProject] != "shop" {
		t.Fatalf("agent container = %+v", c)
	}
	if changed, err := Install(ctx, f, p, o); err != nil || changed {
		t.Fatalf("second install: changed %v, %v; want nothing to do", changed, err)
	}
	o.Args = append(o.Args, "--parallel", "1")
	if changed, err := Install(ctx, f, p, o); err != nil || !changed {
		t.Fatalf("install with other flags: changed %v, %v; want the container replaced", changed, err)
	}
	// A foreground agent refuses to run beside it.
	err := (&ContainerLock{Engine: f, Project: p, Image: "stack-agent:test"}).Acquire(ctx)
	var locked *LockedError
	if !errors.As(err, &locked) || !strings.Contains(err.Error(), "the installed agent shop-agent-1 acts for project") {
		t.Fatalf("foreground beside installed: %v", err)
	}
	f.Die("shop-agent-1", 0)
	err = (&ContainerLock{Engine: f, Project: p, Image: "stack-agent:test", Wait: true}).Acquire(ctx)
	if err == nil || !strings.Contains(err.Error(), `the installed agent shop-agent-1 of project "shop" is stopped`) {
		t.Fatalf("foreground beside a stopped installed agent: %v", err)
	}
	if removed, err := Remove(ctx, f, "shop"); err != nil || !removed {
		t.Fatalf("remove: %v %v", removed, err)
	}
	if _, ok := f.Container("shop-agent-1"); ok {
		t.Fatal("agent container left")
	}
}

func TestInstallBesideAForegroundAgentFails(t *testing.T) {
	f := enginefake.New("busybox", "stack-agent:test")
	p := load(t, jobFile)
	ctx := context.Background()
	fg := &ContainerLock{Engine: f, Project: p, Image: "stack-agent:test"}
	if err := fg.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	defer fg.Release(ctx)
	_, err := Install(ctx, f, p, InstallOptions{Image: "stack-agent:test", Host: "unix:///run/e.sock"})
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("install beside a foreground agent: %v", err)
	}
}

func TestImageOfTheRunningBinary(t *testing.T) {
	f := enginefake.New()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ref, err := EnsureImage(ctx, f, self)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ref, ImageRepository+":") {
		t.Fatalf("image %q", ref)
	}
	if _, err := EnsureImage(ctx, f, self); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Calls("BuildImage")); n != 1 {
		t.Fatalf("%d builds, want 1: the image of a binary is built once", n)
	}
	// The context holds the binary and, for a dynamic one, what it needs.
	dir := t.TempDir()
	if err := buildContext(dir, self); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "rootfs", "stack")); err != nil {
		t.Fatal(err)
	}
	files, err := runtimeFiles(self)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, "rootfs", f)); err != nil {
			t.Errorf("%s missing from the context: %v", f, err)
		}
	}
	if runtime.GOOS == "linux" && raceEnabled && len(files) == 0 {
		t.Error("a -race test binary is dynamically linked, but no library was found")
	}
}

func TestJobsListsSchedulesAndRuns(t *testing.T) {
	f := enginefake.New("busybox")
	f.Exit["backup"] = 3
	p := load(t, `
services:
  db:
    image: busybox
  backup:
    image: busybox
    x-schedule: {run: "0 3 * * *", timezone: Europe/Berlin}
    x-on: [{when: {service: db, event: healthy}, do: run}]
  web:
    image: busybox
    x-schedule: {start: "0 8 * * *", stop: "0 20 * * *"}
`)
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	f.Now = func() time.Time { return now }
	st := stack.New(stack.Options{Engine: f})
	ctx := context.Background()
	for range 3 {
		if _, err := st.RunJob(ctx, p, stack.JobRunOptions{Service: "backup", Trigger: stack.TriggerManual, Reason: "by hand"}); err != nil {
			t.Fatal(err)
		}
	}
	jobs, err := Jobs(ctx, f, p, now, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].Service != "backup" || jobs[1].Service != "web" {
		t.Fatalf("jobs = %+v", jobs)
	}
	b := jobs[0]
	if b.Schedule != `run "0 3 * * *" (Europe/Berlin)` || b.Next.UTC().Format(time.RFC3339) != "2026-03-03T02:00:00Z" || b.NextAction != "run" {
		t.Errorf("backup: %s, next %s %s", b.Schedule, b.NextAction, b.Next)
	}
	if len(b.Triggers) != 1 || b.Triggers[0] != "healthy of db: run" {
		t.Errorf("triggers = %v", b.Triggers)
	}
	if len(b.Runs) != 2 || b.Runs[0].ExitCode == nil || *b.Runs[0].ExitCode != 3 || b.Runs[0].Trigger != stack.TriggerManual {
		t.Fatalf("runs = %+v", b.Runs)
	}
	if w := jobs[1]; w.NextAction != "start" || w.Runs != nil {
		t.Errorf("web = %+v", w)
	}
}
