package agent

import (
	"maps"
	"slices"
	"time"

	"github.com/stack-orchestrator/stack/pkg/project"
)

// entry is one cron of one service: its run, start or stop.
type entry struct {
	service string
	action  project.Action
	cron    *project.Cron
	next    time.Time
}

// tick is an entry that is due, with the time it was due at.
type tick struct {
	*entry
	at time.Time
}

// schedule holds the next tick of every entry.
type schedule struct {
	entries []*entry
}

// newSchedule lists the crons of the services and their first ticks
// after now. Ticks missed while no agent ran are not caught up, as with
// cron.
func newSchedule(auto map[string]project.Automation, now time.Time) *schedule {
	s := &schedule{}
	for _, name := range slices.Sorted(maps.Keys(auto)) {
		sch := auto[name].Schedule
		if sch == nil {
			continue
		}
		for _, e := range []entry{{name, project.ActionRun, sch.Run, time.Time{}}, {name, project.ActionStart, sch.Start, time.Time{}}, {name, project.ActionStop, sch.Stop, time.Time{}}} {
			if e.cron == nil {
				continue
			}
			e.next = e.cron.Next(now)
			s.entries = append(s.entries, &e)
		}
	}
	return s
}

// next returns the earliest next tick.
func (s *schedule) next() (time.Time, bool) {
	var first time.Time
	for _, e := range s.entries {
		if !e.next.IsZero() && (first.IsZero() || e.next.Before(first)) {
			first = e.next
		}
	}
	return first, !first.IsZero()
}

// due returns the entries due at now, in service order, and moves each to
// its first tick after now: ticks missed meanwhile count once.
func (s *schedule) due(now time.Time) []tick {
	var out []tick
	for _, e := range s.entries {
		if e.next.IsZero() || e.next.After(now) {
			continue
		}
		out = append(out, tick{entry: e, at: e.next})
		e.next = e.cron.Next(now)
	}
	return out
}

// scheduledOff reports whether a service with both a start and a stop
// schedule is off at now: its last stop tick is later than its last start
// tick. With one of them only, or ticks that cannot be placed (@every),
// the schedule does not say.
func scheduledOff(a project.Automation, now time.Time) bool {
	s := a.Schedule
	if s == nil || s.Start == nil || s.Stop == nil {
		return false
	}
	stop, stopped := s.Stop.Last(now)
	start, started := s.Start.Last(now)
	return stopped && (!started || stop.After(start))
}
