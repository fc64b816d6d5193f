package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Every verb that changes a project (up, down, scale, start, stop,
// restart, kill, rm, pause, unpause, run) holds the project's lock while
// it observes, plans and changes, so two commands never act on one project
// at once, whichever machine they run on and whether they are stack or its
// agent. The lock lives on the engine (engine.Locker). Read-only verbs and
// dry runs never take it.

// Defaults of LockOptions.
const (
	DefaultLockHeartbeat  = 5 * time.Second
	DefaultLockStaleAfter = 30 * time.Second
)

// lockReleaseTimeout bounds the removal of a lock when its command ends,
// also after an interrupt.
const lockReleaseTimeout = 15 * time.Second

// lockLocalCheck is how often a waiter looks again at a holder on this
// host, which may end without releasing (SIGKILL) and send no event.
const lockLocalCheck = time.Second

// LockOptions say how the verbs of a Stack take project locks.
type LockOptions struct {
	// Command is what the holder runs, shown to whoever waits: "stack up".
	Command string
	// NoWait fails at once with a *LockedError when another holds the lock.
	NoWait bool
	// Heartbeat is how often the holder shows it is alive (default
	// DefaultLockHeartbeat); StaleAfter is how long a waiter watches a
	// holder on another host show no heartbeat before it takes the lock
	// over (default DefaultLockStaleAfter). A holder on this host is gone
	// as soon as its process is.
	Heartbeat  time.Duration
	StaleAfter time.Duration
}

// LockedError is returned when a project is locked by another command and
// the caller does not wait (NoWait).
type LockedError struct {
	Project string
	Holder  engine.LockHolder
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("project %q is locked by %s: run the command again when it is done, or without --no-wait-lock to wait for it",
		e.Project, describeHolder(e.Holder))
}

// describeHolder says who holds a lock: `"stack up" (pid 42 on host h since 12:00:01)`.
func describeHolder(h engine.LockHolder) string {
	cmd := h.Command
	if cmd == "" {
		cmd = "another command"
	}
	since := ""
	if !h.Started.IsZero() {
		since = " since " + h.Started.Local().Format(time.TimeOnly)
	}
	return fmt.Sprintf("%q (pid %d on host %s%s)", cmd, h.PID, h.Host, since)
}

// ProjectLock is a project lock taken with Stack.Lock.
type ProjectLock struct {
	once    sync.Once
	release func()
}

// Release gives the lock back; later calls do nothing.
func (l *ProjectLock) Release() { l.once.Do(l.release) }

// Lock takes the lock of project for as long as the caller needs it (the
// agent's whole run, say), waiting while another holds it unless the
// Stack's LockOptions say NoWait. While it is held, the Stack's own verbs
// on the project share it instead of waiting for it. It fails when the
// Stack was made without LockOptions or the engine cannot hold locks.
func (s *Stack) Lock(ctx context.Context, project string) (*ProjectLock, error) {
	if s.lockOpts == nil {
		return nil, fmt.Errorf("lock project %q: this stack takes no locks (no LockOptions)", project)
	}
	release, err := s.lock(ctx, project)
	if err != nil {
		return nil, err
	}
	return &ProjectLock{release: release}, nil
}

// lease is a project lock this Stack holds, shared by its users.
type lease struct {
	locker engine.Locker
	lock   engine.Lock
	refs   int
	stop   chan struct{}
	done   chan struct{}
}

// lock takes the lock of project for one verb and returns its release.
// Without LockOptions it takes nothing.
func (s *Stack) lock(ctx context.Context, project string) (func(), error) {
	if s.lockOpts == nil {
		return func() {}, nil
	}
	if l := s.share(project); l != nil {
		return s.releaser(ctx, project, l), nil
	}
	// One taking at a time, so that two verbs of this Stack never wait for
	// each other's lock.
	s.acquireMu.Lock()
	defer s.acquireMu.Unlock()
	if l := s.share(project); l != nil {
		return s.releaser(ctx, project, l), nil
	}
	l, err := s.acquire(ctx, project)
	if errors.Is(err, engine.ErrLocksUnsupported) {
		// Podman: the command runs as Compose's would, unlocked.
		s.emit(Event{Kind: KindProject, Name: project, Status: StatusWarning, Done: true,
			Text: "runs without the project lock: " + err.Error()})
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	l.refs = 1
	s.lockMu.Lock()
	if s.held == nil {
		s.held = map[string]*lease{}
	}
	s.held[project] = l
	s.lockMu.Unlock()
	go s.heartbeat(context.WithoutCancel(ctx), project, l)
	return s.releaser(ctx, project, l), nil
}

// share adds a user to the lease of project, if this Stack holds one.
func (s *Stack) share(project string) *lease {
	s.lockMu.Lock()
	defer s.lockMu.Unlock()
	l := s.held[project]
	if l != nil {
		l.refs++
	}
	return l
}

// releaser returns the release of one user of l: the last one ends the
// heartbeat and removes the lock, even after ctx ended (Ctrl-C).
func (s *Stack) releaser(ctx context.Context, project string, l *lease) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			s.lockMu.Lock()
			l.refs--
			last := l.refs == 0
			if last {
				delete(s.held, project)
			}
			s.lockMu.Unlock()
			if !last {
				return
			}
			close(l.stop)
			<-l.done
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockReleaseTimeout)
			defer cancel()
			if err := l.locker.RemoveLock(ctx, l.lock.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
				s.emit(Event{Kind: KindProject, Name: project, Status: StatusWarning, Done: true,
					Text: "the project lock was not released (the next command takes it over once this process is gone)", Error: err.Error()})
			}
		})
	}
}

// heartbeat counts up the lease's heartbeat until it is released, so that
// waiters on other hosts see the holder alive.
func (s *Stack) heartbeat(ctx context.Context, project string, l *lease) {
	defer close(l.done)
	t := time.NewTicker(s.lockHeartbeat())
	defer t.Stop()
	warned := false
	for beat := 1; ; beat++ {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		bctx, cancel := context.WithTimeout(ctx, s.lockHeartbeat())
		err := l.locker.BeatLock(bctx, l.lock.ID, beat)
		cancel()
		if errors.Is(err, engine.ErrNotFound) && !warned {
			warned = true
			s.emit(Event{Kind: KindProject, Name: project, Status: StatusWarning, Done: true,
				Text: "the project lock was removed by someone else while this command held it"})
		}
	}
}

// acquire creates the lock of project, waiting while a live holder has
// it and taking it over from a holder that is gone.
func (s *Stack) acquire(ctx context.Context, project string) (*lease, error) {
	locker, ok := s.engine.(engine.Locker)
	if !ok {
		return nil, fmt.Errorf("lock project %q: the engine cannot hold project locks", project)
	}
	me := s.holder()
	var seen staleness
	waiting := ""
	for {
		l, err := locker.CreateLock(ctx, project, me)
		if err == nil {
			if waiting != "" {
				s.emit(Event{Kind: KindProject, Name: project, Status: StatusLocked, Done: true})
			}
			return &lease{locker: locker, lock: l, stop: make(chan struct{}), done: make(chan struct{})}, nil
		}
		if !errors.Is(err, engine.ErrConflict) {
			return nil, err
		}
		cur, err := locker.InspectLock(ctx, project)
		if errors.Is(err, engine.ErrNotFound) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, err
		}
		local := sameProcessSpace(me, cur.Holder)
		if why := seen.gone(cur, local, s.now(), s.lockStaleAfter()); why != "" {
			s.emit(Event{Kind: KindProject, Name: project, Status: StatusWarning, Done: true,
				Text: "took over the lock of " + describeHolder(cur.Holder) + ": " + why})
			if err := locker.RemoveLock(ctx, cur.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
				return nil, err
			}
			continue
		}
		if s.lockOpts.NoWait {
			return nil, &LockedError{Project: project, Holder: cur.Holder}
		}
		if waiting != cur.Holder.Token {
			waiting = cur.Holder.Token
			s.emit(Event{Kind: KindProject, Name: project, Status: StatusWaiting, Text: "for the lock held by " + describeHolder(cur.Holder)})
		}
		// Until it is removed; look again now and then, for a holder that
		// ends without removing it.
		every := s.lockHeartbeat()
		if local {
			every = lockLocalCheck
		}
		wctx, cancel := context.WithTimeout(ctx, every)
		err = locker.WaitLockGone(wctx, cur.ID)
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
	}
}

// staleness follows the heartbeat of the holder of a lock a waiter waits
// for.
type staleness struct {
	token string
	beat  int
	since time.Time // when beat was first seen
}

// gone says why the holder of l is gone, or "" while it may be alive: a
// holder in this process space whose process ended, or one elsewhere whose
// heartbeat has not moved for stale.
func (st *staleness) gone(l engine.Lock, local bool, now time.Time, stale time.Duration) string {
	if local {
		if alive, known := processAlive(l.Holder.PID, l.Holder.PIDStart); known {
			if !alive {
				return fmt.Sprintf("its process (pid %d) has ended", l.Holder.PID)
			}
			return ""
		}
	}
	if st.token != l.Holder.Token || st.beat != l.Beat {
		*st = staleness{token: l.Holder.Token, beat: l.Beat, since: now}
		return ""
	}
	if now.Sub(st.since) >= stale {
		return fmt.Sprintf("no heartbeat for %s", stale)
	}
	return ""
}

func (s *Stack) lockHeartbeat() time.Duration {
	if s.lockOpts.Heartbeat > 0 {
		return s.lockOpts.Heartbeat
	}
	return DefaultLockHeartbeat
}

func (s *Stack) lockStaleAfter() time.Duration {
	if s.lockOpts.StaleAfter > 0 {
		return s.lockOpts.StaleAfter
	}
	return DefaultLockStaleAfter
}

// holder describes this process as the holder of a new lock.
func (s *Stack) holder() engine.LockHolder {
	host, _ := os.Hostname()
	pid := os.Getpid()
	start, _ := procStart(pid)
	token := make([]byte, 16)
	_, _ = rand.Read(token)
	return engine.LockHolder{
		Host:     host,
		Boot:     processSpace(),
		PID:      pid,
		PIDStart: start,
		Command:  s.lockOpts.Command,
		Started:  s.now(),
		Token:    hex.EncodeToString(token),
	}
}

// processSpace identifies where a PID means one process: the host's boot
// and the PID namespace. Empty when unknown (no /proc).
func processSpace() string {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(boot)) + " " + ns
}

// sameProcessSpace reports whether the holder h runs where this process
// can look its PID up: same host name, boot and PID namespace.
func sameProcessSpace(me, h engine.LockHolder) bool {
	return me.Boot != "" && me.Host == h.Host && me.Boot == h.Boot
}

// processAlive reports whether process pid, started at start (clock ticks
// since boot, "" for any), exists; known is false when it cannot be told.
func processAlive(pid int, start string) (alive, known bool) {
	if pid <= 0 {
		return false, false
	}
	got, err := procStart(pid)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return false, true
	case err != nil:
		return false, false
	}
	return start == "" || got == start, true
}

// procStart reads the start time of process pid from /proc/PID/stat (its
// 22nd field, after the command name in parentheses, which may hold
// spaces).
func procStart(pid int) (string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	// Fields after the name start with the 3rd (state).
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return "", fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return f[19], nil
}
