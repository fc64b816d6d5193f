package commands

import (
	"context"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/agent"
	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
	"github.com/stack-orchestrator/stack/pkg/ui"
)

// uiJobRuns is how many runs of each job the page shows.
const uiJobRuns = 10

// uiJobs gives stack ui the agent's view of schedules and job runs, read
// from the engine as stack jobs reads it, and runs a job now as stack jobs
// run does.
type uiJobs struct {
	eng      engine.Engine
	parallel int
	lock     *stack.LockOptions
}

var _ ui.Jobs = uiJobs{}

// Jobs lists p's scheduled and triggered services with their next tick and
// last runs.
func (j uiJobs) Jobs(ctx context.Context, p *types.Project) ([]ui.Job, error) {
	jobs, err := agent.Jobs(ctx, j.eng, p, time.Now(), uiJobRuns)
	if err != nil {
		return nil, err
	}
	out := make([]ui.Job, 0, len(jobs))
	for _, job := range jobs {
		v := ui.Job{Service: job.Service, Schedule: job.Schedule, Trigger: strings.Join(job.Triggers, "; "), Next: job.Next}
		v.Runs = []ui.JobRun{}
		for _, r := range job.Runs {
			run := ui.JobRun{Container: r.Container, Finished: r.Finished, ExitCode: r.ExitCode}
			if r.Started != nil {
				run.Started = *r.Started
			}
			v.Runs = append(v.Runs, run)
		}
		out = append(out, v)
	}
	return out, nil
}

// RunJob runs job service of p now, with its overlap rule.
func (j uiJobs) RunJob(ctx context.Context, p *types.Project, service string) error {
	st := stack.New(stack.Options{Engine: j.eng, Parallel: j.parallel, Lock: j.lock})
	_, err := st.RunJob(ctx, p, stack.JobRunOptions{Service: service, Trigger: stack.TriggerManual, Reason: "stack ui"})
	return err
}
