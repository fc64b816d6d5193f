package engine

// State is a container's state as the engine reports it.
type State string

// The states of a container.
const (
	StateCreated    State = "created"
	StateRunning    State = "running"
	StatePaused     State = "paused"
	StateRestarting State = "restarting"
	StateRemoving   State = "removing"
	StateExited     State = "exited"
	StateDead       State = "dead"
)

// Up reports whether the container has a process: running, paused or
// restarting. A container that is up holds its network endpoints and
// counts as started for its dependents.
func (s State) Up() bool {
	return s == StateRunning || s == StatePaused || s == StateRestarting
}

// Stopped reports whether the container can be started: created, or exited
// or dead after a run.
func (s State) Stopped() bool {
	return s == StateCreated || s == StateExited || s == StateDead
}

// Health values of a container with a healthcheck.
const (
	HealthStarting  = "starting"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)
