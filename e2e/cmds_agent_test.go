package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The await command: what the agent does happens in the background, so a
// script waits for the state it expects, bounded by awaitLimit only to
// fail rather than hang. It measures nothing.

// awaitLimit is how long await keeps looking.
const awaitLimit = 3 * time.Minute

// awaitConditions are the conditions of await; each returns why it does
// not hold yet.
var awaitConditions = map[string]func(ctx context.Context, ts *testscript.TestScript, args []string) error{
	"running":    awaitState("running"),
	"exited":     awaitState("exited"),
	"gone":       awaitGone,
	"startorder": awaitOrder(func(s containerTimes) time.Time { return s.Started }, "started"),
	"stoporder":  awaitOrder(func(s containerTimes) time.Time { return s.Finished }, "finished"),
	"runs":       awaitRuns,
}

// cmdAwait is "await CONDITION ARGS...":
//
//	await running|exited CONTAINER   its .State.Status
//	await gone CONTAINER             it no longer exists
//	await startorder C1 C2...        all started, in this order (StartedAt)
//	await stoporder C1 C2...         all exited, in this order (FinishedAt)
//	await runs JOB N                 N runs of JOB have finished, exit code
//	                                 0, and no two of its runs overlapped
func cmdAwait(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: await running|exited|gone|startorder|stoporder|runs ARGS...")
	}
	cond, ok := awaitConditions[args[0]]
	if !ok {
		ts.Fatalf("await: unknown condition %q", args[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), awaitLimit)
	defer cancel()
	for {
		err := cond(ctx, ts, args[1:])
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			ts.Fatalf("await %s: not within %s: %v", strings.Join(args, " "), awaitLimit, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// containerTimes is what await reads of a container.
type containerTimes struct {
	Name     string
	Status   string
	Exit     int
	Started  time.Time
	Finished time.Time
}

// times inspects containers; a missing one is an error.
func times(ctx context.Context, names ...string) ([]containerTimes, error) {
	out, err := docker(ctx, append([]string{"inspect", "--type", "container"}, names...)...)
	if err != nil {
		return nil, err
	}
	var objs []struct {
		Name  string
		State struct {
			Status     string
			ExitCode   int
			StartedAt  time.Time
			FinishedAt time.Time
		}
	}
	if err := json.Unmarshal([]byte(out), &objs); err != nil {
		return nil, err
	}
	ts := make([]containerTimes, len(objs))
	for i, o := range objs {
		ts[i] = containerTimes{Name: strings.TrimPrefix(o.Name, "/"), Status: o.State.Status, Exit: o.State.ExitCode, Started: o.State.StartedAt, Finished: o.State.FinishedAt}
		if ts[i].Started.Year() < 2000 {
			ts[i].Started = time.Time{}
		}
		if ts[i].Finished.Year() < 2000 {
			ts[i].Finished = time.Time{}
		}
	}
	return ts, nil
}

func awaitState(want string) func(context.Context, *testscript.TestScript, []string) error {
	return func(ctx context.Context, _ *testscript.TestScript, args []string) error {
		ts, err := times(ctx, args[0])
		if err != nil {
			return err
		}
		if ts[0].Status != want {
			return fmt.Errorf("%s is %s", args[0], ts[0].Status)
		}
		return nil
	}
}

func awaitGone(ctx context.Context, _ *testscript.TestScript, args []string) error {
	out, err := docker(ctx, "ps", "-a", "--filter", "name=^"+args[0]+"$", "--format", "{{.Names}}")
	if err != nil {
		return err
	}
	if strings.TrimSpace(out) != "" {
		return fmt.Errorf("%s still exists", args[0])
	}
	return nil
}

func awaitOrder(at func(containerTimes) time.Time, what string) func(context.Context, *testscript.TestScript, []string) error {
	return func(ctx context.Context, _ *testscript.TestScript, args []string) error {
		ts, err := times(ctx, args...)
		if err != nil {
			return err
		}
		var table strings.Builder
		for i, t := range ts {
			fmt.Fprintf(&table, "%s %s %s\n", at(t).Format(time.RFC3339Nano), t.Name, t.Status)
			if at(t).IsZero() || what == "finished" && t.Status != "exited" {
				return fmt.Errorf("%s has not %s:\n%s", t.Name, what, table.String())
			}
			if i > 0 && !at(t).After(at(ts[i-1])) {
				return fmt.Errorf("not %s in the order given:\n%s", what, table.String())
			}
		}
		return nil
	}
}

// awaitRuns waits for N finished runs of a job, and fails at once when two
// of its runs overlapped or one failed.
func awaitRuns(ctx context.Context, ts *testscript.TestScript, args []string) error {
	if len(args) != 2 {
		ts.Fatalf("usage: await runs JOB N")
	}
	n, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("await runs: N %q is not a number", args[1])
	}
	out, err := docker(ctx, "ps", "-a", "--filter", projectFilter(ts), "--filter", "label=io.stack.job="+args[0], "--format", "{{.Names}}")
	if err != nil {
		return err
	}
	names := strings.Fields(out)
	if len(names) == 0 {
		return fmt.Errorf("no run of %s yet", args[0])
	}
	runs, err := times(ctx, names...)
	if err != nil {
		return err
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Started.Before(runs[j].Started) })
	finished := 0
	for i, r := range runs {
		if r.Started.IsZero() {
			continue
		}
		if i > 0 && !runs[i-1].Finished.IsZero() && r.Started.Before(runs[i-1].Finished) || i > 0 && runs[i-1].Finished.IsZero() && runs[i-1].Status == "running" {
			ts.Fatalf("runs of %s overlap: %s started at %s, before %s finished (%s)", args[0], r.Name, r.Started, runs[i-1].Name, runs[i-1].Finished)
		}
		if r.Status == "exited" {
			if r.Exit != 0 {
				ts.Fatalf("run %s of %s exited with %d", r.Name, args[0], r.Exit)
			}
			finished++
		}
	}
	fmt.Fprintf(ts.Stdout(), "%d runs of %s finished\n", finished, args[0])
	if finished < n {
		return fmt.Errorf("%d runs of %s finished, want %d", finished, args[0], n)
	}
	return nil
}
