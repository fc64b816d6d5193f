package stack

import "time"

// Event is one progress report: a resource changed state.
type Event struct {
	Time    time.Time    `json:"time"`
	Kind    ResourceKind `json:"kind"`
	Name    string       `json:"name"`              // e.g. "shop-web-1", "shop_default"
	Service string       `json:"service,omitempty"` // the service a container belongs to
	Status  Status       `json:"status"`
	// Done is true when Status is the last state of this resource in the
	// current operation (Started, Removed, Error...), false while in flight.
	Done  bool   `json:"done"`
	Text  string `json:"text,omitempty"`  // extra detail, e.g. "exit 1" or a build line
	Error string `json:"error,omitempty"` // set with StatusError
}

// Sink receives events. Implementations must be safe for concurrent use.
type Sink interface {
	Event(e Event)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(Event)

// Event calls f(e).
func (f SinkFunc) Event(e Event) { f(e) }

// Discard is a Sink that drops every event.
var Discard Sink = SinkFunc(func(Event) {})

// LogLine is one complete line of a container's output.
type LogLine struct {
	Time      time.Time `json:"time"`
	Service   string    `json:"service"`
	Container string    `json:"container"`
	Number    int       `json:"-"`
	Stream    string    `json:"stream"` // stdout or stderr
	Line      string    `json:"line"`
}

// LogSink receives log lines, whole, never torn. Implementations must be safe
// for concurrent use; lines of one container arrive in order.
type LogSink interface {
	Log(l LogLine)
}

// LogBatchSink is a LogSink that also takes the lines of one container
// that arrived together in one call: one lock and one write for a chunk of
// output instead of one per line, which is most of the cost of printing a
// large log. It must not keep lines after it returns (the values are
// fine: the strings are not reused).
type LogBatchSink interface {
	LogSink
	LogBatch(lines []LogLine)
}
