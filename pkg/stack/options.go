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
	// IgnoreOrphans keeps quiet about orphans (COMPOSE_IGNORE_ORPHANS).
	IgnoreOrphans bool
	NoStart       bool
	// Restart maps the IDs of running containers to restart to why, in
	// the user's words ("unhealthy", "dependency db restarted"): each is
	// restarted once its dependencies meet their conditions, as a
	// dependent of a recreated restart: true dependency is (the agent's
	// supervision).
	Restart map[string]string
	// Timeout is the stop timeout used when containers are replaced.
	Timeout *time.Duration
	// DryRun computes and reports the plan without changing anything.
	DryRun bool

	// Build builds images of services with a build section before starting;
	// NoBuild never builds, and a missing image is an error.
	Build   bool
	NoBuild bool
	// Pull is the pull policy override: "", "always", "missing", "never".
	Pull string

	// Wait blocks until every started service is running and healthy.
	Wait        bool
	WaitTimeout time.Duration

	// Attach, when set, makes Up follow the services' logs after starting
	// them and stop the stack when ctx ends (a foreground up).
	Attach LogSink
	// Kill is closed to turn a graceful stop of a foreground up into a kill
	// (the second Ctrl-C).
	Kill <-chan struct{}

	// AttachTo restricts a foreground up to the logs of these services
	// (--attach). When empty, the services named in Services are followed
	// (all services when none is named), with their dependencies when
	// AttachDependencies, except those with "attach: false" in the file.
	AttachTo           []string
	AttachDependencies bool
	// NoAttach are services whose logs are not followed (--no-attach).
	NoAttach []string
	// Cascade is what a foreground up does when a watched container exits
	// (--abort-on-container-exit: CascadeStop; --abort-on-container-failure:
	// CascadeFail): the other containers of the run are then stopped. The
	// watched containers are those of Services, or of the followed services
	// when Services is empty.
	Cascade Cascade
	// ExitCodeFrom names the service whose container's exit code a
	// foreground up returns (--exit-code-from); its container is watched
	// too.
	ExitCodeFrom string
}

// DownOptions tune Down.
type DownOptions struct {
	Timeout       *time.Duration
	Volumes       bool
	RemoveOrphans bool
	// DryRun reports the plan and changes nothing.
	DryRun bool
}

// PsOptions tune Ps.
type PsOptions struct {
	All      bool
	Services []string
}
