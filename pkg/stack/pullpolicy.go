// Pull policies that refresh an image by its age: refresh (with
// pull_refresh_after), daily, weekly and every_<duration>.

package stack

import (
	"context"
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

// refreshImages pulls, before up plans, the images of the services whose
// refresh pull policy finds them missing or too old, so that the plan sees
// the new image and recreates what runs the old one, as Compose pulls
// before it converges.
func (s *Stack) refreshImages(ctx context.Context, p *types.Project, services []string, o UpOptions) error {
	var refresh []string
	for _, name := range services {
		policy, _, err := pullPolicy(p.Services[name], o.Pull)
		if err != nil {
			return err
		}
		if policy == types.PullPolicyRefresh {
			refresh = append(refresh, name)
		}
	}
	if len(refresh) == 0 {
		return nil
	}
	return s.PrepareImages(ctx, p, ImageOptions{Services: refresh, NoBuild: o.NoBuild, Pull: o.Pull})
}

// stale reports whether img, present on the engine, is older than a
// refresh policy allows: last tagged (pulled) more than age ago. An image
// the engine has no tag time for counts as stale, as in Compose.
func stale(img engine.Image, age time.Duration, now time.Time) bool {
	return now.After(img.LastTagTime.Add(age))
}
