package stack

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// withDuplicate gives the fake a second network named shop_default, with
// the endpoints of the containers of dupServices; the first copy keeps
// those of keepServices.
func withDuplicate(t *testing.T, f *fakeEngine, keepServices, dupServices []string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := func(services []string) []string {
		var out []string
		for id, c := range f.containers {
			if slices.Contains(services, c.c.Service) {
				out = append(out, id)
			}
		}
		return out
	}
	orig := f.networks["shop_default"]
	orig.Containers = ids(keepServices)
	f.networks["shop_default"] = orig
	f.networks["shop_default#2"] = engine.Network{ID: "net-a-duplicate", Name: "shop_default",
		Labels: orig.Labels, Containers: ids(dupServices)}
}

func TestUpRemovesADuplicateNetworkBeforeCreating(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}})
	s := New(Options{Engine: f})
	if err := s.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	withDuplicate(t, f, []string{"db", "web"}, nil)
	f.calls = nil
	if err := s.Up(context.Background(), p, UpOptions{Scale: map[string]int{"web": 2}}); err != nil {
		t.Fatal(err)
	}
	rm := slices.Index(f.calls, "RemoveNetwork shop_default#2")
	create := slices.Index(f.calls, "CreateContainer shop-web-2")
	if rm < 0 || create < 0 || rm > create {
		t.Fatalf("calls %v: want the duplicate removed before the create", f.calls)
	}
	if _, ok := f.networks["shop_default"]; !ok {
		t.Error("the copy in use was removed")
	}
}

func TestUpMovesContainersOffADuplicateNetwork(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"db": nil, "web": {"db"}, "cache": nil})
	s := New(Options{Engine: f})
	if err := s.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	withDuplicate(t, f, []string{"db", "cache"}, []string{"web"})
	pl, err := s.PlanUp(context.Background(), p, UpOptions{Scale: map[string]int{"db": 2}})
	if err != nil {
		t.Fatal(err)
	}
	got := pl.String()
	for _, want := range []string{
		"container shop-web-1: disconnect (network shop_default exists twice)",
		"network shop_default: remove (a second network of this name (net-a-duplic); net-shop_def is kept) after",
		"container shop-web-1: connect (network shop_default existed twice) after",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("plan lacks %q:\n%s", want, got)
		}
	}
}

func TestDownRemovesBothCopiesOfANetwork(t *testing.T) {
	f := newFake()
	p := testProject("shop", map[string][]string{"web": nil})
	s := New(Options{Engine: f})
	if err := s.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	withDuplicate(t, f, []string{"web"}, nil)
	if err := s.Down(context.Background(), "shop", nil, DownOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(f.networks) != 0 {
		t.Errorf("networks left: %v", f.networks)
	}
}
