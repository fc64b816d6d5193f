package ui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Plan is what an up would do, shown before it is applied.
type Plan struct {
	ID    string     `json:"id"`
	Verb  string     `json:"verb"` // up, recreate, scale, down
	Steps []PlanStep `json:"steps"`
	// Changes is false when applying would change nothing.
	Changes bool   `json:"changes"`
	Digest  string `json:"digest"`
}

// PlanStep is one operation of a plan, with its reasons, or one of its
// notes (a resource it leaves alone on purpose).
type PlanStep struct {
	N       int    `json:"n,omitempty"` // the operation's number, as --dry-run prints it
	Kind    string `json:"kind"`        // container, network, volume, image
	Name    string `json:"name"`
	Service string `json:"service,omitempty"`
	Action  string `json:"action"` // create, recreate, start, keep, remove, ..., note
	Reason  string `json:"reason,omitempty"`
	// Detail is the rest of the --dry-run line: reasons, order, waits.
	Detail string `json:"detail,omitempty"`
}

// planFor computes what the verb of req would do. It is the one place that
// knows how the core tells its plans: the Plan value, as --dry-run prints
// it.
func planFor(ctx context.Context, v Verbs, p *types.Project, req planRequest) ([]PlanStep, error) {
	var pl *stack.Plan
	var err error
	if req.verb == "down" {
		pl, err = v.PlanDown(ctx, req.project, p, req.down)
	} else {
		pl, err = v.PlanUp(ctx, p, req.opts)
	}
	if err != nil {
		return nil, err
	}
	steps := make([]PlanStep, 0, len(pl.Ops)+len(pl.Notes))
	for _, op := range pl.Ops {
		steps = append(steps, PlanStep{N: op.ID + 1, Kind: string(op.Resource), Name: op.Name, Service: op.Service,
			Action: string(op.Kind), Reason: strings.Join(op.Reasons, ", "), Detail: strings.TrimSpace(op.Detail())})
	}
	for _, n := range pl.Notes {
		steps = append(steps, PlanStep{Kind: string(n.Resource), Name: n.Name, Service: n.Service, Action: "note", Reason: n.Text})
	}
	return steps, nil
}

// digest identifies a plan's operations: an apply goes ahead only when
// the plan computed again has the same.
func digest(steps []PlanStep) string {
	h := sha256.New()
	for _, s := range steps {
		// Not the detail: a recreate's temporary name may differ each time.
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\n", s.Kind, s.Name, s.Action, s.Reason)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// changes reports whether a plan does anything.
func changes(steps []PlanStep) bool {
	for _, s := range steps {
		if s.Action != string(stack.OpKeep) && s.Action != string(stack.OpCheck) && s.Action != "note" {
			return true
		}
	}
	return false
}

// planRequest is how a plan was asked for, kept to compute it again when
// it is applied.
type planRequest struct {
	project string
	verb    string
	opts    stack.UpOptions
	down    stack.DownOptions
	digest  string
	made    time.Time
}

// planStore keeps the plans shown, for a while.
type planStore struct {
	now   func() time.Time
	mu    sync.Mutex
	plans map[string]planRequest
}

// planTTL is how long a shown plan can be applied.
const planTTL = 15 * time.Minute

func newPlanStore(now func() time.Time) *planStore {
	return &planStore{now: now, plans: map[string]planRequest{}}
}

func (ps *planStore) put(r planRequest) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for k, p := range ps.plans {
		if ps.now().Sub(p.made) > planTTL {
			delete(ps.plans, k)
		}
	}
	r.made = ps.now()
	ps.plans[id] = r
	return id
}

func (ps *planStore) get(id string) (planRequest, bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	r, ok := ps.plans[id]
	if ok && ps.now().Sub(r.made) > planTTL {
		delete(ps.plans, id)
		ok = false
	}
	return r, ok
}

func (ps *planStore) drop(id string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	delete(ps.plans, id)
}
