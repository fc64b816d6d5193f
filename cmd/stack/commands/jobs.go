package commands

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/agent"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

func newJobsCommand(c *cli) *cobra.Command {
	var format string
	var last int
	cmd := &cobra.Command{
		Use:   "jobs [OPTIONS]",
		Short: "List scheduled and triggered services and the runs of jobs",
		Long: `List scheduled and triggered services and the runs of jobs.

Shows each service with an x-schedule or x-on: its schedule, its triggers,
its next tick and, for jobs (x-schedule.run), its last runs with trigger,
duration and exit code, newest first. The history is read from the run
containers on the engine (x-schedule.keep of them are kept), so it does not
depend on the agent.`,
		Example: `  # The jobs of the project and their last runs
  stack jobs

  # As JSON, with every run the engine keeps
  stack jobs --format json --last 0

  # Run the job backup now (its overlap rule applies)
  stack jobs run backup`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runJobs(cmd.Context(), c, format, last)
		},
	}
	cmd.Flags().StringVar(&format, "format", display.JobsTable, `Format the output: "table" or "json"`)
	cmd.Flags().IntVar(&last, "last", 3, "Show the last N runs of each job (0: all that are kept)")
	cmd.AddCommand(newJobsRunCommand(c))
	return cmd
}

func runJobs(ctx context.Context, c *cli, format string, last int) error {
	if format != display.JobsTable && format != display.JobsJSON {
		return usagef("stack jobs", "unsupported --format %q: use table or json", format)
	}
	if last < 0 {
		return usagef("stack jobs", "--last must be 0 or more, got %d", last)
	}
	p, eng, err := c.engineProject(ctx, nil)
	if err != nil {
		return err
	}
	defer eng.Close()
	now := c.clock()
	jobs, err := agent.Jobs(ctx, eng, p, now, last)
	if err != nil {
		return err
	}
	return display.WriteJobs(c.stdout, jobs, format, now)
}

func newJobsRunCommand(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "run JOB",
		Short: "Run a job now",
		Long: `Run a job now, as its schedule would: its dependencies are brought up,
then a run container is started, unless the overlap rule says otherwise
(skip: a run still runs). Prints the name of the run's container.`,
		Example: `  # Run the backup job now and show its output
  stack jobs run backup && stack logs backup`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef(cmd.CommandPath(), "%q needs exactly one job, got %d arguments", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			p, eng, err := c.engineProject(ctx, args)
			if err != nil {
				return err
			}
			defer eng.Close()
			prog, err := c.progress("Running")
			if err != nil {
				return err
			}
			defer prog.Close()
			lock, err := c.lockOptions()
			if err != nil {
				return err
			}
			st := stack.New(stack.Options{Engine: eng, Sink: prog, Parallel: c.global.parallel, Lock: lock})
			name, err := st.RunJob(ctx, p, stack.JobRunOptions{Service: args[0], Trigger: stack.TriggerManual, Reason: "stack jobs run"})
			if err != nil {
				return err
			}
			if name != "" {
				fmt.Fprintln(c.stdout, name)
			}
			return nil
		},
	}
}
