package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// Status values of copies.
const (
	StatusCopying Status = "Copying"
	StatusCopied  Status = "Copied"
)

// CopyOptions tune Copy.
type CopyOptions struct {
	// Source and Destination are "SERVICE:PATH", a local path, or "-"
	// (a tar stream on In or Out); exactly one names a service.
	Source, Destination string
	// Index is the container number; 0 means the service's first
	// container when copying from it, all of them when copying to it.
	Index int
	// All includes one-off containers (run) when copying to a service.
	All bool
	// FollowLink copies what a symbolic link source points to; Archive
	// keeps uid and gid of the files copied to a container.
	FollowLink bool
	Archive    bool
	In         io.Reader
	Out        io.Writer
	// DryRun reports the copies and makes none.
	DryRun bool
}

// Copy copies files between the containers of a service and this machine,
// as docker compose cp does: from the service's first container (or number
// o.Index), or to every container of it (or number o.Index). The copies
// are tar streams through the API, several containers in parallel; a tar
// stream read from o.In is fanned out to them without a copy on disk.
func (s *Stack) Copy(ctx context.Context, project string, o CopyOptions) error {
	srcService, srcPath := SplitCopyArg(o.Source)
	dstService, dstPath := SplitCopyArg(o.Destination)
	switch {
	case srcService != "" && dstService != "":
		return errors.New("copying between services is not supported")
	case srcService == "" && dstService == "":
		return fmt.Errorf("one of %q and %q must be SERVICE:PATH", o.Source, o.Destination)
	}
	if srcService != "" {
		c, err := s.pickContainer(ctx, project, srcService, o.Index, true)
		if err != nil {
			return err
		}
		req := engine.CopyRequest{Path: srcPath, Local: dstPath, Out: o.Out, FollowLink: o.FollowLink}
		return s.copyOne(c, fmt.Sprintf("%s:%s to %s", c.Name, srcPath, dstPath), o.DryRun, func() error {
			return s.engine.CopyFromContainer(ctx, c.ID, req)
		})
	}

	cs, err := s.copyTargets(ctx, project, dstService, o)
	if err != nil {
		return err
	}
	ins := make([]io.Reader, len(cs))
	var fanOut func() error
	if srcPath == "-" {
		ins, fanOut = fanOutReader(o.In, len(cs))
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel + 1)
	if fanOut != nil && !o.DryRun {
		g.Go(fanOut)
	}
	for i, c := range cs {
		req := engine.CopyRequest{Path: dstPath, Local: srcPath, In: ins[i], FollowLink: o.FollowLink, Archive: o.Archive}
		g.Go(func() error {
			err := s.copyOne(c, fmt.Sprintf("%s to %s:%s", srcPath, c.Name, dstPath), o.DryRun, func() error {
				return s.engine.CopyToContainer(gctx, c.ID, req)
			})
			if pr, ok := ins[i].(*io.PipeReader); ok && err != nil {
				// The feed stops, and the other copies end with this
				// error rather than wait on this one's pipe.
				pr.CloseWithError(err)
			}
			return err
		})
	}
	return g.Wait()
}

// copyTargets are the containers a copy to service goes to.
func (s *Stack) copyTargets(ctx context.Context, project, service string, o CopyOptions) ([]engine.Container, error) {
	if o.Index > 0 {
		c, err := s.pickContainer(ctx, project, service, o.Index, true)
		if err != nil {
			return nil, err
		}
		return []engine.Container{c}, nil
	}
	cs, err := s.serviceContainers(ctx, project, service, true, o.All)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("no container found for service %q", service)
	}
	return cs, nil
}

// copyOne reports one container's copy around do.
func (s *Stack) copyOne(c engine.Container, text string, dryRun bool, do func() error) error {
	return s.containerStep(c, StatusCopying, StatusCopied, text, dryRun, func() (string, error) { return "", do() })
}

// fanOutReader returns n readers that each see all of r, and the function
// that feeds them; a single reader is r itself. A reader closed early
// with an error (its copy failed) makes the feed stop, and the others end
// with that error.
func fanOutReader(r io.Reader, n int) ([]io.Reader, func() error) {
	if n == 1 {
		return []io.Reader{r}, nil
	}
	readers := make([]io.Reader, n)
	writers := make([]io.Writer, n)
	pws := make([]*io.PipeWriter, n)
	for i := range n {
		pr, pw := io.Pipe()
		readers[i], writers[i], pws[i] = pr, pw, pw
	}
	return readers, func() error {
		src := &readErr{r: r}
		_, err := io.Copy(io.MultiWriter(writers...), src)
		for _, pw := range pws {
			pw.CloseWithError(err)
		}
		if src.err != nil {
			return fmt.Errorf("read the tar stream from standard input: %w", src.err)
		}
		// A failed write is a failed copy, which reports itself.
		return nil
	}
}

// readErr remembers the error of its reader, to tell a failed read from
// a failed write.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// SplitCopyArg splits a cp argument into a service and a path, as docker
// compose cp reads it: "SERVICE:PATH"; a path with no colon, an absolute
// path, or one starting with "." (./a:b) is local.
func SplitCopyArg(arg string) (service, path string) {
	if filepath.IsAbs(arg) {
		return "", arg
	}
	svc, p, ok := strings.Cut(arg, ":")
	if !ok || strings.HasPrefix(svc, ".") {
		return "", arg
	}
	return svc, p
}
