package ui

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/graph"
	"github.com/stack-orchestrator/stack/pkg/project"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// What the page is sent: names, states, ports and edges of the services,
// never their environment, labels or commands, which may hold secrets.

// State is what a service or container is doing, as the page colours it.
type State string

// The states of a service, from its containers. A service with several
// containers shows the most pressing of theirs.
const (
	StateNone       State = "none" // no container: not created
	StateCreated    State = "created"
	StateStarting   State = "starting" // running, health not known yet
	StateRunning    State = "running"  // running, no healthcheck
	StateHealthy    State = "healthy"
	StateUnhealthy  State = "unhealthy"
	StateExited     State = "exited"
	StatePaused     State = "paused"
	StateRestarting State = "restarting"
	StateDead       State = "dead"
	StateRemoving   State = "removing"
)

// urgency orders the states of a service's containers: the service shows
// the lowest. An exit with code 0 is less pressing than a failure.
func urgency(s State, code *int) int {
	switch s {
	case StateUnhealthy:
		return 0
	case StateDead:
		return 1
	case StateRestarting:
		return 2
	case StateExited:
		if code == nil || *code != 0 {
			return 3
		}
		return 8
	case StateStarting:
		return 4
	case StateRemoving:
		return 5
	case StateCreated:
		return 6
	case StatePaused:
		return 7
	case StateRunning:
		return 9
	case StateHealthy:
		return 10
	}
	return 0 // a state this version does not know: show it
}

// ProjectView is the whole page's data for one project.
type ProjectView struct {
	Name string `json:"name"`
	// File is true when the project's stack file was loaded: up, recreate
	// and scale need it; the other verbs work from the labels.
	File        bool          `json:"file"`
	FileError   string        `json:"fileError,omitempty"`
	ConfigFiles []string      `json:"configFiles,omitempty"`
	Services    []ServiceView `json:"services"`
	ReadOnly    bool          `json:"readOnly"`
	// Jobs is true when schedules and job runs can be shown.
	Jobs bool `json:"jobs"`
}

// ServiceView is one node of the graph.
type ServiceView struct {
	Name     string     `json:"name"`
	Image    string     `json:"image,omitempty"`
	Priority int        `json:"priority"`
	Deps     []EdgeView `json:"deps"`
	// Desired is the number of containers the file asks for; -1 when the
	// file is not loaded.
	Desired int   `json:"desired"`
	State   State `json:"state"`
	// ExitCode is set when State is exited.
	ExitCode   *int            `json:"exitCode,omitempty"`
	Up         int             `json:"up"`
	Containers []ContainerView `json:"containers"`
	Ports      []PortView      `json:"ports,omitempty"`
	// Orphan is true for a service that has containers but is not in the
	// loaded file.
	Orphan bool `json:"orphan,omitempty"`
	// Scalable is false when a container_name or a fixed host port keeps
	// the service at one container.
	Scalable bool `json:"scalable"`
}

// EdgeView is a dependency: the service waits for To to meet Condition.
type EdgeView struct {
	To        string `json:"to"`
	Kind      string `json:"kind"`
	Condition string `json:"condition"`
}

// ContainerView is one container of a service.
type ContainerView struct {
	Name     string `json:"name"`
	Number   int    `json:"number"`
	State    State  `json:"state"`
	Status   string `json:"status"`
	ExitCode *int   `json:"exitCode,omitempty"`
}

// PortView is a published port.
type PortView struct {
	HostIP   string `json:"hostIP,omitempty"`
	HostPort uint16 `json:"hostPort"`
	Target   uint16 `json:"target"`
	Protocol string `json:"protocol"`
}

var exitStatus = regexp.MustCompile(`^Exited \((-?\d+)\)`)

// containerState maps the engine's state and health to a State, with the
// exit code of an exited container.
func containerState(c engine.Container) (State, *int) {
	switch c.State {
	case "created":
		return StateCreated, nil
	case "running":
		switch c.Health {
		case "starting":
			return StateStarting, nil
		case "healthy":
			return StateHealthy, nil
		case "unhealthy":
			return StateUnhealthy, nil
		}
		return StateRunning, nil
	case "exited":
		if m := exitStatus.FindStringSubmatch(c.Status); m != nil {
			code, _ := strconv.Atoi(m[1])
			return StateExited, &code
		}
		return StateExited, nil
	case "paused":
		return StatePaused, nil
	case "restarting":
		return StateRestarting, nil
	case "dead":
		return StateDead, nil
	case "removing":
		return StateRemoving, nil
	}
	return State(c.State), nil
}

// isUp reports whether a container state has a process.
func isUp(s State) bool {
	switch s {
	case StateStarting, StateRunning, StateHealthy, StateUnhealthy, StatePaused, StateRestarting:
		return true
	}
	return false
}

// buildView assembles the services of a project from its file (p, may be
// nil) and its containers cs: the file gives the services and edges; with
// no file, the containers' labels do.
func buildView(name string, p *types.Project, cs []engine.Container) ProjectView {
	v := ProjectView{Name: name, File: p != nil, Services: []ServiceView{}}
	byService := map[string][]engine.Container{}
	for _, c := range cs {
		if c.OneOff {
			continue
		}
		byService[c.Service] = append(byService[c.Service], c)
	}
	seen := map[string]bool{}
	if p != nil {
		v.ConfigFiles = p.ComposeFiles
		g, err := stack.Graph(p)
		for _, name := range sortedServices(p) {
			svc := p.Services[name]
			s := ServiceView{Name: name, Image: stack.ImageName(p, svc), Priority: project.Priority(svc), Desired: svc.GetScale(), Scalable: stack.CheckScale(p, []string{name}, map[string]int{name: 2}) == nil}
			if err == nil {
				s.Deps = edgesOf(g, name)
			}
			s.Ports = filePorts(svc)
			fillContainers(&s, byService[name])
			v.Services = append(v.Services, s)
			seen[name] = true
		}
	}
	var rest []string
	for svc := range byService {
		if !seen[svc] {
			rest = append(rest, svc)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		s := ServiceView{Name: name, Desired: -1, Orphan: p != nil, Scalable: true}
		list := byService[name]
		s.Image = list[0].Image
		s.Deps = labelEdges(list[0].Labels[engine.LabelDependsOn], byService)
		fillContainers(&s, list)
		v.Services = append(v.Services, s)
	}
	return v
}

func sortedServices(p *types.Project) []string {
	names := make([]string, 0, len(p.Services))
	for name := range p.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func edgesOf(g *graph.Graph, name string) []EdgeView {
	deps := g.Dependencies(name)
	out := make([]EdgeView, 0, len(deps))
	for _, e := range deps {
		out = append(out, EdgeView{To: e.To, Kind: e.Kind, Condition: e.Condition})
	}
	return out
}

// labelEdges reads Compose's depends_on label, "svc:condition:restart,...",
// keeping the services that have containers.
func labelEdges(label string, services map[string][]engine.Container) []EdgeView {
	out := []EdgeView{}
	for _, part := range strings.Split(label, ",") {
		f := strings.Split(part, ":")
		if f[0] == "" {
			continue
		}
		if _, ok := services[f[0]]; !ok {
			continue
		}
		e := EdgeView{To: f[0], Kind: stack.EdgeDependsOn, Condition: types.ServiceConditionStarted}
		if len(f) > 1 && f[1] != "" {
			e.Condition = f[1]
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].To < out[j].To })
	return out
}

// filePorts are the ports the file publishes; the containers' own replace
// them once they exist (an ephemeral host port is only known then).
func filePorts(svc types.ServiceConfig) []PortView {
	var out []PortView
	for _, p := range svc.Ports {
		hp, _ := strconv.ParseUint(p.Published, 10, 16)
		if hp == 0 {
			continue
		}
		out = append(out, PortView{HostIP: p.HostIP, HostPort: uint16(hp), Target: uint16(p.Target), Protocol: p.Protocol})
	}
	return out
}

// fillContainers sets the state, counts and ports of s from its containers.
func fillContainers(s *ServiceView, cs []engine.Container) {
	s.State = StateNone
	s.Containers = make([]ContainerView, 0, len(cs))
	var ports []PortView
	best := -1
	for _, c := range cs {
		st, code := containerState(c)
		s.Containers = append(s.Containers, ContainerView{Name: c.Name, Number: c.Number, State: st, Status: c.Status, ExitCode: code})
		if isUp(st) {
			s.Up++
		}
		if u := urgency(st, code); best < 0 || u < best {
			best, s.State, s.ExitCode = u, st, code
		}
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			pv := PortView{HostIP: p.HostIP, HostPort: p.HostPort, Target: p.ContainerPort, Protocol: p.Protocol}
			if !containsPort(ports, pv) {
				ports = append(ports, pv)
			}
		}
	}
	sort.Slice(s.Containers, func(i, j int) bool { return s.Containers[i].Number < s.Containers[j].Number })
	if len(cs) > 0 {
		sort.Slice(ports, func(i, j int) bool {
			if ports[i].Target != ports[j].Target {
				return ports[i].Target < ports[j].Target
			}
			return ports[i].HostPort < ports[j].HostPort
		})
		s.Ports = ports
	}
}

// containsPort ignores the host address family: Docker lists a port
// published on 0.0.0.0 and :: twice.
func containsPort(ps []PortView, p PortView) bool {
	for _, q := range ps {
		if q.HostPort == p.HostPort && q.Target == p.Target && q.Protocol == p.Protocol {
			return true
		}
	}
	return false
}
