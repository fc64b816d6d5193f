package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/pkg/stdcopy"
)

// ServiceLogs reads the log of service (a name or an ID) through the
// manager, which gathers the lines of every task from the nodes, and calls
// line for each. Lines of one task arrive in order.
func (d *Docker) ServiceLogs(ctx context.Context, service string, o LogOptions, line func(ServiceLogLine)) error {
	op := fmt.Sprintf("logs of service %q", service)
	if _, err := d.versionFor(ctx, op); err != nil {
		return err
	}
	svc, _, err := d.cli.ServiceInspectWithRaw(ctx, service, swarm.ServiceInspectOptions{})
	if err != nil {
		return d.wrap(op, err)
	}
	tail := o.Tail
	if tail == "" {
		tail = "all"
	}
	rc, err := d.cli.ServiceLogs(ctx, svc.ID, container.LogsOptions{
		ShowStdout: true, ShowStderr: true, Follow: o.Follow, Tail: tail,
		Since: o.Since, Until: o.Until,
		// Always: the time orders lines of several tasks, the details
		// say which task and node wrote a line.
		Timestamps: true, Details: true,
	})
	if err != nil {
		return d.wrap(op, err)
	}
	defer rc.Close()
	stdout := &logLineWriter{stream: "stdout", line: line}
	stderr := &logLineWriter{stream: "stderr", line: line}
	tty := svc.Spec.TaskTemplate.ContainerSpec != nil && svc.Spec.TaskTemplate.ContainerSpec.TTY
	if tty {
		_, err = io.Copy(stdout, rc)
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, rc)
	}
	stdout.flush()
	stderr.flush()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// logLineWriter splits one stream of a service log into lines and parses
// each: "TIME DETAILS TEXT", DETAILS being "k=v,k=v" pairs.
type logLineWriter struct {
	stream  string
	line    func(ServiceLogLine)
	partial []byte
}

func (w *logLineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.partial = append(w.partial, p...)
			break
		}
		w.partial = append(w.partial, p[:i]...)
		w.emit()
		p = p[i+1:]
	}
	return n, nil
}

func (w *logLineWriter) flush() {
	if len(w.partial) > 0 {
		w.emit()
	}
}

func (w *logLineWriter) emit() {
	w.line(parseServiceLogLine(w.stream, strings.TrimRight(string(w.partial), "\r")))
	w.partial = w.partial[:0]
}

// parseServiceLogLine reads one line of a service log with timestamps and
// details.
func parseServiceLogLine(stream, s string) ServiceLogLine {
	l := ServiceLogLine{Stream: stream, Text: s}
	ts, rest, ok := strings.Cut(s, " ")
	if !ok {
		return l
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return l
	}
	l.Time, l.Text = t, rest
	details, text, _ := strings.Cut(rest, " ")
	if !strings.Contains(details, "=") {
		return l
	}
	l.Text = text
	for _, kv := range strings.Split(details, ",") {
		k, v, _ := strings.Cut(kv, "=")
		if u, err := url.QueryUnescape(v); err == nil {
			v = u
		}
		switch k {
		case "com.docker.swarm.task.id":
			l.TaskID = v
		case "com.docker.swarm.node.id":
			l.NodeID = v
		}
	}
	return l
}
