package stack

import "testing"

func TestJudge(t *testing.T) {
	running := cstate{running: true}
	healthy := cstate{running: true, hasHealth: true, health: "healthy"}
	starting := cstate{running: true, hasHealth: true, health: "starting"}
	sick := cstate{running: true, hasHealth: true, health: "unhealthy"}
	exit0 := cstate{exited: true}
	exit1 := cstate{exited: true, exitCode: 1}
	for _, tc := range []struct {
		name    string
		st      cstate
		c       Condition
		restart string
		met     bool
		failed  string
	}{
		{"started: running", running, ConditionStarted, "", true, ""},
		{"started: exited counts", exit1, ConditionStarted, "", true, ""},
		{"started: created", cstate{}, ConditionStarted, "", false, ""},
		{"healthy: healthy", healthy, ConditionHealthy, "", true, ""},
		{"healthy: starting", starting, ConditionHealthy, "", false, ""},
		{"healthy: unhealthy", sick, ConditionHealthy, "", false, "is unhealthy"},
		{"healthy: no healthcheck", running, ConditionHealthy, "", false, "has no healthcheck configured"},
		{"healthy: exited first", cstate{exited: true, exitCode: 2, hasHealth: true, health: "starting"}, ConditionHealthy, "", false, "exited with code 2 before it was healthy"},
		{"completed: exit 0", exit0, ConditionCompleted, "", true, ""},
		{"completed: exit 1", exit1, ConditionCompleted, "", false, "exited with code 1, so it did not complete successfully"},
		{"completed: running", running, ConditionCompleted, "", false, ""},
		{"ready: running", running, ConditionReady, "", true, ""},
		{"ready: healthy", healthy, ConditionReady, "", true, ""},
		{"ready: starting", starting, ConditionReady, "", false, ""},
		{"ready: unhealthy", sick, ConditionReady, "", false, "is unhealthy"},
		{"ready: exited", exit1, ConditionReady, "no", false, "exited with code 1"},
		{"ready: exited, restarted always", exit0, ConditionReady, "always", false, ""},
		{"ready: exited, unless-stopped", exit1, ConditionReady, "unless-stopped", false, ""},
		{"ready: exited 1, on-failure", exit1, ConditionReady, "on-failure:3", false, ""},
		{"ready: exited 0, on-failure", exit0, ConditionReady, "on-failure", false, "exited with code 0"},
		{"ready: exited, no policy", exit1, ConditionReady, "", false, "exited with code 1"},
	} {
		v := judge(tc.st, tc.c, tc.restart)
		if v.met != tc.met || v.failed != tc.failed {
			t.Errorf("%s: met=%v failed=%q, want met=%v failed=%q", tc.name, v.met, v.failed, tc.met, tc.failed)
		}
	}
}
