package stack

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// endpointsFake is the fake engine whose networks keep the endpoints
// listed in endpoints: removing a network fails while it has any, as
// dockerd 20.10's does with a phantom endpoint (moby#42119).
type endpointsFake struct {
	*fakeEngine
	endpoints    []string
	disconnected []string
}

func (e *endpointsFake) RemoveNetwork(ctx context.Context, id string) error {
	if len(e.endpoints) > 0 {
		return fmt.Errorf("remove network %q: %w", id, engine.ErrActiveEndpoints)
	}
	return e.fakeEngine.RemoveNetwork(ctx, id)
}

func (e *endpointsFake) InspectNetwork(ctx context.Context, name string) (engine.Network, error) {
	n, err := e.fakeEngine.InspectNetwork(ctx, name)
	n.Containers = slices.Clone(e.endpoints)
	return n, err
}

func (e *endpointsFake) DisconnectNetwork(_ context.Context, _, id string) error {
	e.disconnected = append(e.disconnected, id)
	e.endpoints = slices.DeleteFunc(e.endpoints, func(s string) bool { return s == id })
	return nil
}

func TestDownDisconnectsAPhantomEndpoint(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil})
	if err := New(Options{Engine: f}).Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	e := &endpointsFake{fakeEngine: f, endpoints: []string{"ep-of-a-container-long-gone"}}
	if err := New(Options{Engine: e}).Down(context.Background(), "shop", p, DownOptions{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.disconnected, []string{"ep-of-a-container-long-gone"}) || len(f.networks) != 0 {
		t.Errorf("disconnected %v, networks left %v", e.disconnected, f.networks)
	}
}

func TestDownLeavesAForeignEndpointAlone(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil})
	other := testProject("other", map[string][]string{"spy": nil})
	s := New(Options{Engine: f})
	for _, proj := range []string{"shop", "other"} {
		pp := p
		if proj == "other" {
			pp = other
		}
		if err := s.Up(context.Background(), pp, UpOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	spy, _ := f.ListContainers(context.Background(), engine.Filter{Project: "other"})
	e := &endpointsFake{fakeEngine: f, endpoints: []string{spy[0].ID}}
	err := New(Options{Engine: e}).Down(context.Background(), "shop", p, DownOptions{})
	if err == nil || !strings.Contains(err.Error(), `network "shop_default" is kept: containers that are not of project "shop" are attached to it ("other-spy-1")`) {
		t.Fatalf("err = %v", err)
	}
	if len(e.disconnected) > 0 {
		t.Errorf("disconnected a foreign container: %v", e.disconnected)
	}
}
