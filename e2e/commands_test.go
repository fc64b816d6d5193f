package e2e

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"

	units "github.com/docker/go-units"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestCommands runs testdata/commands/*.txtar: the commands that work on
// the containers of a service (attach, cp, create, stats, commit, export,
// volumes, diff), against the Docker Engine. It runs in parallel with the
// other groups.
func TestCommands(t *testing.T) {
	t.Parallel()
	runScripts(t, scriptGroup{
		dir:  "testdata/commands",
		cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"statsjson": cmdStatsJSON},
	})
}

// statsRow is a line of stack stats --format json.
type statsRow struct {
	Name, ID, CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDs string
}

// cmdStatsJSON checks the output of stack stats --no-stream --format json:
//
//	statsjson FILE NAME...   one line per NAME and no other, each with
//	                         plausible numbers: CPU between 0 and 100% per
//	                         core, memory used above 0 and below its limit,
//	                         at least one process
func cmdStatsJSON(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: statsjson FILE NAME...")
	}
	want := map[string]bool{}
	for _, n := range args[1:] {
		want[n] = true
	}
	for _, line := range strings.Split(strings.TrimSpace(ts.ReadFile(args[0])), "\n") {
		var r statsRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			ts.Fatalf("not a JSON object: %q: %v", line, err)
		}
		if !want[r.Name] {
			ts.Fatalf("unexpected or repeated container %q in %q", r.Name, line)
		}
		delete(want, r.Name)
		cpu, err := strconv.ParseFloat(strings.TrimSuffix(r.CPUPerc, "%"), 64)
		if err != nil || cpu < 0 || cpu > float64(100*runtime.NumCPU()) {
			ts.Fatalf("%s: implausible CPU %q", r.Name, r.CPUPerc)
		}
		used, limit, ok := strings.Cut(r.MemUsage, " / ")
		u, err1 := units.RAMInBytes(used)
		l, err2 := units.RAMInBytes(limit)
		if !ok || err1 != nil || err2 != nil || u <= 0 || l <= u {
			ts.Fatalf("%s: implausible memory %q", r.Name, r.MemUsage)
		}
		if n, err := strconv.Atoi(r.PIDs); err != nil || n < 1 {
			ts.Fatalf("%s: implausible process count %q", r.Name, r.PIDs)
		}
		if len(r.ID) != 12 || !strings.Contains(r.NetIO, " / ") || !strings.Contains(r.BlockIO, " / ") {
			ts.Fatalf("%s: malformed row %q", r.Name, line)
		}
		fmt.Fprintf(ts.Stdout(), "%s: CPU %s, memory %s, %s processes\n", r.Name, r.CPUPerc, r.MemUsage, r.PIDs)
	}
	if len(want) > 0 {
		ts.Fatalf("no stats for %v", want)
	}
}
