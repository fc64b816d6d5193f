package display

import (
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	units "github.com/docker/go-units"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Container list formats, the values of ps --format besides a Go template.
const (
	PsTable = "table"
	PsJSON  = "json"
)

// PsRow is one container as ps shows it. Its JSON form has Compose's field
// names; a --format template sees the same fields.
type PsRow struct {
	ID         string
	Name       string
	Names      []string
	Image      string
	Project    string
	Service    string
	Number     int `json:"-"`
	CreatedAt  string
	RunningFor string
	State      string
	Status     string
	Health     string
	// ExitCode is known for exited containers, from the engine's status.
	ExitCode   int
	Ports      string
	Publishers []engine.Port
	Networks   string
	Labels     string
}

// NewPsRows converts containers for display; now dates "2 minutes ago".
func NewPsRows(cs []engine.Container, now time.Time) []PsRow {
	rows := make([]PsRow, 0, len(cs))
	for _, c := range cs {
		pubs := c.Ports
		if pubs == nil {
			pubs = []engine.Port{}
		}
		r := PsRow{
			ID:         shortID(c.ID),
			Name:       c.Name,
			Names:      []string{c.Name},
			Image:      c.Image,
			Project:    c.Project,
			Service:    c.Service,
			Number:     c.Number,
			State:      string(c.State),
			Status:     c.Status,
			Health:     c.Health,
			ExitCode:   exitCode(c.Status),
			Ports:      Ports(c.Ports),
			Publishers: pubs,
			Networks:   strings.Join(c.Networks, ","),
			Labels:     labels(c.Labels),
		}
		if !c.Created.IsZero() {
			r.CreatedAt = c.Created.Format("2006-01-02 15:04:05 -0700 MST")
			r.RunningFor = units.HumanDuration(now.Sub(c.Created)) + " ago"
		}
		rows = append(rows, r)
	}
	return rows
}

// WritePs writes rows in format: "table" (the default), "json" (one object
// per line, as Compose does), or a Go template executed per container
// ("table TEMPLATE" adds a header), as writeFormatted does.
func WritePs(w io.Writer, format string, rows []PsRow) error {
	header := []string{"NAME", "IMAGE", "SERVICE", "CREATED", "STATUS", "PORTS"}
	headers := map[string]string{"RunningFor": "CREATED", "CreatedAt": "CREATED AT"}
	return writeFormatted(w, format, header, headers, rows, func(r PsRow) []string {
		return []string{r.Name, r.Image, r.Service, r.RunningFor, r.Status, r.Ports}
	})
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// exitedRE reads the exit code from the engine's status text.
var exitedRE = regexp.MustCompile(`^Exited \((-?\d+)\)`)

func exitCode(status string) int {
	m := exitedRE.FindStringSubmatch(status)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func labels(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}

// Ports renders ports as Docker and Compose do, consecutive ports merged
// into ranges: "0.0.0.0:8000-8001->80-81/tcp, :::8000->80/tcp, 443/tcp".
func Ports(ports []engine.Port) string {
	if len(ports) == 0 {
		return ""
	}
	ps := slices.Clone(ports)
	slices.SortFunc(ps, func(a, b engine.Port) int {
		if a.HostIP != b.HostIP {
			return strings.Compare(a.HostIP, b.HostIP)
		}
		if a.Protocol != b.Protocol {
			return strings.Compare(a.Protocol, b.Protocol)
		}
		if a.HostPort != b.HostPort {
			return int(a.HostPort) - int(b.HostPort)
		}
		return int(a.ContainerPort) - int(b.ContainerPort)
	})
	var out []string
	var cur portRange
	for i, p := range ps {
		if i > 0 && cur.extends(p) {
			cur.pubEnd, cur.tgtEnd = p.HostPort, p.ContainerPort
			continue
		}
		if i > 0 {
			out = append(out, cur.String())
		}
		cur = portRange{ip: p.HostIP, proto: p.Protocol,
			pubStart: p.HostPort, pubEnd: p.HostPort, tgtStart: p.ContainerPort, tgtEnd: p.ContainerPort}
	}
	out = append(out, cur.String())
	return strings.Join(out, ", ")
}

// portRange is a run of consecutive port mappings.
type portRange struct {
	ip, proto        string
	pubStart, pubEnd uint16
	tgtStart, tgtEnd uint16
}

// extends reports whether p continues the run: same address and protocol,
// next published port and next target port (or, unpublished, next target).
func (r portRange) extends(p engine.Port) bool {
	if p.HostIP != r.ip || p.Protocol != r.proto || p.ContainerPort != r.tgtEnd+1 {
		return false
	}
	if r.pubStart == 0 {
		return p.HostPort == 0
	}
	return p.HostPort == r.pubEnd+1
}

func (r portRange) String() string {
	tgt := strconv.Itoa(int(r.tgtStart))
	if r.tgtEnd != r.tgtStart {
		tgt += "-" + strconv.Itoa(int(r.tgtEnd))
	}
	if r.pubStart == 0 {
		return tgt + "/" + r.proto
	}
	pub := strconv.Itoa(int(r.pubStart))
	if r.pubEnd != r.pubStart {
		pub += "-" + strconv.Itoa(int(r.pubEnd))
	}
	return r.ip + ":" + pub + "->" + tgt + "/" + r.proto
}
