package stack

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// has reports whether the sink saw status for the container called name.
func (r *recordSink) has(name string, status Status) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e.Name == name && e.Status == status {
			return true
		}
	}
	return false
}

func TestWaitReturnsOnceHealthy(t *testing.T) {
	f := newCIFake()
	f.health["db"] = "starting"
	// The probe passes only after the wait has inspected db: the event
	// stream must carry the news.
	f.afterInspect = func(name string) {
		if name == "shop-db-1" {
			f.setHealth(name, "healthy")
		}
	}
	p := testProject("shop", map[string][]string{"db": nil, "web": nil})
	sink := &recordSink{}
	if err := New(Options{Engine: f, Sink: sink}).Up(context.Background(), p, UpOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"shop-db-1", "shop-web-1"} {
		if !sink.has(name, StatusWaiting) || !sink.has(name, StatusHealthy) {
			t.Errorf("%s: want Waiting then Healthy events", name)
		}
		if n := f.inspected(name); n != 1 {
			t.Errorf("%s inspected %d times, want once", name, n)
		}
	}
}

func TestWaitUnhealthyReportsHealthOutputAndLogs(t *testing.T) {
	f := newCIFake()
	f.health["db"] = "unhealthy"
	f.healthOutput["shop-db-1"] = "wget: can't connect to remote host: Connection refused\n"
	p := testProject("shop", map[string][]string{"db": nil, "web": nil})
	err := New(Options{Engine: f}).Up(context.Background(), p, UpOptions{Wait: true})
	var werr *WaitError
	if !errors.As(err, &werr) {
		t.Fatalf("err = %v, want a *WaitError", err)
	}
	if len(werr.NotReady) != 1 {
		t.Fatalf("not ready = %+v, want db only", werr.NotReady)
	}
	db := werr.NotReady[0]
	if db.Service != "db" || !db.Failed || db.Reason != "is unhealthy" || db.Health != "unhealthy" || db.State != "running" {
		t.Fatalf("db = %+v", db)
	}
	if len(db.Logs) != reportLogLines || db.Logs[reportLogLines-1] != "shop-db-1 line 30" {
		t.Fatalf("logs = %q, want the last %d lines", db.Logs, reportLogLines)
	}
	msg := err.Error()
	for _, want := range []string{
		`service "db" is not ready: container shop-db-1 is unhealthy`,
		"last health check output:\n    wget: can't connect to remote host: Connection refused",
		"shop-db-1 line 11", "shop-db-1 line 30",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "shop-db-1 line 10\n") {
		t.Errorf("message has more than %d log lines:\n%s", reportLogLines, msg)
	}
}

func TestWaitTimeoutNamesWhatIsNotReady(t *testing.T) {
	f := newCIFake()
	f.health["db"] = "starting"
	p := testProject("shop", map[string][]string{"db": nil, "web": nil})
	err := New(Options{Engine: f}).Up(context.Background(), p, UpOptions{Wait: true, WaitTimeout: time.Millisecond})
	var werr *WaitError
	if !errors.As(err, &werr) {
		t.Fatalf("err = %v, want a *WaitError", err)
	}
	if werr.Timeout != time.Millisecond || len(werr.NotReady) != 1 || werr.NotReady[0].Service != "db" || werr.NotReady[0].Failed {
		t.Fatalf("err = %+v", werr)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, `application not ready after 1ms: service "db" not ready`) {
		t.Fatalf("message = %s", msg)
	}
}

func TestWaitInitJobs(t *testing.T) {
	for _, tc := range []struct {
		name     string
		services map[string][]string
		exit     map[string]int
		failed   string // service named as failed; "" for success
		reason   string
	}{
		{name: "completed init job is ready",
			services: map[string][]string{"migrate": nil, "web": {"migrate:done"}},
			exit:     map[string]int{"migrate": 0}},
		{name: "failed init job",
			services: map[string][]string{"migrate": nil, "web": {"migrate:done"}},
			exit:     map[string]int{"migrate": 1},
			failed:   "migrate", reason: "exited with code 1"},
		{name: "exited service",
			services: map[string][]string{"worker": nil, "web": nil},
			exit:     map[string]int{"worker": 3},
			failed:   "worker", reason: "exited with code 3"},
		// As in Compose: a one-shot that nothing waits for must keep running.
		{name: "one-shot no service waits for",
			services: map[string][]string{"job": nil, "web": nil},
			exit:     map[string]int{"job": 0},
			failed:   "job", reason: "exited with code 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCIFake()
			for svc, code := range tc.exit {
				f.exit[svc] = code
			}
			sink := &recordSink{}
			err := New(Options{Engine: f, Sink: sink}).Up(context.Background(), testProject("shop", tc.services), UpOptions{Wait: true})
			if tc.failed == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !sink.has("shop-migrate-1", StatusExited) {
					t.Fatal("no Exited event for the init job")
				}
				return
			}
			var werr *WaitError
			if !errors.As(err, &werr) {
				t.Fatalf("err = %v, want a *WaitError", err)
			}
			if len(werr.NotReady) != 1 || werr.NotReady[0].Service != tc.failed || !strings.HasPrefix(werr.NotReady[0].Reason, tc.reason) {
				t.Fatalf("not ready = %+v, want %s: %s", werr.NotReady, tc.failed, tc.reason)
			}
			if !strings.Contains(err.Error(), "shop-"+tc.failed+"-1") || !strings.Contains(err.Error(), `service "`+tc.failed+`"`) {
				t.Fatalf("message does not name %s:\n%s", tc.failed, err)
			}
		})
	}
}

func TestWaitCancelledReturnsContextError(t *testing.T) {
	f := newCIFake()
	f.health["db"] = "starting"
	ctx, cancel := context.WithCancel(context.Background())
	s := New(Options{Engine: f, Sink: SinkFunc(func(e Event) {
		if e.Status == StatusWaiting {
			cancel()
		}
	})})
	err := s.Up(ctx, testProject("shop", map[string][]string{"db": nil}), UpOptions{Wait: true})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want canceled", err)
	}
}

// A service that has "attach: false" is not watched.
func noAttach(p *types.Project, service string) {
	s := p.Services[service]
	no := false
	s.Attach = &no
	p.Services[service] = s
}
