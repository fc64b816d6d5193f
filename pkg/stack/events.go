package stack

import (
	"context"
	"strings"
	"time"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// ContainerEvent is a container event of the engine, as stack events shows
// it. Its JSON form is Compose's.
type ContainerEvent struct {
	Time       time.Time         `json:"time"`
	Type       string            `json:"type"` // always "container"
	Action     string            `json:"action"`
	ID         string            `json:"id"`
	Service    string            `json:"service"`
	Attributes map[string]string `json:"attributes"`
}

// eventAttributes are the engine's event attributes worth showing: the
// others are the container's labels.
var eventAttributes = []string{"name", "image", "exitCode", "signal", "execID"}

// EventsOptions tune EventsRange.
type EventsOptions struct {
	// Services selects whose events to show; empty means all.
	Services []string
	// Since replays the events from then on; Until ends the stream then
	// (RFC 3339, a Unix timestamp, or a duration before now such as
	// "10m").
	Since, Until string
}

// Events calls fn for every container event of the services (all when
// empty) of project, until ctx ends (nil then) or fn or the engine fails.
func (s *Stack) Events(ctx context.Context, project string, services []string, fn func(ContainerEvent) error) error {
	return s.EventsRange(ctx, project, EventsOptions{Services: services}, fn)
}

// EventsRange is Events bounded in time: past events from o.Since, and
// the end, nil, once o.Until has passed.
func (s *Stack) EventsRange(ctx context.Context, project string, o EventsOptions, fn func(ContainerEvent) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, errs := s.engine.Events(ctx, engine.Filter{Project: project, Services: o.Services, Since: o.Since, Until: o.Until})
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				if err := <-errs; err != nil && ctx.Err() == nil {
					return err
				}
				return nil
			}
			if err := fn(containerEvent(ev)); err != nil {
				return err
			}
		}
	}
}

func containerEvent(ev engine.Event) ContainerEvent {
	attrs := map[string]string{}
	for _, k := range eventAttributes {
		if v, ok := ev.Attribute[k]; ok {
			attrs[k] = v
		}
	}
	if _, ok := attrs["name"]; !ok && ev.Name != "" {
		attrs["name"] = ev.Name
	}
	// "exec_start: sh -c ..." is the action and its command.
	action, _, _ := strings.Cut(ev.Action, ": ")
	if strings.HasPrefix(ev.Action, "health_status") {
		action = ev.Action
	}
	return ContainerEvent{Time: ev.Time, Type: "container", Action: action, ID: ev.ID, Service: ev.Service, Attributes: attrs}
}
