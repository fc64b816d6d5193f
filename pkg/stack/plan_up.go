package stack

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/project"
)

// planUp decides, for the desired state d against the observation obs,
// every operation of an up: images to provide, networks and volumes to
// create or recreate, and for each container of the selected services
// whether it is kept, started, restarted, recreated, created or removed,
// with the edges and conditions of its start. It is pure.
func planUp(d *Desired, obs *Observed, o UpOptions) (*Plan, error) {
	return newUpPlanner(d, obs, o).plan(nil)
}

// newUpPlanner starts the plan of an up.
func newUpPlanner(d *Desired, obs *Observed, o UpOptions) *upPlanner {
	return &upPlanner{
		d: d, obs: obs, o: o,
		pl:       &Plan{Project: d.Project.Name, project: d.Project, stages: true},
		made:     map[string]*Op{},
		final:    map[string][]*Op{},
		networks: map[string]*Op{},
		volumes:  map[string]*Op{},
		acted:    map[string]bool{},
	}
}

// plan plans the up; more, when set, adds operations once the services'
// are planned, before the images they need are (a job's run).
func (b *upPlanner) plan(more func() error) (*Plan, error) {
	b.orphans()
	if err := b.resources(); err != nil {
		return nil, err
	}
	b.duplicates()
	recreated := map[string]bool{}
	for _, name := range b.d.Order {
		b.service(b.d.Services[name], recreated)
	}
	if more != nil {
		if err := more(); err != nil {
			return nil, err
		}
	}
	if err := b.images(); err != nil {
		return nil, err
	}
	b.reconnect()
	b.reconnectDuplicates()
	return b.pl, nil
}

// upPlanner holds the state of one planUp.
type upPlanner struct {
	d   *Desired
	obs *Observed
	o   UpOptions
	pl  *Plan

	orphanOps []*Op
	// made is the create or recreate op of each container by name, which
	// containers referring to it are created after.
	made map[string]*Op
	// final are, per service, the ops that leave each of its containers
	// as it will be (start, restart, keep, swap), which dependents start
	// after.
	final map[string][]*Op
	// networks and volumes are the ops that provide each, by key.
	networks, volumes map[string]*Op
	// recreatedNets are the networks recreated, by engine name.
	recreatedNets []string
	// dupRemovals remove the duplicates of networks, in the order of
	// obs.Duplicates: container creates wait for them.
	dupRemovals []*Op
	// acted are the containers, by ID, that are recreated or removed.
	acted map[string]bool
	// creates are the create and recreate ops, by service, which wait for
	// the service's image.
	creates map[string][]*Op
}

// orphans removes, or notes, the containers of services that are no
// longer in the file (one-off containers and those of services disabled by
// a profile are not orphans).
func (b *upPlanner) orphans() {
	p := b.d.Project
	for i := range b.obs.Containers {
		c := &b.obs.Containers[i]
		if c.OneOff {
			continue
		}
		if _, ok := p.Services[c.Service]; ok {
			continue
		}
		if _, ok := p.DisabledServices[c.Service]; ok {
			continue
		}
		if !b.o.RemoveOrphans {
			if !b.o.IgnoreOrphans {
				b.pl.Notes = append(b.pl.Notes, Note{Resource: KindContainer, Name: c.Name, Service: c.Service,
					Text: "orphan container: its service is not in the stack file; remove it with --remove-orphans"})
			}
			continue
		}
		op := b.pl.add(&Op{Kind: OpRemove, Resource: KindContainer, Name: c.Name, Service: c.Service, Number: c.Number,
			Container: c, Timeout: b.o.Timeout, Reasons: []string{"orphan"}})
		b.acted[c.ID] = true
		b.orphanOps = append(b.orphanOps, op)
	}
}

// resources plans the networks and volumes, when they were observed (else
// running containers proved them all present and unchanged).
func (b *upPlanner) resources() error {
	if b.obs.Networks == nil {
		return nil
	}
	p := b.d.Project
	for _, n := range b.d.Networks {
		got, exists := b.obs.Networks[n.Name]
		op := &Op{Resource: KindNetwork, Name: n.Name}
		switch {
		case n.External:
			op.Kind = OpCheck
		case !exists:
			op.Kind = OpCreate
		case got.Labels[engine.LabelStackHash] != "" && got.Labels[engine.LabelStackHash] != n.Hash:
			op.Kind, op.NetworkID, op.Reasons = OpRecreate, got.ID, []string{"configuration changed"}
			for i := range b.obs.Containers {
				c := &b.obs.Containers[i]
				if slices.Contains(c.Networks, n.Name) {
					dis := b.pl.add(&Op{Kind: OpDisconnect, Resource: KindContainer, Name: c.Name, Service: c.Service, Number: c.Number,
						Container: c, NetworkID: got.ID, Reasons: []string{"network " + n.Name + " is recreated"}})
					op.after(done(dis))
				}
			}
			b.recreatedNets = append(b.recreatedNets, n.Name)
		default:
			continue
		}
		op.Network = &engine.NetworkRequest{Project: p.Name, Key: n.Key, Config: p.Networks[n.Key]}
		b.networks[n.Key] = b.pl.add(op)
	}
	if b.obs.Volumes == nil {
		return nil
	}
	for _, v := range b.d.Volumes {
		cfg := p.Volumes[v.Key]
		got, exists := b.obs.Volumes[v.Name]
		op := &Op{Resource: KindVolume, Name: v.Name}
		switch {
		case v.External:
			op.Kind = OpCheck
		case !exists:
			op.Kind = OpCreate
		case got.Labels[engine.LabelStackHash] != "" && got.Labels[engine.LabelStackHash] != v.Hash:
			return &project.Error{File: project.FileOf(p), Key: "volumes." + v.Key, Msg: fmt.Sprintf(
				"volume %q exists with another driver, driver options or labels than the stack file declares; "+
					"stack never drops a volume: back it up, then remove it with \"docker volume rm %s\" or declare it external: true", v.Name, v.Name)}
		case cfg.Driver != "" && got.Driver != "" && got.Driver != cfg.Driver:
			return &project.Error{File: project.FileOf(p), Key: "volumes." + v.Key, Msg: fmt.Sprintf(
				"volume %q exists with driver %q but the stack file declares %q; "+
					"stack never drops a volume: back it up, then remove it with \"docker volume rm %s\"", v.Name, got.Driver, cfg.Driver, v.Name)}
		default:
			continue
		}
		op.Volume = &engine.VolumeRequest{Project: p.Name, Key: v.Key, Config: cfg}
		b.volumes[v.Key] = b.pl.add(op)
	}
	return nil
}

// service plans the containers of one selected service. recreated tells
// which services (earlier in dependency order) had a container recreated.
func (b *upPlanner) service(sp *ServiceSpec, recreated map[string]bool) {
	p, o := b.d.Project, b.o
	var cleared []*Op // removals this service's creates wait for
	for i := range sp.Leftovers {
		c := &sp.Leftovers[i]
		op := b.pl.add(&Op{Kind: OpRemove, Resource: KindContainer, Name: c.Name, Service: sp.Name, Number: c.Number,
			Container: c, Timeout: o.Timeout, Reasons: []string{"left over by an interrupted run"}})
		b.acted[c.ID] = true
		cleared = append(cleared, op)
	}
	depRecreated, restart := false, false
	for _, e := range b.d.Graph.Dependencies(sp.Name) {
		if recreated[e.To] {
			depRecreated = depRecreated || o.AlwaysRecreateDeps
			restart = restart || sp.Service.DependsOn[e.To].Restart
		}
	}
	want := wanted{Hashes: sp.Hashes, image: sp.ImageID}
	for i := range sp.Containers {
		c := &sp.Containers[i]
		base := Op{Resource: KindContainer, Name: c.Name, Service: sp.Name, Number: c.Number, Priority: sp.Priority}
		if i >= sp.Replicas {
			op := base
			op.Kind, op.Container, op.Timeout = OpRemove, c, o.Timeout
			op.Reasons = []string{fmt.Sprintf("scaled to %d", sp.Replicas)}
			if c.State.Up() {
				op.PreStop = sp.PreStop
			}
			b.pl.add(&op)
			b.acted[c.ID] = true
			continue
		}
		reasons := recreateReasons(c, want, o, depRecreated)
		switch {
		case len(reasons) > 0 && !o.NoRecreate:
			recreated[sp.Name] = true
			b.acted[c.ID] = true
			rec := base
			rec.Kind, rec.Reasons = OpRecreate, reasons
			spec := b.spec(sp, c.Number, map[string]string{engine.LabelReplace: c.Name})
			spec.Name = shortID(c.ID) + "_" + c.Name
			if !o.RenewAnonVolumes {
				spec.InheritVolumesFrom = c.ID
			}
			rec.Spec = &spec
			made := b.pl.add(&rec)
			b.creating(sp, made, cleared)
			swap := base
			swap.Kind, swap.From, swap.Container, swap.Timeout = OpReplace, made, c, o.Timeout
			if c.State.Up() {
				swap.PreStop = sp.PreStop
			}
			last := b.startOp(sp, &swap, made)
			if !o.NoStart {
				start := base
				start.Kind, start.From, start.PostStart = OpStart, last, sp.PostStart
				start.after(done(last))
				last = b.pl.add(&start)
			}
			b.final[sp.Name] = append(b.final[sp.Name], last)
		case c.State.Up() && (restart || o.Restart[c.ID] != ""):
			op := base
			op.Kind, op.Container, op.Timeout, op.Reasons = OpRestart, c, o.Timeout, []string{"dependency recreated"}
			op.PreStop, op.PostStart = sp.PreStop, sp.PostStart
			if !restart {
				op.Reasons = []string{o.Restart[c.ID]}
			}
			b.final[sp.Name] = append(b.final[sp.Name], b.startOp(sp, &op, nil))
		case c.State.Up() || o.NoStart:
			op := base
			op.Kind, op.Container = OpKeep, c
			b.final[sp.Name] = append(b.final[sp.Name], b.pl.add(&op))
		default:
			op := base
			op.Kind, op.Container, op.PostStart = OpStart, c, sp.PostStart
			b.final[sp.Name] = append(b.final[sp.Name], b.startOp(sp, &op, nil))
		}
	}
	for n := sp.Next; len(sp.Containers)+n-sp.Next < sp.Replicas; n++ {
		name := sp.ContainerName(p.Name, n)
		spec := b.spec(sp, n, nil)
		made := b.pl.add(&Op{Kind: OpCreate, Resource: KindContainer, Name: name, Service: sp.Name, Number: n, Priority: sp.Priority, Spec: &spec})
		b.creating(sp, made, cleared)
		if o.NoStart {
			b.final[sp.Name] = append(b.final[sp.Name], made)
			continue
		}
		start := &Op{Kind: OpStart, Resource: KindContainer, Name: name, Service: sp.Name, Number: n, Priority: sp.Priority, From: made, PostStart: sp.PostStart}
		b.final[sp.Name] = append(b.final[sp.Name], b.startOp(sp, start, made))
	}
}

// spec is the container number n of sp creates, with extra labels.
func (b *upPlanner) spec(sp *ServiceSpec, n int, labels map[string]string) engine.ContainerSpec {
	return engine.ContainerSpec{Name: sp.ContainerName(b.d.Project.Name, n), Config: sp.Config.Replica(n, labels), Service: sp.Service}
}

// creating records a create or recreate op of sp and gives it its edges:
// after the networks and volumes it uses, the removals that free its name,
// the orphans' removal, and the containers it refers to at creation.
func (b *upPlanner) creating(sp *ServiceSpec, op *Op, cleared []*Op) {
	b.made[op.Name] = op
	if b.creates == nil {
		b.creates = map[string][]*Op{}
	}
	b.creates[sp.Name] = append(b.creates[sp.Name], op)
	for _, key := range sp.Networks {
		if n, ok := b.networks[key]; ok {
			op.after(done(n))
		}
	}
	for _, key := range sp.Volumes {
		if v, ok := b.volumes[key]; ok {
			op.after(done(v))
		}
	}
	for _, r := range cleared {
		op.after(done(r))
	}
	for _, r := range b.orphanOps {
		op.after(done(r))
	}
	for _, r := range b.dupRemovals {
		op.after(done(r))
	}
	for _, e := range b.d.Graph.Dependencies(sp.Name) {
		if !needsTarget(e.Kind) {
			continue
		}
		if peer, ok := b.made[sp.Peers[e.To]]; ok {
			op.after(done(peer))
		}
	}
}

// startOp adds op, which starts a container of sp (a start, a restart or
// the swap of a replacement), after the op that made it and after every
// container of the services sp depends on, with the edge's condition.
// With --no-start there are no conditions to wait for.
func (b *upPlanner) startOp(sp *ServiceSpec, op *Op, made *Op) *Op {
	if made != nil {
		op.after(done(made))
	}
	for _, e := range b.d.Graph.Dependencies(sp.Name) {
		cond := Condition(e.Condition)
		if b.o.NoStart {
			cond = ConditionDone
		}
		for _, dep := range b.final[e.To] {
			op.after(Dep{Op: dep.ID, Condition: cond})
		}
	}
	return b.pl.add(op)
}

// images plans the pull or build of every image a new container needs
// that the engine lacks (or that pull_policy always pulls), as Compose's
// pull policies say; an image that can be neither is an error now, before
// anything is changed.
func (b *upPlanner) images() error {
	p, o := b.d.Project, b.o
	switch o.Pull {
	case "", types.PullPolicyAlways, types.PullPolicyMissing, types.PullPolicyNever, types.PullPolicyBuild, types.PullPolicyIfNotPresent:
	default:
		return fmt.Errorf("invalid --pull value %q: use one of always, missing, never, build", o.Pull)
	}
	byRef := map[string]*Op{}
	for _, name := range b.d.Order {
		creates := b.creates[name]
		sp := b.d.Services[name]
		// A job has no container to create, but up provides its image
		// for the runs to come.
		if len(creates) == 0 && !project.IsJob(sp.Service) {
			continue
		}
		policy, _, err := sp.Service.GetPullPolicy()
		if err != nil {
			return &project.Error{File: project.FileOf(p), Service: name, Key: "pull_policy", Msg: err.Error()}
		}
		if o.Pull != "" {
			policy = o.Pull
		}
		missing := sp.ImageID == ""
		op := &Op{Resource: KindImage, Name: sp.Image, Service: name}
		switch {
		case o.Build && sp.Service.Build != nil:
			// Built before planning (up --build).
			continue
		case sp.Service.Build != nil && !o.NoBuild && (policy == types.PullPolicyBuild || missing):
			op.Kind, op.Reasons = OpBuild, []string{"missing"}
			if policy == types.PullPolicyBuild {
				op.Reasons = []string{"pull_policy build"}
			}
		case policy == types.PullPolicyBuild && sp.Service.Build == nil:
			return &project.Error{File: project.FileOf(p), Service: name, Key: "pull_policy", Msg: "build, but the service has no build section"}
		case policy == types.PullPolicyAlways:
			op.Kind, op.Reasons = OpPull, []string{"pull_policy always"}
		case !missing:
			continue
		case policy == types.PullPolicyNever || sp.Service.Build != nil:
			return missingImage(sp.Service, sp.Image, nil)
		default:
			op.Kind, op.Reasons = OpPull, []string{"missing"}
		}
		if prev, ok := byRef[sp.Image]; ok {
			op = prev
		} else {
			byRef[sp.Image] = b.pl.add(op)
		}
		for _, c := range creates {
			c.after(done(op))
		}
	}
	if len(byRef) == 0 {
		return nil
	}
	// Images first: a pull or build that fails leaves the engine as it was.
	for _, op := range b.pl.Ops {
		if op.Resource == KindImage || len(op.Deps) > 0 || !op.Kind.changes() {
			continue
		}
		for _, ref := range sortedKeys(byRef) {
			op.after(done(byRef[ref]))
		}
	}
	return nil
}

// reconnect connects every container left on a recreated network (kept,
// started or restarted, of a selected service or not) to its new version.
func (b *upPlanner) reconnect() {
	for _, name := range b.recreatedNets {
		var netOp *Op
		for _, op := range b.networks {
			if op.Name == name {
				netOp = op
			}
		}
		for i := range b.obs.Containers {
			c := &b.obs.Containers[i]
			if b.acted[c.ID] || !slices.Contains(c.Networks, name) {
				continue
			}
			ep := b.endpoint(c, name)
			op := b.pl.add(&Op{Kind: OpConnect, Resource: KindContainer, Name: c.Name, Service: c.Service, Number: c.Number,
				Container: c, NetworkID: name, Endpoint: &ep, Reasons: []string{"network " + name + " was recreated"}})
			op.after(done(netOp))
		}
	}
}

// endpoint is how container c joins network name: as its service's
// configuration says when the service is selected or can be configured,
// else with the service's name as its alias.
func (b *upPlanner) endpoint(c *engine.Container, name string) engine.Endpoint {
	p := b.d.Project
	cfg, ok := engine.CreateConfig{}, false
	if sp, sel := b.d.Services[c.Service]; sel {
		cfg, ok = sp.Config, true
	} else if svc, known := p.Services[c.Service]; known {
		peers := map[string]string{}
		for dep := range svc.DependsOn {
			var cs []engine.Container
			for _, o := range b.obs.Containers {
				if o.Service == dep && !o.OneOff {
					cs = append(cs, o)
				}
			}
			if l, found := lowestUp(cs); found {
				peers[dep] = l.Name
			}
		}
		r := engine.CreateRequest{Project: p, Service: svc, Name: c.Name, Number: c.Number, Peers: peers}
		if built, err := engine.ContainerConfig(r, b.d.API); err == nil {
			cfg, ok = built, true
		}
	}
	if ok {
		for _, ep := range endpoints(cfg) {
			if ep.Network == name {
				return ep
			}
		}
	}
	return engine.AliasEndpoint(name, c.Service)
}

// wanted is what a container of a service must carry to be kept.
type wanted struct {
	engine.Hashes
	image string // the image ID, "" when unknown
}

// recreateReasons says why an existing container no longer matches: the
// settings that changed, by stack's own hash when the container has it
// (written by this version), else by Compose's.
func recreateReasons(c *engine.Container, want wanted, o UpOptions, depRecreated bool) []string {
	var reasons []string
	if o.ForceRecreate {
		reasons = append(reasons, "forced")
	}
	if got, ok := c.Labels[engine.LabelStackHash]; ok && sameVersion(got, want.Stack) {
		if got != want.Stack {
			diff := engine.DiffFields(c.Labels[engine.LabelStackFields], want.Fields)
			if len(diff) == 0 {
				diff = []string{"configuration"}
			}
			reasons = append(reasons, diff...)
		}
	} else if c.Labels[engine.LabelConfigHash] != want.Compose {
		reasons = append(reasons, "configuration")
	}
	if got := c.Labels[engine.LabelImage]; want.image != "" && got != "" && got != want.image && !slices.Contains(reasons, "image") {
		reasons = append(reasons, "image")
	}
	if depRecreated {
		reasons = append(reasons, "dependency recreated")
	}
	return reasons
}

// sameVersion reports whether two stack hashes were made by the same
// version of the canonical form ("v1:...").
func sameVersion(a, b string) bool {
	va, _, okA := strings.Cut(a, ":")
	vb, _, okB := strings.Cut(b, ":")
	return okA && okB && va == vb
}

// resourcesProven reports whether the observed containers prove every
// network and volume the selected services use present and unchanged, so
// that they need not be listed: a running container of a selected service
// is attached to each network, and a container of one mounts each volume,
// each carrying the hash its service wants for them.
func resourcesProven(d *Desired, obs *Observed) bool {
	nets, vols := map[string]bool{}, map[string]bool{}
	for _, c := range obs.Containers {
		sp, ok := d.Services[c.Service]
		if !ok || c.OneOff {
			continue
		}
		labels := sp.Config.Config.Labels
		if c.State == engine.StateRunning && c.Labels[engine.LabelStackNetworks] == labels[engine.LabelStackNetworks] {
			for _, n := range c.Networks {
				nets[n] = true
			}
		}
		if c.Labels[engine.LabelStackVolumes] == labels[engine.LabelStackVolumes] {
			for _, key := range sp.Volumes {
				vols[key] = true
			}
		}
	}
	for _, n := range d.Networks {
		if !nets[n.Name] {
			return false
		}
	}
	for _, v := range d.Volumes {
		if !vols[v.Key] {
			return false
		}
	}
	return true
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
