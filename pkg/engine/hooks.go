// Lifecycle hooks (post_start, pre_stop) of a service, described as the
// execs that run them. Running them is the caller's: the execs go through
// Executor.Exec.

package engine

import (
	"fmt"
	"sort"

	"github.com/compose-spec/compose-go/v2/types"
)

// HookEvent is the moment a lifecycle hook runs at.
type HookEvent int

// The lifecycle events of a container that have hooks.
const (
	// PostStart hooks run in the container right after it starts; a
	// failing one fails the service's start, as in Compose.
	PostStart HookEvent = iota + 1
	// PreStop hooks run in the running container before it is stopped.
	PreStop
)

// String is the hook's key in a stack file.
func (e HookEvent) String() string {
	switch e {
	case PostStart:
		return "post_start"
	case PreStop:
		return "pre_stop"
	}
	return fmt.Sprintf("HookEvent(%d)", int(e))
}

// Hook is one lifecycle hook as the exec that runs it in a container of
// the service.
type Hook struct {
	Service string
	Event   HookEvent
	Index   int // position in the service's list
	// Exec is the process to run; the caller sets its Streams (Compose
	// shows the output as the service's log lines, prefixed "NAME ->").
	// Its TTY is the service's, as in Compose.
	Exec ExecRequest
}

// Key names the hook in errors and progress, e.g. "post_start[0]".
func (h Hook) Key() string { return fmt.Sprintf("%s[%d]", h.Event, h.Index) }

// ServiceHooks returns the hooks of s for event, in the order of the stack
// file. A hook without a command is an error naming service and key. A
// variable of the hook's environment without a value is passed by name,
// so the exec takes it from the container's environment.
func ServiceHooks(s types.ServiceConfig, event HookEvent) ([]Hook, error) {
	var list []types.ServiceHook
	switch event {
	case PostStart:
		list = s.PostStart
	case PreStop:
		list = s.PreStop
	default:
		return nil, fmt.Errorf("service %q: unknown hook event %d", s.Name, int(event))
	}
	hooks := make([]Hook, 0, len(list))
	for i, h := range list {
		hook := Hook{Service: s.Name, Event: event, Index: i}
		if len(h.Command) == 0 {
			return nil, fmt.Errorf("service %q: %s.command: a hook needs a command", s.Name, hook.Key())
		}
		env := make([]string, 0, len(h.Environment))
		for k, v := range h.Environment {
			if v == nil {
				env = append(env, k)
			} else {
				env = append(env, k+"="+*v)
			}
		}
		sort.Strings(env)
		if len(env) == 0 {
			env = nil
		}
		hook.Exec = ExecRequest{
			Cmd:        append([]string(nil), h.Command...),
			Env:        env,
			User:       h.User,
			WorkDir:    h.WorkingDir,
			Privileged: h.Privileged,
			TTY:        s.Tty,
		}
		hooks = append(hooks, hook)
	}
	return hooks, nil
}

// HookFailedError is the error of a hook that ran and ended with a
// non-zero exit code.
type HookFailedError struct {
	Hook     Hook
	ExitCode int
}

func (e *HookFailedError) Error() string {
	// The layer above names the service.
	return fmt.Sprintf("%s hook exited with status %d", e.Hook.Key(), e.ExitCode)
}
