package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// BuildImage builds r with the engine's classic builder: the context
// directory is sent as a tar stream that leaves out what .dockerignore
// excludes, with the Dockerfile added when it lies outside the context or
// is inline. A remote context (Git or HTTP URL) is fetched by the engine.
func (d *Docker) BuildImage(ctx context.Context, r BuildRequest, progress func(string)) (string, error) {
	name := "image"
	if len(r.Tags) > 0 {
		name = r.Tags[0]
	}
	op := fmt.Sprintf("build image %q", name)
	opts, err := buildOptions(r)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}

	var body io.Reader
	var sent chan error
	if isRemoteContext(r.Build.Context) {
		if r.Build.DockerfileInline != "" {
			return "", fmt.Errorf("%s: dockerfile_inline needs a local build context, not %q", op, r.Build.Context)
		}
		opts.RemoteContext = r.Build.Context
	} else {
		bc, err := newBuildContext(r.Build)
		if err != nil {
			return "", fmt.Errorf("%s: %w", op, err)
		}
		opts.Dockerfile = bc.dockerfile
		pr, pw := io.Pipe()
		sent = make(chan error, 1)
		go func() {
			err := bc.write(pw)
			pw.CloseWithError(err)
			sent <- err
		}()
		// Whatever happens below, the writer ends once the reader is
		// closed, and is waited for.
		defer func() { pr.Close(); <-sent }()
		body = pr
	}

	resp, err := d.cli.ImageBuild(ctx, body, opts)
	if err != nil {
		if sent != nil {
			if werr := drain(sent); werr != nil {
				return "", fmt.Errorf("%s: build context: %w", op, werr)
			}
		}
		return "", d.wrap(op, err)
	}
	defer resp.Body.Close()
	id, err := readBuildStream(resp.Body, progress)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("%s: %w", op, ctx.Err())
		}
		return "", fmt.Errorf("%s: %w", op, err)
	}
	if id == "" && len(r.Tags) > 0 {
		// An engine that sends no aux message: ask for the tag.
		img, err := d.cli.ImageInspect(ctx, r.Tags[0])
		if err != nil {
			return "", d.wrap(op, err)
		}
		id = img.ID
	}
	return id, nil
}

// drain returns the error of the context writer if it has already ended
// with one, without waiting for it.
func drain(sent chan error) error {
	select {
	case err := <-sent:
		// Put it back for the deferred wait.
		sent <- err
		if err != nil && !errors.Is(err, io.ErrClosedPipe) {
			return err
		}
	default:
	}
	return nil
}

// isRemoteContext tells whether a build context is a URL the engine
// fetches itself, as the docker CLI decides.
func isRemoteContext(c string) bool {
	for _, p := range []string{"http://", "https://", "git://", "git@", "github.com/"} {
		if strings.HasPrefix(c, p) {
			return true
		}
	}
	return false
}

// buildOptions converts r into the engine's build options, all but the
// context and the Dockerfile's name.
func buildOptions(r BuildRequest) (build.ImageBuildOptions, error) {
	b := r.Build
	args := map[string]*string{}
	for k, v := range b.Args {
		args[k] = v
	}
	for k, v := range r.Args {
		args[k] = v
	}
	labels := map[string]string{}
	for k, v := range b.Labels {
		labels[k] = v
	}
	for k, v := range r.Labels {
		labels[k] = v
	}
	tags := append([]string{}, r.Tags...)
	for _, t := range b.Tags {
		if !containsString(tags, t) {
			tags = append(tags, t)
		}
	}
	var hosts []string
	if len(b.ExtraHosts) > 0 {
		hosts = b.ExtraHosts.AsList(":")
		sort.Strings(hosts)
	}
	opts := build.ImageBuildOptions{
		Tags:           tags,
		SuppressOutput: r.Quiet,
		NoCache:        r.NoCache || b.NoCache,
		Remove:         true,
		ForceRemove:    true,
		PullParent:     r.Pull || b.Pull,
		Memory:         r.Memory,
		NetworkMode:    b.Network,
		ShmSize:        int64(b.ShmSize),
		BuildArgs:      args,
		Labels:         labels,
		CacheFrom:      []string(b.CacheFrom),
		ExtraHosts:     hosts,
		Target:         b.Target,
		Isolation:      container.Isolation(b.Isolation),
		Version:        build.BuilderV1,
	}
	if len(b.Platforms) > 1 {
		return opts, fmt.Errorf("several platforms (%s) need BuildKit; the classic builder builds one", strings.Join(b.Platforms, ", "))
	}
	if len(b.Platforms) == 1 {
		opts.Platform = b.Platforms[0]
	}
	for name, u := range b.Ulimits {
		if u == nil {
			continue
		}
		soft, hard := int64(u.Soft), int64(u.Hard)
		if u.Single != 0 {
			soft, hard = int64(u.Single), int64(u.Single)
		}
		opts.Ulimits = append(opts.Ulimits, &container.Ulimit{Name: name, Soft: soft, Hard: hard})
	}
	sort.Slice(opts.Ulimits, func(i, j int) bool { return opts.Ulimits[i].Name < opts.Ulimits[j].Name })
	for _, unsupported := range []struct {
		key string
		set bool
	}{
		{"ssh", len(b.SSH) > 0},
		{"secrets", len(b.Secrets) > 0},
		{"additional_contexts", len(b.AdditionalContexts) > 0},
		{"cache_to", len(b.CacheTo) > 0},
		{"entitlements", len(b.Entitlements) > 0},
	} {
		if unsupported.set {
			return opts, fmt.Errorf("build.%s needs BuildKit, which this engine's classic builder is not", unsupported.key)
		}
	}
	return opts, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// buildContext is a local build context ready to be sent.
type buildContext struct {
	dir string
	// dockerfile is the Dockerfile's path inside the sent context, with
	// forward slashes.
	dockerfile string
	// extra is a Dockerfile to add under the name dockerfile (inline, or
	// from outside the context); nil when it is a file of the context.
	extra []byte
	// ignore is the content of .dockerignore as sent: the user's patterns,
	// plus the added Dockerfile so that the builder drops it after reading.
	ignore   []byte
	excludes *patternmatcher.PatternMatcher
}

// newBuildContext reads the .dockerignore of b's context and decides how
// the Dockerfile is sent.
func newBuildContext(b types.BuildConfig) (*buildContext, error) {
	dir := b.Context
	if dir == "" {
		dir = "."
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("build context %q is not a directory", dir)
	}
	bc := &buildContext{dir: dir}

	var patterns []string
	ignore, err := os.ReadFile(filepath.Join(dir, ".dockerignore"))
	switch {
	case err == nil:
		if patterns, err = ignorefile.ReadAll(bytes.NewReader(ignore)); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ".dockerignore"), err)
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return nil, err
	}

	switch {
	case b.DockerfileInline != "":
		bc.extra = []byte(b.DockerfileInline)
	default:
		df := b.Dockerfile
		if df == "" {
			df = "Dockerfile"
		}
		if !filepath.IsAbs(df) {
			df = filepath.Join(dir, df)
		}
		rel, err := filepath.Rel(dir, df)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			// Outside the context: send its content under a name of ours.
			data, err := os.ReadFile(df)
			if err != nil {
				return nil, fmt.Errorf("dockerfile: %w", err)
			}
			bc.extra = data
		} else {
			if _, err := os.Stat(df); err != nil {
				return nil, fmt.Errorf("dockerfile: %w", err)
			}
			bc.dockerfile = filepath.ToSlash(rel)
		}
	}
	if bc.extra != nil {
		bc.dockerfile = ".dockerfile." + randomHex(10)
		// The builder removes what .dockerignore names once it has read
		// the Dockerfile, so the added file never reaches a COPY.
		ignore = append(append(bytes.TrimRight(ignore, "\n"), '\n'), []byte(bc.dockerfile+"\n")...)
		if len(patterns) == 0 {
			ignore = append(ignore, ".dockerignore\n"...)
		}
		bc.ignore = ignore
	}

	// The Dockerfile and .dockerignore are always sent, even when ignored:
	// the builder needs them (and drops them itself).
	if len(patterns) > 0 {
		if m, _ := patternmatcher.MatchesOrParentMatches(".dockerignore", patterns); m {
			patterns = append(patterns, "!.dockerignore")
		}
		if bc.extra == nil {
			if m, _ := patternmatcher.MatchesOrParentMatches(bc.dockerfile, patterns); m {
				patterns = append(patterns, "!"+bc.dockerfile)
			}
		}
	}
	if bc.excludes, err = patternmatcher.New(patterns); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ".dockerignore"), err)
	}
	return bc, nil
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// write sends the context as a tar stream to w.
func (bc *buildContext) write(w io.Writer) error {
	tw := tar.NewWriter(w)
	anyExceptions := bc.excludes.Exclusions()
	err := filepath.WalkDir(bc.dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(bc.dir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if bc.ignore != nil && rel == ".dockerignore" {
			return nil // sent below, with the added Dockerfile
		}
		skip, err := bc.excludes.MatchesOrParentMatches(rel)
		if err != nil {
			return err
		}
		if skip {
			if de.IsDir() && !anyExceptions {
				return filepath.SkipDir
			}
			// With "!" patterns a file below may be included again.
			return nil
		}
		return addFile(tw, p, rel, de)
	})
	if err != nil {
		return err
	}
	if bc.ignore != nil {
		if err := addBytes(tw, ".dockerignore", bc.ignore); err != nil {
			return err
		}
	}
	if bc.extra != nil {
		if err := addBytes(tw, bc.dockerfile, bc.extra); err != nil {
			return err
		}
	}
	return tw.Close()
}

// addFile writes one entry of the context: a directory, a regular file or a
// symbolic link; other kinds (sockets, devices) are left out.
func addFile(tw *tar.Writer, p, rel string, de fs.DirEntry) error {
	fi, err := de.Info()
	if err != nil {
		return err
	}
	var link string
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		if link, err = os.Readlink(p); err != nil {
			return err
		}
	case fi.IsDir(), fi.Mode().IsRegular():
	default:
		return nil
	}
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return err
	}
	hdr.Name = rel
	if fi.IsDir() {
		hdr.Name += "/"
	}
	// Ownership is the builder's business (COPY --chown), not the host's.
	hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
	hdr.Format = tar.FormatPAX
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}

func addBytes(tw *tar.Writer, name string, data []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: path.Clean(name), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// readBuildStream reads the engine's JSON message stream, passing every
// complete output line to progress, and returns the built image's ID. A
// message with an error ends the build with that error.
func readBuildStream(r io.Reader, progress func(string)) (string, error) {
	var id string
	var partial strings.Builder
	emit := func(s string) {
		for {
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				partial.WriteString(s)
				return
			}
			line := partial.String() + s[:i]
			partial.Reset()
			s = s[i+1:]
			line = strings.TrimRight(line, "\r")
			if progress != nil && strings.TrimSpace(line) != "" {
				progress(line)
			}
		}
	}
	dec := json.NewDecoder(r)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return "", fmt.Errorf("read build output: %w", err)
		}
		if m.Error != nil || m.ErrorMessage != "" {
			emit("\n")
			msg := m.ErrorMessage
			if m.Error != nil && m.Error.Message != "" {
				msg = m.Error.Message
			}
			return "", errors.New(strings.TrimSpace(msg))
		}
		if m.Aux != nil {
			var res build.Result
			if json.Unmarshal(*m.Aux, &res) == nil && res.ID != "" {
				id = res.ID
			}
			continue
		}
		switch {
		case m.Stream != "":
			emit(m.Stream)
		case m.Status != "":
			emit(statusLine(m) + "\n")
		}
	}
	emit("\n")
	return id, nil
}

// statusLine renders a pull-like status message: "<id>: <status> <progress>".
func statusLine(m jsonmessage.JSONMessage) string {
	line := m.Status
	if m.ID != "" {
		line = m.ID + ": " + line
	}
	if m.Progress != nil {
		if p := m.Progress.String(); p != "" {
			line += " " + p
		}
	}
	return line
}

// PullImage pulls ref with the credentials of the docker config for its
// registry, and passes each status line to progress. The engine reports a
// failed pull in the message stream: that is returned as an error, a
// *RegistryError when the registry refused or could not be reached.
func (d *Docker) PullImage(ctx context.Context, ref string, progress func(string)) error {
	op := fmt.Sprintf("pull image %q", ref)
	a, err := d.registryAuth(ctx, ref)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	rc, err := d.cli.ImagePull(ctx, ref, image.PullOptions{RegistryAuth: a.header})
	if err != nil {
		return a.classify("pull", ref, d.wrap(op, err))
	}
	defer rc.Close()
	err = readMessages(ctx, rc, op, func(m jsonmessage.JSONMessage) {
		if progress != nil && m.Status != "" {
			progress(statusLine(m))
		}
	})
	return a.classify("pull", ref, err)
}

// readMessages decodes the engine's JSON message stream r (of a pull or a
// push) until it ends, calling each for every message. A message that
// carries an error ends it with that error, a *streamError after op.
func readMessages(ctx context.Context, r io.Reader, op string, each func(jsonmessage.JSONMessage)) error {
	dec := json.NewDecoder(r)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			if ctx.Err() != nil {
				return fmt.Errorf("%s: %w", op, ctx.Err())
			}
			return fmt.Errorf("%s: %w", op, err)
		}
		if m.Error != nil || m.ErrorMessage != "" {
			msg := m.ErrorMessage
			if m.Error != nil && m.Error.Message != "" {
				msg = m.Error.Message
			}
			return &streamError{op: op, msg: strings.TrimSpace(msg)}
		}
		each(m)
	}
}

// streamError is the error a pull or push reported in its message stream.
type streamError struct {
	op, msg string
}

func (e *streamError) Error() string { return e.op + ": " + e.msg }
