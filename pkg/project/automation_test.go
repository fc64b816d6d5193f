package project

import (
	"testing"
	"time"
)

func TestAutomationErrors(t *testing.T) {
	tests := []struct {
		name    string
		web     string // extra lines of service web
		db      string
		wantErr string
	}{
		{name: "job", web: "    x-schedule: {run: '0 3 * * *', overlap: replace, keep: 5, timezone: Europe/Berlin}\n"},
		{name: "start stop", web: "    x-schedule:\n      start: '0 8 * * 1-5'\n      stop: '0 20 * * 1-5'\n"},
		{name: "seconds and every", web: "    x-schedule: {run: '*/5 * * * * *'}\n", db: "    x-schedule: {run: '@every 2s'}\n"},
		{name: "interpolated", web: "    x-schedule: {run: '${WHEN:-@daily}', keep: '${KEEP:-2}'}\n    x-restart-on-unhealthy: '${RU:-true}'\n"},
		{name: "triggers", web: "    x-on:\n      - {when: {service: db, event: healthy}, do: run}\n      - {when: {service: db, event: oom}, do: restart}\n"},
		{name: "bad cron", web: "    x-schedule: {run: '61 * * * *'}\n",
			wantErr: `app.yml: service "web": x-schedule.run: "61 * * * *": end of range (61) above maximum (59): 61 (want 5 fields, an optional leading seconds field, or @every 30s, @hourly, @daily...)`},
		{name: "cron type", web: "    x-schedule: {run: 5}\n", wantErr: `app.yml: service "web": x-schedule.run: must be a cron expression string, got a number`},
		{name: "tz in spec", web: "    x-schedule: {run: 'CRON_TZ=UTC 0 3 * * *'}\n",
			wantErr: `app.yml: service "web": x-schedule.run: "CRON_TZ=UTC 0 3 * * *": set the time zone with x-schedule.timezone, not in the expression`},
		{name: "unknown key", web: "    x-schedule: {cron: '* * * * *'}\n", wantErr: `app.yml: service "web": x-schedule.cron: unknown key: use run, start, stop, overlap, timezone or keep`},
		{name: "empty", web: "    x-schedule: {keep: 2}\n", wantErr: `app.yml: service "web": x-schedule: sets none of run, start and stop`},
		{name: "run and start", web: "    x-schedule: {run: '@daily', start: '@daily'}\n", wantErr: `app.yml: service "web": x-schedule.run: a job (run) cannot also have start or stop: use two services`},
		{name: "overlap", web: "    x-schedule: {run: '@daily', overlap: queue}\n", wantErr: `app.yml: service "web": x-schedule.overlap: must be skip, allow or replace, got "queue"`},
		{name: "overlap without run", web: "    x-schedule: {start: '@daily', overlap: allow}\n", wantErr: `app.yml: service "web": x-schedule.overlap: applies to run only`},
		{name: "keep", web: "    x-schedule: {run: '@daily', keep: -1}\n", wantErr: `app.yml: service "web": x-schedule.keep: must be 0 or more, got -1`},
		{name: "timezone", web: "    x-schedule: {run: '@daily', timezone: Mars/Olympus}\n", wantErr: `app.yml: service "web": x-schedule.timezone: unknown time zone "Mars/Olympus": use an IANA name such as Europe/Berlin or UTC`},
		{name: "every too short", web: "    x-schedule: {run: '@every 100ms'}\n", wantErr: `app.yml: service "web": x-schedule.run: "@every 100ms": the shortest interval is 1s`},
		{name: "not a mapping", web: "    x-schedule: '@daily'\n", wantErr: `app.yml: service "web": x-schedule: must be a mapping with run, start, stop, overlap, timezone or keep, got a string`},
		{name: "unknown event", web: "    x-on: [{when: {service: db, event: crash}, do: start}]\n",
			wantErr: `app.yml: service "web": x-on[0].when.event: unknown event "crash": use one of start, die, exit-0, exit-nonzero, healthy, unhealthy, oom`},
		{name: "unknown action", web: "    x-on: [{when: {service: db, event: die}, do: panic}]\n",
			wantErr: `app.yml: service "web": x-on[0].do: unknown action "panic": use one of start, stop, restart, run`},
		{name: "unknown service", web: "    x-on: [{when: {service: cache, event: die}, do: start}]\n", wantErr: `app.yml: service "web": x-on[0].when.service: undefined service "cache"`},
		{name: "trigger key", web: "    x-on: [{when: {service: db, event: die}, then: start}]\n", wantErr: `app.yml: service "web": x-on[0].then: unknown key: use when and do`},
		{name: "triggers not a list", web: "    x-on: {when: {service: db, event: die}, do: start}\n",
			wantErr: `app.yml: service "web": x-on: must be a list of {when: {service: NAME, event: EVENT}, do: ACTION}, got a mapping`},
		{name: "restart on unhealthy", web: "    x-restart-on-unhealthy: often\n", wantErr: `app.yml: service "web": x-restart-on-unhealthy: must be true or false, got "often"`},
		{name: "self restart cycle", web: "    x-on: [{when: {service: web, event: start}, do: restart}]\n",
			wantErr: `app.yml: service "web": x-on: trigger cycle that would run forever: start of web -> restart web -> ...`},
		{name: "two service cycle", web: "    x-on: [{when: {service: db, event: die}, do: restart}]\n", db: "    x-on: [{when: {service: web, event: start}, do: stop}]\n",
			wantErr: `app.yml: service "db": x-on: trigger cycle that would run forever: start of web -> stop db -> die of db -> restart web -> ...`},
		{name: "cycle through supervision", web: "    depends_on: {db: {condition: service_started, restart: true}}\n", db: "    x-on: [{when: {service: web, event: start}, do: restart}]\n",
			wantErr: `app.yml: service "db": x-on: trigger cycle that would run forever: start of web -> restart db -> start of db -> restart web (depends_on.db.restart) -> ...`},
		{name: "starts only end", web: "    x-on: [{when: {service: db, event: start}, do: start}]\n", db: "    x-on: [{when: {service: web, event: start}, do: start}]\n"},
		{name: "crash loop is no cycle", web: "    x-on: [{when: {service: web, event: die}, do: start}]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"app.yml": "services:\n" + svc("web", tt.web) + svc("db", tt.db)})
			_, err := loadT(t, Options{WorkingDir: root, Files: []string{"app.yml"}})
			checkErr(t, err, tt.wantErr)
		})
	}
}

func TestAutomationOf(t *testing.T) {
	root := writeTree(t, map[string]string{"app.yml": "services:\n" +
		svc("backup", "    x-schedule: {run: '0 3 * * *', timezone: Europe/Berlin}\n    x-restart-on-unhealthy: true\n") +
		svc("web", "    x-schedule: {start: '@hourly'}\n    x-on: [{when: {service: backup, event: exit-nonzero}, do: restart}]\n")})
	p := mustLoad(t, Options{WorkingDir: root, Files: []string{"app.yml"}})
	a, err := AutomationOf(p.Services["backup"])
	if err != nil {
		t.Fatal(err)
	}
	s := a.Schedule
	if s.Run == nil || s.Overlap != OverlapSkip || s.Keep != DefaultKeep || s.Location.String() != "Europe/Berlin" || !a.RestartOnUnhealthy {
		t.Fatalf("schedule = %+v, restart on unhealthy %v", s, a.RestartOnUnhealthy)
	}
	if !IsJob(p.Services["backup"]) || IsJob(p.Services["web"]) {
		t.Error("IsJob: only backup is a job")
	}
	w, _ := AutomationOf(p.Services["web"])
	if len(w.Triggers) != 1 || w.Triggers[0] != (Trigger{Service: "backup", Event: EventExitNonzero, Action: ActionRestart}) {
		t.Errorf("triggers = %+v", w.Triggers)
	}
}

func TestCronForms(t *testing.T) {
	utc := time.UTC
	at := time.Date(2026, 3, 4, 10, 20, 30, 0, utc) // a Wednesday
	tests := []struct {
		spec string
		want string // the next tick after at, RFC 3339
	}{
		{"* * * * *", "2026-03-04T10:21:00Z"},
		{"*/15 * * * *", "2026-03-04T10:30:00Z"},
		{"0 3 * * *", "2026-03-05T03:00:00Z"},
		{"0 8 * * 1-5", "2026-03-05T08:00:00Z"},
		{"0 8 * * MON", "2026-03-09T08:00:00Z"},
		{"0 0 1 JAN *", "2027-01-01T00:00:00Z"},
		{"45 * * * * *", "2026-03-04T10:20:45Z"},
		{"*/10 * * * * *", "2026-03-04T10:20:40Z"},
		{"@hourly", "2026-03-04T11:00:00Z"},
		{"@daily", "2026-03-05T00:00:00Z"},
		{"@midnight", "2026-03-05T00:00:00Z"},
		{"@weekly", "2026-03-08T00:00:00Z"},
		{"@monthly", "2026-04-01T00:00:00Z"},
		{"@yearly", "2027-01-01T00:00:00Z"},
		{"@annually", "2027-01-01T00:00:00Z"},
		{"@every 30s", "2026-03-04T10:21:00Z"},
		{"@every 1h30m", "2026-03-04T11:50:30Z"},
	}
	for _, tt := range tests {
		c, err := ParseCron(tt.spec, utc)
		if err != nil {
			t.Errorf("%s: %v", tt.spec, err)
			continue
		}
		if got := c.Next(at).Format(time.RFC3339); got != tt.want {
			t.Errorf("%s: next after %s = %s, want %s", tt.spec, at.Format(time.RFC3339), got, tt.want)
		}
	}
}

func TestCronTimeZonesAndDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	daily := func(spec string) *Cron {
		c, err := ParseCron(spec, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// 03:00 Berlin in winter is 02:00 UTC.
	if got := daily("0 3 * * *").Next(time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2026, 1, 10, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("03:00 Berlin in winter = %s", got.UTC())
	}
	// Spring forward: 29 March 2026, 02:00 -> 03:00. A job at 02:30 runs
	// once that day, not twice and not never.
	runsOn := func(c *Cron, day time.Time) int {
		n := 0
		for tick := c.Next(day.Add(-time.Second)); tick.Before(day.AddDate(0, 0, 1)); tick = c.Next(tick) {
			n++
		}
		return n
	}
	spring := time.Date(2026, 3, 29, 0, 0, 0, 0, berlin)
	if n := runsOn(daily("30 2 * * *"), spring); n != 1 {
		t.Errorf("02:30 on the day the clocks spring forward ran %d times, want 1", n)
	}
	// Fall back: 25 October 2026, 03:00 -> 02:00. 02:30 happens twice on
	// the wall clock; the job runs once.
	fall := time.Date(2026, 10, 25, 0, 0, 0, 0, berlin)
	if n := runsOn(daily("30 2 * * *"), fall); n != 1 {
		t.Errorf("02:30 on the day the clocks fall back ran %d times, want 1", n)
	}
	// Hourly stays hourly in real time across both jumps: 23 ticks on
	// the short day, 25 on the long one.
	if n := runsOn(daily("0 * * * *"), spring); n != 23 {
		t.Errorf("hourly on the short day: %d ticks, want 23", n)
	}
	if n := runsOn(daily("0 * * * *"), fall); n != 25 {
		t.Errorf("hourly on the long day: %d ticks, want 25", n)
	}
}

func TestCronLast(t *testing.T) {
	at := time.Date(2026, 3, 4, 10, 20, 30, 0, time.UTC)
	for spec, want := range map[string]string{
		"0 8 * * 1-5":    "2026-03-04T08:00:00Z",
		"0 20 * * 1-5":   "2026-03-03T20:00:00Z",
		"0 0 1 JAN *":    "2026-01-01T00:00:00Z",
		"*/10 * * * * *": "2026-03-04T10:20:30Z",
	} {
		c, _ := ParseCron(spec, time.UTC)
		got, ok := c.Last(at)
		if !ok || got.Format(time.RFC3339) != want {
			t.Errorf("%s: last at %s = %s %v, want %s", spec, at, got.Format(time.RFC3339), ok, want)
		}
	}
	every, _ := ParseCron("@every 2s", time.UTC)
	if _, ok := every.Last(at); ok {
		t.Error("@every has no last tick")
	}
}
