package stack

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
)

// logRecorder is a LogSink that keeps lines and can act on the first one.
type logRecorder struct {
	mu      sync.Mutex
	lines   []LogLine
	onFirst func()
}

func (r *logRecorder) Log(l LogLine) {
	r.mu.Lock()
	first := len(r.lines) == 0
	r.lines = append(r.lines, l)
	r.mu.Unlock()
	if first && r.onFirst != nil {
		r.onFirst()
	}
}

func (r *logRecorder) services() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, l := range r.lines {
		if !slices.Contains(out, l.Service) {
			out = append(out, l.Service)
		}
	}
	slices.Sort(out)
	return out
}

// exitCode returns the code an *ExitError carries, 0 for nil, -1 otherwise.
func exitCode(err error) int {
	var ee *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.Code
	}
	return -1
}

func TestAttachAbortOnExitStopsOthersDependentsFirst(t *testing.T) {
	f := newCIFake()
	f.exit["tests"] = 0
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}, "tests": {"web"}})
	logs := &logRecorder{}
	err := New(Options{Engine: f, Parallel: 1}).Up(context.Background(), p, UpOptions{Attach: logs, Cascade: CascadeStop})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.called("StopContainer"); !slices.Equal(got, []string{"shop-web-1", "shop-db-1"}) {
		t.Fatalf("stops = %v, want web then db", got)
	}
	if got := logs.services(); !slices.Equal(got, []string{"db", "tests", "web"}) {
		t.Fatalf("logs of %v, want every service", got)
	}
}

func TestAttachExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		services map[string][]string
		exit     map[string]int
		opts     UpOptions
		want     int
		stopped  []string
	}{
		{name: "exit-code-from passes",
			services: map[string][]string{"web": nil, "tests": {"web"}},
			exit:     map[string]int{"tests": 0},
			opts:     UpOptions{ExitCodeFrom: "tests"},
			want:     0, stopped: []string{"shop-web-1"}},
		{name: "exit-code-from fails",
			services: map[string][]string{"web": nil, "tests": {"web"}},
			exit:     map[string]int{"tests": 1},
			opts:     UpOptions{ExitCodeFrom: "tests"},
			want:     1, stopped: []string{"shop-web-1"}},
		{name: "exit-code-from a container another one stopped",
			services: map[string][]string{"flaky": nil, "tests": nil},
			exit:     map[string]int{"flaky": 2},
			opts:     UpOptions{ExitCodeFrom: "tests"},
			want:     143, stopped: []string{"shop-tests-1"}},
		{name: "abort on exit returns the first code",
			services: map[string][]string{"web": nil, "bad": nil},
			exit:     map[string]int{"bad": 4},
			opts:     UpOptions{Cascade: CascadeStop},
			want:     4, stopped: []string{"shop-web-1"}},
		{name: "abort on failure ignores a success",
			services: map[string][]string{"job": nil, "bad": nil, "web": nil},
			exit:     map[string]int{"job": 0, "bad": 3},
			opts:     UpOptions{Cascade: CascadeFail},
			want:     3, stopped: []string{"shop-web-1"}},
		{name: "abort on failure with exit-code-from",
			services: map[string][]string{"job": nil, "tests": nil},
			exit:     map[string]int{"job": 0, "tests": 0},
			opts:     UpOptions{Cascade: CascadeFail, ExitCodeFrom: "tests"},
			want:     0},
		{name: "no abort: the run ends when every container has",
			services: map[string][]string{"a": nil, "b": nil},
			exit:     map[string]int{"a": 5, "b": 0},
			want:     0},
		// As in Compose: only the named services are watched.
		{name: "named service",
			services: map[string][]string{"web": nil, "tests": {"web"}},
			exit:     map[string]int{"tests": 6},
			opts:     UpOptions{Services: []string{"tests"}, Cascade: CascadeStop},
			want:     6, stopped: []string{"shop-web-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCIFake()
			for svc, code := range tc.exit {
				f.exit[svc] = code
			}
			o := tc.opts
			o.Attach = &logRecorder{}
			err := New(Options{Engine: f}).Up(context.Background(), testProject("shop", tc.services), o)
			if got := exitCode(err); got != tc.want {
				t.Fatalf("err = %v (code %d), want code %d", err, got, tc.want)
			}
			// A container that exited may be stopped too, harmlessly.
			stops := f.called("StopContainer")
			for _, name := range tc.stopped {
				if !slices.Contains(stops, name) {
					t.Fatalf("stopped %v, want %v among them", stops, name)
				}
			}
			if len(tc.stopped) == 0 && len(stops) > 0 {
				t.Fatalf("stopped %v, want none", stops)
			}
		})
	}
}

func TestAttachSets(t *testing.T) {
	services := map[string][]string{"db": nil, "migrate": {"db"}, "web": {"db", "migrate:done"}, "tests": {"web"}}
	for _, tc := range []struct {
		name          string
		opts          UpOptions
		quiet         string // a service with attach: false
		follow, watch []string
	}{
		{name: "default", follow: []string{"db", "migrate", "tests", "web"}, watch: []string{"db", "migrate", "tests", "web"}},
		{name: "attach false", quiet: "migrate",
			follow: []string{"db", "tests", "web"}, watch: []string{"db", "tests", "web"}},
		{name: "named service", opts: UpOptions{Services: []string{"tests"}},
			follow: []string{"tests"}, watch: []string{"tests"}},
		{name: "attach dependencies", opts: UpOptions{Services: []string{"tests"}, AttachDependencies: true},
			follow: []string{"db", "migrate", "tests", "web"}, watch: []string{"tests"}},
		{name: "attach", opts: UpOptions{AttachTo: []string{"web"}},
			follow: []string{"web"}, watch: []string{"web"}},
		{name: "no attach", opts: UpOptions{NoAttach: []string{"db", "migrate"}},
			follow: []string{"tests", "web"}, watch: []string{"tests", "web"}},
		{name: "exit code from is watched", opts: UpOptions{AttachTo: []string{"web"}, ExitCodeFrom: "tests"},
			follow: []string{"web"}, watch: []string{"tests", "web"}},
		{name: "nothing followed", opts: UpOptions{NoAttach: []string{"db", "migrate", "web", "tests"}},
			follow: nil, watch: []string{"db", "migrate", "tests", "web"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testProject("shop", services)
			if tc.quiet != "" {
				noAttach(p, tc.quiet)
			}
			run := &running{project: p}
			for _, name := range sortedKeys(p.Services) {
				run.members = append(run.members, member{service: name, number: 1, name: "shop-" + name + "-1", id: name})
			}
			follow, watch := attachSets(run, tc.opts)
			services := func(m map[string]bool) []string {
				var out []string
				for name, ok := range m {
					if ok {
						out = append(out, strings.TrimSuffix(strings.TrimPrefix(name, "shop-"), "-1"))
					}
				}
				slices.Sort(out)
				return out
			}
			if got := services(follow); !slices.Equal(got, tc.follow) {
				t.Errorf("followed %v, want %v", got, tc.follow)
			}
			if got := services(watch); !slices.Equal(got, tc.watch) {
				t.Errorf("watched %v, want %v", got, tc.watch)
			}
		})
	}
}

func TestAttachInterruptStopsGracefullyOrKills(t *testing.T) {
	for _, kill := range []bool{false, true} {
		f := newCIFake()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		killCh := make(chan struct{})
		if kill {
			close(killCh)
		}
		sink := &recordSink{}
		logs := &logRecorder{onFirst: cancel}
		p := testProject("shop", map[string][]string{"web": nil})
		err := New(Options{Engine: f, Sink: sink}).Up(ctx, p, UpOptions{Attach: logs, Kill: killCh})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("kill=%v: err = %v, want canceled", kill, err)
		}
		if got := f.called("StopContainer"); len(got) == 0 || got[0] != "shop-web-1" {
			t.Fatalf("kill=%v: stops = %v", kill, got)
		}
		if sink.has("shop-web-1", StatusKilled) != kill {
			t.Fatalf("kill=%v: Killed event = %v", kill, !kill)
		}
	}
}
