package filewatch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Defaults of Options.
const (
	DefaultQuiet    = 250 * time.Millisecond
	DefaultMaxDelay = 5 * time.Second
)

// Options tune a Watcher.
type Options struct {
	// Quiet ends a batch when no change came for this long (default
	// DefaultQuiet); MaxDelay ends it at the latest this long after its
	// first change (default DefaultMaxDelay), for changes that never stop.
	Quiet, MaxDelay time.Duration
	// Skip, when set, tells which directories not to watch at all (a
	// .git or node_modules that nothing acts on): their changes are never
	// reported.
	Skip func(dir string) bool
}

// Watcher watches the trees under its roots, directories created later
// included. Its batches hold absolute, cleaned paths, each once, sorted:
// files and directories created, written, removed or renamed (attribute
// changes alone are left out).
type Watcher struct {
	fs      *fsnotify.Watcher
	o       Options
	roots   []string
	batches chan []string
	errs    chan error
	done    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

// New starts watching roots (files or directories; one that does not exist
// yet is watched from its nearest existing parent).
func New(roots []string, o Options) (*Watcher, error) {
	if o.Quiet <= 0 {
		o.Quiet = DefaultQuiet
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	fw, err := fsnotify.NewBufferedWatcher(4096)
	if errors.Is(err, syscall.EMFILE) {
		return nil, fmt.Errorf("watch files: %w: every inotify instance allowed is in use (fs.inotify.max_user_instances); raise the limit, e.g. sysctl -w fs.inotify.max_user_instances=1024", err)
	}
	if err != nil {
		return nil, fmt.Errorf("watch files: %w", err)
	}
	w := &Watcher{fs: fw, o: o, batches: make(chan []string), errs: make(chan error, 1), done: make(chan struct{})}
	for _, r := range roots {
		abs, err := filepath.Abs(r)
		if err != nil {
			fw.Close()
			return nil, err
		}
		w.roots = append(w.roots, abs)
		if err := w.addRoot(abs); err != nil {
			fw.Close()
			return nil, err
		}
	}
	w.wg.Add(1)
	go w.loop()
	return w, nil
}

// Batches delivers the batches of changed paths; it closes when the
// watcher is closed.
func (w *Watcher) Batches() <-chan []string { return w.batches }

// Errors delivers at most one error, after which the watcher stops.
func (w *Watcher) Errors() <-chan error { return w.errs }

// Close stops watching and waits for the watcher's goroutine.
func (w *Watcher) Close() error {
	var err error
	w.once.Do(func() {
		close(w.done)
		err = w.fs.Close()
		w.wg.Wait()
	})
	return err
}

// addRoot watches a root: a directory's tree, a file's directory, or a
// missing path's nearest existing parent.
func (w *Watcher) addRoot(root string) error {
	p := root
	for {
		fi, err := os.Stat(p)
		switch {
		case err == nil && fi.IsDir():
			_, err := w.addTree(p)
			return err
		case err == nil:
			return w.add(filepath.Dir(p))
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("watch %s: %w", root, err)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return fmt.Errorf("watch %s: no existing parent directory", root)
		}
		p = parent
	}
}

func (w *Watcher) add(dir string) error {
	err := w.fs.Add(dir)
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("watch %s: %w: the limit of inotify watches is reached (fs.inotify.max_user_watches); raise it, or ignore large directories in the rules", dir, err)
	}
	if err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	return nil
}

// addTree watches dir and the directories below it, and returns the
// paths found below it (for a directory created while watching: what was
// written into it before its watch was in place).
func (w *Watcher) addTree(dir string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed meanwhile
			}
			return err
		}
		if d.IsDir() {
			if p != dir && w.o.Skip != nil && w.o.Skip(p) {
				return filepath.SkipDir
			}
			if err := w.add(p); err != nil {
				return err
			}
		}
		if p != dir {
			found = append(found, p)
		}
		return nil
	})
	return found, err
}

// relevant tells whether a changed path is under a root (a file root's
// directory is watched whole).
func (w *Watcher) relevant(p string) bool {
	for _, r := range w.roots {
		if p == r || isBelow(r, p) || isBelow(p, r) {
			return true
		}
	}
	return false
}

// isBelow reports whether p is strictly below dir.
func isBelow(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != "." && filepath.IsLocal(rel)
}

// loop collects events into batches. While a batch waits for its reader
// (busy acting on the previous one), events are still read, and what ends
// meanwhile joins the waiting batch: the reader then acts once on both.
func (w *Watcher) loop() {
	defer w.wg.Done()
	defer close(w.batches)
	pending := map[string]bool{}
	var ready []string
	var out chan<- []string // w.batches while ready is not empty
	var quiet, latest <-chan time.Time
	var quietTimer, latestTimer *time.Timer
	stop := func(t *time.Timer) {
		if t != nil {
			t.Stop()
		}
	}
	defer func() { stop(quietTimer); stop(latestTimer) }()
	note := func(p string) {
		if !w.relevant(p) {
			return
		}
		if len(pending) == 0 {
			latestTimer = time.NewTimer(w.o.MaxDelay)
			latest = latestTimer.C
		}
		pending[p] = true
		stop(quietTimer)
		quietTimer = time.NewTimer(w.o.Quiet)
		quiet = quietTimer.C
	}
	end := func() {
		stop(quietTimer)
		stop(latestTimer)
		quiet, latest = nil, nil
		for p := range pending {
			if !slices.Contains(ready, p) {
				ready = append(ready, p)
			}
		}
		clear(pending)
		slices.Sort(ready)
		out = w.batches
	}
	for {
		select {
		case <-w.done:
			return
		case out <- ready:
			ready, out = nil, nil
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			p := filepath.Clean(ev.Name)
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
					if w.o.Skip != nil && w.o.Skip(p) {
						continue
					}
					found, err := w.addTree(p)
					if err != nil {
						w.fail(err)
						return
					}
					for _, f := range found {
						note(f)
					}
				}
			}
			note(p)
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			w.fail(fmt.Errorf("watch files: %w", err))
			return
		case <-quiet:
			end()
		case <-latest:
			end()
		}
	}
}

// fail reports the watcher's one error.
func (w *Watcher) fail(err error) {
	select {
	case w.errs <- err:
	default:
	}
}
