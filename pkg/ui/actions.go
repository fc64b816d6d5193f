package ui

import (
	"context"
	"fmt"
	"time"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Actions run one at a time per project, on the server's context rather
// than the request's: closing the page does not stop an up half way. Their
// progress events go to every page of the project.

// actionInfo describes a running or finished action.
type actionInfo struct {
	ID      uint64     `json:"id"`
	Verb    string     `json:"verb"`
	Service string     `json:"service,omitempty"`
	State   string     `json:"state"` // running, done, failed
	Error   string     `json:"error,omitempty"`
	Started time.Time  `json:"started"`
	Ended   *time.Time `json:"ended,omitempty"`
}

// errBusy is returned while another action of the project runs.
type errBusy struct{ a actionInfo }

func (e errBusy) Error() string {
	what := e.a.Verb
	if e.a.Service != "" {
		what += " " + e.a.Service
	}
	return fmt.Sprintf("busy: %s is running (action %d)", what, e.a.ID)
}

// act starts fn as the project's action, unless one runs.
func (h *hub) act(verb, service string, fn func(ctx context.Context, v Verbs) error) (actionInfo, error) {
	a := actionInfo{ID: h.s.nextActionID(), Verb: verb, Service: service, State: "running", Started: h.s.o.Now()}
	h.mu.Lock()
	if h.busy != nil {
		b := *h.busy
		h.mu.Unlock()
		return actionInfo{}, errBusy{b}
	}
	h.busy = &a
	h.mu.Unlock()
	id := a.ID
	sink := stack.SinkFunc(func(e stack.Event) {
		h.broadcast(message{Type: "progress", Action: &actionInfo{ID: id, Verb: verb, Service: service, State: "running"}, Event: &e})
	})
	started := h.s.spawn(func(ctx context.Context) {
		err := fn(ctx, h.s.o.Verbs(sink))
		end := h.s.o.Now()
		done := a
		done.Ended = &end
		done.State = "done"
		if err != nil {
			done.State, done.Error = "failed", err.Error()
		}
		h.mu.Lock()
		h.busy = nil
		h.mu.Unlock()
		h.broadcast(message{Type: "action", Action: &done})
		h.poke()
	})
	if !started {
		h.mu.Lock()
		h.busy = nil
		h.mu.Unlock()
		return actionInfo{}, fmt.Errorf("the server is stopping")
	}
	h.broadcast(message{Type: "action", Action: &a})
	return a, nil
}
