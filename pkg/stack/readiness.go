package stack

import (
	"fmt"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// The readiness rules: when a container counts as started, healthy,
// completed or ready, and when it never will. The start walk (depends_on
// conditions), up --wait, run's dependencies and attach all judge by them.

// ConditionReady is what up --wait waits for: the container runs, and is
// healthy when it has a healthcheck. One that exited is not ready, unless
// its restart policy brings it back.
const ConditionReady Condition = "ready"

// verdict is how a container stands against a condition.
type verdict struct {
	met bool
	// failed, when not empty, says why the container cannot meet the
	// condition any more, as a phrase after its name ("is unhealthy").
	failed string
}

// done reports whether waiting is over, met or failed.
func (v verdict) done() bool { return v.met || v.failed != "" }

// judge tells how a container in state st stands against condition c.
// restart is the service's restart policy, which decides whether an exited
// container may still become ready.
func judge(st cstate, c Condition, restart string) verdict {
	switch c {
	case ConditionHealthy:
		switch {
		case !st.hasHealth:
			return verdict{failed: "has no healthcheck configured"}
		case st.health == "healthy":
			return verdict{met: true}
		case st.exited:
			// Before unhealthy: the engine marks an exited container so.
			return verdict{failed: exitText(st) + " before it was healthy"}
		case st.health == "unhealthy":
			return verdict{failed: "is unhealthy"}
		}
	case ConditionCompleted:
		switch {
		case st.exited && st.exitCode != 0:
			return verdict{failed: exitText(st) + ", so it did not complete successfully"}
		case st.exited:
			return verdict{met: true}
		}
	case ConditionReady:
		switch {
		case st.exited && !restarts(restart, st.exitCode):
			return verdict{failed: exitText(st)}
		case !st.running:
		case !st.hasHealth || st.health == "healthy":
			return verdict{met: true}
		case st.health == "unhealthy":
			return verdict{failed: "is unhealthy"}
		}
	default: // started
		return verdict{met: st.running || st.exited}
	}
	return verdict{}
}

// exitText says how a container exited: "exited with code 137 (killed
// for lack of memory)".
func exitText(st cstate) string {
	t := fmt.Sprintf("exited with code %d", st.exitCode)
	if st.oom {
		t += " (killed for lack of memory: see its mem_limit)"
	}
	return t
}

// restarts reports whether the engine restarts a container of a service
// with this restart policy after it exited with code.
func restarts(policy string, code int) bool {
	switch {
	case policy == types.RestartPolicyAlways || policy == types.RestartPolicyUnlessStopped:
		return true
	case strings.HasPrefix(policy, types.RestartPolicyOnFailure):
		return code != 0
	}
	return false
}

// waits reports whether waiting for c needs the engine's events: a start
// is known from the walk itself.
func (c Condition) waits() bool {
	return c == ConditionHealthy || c == ConditionCompleted || c == ConditionReady
}
