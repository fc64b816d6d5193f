package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// scaled is db and web=3, up, calls forgotten.
func scaled(t *testing.T) (*fakeEngine, *Stack, *types.Project) {
	t.Helper()
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	s := New(Options{Engine: f, Parallel: 4})
	if err := s.Up(context.Background(), p, UpOptions{Scale: map[string]int{"web": 3}}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.calls = nil
	f.mu.Unlock()
	return f, s, p
}

func TestSplitCopyArg(t *testing.T) {
	for _, tc := range []struct{ arg, service, path string }{
		{"web:/etc/hosts", "web", "/etc/hosts"},
		{"web:rel", "web", "rel"},
		{"/abs/path", "", "/abs/path"},
		{"./a:b", "", "./a:b"},
		{"local", "", "local"},
		{"-", "", "-"},
	} {
		svc, p := SplitCopyArg(tc.arg)
		if svc != tc.service || p != tc.path {
			t.Errorf("SplitCopyArg(%q) = %q, %q; want %q, %q", tc.arg, svc, p, tc.service, tc.path)
		}
	}
}

func TestCopyDirections(t *testing.T) {
	ctx := context.Background()
	f, s, _ := scaled(t)
	// From a service: its first container only.
	if err := s.Copy(ctx, "shop", CopyOptions{Source: "web:/data", Destination: "out"}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("CopyFromContainer"); !slices.Equal(got, []string{"shop-web-1 /data -> out"}) {
		t.Errorf("copy from: %q", got)
	}
	// To a service: every container, or --index.
	if err := s.Copy(ctx, "shop", CopyOptions{Source: "in", Destination: "web:/data"}); err != nil {
		t.Fatal(err)
	}
	got := f.called("CopyToContainer")
	slices.Sort(got)
	want := []string{"shop-web-1 in -> /data", "shop-web-2 in -> /data", "shop-web-3 in -> /data"}
	if !slices.Equal(got, want) {
		t.Errorf("copy to: %q, want %q", got, want)
	}
	if err := s.Copy(ctx, "shop", CopyOptions{Source: "web:/x", Destination: "y", Index: 2}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("CopyFromContainer"); got[len(got)-1] != "shop-web-2 /x -> y" {
		t.Errorf("copy --index 2: %q", got)
	}
	for _, bad := range []CopyOptions{
		{Source: "web:/a", Destination: "db:/b"},
		{Source: "a", Destination: "b"},
		{Source: "web:/a", Destination: "b", Index: 7},
		{Source: "nosuch:/a", Destination: "b"},
	} {
		if err := s.Copy(ctx, "shop", bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestCopyStdinFansOut(t *testing.T) {
	f, s, _ := scaled(t)
	in := bytes.Repeat([]byte("x"), 1<<20)
	err := s.Copy(context.Background(), "shop", CopyOptions{Source: "-", Destination: "web:/data", In: bytes.NewReader(in)})
	if err != nil {
		t.Fatal(err)
	}
	got := f.called("CopyStream")
	slices.Sort(got)
	want := []string{"shop-web-1 1048576", "shop-web-2 1048576", "shop-web-3 1048576"}
	if !slices.Equal(got, want) {
		t.Errorf("each container should read the whole stream: %q", got)
	}
}

func TestCopyFailureStopsTheFanOut(t *testing.T) {
	f, s, _ := scaled(t)
	f.fail["CopyToContainer shop-web-2"] = errors.New("disk full")
	in := bytes.NewReader(bytes.Repeat([]byte("x"), 1<<20))
	err := s.Copy(context.Background(), "shop", CopyOptions{Source: "-", Destination: "web:/data", In: in})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the failed copy's", err)
	}
}

func TestCommitExportDiffPickTheContainer(t *testing.T) {
	ctx := context.Background()
	f, s, _ := scaled(t)
	id, err := s.Commit(ctx, "shop", CommitOptions{Service: "web", Index: 3, Ref: "shop/web:snap"})
	if err != nil || !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("commit: %q, %v", id, err)
	}
	if got := f.called("CommitContainer"); !slices.Equal(got, []string{"shop-web-3 shop/web:snap"}) {
		t.Errorf("commit: %q", got)
	}
	var out bytes.Buffer
	if err := s.Export(ctx, "shop", &out, ExportOptions{Service: "db"}); err != nil || out.String() != "tar of shop-db-1" {
		t.Errorf("export: %q, %v", out.String(), err)
	}
	changes, err := s.Diff(ctx, "shop", "web", 0)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, c := range changes {
		paths = append(paths, c.Kind+" "+c.Path)
	}
	if want := []string{"A /etc/added", "C /tmp", "A /tmp/new"}; !slices.Equal(paths, want) {
		t.Errorf("diff: %q, want %q (sorted by path)", paths, want)
	}
	if _, err := s.Diff(ctx, "shop", "web", 9); err == nil || !strings.Contains(err.Error(), "#9") {
		t.Errorf("diff --index 9: %v", err)
	}
	// A stopped container is still committed, exported, diffed.
	if err := s.Stop(ctx, "shop", nil, StopOptions{Services: []string{"db"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Diff(ctx, "shop", "db", 0); err != nil {
		t.Errorf("diff of a stopped container: %v", err)
	}
}

func TestContainerStepEvents(t *testing.T) {
	ctx := context.Background()
	f, s, _ := scaled(t)
	sink := &recordSink{}
	s.sink = sink
	steps := func() []string {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		var got []string
		for _, e := range sink.events {
			got = append(got, fmt.Sprintf("%s %s %v %q %q", e.Name, e.Status, e.Done, e.Text, e.Error))
		}
		sink.events = nil
		return got
	}
	id, err := s.Commit(ctx, "shop", CommitOptions{Service: "db"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := steps(), []string{`shop-db-1 Committing false "" ""`, `shop-db-1 Committed true "as ` + id + `" ""`}; !slices.Equal(got, want) {
		t.Errorf("commit events %q, want %q", got, want)
	}
	f.fail["ExportContainer shop-db-1"] = errors.New("disk full")
	if err := s.Export(ctx, "shop", io.Discard, ExportOptions{Service: "db"}); err == nil || !strings.Contains(err.Error(), `container "shop-db-1": disk full`) {
		t.Errorf("export: %v", err)
	}
	if got, want := steps(), []string{`shop-db-1 Exporting false "" ""`, `shop-db-1 Error true "" "disk full"`}; !slices.Equal(got, want) {
		t.Errorf("failed export events %q, want %q", got, want)
	}
	if err := s.Export(ctx, "shop", io.Discard, ExportOptions{Service: "db", DryRun: true}); err != nil {
		t.Errorf("dry run: %v", err)
	}
	if got, want := steps(), []string{`shop-db-1 Exporting false "" ""`, `shop-db-1 Exported true "" ""`}; !slices.Equal(got, want) {
		t.Errorf("dry-run export events %q, want %q", got, want)
	}
}

func TestAttachPicksAndRefusesStopped(t *testing.T) {
	ctx := context.Background()
	_, s, _ := scaled(t)
	var out bytes.Buffer
	if err := s.Attach(ctx, "shop", AttachOptions{Service: "web", Index: 2, Streams: engine.Streams{Stdout: &out}}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "hello from shop-web-2\n" {
		t.Errorf("output %q", out.String())
	}
	if err := s.Stop(ctx, "shop", nil, StopOptions{Services: []string{"db"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Attach(ctx, "shop", AttachOptions{Service: "db"}); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Errorf("attach to a stopped service: %v", err)
	}
}

func TestStatsOnceAndStream(t *testing.T) {
	ctx := context.Background()
	_, s, _ := scaled(t)
	var got []ContainerStats
	if err := s.Stats(ctx, "shop", StatsOptions{}, func(cs []ContainerStats) error { got = cs; return nil }); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got {
		names = append(names, c.Container.Name)
		if !c.Sampled || c.CPUPercent != 12.5 {
			t.Errorf("%s: %+v", c.Container.Name, c)
		}
	}
	if want := []string{"shop-db-1", "shop-web-1", "shop-web-2", "shop-web-3"}; !slices.Equal(names, want) {
		t.Errorf("containers %q, want %q", names, want)
	}

	// Streaming: a stopped container leaves the list (it is back with All).
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rounds := 0
	err := s.Stats(sctx, "shop", StatsOptions{Stream: true, Interval: time.Millisecond}, func(cs []ContainerStats) error {
		rounds++
		switch {
		case rounds == 5:
			go func() { _ = s.Stop(ctx, "shop", nil, StopOptions{Services: []string{"db"}}) }()
		case len(cs) == 3:
			cancel()
		case rounds > 10000:
			t.Errorf("db never left the list: %d containers", len(cs))
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPushBuiltAndNamedOnly(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": nil, "job": nil})
	web := p.Services["web"]
	web.Image = "reg.test:5000/shop/web:1"
	web.Build = &types.BuildConfig{Context: ".", Tags: []string{"reg.test:5000/shop/web:latest"}}
	p.Services["web"] = web
	job := p.Services["job"]
	job.Image = ""
	job.Build = &types.BuildConfig{Context: "."}
	p.Services["job"] = job
	sink := &recordSink{}
	s := New(Options{Engine: f, Sink: sink})
	if err := s.Push(ctx, p, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	got := f.called("PublishImage")
	slices.Sort(got)
	if want := []string{"reg.test:5000/shop/web:1", "reg.test:5000/shop/web:latest"}; !slices.Equal(got, want) {
		t.Errorf("pushed %q, want %q", got, want)
	}
	skipped := 0
	for _, e := range sink.events {
		if e.Status == StatusSkipped {
			skipped++
		}
	}
	if skipped != 2 {
		t.Errorf("%d services reported skipped, want 2 (db: no build, job: no image)", skipped)
	}

	f.fail["PublishImage reg.test:5000/shop/web:1"] = errors.New("denied")
	if err := s.Push(ctx, p, PushOptions{}); err == nil || !strings.Contains(err.Error(), `service "web"`) {
		t.Errorf("failed push: %v", err)
	}
	if err := s.Push(ctx, p, PushOptions{IgnoreFailures: true}); err != nil {
		t.Errorf("--ignore-push-failures: %v", err)
	}
}

func TestVolumesOfServices(t *testing.T) {
	ctx := context.Background()
	f, s, _ := scaled(t)
	f.volumes["shop_data"] = engine.Volume{Name: "shop_data", Labels: map[string]string{engine.LabelProject: "shop"}}
	f.volumes["other_data"] = engine.Volume{Name: "other_data", Labels: map[string]string{engine.LabelProject: "other"}}
	vols, err := s.Volumes(ctx, "shop", nil)
	if err != nil || len(vols) != 1 || vols[0].Name != "shop_data" {
		t.Fatalf("volumes: %+v, %v", vols, err)
	}
	// The fake's containers mount nothing.
	if vols, err := s.Volumes(ctx, "shop", []string{"web"}); err != nil || len(vols) != 0 {
		t.Errorf("volumes of web: %+v, %v", vols, err)
	}
}

func TestCreateStartsNothing(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	s := New(Options{Engine: f})
	if err := s.Create(context.Background(), p, CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("CreateContainer"); len(got) != 2 {
		t.Errorf("created %q", got)
	}
	if got := f.called("StartContainer"); len(got) != 0 {
		t.Errorf("started %q", got)
	}
}

func TestDownImages(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": nil, "gone": nil})
	web := p.Services["web"]
	web.Image, web.Build = "", &types.BuildConfig{Context: "."}
	p.Services["web"] = web
	f.images["shop-web"] = true
	f.images["shop-old"] = true // built for a service no longer in the file
	s := New(Options{Engine: f})
	local, err := s.DownImages(ctx, "shop", p, RemoveImagesLocal)
	if err != nil || !slices.Equal(local, []string{"shop-web:latest"}) {
		t.Errorf("local: %q, %v", local, err)
	}
	all, err := s.DownImages(ctx, "shop", p, RemoveImagesAll)
	if err != nil || !slices.Equal(all, []string{"shop-web:latest", "busybox:latest"}) {
		t.Errorf("all: %q, %v", all, err)
	}
	if nofile, err := s.DownImages(ctx, "shop", nil, RemoveImagesLocal); err != nil || !slices.Equal(nofile, []string{"shop-old:latest", "shop-web:latest"}) {
		t.Errorf("without a file: %q, %v", nofile, err)
	}
	if _, err := s.DownImages(ctx, "shop", p, "some"); err == nil {
		t.Error("no error for --rmi some")
	}
	// busybox is in use by a container: a warning, not an error.
	if err := s.Up(ctx, p, UpOptions{Services: []string{"db"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveImages(ctx, []string{"shop-web", "busybox", "nosuch"}, false); err != nil {
		t.Errorf("remove: %v", err)
	}
	if f.images["shop-web"] || !f.images["busybox"] {
		t.Errorf("images left: %v", f.images)
	}
}

func TestRestartDependentsAndKillOrphans(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "app": {"db"}, "web": {"db"}, "old": nil})
	app := p.Services["app"]
	app.DependsOn["db"] = types.ServiceDependency{Condition: types.ServiceConditionStarted, Required: true, Restart: true}
	p.Services["app"] = app
	s := New(Options{Engine: f})
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(ctx, "shop", p, RestartOptions{Services: []string{"db"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("RestartContainer"); !slices.Equal(got, []string{"shop-db-1", "shop-app-1"}) {
		t.Errorf("restart db: %q, want db then its restart: true dependent app", got)
	}
	if err := s.Restart(ctx, "shop", p, RestartOptions{Services: []string{"db"}, NoDeps: true}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("RestartContainer")[2:]; !slices.Equal(got, []string{"shop-db-1"}) {
		t.Errorf("restart --no-deps db: %q", got)
	}

	// "old" is no longer in the file: an orphan.
	delete(p.Services, "old")
	if err := s.Kill(ctx, "shop", p, KillOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("StopContainer"); slices.Contains(got, "shop-old-1") || len(got) != 3 {
		t.Errorf("kill without --remove-orphans: %q", got)
	}
	if err := s.Kill(ctx, "shop", p, KillOptions{RemoveOrphans: true}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("StopContainer"); !slices.Contains(got, "shop-old-1") {
		t.Errorf("kill --remove-orphans: %q", got)
	}
}

func TestStartWait(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	f.health["db"] = "healthy"
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	s := New(Options{Engine: f})
	if err := s.Create(ctx, p, CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx, "shop", p, StartOptions{Wait: true}); err != nil {
		t.Fatalf("start --wait: %v", err)
	}
	f.health["web"] = "unhealthy"
	if err := s.Stop(ctx, "shop", p, StopOptions{}); err != nil {
		t.Fatal(err)
	}
	var werr *WaitError
	if err := s.Start(ctx, "shop", p, StartOptions{Wait: true}); !errors.As(err, &werr) {
		t.Errorf("start --wait with an unhealthy service: %v", err)
	}
}
