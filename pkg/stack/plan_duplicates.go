package stack

import (
	"slices"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// dockerd 20.10 creates a network name twice when two creates of it run at
// once, after which every create of a container naming it fails as
// "ambiguous". The project lock keeps stack from doing that; these plan
// the repair of a project left so by an older version or another tool.

// duplicates plans the removal of every duplicate network, after its
// containers are disconnected from it (reconnectDuplicates connects them
// to the copy kept). Every container create waits for the removals.
func (b *upPlanner) duplicates() {
	for i := range b.obs.Duplicates {
		dup := &b.obs.Duplicates[i]
		keep := b.obs.Networks[dup.Name]
		rm := &Op{Kind: OpRemove, Resource: KindNetwork, Name: dup.Name, NetworkID: dup.ID,
			Reasons: []string{"a second network of this name (" + shortID(dup.ID) + "); " + shortID(keep.ID) + " is kept"}}
		for j := range b.obs.Containers {
			c := &b.obs.Containers[j]
			if !slices.Contains(dup.Containers, c.ID) {
				continue
			}
			dis := b.pl.add(&Op{Kind: OpDisconnect, Resource: KindContainer, Name: c.Name, Service: c.Service, Number: c.Number,
				Container: c, NetworkID: dup.ID, Reasons: []string{"network " + dup.Name + " exists twice"}})
			rm.after(done(dis))
		}
		b.dupRemovals = append(b.dupRemovals, b.pl.add(rm))
	}
}

// reconnectDuplicates connects the containers taken off a duplicate
// network, and kept, to the copy of it that is kept.
func (b *upPlanner) reconnectDuplicates() {
	for i, dup := range b.obs.Duplicates {
		keep := b.obs.Networks[dup.Name]
		for j := range b.obs.Containers {
			c := &b.obs.Containers[j]
			if b.acted[c.ID] || !slices.Contains(dup.Containers, c.ID) || slices.Contains(keep.Containers, c.ID) {
				continue
			}
			ep := b.endpoint(c, dup.Name)
			op := b.pl.add(&Op{Kind: OpConnect, Resource: KindContainer, Name: c.Name, Service: c.Service, Number: c.Number,
				Container: c, NetworkID: keep.ID, Endpoint: &ep, Reasons: []string{"network " + dup.Name + " existed twice"}})
			op.after(done(b.dupRemovals[i]))
		}
	}
}

// duplicateRemovals plans, for down, the removal of the duplicates of the
// networks it removes, after removals.
func duplicateRemovals(pl *Plan, dups []engine.Network, removes func(name string) bool, removals []*Op) {
	for _, n := range dups {
		if !removes(n.Name) {
			continue
		}
		op := pl.add(&Op{Kind: OpRemove, Resource: KindNetwork, Name: n.Name, NetworkID: n.ID})
		for _, r := range removals {
			op.after(done(r))
		}
	}
}
