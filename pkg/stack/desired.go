package stack

import (
	"errors"
	"runtime"
	"sort"
	"strconv"
	"sync"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/graph"
	"github.com/stack-orchestrator/stack/pkg/project"
)

// Desired is what the selected services of a project should be on the
// engine: every fact the plan and the executor need, computed once from the
// stack file, the options and the observed containers. Computing it calls
// no engine and changes nothing; every configuration in it is valid.
type Desired struct {
	Project *types.Project
	// API is the engine API version the configurations are built for.
	API string
	// Graph is the service graph of the selection.
	Graph *graph.Graph
	// Services are the selected services, by name.
	Services map[string]*ServiceSpec
	// Order is the selected services in dependency order.
	Order []string
	// Networks and Volumes are those the selected services use, by key
	// order.
	Networks []ResourceSpec
	Volumes  []ResourceSpec
}

// ServiceSpec is one selected service as it should run.
type ServiceSpec struct {
	Name    string
	Service types.ServiceConfig
	// Replicas is the number of containers wanted (scale, --scale).
	Replicas int
	Priority int
	// Image is the image reference; ImageID its local ID, "" when the
	// engine does not have it.
	Image   string
	ImageID string
	// Peers map each service this one refers to (links, volumes_from,
	// network_mode/ipc/pid "service:X", depends_on) to the name of the
	// container it refers to: the lowest-numbered running one, else the
	// lowest-numbered one that exists or will exist, as Compose does.
	Peers map[string]string
	// Config is the configuration of the service's first replica; the
	// others differ by their number (engine.CreateConfig.Replica).
	Config engine.CreateConfig
	// Hashes are the labels a container must carry to be kept.
	Hashes engine.Hashes
	// Containers are the service's observed containers that hold their
	// number under its canonical name, by number; Leftovers are the others
	// (a replacement an interrupted recreate left under its temporary
	// name, a second container with a number already taken).
	Containers []engine.Container
	Leftovers  []engine.Container
	// Next is the number the next new container gets.
	Next int
	// Networks and Volumes are the keys of the project networks the
	// service joins and the project volumes it mounts.
	Networks []string
	Volumes  []string
	// PostStart and PreStop are the service's lifecycle hooks.
	PostStart, PreStop []engine.Hook
}

// ContainerName is the name of container number n of the service.
func (sp *ServiceSpec) ContainerName(project string, n int) string {
	return containerName(project, sp.Service, n)
}

// ResourceSpec is a network or volume of the project as it should be.
type ResourceSpec struct {
	Key  string
	Name string // the engine's name
	// Hash is the value of engine.LabelStackHash it must carry.
	Hash     string
	External bool
}

// desire computes the desired state of the services of sel (a sub-graph
// of p's service graph) from the options and the observation (containers,
// image IDs and API version). It fails, naming file, service and key, on
// any value no container, network or volume can be made of.
func desire(p *types.Project, sel *graph.Graph, o UpOptions, obs *Observed) (*Desired, error) {
	d := &Desired{Project: p, API: obs.API, Graph: sel, Services: map[string]*ServiceSpec{}, Order: sel.Order()}
	if err := CheckScale(p, d.Order, o.Scale); err != nil {
		return nil, err
	}
	byService := map[string][]engine.Container{}
	for _, c := range obs.Containers {
		if !c.OneOff {
			byService[c.Service] = append(byService[c.Service], c)
		}
	}
	// Numbers and peers in dependency order: a service's peers are the
	// containers its dependencies keep or will create.
	for _, name := range d.Order {
		svc := p.Services[name]
		node, _ := sel.Node(name)
		sp := &ServiceSpec{Name: name, Service: svc, Replicas: svc.GetScale(), Priority: node.Priority, Image: ImageName(p, svc)}
		if n, ok := o.Scale[name]; ok {
			sp.Replicas = n
		}
		if project.IsJob(svc) {
			// A job's containers are its runs (plan_run.go).
			sp.Replicas = 0
		}
		sp.ImageID = obs.Images[sp.Image]
		sp.Containers, sp.Leftovers = splitLeftovers(p.Name, svc, byService[name])
		sp.Next = 1
		for _, c := range sp.Containers {
			sp.Next = max(sp.Next, c.Number+1)
		}
		sp.Peers = d.peers(svc, byService)
		d.Services[name] = sp
	}
	if err := d.configure(); err != nil {
		return nil, err
	}
	d.resources()
	if err := d.validateNetworks(); err != nil {
		return nil, err
	}
	return d, nil
}

// peers picks the container svc refers to for each service it depends on.
// A selected dependency's containers are those it keeps (its first
// Replicas), or the first one it will create; another's are those that
// exist. A dependency with none is left out: configuring svc then says
// what is missing where it needs one.
func (d *Desired) peers(svc types.ServiceConfig, byService map[string][]engine.Container) map[string]string {
	peers := map[string]string{}
	for dep := range svc.DependsOn {
		cs := byService[dep]
		if sp, ok := d.Services[dep]; ok {
			cs = sp.Containers[:min(len(sp.Containers), sp.Replicas)]
			if len(cs) == 0 && sp.Replicas > 0 {
				peers[dep] = sp.ContainerName(d.Project.Name, sp.Next)
				continue
			}
		}
		if c, ok := lowestUp(cs); ok {
			peers[dep] = c.Name
		}
	}
	return peers
}

// lowestUp returns the lowest-numbered container of cs that is up, else
// the lowest-numbered one.
func lowestUp(cs []engine.Container) (engine.Container, bool) {
	var best engine.Container
	found := false
	for _, c := range cs {
		switch {
		case !found:
			best, found = c, true
		case c.State.Up() != best.State.Up():
			if c.State.Up() {
				best = c
			}
		case c.Number < best.Number:
			best = c
		}
	}
	return best, found
}

// configure builds every selected service's configuration and hashes,
// spread over the cores: it is CPU work of a few hundred microseconds a
// service, and most of a no-op up's own time.
func (d *Desired) configure() error {
	errs := make([]error, len(d.Order))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, name := range d.Order {
		sp := d.Services[name]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := engine.CreateRequest{Project: d.Project, Service: sp.Service, Name: sp.ContainerName(d.Project.Name, 1), Number: 1, Peers: sp.Peers}
			if sp.ImageID != "" {
				r.Labels = map[string]string{engine.LabelImage: sp.ImageID}
			}
			cc, err := engine.ContainerConfig(r, d.API)
			if err != nil {
				errs[i] = configError(d.Project, err)
				return
			}
			if sp.PostStart, sp.PreStop, err = hooks(sp.Service); err != nil {
				errs[i] = configError(d.Project, err)
				return
			}
			sp.Config, sp.Hashes = cc, engine.HashesOf(cc)
		}()
	}
	wg.Wait()
	// The first error in dependency order, so the message does not vary.
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// hooks returns the post_start and pre_stop hooks of svc.
func hooks(svc types.ServiceConfig) (post, pre []engine.Hook, err error) {
	if post, err = engine.ServiceHooks(svc, engine.PostStart); err != nil {
		return nil, nil, err
	}
	pre, err = engine.ServiceHooks(svc, engine.PreStop)
	return post, pre, err
}

// resources lists the networks and volumes the selected services use,
// read from their configurations, and validates them.
func (d *Desired) resources() {
	p := d.Project
	netByName := map[string]string{}
	for key, n := range p.Networks {
		netByName[resourceName(p.Name, key, n.Name)] = key
	}
	usedNets, usedVols := map[string]bool{}, map[string]bool{}
	for _, name := range d.Order {
		sp := d.Services[name]
		for _, ep := range endpoints(sp.Config) {
			if key, ok := netByName[ep.Network]; ok {
				usedNets[key] = true
				if !containsKey(sp.Networks, key) {
					sp.Networks = append(sp.Networks, key)
				}
			}
		}
		for _, v := range sp.Service.Volumes {
			if v.Type != types.VolumeTypeVolume || v.Source == "" {
				continue
			}
			if _, ok := p.Volumes[v.Source]; ok && !containsKey(sp.Volumes, v.Source) {
				usedVols[v.Source] = true
				sp.Volumes = append(sp.Volumes, v.Source)
			}
		}
		sort.Strings(sp.Networks)
		sort.Strings(sp.Volumes)
	}
	for _, key := range sortedKeys(p.Networks) {
		if !usedNets[key] {
			continue
		}
		n := p.Networks[key]
		d.Networks = append(d.Networks, ResourceSpec{Key: key, Name: resourceName(p.Name, key, n.Name), Hash: engine.NetworkHash(n), External: bool(n.External)})
	}
	for _, key := range sortedKeys(p.Volumes) {
		if !usedVols[key] {
			continue
		}
		v := p.Volumes[key]
		d.Volumes = append(d.Volumes, ResourceSpec{Key: key, Name: resourceName(p.Name, key, v.Name), Hash: engine.VolumeHash(v), External: bool(v.External)})
	}
}

// validateNetworks reports the first network that cannot be created on the
// engine the plan is for.
func (d *Desired) validateNetworks() error {
	for _, n := range d.Networks {
		r := engine.NetworkRequest{Project: d.Project.Name, Key: n.Key, Config: d.Project.Networks[n.Key]}
		if err := engine.ValidateNetwork(r, d.API); err != nil {
			return &project.Error{File: project.FileOf(d.Project), Key: "networks." + n.Key, Msg: err.Error()}
		}
	}
	return nil
}

func containsKey(keys []string, key string) bool {
	for _, k := range keys {
		if k == key {
			return true
		}
	}
	return false
}

// endpoints lists the networks a configuration joins with their settings,
// at create or after.
func endpoints(c engine.CreateConfig) []engine.Endpoint {
	var out []engine.Endpoint
	if c.Networking != nil {
		for name, ep := range c.Networking.EndpointsConfig {
			out = append(out, engine.Endpoint{Network: name, Settings: ep})
		}
	}
	out = append(out, c.Connect...)
	sort.Slice(out, func(i, j int) bool { return out[i].Network < out[j].Network })
	return out
}

// configError turns an engine.ConfigError into a project error naming the
// file as well; other errors pass.
func configError(p *types.Project, err error) error {
	var ce *engine.ConfigError
	if errors.As(err, &ce) {
		return &project.Error{File: project.FileOf(p), Service: ce.Service, Key: ce.Key, Msg: ce.Msg, Err: err}
	}
	return err
}

// Validate builds the configuration of every service of p for an engine
// speaking apiVersion ("": engine.NewestAPI), with placeholder
// peers, and returns the first error: what up would refuse, found without
// an engine (stack config).
func Validate(p *types.Project, apiVersion string) error {
	if apiVersion == "" {
		apiVersion = engine.NewestAPI
	}
	g, err := Graph(p)
	if err != nil {
		return err
	}
	if err := CheckScale(p, nil, nil); err != nil {
		return err
	}
	for _, name := range g.Order() {
		svc := p.Services[name]
		peers := map[string]string{}
		for dep := range svc.DependsOn {
			if ds, ok := p.Services[dep]; ok {
				peers[dep] = containerName(p.Name, ds, 1)
			}
		}
		r := engine.CreateRequest{Project: p, Service: svc, Name: containerName(p.Name, svc, 1), Number: 1, Peers: peers}
		if _, err := engine.ContainerConfig(r, apiVersion); err != nil {
			return configError(p, err)
		}
	}
	for _, key := range sortedKeys(p.Networks) {
		r := engine.NetworkRequest{Project: p.Name, Key: key, Config: p.Networks[key]}
		if err := engine.ValidateNetwork(r, apiVersion); err != nil {
			return &project.Error{File: project.FileOf(p), Key: "networks." + key, Msg: err.Error()}
		}
	}
	return nil
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

// splitLeftovers sorts a service's containers by number and separates the
// replacements an interrupted recreate left under a temporary name, and
// extra containers that claim a number already taken.
func splitLeftovers(project string, s types.ServiceConfig, cs []engine.Container) (kept, leftovers []engine.Container) {
	cs = append([]engine.Container(nil), cs...)
	sort.SliceStable(cs, func(i, j int) bool {
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
