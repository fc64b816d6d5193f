package commands

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/project"
	"github.com/stack-orchestrator/stack/pkg/stack"
	"github.com/stack-orchestrator/stack/pkg/ui"
)

// uiOptions are the flags of stack ui.
type uiOptions struct {
	*cli
	cmd *cobra.Command

	addr      string
	open      bool
	tokenFile string
	readOnly  bool
}

// defaultUIAddr is loopback: nobody else on the network sees the page.
const defaultUIAddr = "127.0.0.1:7070"

func newUICommand(c *cli) *cobra.Command {
	o := &uiOptions{cli: c}
	cmd := &cobra.Command{
		Use:   "ui [OPTIONS]",
		Short: "Serve a live web view of the stack",
		Long: `Serve a live web view of the stack.

One page per project: the dependency graph with each service's state,
replicas, ports and edge conditions, updated from the engine's events; the
start timeline of the containers; the logs, merged or per service, followed
live; and the everyday actions (up with its plan shown first, down, and per
service start, stop, restart, recreate and scale), with the same rules as
the commands of the same names. The other projects on the engine can be
switched to.

The page listens on loopback unless --addr says otherwise. Every request needs
the token printed in the address at start (or kept in --token-file); a change
also needs it in a header only the page sends. Listening beyond loopback needs
--token-file. Environment values and labels are never shown.`,
		Example: `  # The page of the stack in this directory
  stack ui

  # Open it in the browser, on another port
  stack ui --open --addr 127.0.0.1:8090

  # Look without touching, from another machine (plain HTTP: mind the network)
  stack ui --read-only --addr 0.0.0.0:7070 --token-file ~/.config/stack/ui-token`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.cmd = cmd
			return runUI(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", defaultUIAddr, "Address to listen on (host:port; port 0 picks a free one)")
	f.BoolVar(&o.open, "open", false, "Open the page in the browser (xdg-open)")
	f.StringVar(&o.tokenFile, "token-file", "", "Read the token from this file (created with a new token, mode 0600, when missing)")
	f.BoolVar(&o.readOnly, "read-only", false, "Refuse every change: no actions, only the view and the logs")
	return cmd
}

// runUI loads the project, listens, prints the address and serves until
// interrupted.
func runUI(ctx context.Context, o *uiOptions) error {
	path := o.cmd.CommandPath()
	if o.global.dryRun {
		return usagef(path, "--dry-run is not supported by ui: use --read-only")
	}
	if slices.Contains(o.global.files, "-") {
		return usagef(path, "ui reads the stack file again for each plan: give it a file, not standard input")
	}
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return usagef(path, "invalid --addr %q: use host:port, such as %s", o.addr, defaultUIAddr)
	}
	loopback := ui.IsLoopback(o.addr)
	if !loopback && o.tokenFile == "" {
		return usagef(path, "--addr %s listens beyond loopback: give --token-file, so the token is not only in this terminal", o.addr)
	}
	name, loadMain, err := o.mainProject(ctx)
	if err != nil {
		return err
	}
	token, err := uiToken(o.tokenFile)
	if err != nil {
		return err
	}
	limitMemory(o.getenv("GOMEMLIMIT"))
	// The page's actions hold the project's lock as the commands do.
	lock, err := o.lockOptions()
	if err != nil {
		return err
	}
	// The engine as every command chooses it (-H, --context, DOCKER_HOST...),
	// one client for the page's whole life.
	t, err := engine.Resolve(o.engineSelection())
	if err != nil {
		return err
	}
	eng, err := engine.NewDockerFor(t)
	if err != nil {
		return err
	}
	defer eng.Close()
	if _, err := eng.Ping(ctx); err != nil {
		return err
	}
	srv, err := ui.New(ui.Options{
		Verbs: func(sink stack.Sink) ui.Verbs {
			return stack.New(stack.Options{Engine: eng, Sink: sink, Parallel: o.global.parallel, Lock: lock})
		},
		Load:     o.loader(name, loadMain),
		Project:  name,
		Token:    token,
		Loopback: loopback,
		ReadOnly: o.readOnly,
		Jobs:     uiJobs{eng: eng, parallel: o.global.parallel, lock: lock},
		Logf:     func(format string, args ...any) { fmt.Fprintf(o.stderr, "stack ui: "+format+"\n", args...) },
	})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (choose another with --addr, or port 0 for a free one)", o.addr, err)
	}
	if !loopback {
		fmt.Fprintf(o.stderr, "stack: warning: the page listens on %s, beyond loopback, over plain HTTP: whoever has the token can change the stack\n", l.Addr())
	}
	if !ui.HasLayoutLibrary() {
		fmt.Fprintln(o.stderr, "stack: warning: this binary has no graph layout library: the page shows no graph (build with make build)")
	}
	url := pageURL(l.Addr().(*net.TCPAddr), host, name, token)
	fmt.Fprintf(o.stdout, "stack ui: %s\n", url)
	if name == "" {
		fmt.Fprintln(o.stderr, "No stack file here: pick a project on the page.")
	}
	fmt.Fprintln(o.stderr, "Press Ctrl-C to stop.")
	if o.open {
		if err := exec.Command("xdg-open", url).Start(); err != nil {
			fmt.Fprintf(o.stderr, "stack: warning: cannot open a browser (%v): open the address above\n", err)
		}
	}
	return srv.Serve(ctx, l)
}

// uiMemoryLimit is the Go heap size stack ui collects harder to stay
// under: a server that runs for days on a small host should give back the
// memory a burst of log reads took, not keep it for the next one.
const uiMemoryLimit = 40 << 20

// limitMemory sets the soft memory limit of this process, unless
// GOMEMLIMIT chose one.
func limitMemory(env string) {
	if env == "" {
		debug.SetMemoryLimit(uiMemoryLimit)
	}
}

// pageURL is the address to open: the host as given (a name stays a
// name), the port as bound, the project's page and the token.
func pageURL(a *net.TCPAddr, host, name, token string) string {
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	hp := net.JoinHostPort(host, fmt.Sprint(a.Port))
	p := "/"
	if name != "" {
		p = "/p/" + name + "/"
	}
	return "http://" + hp + p + "?token=" + token
}

// mainProject finds the project to open: the stack file's, or the name of
// -p / COMPOSE_PROJECT_NAME, or none (the page lists the engine's).
func (o *uiOptions) mainProject(ctx context.Context) (string, bool, error) {
	p, name, err := o.projectOrName(ctx, nil)
	switch {
	case err == nil:
		return name, p != nil, nil
	case errors.Is(err, project.ErrNoStackFile) && len(o.global.files) == 0:
		return "", false, nil
	}
	return "", false, err
}

// loader loads the file of the main project as the command line says, and
// another project's from its containers' labels, with this environment
// less the variables that chose the main project.
func (o *uiOptions) loader(main string, fromFile bool) ui.Loader {
	warned := &sync.Map{}
	warn := func(msg string) {
		if _, dup := warned.LoadOrStore(msg, true); !dup {
			fmt.Fprintf(o.stderr, "stack: warning: %s\n", msg)
		}
	}
	load := func(ctx context.Context, po project.Options) (*types.Project, error) {
		po.Warn = warn
		p, err := project.Load(ctx, po)
		if err != nil {
			return nil, err
		}
		if _, err := stack.Graph(p); err != nil {
			return nil, err
		}
		return p, nil
	}
	return func(ctx context.Context, name string, files []string, dir string) (*types.Project, error) {
		if name == main && fromFile {
			return load(ctx, o.projectOptions())
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("project %q: no stack file known (its containers name none)", name)
		}
		env := slices.DeleteFunc(slices.Clone(o.environ), func(kv string) bool {
			k, _, _ := strings.Cut(kv, "=")
			return k == "COMPOSE_FILE" || k == "COMPOSE_PROJECT_NAME" || k == "COMPOSE_PROFILES"
		})
		return load(ctx, project.Options{Files: files, Name: name, ProjectDir: dir, WorkingDir: dir, Environ: env})
	}
}

// uiToken returns a new token, or the one in file, which is created with a
// new token when it does not exist.
func uiToken(file string) (string, error) {
	if file == "" {
		return ui.NewToken()
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		t, err := ui.NewToken()
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(file, []byte(t+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("token file: %w", err)
		}
		return t, nil
	}
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	t := strings.TrimSpace(string(b))
	if len(t) < 16 || strings.ContainsAny(t, " \t\r\n") {
		return "", fmt.Errorf("token file %s: the token must be one word of at least 16 characters", file)
	}
	return t, nil
}
