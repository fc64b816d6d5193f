// Pull policies that refresh an image by its age: refresh (with
// pull_refresh_after), daily, weekly and every_<duration>.

package stack

import (
	"fmt"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/xhit/go-str2duration/v2"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// pullPolicy returns the service's pull policy as Compose reads it, and,
// for the refresh policies, the age after which the image is pulled again:
// daily, weekly and every_<duration> give theirs; refresh takes
// pull_refresh_after (none: every time). override (--pull) wins.
func pullPolicy(svc types.ServiceConfig, override string) (string, time.Duration, error) {
	if override != "" {
		return override, 0, nil
	}
	policy, age, err := svc.GetPullPolicy()
	if err != nil {
		return "", 0, fmt.Errorf("service %q: pull_policy: %w", svc.Name, err)
	}
	if policy == types.PullPolicyRefresh && svc.PullPolicy == types.PullPolicyRefresh && svc.PullRefreshAfter != "" {
		age, err = str2duration.ParseDuration(svc.PullRefreshAfter)
		if err != nil || age < 0 {
			return "", 0, fmt.Errorf("service %q: pull_refresh_after: %q is not a duration such as 12h or 7d", svc.Name, svc.PullRefreshAfter)
		}
	}
	return policy, age, nil
}

// needsPullCheck reports whether an image the engine already has may still
// have to be pulled: always, and the refresh policies.
func needsPullCheck(svc types.ServiceConfig, override string) bool {
	policy, _, err := pullPolicy(svc, override)
	return err != nil || policy == types.PullPolicyAlways || policy == types.PullPolicyRefresh
}

// stale reports whether img, present on the engine, is older than a
// refresh policy allows: last tagged (pulled) more than age ago. An image
// the engine has no tag time for counts as stale, as in Compose.
func stale(img engine.Image, age time.Duration, now time.Time) bool {
	return now.After(img.LastTagTime.Add(age))
}
