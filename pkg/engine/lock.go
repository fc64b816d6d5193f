package engine

import (
	"context"
	"errors"
	"time"
)

// Labels of the container that holds a project lock. It carries none of
// Compose's labels, so that no listing of a project's containers (stack
// ps, ls, down, docker compose) sees it.
const (
	// LabelLock is the project the lock is for.
	LabelLock         = "io.stack.lock"
	LabelLockHost     = "io.stack.lock.host"
	LabelLockBoot     = "io.stack.lock.boot"
	LabelLockPID      = "io.stack.lock.pid"
	LabelLockPIDStart = "io.stack.lock.pid-start"
	LabelLockCommand  = "io.stack.lock.command"
	LabelLockStarted  = "io.stack.lock.started"
	LabelLockToken    = "io.stack.lock.token"
)

// Locker is the engine side of project locks. A lock is one container per
// project, created under a fixed name and never started: the engine
// reserves a container name atomically, so of two concurrent creates
// exactly one succeeds (two creates of a network with one name both
// succeed on dockerd 20.10, and a volume create returns an existing
// volume). Its labels name the holder; its restart policy's retry count is
// the holder's heartbeat counter, the one setting of a container the
// engine lets a client change, which a container that never starts never
// uses. It needs no image.
type Locker interface {
	// CreateLock creates the lock of project for holder h; ErrConflict when
	// the project is locked already.
	CreateLock(ctx context.Context, project string, h LockHolder) (Lock, error)
	// InspectLock returns the lock of project; ErrNotFound when it is free.
	InspectLock(ctx context.Context, project string) (Lock, error)
	// BeatLock sets the heartbeat counter of the lock with ID id;
	// ErrNotFound when that lock is gone.
	BeatLock(ctx context.Context, id string, beat int) error
	// RemoveLock removes the lock with ID id, that one only: a lock taken
	// meanwhile by another holder has another ID. ErrNotFound when gone.
	RemoveLock(ctx context.Context, id string) error
	// WaitLockGone blocks until the lock with ID id is removed (nil) or ctx
	// ends (ctx's error).
	WaitLockGone(ctx context.Context, id string) error
}

// ErrLocksUnsupported is returned by CreateLock on an engine that cannot
// hold a lock: Podman creates no container without an image.
var ErrLocksUnsupported = errors.New("the engine cannot hold project locks")

// LockHolder says who holds a project lock.
type LockHolder struct {
	// Host is the holder's host name, Boot the boot ID of that host
	// (empty when unknown): a holder on this host, since its last boot, is
	// gone when its process is.
	Host string
	Boot string
	PID  int
	// PIDStart is when the process started, in the kernel's clock ticks
	// since boot: a PID reused by another process has another.
	PIDStart string
	// Command is what the holder runs, e.g. "stack up".
	Command string
	Started time.Time
	// Token is unique to one taking of the lock.
	Token string
}

// Lock is the lock of one project as the engine holds it.
type Lock struct {
	ID      string
	Project string
	Holder  LockHolder
	// Beat is the holder's heartbeat counter.
	Beat int
}

// LockName is the name of the container holding the lock of project.
func LockName(project string) string {
	return project + "-stack-lock"
}
