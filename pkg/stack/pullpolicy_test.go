package stack

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// taggedEngine is the fake engine whose images were last tagged at given
// times.
type taggedEngine struct {
	*fakeEngine
	tagged map[string]time.Time
}

func (e taggedEngine) InspectImage(ctx context.Context, ref string) (engine.Image, error) {
	img, err := e.fakeEngine.InspectImage(ctx, ref)
	img.LastTagTime = e.tagged[ref]
	return img, err
}

func TestRefreshPullPolicies(t *testing.T) {
	now := time.Now()
	tests := []struct {
		policy, after string
		tagged        time.Time
		pull          bool
	}{
		{"daily", "", now.Add(-time.Hour), false},
		{"daily", "", now.Add(-25 * time.Hour), true},
		{"every_12h", "", now.Add(-11 * time.Hour), false},
		{"every_12h", "", now.Add(-13 * time.Hour), true},
		{"weekly", "", now.Add(-6 * 24 * time.Hour), false},
		{"refresh", "2h", now.Add(-time.Hour), false},
		{"refresh", "2h", now.Add(-3 * time.Hour), true},
		{"refresh", "", now.Add(-time.Minute), true},
		{"daily", "", time.Time{}, true}, // no tag time: as Compose, pull
		{"missing", "", now.Add(-1000 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.policy+tt.after, func(t *testing.T) {
			f := newFake()
			p := testProject("shop", map[string][]string{"db": nil})
			s := p.Services["db"]
			s.PullPolicy, s.PullRefreshAfter = tt.policy, tt.after
			p.Services["db"] = s
			e := taggedEngine{fakeEngine: f, tagged: map[string]time.Time{"busybox": tt.tagged}}
			if err := New(Options{Engine: e}).PrepareImages(context.Background(), p, ImageOptions{}); err != nil {
				t.Fatal(err)
			}
			if got := slices.Equal(f.called("PullImage"), []string{"busybox"}); got != tt.pull {
				t.Errorf("pulled %v, want a pull: %v", f.called("PullImage"), tt.pull)
			}
		})
	}
}

func TestPullRefreshAfterInvalid(t *testing.T) {
	s := types.ServiceConfig{Name: "db"}
	s.PullPolicy, s.PullRefreshAfter = "refresh", "soon"
	_, _, err := pullPolicy(s, "")
	if err == nil || !strings.Contains(err.Error(), `service "db": pull_refresh_after: "soon"`) {
		t.Errorf("err = %v", err)
	}
	if p, _, _ := pullPolicy(s, "never"); p != "never" {
		t.Errorf("--pull does not win: %q", p)
	}
}

// TestUpRefreshesStaleImages: up pulls, before it plans, an image that a
// refresh policy finds too old, and leaves a fresh one alone.
func TestUpRefreshesStaleImages(t *testing.T) {
	for _, age := range []time.Duration{time.Hour, 48 * time.Hour} {
		f := newFake()
		p := testProject("shop", map[string][]string{"db": nil})
		s := p.Services["db"]
		s.PullPolicy = "daily"
		p.Services["db"] = s
		e := taggedEngine{fakeEngine: f, tagged: map[string]time.Time{"busybox": time.Now().Add(-age)}}
		if err := New(Options{Engine: e}).Up(context.Background(), p, UpOptions{}); err != nil {
			t.Fatal(err)
		}
		if pulled := len(f.called("PullImage")) > 0; pulled != (age > 24*time.Hour) {
			t.Errorf("image %s old: pulled %v", age, f.called("PullImage"))
		}
	}
}
