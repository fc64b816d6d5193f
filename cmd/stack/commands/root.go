package commands

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/stack-orchestrator/stack/cmd/stack/display"
	"github.com/stack-orchestrator/stack/pkg/project"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// cli is what the commands share: the process's streams and environment,
// the global flags, and how to reach the verbs.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// environ is the process environment, in os.Environ form.
	environ []string
	// workDir is the directory stack files are looked for from; "" means
	// the process's working directory.
	workDir string
	// stdoutTTY and stderrTTY tell whether the streams are terminals.
	stdoutTTY, stderrTTY bool
	// termSize returns the size of the terminal on stderr.
	termSize func() (cols, rows int)
	// now is the clock for "2 minutes ago"; nil means time.Now.
	now func() time.Time
	// kill is closed by the second interrupt.
	kill <-chan struct{}
	// newVerbs connects to the engine; it is called only after the
	// command line and the stack file have been validated.
	newVerbs func(sink stack.Sink, parallel int) (verbs, func(), error)

	global globalOptions
	// model is the loading config skips (--no-interpolate, ...); zero for
	// every other command.
	model project.ModelOptions
	// command is the command line's command, e.g. "stack up": what a
	// project lock it takes says it is held by.
	command string
}

// globalOptions are Compose's global flags, valid before or after the
// command.
type globalOptions struct {
	files       []string
	projectName string
	projectDir  string
	envFiles    []string
	profiles    []string
	parallel    int
	progress    string
	dryRun      bool
	ansi        string
	// host and context choose the engine (-H/--host, --context).
	host, context string
	// strict refuses what stack warns about in the stack file (keys it
	// does not honour, binds that hand over the host).
	strict bool
	// allResources keeps networks, volumes, secrets and configs that no
	// service uses.
	allResources bool
	// noWaitLock fails at once when another command holds the project's
	// lock, instead of waiting for it.
	noWaitLock bool
	// debugCounts prints, at exit, the process's goroutines, open files
	// and memory: what the load runs check for leaks.
	debugCounts bool
}

// getenv returns the value of key in the environment, or "".
func (c *cli) getenv(key string) string {
	for i := len(c.environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(c.environ[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// envBool reads a boolean environment variable as Compose does.
func (c *cli) envBool(key string) bool {
	b, _ := strconv.ParseBool(c.getenv(key))
	return b
}

func (c *cli) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// colour tells whether to colour output on a stream, from --ansi, NO_COLOR
// and whether the stream is a terminal.
func (c *cli) colour(terminal bool) bool {
	switch c.global.ansi {
	case display.ANSIAlways:
		return true
	case display.ANSINever:
		return false
	}
	return terminal && c.getenv("NO_COLOR") == ""
}

// progress returns the renderer chosen by --progress for a command whose
// live view is headed by title.
func (c *cli) progress(title string) (display.Progress, error) {
	out, terminal := c.stderr, c.stderrTTY
	if c.envBool("COMPOSE_STATUS_STDOUT") {
		// As Compose: progress on stdout, for tools that read only it.
		out, terminal = c.stdout, c.stdoutTTY
	}
	return display.NewProgress(display.ProgressOptions{
		Mode:     c.global.progress,
		ANSI:     c.global.ansi,
		Out:      out,
		Terminal: terminal,
		Color:    c.colour(terminal),
		DryRun:   c.global.dryRun,
		Title:    title,
		Size:     c.termSize,
	})
}

const rootLong = `Define and run multi-container applications with Docker.

stack reads Compose files (stack.yaml, compose.yaml, docker-compose.yml, ...)
and brings their services up in dependency order, honouring x-link-priority.`

const rootExample = `  # Start the stack of the current directory in the background
  stack up -d

  # Use another file and project name, then list its containers
  stack -f app.yml -p shop ps

  # Show the order services start in
  stack graph

  # Stop and remove everything, volumes included
  stack down -v`

// usageTemplate lays out help as Compose does.
const usageTemplate = `Usage:  {{.UseLine}}
{{with (or .Long .Short)}}
{{. | trimTrailingWhitespaces}}
{{end}}{{if .HasExample}}
Examples:
{{.Example}}
{{end}}{{if .HasAvailableLocalFlags}}
Options:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}
{{end}}{{if .HasAvailableInheritedFlags}}
Global Options:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}
{{end}}{{if .HasAvailableSubCommands}}
Commands:
{{range .Commands}}{{if .IsAvailableCommand}}  {{rpad .Name .NamePadding}} {{.Short}}
{{end}}{{end}}
Run '{{.CommandPath}} COMMAND --help' for more information on a command.
{{end}}`

// newRootCommand builds the command tree on c.
func newRootCommand(c *cli) *cobra.Command {
	g := &c.global
	root := &cobra.Command{
		Use:               "stack [OPTIONS] COMMAND",
		Short:             "Define and run multi-container applications with Docker",
		Long:              rootLong,
		Example:           rootExample,
		SilenceErrors:     true,
		SilenceUsage:      true,
		Version:           version(),
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: true},
		// Global flags before the command are parsed by the root, so that
		// "stack -f app.yml logs -f" reads the first -f as --file and the
		// second as logs' --follow, as Compose does.
		TraverseChildren: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
			}
			return usagef(cmd.CommandPath(), "%s", msg)
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return c.resolveGlobals(cmd)
		},
	}
	root.SetIn(c.stdin)
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{err: err, command: cmd.CommandPath()}
	})

	f := root.PersistentFlags()
	f.StringArrayVarP(&g.files, "file", "f", nil, "Stack configuration files (default: stack.yaml, compose.yaml, ...; - for stdin)")
	f.StringVarP(&g.projectName, "project-name", "p", "", "Project name")
	f.StringVar(&g.projectDir, "project-directory", "", "Specify an alternate working directory\n(default: the path of the, first specified, stack file)")
	f.StringArrayVar(&g.envFiles, "env-file", nil, "Specify an alternate environment file")
	f.StringArrayVar(&g.profiles, "profile", nil, "Specify a profile to enable")
	f.IntVar(&g.parallel, "parallel", stack.DefaultParallel, "Control max parallelism (COMPOSE_PARALLEL_LIMIT)")
	f.StringVar(&g.progress, "progress", display.ModeAuto, fmt.Sprintf("Set type of progress output (%s)", strings.Join(display.Modes, ", ")))
	f.BoolVar(&g.dryRun, "dry-run", false, "Execute command in dry run mode")
	f.StringVar(&g.ansi, "ansi", display.ANSIAuto, `Control when to print ANSI control characters ("never"|"always"|"auto")`)
	f.BoolVar(&g.allResources, "all-resources", false, "Include all resources, even those not used by services")
	f.StringVarP(&g.host, "host", "H", "", "Daemon socket to connect to, as the docker CLI's -H (DOCKER_HOST)")
	f.StringVar(&g.context, "context", "", "Name of the docker context to use (DOCKER_CONTEXT; default: the current context)")
	f.BoolVar(&g.strict, "strict", false, "Refuse keys of the stack file that stack does not honour, and binds of /, /etc or the engine's socket, instead of warning")
	f.BoolVar(&g.noWaitLock, "no-wait-lock", false, "Fail at once when another command is changing the project, instead of waiting for it")
	f.BoolVar(&g.debugCounts, "debug-counts", false, "Print the goroutines, open files and memory of the process when the command ends")
	_ = f.MarkHidden("debug-counts")

	root.AddCommand(
		newUpCommand(c),
		newDownCommand(c),
		newPsCommand(c),
		newConfigCommand(c),
		newGraphCommand(c),
		newVersionCommand(c),
		newLogsCommand(c),
		newScaleCommand(c),
		newStartCommand(c),
		newStopCommand(c),
		newRestartCommand(c),
		newKillCommand(c),
		newRmCommand(c),
		newPauseCommand(c),
		newUnpauseCommand(c),
		newPortCommand(c),
		newTopCommand(c),
		newImagesCommand(c),
		newEventsCommand(c),
		newWaitCommand(c),
		newLsCommand(c),
		newBuildCommand(c),
		newPullCommand(c),
		newExecCommand(c),
		newRunCommand(c),
		newUICommand(c),
		newDeployCommand(c),
		newServicesCommand(c),
		newAttachCommand(c),
		newCpCommand(c),
		newCreateCommand(c),
		newStatsCommand(c),
		newCommitCommand(c),
		newExportCommand(c),
		newPushCommand(c),
		newVolumesCommand(c),
		newDiffCommand(c),
		newWatchCommand(c),
		newCompletionCommand(c),
		newAgentCommand(c),
		newJobsCommand(c),
	)
	root.SetVersionTemplate("stack version {{.Version}}\n")
	if f := root.Flags(); f.Lookup("version") == nil {
		// Hidden, as in Compose: "stack version" is the documented way.
		f.BoolP("version", "v", false, "Show the stack version information")
		_ = f.MarkHidden("version")
	}
	root.SetUsageTemplate(usageTemplate)
	root.SetHelpTemplate(`{{.UsageString}}`)
	disableFlagsInUseLine(root)
	return root
}

// disableFlagsInUseLine keeps cobra from appending "[flags]": every Use
// already says [OPTIONS].
func disableFlagsInUseLine(cmd *cobra.Command) {
	cmd.DisableFlagsInUseLine = true
	for _, sub := range cmd.Commands() {
		disableFlagsInUseLine(sub)
	}
}

// resolveGlobals applies the environment to the global flags that were not
// given, as Compose does, and checks their values.
func (c *cli) resolveGlobals(cmd *cobra.Command) error {
	g := &c.global
	fl := cmd.Flags()
	if !fl.Changed("env-file") {
		if v := c.getenv("COMPOSE_ENV_FILES"); v != "" {
			g.envFiles = strings.FieldsFunc(v, func(r rune) bool { return r == ',' })
		}
	}
	c.composeDotEnv()
	c.command = cmd.CommandPath()
	if !fl.Changed("parallel") {
		if v := c.getenv("COMPOSE_PARALLEL_LIMIT"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("COMPOSE_PARALLEL_LIMIT must be an integer (found: %q)", v)
			}
			g.parallel = n
		}
	}
	if !fl.Changed("progress") {
		if v := c.getenv("COMPOSE_PROGRESS"); v != "" {
			g.progress = v
		}
	}
	if !fl.Changed("ansi") {
		if v := c.getenv("COMPOSE_ANSI"); v != "" {
			g.ansi = v
		}
	}
	if !slices.Contains(display.Modes, g.progress) && g.progress != "none" {
		return usagef(cmd.CommandPath(), "unsupported --progress value %q: use one of %s", g.progress, strings.Join(display.Modes, ", "))
	}
	switch g.ansi {
	case display.ANSINever, display.ANSIAlways, display.ANSIAuto:
	default:
		return usagef(cmd.CommandPath(), "unsupported --ansi value %q: use one of never, always, auto", g.ansi)
	}
	return nil
}

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef(cmd.CommandPath(), "%q accepts no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

// oneService accepts exactly one positional argument, a SERVICE.
func oneService(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usagef(cmd.CommandPath(), "%q requires exactly 1 argument: SERVICE", cmd.CommandPath())
	}
	return nil
}

// seconds converts a -t/--timeout value to the pointer the verbs take: nil
// when the flag was not given.
func seconds(cmd *cobra.Command, flag string, n int) *time.Duration {
	if !cmd.Flags().Changed(flag) {
		return nil
	}
	d := time.Duration(n) * time.Second
	return &d
}

// shadowProjectName makes -p free in f for a flag of the command's own
// (run --publish, commit --pause), as in Compose: a hidden local flag of
// the global's name, bound to the same value, keeps the global one and its
// shorthand out of the command's flags; -p still works before the command
// (see shadowFileFlag for -f).
func (c *cli) shadowProjectName(f *pflag.FlagSet) {
	f.StringVar(&c.global.projectName, "project-name", "", "Project name")
	_ = f.MarkHidden("project-name")
}
