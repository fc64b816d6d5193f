// Command proxy is a counting proxy for the Docker Engine API, used by the
// benchmarks to see which calls a command makes and how long the engine took
// over each.
//
// Usage:
//
//	proxy serve -listen SOCK [-upstream /var/run/docker.sock]
//	proxy stats -listen SOCK [-reset] [-log FILE]
//
// serve listens on the unix socket SOCK and forwards every request to the
// engine's socket; point a client at it with DOCKER_HOST=unix://SOCK. It
// counts requests by method and path (API version stripped, object names and
// IDs replaced by {id}) and keeps a record of each request's start and end.
// stats prints the counts as JSON (and the per-request record to FILE), and
// with -reset clears them. serve ends on SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// statsPath is answered by the proxy itself; it is not an engine path.
const statsPath = "/_bench/stats"

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	listen := fs.String("listen", "", "unix socket to listen on (serve) or to ask (stats)")
	upstream := fs.String("upstream", "/var/run/docker.sock", "the engine's unix socket")
	reset := fs.Bool("reset", false, "clear the counts after reading them")
	logFile := fs.String("log", "", "write the per-request record (JSON lines) to this file")
	_ = fs.Parse(os.Args[2:])
	if *listen == "" {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(*listen, *upstream)
	case "stats":
		err = stats(*listen, *reset, *logFile)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "proxy:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: proxy serve -listen SOCK [-upstream SOCK] | proxy stats -listen SOCK [-reset] [-log FILE]")
	os.Exit(2)
}

// record is one request as the proxy saw it; times are from the proxy start.
type record struct {
	Endpoint string  `json:"endpoint"`
	Status   int     `json:"status"`
	StartMS  float64 `json:"start_ms"`
	EndMS    float64 `json:"end_ms"`
}

// endpointStats sums the requests of one endpoint.
type endpointStats struct {
	Endpoint string  `json:"endpoint"`
	Count    int     `json:"count"`
	TotalMS  float64 `json:"total_ms"`
	MeanMS   float64 `json:"mean_ms"`
	MaxMS    float64 `json:"max_ms"`
}

// report is what stats prints.
type report struct {
	Requests int `json:"requests"`
	// Lists counts GET /containers/json, /networks and /volumes.
	Lists int `json:"lists"`
	// SpanMS is from the first request's start to the last one's end.
	SpanMS float64 `json:"span_ms"`
	// MaxInFlight is the most requests the engine had at once.
	MaxInFlight int             `json:"max_in_flight"`
	Endpoints   []endpointStats `json:"endpoints"`
}

type counter struct {
	t0       time.Time
	mu       sync.Mutex
	records  []record
	inFlight int
	maxIn    int
}

func (c *counter) begin() time.Time {
	c.mu.Lock()
	c.inFlight++
	c.maxIn = max(c.maxIn, c.inFlight)
	c.mu.Unlock()
	return time.Now()
}

func (c *counter) end(endpoint string, status int, start time.Time) {
	now := time.Now()
	c.mu.Lock()
	c.inFlight--
	c.records = append(c.records, record{
		Endpoint: endpoint,
		Status:   status,
		StartMS:  ms(start.Sub(c.t0)),
		EndMS:    ms(now.Sub(c.t0)),
	})
	c.mu.Unlock()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// snapshot returns the report and the records, clearing them when reset.
func (c *counter) snapshot(reset bool) (report, []record) {
	c.mu.Lock()
	recs := c.records
	maxIn := c.maxIn
	if reset {
		c.records = nil
		c.maxIn = c.inFlight
	}
	c.mu.Unlock()

	r := report{Requests: len(recs), MaxInFlight: maxIn}
	by := map[string]*endpointStats{}
	first, last := -1.0, 0.0
	for _, rec := range recs {
		e := by[rec.Endpoint]
		if e == nil {
			e = &endpointStats{Endpoint: rec.Endpoint}
			by[rec.Endpoint] = e
		}
		d := rec.EndMS - rec.StartMS
		e.Count++
		e.TotalMS += d
		e.MaxMS = max(e.MaxMS, d)
		if isList(rec.Endpoint) {
			r.Lists++
		}
		if first < 0 || rec.StartMS < first {
			first = rec.StartMS
		}
		last = max(last, rec.EndMS)
	}
	if first >= 0 {
		r.SpanMS = last - first
	}
	for _, e := range by {
		e.MeanMS = e.TotalMS / float64(e.Count)
		r.Endpoints = append(r.Endpoints, *e)
	}
	sort.Slice(r.Endpoints, func(i, j int) bool { return r.Endpoints[i].Endpoint < r.Endpoints[j].Endpoint })
	return r, recs
}

func isList(endpoint string) bool {
	switch endpoint {
	case "GET /containers/json", "GET /networks", "GET /volumes", "GET /images/json":
		return true
	}
	return false
}

var versionPrefix = regexp.MustCompile(`^/v[0-9]+\.[0-9]+/`)

// collections whose next path segment names one object.
var collections = map[string]bool{"containers": true, "networks": true, "volumes": true, "images": true, "exec": true}

// fixed are segments after a collection that are actions, not names.
var fixed = map[string]bool{"json": true, "create": true, "prune": true, "load": true, "search": true, "get": true}

// endpointOf names a request by method and path without version or names:
// "POST /containers/{id}/start".
func endpointOf(r *http.Request) string {
	p := versionPrefix.ReplaceAllString(r.URL.Path, "/")
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if len(segs) >= 2 && collections[segs[0]] && !fixed[segs[1]] {
		// Image names hold slashes: everything up to the action is the name.
		rest := segs[2:]
		if segs[0] == "images" && len(rest) > 0 {
			rest = rest[len(rest)-1:]
		}
		segs = append([]string{segs[0], "{id}"}, rest...)
	}
	return r.Method + " /" + strings.Join(segs, "/")
}

// statusWriter remembers the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets the reverse proxy reach the connection for upgrades (attach).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func serve(listen, upstream string) error {
	_ = os.Remove(listen)
	ln, err := net.Listen("unix", listen)
	if err != nil {
		return err
	}
	c := &counter{t0: time.Now()}
	target, _ := url.Parse("http://docker")
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1 // stream events and logs as they come
	rp.Transport = &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", upstream)
		},
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     30 * time.Second,
	}
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == statsPath {
			rep, recs := c.snapshot(r.URL.Query().Get("reset") == "1")
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(struct {
				Report  report   `json:"report"`
				Records []record `json:"records"`
			}{rep, recs})
			return
		}
		start := c.begin()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		rp.ServeHTTP(sw, r)
		c.end(endpointOf(r), sw.status, start)
	})
	srv := &http.Server{Handler: mux}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	err = srv.Serve(ln)
	_ = os.Remove(listen)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func stats(listen string, reset bool, logFile string) error {
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", listen)
		},
	}}
	u := "http://proxy" + statsPath
	if reset {
		u += "?reset=1"
	}
	resp, err := hc.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Report  report   `json:"report"`
		Records []record `json:"records"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return err
	}
	if logFile != "" {
		f, err := os.Create(logFile)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(f)
		for _, r := range body.Records {
			_ = enc.Encode(r)
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(body.Report)
}

var _ io.Writer = (*statusWriter)(nil)
