package stack

import (
	"context"
	"fmt"
	"sync"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// fakeLocks is the engine.Locker part of the fake engine: one lock per
// project, a create that fails when taken, as a container name does.
type fakeLocks struct {
	mu    sync.Mutex
	seq   int
	locks map[string]engine.Lock // by project
	// gone is closed and replaced whenever a lock is removed.
	gone chan struct{}
	// creates counts CreateLock calls that succeeded.
	creates int
}

// lockingFake is the fake engine with project locks.
type lockingFake struct {
	*fakeEngine
	fakeLocks
}

func newLockingFake() *lockingFake {
	return &lockingFake{fakeEngine: newFake(), fakeLocks: fakeLocks{locks: map[string]engine.Lock{}, gone: make(chan struct{})}}
}

var _ engine.Locker = (*lockingFake)(nil)

func (f *fakeLocks) CreateLock(_ context.Context, project string, h engine.LockHolder) (engine.Lock, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.locks[project]; ok {
		return engine.Lock{}, fmt.Errorf("lock project %q: %w", project, engine.ErrConflict)
	}
	f.seq++
	f.creates++
	l := engine.Lock{ID: fmt.Sprintf("lock%d", f.seq), Project: project, Holder: h}
	f.locks[project] = l
	return l, nil
}

func (f *fakeLocks) InspectLock(_ context.Context, project string) (engine.Lock, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.locks[project]
	if !ok {
		return engine.Lock{}, fmt.Errorf("lock of %q: %w", project, engine.ErrNotFound)
	}
	return l, nil
}

func (f *fakeLocks) BeatLock(_ context.Context, id string, beat int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for p, l := range f.locks {
		if l.ID == id {
			l.Beat = beat
			f.locks[p] = l
			return nil
		}
	}
	return fmt.Errorf("lock %q: %w", id, engine.ErrNotFound)
}

func (f *fakeLocks) RemoveLock(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for p, l := range f.locks {
		if l.ID == id {
			delete(f.locks, p)
			close(f.gone)
			f.gone = make(chan struct{})
			return nil
		}
	}
	return fmt.Errorf("lock %q: %w", id, engine.ErrNotFound)
}

func (f *fakeLocks) WaitLockGone(ctx context.Context, id string) error {
	for {
		f.mu.Lock()
		present := false
		for _, l := range f.locks {
			present = present || l.ID == id
		}
		gone := f.gone
		f.mu.Unlock()
		if !present {
			return nil
		}
		select {
		case <-gone:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// held returns the lock of project, if any.
func (f *fakeLocks) held(project string) (engine.Lock, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.locks[project]
	return l, ok
}

// put installs a lock as another process would have taken it.
func (f *fakeLocks) put(project string, h engine.LockHolder) engine.Lock {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	l := engine.Lock{ID: fmt.Sprintf("lock%d", f.seq), Project: project, Holder: h}
	f.locks[project] = l
	return l
}
