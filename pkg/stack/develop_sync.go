package stack

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// The sync part of develop.watch: changed files go into containers as one
// tar stream each, deleted ones are removed with rm.

// syncFile is a changed host path and where it goes in the container.
type syncFile struct {
	host, container string
}

// sync copies files into every running container of service and removes
// those deleted on this machine; it reports whether it succeeded.
func (w *watchRun) sync(ctx context.Context, service string, files []syncFile) bool {
	files = uniqueTargets(files)
	cs, err := w.s.serviceContainers(ctx, w.p.Name, service, false, false)
	if err != nil {
		w.fail(service, StatusSyncing, err)
		return false
	}
	text := fmt.Sprintf("%d changes", len(files))
	if len(files) == 1 {
		text = files[0].container
	}
	w.s.emit(Event{Kind: KindService, Name: service, Status: StatusSyncing, Text: text})
	for _, c := range cs {
		if err := w.copyInto(ctx, c, files); err != nil {
			w.fail(service, StatusSyncing, fmt.Errorf("container %q: %w", c.Name, err))
			return false
		}
	}
	w.s.emit(Event{Kind: KindService, Name: service, Status: StatusSynced, Done: true, Text: text})
	return true
}

// uniqueTargets keeps the last mapping of each container path.
func uniqueTargets(files []syncFile) []syncFile {
	seen := map[string]int{}
	var out []syncFile
	for _, f := range files {
		if i, ok := seen[f.container]; ok {
			out[i] = f
			continue
		}
		seen[f.container] = len(out)
		out = append(out, f)
	}
	return out
}

// copyInto sends the files that exist on this machine to container c as
// one tar stream unpacked at "/", owners kept, and removes the others.
func (w *watchRun) copyInto(ctx context.Context, c engine.Container, files []syncFile) error {
	var present []syncFile
	var gone []string
	for _, f := range files {
		if _, err := os.Lstat(f.host); errors.Is(err, fs.ErrNotExist) {
			gone = append(gone, f.container)
		} else {
			present = append(present, f)
		}
	}
	if len(present) > 0 {
		pr, pw := io.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			pw.CloseWithError(writeSyncTar(pw, present))
		}()
		err := w.s.engine.CopyToContainer(ctx, c.ID, engine.CopyRequest{Path: "/", Local: "-", In: pr, Archive: true})
		pr.Close()
		<-done
		if err != nil {
			return err
		}
	}
	if len(gone) > 0 {
		slices.Sort(gone)
		code, err := w.s.engine.Exec(ctx, c.ID, engine.ExecRequest{Cmd: append([]string{"rm", "-rf", "--"}, gone...)})
		if err == nil && code != 0 {
			err = fmt.Errorf("rm %s exited with code %d", strings.Join(gone, " "), code)
		}
		if err != nil {
			return fmt.Errorf("remove deleted files: %w", err)
		}
	}
	return nil
}

// writeSyncTar writes the files as a tar stream, each named by its
// container path: regular files, directories and symbolic links; a file
// gone meanwhile is left out.
func writeSyncTar(w io.Writer, files []syncFile) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		fi, err := os.Lstat(f.host)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		link := ""
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			if link, err = os.Readlink(f.host); err != nil {
				return err
			}
		case fi.IsDir(), fi.Mode().IsRegular():
		default:
			continue // sockets, devices, pipes
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		hdr.Name = strings.TrimPrefix(f.container, "/")
		if fi.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uname, hdr.Gname = "", ""
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			if err := copyFile(tw, f.host); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

func copyFile(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// initialRules are the sync rules of service with initial_sync.
func (w *watchRun) initialRules(service string) []watchRule {
	var out []watchRule
	for _, r := range w.rules {
		if r.service == service && r.InitialSync && r.syncs() {
			out = append(out, r)
		}
	}
	return out
}

// initialSync copies the paths of the initial_sync rules into the running
// containers of their services.
func (w *watchRun) initialSync(ctx context.Context) error {
	for _, svc := range watchedServices(w.rules) {
		if len(w.initialRules(svc)) == 0 {
			continue
		}
		cs, err := w.s.serviceContainers(ctx, w.p.Name, svc, false, false)
		if err != nil {
			return err
		}
		for _, c := range cs {
			w.syncTree(ctx, c)
		}
	}
	return nil
}

// syncStarted gives a container that started since the watch began (a
// recreate, a scale-up) its initial sync.
func (w *watchRun) syncStarted(ctx context.Context, ev engine.Event) {
	if w.synced[ev.ID] || len(w.initialRules(ev.Service)) == 0 || ev.Attribute[engine.LabelOneOff] == "True" {
		return
	}
	w.syncTree(ctx, engine.Container{ID: ev.ID, Name: ev.Name, Service: ev.Service})
}

// syncTree copies everything under the initial_sync rules of c's service
// that the rules let through into c.
func (w *watchRun) syncTree(ctx context.Context, c engine.Container) {
	w.synced[c.ID] = true
	var files []syncFile
	for _, r := range w.initialRules(c.Service) {
		err := filepath.WalkDir(r.Path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			target, ok := r.match(p)
			switch {
			case !ok && d.IsDir() && p != r.Path:
				return filepath.SkipDir
			case ok:
				files = append(files, syncFile{host: p, container: target})
			}
			return nil
		})
		if err != nil {
			w.fail(c.Service, StatusSyncing, fmt.Errorf("initial sync of %s: %w", r.Path, err))
			return
		}
	}
	if len(files) == 0 {
		return
	}
	text := fmt.Sprintf("initial sync, %d files", len(files))
	w.s.emit(Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: StatusSyncing, Text: text})
	if err := w.copyInto(ctx, c, files); err != nil {
		w.fail(c.Service, StatusSyncing, fmt.Errorf("container %q: %w", c.Name, err))
		return
	}
	w.s.emit(Event{Kind: KindContainer, Name: c.Name, Service: c.Service, Status: StatusSynced, Done: true, Text: text})
}
