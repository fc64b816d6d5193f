package stack

// The vocabulary of plans and progress: what kind of object, what is done
// to it, what state it is reported in, what an operation waits for.

// ResourceKind is the kind of object an operation or event is about.
type ResourceKind string

// Resource kinds.
const (
	KindContainer ResourceKind = "container"
	KindNetwork   ResourceKind = "network"
	KindVolume    ResourceKind = "volume"
	KindImage     ResourceKind = "image"
	KindService   ResourceKind = "service"
	// KindProject is the project as a whole: its lock.
	KindProject ResourceKind = "project"
)

// OpKind is what an operation of a plan does to its resource.
type OpKind string

// Operation kinds.
const (
	// OpCreate creates a container, network or volume.
	OpCreate OpKind = "create"
	// OpRecreate creates a container's replacement under a temporary name
	// (its start op swaps it in), or removes a network and creates it again.
	OpRecreate OpKind = "recreate"
	// OpReplace removes the container a replacement replaces and gives the
	// replacement its name.
	OpReplace OpKind = "replace"
	OpStart   OpKind = "start"
	OpRestart OpKind = "restart"
	OpStop    OpKind = "stop"
	OpKill    OpKind = "kill"
	// OpRemove stops (when up) and removes a container, or removes a
	// network or volume.
	OpRemove  OpKind = "remove"
	OpPause   OpKind = "pause"
	OpUnpause OpKind = "unpause"
	// OpKeep leaves a container as it is: dependents still wait for it.
	OpKeep OpKind = "keep"
	// OpDisconnect and OpConnect move a container off a network that is
	// recreated and onto its new version.
	OpDisconnect OpKind = "disconnect"
	OpConnect    OpKind = "connect"
	// OpCheck makes sure an external network or volume exists.
	OpCheck OpKind = "check"
	// OpPull and OpBuild provide an image a new container needs.
	OpPull  OpKind = "pull"
	OpBuild OpKind = "build"
)

// changes reports whether an operation of this kind calls the engine to
// change something.
func (k OpKind) changes() bool {
	return k != OpKeep && k != OpCheck
}

// Condition is what an operation waits for of an operation it depends on:
// by default that it finished; for the start of a container, also that the
// container meets a depends_on condition.
type Condition string

// Conditions; the last three are Compose's depends_on conditions.
const (
	ConditionDone      Condition = ""
	ConditionStarted   Condition = "service_started"
	ConditionHealthy   Condition = "service_healthy"
	ConditionCompleted Condition = "service_completed_successfully"
)

// Status is the state of a resource in a progress event, in Compose's words.
type Status string

// Statuses.
const (
	StatusCreating     Status = "Creating"
	StatusCreated      Status = "Created"
	StatusStarting     Status = "Starting"
	StatusStarted      Status = "Started"
	StatusRunning      Status = "Running"
	StatusWaiting      Status = "Waiting"
	StatusHealthy      Status = "Healthy"
	StatusExited       Status = "Exited"
	StatusStopping     Status = "Stopping"
	StatusStopped      Status = "Stopped"
	StatusRemoving     Status = "Removing"
	StatusRemoved      Status = "Removed"
	StatusRecreate     Status = "Recreate"
	StatusRecreated    Status = "Recreated"
	StatusBuilding     Status = "Building"
	StatusBuilt        Status = "Built"
	StatusPulling      Status = "Pulling"
	StatusPulled       Status = "Pulled"
	StatusKilling      Status = "Killing"
	StatusKilled       Status = "Killed"
	StatusRestarting   Status = "Restarting"
	StatusPausing      Status = "Pausing"
	StatusPaused       Status = "Paused"
	StatusUnpausing    Status = "Unpausing"
	StatusUnpaused     Status = "Unpaused"
	StatusConnecting   Status = "Connecting"
	StatusConnected    Status = "Connected"
	StatusDisconnected Status = "Disconnected"
	StatusSkipped      Status = "Skipped"
	// StatusHook reports a line a lifecycle hook wrote.
	StatusHook  Status = "Hook"
	StatusError Status = "Error"
	// StatusCanceled is an operation that did not run, or was stopped,
	// because another failed or the engine went away: not a failure of its
	// own.
	StatusCanceled Status = "Canceled"
	// StatusLocked is the project lock taken after a wait.
	StatusLocked  Status = "Locked"
	StatusWarning Status = "Warning"
)

// Would is the status a dry run reports for an operation: "Would create".
func Would(k OpKind) Status {
	return Status("Would " + string(k))
}

// Cascade is what a foreground up does when a container it watches exits:
// Compose's --abort-on-container-exit and --abort-on-container-failure.
type Cascade int

// Cascade modes.
const (
	// CascadeNone keeps the others running: up returns once every watched
	// container has exited.
	CascadeNone Cascade = iota
	// CascadeStop stops the run when any watched container exits.
	CascadeStop
	// CascadeFail stops the run when a watched container exits with a
	// code other than 0.
	CascadeFail
)
