package commands

import (
	"context"
	"fmt"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/deploy"
	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// The --swarm branches of ps, logs, scale and down: the same verbs on a
// project deployed to a swarm (stack deploy).

// swarmFlagUsage is the help of every --swarm flag.
const swarmFlagUsage = "Act on the project deployed to the swarm (stack deploy) instead of its containers"

// runSwarmPs lists the tasks of a deployed project: ps --swarm.
func runSwarmPs(ctx context.Context, o *psOptions) error {
	switch {
	case o.format != display.PsTable && o.format != display.PsJSON:
		return usagef(o.cmd.CommandPath(), "ps --swarm takes --format table or json")
	case len(o.status) > 0 || o.filter != "" || o.listServices:
		return usagef(o.cmd.CommandPath(), "ps --swarm takes neither --status, --filter nor --services")
	}
	_, name, err := o.projectOrName(ctx, o.services)
	if err != nil {
		return err
	}
	return o.callSwarm(warnings(o.stderr), func(v swarmVerbs) error {
		tasks, err := v.Tasks(ctx, name, deploy.TasksOptions{All: o.all, Services: o.services})
		if err != nil {
			return err
		}
		if o.quiet {
			for _, t := range tasks {
				fmt.Fprintln(o.stdout, t.ID)
			}
			return nil
		}
		return display.WriteTasks(o.stdout, o.format, tasks, o.clock())
	})
}

// runSwarmLogs streams the logs of a deployed project's services to sink.
func runSwarmLogs(ctx context.Context, o *logsOptions, name string, sink stack.LogSink) error {
	if o.index != 0 {
		return usagef(o.cmd.CommandPath(), "logs --swarm takes no --index: the tasks' lines are named web.SLOT@NODE")
	}
	return o.callSwarm(warnings(o.stderr), func(v swarmVerbs) error {
		return v.Logs(ctx, name, deploy.LogsOptions{
			Services: o.services,
			LogOptions: engine.LogOptions{Follow: o.follow, Tail: o.tail, Since: o.since, Until: o.until,
				Timestamps: o.timestamps || o.format == logsJSON},
		}, sink)
	})
}

// runSwarmScale sets the replicas of a deployed project's services.
func runSwarmScale(ctx context.Context, c *cli, scale map[string]int) error {
	_, name, err := c.projectOrName(ctx, nil)
	if err != nil {
		return err
	}
	prog, err := c.progress("Scaling")
	if err != nil {
		return err
	}
	defer prog.Close()
	return c.callSwarm(prog, func(v swarmVerbs) error {
		return v.Scale(ctx, name, scale, deploy.ScaleOptions{})
	})
}

// runSwarmDown takes a deployed project off the swarm.
func runSwarmDown(ctx context.Context, o *downOptions, name string) error {
	prog, err := o.progress("Removing")
	if err != nil {
		return err
	}
	var notes []string
	err = o.callSwarm(prog, func(v swarmVerbs) (err error) {
		notes, err = v.Remove(ctx, name, deploy.RemoveOptions{Volumes: o.volumes})
		return err
	})
	prog.Close()
	for _, n := range notes {
		fmt.Fprintf(o.stderr, "stack: %s\n", n)
	}
	return err
}
