package stack

import "time"

// UpOptions tune Up.
type UpOptions struct {
	// Services selects what to start; empty means all. Their dependencies
	// are started too unless NoDeps.
	Services []string
	NoDeps   bool
	// Scale overrides the number of replicas per service.
	Scale map[string]int

	ForceRecreate      bool
	NoRecreate         bool
	AlwaysRecreateDeps bool
	RenewAnonVolumes   bool
	RemoveOrphans      bool
	NoStart            bool
	// Timeout is the stop timeout used when containers are replaced.
	Timeout *time.Duration
	// DryRun computes and reports the plan without changing anything.
	DryRun bool

	// Wait blocks until every started service is running and healthy.
	Wait        bool
	WaitTimeout time.Duration

	// Attach, when set, makes Up follow the services' logs after starting
	// them and stop the stack when ctx ends (a foreground up).
	Attach LogSink
	// Kill is closed to turn a graceful stop of a foreground up into a kill
	// (the second Ctrl-C).
	Kill <-chan struct{}
}

// DownOptions tune Down.
type DownOptions struct {
	Timeout       *time.Duration
	Volumes       bool
	RemoveOrphans bool
}

// PsOptions tune Ps.
type PsOptions struct {
	All      bool
	Services []string
}
