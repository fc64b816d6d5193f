package stack

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/graph"
)

// Actions a plan takes on a container, network or volume.
const (
	ActCreate   = "create"
	ActStart    = "start"
	ActKeep     = "keep"
	ActRecreate = "recreate"
	ActRemove   = "remove"
	ActRestart  = "restart"
	ActExternal = "external"
)

// ContainerStep is what the plan does with one container.
type ContainerStep struct {
	Action  string
	Service string
	Number  int
	Name    string
	// Existing is the observed container for start, keep, recreate and remove.
	Existing *engine.Container
	// Reasons say why a container is recreated.
	Reasons []string
}

// ResourceStep is what the plan does with one network or volume.
type ResourceStep struct {
	Action string
	Key    string
	Name   string
	ID     string // the existing network, for a recreate
}

// Plan is the difference between the stack file and the engine, as a value:
// computing it changes nothing.
type Plan struct {
	Project    string
	Networks   []ResourceStep
	Volumes    []ResourceStep
	Containers []ContainerStep
	// Orphans are containers of services no longer in the file; removed
	// only with --remove-orphans.
	Orphans       []engine.Container
	RemoveOrphans bool

	// images maps image references to local IDs, for the image label.
	images map[string]string
}

// Changes reports whether executing the plan would call the engine.
func (p *Plan) Changes() bool {
	for _, n := range p.Networks {
		if n.Action == ActCreate || n.Action == ActRecreate {
			return true
		}
	}
	for _, v := range p.Volumes {
		if v.Action == ActCreate {
			return true
		}
	}
	for _, c := range p.Containers {
		if c.Action != ActKeep {
			return true
		}
	}
	return p.RemoveOrphans && len(p.Orphans) > 0
}

// String prints the plan one line per object, as --dry-run shows it.
func (p *Plan) String() string {
	var b strings.Builder
	for _, n := range p.Networks {
		fmt.Fprintf(&b, "network %s: %s\n", n.Name, n.Action)
	}
	for _, v := range p.Volumes {
		fmt.Fprintf(&b, "volume %s: %s\n", v.Name, v.Action)
	}
	for _, c := range p.Containers {
		fmt.Fprintf(&b, "container %s: %s", c.Name, c.Action)
		if len(c.Reasons) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(c.Reasons, ", "))
		}
		b.WriteByte('\n')
	}
	for _, o := range p.Orphans {
		action := "orphan, kept (use --remove-orphans)"
		if p.RemoveOrphans {
			action = ActRemove + " (orphan)"
		}
		fmt.Fprintf(&b, "container %s: %s\n", o.Name, action)
	}
	return b.String()
}

// observed is the engine state of a project, from one list call per kind.
type observed struct {
	containers []engine.Container
	networks   map[string]engine.Network // by name
	volumes    map[string]engine.Volume  // by name
}

// planInput is what plan needs besides the observation.
type planInput struct {
	project *types.Project
	graph   *graph.Graph // the selected services
	opts    UpOptions
	// hashes are the labels each selected service's containers must carry.
	hashes map[string]engine.Hashes
	// images maps image references to local image IDs, where known.
	images   map[string]string
	networks bool // whether obs.networks and obs.volumes were listed
}

// plan decides, for every selected service, which containers to keep,
// start, create, recreate or remove. It has no side effects.
func plan(in planInput, obs observed) (*Plan, error) {
	p := in.project
	pl := &Plan{Project: p.Name, RemoveOrphans: in.opts.RemoveOrphans}
	if in.networks {
		for _, key := range sortedKeys(p.Networks) {
			n := p.Networks[key]
			name := resourceName(p.Name, key, n.Name)
			step := ResourceStep{Action: ActCreate, Key: key, Name: name}
			got, exists := obs.networks[name]
			switch {
			case bool(n.External):
				step.Action = ActExternal
			case exists && got.Labels[engine.LabelStackHash] != "" && got.Labels[engine.LabelStackHash] != engine.NetworkHash(n):
				step.Action, step.ID = ActRecreate, got.ID
			case exists:
				step.Action = ActKeep
			}
			pl.Networks = append(pl.Networks, step)
		}
		for _, key := range sortedKeys(p.Volumes) {
			v := p.Volumes[key]
			name := resourceName(p.Name, key, v.Name)
			action := ActCreate
			got, exists := obs.volumes[name]
			switch {
			case bool(v.External):
				action = ActExternal
			case exists && got.Labels[engine.LabelStackHash] != "" && got.Labels[engine.LabelStackHash] != engine.VolumeHash(v):
				return nil, fmt.Errorf("volume %q (key %q) exists with another driver, driver options or labels than the stack file declares; "+
					"stack never drops a volume: back it up, then remove it with \"docker volume rm %s\" or declare it external: true", name, key, name)
			case exists && v.Driver != "" && got.Driver != "" && got.Driver != v.Driver:
				return nil, fmt.Errorf("volume %q (key %q) exists with driver %q but the stack file declares %q; "+
					"stack never drops a volume: back it up, then remove it with \"docker volume rm %s\"", name, key, got.Driver, v.Driver, name)
			case exists:
				action = ActKeep
			}
			pl.Volumes = append(pl.Volumes, ResourceStep{Action: action, Key: key, Name: name})
		}
	}

	byService := map[string][]engine.Container{}
	for _, c := range obs.containers {
		if c.OneOff {
			continue
		}
		if _, ok := p.Services[c.Service]; !ok {
			pl.Orphans = append(pl.Orphans, c)
			continue
		}
		byService[c.Service] = append(byService[c.Service], c)
	}
	selected := map[string]bool{}
	for _, name := range in.graph.Names() {
		selected[name] = true
	}
	// A dependency that is recreated forces its dependents to be recreated
	// with --always-recreate-deps; decide services in dependency order.
	recreated := map[string]bool{}
	for _, name := range in.graph.Order() {
		s := p.Services[name]
		replicas := s.GetScale()
		if n, ok := in.opts.Scale[name]; ok {
			replicas = n
		}
		if s.ContainerName != "" && replicas > 1 {
			return nil, fmt.Errorf("service %q: container_name %q is fixed, so it cannot be scaled to %d", name, s.ContainerName, replicas)
		}
		want := wantedHashes{Hashes: in.hashes[name], image: in.images[ImageName(p, s)]}
		existing, leftovers := splitLeftovers(p.Name, s, byService[name])
		for i := range leftovers {
			c := &leftovers[i]
			pl.Containers = append(pl.Containers, ContainerStep{Action: ActRemove, Service: name, Number: c.Number, Name: c.Name, Existing: c,
				Reasons: []string{"left over by an interrupted run"}})
		}
		depRecreated, restart := false, false
		for _, e := range in.graph.Dependencies(name) {
			if !recreated[e.To] {
				continue
			}
			depRecreated = depRecreated || in.opts.AlwaysRecreateDeps
			restart = restart || s.DependsOn[e.To].Restart
		}
		next := 1
		for i := range existing {
			c := &existing[i]
			if c.Number >= next {
				next = c.Number + 1
			}
			if i >= replicas {
				pl.Containers = append(pl.Containers, ContainerStep{Action: ActRemove, Service: name, Number: c.Number, Name: c.Name, Existing: c})
				continue
			}
			step := ContainerStep{Service: name, Number: c.Number, Name: c.Name, Existing: c}
			reasons := recreateReasons(c, want, in.opts, depRecreated)
			running := c.State == "running" || c.State == "restarting" || c.State == "paused"
			switch {
			case len(reasons) > 0 && !in.opts.NoRecreate:
				step.Action, step.Reasons = ActRecreate, reasons
				recreated[name] = true
			case running && restart:
				step.Action, step.Reasons = ActRestart, []string{"dependency recreated"}
			case running:
				step.Action = ActKeep
			default:
				step.Action = ActStart
			}
			pl.Containers = append(pl.Containers, step)
		}
		for n := len(existing); n < replicas; n++ {
			pl.Containers = append(pl.Containers, ContainerStep{
				Action: ActCreate, Service: name, Number: next,
				Name: containerName(p.Name, s, next),
			})
			next++
		}
	}
	return pl, nil
}

// splitLeftovers sorts a service's containers by number and separates the
// replacements an interrupted recreate left under a temporary name, and
// extra containers that claim a number already taken.
func splitLeftovers(project string, s types.ServiceConfig, cs []engine.Container) (kept, leftovers []engine.Container) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Number != cs[j].Number {
			return cs[i].Number < cs[j].Number
		}
		// The container with the canonical name wins its number.
		return cs[i].Name == containerName(project, s, cs[i].Number) && cs[j].Name != containerName(project, s, cs[j].Number)
	})
	for i, c := range cs {
		temp := c.Labels[engine.LabelReplace] != "" && c.Name != containerName(project, s, c.Number)
		if temp || i > 0 && cs[i-1].Number == c.Number {
			leftovers = append(leftovers, c)
			continue
		}
		kept = append(kept, c)
	}
	return kept, leftovers
}

// wantedHashes is what a container of a service must carry to be kept.
type wantedHashes struct {
	engine.Hashes
	image string // the image ID, "" when unknown
}

// recreateReasons says why an existing container no longer matches: the
// settings that changed, by stack's own hash when the container has it
// (written by this version), else by Compose's.
func recreateReasons(c *engine.Container, want wantedHashes, o UpOptions, depRecreated bool) []string {
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

// containerName is Compose's name for replica n of s.
func containerName(project string, s types.ServiceConfig, n int) string {
	if s.ContainerName != "" {
		return s.ContainerName
	}
	return project + "-" + s.Name + "-" + strconv.Itoa(n)
}

// resourceName is the engine name of a network or volume: the explicit
// name compose-go resolved, else Compose's "<project>_<key>".
func resourceName(project, key, name string) string {
	if name != "" {
		return name
	}
	return project + "_" + key
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
