package ui

import (
	"context"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// Schedules and job runs (x-schedule, x-on) belong to the agent: the page
// shows them when Options.Jobs is set, and the API answers 404 for them
// otherwise.

// Jobs tells the schedules of a project and runs a job now.
type Jobs interface {
	Jobs(ctx context.Context, p *types.Project) ([]Job, error)
	RunJob(ctx context.Context, p *types.Project, service string) error
}

// Job is a service run on a schedule or a trigger.
type Job struct {
	Service  string `json:"service"`
	Schedule string `json:"schedule,omitempty"` // e.g. "0 3 * * *"
	Trigger  string `json:"trigger,omitempty"`  // e.g. "db healthy"
	Timezone string `json:"timezone,omitempty"`
	// Next is the next planned run; nil for a trigger.
	Next *time.Time `json:"next,omitempty"`
	Runs []JobRun   `json:"runs"` // the last ones, newest first
}

// JobRun is one run of a job.
type JobRun struct {
	Container string     `json:"container"`
	Started   time.Time  `json:"started"`
	Finished  *time.Time `json:"finished,omitempty"`
	ExitCode  *int       `json:"exitCode,omitempty"`
}
