package agent

// The agent's image: stack's own binary in an image built on the engine
// from a context made here, FROM scratch. No registry, no base image: a
// static binary needs nothing else; a dynamically linked one (cgo, -race)
// gets its ELF interpreter and libraries copied from this machine.

import (
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stack-orchestrator/stack/pkg/engine"
)

// ImageRepository is the local repository of agent images; the tag is a
// digest of the binary, so that each binary builds its image once.
const ImageRepository = "stack-agent"

// imageEngine is what EnsureImage needs of the engine.
type imageEngine interface {
	ImageIDs(ctx context.Context, refs []string) (map[string]string, error)
	BuildImage(ctx context.Context, r engine.BuildRequest, progress func(string)) (string, error)
}

// EnsureImage returns the agent image of binary (a stack executable),
// building it on the engine when the engine does not have it.
func EnsureImage(ctx context.Context, eng imageEngine, binary string) (string, error) {
	sum, err := digest(binary)
	if err != nil {
		return "", err
	}
	ref := ImageRepository + ":" + sum[:16]
	ids, err := eng.ImageIDs(ctx, []string{ref})
	if err != nil {
		return "", err
	}
	if ids[ref] != "" {
		return ref, nil
	}
	dir, err := os.MkdirTemp("", "stack-agent-image-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	if err := buildContext(dir, binary); err != nil {
		return "", fmt.Errorf("agent image from %s: %w", binary, err)
	}
	build := types.BuildConfig{Context: dir, Dockerfile: "Dockerfile"}
	if _, err := eng.BuildImage(ctx, engine.BuildRequest{Build: build, Tags: []string{ref}, Quiet: true}, nil); err != nil {
		return "", fmt.Errorf("build agent image %s: %w", ref, err)
	}
	return ref, nil
}

func digest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("agent image: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("agent image: read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// dockerfile puts the binary at /stack, the files it needs beside it.
const dockerfile = `FROM scratch
COPY rootfs/ /
ENTRYPOINT ["/stack"]
LABEL io.stack.agent.image="true"
`

// buildContext writes the build context of the image into dir.
func buildContext(dir, binary string) error {
	root := filepath.Join(dir, "rootfs")
	if err := copyFile(binary, filepath.Join(root, "stack"), 0o755); err != nil {
		return err
	}
	files, err := runtimeFiles(binary)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := copyFile(f, filepath.Join(root, f), 0o755); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644)
}

// libraryDirs are where the libraries a binary needs are looked for, as
// the dynamic loader of a Debian system looks.
var libraryDirs = []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"}

// runtimeFiles lists what a dynamically linked binary needs to run: its
// ELF interpreter and its libraries, transitively. A static binary needs
// nothing.
func runtimeFiles(binary string) ([]string, error) {
	f, err := elf.Open(binary)
	if err != nil {
		return nil, fmt.Errorf("%s is not an executable of this system: %w", binary, err)
	}
	defer f.Close()
	var out []string
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b, err := io.ReadAll(p.Open())
		if err != nil {
			return nil, err
		}
		out = append(out, strings.TrimRight(string(b), "\x00"))
	}
	if len(out) == 0 {
		return nil, nil
	}
	seen := map[string]bool{}
	var walk func(*elf.File) error
	walk = func(f *elf.File) error {
		libs, err := f.ImportedLibraries()
		if err != nil {
			return err
		}
		for _, lib := range libs {
			if seen[lib] {
				continue
			}
			seen[lib] = true
			path := ""
			for _, d := range libraryDirs {
				if _, err := os.Stat(filepath.Join(d, lib)); err == nil {
					path = filepath.Join(d, lib)
					break
				}
			}
			if path == "" {
				return fmt.Errorf("library %s not found in %s: build stack with CGO_ENABLED=0 for a static binary", lib, strings.Join(libraryDirs, ", "))
			}
			out = append(out, path)
			lf, err := elf.Open(path)
			if err != nil {
				return err
			}
			err = walk(lf)
			lf.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk(f)
}

// copyFile copies the content of src (links followed) to dst.
func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}
