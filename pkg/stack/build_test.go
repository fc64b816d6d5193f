package stack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// withBuild gives services of p a build section; an image key is kept.
func withBuild(p *types.Project, image string, services ...string) {
	for _, name := range services {
		s := p.Services[name]
		s.Image = image
		s.Build = &types.BuildConfig{Context: "/src/" + name}
		p.Services[name] = s
	}
}

func TestBuildEachImageOnceWithComposeNames(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil, "worker": nil, "api": nil, "db": nil})
	withBuild(p, "", "web")
	withBuild(p, "shop/shared:1", "worker", "api")
	sink := &recordSink{}
	s := New(Options{Engine: f, Sink: sink})
	if err := s.Build(context.Background(), p, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	got := f.called("BuildImage")
	slices.Sort(got)
	if want := []string{"shop-web", "shop/shared:1"}; !slices.Equal(got, want) {
		t.Fatalf("built %v, want %v", got, want)
	}
	var lines, built int
	for _, e := range sink.events {
		if e.Kind != KindImage {
			t.Errorf("event of kind %q", e.Kind)
		}
		switch {
		case e.Status == StatusBuilding && e.Text == "Step 1/1 : FROM busybox":
			lines++
		case e.Status == StatusBuilt && e.Done:
			built++
		}
	}
	if lines != 2 || built != 2 {
		t.Errorf("%d build lines, %d built events: %+v", lines, built, sink.events)
	}
}

func TestBuildSelectedServicesAndFailure(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil, "db": nil})
	withBuild(p, "", "web")
	s := New(Options{Engine: f})
	ctx := context.Background()
	// A named service without a build section is skipped.
	if err := s.Build(ctx, p, BuildOptions{Services: []string{"db"}}); err != nil || len(f.called("BuildImage")) != 0 {
		t.Fatalf("err %v, builds %v", err, f.called("BuildImage"))
	}
	if err := s.Build(ctx, p, BuildOptions{Services: []string{"nope"}}); err == nil {
		t.Fatal("unknown service built")
	}
	f.fail["BuildImage shop-web"] = errors.New("The command '/bin/sh -c false' returned a non-zero code: 1")
	err := s.Build(ctx, p, BuildOptions{})
	if err == nil || !strings.Contains(err.Error(), `service "web"`) || !strings.Contains(err.Error(), "non-zero code") {
		t.Fatalf("err = %v", err)
	}
}

func TestEnsureImagesBuildsOnlyMissing(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil, "db": nil})
	withBuild(p, "", "web")
	s := New(Options{Engine: f})
	ctx := context.Background()
	if err := s.EnsureImages(ctx, p, nil, false); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureImages(ctx, p, nil, false); err != nil {
		t.Fatal(err)
	}
	if got := f.called("BuildImage"); !slices.Equal(got, []string{"shop-web"}) {
		t.Fatalf("builds %v, want one", got)
	}
	// build=true builds again; db has no build section and is present.
	if err := s.EnsureImages(ctx, p, nil, true); err != nil {
		t.Fatal(err)
	}
	if got := f.called("BuildImage"); len(got) != 2 {
		t.Fatalf("builds %v, want two", got)
	}
	if got := f.called("PullImage"); len(got) != 0 {
		t.Fatalf("pulled %v", got)
	}
}

func TestPrepareImagesPolicies(t *testing.T) {
	ctx := context.Background()
	t.Run("missing image is pulled", func(t *testing.T) {
		f := newFake()
		p := testProject("shop", map[string][]string{"db": nil})
		setImage(p, "db", "postgres:16", "")
		if err := New(Options{Engine: f}).PrepareImages(ctx, p, ImageOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := f.called("PullImage"); !slices.Equal(got, []string{"postgres:16"}) {
			t.Fatalf("pulled %v", got)
		}
	})
	t.Run("failed pull names service and image", func(t *testing.T) {
		f := newFake()
		f.fail["PullImage postgres:16"] = errors.New("dial tcp: lookup registry: no such host")
		p := testProject("shop", map[string][]string{"db": nil})
		setImage(p, "db", "postgres:16", "")
		err := New(Options{Engine: f}).PrepareImages(ctx, p, ImageOptions{})
		if !errors.Is(err, ErrImageMissing) {
			t.Fatalf("err = %v", err)
		}
		for _, want := range []string{`service "db"`, `"postgres:16"`, "docker tag", "build:"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%q lacks %q", err, want)
			}
		}
	})
	t.Run("never does not pull", func(t *testing.T) {
		f := newFake()
		p := testProject("shop", map[string][]string{"db": nil})
		setImage(p, "db", "postgres:16", types.PullPolicyNever)
		err := New(Options{Engine: f}).PrepareImages(ctx, p, ImageOptions{})
		if !errors.Is(err, ErrImageMissing) || len(f.called("PullImage")) != 0 {
			t.Fatalf("err = %v, pulls %v", err, f.called("PullImage"))
		}
	})
	t.Run("always pulls a present image", func(t *testing.T) {
		f := newFake()
		p := testProject("shop", map[string][]string{"db": nil})
		if err := New(Options{Engine: f}).PrepareImages(ctx, p, ImageOptions{Pull: "always"}); err != nil {
			t.Fatal(err)
		}
		if got := f.called("PullImage"); !slices.Equal(got, []string{"busybox"}) {
			t.Fatalf("pulled %v", got)
		}
	})
	t.Run("no-build with a missing built image", func(t *testing.T) {
		f := newFake()
		p := testProject("shop", map[string][]string{"web": nil})
		withBuild(p, "", "web")
		err := New(Options{Engine: f}).PrepareImages(ctx, p, ImageOptions{NoBuild: true})
		if !errors.Is(err, ErrImageMissing) || !strings.Contains(err.Error(), "stack build web") {
			t.Fatalf("err = %v", err)
		}
		if len(f.called("BuildImage"))+len(f.called("PullImage")) != 0 {
			t.Fatal("built or pulled")
		}
	})
	t.Run("invalid policy", func(t *testing.T) {
		p := testProject("shop", map[string][]string{"db": nil})
		if err := New(Options{Engine: newFake()}).PrepareImages(ctx, p, ImageOptions{Pull: "sometimes"}); err == nil {
			t.Fatal("accepted")
		}
	})
}

func setImage(p *types.Project, service, image, policy string) {
	s := p.Services[service]
	s.Image, s.PullPolicy = image, policy
	p.Services[service] = s
}

func TestPull(t *testing.T) {
	ctx := context.Background()
	p := testProject("shop", map[string][]string{"db": nil, "web": nil, "app": nil, "tool": nil})
	setImage(p, "db", "postgres:16", "")
	withBuild(p, "", "web")                 // built only: skipped
	withBuild(p, "shop/app:1", "app")       // buildable: a failed pull is a warning
	setImage(p, "tool", "busybox", "never") // never: skipped

	f := newFake()
	f.fail["PullImage shop/app:1"] = errors.New("no registry")
	sink := &recordSink{}
	if err := New(Options{Engine: f, Sink: sink}).Pull(ctx, p, PullOptions{}); err != nil {
		t.Fatal(err)
	}
	got := f.called("PullImage")
	slices.Sort(got)
	if want := []string{"postgres:16", "shop/app:1"}; !slices.Equal(got, want) {
		t.Fatalf("pulled %v, want %v", got, want)
	}
	warned := false
	for _, e := range sink.events {
		warned = warned || e.Status == StatusWarning && e.Service == "app"
	}
	if !warned {
		t.Errorf("no warning for app: %+v", sink.events)
	}

	// A failed pull of an image nothing can build is one clear error.
	f = newFake()
	f.fail["PullImage postgres:16"] = errors.New("no registry")
	err := New(Options{Engine: f}).Pull(ctx, p, PullOptions{Services: []string{"db"}})
	if !errors.Is(err, ErrImageMissing) || !strings.Contains(err.Error(), `service "db"`) || !strings.Contains(err.Error(), "docker tag") {
		t.Fatalf("err = %v", err)
	}
	if err := New(Options{Engine: f}).Pull(ctx, p, PullOptions{Services: []string{"db"}, IgnorePullFailures: true}); err != nil {
		t.Fatalf("ignored failure: %v", err)
	}

	// --policy missing skips present images.
	f = newFake()
	if err := New(Options{Engine: f}).Pull(ctx, p, PullOptions{Services: []string{"db"}, Policy: "missing"}); err != nil {
		t.Fatal(err)
	}
	if err := New(Options{Engine: f}).Pull(ctx, p, PullOptions{Services: []string{"db"}, Policy: "missing"}); err != nil {
		t.Fatal(err)
	}
	if got := f.called("PullImage"); len(got) != 1 {
		t.Fatalf("pulled %v, want once", got)
	}
}

func TestRunServiceOverrides(t *testing.T) {
	p := testProject("shop", map[string][]string{"web": nil})
	p.WorkingDir = "/proj"
	web := p.Services["web"]
	web.Environment = types.MappingWithEquals{"A": strPtr("1")}
	web.Ports = []types.ServicePortConfig{{Target: 80, Published: "8080"}}
	web.Restart = "always"
	p.Services["web"] = web
	svc, err := runService(p, web, RunOptions{
		Command: []string{"echo", "hi"}, Entrypoint: []string{}, Env: []string{"B=2", "A=3"},
		Volumes: []string{"./data:/data"}, Publish: []string{"9090:90"}, TTY: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(svc.Command, types.ShellCommand{"echo", "hi"}) || svc.Entrypoint == nil || len(svc.Entrypoint) != 0 {
		t.Errorf("command %v entrypoint %#v", svc.Command, svc.Entrypoint)
	}
	if *svc.Environment["A"] != "3" || *svc.Environment["B"] != "2" || *p.Services["web"].Environment["A"] != "1" {
		t.Errorf("environment %v (project's changed?)", svc.Environment)
	}
	if len(svc.Ports) != 1 || svc.Ports[0].Target != 90 || svc.Restart != "" || !svc.Tty {
		t.Errorf("ports %+v restart %q tty %v", svc.Ports, svc.Restart, svc.Tty)
	}
	if len(svc.Volumes) != 1 || svc.Volumes[0].Source != "/proj/data" {
		t.Errorf("volumes %+v", svc.Volumes)
	}
	if _, err := runService(p, web, RunOptions{Publish: []string{"x:y:z:w"}}); err == nil {
		t.Error("bad port accepted")
	}
}

func strPtr(s string) *string { return &s }

func TestRunOneOffExitCodeAndRemove(t *testing.T) {
	f := newFake()
	f.exit["job"] = 3
	p := testProject("shop", map[string][]string{"db": nil, "job": {"db"}})
	s := New(Options{Engine: f})
	var out strings.Builder
	name, err := s.Run(context.Background(), p, RunOptions{Service: "job", Remove: true, Streams: engine.Streams{Stdout: &out}})
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Code != 3 || exit.Err != nil {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasPrefix(name, "shop-job-run-") || len(name) != len("shop-job-run-")+12 {
		t.Errorf("name %q", name)
	}
	if got := f.called("StartContainer"); !slices.Equal(got, []string{"shop-db-1", name}) {
		t.Errorf("started %v", got)
	}
	if got := f.called("RemoveContainer"); !slices.Equal(got, []string{name}) {
		t.Errorf("removed %v", got)
	}
	if !strings.Contains(out.String(), "hello from "+name) {
		t.Errorf("output %q", out.String())
	}
	// The dependency container is still there and is not one-off.
	cs, _ := f.ListContainers(context.Background(), engine.Filter{Project: "shop", All: true})
	if len(cs) != 1 || cs[0].Name != "shop-db-1" || cs[0].OneOff {
		t.Errorf("left %+v", cs)
	}
}

func TestRunDetachedNoDeps(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "job": {"db"}})
	s := New(Options{Engine: f})
	name, err := s.Run(context.Background(), p, RunOptions{Service: "job", NoDeps: true, Detach: true, Name: "custom"})
	if err != nil || name != "custom" {
		t.Fatalf("name %q err %v", name, err)
	}
	cs, _ := f.ListContainers(context.Background(), engine.Filter{Project: "shop", All: true})
	if len(cs) != 1 || !cs[0].OneOff || cs[0].Labels[LabelSlug] == "" || len(f.called("AttachContainer")) != 0 {
		t.Fatalf("containers %+v", cs)
	}
}

// execFake makes every exec exit with code.
type execFake struct {
	*fakeEngine
	code int
}

func (e execFake) Exec(ctx context.Context, id string, r engine.ExecRequest) (int, error) {
	if _, err := e.fakeEngine.Exec(ctx, id, r); err != nil {
		return 0, err
	}
	return e.code, nil
}

func TestExec(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil})
	ctx := context.Background()
	s := New(Options{Engine: execFake{f, 7}})
	err := s.Exec(ctx, "shop", ExecOptions{Service: "web", Cmd: []string{"true"}})
	if err == nil || !strings.Contains(err.Error(), `service "web" is not running`) {
		t.Fatalf("err = %v", err)
	}
	if err := s.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	err = s.Exec(ctx, "shop", ExecOptions{Service: "web", Cmd: []string{"sh", "-c", "exit 7"}})
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Code != 7 {
		t.Fatalf("err = %v", err)
	}
	if got := f.called("Exec"); !slices.Equal(got, []string{"shop-web-1 sh -c exit 7"}) {
		t.Fatalf("exec %v", got)
	}
	if err := s.Exec(ctx, "shop", ExecOptions{Service: "web", Index: 2}); err == nil {
		t.Fatal("exec in a missing replica")
	}
	if err := New(Options{Engine: f}).Exec(ctx, "shop", ExecOptions{Service: "web", Cmd: []string{"true"}}); err != nil {
		t.Fatal(err)
	}
}

// hangingPull is an engine whose pulls never answer.
type hangingPull struct{ *fakeEngine }

func (hangingPull) PullImage(ctx context.Context, _ string, _ func(string)) error {
	<-ctx.Done()
	return fmt.Errorf("pull: %w", ctx.Err())
}

func TestPullIsBounded(t *testing.T) {
	s := New(Options{Engine: hangingPull{newFake()}})
	err := s.pullOne(context.Background(), "db", "postgres:16", 10*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "no answer from the registry within 10ms") {
		t.Fatalf("err = %v", err)
	}
}
