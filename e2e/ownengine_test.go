package e2e

import (
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdOwnEngine is "ownengine start|restart|stop", an engine of the
// script's own (dockerd_test.go), which it may restart without touching
// the engine everybody else uses:
//
//	start    start the engine, load $IMAGE into it and point the script's
//	         DOCKER_HOST (and so stack and the commands above) at it; it and
//	         all in it are removed when the script ends
//	restart  stop it as a host shutdown does (its containers stop) and start
//	         it again on the same data
//	stop     stop it (it stays stopped until start)
func cmdOwnEngine(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: ownengine start|restart|stop")
	}
	slot, ok := ts.Value(ownEngineKey{}).(*ownEngineSlot)
	if !ok {
		ts.Fatalf("ownengine: the script's setup made no room for an engine")
	}
	e := slot.e
	switch args[0] {
	case "start":
		if e == nil {
			if err := ownEngineUsable(); err != nil {
				ts.Fatalf("ownengine: %v", err)
			}
			e = newOwnEngine(ts, ts.Defer)
			slot.e = e
		}
		e.Start()
		e.Load(ts.Getenv("IMAGE"))
		ts.Setenv("DOCKER_HOST", e.Host)
		ts.Setenv("OWNENGINE_DATA", filepath.Join(e.dir, "data"))
	case "restart":
		if e == nil {
			ts.Fatalf("ownengine restart: not started")
		}
		e.Stop()
		e.Start()
	case "stop":
		if e == nil {
			ts.Fatalf("ownengine stop: not started")
		}
		e.Stop()
	default:
		ts.Fatalf("usage: ownengine start|restart|stop")
	}
}

// ownEngineKey finds a script's *ownEngineSlot among its values.
type ownEngineKey struct{}

// ownEngineSlot holds the script's engine once started.
type ownEngineSlot struct{ e *ownEngine }
