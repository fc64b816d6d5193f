package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// fakeJobs answers with one job and records runs.
type fakeJobs struct {
	mu   sync.Mutex
	runs []string
}

func (f *fakeJobs) Jobs(_ context.Context, p *types.Project) ([]Job, error) {
	next := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	return []Job{{Service: "backup", Schedule: `run "0 3 * * *"`, Next: &next, Runs: []JobRun{{Container: p.Name + "-backup-run-1"}}}}, nil
}

func (f *fakeJobs) RunJob(_ context.Context, p *types.Project, service string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runs = append(f.runs, p.Name+"/"+service)
	return nil
}

func TestJobsOfTheProjectAndRunNow(t *testing.T) {
	jobs := &fakeJobs{}
	ts, _ := newTestServer(t, Options{Jobs: jobs})
	auth := map[string]string{"X-Stack-Token": testToken}
	code, body := do(t, ts, "GET", "/api/p/shop/jobs", auth, "")
	if code != 200 || !strings.Contains(body, `"service":"backup"`) || !strings.Contains(body, "shop-backup-run-1") {
		t.Fatalf("jobs: %d %s", code, body)
	}
	post := map[string]string{"X-Stack-Token": testToken, "Origin": ts.URL}
	if code, body := do(t, ts, "POST", "/api/p/shop/jobs/backup/run", post, ""); code != 202 {
		t.Fatalf("run: %d %s", code, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		jobs.mu.Lock()
		n := len(jobs.runs)
		jobs.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job was not run")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if jobs.runs[0] != "shop/backup" {
		t.Fatalf("runs %v", jobs.runs)
	}
}
