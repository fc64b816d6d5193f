package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/project"
	"github.com/stack-orchestrator/stack/pkg/stack"
)

// routes lays out the page and its API. Reads need the token (cookie or
// header); changes need it in the header, from this origin.
func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.servePage)
	m.HandleFunc("GET /p/{project}/{$}", s.servePage)
	m.HandleFunc("GET /assets/{file...}", serveAsset)

	m.HandleFunc("GET /api/projects", s.read(s.serveProjects))
	m.HandleFunc("GET /api/p/{project}/live", s.read(s.project(s.serveLive)))
	m.HandleFunc("GET /api/p/{project}/timeline", s.read(s.project(s.serveTimeline)))
	m.HandleFunc("GET /api/p/{project}/jobs", s.read(s.project(s.serveJobs)))

	m.HandleFunc("POST /api/p/{project}/plan", s.change(s.project(s.servePlan)))
	m.HandleFunc("POST /api/p/{project}/apply", s.change(s.project(s.serveApply)))
	m.HandleFunc("POST /api/p/{project}/down", s.change(s.project(s.serveDown)))
	m.HandleFunc("POST /api/p/{project}/services/{service}/{verb}", s.change(s.project(s.serveServiceVerb)))
	m.HandleFunc("POST /api/p/{project}/jobs/{service}/run", s.change(s.project(s.serveRunJob)))
	return m
}

// servePage serves the page to a browser with the token: from ?token=
// (stored in the session cookie, then dropped from the address) or the
// cookie.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	if t := r.URL.Query().Get("token"); t != "" {
		if !s.validToken(t) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, deniedPage)
			return
		}
		setSession(w, r, t)
		q := r.URL.Query()
		q.Del("token")
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
		return
	}
	if !s.authorized(r) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, deniedPage)
		return
	}
	name := r.PathValue("project")
	if name == "" {
		name = s.o.Project
	}
	b, err := page(s.o.Token, name)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err)
		return
	}
	pageSecurity(w)
	w.Write(b)
}

// read guards a handler that only reads.
func (s *Server) read(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			httpError(w, http.StatusForbidden, errToken)
			return
		}
		next(w, r)
	}
}

// change guards a handler that changes something.
func (s *Server) change(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkChange(r); err != nil {
			httpError(w, http.StatusForbidden, err)
			return
		}
		next(w, r)
	}
}

// project checks the project name of the path.
func (s *Server) project(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := project.ValidateName(r.PathValue("project")); err != nil {
			httpError(w, http.StatusBadRequest, err)
			return
		}
		next(w, r)
	}
}

// projectEntry is one project of the switcher.
type projectEntry struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Running int    `json:"running"`
}

// serveProjects lists the projects on the engine, as stack ls -a does,
// with the one stack ui was started for first even without containers.
func (s *Server) serveProjects(w http.ResponseWriter, r *http.Request) {
	ps, err := s.o.Verbs(stack.Discard).List(r.Context(), stack.LsOptions{All: true})
	if err != nil {
		httpError(w, http.StatusBadGateway, err)
		return
	}
	out := []projectEntry{}
	for _, p := range ps {
		out = append(out, projectEntry{Name: p.Name, Status: p.Status, Running: p.Running})
	}
	if s.o.Project != "" && !slices.ContainsFunc(out, func(e projectEntry) bool { return e.Name == s.o.Project }) {
		out = append(out, projectEntry{Name: s.o.Project, Status: "no containers"})
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	}
	writeJSON(w, http.StatusOK, map[string]any{"projects": out, "default": s.o.Project})
}

func (s *Server) serveTimeline(w http.ResponseWriter, r *http.Request) {
	h, err := s.hub(r.PathValue("project"))
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, err)
		return
	}
	t, err := h.timeline(r.Context())
	if err != nil {
		httpError(w, http.StatusBadGateway, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

var errNoJobs = errors.New("schedules are not available: they come with stack agent")

func (s *Server) serveJobs(w http.ResponseWriter, r *http.Request) {
	if s.o.Jobs == nil {
		httpError(w, http.StatusNotFound, errNoJobs)
		return
	}
	h, ok := s.hubFor(w, r)
	if !ok {
		return
	}
	p, err := h.project(r.Context(), false)
	if err != nil {
		httpError(w, http.StatusBadGateway, err)
		return
	}
	jobs, err := s.o.Jobs.Jobs(r.Context(), p)
	if err != nil {
		httpError(w, http.StatusBadGateway, err)
		return
	}
	if jobs == nil {
		jobs = []Job{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": jobs})
}

func (s *Server) serveRunJob(w http.ResponseWriter, r *http.Request) {
	if s.o.Jobs == nil {
		httpError(w, http.StatusNotFound, errNoJobs)
		return
	}
	h, ok := s.hubFor(w, r)
	if !ok {
		return
	}
	svc := r.PathValue("service")
	a, err := h.act("run", svc, func(ctx context.Context, _ Verbs) error {
		p, err := h.project(ctx, true)
		if err != nil {
			return err
		}
		return s.o.Jobs.RunJob(ctx, p, svc)
	})
	s.answerAction(w, a, err)
}

// planBody asks for a plan.
type planBody struct {
	Verb     string   `json:"verb"` // up (default), recreate, scale, down
	Services []string `json:"services"`
	Scale    int      `json:"scale"`
	Volumes  bool     `json:"volumes"` // down -v
}

// servePlan computes what an up, recreate or scale would do.
func (s *Server) servePlan(w http.ResponseWriter, r *http.Request) {
	var b planBody
	h, ok := s.begin(w, r, &b)
	if !ok {
		return
	}
	p, err := h.project(r.Context(), true)
	if err != nil && b.Verb != "down" {
		httpError(w, http.StatusConflict, fmt.Errorf("project %q: the verb %s needs its stack file: %w", h.name, verbOr(b.Verb), err))
		return
	}
	h.poke() // the file may have changed: the graph follows it
	req, err := upRequest(p, b)
	if err != nil {
		httpError(w, http.StatusBadRequest, err)
		return
	}
	req.project = h.name
	steps, err := planFor(r.Context(), s.o.Verbs(stack.Discard), p, req)
	if err != nil {
		httpError(w, http.StatusUnprocessableEntity, err)
		return
	}
	req.digest = digest(steps)
	id := s.plans.put(req)
	writeJSON(w, http.StatusOK, Plan{ID: id, Verb: req.verb, Steps: nonNil(steps), Changes: changes(steps), Digest: req.digest})
}

func verbOr(v string) string {
	if v == "" {
		return "up"
	}
	return v
}

// upRequest turns a plan request into the options of the verb it mirrors:
// up -d [SERVICE...], up -d --force-recreate SERVICE, scale SERVICE=N,
// down [-v] (which needs no stack file: p may then be nil).
func upRequest(p *types.Project, b planBody) (planRequest, error) {
	req := planRequest{verb: verbOr(b.Verb)}
	if req.verb == "down" {
		if len(b.Services) > 0 {
			return req, errors.New("down takes the whole project: no services")
		}
		req.down = stack.DownOptions{Volumes: b.Volumes}
		return req, nil
	}
	for _, svc := range b.Services {
		if _, ok := p.Services[svc]; !ok {
			return req, fmt.Errorf("no such service: %s", svc)
		}
	}
	req.opts.Services = b.Services
	switch req.verb {
	case "up":
	case "recreate":
		if len(b.Services) == 0 {
			return req, errors.New("recreate needs a service")
		}
		req.opts.ForceRecreate = true
	case "scale":
		if len(b.Services) != 1 {
			return req, errors.New("scale needs one service")
		}
		if b.Scale < 0 {
			return req, fmt.Errorf("service %q: cannot scale to %d containers", b.Services[0], b.Scale)
		}
		req.opts.Scale = map[string]int{b.Services[0]: b.Scale}
		req.opts.NoRecreate = true
		if err := stack.CheckScale(p, b.Services, req.opts.Scale); err != nil {
			return req, err
		}
	default:
		return req, fmt.Errorf("unknown verb %q: use up, recreate, scale or down", b.Verb)
	}
	return req, nil
}

// serveApply applies a plan shown before, if computing it again gives the
// same operations; otherwise it answers 409 with the new plan.
func (s *Server) serveApply(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Plan string `json:"plan"`
	}
	h, ok := s.begin(w, r, &b)
	if !ok {
		return
	}
	req, ok := s.plans.get(b.Plan)
	if !ok || req.project != h.name {
		httpError(w, http.StatusNotFound, errors.New("no such plan (plans expire after 15 minutes): ask for the plan again"))
		return
	}
	p, err := h.project(r.Context(), true)
	if err != nil && req.verb != "down" {
		httpError(w, http.StatusConflict, err)
		return
	}
	steps, err := planFor(r.Context(), s.o.Verbs(stack.Discard), p, req)
	if err != nil {
		httpError(w, http.StatusUnprocessableEntity, err)
		return
	}
	if d := digest(steps); d != req.digest {
		s.plans.drop(b.Plan)
		req.digest = d
		id := s.plans.put(req)
		writeJSON(w, http.StatusConflict, map[string]any{
			"error": "the plan changed since it was shown: review it again",
			"plan":  Plan{ID: id, Verb: req.verb, Steps: nonNil(steps), Changes: changes(steps), Digest: d},
		})
		return
	}
	s.plans.drop(b.Plan)
	service := ""
	if len(req.opts.Services) == 1 {
		service = req.opts.Services[0]
	}
	a, err := h.act(req.verb, service, func(ctx context.Context, v Verbs) error {
		switch req.verb {
		case "scale":
			return v.Scale(ctx, p, req.opts.Scale, stack.ScaleOptions{})
		case "down":
			return v.Down(ctx, req.project, p, req.down)
		}
		return v.Up(ctx, p, req.opts)
	})
	s.answerAction(w, a, err)
}

// serveDown takes the project down, as stack down [-v] does.
func (s *Server) serveDown(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Volumes       bool `json:"volumes"`
		RemoveOrphans bool `json:"removeOrphans"`
	}
	h, ok := s.begin(w, r, &b)
	if !ok {
		return
	}
	p, _ := h.project(r.Context(), false)
	name := h.name
	a, err := h.act("down", "", func(ctx context.Context, v Verbs) error {
		return v.Down(ctx, name, p, stack.DownOptions{Volumes: b.Volumes, RemoveOrphans: b.RemoveOrphans})
	})
	s.answerAction(w, a, err)
}

// serviceVerbs are the verbs a service's buttons call, as the commands of
// the same names do with one SERVICE argument.
var serviceVerbs = map[string]func(ctx context.Context, v Verbs, name string, p *types.Project, svc string) error{
	"start": func(ctx context.Context, v Verbs, name string, p *types.Project, svc string) error {
		return v.Start(ctx, name, p, stack.StartOptions{Services: []string{svc}})
	},
	"stop": func(ctx context.Context, v Verbs, name string, p *types.Project, svc string) error {
		return v.Stop(ctx, name, p, stack.StopOptions{Services: []string{svc}})
	},
	"restart": func(ctx context.Context, v Verbs, name string, p *types.Project, svc string) error {
		return v.Restart(ctx, name, p, stack.RestartOptions{Services: []string{svc}})
	},
	"pause": func(ctx context.Context, v Verbs, name string, p *types.Project, svc string) error {
		return v.Pause(ctx, name, p, stack.PauseOptions{Services: []string{svc}})
	},
	"unpause": func(ctx context.Context, v Verbs, name string, p *types.Project, svc string) error {
		return v.Unpause(ctx, name, p, stack.PauseOptions{Services: []string{svc}})
	},
}

func (s *Server) serveServiceVerb(w http.ResponseWriter, r *http.Request) {
	h, ok := s.hubFor(w, r)
	if !ok {
		return
	}
	verb, svc := r.PathValue("verb"), r.PathValue("service")
	call, ok := serviceVerbs[verb]
	if !ok {
		httpError(w, http.StatusNotFound, fmt.Errorf("unknown verb %q: use start, stop, restart, pause or unpause (recreate and scale go through a plan)", verb))
		return
	}
	p, _ := h.project(r.Context(), false)
	if !h.hasService(svc) {
		httpError(w, http.StatusNotFound, fmt.Errorf("no such service: %s", svc))
		return
	}
	name := h.name
	a, err := h.act(verb, svc, func(ctx context.Context, v Verbs) error {
		return call(ctx, v, name, p, svc)
	})
	s.answerAction(w, a, err)
}

// hasService reports whether the file or the containers know svc.
func (h *hub) hasService(svc string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.proj != nil {
		if _, ok := h.proj.Services[svc]; ok {
			return true
		}
	}
	for _, s := range h.view.Services {
		if s.Name == svc {
			return true
		}
	}
	return false
}

// begin finds the hub of the request's project and decodes the request's
// body into body; false when it answered with an error.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, body any) (*hub, bool) {
	if err := readJSON(r, body); err != nil {
		httpError(w, http.StatusBadRequest, err)
		return nil, false
	}
	return s.hubFor(w, r)
}

func (s *Server) hubFor(w http.ResponseWriter, r *http.Request) (*hub, bool) {
	h, err := s.hub(r.PathValue("project"))
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, err)
		return nil, false
	}
	return h, true
}

// answerAction answers 202 with a started action, 409 when busy.
func (s *Server) answerAction(w http.ResponseWriter, a actionInfo, err error) {
	var busy errBusy
	switch {
	case errors.As(err, &busy):
		httpError(w, http.StatusConflict, err)
	case err != nil:
		httpError(w, http.StatusServiceUnavailable, err)
	default:
		writeJSON(w, http.StatusAccepted, map[string]any{"action": a})
	}
}

func nonNil(steps []PlanStep) []PlanStep {
	if steps == nil {
		return []PlanStep{}
	}
	return steps
}

// readJSON decodes a small JSON body; an empty body is an empty object.
func readJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" {
		return fmt.Errorf("unsupported content type %q: send application/json", ct)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		return err
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("bad request body: %w", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}
