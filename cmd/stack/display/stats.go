package display

import (
	"fmt"
	"io"
	"strconv"

	units "github.com/docker/go-units"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// StatsRow is a container's resource usage as docker stats shows it; its
// JSON form and --format templates have the docker CLI's field names.
type StatsRow struct {
	BlockIO   string
	CPUPerc   string
	Container string
	ID        string
	MemPerc   string
	MemUsage  string
	Name      string
	NetIO     string
	PIDs      string
}

// statsHeaders name the columns of a "table TEMPLATE" stats format.
var statsHeaders = map[string]string{
	"BlockIO": "BLOCK I/O", "CPUPerc": "CPU %", "Container": "CONTAINER", "ID": "CONTAINER ID",
	"MemPerc": "MEM %", "MemUsage": "MEM USAGE / LIMIT", "NetIO": "NET I/O", "PIDs": "PIDS",
}

// NewStatsRows formats samples as the docker CLI does: percentages with
// two decimals, memory in binary units, I/O in decimal ones, "--" for a
// container without a sample. IDs are shortened unless noTrunc.
func NewStatsRows(stats []stack.ContainerStats, noTrunc bool) []StatsRow {
	rows := make([]StatsRow, 0, len(stats))
	for _, s := range stats {
		id := s.Container.ID
		if !noTrunc {
			id = shortID(id)
		}
		r := StatsRow{Container: id, ID: id, Name: s.Container.Name,
			CPUPerc: "--", MemPerc: "--", MemUsage: "-- / --", NetIO: "--", BlockIO: "--", PIDs: "--"}
		if s.Sampled {
			r.CPUPerc = fmt.Sprintf("%.2f%%", s.CPUPercent)
			r.MemPerc = fmt.Sprintf("%.2f%%", s.MemPercent)
			r.MemUsage = units.BytesSize(float64(s.MemUsage)) + " / " + units.BytesSize(float64(s.MemLimit))
			r.NetIO = decimal(s.NetRx) + " / " + decimal(s.NetTx)
			r.BlockIO = decimal(s.BlockRead) + " / " + decimal(s.BlockWrite)
			r.PIDs = strconv.FormatUint(s.PIDs, 10)
		}
		rows = append(rows, r)
	}
	return rows
}

func decimal(n uint64) string {
	return units.HumanSizeWithPrecision(float64(n), 3)
}

// WriteStats writes rows in format: the docker CLI's table, "json" (an
// object per line) or a template (see writeFormatted).
func WriteStats(w io.Writer, format string, rows []StatsRow) error {
	header := []string{"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"}
	return writeFormatted(w, format, header, statsHeaders, rows, func(r StatsRow) []string {
		return []string{r.ID, r.Name, r.CPUPerc, r.MemUsage, r.MemPerc, r.NetIO, r.BlockIO, r.PIDs}
	})
}

// ClearScreen moves a terminal's cursor home and clears the screen, as a
// live docker stats does before each table.
const ClearScreen = "\033[2J\033[H"
