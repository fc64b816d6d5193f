package display

import (
	"fmt"
	"io"
	"strings"
	"time"

	units "github.com/docker/go-units"

	"github.com/stack-orchestrator/stack/pkg/deploy"
	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Listings of a project deployed on a swarm: its services and its tasks.

// ServiceRow is one service as `stack services` shows it.
type ServiceRow struct {
	ID       string
	Name     string
	Service  string
	Mode     string
	Replicas string // running/desired, or completed/asked for a job
	Image    string
	Ports    string
	Update   string `json:",omitempty"`
}

// WriteServices writes services as a table or a JSON array.
func WriteServices(w io.Writer, format string, services []deploy.ServiceInfo) error {
	rows := make([]ServiceRow, 0, len(services))
	for _, s := range services {
		r := ServiceRow{
			ID: shortID(s.ID), Name: s.Name, Service: s.Service, Mode: s.Mode,
			Replicas: fmt.Sprintf("%d/%d", s.Running, s.Desired), Image: s.Image,
			Ports: swarmPorts(s.Ports, "*"), Update: s.UpdateState,
		}
		rows = append(rows, r)
	}
	header := []string{"ID", "NAME", "SERVICE", "MODE", "REPLICAS", "IMAGE", "PORTS"}
	return writeList(w, format, header, rows, func(r ServiceRow) []string {
		replicas := r.Replicas
		if r.Update != "" && r.Update != "completed" {
			replicas += " (" + strings.ReplaceAll(r.Update, "_", " ") + ")"
		}
		return []string{r.ID, r.Name, r.Service, r.Mode, replicas, r.Image, r.Ports}
	})
}

// TaskRow is one task as `stack ps --swarm` shows it.
type TaskRow struct {
	ID           string
	Name         string
	Service      string
	Image        string
	Node         string
	NodeAddr     string
	DesiredState string
	CurrentState string
	Error        string
	Ports        string
	// Publishers are the host ports of the task, on NodeAddr.
	Publishers []engine.PortConfig
}

// WriteTasks writes tasks as a table or a JSON array; now dates "2
// minutes ago".
func WriteTasks(w io.Writer, format string, tasks []deploy.TaskInfo, now time.Time) error {
	rows := make([]TaskRow, 0, len(tasks))
	for _, t := range tasks {
		state := t.State
		if !t.Since.IsZero() {
			state += " " + units.HumanDuration(now.Sub(t.Since)) + " ago"
		}
		rows = append(rows, TaskRow{
			ID: shortID(t.ID), Name: t.Name, Service: t.Service, Image: t.Image, Node: t.Node, NodeAddr: t.NodeAddr,
			DesiredState: t.DesiredState, CurrentState: state, Error: t.Error, Ports: swarmPorts(t.Ports, t.NodeAddr),
			Publishers: t.Ports,
		})
	}
	header := []string{"ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR", "PORTS"}
	return writeList(w, format, header, rows, func(r TaskRow) []string {
		return []string{r.ID, r.Name, r.Image, r.Node, r.DesiredState, r.CurrentState, r.Error, r.Ports}
	})
}

// swarmPorts renders published ports as "ADDR:8080->80/tcp", with
// " (host)" after a port published on the nodes of its tasks only.
func swarmPorts(ports []engine.PortConfig, addr string) string {
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		s := fmt.Sprintf("%d/%s", p.Target, p.Protocol)
		if p.Published != 0 {
			s = fmt.Sprintf("%s:%d->%s", addr, p.Published, s)
		}
		if p.Mode == "host" && addr == "*" {
			s += " (host)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
