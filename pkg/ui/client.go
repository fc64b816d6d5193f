package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// One page's WebSocket: the hub's messages go out through a bounded queue
// (a page that cannot keep up is disconnected and, reconnecting, gets the
// whole state again); log lines are gathered and sent in batches, and the
// ones a slow page cannot take are counted, not kept.

const (
	// queueLen bounds the messages waiting for one page.
	queueLen = 256
	// logBatchMax bounds the log lines waiting for one page.
	logBatchMax = 5000
	// flushEvery is how often gathered log lines are sent.
	flushEvery = 100 * time.Millisecond
	// writeTimeout bounds one write to a page.
	writeTimeout = 10 * time.Second
)

type client struct {
	h    *hub
	out  chan []byte
	gone chan struct{} // closed when the page's queue overflowed
	once sync.Once

	mu   sync.Mutex
	logs *logSub
}

func newClient(h *hub) *client {
	return &client{h: h, out: make(chan []byte, queueLen), gone: make(chan struct{})}
}

// send queues m for the page.
func (c *client) send(m message) {
	data, err := json.Marshal(m)
	if err != nil {
		c.h.s.o.Logf("encode %s message: %v", m.Type, err)
		return
	}
	c.sendRaw(data)
}

func (c *client) sendRaw(data []byte) {
	select {
	case c.out <- data:
	default:
		c.once.Do(func() { close(c.gone) })
	}
}

// serveLive upgrades a request to the page's WebSocket and serves it until
// either side leaves.
func (s *Server) serveLive(w http.ResponseWriter, r *http.Request) {
	h, err := s.hub(r.PathValue("project"))
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, err)
		return
	}
	// Accept refuses an Origin other than this host.
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	c := newClient(h)
	h.attach(c)
	defer h.detach(c)
	defer c.stopLogs()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancel()
		c.read(ctx, conn)
	}()
	c.write(ctx, conn)
	cancel()
	conn.CloseNow()
	<-done
}

// read handles the page's requests: which logs to follow.
func (c *client) read(ctx context.Context, conn *websocket.Conn) {
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		var req struct {
			Type     string   `json:"type"`
			Services []string `json:"services"`
			Tail     int      `json:"tail"`
			Off      bool     `json:"off"`
		}
		if json.Unmarshal(data, &req) != nil || req.Type != "logs" {
			continue
		}
		if req.Off {
			c.stopLogs()
			continue
		}
		c.followLogs(ctx, req.Services, req.Tail)
	}
}

// write sends queued messages and log batches until ctx ends, the page
// leaves or falls too far behind.
func (c *client) write(ctx context.Context, conn *websocket.Conn) {
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	put := func(data []byte) bool {
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		defer cancel()
		return conn.Write(wctx, websocket.MessageText, data) == nil
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.gone:
			conn.Close(websocket.StatusTryAgainLater, "too far behind")
			return
		case data := <-c.out:
			if !put(data) {
				return
			}
		case <-tick.C:
			if m, ok := c.takeLogs(); ok {
				data, err := json.Marshal(m)
				if err != nil || !put(data) {
					return
				}
			}
		}
	}
}
