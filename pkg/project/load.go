package project

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/consts"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/interpolation"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/schema"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/tree"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/compose-spec/compose-go/v2/utils"
)

// Options say which stack files to load and how. They mirror Docker
// Compose's global flags and environment variables.
type Options struct {
	// Files are the -f values, in order; "-" reads Stdin. When empty,
	// COMPOSE_FILE is used, and then the first of DefaultFileNames found in
	// ProjectDir (else WorkingDir) or its parents (plus an override file
	// beside it, see DefaultOverrideFileNames).
	Files []string
	// Stdin is read for the file "-"; nil means os.Stdin.
	Stdin io.Reader
	// Name is -p. When empty: COMPOSE_PROJECT_NAME from Environ or the env
	// files, then a top-level name: in the stack files, then the base name of
	// ProjectDir normalised with NormalizeName.
	Name string
	// ProjectDir is --project-directory; relative paths in the stack files
	// are resolved against it. Default: the directory of the first file, or
	// WorkingDir when the first file is "-".
	ProjectDir string
	// EnvFiles are the --env-file values; they must exist. Default: .env in
	// ProjectDir if it exists (unless COMPOSE_DISABLE_ENV_FILE is true).
	// Variables already in Environ win over those from env files.
	EnvFiles []string
	// Profiles are the --profile values; when empty, COMPOSE_PROFILES
	// (comma-separated) is used.
	Profiles []string
	// WorkingDir is the directory relative -f, --env-file and
	// --project-directory values are resolved against; "" means os.Getwd.
	WorkingDir string
	// Environ is the process environment in os.Environ form; nil means
	// os.Environ(). COMPOSE_FILE (split by COMPOSE_PATH_SEPARATOR, default
	// the OS list separator), COMPOSE_PROJECT_NAME, COMPOSE_PROFILES and
	// COMPOSE_DISABLE_ENV_FILE are read from it.
	Environ []string
	// Warn, if set, receives warnings found while loading, such as a
	// variable that is not set and is replaced by a blank string. Load
	// never prints; it calls Warn from its own goroutine, once per message.
	Warn func(msg string)
	// Strict makes what would be a warning about the file an error: a key
	// that stack does not honour (see ServiceKeys), a bind mount of /, /etc
	// or the engine's socket.
	Strict bool
	// Model says how much of the loading to do; the zero value does all of
	// it. Only stack config asks for less.
	Model ModelOptions
}

// DefaultFileNames are the stack file names looked for when no file is given,
// in order of preference.
var DefaultFileNames = []string{"stack.yaml", "stack.yml", "compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

// DefaultOverrideFileNames are looked for beside a default stack file found
// by discovery; the first one found is merged over it, as Compose does with
// compose.override.yaml.
var DefaultOverrideFileNames = []string{"stack.override.yaml", "stack.override.yml", "compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml", "docker-compose.override.yml"}

// stdinName is how standard input is named in errors.
const stdinName = "<stdin>"

// Load finds, reads, merges and validates the stack files described by o and
// returns the project with only the services enabled by the active profiles.
// The project carries the resolved environment (Environment), its files
// (ComposeFiles, absolute, "-" for stdin) and its directory (WorkingDir).
// User mistakes are returned as *Error.
func Load(ctx context.Context, o Options) (*types.Project, error) {
	l, details, opts, err := prepare(ctx, o)
	if err != nil {
		return nil, err
	}
	p, err := loader.LoadWithContext(ctx, details, opts...)
	if err != nil {
		return nil, l.explain(ctx, details, opts, err)
	}
	p.ComposeFiles = append([]string(nil), l.files...)
	e := checkExtensions(p)
	if e == nil && !l.o.Model.NoConsistency {
		e = checkConsistency(p)
	}
	if e == nil && !l.o.Model.NoConsistency && !l.o.Model.NoInterpolate {
		// Cron expressions and trigger targets, once variables are set;
		// after the dependency cycles, which make trigger cycles too.
		e = checkAutomation(p)
	}
	if e == nil {
		e = checkKeys(p, l.o.Strict, l.warn)
	}
	if e == nil {
		sock, _ := strings.CutPrefix(l.env["DOCKER_HOST"], "unix://")
		e = checkBinds(p, sock, l.o.Strict, l.warn)
	}
	if e != nil {
		if e.Service != "" {
			key, _, _ := strings.Cut(e.Key, ".")
			key, _, _ = strings.Cut(key, "[")
			e.File = l.serviceFile(ctx, details, e.Service, key)
		} else if len(l.files) == 1 {
			e.File = l.display(l.files[0])
		}
		return nil, e
	}
	return p, nil
}

// prepare locates and reads the stack files that o names, and returns the
// loader's options: the steps before compose-go loads them.
func prepare(ctx context.Context, o Options) (*load, types.ConfigDetails, []func(*loader.Options), error) {
	if err := ctx.Err(); err != nil {
		return nil, types.ConfigDetails{}, nil, err
	}
	l, err := newLoad(o)
	if err != nil {
		return nil, types.ConfigDetails{}, nil, err
	}
	if err := l.locate(); err != nil {
		return nil, types.ConfigDetails{}, nil, err
	}
	details, err := l.read()
	if err != nil {
		return nil, details, nil, err
	}
	opts, err := l.loadOptions(details)
	return l, details, opts, err
}

// load is the state of one Load call.
type load struct {
	o          Options
	warned     map[string]bool
	wd         string
	env        types.Mapping
	envLoaded  bool
	files      []string // absolute paths, or "-"
	fromEnv    bool     // files came from COMPOSE_FILE
	projectDir string
}

func newLoad(o Options) (*load, error) {
	wd := o.WorkingDir
	if wd == "" {
		var err error
		if wd, err = os.Getwd(); err != nil {
			return nil, fmt.Errorf("get working directory: %w", err)
		}
	}
	wd, err := filepath.Abs(wd)
	if err != nil {
		return nil, fmt.Errorf("get working directory: %w", err)
	}
	environ := o.Environ
	if environ == nil {
		environ = os.Environ()
	}
	return &load{o: o, wd: wd, env: types.Mapping(utils.GetAsEqualsMap(environ))}, nil
}

// abs resolves p against the working directory, not the process's.
func (l *load) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(l.wd, p)
}

// display names a file for the user: relative to the working directory when
// inside it, as typed with -f in the common case.
func (l *load) display(p string) string {
	if p == "-" {
		return stdinName
	}
	if rel, err := filepath.Rel(l.wd, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return rel
	}
	return p
}

// locate settles the stack files, the project directory and the environment.
// The order follows Compose: -f, else COMPOSE_FILE (which may come from the
// env file of an explicit --project-directory), else discovery.
func (l *load) locate() error {
	paths := l.o.Files
	if len(paths) == 0 {
		paths, l.fromEnv = l.composeFileEnv()
	}
	if l.o.ProjectDir != "" {
		l.projectDir = l.abs(l.o.ProjectDir)
		if err := l.loadEnvFiles(); err != nil {
			return err
		}
		if len(paths) == 0 {
			paths, l.fromEnv = l.composeFileEnv()
		}
	}
	if len(paths) == 0 {
		found, err := l.discover()
		if err != nil {
			return err
		}
		l.files = found
	} else {
		for _, p := range paths {
			if p == "-" {
				l.files = append(l.files, p)
				continue
			}
			l.files = append(l.files, l.abs(p))
		}
	}
	if l.projectDir == "" {
		l.projectDir = l.wd
		if l.files[0] != "-" {
			l.projectDir = filepath.Dir(l.files[0])
		}
	}
	if !l.envLoaded {
		return l.loadEnvFiles()
	}
	return nil
}

func (l *load) composeFileEnv() ([]string, bool) {
	v, ok := l.env[consts.ComposeFilePath]
	if !ok || v == "" {
		return nil, false
	}
	sep := l.env[consts.ComposePathSeparator]
	if sep == "" {
		sep = string(os.PathListSeparator)
	}
	var paths []string
	for _, p := range strings.Split(v, sep) {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return paths, len(paths) > 0
}

// discover looks for the first default stack file in the project directory
// (--project-directory; else the working directory), then in each parent,
// as Compose does.
func (l *load) discover() ([]string, error) {
	start := l.wd
	if l.projectDir != "" {
		start = l.projectDir
	}
	for dir := start; ; {
		if f := firstFile(dir, DefaultFileNames); f != "" {
			files := []string{f}
			if over := firstFile(dir, DefaultOverrideFileNames); over != "" {
				files = append(files, over)
			}
			return files, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return nil, &Error{
		Msg: fmt.Sprintf("no stack file found in %s or its parents (looked for %s)", start, strings.Join(DefaultFileNames, ", ")),
		Err: ErrNoStackFile,
	}
}

func firstFile(dir string, names []string) string {
	for _, n := range names {
		f := filepath.Join(dir, n)
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
			return f
		}
	}
	return ""
}

// loadEnvFiles adds the variables of the env files to l.env; those already
// set (by the process environment) win, as in Compose.
func (l *load) loadEnvFiles() error {
	l.envLoaded = true
	var files []string
	for _, f := range l.o.EnvFiles {
		abs := l.abs(f)
		fi, err := os.Stat(abs)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return &Error{File: l.display(abs), Msg: "env file not found", Err: err}
		case err != nil:
			return &Error{File: l.display(abs), Msg: "cannot read env file", Err: err}
		case fi.IsDir():
			return &Error{File: l.display(abs), Msg: "env file is a directory"}
		}
		files = append(files, abs)
	}
	if len(l.o.EnvFiles) == 0 && !utils.StringToBool(l.env[consts.ComposeDisableDefaultEnvFile]) {
		def := filepath.Join(l.projectDir, ".env")
		if fi, err := os.Stat(def); err == nil && fi.Mode().IsRegular() {
			files = append(files, def)
		}
	}
	if len(files) == 0 {
		return nil
	}
	vars, err := dotenv.GetEnvFromFile(l.env, files)
	if err != nil {
		msg := err.Error()
		for _, f := range files {
			msg = strings.ReplaceAll(msg, f, l.display(f))
		}
		return &Error{Msg: msg, Err: err}
	}
	l.env.Merge(vars)
	return nil
}

// read reads every stack file, so that missing files are reported by the
// name the user gave and stdin is read from Options.Stdin.
func (l *load) read() (types.ConfigDetails, error) {
	details := types.ConfigDetails{
		WorkingDir:  l.projectDir,
		Environment: l.env,
		ConfigFiles: make([]types.ConfigFile, len(l.files)),
	}
	stdinRead := false
	for i, f := range l.files {
		var b []byte
		var err error
		if f == "-" {
			if stdinRead {
				return details, &Error{File: stdinName, Msg: "standard input can be given only once with -f -"}
			}
			stdinRead = true
			in := l.o.Stdin
			if in == nil {
				in = os.Stdin
			}
			if b, err = io.ReadAll(in); err != nil {
				return details, &Error{File: stdinName, Msg: "read: " + err.Error(), Err: err}
			}
		} else if b, err = os.ReadFile(f); err != nil {
			return details, l.readError(f, err)
		}
		if b == nil {
			b = []byte{} // nil content makes the loader read the file itself
		}
		// The model spares compose-go a decode that is quadratic in the
		// size of a mapping (decode.go); the content stays for the rest.
		cfg, err := model(b)
		if err != nil {
			return details, &Error{File: l.display(f), Msg: err.Error(), Err: err}
		}
		details.ConfigFiles[i] = types.ConfigFile{Filename: f, Content: b, Config: cfg}
	}
	return details, nil
}

func (l *load) readError(f string, err error) error {
	e := &Error{File: l.display(f), Err: err}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		e.Msg = "file not found"
	default:
		if fi, serr := os.Stat(f); serr == nil && fi.IsDir() {
			e.Msg = "is a directory, not a stack file"
		} else {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				e.Msg = pe.Err.Error()
			}
		}
	}
	if l.fromEnv {
		e.Msg += " (listed in COMPOSE_FILE)"
	}
	return e
}

// loadOptions sets the project name and profiles the way Compose's CLI does.
func (l *load) loadOptions(details types.ConfigDetails) ([]func(*loader.Options), error) {
	name, explicit := l.o.Name, true
	if name != "" {
		if err := ValidateName(name); err != nil {
			return nil, &Error{Msg: err.Error(), Err: err}
		}
	} else if name = l.env[consts.ComposeProjectName]; name != "" {
		if err := ValidateName(name); err != nil {
			return nil, &Error{Key: consts.ComposeProjectName, Msg: err.Error(), Err: err}
		}
	} else {
		// not explicit: a top-level name: in a stack file still wins
		name, explicit = NormalizeName(filepath.Base(l.projectDir)), false
	}

	profiles := l.o.Profiles
	if len(profiles) == 0 {
		for _, p := range strings.Split(l.env[consts.ComposeProfiles], ",") {
			if p = strings.TrimSpace(p); p != "" {
				profiles = append(profiles, p)
			}
		}
	}
	return []func(*loader.Options){
		func(lo *loader.Options) { lo.SetProjectName(name, explicit) },
		loader.WithProfiles(profiles),
		func(lo *loader.Options) {
			// checkConsistency does this after loading, in linear time
			lo.SkipConsistencyCheck = true
			l.o.Model.apply(lo)
		},
		func(lo *loader.Options) {
			if lo.Interpolate != nil {
				lo.Interpolate.Substitute = l.substitute
				lo.Interpolate.TypeCastMapping = usedCasts(lo.Interpolate.TypeCastMapping, details.ConfigFiles)
			}
		},
	}, nil
}

// usedCasts returns the casts of m whose path can occur in files. compose-go
// looks a cast up for every string of the files by matching the string's
// path against each of its ~90 cast paths, a tenth of the load time; a
// path whose last key is written nowhere in the files cannot match. Files
// that pull in others (extends, include) keep every cast, as the others
// have not been read yet.
func usedCasts(m map[tree.Path]interpolation.Cast, files []types.ConfigFile) map[tree.Path]interpolation.Cast {
	for _, f := range files {
		if bytes.Contains(f.Content, []byte("extends")) || bytes.Contains(f.Content, []byte("include")) {
			return m
		}
	}
	out := make(map[tree.Path]interpolation.Cast, len(m))
	for p, cast := range m {
		key := lastKey(p)
		for _, f := range files {
			if key == "" || bytes.Contains(f.Content, []byte(key)) {
				out[p] = cast
				break
			}
		}
	}
	return out
}

// lastKey is the last named key of a path, "" when it has none.
func lastKey(p tree.Path) string {
	parts := p.Parts()
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] != tree.PathMatchAll && parts[i] != tree.PathMatchList {
			return parts[i]
		}
	}
	return ""
}

// substitute interpolates like compose-go's default, but reports unset
// variables to Options.Warn instead of logging them: the core never prints.
func (l *load) substitute(s string, m template.Mapping) (string, error) {
	return template.SubstituteWithOptions(s, m, template.WithoutLogging,
		template.WithReplacementFunction(func(sub string, m template.Mapping, cfg *template.Config) (string, error) {
			v, applied, err := template.DefaultReplacementAppliedFunc(sub, m, cfg)
			if err == nil && !applied {
				l.warn(fmt.Sprintf("variable %q is not set, using a blank string", varName(sub)))
			}
			return v, err
		}))
}

func (l *load) warn(msg string) {
	if l.o.Warn == nil || l.warned[msg] {
		return
	}
	if l.warned == nil {
		l.warned = map[string]bool{}
	}
	l.warned[msg] = true
	l.o.Warn(msg)
}

// varName extracts NAME from "$NAME" or "${NAME}".
func varName(sub string) string {
	name := strings.TrimPrefix(sub, "$")
	if strings.HasPrefix(name, "{") {
		name = name[1:]
		if i := strings.IndexAny(name, "}:?-+"); i >= 0 {
			name = name[:i]
		}
	}
	return name
}

// LinkPriorityKey is the service extension giving its start priority.
const LinkPriorityKey = "x-link-priority"

// Priority returns the x-link-priority of s, 0 when unset. Load has validated
// and normalised the value, so it cannot be invalid for a loaded project; for
// a project built otherwise an invalid value counts as 0.
func Priority(s types.ServiceConfig) int {
	v, ok := s.Extensions[LinkPriorityKey]
	if !ok {
		return 0
	}
	if n, ok := v.(int); ok {
		return n
	}
	n, err := parsePriority(v)
	if err != nil {
		return 0
	}
	return n
}

// checkExtensions validates stack's extensions on every service, enabled or
// not (a typo should not hide behind a profile), and stores x-link-priority
// as an int. The returned error has no File: the caller knows the files.
func checkExtensions(p *types.Project) *Error {
	for _, services := range []types.Services{p.Services, p.DisabledServices} {
		for _, name := range sortedKeysOf(services) {
			s := services[name]
			v, ok := s.Extensions[LinkPriorityKey]
			if !ok {
				continue
			}
			n, err := parsePriority(v)
			if err != nil {
				return &Error{Service: name, Key: LinkPriorityKey, Msg: err.Error(), Err: err}
			}
			s.Extensions[LinkPriorityKey] = n
		}
	}
	return nil
}

// parsePriority accepts YAML integers and strings holding an integer; strings
// are what interpolation (x-link-priority: ${PRIO}) produces.
func parsePriority(v any) (int, error) {
	switch v := v.(type) {
	case int:
		return v, nil
	case int64:
		if int64(int(v)) == v {
			return int(v), nil
		}
		return 0, fmt.Errorf("must be an integer, got %d which is out of range", v)
	case uint64:
		if v <= uint64(^uint(0)>>1) {
			return int(v), nil
		}
		return 0, fmt.Errorf("must be an integer, got %d which is out of range", v)
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf("must be an integer, got string %q", v)
		}
		return n, nil
	case float64:
		return 0, fmt.Errorf("must be an integer, got float %s", strconv.FormatFloat(v, 'g', -1, 64))
	case bool:
		return 0, fmt.Errorf("must be an integer, got bool %t", v)
	case nil:
		return 0, errors.New("must be an integer, got null")
	case map[string]any:
		return 0, errors.New("must be an integer, got a mapping")
	case []any:
		return 0, errors.New("must be an integer, got a list")
	default:
		return 0, fmt.Errorf("must be an integer, got %T", v)
	}
}

// Warm starts, in the background, the one-time work of the first Load in a
// process: compiling the Compose JSON schema (about 15 ms here). A command
// calls it first thing, so that the compile overlaps the command's own
// start instead of delaying the load.
func Warm() {
	go func() { _ = schema.Validate(map[string]any{}) }()
}
