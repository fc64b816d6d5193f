package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// Verbs is the part of *stack.Stack the page uses; every action goes
// through the same verb as its command.
type Verbs interface {
	Up(ctx context.Context, p *types.Project, o stack.UpOptions) error
	PlanUp(ctx context.Context, p *types.Project, o stack.UpOptions) (*stack.Plan, error)
	Down(ctx context.Context, name string, p *types.Project, o stack.DownOptions) error
	PlanDown(ctx context.Context, name string, p *types.Project, o stack.DownOptions) (*stack.Plan, error)
	Start(ctx context.Context, name string, p *types.Project, o stack.StartOptions) error
	Stop(ctx context.Context, name string, p *types.Project, o stack.StopOptions) error
	Restart(ctx context.Context, name string, p *types.Project, o stack.RestartOptions) error
	Pause(ctx context.Context, name string, p *types.Project, o stack.PauseOptions) error
	Unpause(ctx context.Context, name string, p *types.Project, o stack.PauseOptions) error
	Scale(ctx context.Context, p *types.Project, scale map[string]int, o stack.ScaleOptions) error
	Ps(ctx context.Context, name string, o stack.PsOptions) ([]engine.Container, error)
	Logs(ctx context.Context, project string, sink stack.LogSink, o stack.LogsOptions) error
	Events(ctx context.Context, project string, services []string, fn func(stack.ContainerEvent) error) error
	List(ctx context.Context, o stack.LsOptions) ([]stack.ProjectSummary, error)
	Timeline(ctx context.Context, project string) ([]stack.ContainerTimes, error)
}

// Loader loads the stack file of the project named name. files and dir
// come from the labels of its containers (empty for the project stack ui
// was started for, whose file the command line names). An error means the
// page works from the labels alone.
type Loader func(ctx context.Context, name string, files []string, dir string) (*types.Project, error)

// Options configure a Server.
type Options struct {
	// Verbs returns the verbs reporting progress to sink.
	Verbs func(sink stack.Sink) Verbs
	// Load loads a project's stack file.
	Load Loader
	// Project is the project the page opens on; "" opens the first one on
	// the engine.
	Project string
	// Token is required with every request (a cookie set from ?token= or
	// the X-Stack-Token header) and, in the header, with every change.
	Token string
	// Loopback is true when the server listens on loopback addresses only:
	// requests must then name a loopback host (no DNS rebinding).
	Loopback bool
	// ReadOnly refuses every change.
	ReadOnly bool
	// Jobs shows schedules and job runs; nil hides them.
	Jobs Jobs
	// Logf reports server-side failures the page cannot show; nil drops
	// them.
	Logf func(format string, args ...any)
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Server is the web UI's HTTP handler and the live state behind it.
type Server struct {
	o       Options
	mux     *http.ServeMux
	ctx     context.Context // ends with Close: hubs, actions and streams
	cancel  context.CancelFunc
	wg      sync.WaitGroup // hubs and actions
	mu      sync.Mutex
	hubs    map[string]*hub
	plans   *planStore
	actions uint64 // last action ID
}

// New returns a Server; Close releases what it started.
func New(o Options) (*Server, error) {
	if o.Verbs == nil || o.Load == nil {
		return nil, errors.New("ui: Verbs and Load are required")
	}
	if len(o.Token) < 16 {
		return nil, errors.New("ui: the token must have at least 16 characters")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{o: o, ctx: ctx, cancel: cancel, hubs: map[string]*hub{}, plans: newPlanStore(o.Now)}
	s.mux = s.routes()
	return s, nil
}

// ServeHTTP checks the request's host, then serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.o.Loopback && !loopbackHost(r.Host) {
		httpError(w, http.StatusForbidden, fmt.Errorf("host %q is not a loopback name: open the address stack ui printed", r.Host))
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// Serve serves on l until ctx ends, then stops the hubs and actions,
// giving running actions a few seconds to report.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		s.Close()
		return err
	case <-ctx.Done():
	}
	s.Close()
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(shut)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close ends every hub, stream and action, and waits for them.
func (s *Server) Close() {
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
}

// hub returns the live state of project name, started on first use.
func (s *Server) hub(name string) (*hub, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ctx.Err(); err != nil {
		return nil, errors.New("the server is stopping")
	}
	h := s.hubs[name]
	if h == nil {
		h = newHub(s, name)
		s.hubs[name] = h
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			h.run()
		}()
	}
	return h, nil
}

// dropHub forgets h once it has stopped for lack of clients.
func (s *Server) dropHub(h *hub) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hubs[h.name] == h {
		delete(s.hubs, h.name)
	}
}

// nextActionID numbers the actions of this server.
func (s *Server) nextActionID() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.actions++
	return s.actions
}

// spawn runs f on the server's context, waited for by Close; false when
// the server is stopping.
func (s *Server) spawn(f func(ctx context.Context)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f(s.ctx)
	}()
	return true
}
