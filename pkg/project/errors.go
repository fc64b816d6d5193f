package project

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/compose-spec/compose-go/v2/types"
)

// ErrNoStackFile is wrapped by the error Load returns when no -f is given and
// no default stack file exists in the working directory or its parents.
var ErrNoStackFile = errors.New("no stack file found")

// Error is a user error in a stack file or in the load options. File, Service
// and Key say where it is, as far as they are known; Msg says what is wrong.
// Err is the underlying error, if any, for errors.Is and errors.As.
type Error struct {
	File    string // as shown to the user: relative to the working directory when inside it
	Service string
	Key     string // e.g. "ports" or "x-link-priority"
	Msg     string
	Err     error
}

// Error renders the known parts, e.g.
// `app.yml: service "web": x-link-priority: must be an integer, got string "high"`.
func (e *Error) Error() string {
	parts := make([]string, 0, 4)
	if e.File != "" {
		parts = append(parts, e.File)
	}
	if e.Service != "" {
		parts = append(parts, `service "`+Shorten(e.Service)+`"`)
	}
	if e.Key != "" {
		parts = append(parts, e.Key)
	}
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	parts = append(parts, msg)
	return strings.Join(parts, ": ")
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// FileOf is the stack file to name in an error about p: its only file,
// shown as Error shows files; "" when p was loaded from several.
func FileOf(p *types.Project) string {
	if len(p.ComposeFiles) != 1 {
		return ""
	}
	return DisplayPath(p.ComposeFiles[0])
}

// DisplayPath shows a stack file's path as errors name files: relative to
// the working directory when inside it, "<stdin>" for standard input.
func DisplayPath(path string) string {
	if path == "-" {
		return stdinName
	}
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return rel
	}
	return path
}

// shortenAt is the length above which Shorten cuts a name.
const shortenAt = 64

// Shorten keeps a name that a message quotes to one readable line: a name
// longer than 64 characters is cut to its first 40, followed by its
// length.
func Shorten(name string) string {
	if len(name) <= shortenAt {
		return name
	}
	cut := 40
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d characters)", name[:cut], len(name))
}
