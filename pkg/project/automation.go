package project

// The automation extensions: x-schedule (cron-style run, start and stop),
// x-on (event triggers) and x-restart-on-unhealthy, parsed and validated at
// load so that a bad cron expression or a trigger loop is an error of the
// file, not of the agent hours later.

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	// The agent's image is FROM scratch: no zoneinfo on disk, so the
	// time zones of x-schedule come with the binary.
	_ "time/tzdata"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/robfig/cron/v3"
)

// Extension keys of the automation.
const (
	// ScheduleKey is the service extension for cron-style run, start and stop.
	ScheduleKey = "x-schedule"
	// TriggersKey is the service extension for event triggers.
	TriggersKey = "x-on"
	// RestartOnUnhealthyKey makes the agent restart a service that turns
	// unhealthy.
	RestartOnUnhealthyKey = "x-restart-on-unhealthy"
)

// Overlap is what a job's tick does while an earlier run still runs.
type Overlap string

// Overlap rules of x-schedule.
const (
	OverlapSkip    Overlap = "skip"
	OverlapAllow   Overlap = "allow"
	OverlapReplace Overlap = "replace"
)

// DefaultKeep is how many finished run containers of a job are kept for
// their logs when x-schedule says nothing.
const DefaultKeep = 3

// Schedule is a service's x-schedule.
type Schedule struct {
	// Run, Start and Stop are the cron schedules, nil when not set. A
	// service with Run is a job: up starts no container of it.
	Run, Start, Stop *Cron
	Overlap          Overlap
	// Timezone is the IANA name as written ("" for the host's); Location
	// is what the crons are read in.
	Timezone string
	Location *time.Location
	// Keep is how many finished run containers are kept.
	Keep int
}

// Cron is one parsed cron expression.
type Cron struct {
	// Spec is the expression as written.
	Spec  string
	sched cron.Schedule
	// loc is the time zone the fields are read in; sched itself reads
	// them in UTC, as a wall clock without jumps (see Next).
	loc *time.Location
}

// String returns the expression as written.
func (c *Cron) String() string { return c.Spec }

// Next returns the first tick after t.
//
// The fields are matched against the wall clock of the schedule's time
// zone, as cron does, with these rules where daylight saving time makes
// the wall clock jump: a tick in the hour skipped in spring runs once, as
// much later as the clock jumped (02:30 runs at 03:30); a tick in the hour
// repeated in autumn runs once, the first time, unless the schedule also
// ticks an hour earlier (it runs hourly or more often there), in which
// case it runs both times, so that "0 * * * *" ticks every real hour.
func (c *Cron) Next(t time.Time) time.Time {
	if _, fixed := c.sched.(*cron.SpecSchedule); !fixed {
		return c.sched.Next(t)
	}
	// Wall ticks from an hour before t's wall time, to meet the second
	// pass of a repeated hour; the first instant after t wins.
	wall := c.sched.Next(naive(t.In(c.loc)).Add(-time.Hour - time.Second))
	for i := 0; i < 1000 && !wall.IsZero(); i++ {
		for _, at := range c.instants(wall) {
			if at.After(t) {
				return at
			}
		}
		wall = c.sched.Next(wall)
	}
	return time.Time{}
}

// instants returns the real times at which the wall clock of c.loc reads
// wall (a naive time): one, the two of a repeated hour when the schedule
// ticks in both, or for a wall time the clock skips, the time it is as
// much later as the clock jumped.
func (c *Cron) instants(wall time.Time) []time.Time {
	guess := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, c.loc)
	var offsets []int
	for _, d := range []time.Duration{-3 * time.Hour, 0, 3 * time.Hour} {
		_, off := guess.Add(d).Zone()
		if !contains(offsets, off) {
			offsets = append(offsets, off)
		}
	}
	var out []time.Time
	for _, off := range offsets {
		at := wall.Add(-time.Duration(off) * time.Second)
		if naive(at.In(c.loc)).Equal(wall) && !contains(out, at) {
			out = append(out, at)
		}
	}
	switch {
	case len(out) == 0:
		// Skipped by the clock: the instant the jump maps it to.
		return []time.Time{guess}
	case len(out) > 1:
		sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
		hourBefore := wall.Add(-time.Hour)
		if !c.sched.Next(hourBefore.Add(-time.Second)).Equal(hourBefore) {
			out = out[:1]
		}
	}
	return out
}

// naive is t's wall clock read as UTC: a time line without jumps.
func naive(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// Last returns the last tick at or before t within the past year, and
// false when there is none. A descriptor "@every D" has no fixed ticks and
// never has a last one.
func (c *Cron) Last(t time.Time) (time.Time, bool) {
	if _, every := c.sched.(cron.ConstantDelaySchedule); every {
		return time.Time{}, false
	}
	// Growing windows: a frequent schedule is found in the first, and a
	// rare one costs a few jumps per window, never a walk tick by tick
	// over a year.
	for _, back := range []time.Duration{time.Hour, 24 * time.Hour, 8 * 24 * time.Hour, 32 * 24 * time.Hour, 400 * 24 * time.Hour} {
		var last time.Time
		for tick := c.Next(t.Add(-back)); !tick.IsZero() && !tick.After(t); tick = c.Next(tick) {
			last = tick
		}
		if !last.IsZero() {
			return last, true
		}
	}
	return time.Time{}, false
}

// cronParser reads five fields with an optional leading seconds field, and
// the descriptors (@every 30s, @hourly, @daily, ...).
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseCron parses a cron expression read in loc.
func ParseCron(spec string, loc *time.Location) (*Cron, error) {
	s := strings.TrimSpace(spec)
	if s == "" {
		return nil, errors.New("empty cron expression")
	}
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return nil, fmt.Errorf("%q: set the time zone with x-schedule.timezone, not in the expression", spec)
	}
	if every, ok := strings.CutPrefix(s, "@every "); ok {
		// The parser rounds a shorter interval up to 1s; say so instead.
		if d, err := time.ParseDuration(strings.TrimSpace(every)); err == nil && d < time.Second {
			return nil, fmt.Errorf("%q: the shortest interval is 1s", spec)
		}
	}
	sched, err := cronParser.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q: %w (want 5 fields, an optional leading seconds field, or @every 30s, @hourly, @daily...)", spec, err)
	}
	if ss, ok := sched.(*cron.SpecSchedule); ok {
		ss.Location = time.UTC
	}
	if loc == nil {
		loc = time.Local
	}
	return &Cron{Spec: spec, sched: sched, loc: loc}, nil
}

// Event is what happens to a service that a trigger reacts to.
type Event string

// Trigger events of x-on.
const (
	EventStart       Event = "start"
	EventDie         Event = "die"
	EventExit0       Event = "exit-0"
	EventExitNonzero Event = "exit-nonzero"
	EventHealthy     Event = "healthy"
	EventUnhealthy   Event = "unhealthy"
	EventOOM         Event = "oom"
)

// Events lists the trigger events in the order errors name them.
var Events = []Event{EventStart, EventDie, EventExit0, EventExitNonzero, EventHealthy, EventUnhealthy, EventOOM}

// Action is what a trigger or a schedule does to its service.
type Action string

// Actions of x-on.
const (
	ActionStart   Action = "start"
	ActionStop    Action = "stop"
	ActionRestart Action = "restart"
	ActionRun     Action = "run"
)

// Actions lists the trigger actions in the order errors name them.
var Actions = []Action{ActionStart, ActionStop, ActionRestart, ActionRun}

// Trigger is one entry of a service's x-on: when Service has Event, do
// Action to the service that declares it.
type Trigger struct {
	Service string
	Event   Event
	Action  Action
}

// Automation is what a service declares for the agent.
type Automation struct {
	Schedule           *Schedule // nil without x-schedule
	Triggers           []Trigger
	RestartOnUnhealthy bool
}

// IsJob reports whether s is a job: a service with x-schedule.run, of
// which up makes no container; only runs do.
func IsJob(s types.ServiceConfig) bool {
	a, err := AutomationOf(s)
	return err == nil && a.Schedule != nil && a.Schedule.Run != nil
}

// AutomationOf parses the automation extensions of s. Load has validated
// them, so for a loaded project it does not fail.
func AutomationOf(s types.ServiceConfig) (Automation, error) {
	var a Automation
	var e *Error
	if v, ok := s.Extensions[ScheduleKey]; ok {
		if a.Schedule, e = parseSchedule(v); e != nil {
			return a, e
		}
	}
	if v, ok := s.Extensions[TriggersKey]; ok {
		if a.Triggers, e = parseTriggers(v); e != nil {
			return a, e
		}
	}
	if v, ok := s.Extensions[RestartOnUnhealthyKey]; ok {
		b, err := parseBool(v)
		if err != nil {
			return a, &Error{Key: RestartOnUnhealthyKey, Msg: err.Error()}
		}
		a.RestartOnUnhealthy = b
	}
	return a, nil
}

// checkAutomation validates the automation extensions of every service,
// enabled or not, the services triggers name, and that no chain of
// triggers restarts itself forever.
func checkAutomation(p *types.Project) *Error {
	all := map[string]Automation{}
	for _, services := range []types.Services{p.Services, p.DisabledServices} {
		for _, name := range sortedKeysOf(services) {
			a, err := AutomationOf(services[name])
			if err != nil {
				var e *Error
				errors.As(err, &e)
				e.Service = name
				return e
			}
			for i, t := range a.Triggers {
				_, enabled := p.Services[t.Service]
				_, disabled := p.DisabledServices[t.Service]
				if !enabled && !disabled {
					return &Error{Service: name, Key: fmt.Sprintf("%s[%d].when.service", TriggersKey, i), Msg: fmt.Sprintf("undefined service %q", t.Service)}
				}
			}
			all[name] = a
		}
	}
	if e := checkTriggerCycle(p, all); e != nil {
		return e
	}
	return nil
}

func parseSchedule(v any) (*Schedule, *Error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Key: ScheduleKey, Msg: "must be a mapping with run, start, stop, overlap, timezone or keep, got " + kindOf(v)}
	}
	s := &Schedule{Overlap: OverlapSkip, Keep: DefaultKeep, Location: time.Local}
	for _, k := range sortedKeysOf(m) {
		switch k {
		case "run", "start", "stop", "overlap", "timezone", "keep":
		default:
			return nil, &Error{Key: ScheduleKey + "." + k, Msg: "unknown key: use run, start, stop, overlap, timezone or keep"}
		}
	}
	if v, ok := m["timezone"]; ok {
		name, isString := v.(string)
		if !isString || strings.TrimSpace(name) == "" {
			return nil, &Error{Key: ScheduleKey + ".timezone", Msg: "must be an IANA time zone name such as Europe/Berlin, got " + kindOf(v)}
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			return nil, &Error{Key: ScheduleKey + ".timezone", Msg: fmt.Sprintf("unknown time zone %q: use an IANA name such as Europe/Berlin or UTC", name)}
		}
		s.Timezone, s.Location = name, loc
	}
	for _, f := range []struct {
		key string
		dst **Cron
	}{{"run", &s.Run}, {"start", &s.Start}, {"stop", &s.Stop}} {
		v, ok := m[f.key]
		if !ok {
			continue
		}
		spec, isString := v.(string)
		if !isString {
			return nil, &Error{Key: ScheduleKey + "." + f.key, Msg: "must be a cron expression string, got " + kindOf(v)}
		}
		c, err := ParseCron(spec, s.Location)
		if err != nil {
			return nil, &Error{Key: ScheduleKey + "." + f.key, Msg: err.Error(), Err: err}
		}
		*f.dst = c
	}
	if s.Run == nil && s.Start == nil && s.Stop == nil {
		return nil, &Error{Key: ScheduleKey, Msg: "sets none of run, start and stop"}
	}
	if s.Run != nil && (s.Start != nil || s.Stop != nil) {
		return nil, &Error{Key: ScheduleKey + ".run", Msg: "a job (run) cannot also have start or stop: use two services"}
	}
	if v, ok := m["overlap"]; ok {
		o, _ := v.(string)
		switch Overlap(o) {
		case OverlapSkip, OverlapAllow, OverlapReplace:
			s.Overlap = Overlap(o)
		default:
			return nil, &Error{Key: ScheduleKey + ".overlap", Msg: fmt.Sprintf("must be skip, allow or replace, got %s", describe(v))}
		}
		if s.Run == nil {
			return nil, &Error{Key: ScheduleKey + ".overlap", Msg: "applies to run only"}
		}
	}
	if v, ok := m["keep"]; ok {
		n, err := parsePriority(v)
		if err == nil && n < 0 {
			err = fmt.Errorf("must be 0 or more, got %d", n)
		}
		if err != nil {
			return nil, &Error{Key: ScheduleKey + ".keep", Msg: strings.Replace(err.Error(), "an integer", "a whole number", 1)}
		}
		s.Keep = n
	}
	return s, nil
}

func parseTriggers(v any) ([]Trigger, *Error) {
	list, ok := v.([]any)
	if !ok {
		return nil, &Error{Key: TriggersKey, Msg: "must be a list of {when: {service: NAME, event: EVENT}, do: ACTION}, got " + kindOf(v)}
	}
	out := make([]Trigger, 0, len(list))
	for i, item := range list {
		key := fmt.Sprintf("%s[%d]", TriggersKey, i)
		m, ok := item.(map[string]any)
		if !ok {
			return nil, &Error{Key: key, Msg: "must be a mapping {when: {service: NAME, event: EVENT}, do: ACTION}, got " + kindOf(item)}
		}
		for _, k := range sortedKeysOf(m) {
			if k != "when" && k != "do" {
				return nil, &Error{Key: key + "." + k, Msg: "unknown key: use when and do"}
			}
		}
		when, ok := m["when"].(map[string]any)
		if !ok {
			return nil, &Error{Key: key + ".when", Msg: "must be a mapping {service: NAME, event: EVENT}, got " + kindOf(m["when"])}
		}
		for _, k := range sortedKeysOf(when) {
			if k != "service" && k != "event" {
				return nil, &Error{Key: key + ".when." + k, Msg: "unknown key: use service and event"}
			}
		}
		var t Trigger
		if t.Service, ok = when["service"].(string); !ok || t.Service == "" {
			return nil, &Error{Key: key + ".when.service", Msg: "must name a service, got " + describe(when["service"])}
		}
		ev, _ := when["event"].(string)
		if t.Event = Event(ev); !contains(Events, t.Event) {
			return nil, &Error{Key: key + ".when.event", Msg: fmt.Sprintf("unknown event %s: use one of %s", describe(when["event"]), join(Events))}
		}
		do, _ := m["do"].(string)
		if t.Action = Action(do); !contains(Actions, t.Action) {
			return nil, &Error{Key: key + ".do", Msg: fmt.Sprintf("unknown action %s: use one of %s", describe(m["do"]), join(Actions))}
		}
		out = append(out, t)
	}
	return out, nil
}

// parseBool accepts YAML booleans and the strings interpolation makes.
func parseBool(v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case string:
		if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
			return b, nil
		}
	}
	return false, fmt.Errorf("must be true or false, got %s", describe(v))
}

// certain lists the events an action always causes on its service: a
// start starts it, a stop makes it die, a restart does both, a run starts
// a container that ends. Health and OOM events are not certain.
var certain = map[Action][]Event{
	ActionStart:   {EventStart},
	ActionStop:    {EventDie, EventExit0, EventExitNonzero},
	ActionRestart: {EventDie, EventExit0, EventExitNonzero, EventStart},
	ActionRun:     {EventStart, EventDie, EventExit0, EventExitNonzero},
}

// rule is a reaction of the agent: a trigger, or one implied by
// supervision (a restart: true dependent is restarted when its dependency
// starts).
type rule struct {
	on      string // the service acted on
	trigger Trigger
	implied string // what implies the rule, "" for an x-on entry
}

// checkTriggerCycle refuses a chain of reactions that feeds itself
// forever: each action causes, for certain, an event another rule reacts
// to, and so on back to the first. A chain of starts only, or of stops
// only, ends by itself (a running service does not start again) and is
// allowed.
func checkTriggerCycle(p *types.Project, all map[string]Automation) *Error {
	var rules []rule
	for _, name := range sortedKeysOf(all) {
		for _, t := range all[name].Triggers {
			rules = append(rules, rule{on: name, trigger: t})
		}
		if s, ok := p.Services[name]; ok {
			for _, dep := range sortedKeysOf(s.DependsOn) {
				if s.DependsOn[dep].Restart {
					rules = append(rules, rule{on: name, trigger: Trigger{Service: dep, Event: EventStart, Action: ActionRestart},
						implied: "depends_on." + dep + ".restart"})
				}
			}
		}
	}
	next := make([][]int, len(rules))
	for i, r := range rules {
		for j, o := range rules {
			if o.trigger.Service == r.on && contains(certain[r.trigger.Action], o.trigger.Event) {
				next[i] = append(next[i], j)
			}
		}
	}
	// Depth-first search for a cycle; colours: 0 new, 1 on the path, 2 done.
	colour := make([]int, len(rules))
	var path []int
	var found []int
	var visit func(i int) bool
	visit = func(i int) bool {
		colour[i] = 1
		path = append(path, i)
		for _, j := range next[i] {
			if colour[j] == 1 {
				at := 0
				for k, v := range path {
					if v == j {
						at = k
					}
				}
				found = append(append([]int(nil), path[at:]...), j)
				if !endsByItself(rules, found) {
					return true
				}
				found = nil
				continue
			}
			if colour[j] == 0 && visit(j) {
				return true
			}
		}
		path = path[:len(path)-1]
		colour[i] = 2
		return false
	}
	for i := range rules {
		if colour[i] == 0 && visit(i) {
			break
		}
	}
	if found == nil {
		return nil
	}
	steps := make([]string, 0, len(found))
	for _, i := range found[:len(found)-1] {
		r := rules[i]
		step := fmt.Sprintf("%s of %s -> %s %s", r.trigger.Event, r.trigger.Service, r.trigger.Action, r.on)
		if r.implied != "" {
			step += " (" + r.implied + ")"
		}
		steps = append(steps, step)
	}
	first := rules[found[0]]
	return &Error{Service: first.on, Key: TriggersKey, Msg: "trigger cycle that would run forever: " + strings.Join(steps, " -> ") + " -> ..."}
}

// endsByItself reports whether a cycle of rules is made of starts only or
// stops only: idempotent actions that stop feeding it once done.
func endsByItself(rules []rule, cycle []int) bool {
	a := rules[cycle[0]].trigger.Action
	if a != ActionStart && a != ActionStop {
		return false
	}
	for _, i := range cycle {
		if rules[i].trigger.Action != a {
			return false
		}
	}
	return true
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func join[T ~string](list []T) string {
	s := make([]string, len(list))
	for i, v := range list {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// kindOf names the YAML kind of a value for an error.
func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a bool"
	}
	return "a number"
}

// describe shows a value in an error: a string quoted, else its kind.
func describe(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return kindOf(v)
}
