package stack

import (
	"fmt"
	"sync"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// DefaultParallel bounds concurrent engine calls when the caller sets none.
// The engine serialises much of its own work; more than this only queues.
const DefaultParallel = 16

// Options configure a Stack.
type Options struct {
	Engine engine.Engine
	// Sink receives progress events; nil discards them.
	Sink Sink
	// Parallel bounds concurrent engine calls of every step; <= 0 uses
	// DefaultParallel.
	Parallel int
	// Now is the clock used for event times; nil uses time.Now.
	Now func() time.Time
	// Lock, when set, makes every verb that changes a project hold the
	// project's lock on the engine while it does (lock.go); nil takes no
	// lock.
	Lock *LockOptions
}

// Stack runs the verbs against one engine.
type Stack struct {
	engine   engine.Engine
	sink     Sink
	parallel int
	now      func() time.Time

	lockOpts *LockOptions
	// acquireMu makes this Stack take one lock at a time; lockMu guards
	// held, the locks it holds by project.
	acquireMu sync.Mutex
	lockMu    sync.Mutex
	held      map[string]*lease
}

// New returns a Stack for o.
func New(o Options) *Stack {
	s := &Stack{engine: o.Engine, sink: o.Sink, parallel: o.Parallel, now: o.Now, lockOpts: o.Lock}
	if s.sink == nil {
		s.sink = Discard
	}
	if s.parallel <= 0 {
		s.parallel = DefaultParallel
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// emit sends an event stamped with the stack's clock.
func (s *Stack) emit(e Event) {
	e.Time = s.now()
	s.sink.Event(e)
}

// ExitError carries the exit code a command should end with.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }
