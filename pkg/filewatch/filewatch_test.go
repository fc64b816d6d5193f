package filewatch

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// next returns the next batch, failing after a generous bound (the
// batching itself is not timed here).
func next(t *testing.T, w *Watcher) []string {
	t.Helper()
	select {
	case b, ok := <-w.Batches():
		if !ok {
			t.Fatal("watcher closed")
		}
		return b
	case err := <-w.Errors():
		t.Fatal(err)
	case <-time.After(30 * time.Second):
		t.Fatal("no batch")
	}
	return nil
}

// none checks that no batch comes within d.
func none(t *testing.T, w *Watcher, d time.Duration) {
	t.Helper()
	select {
	case b := <-w.Batches():
		t.Fatalf("unexpected batch %q", b)
	case <-time.After(d):
	}
}

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBurstIsOneBatch(t *testing.T) {
	dir := t.TempDir()
	w, err := New([]string{dir}, Options{Quiet: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := range 100 {
		write(t, filepath.Join(dir, fmt.Sprintf("f%03d.txt", i)), "x")
	}
	b := next(t, w)
	if len(b) != 100 || b[0] != filepath.Join(dir, "f000.txt") || !slices.IsSorted(b) {
		t.Fatalf("one batch of the 100 files, sorted, got %d: %q...", len(b), b[:min(3, len(b))])
	}
	none(t, w, 500*time.Millisecond)
}

func TestNewDirectoriesAreWatched(t *testing.T) {
	dir := t.TempDir()
	w, err := New([]string{dir}, Options{Quiet: 100 * time.Millisecond, Skip: func(d string) bool { return filepath.Base(d) == ".git" }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// Written at once: some files may land before the new directory's
	// watch; they are found when it is added.
	write(t, filepath.Join(dir, "a/b/c/deep.txt"), "x")
	write(t, filepath.Join(dir, ".git/HEAD"), "ref")
	b := next(t, w)
	if !slices.Contains(b, filepath.Join(dir, "a/b/c/deep.txt")) {
		t.Fatalf("the file in the new tree is missing: %q", b)
	}
	for _, p := range b {
		if strings.Contains(p, "HEAD") {
			t.Errorf("a skipped directory's file was reported: %q", b)
		}
	}
	// A later write below the new tree is seen too; a removal as well.
	write(t, filepath.Join(dir, "a/b/c/deep.txt"), "y")
	if b := next(t, w); !slices.Equal(b, []string{filepath.Join(dir, "a/b/c/deep.txt")}) {
		t.Errorf("rewrite: %q", b)
	}
	if err := os.RemoveAll(filepath.Join(dir, "a")); err != nil {
		t.Fatal(err)
	}
	if b := next(t, w); !slices.Contains(b, filepath.Join(dir, "a")) {
		t.Errorf("removal: %q", b)
	}
}

func TestFileAndMissingRoots(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "only.txt")
	write(t, file, "x")
	missing := filepath.Join(dir, "later/sub")
	w, err := New([]string{file, missing}, Options{Quiet: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	write(t, filepath.Join(dir, "sibling.txt"), "not watched")
	write(t, file, "y")
	if b := next(t, w); !slices.Equal(b, []string{file}) {
		t.Errorf("file root: %q", b)
	}
	write(t, filepath.Join(missing, "new.txt"), "z")
	if b := next(t, w); !slices.Contains(b, filepath.Join(missing, "new.txt")) {
		t.Errorf("a root created later: %q", b)
	}
}

func TestCloseEndsBatches(t *testing.T) {
	w, err := New([]string{t.TempDir()}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-w.Batches(); ok {
		t.Error("batches still open after Close")
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestChangesWhileBusyJoinTheWaitingBatch(t *testing.T) {
	dir := t.TempDir()
	w, err := New([]string{dir}, Options{Quiet: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	write(t, filepath.Join(dir, "one"), "1")
	// Nobody reads: the first batch waits; the second burst joins it.
	time.Sleep(300 * time.Millisecond)
	write(t, filepath.Join(dir, "two"), "2")
	time.Sleep(300 * time.Millisecond)
	if b := next(t, w); !slices.Equal(b, []string{filepath.Join(dir, "one"), filepath.Join(dir, "two")}) {
		t.Errorf("batch %q", b)
	}
}
