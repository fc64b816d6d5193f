package display

import (
	"encoding/json"
	"io"
	"sync"

	"github.com/stack-orchestrator/stack/pkg/stack"
)

// JSON prints every event as one JSON object per line.
type JSON struct {
	mu sync.Mutex
	w  io.Writer
}

// NewJSON returns a JSON renderer writing to w.
func NewJSON(w io.Writer) *JSON { return &JSON{w: w} }

// Event writes e as one JSON line, with one Write call.
func (j *JSON) Event(e stack.Event) {
	b, err := json.Marshal(e)
	if err != nil {
		// An Event holds only strings, bools and a time: this cannot fail.
		return
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	_, _ = j.w.Write(b)
}

// Settle does nothing.
func (j *JSON) Settle() {}

// Close does nothing.
func (j *JSON) Close() {}

// JSONError renders an error the way Compose does in JSON progress mode.
func JSONError(msg string) string {
	b, _ := json.Marshal(struct {
		Error   bool   `json:"error"`
		Message string `json:"message"`
	}{true, msg})
	return string(b)
}
