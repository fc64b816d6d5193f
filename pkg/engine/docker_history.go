// The past of a project's containers as Docker remembers it: start and
// health probe times from an inspect, and the events the engine still
// holds. Not part of Engine: a view such as stack ui's timeline asks for it
// when the engine has it (see History).

package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/events"
)

// History is implemented by engines that can tell what happened to a
// container before the caller started watching.
type History interface {
	// ContainerHistory returns the times of the container's current run
	// and its recent health probes.
	ContainerHistory(ctx context.Context, id string) (ContainerHistory, error)
	// PastEvents returns the container events of f.Project between since
	// and until that the engine still holds (Docker keeps a few hundred,
	// for every project together), oldest first.
	PastEvents(ctx context.Context, f Filter, since, until time.Time) ([]Event, error)
}

// ContainerHistory is the recorded past of one container.
type ContainerHistory struct {
	Created    time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	ExitCode   int
	Running    bool
	Health     string
	// Probes are the last health probes the engine kept (Docker: five),
	// oldest first.
	Probes []HealthProbe
}

// HealthProbe is one run of a container's healthcheck.
type HealthProbe struct {
	Start, End time.Time
	ExitCode   int
}

var _ History = (*Docker)(nil)

// ContainerHistory inspects the container once.
func (d *Docker) ContainerHistory(ctx context.Context, id string) (ContainerHistory, error) {
	c, err := d.cli.ContainerInspect(ctx, id)
	if err != nil {
		return ContainerHistory{}, d.wrap(fmt.Sprintf("inspect container %q", id), err)
	}
	h := ContainerHistory{Created: parseTime(c.Created)}
	if s := c.State; s != nil {
		h.StartedAt = parseTime(s.StartedAt)
		h.FinishedAt = parseTime(s.FinishedAt)
		h.ExitCode = s.ExitCode
		h.Running = s.Running
		if s.Health != nil {
			h.Health = s.Health.Status
			for _, p := range s.Health.Log {
				if p != nil {
					h.Probes = append(h.Probes, HealthProbe{Start: p.Start, End: p.End, ExitCode: p.ExitCode})
				}
			}
		}
	}
	return h, nil
}

// PastEvents reads the engine's event log between since and until; the
// stream ends by itself at until.
func (d *Docker) PastEvents(ctx context.Context, f Filter, since, until time.Time) ([]Event, error) {
	op := fmt.Sprintf("past events of project %q", f.Project)
	if _, err := d.versionFor(ctx, op); err != nil {
		return nil, err
	}
	args := projectFilter(f)
	args.Add("type", string(events.ContainerEventType))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs, errs := d.cli.Events(ctx, events.ListOptions{Filters: args, Since: unixNano(since), Until: unixNano(until)})
	var out []Event
	for {
		select {
		case m := <-msgs:
			if ev := eventFrom(m); wantService(f, ev.Service) {
				out = append(out, ev)
			}
		case err := <-errs:
			// The stream closes with io.EOF once until has passed.
			if err == nil || errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, d.wrap(op, err)
		case <-ctx.Done():
			return out, ctx.Err()
		}
	}
}

// unixNano formats t as the engine reads a time with nanoseconds.
func unixNano(t time.Time) string {
	return strconv.FormatInt(t.Unix(), 10) + "." + fmt.Sprintf("%09d", t.Nanosecond())
}
