package display

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	units "github.com/docker/go-units"

	"github.com/stack-orchestrator/stack/pkg/agent"
)

// Job list formats, the values of jobs --format.
const (
	JobsTable = "table"
	JobsJSON  = "json"
)

// WriteJobs prints the scheduled and triggered services: a table with
// each job's runs below it, newest first, or one JSON document. now
// dates "in 5 seconds" and "3 minutes ago".
func WriteJobs(w io.Writer, jobs []agent.Job, format string, now time.Time) error {
	if format == JobsJSON {
		if jobs == nil {
			jobs = []agent.Job{}
		}
		b, err := json.MarshalIndent(jobs, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tSCHEDULE\tTRIGGERS\tNEXT\tLAST RUN")
	for _, j := range jobs {
		next := "-"
		if j.Next != nil {
			next = fmt.Sprintf("%s in %s (%s)", j.NextAction, units.HumanDuration(j.Next.Sub(now)), j.Next.Local().Format("2006-01-02 15:04:05"))
		}
		last := "-"
		if len(j.Runs) > 0 {
			last = runSummary(j.Runs[0], now)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", j.Service, dash(j.Schedule), dash(strings.Join(j.Triggers, "; ")), next, last)
		for _, r := range j.Runs {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t\t%s\n", r.Container, r.Trigger, r.Reason, runSummary(r, now))
		}
	}
	return tw.Flush()
}

// runSummary is one run in a few words: "exit 0 after 3.0s, 2 minutes
// ago", "running for 2s".
func runSummary(r agent.Run, now time.Time) string {
	switch {
	case r.Started == nil:
		return r.State
	case r.ExitCode == nil:
		return "running for " + r.Duration.String()
	}
	return fmt.Sprintf("exit %d after %s, %s ago", *r.ExitCode, r.Duration, units.HumanDuration(now.Sub(*r.Finished)))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
