package project

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/errdefs"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
)

var (
	// `service "web" depends on undefined service "db"` and the like
	reService = regexp.MustCompile(`^service "([^"]+)":? (.*)$`)
	// `services.web.ports.[].target: msg` or `services.web.foo false schema`
	rePath       = regexp.MustCompile(`^(services\.[^\s:]+):? (.*)$`)
	reInterp     = regexp.MustCompile(`^error while interpolating (\S+): (.*)$`)
	reParse      = regexp.MustCompile(`^failed to parse (.+?): yaml: (.*)$`)
	reValidating = regexp.MustCompile(`^validating (.+?): (.*)$`)
)

// explain turns an error of compose-go's loader into an *Error naming the
// file, service and key where it can tell them. compose-go names the file
// for YAML and schema errors only; for errors found after merging, the file
// is named when there is only one.
func (l *load) explain(ctx context.Context, details types.ConfigDetails, opts []func(*loader.Options), err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return err
	}
	// interpolation reports every failing value as one joined error
	var rest []string
	first := err
	if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
		errs := j.Unwrap()
		first = errs[0]
		for _, e := range errs[1:] {
			rest = append(rest, l.replacePaths(e.Error()))
		}
	}
	e := l.explainOne(ctx, details, opts, first)
	e.Err = err
	if len(rest) > 0 {
		e.Msg += "; " + strings.Join(rest, "; ")
	}
	e.Key, e.Msg = betterWording(e.Key, e.Msg)
	e.Msg = oneLine(e.Msg)
	return e
}

func (l *load) explainOne(ctx context.Context, details types.ConfigDetails, opts []func(*loader.Options), err error) *Error {
	msg := strings.TrimSuffix(err.Error(), ": "+errdefs.ErrInvalid.Error())
	e := &Error{}
	files := make([]string, len(details.ConfigFiles))
	contents := make([][]byte, len(details.ConfigFiles))
	for i, cf := range details.ConfigFiles {
		files[i], contents[i] = cf.Filename, cf.Content
	}
	raw := func() map[string]any {
		all := map[string]any{}
		for _, cf := range details.ConfigFiles {
			// As written; the model reads what compose-go's own model
			// load may refuse again.
			if m, _ := model(cf.Content); m != nil {
				services, _ := m["services"].(map[string]any)
				maps.Copy(all, services)
				continue
			}
			maps.Copy(all, rawServices(ctx, details, cf))
		}
		return all
	}
	if m := reParse.FindStringSubmatch(msg); m != nil {
		e.File, e.Msg = l.display(m[1]), "invalid YAML: "+m[2]
		return e
	}
	if m := reValidating.FindStringSubmatch(msg); m != nil {
		e.File, msg = l.display(m[1]), m[2]
	}
	if l.explainMore(files, contents, raw, l.replacePaths(msg), e) {
		if e.File == "" && len(l.files) == 1 {
			e.File = l.display(l.files[0])
		}
		return e
	}
	if m := reInterp.FindStringSubmatch(msg); m != nil {
		msg = m[1] + ": " + m[2]
	}
	if e.File == "" {
		e.File = l.fileIn(msg)
	}
	msg = l.replacePaths(msg)

	switch {
	case reService.MatchString(msg):
		m := reService.FindStringSubmatch(msg)
		e.Service, e.Msg = m[1], m[2]
	case rePath.MatchString(msg):
		m := rePath.FindStringSubmatch(msg)
		parts := strings.SplitN(m[1], ".", 3)
		e.Service = parts[1]
		if len(parts) == 3 {
			e.Key = strings.ReplaceAll(parts[2], ".[]", "[]")
		}
		e.Msg = m[2]
		if e.Msg == "false schema" {
			e.Msg = "unknown key (not part of the Compose Specification)"
		}
	case msg == "project name must not be empty":
		e.Msg = fmt.Sprintf("cannot derive a project name from directory %q: use -p, COMPOSE_PROJECT_NAME or a top-level name: in the stack file", l.projectDir)
	case msg == "empty compose file":
		e.Msg = "no content: the stack file is empty"
	default:
		e.Msg = msg
		// port specs are parsed while canonicalising, and the error names
		// neither the service nor the file: find them
		if file, service, spec, ok := l.findBadPort(ctx, details); ok {
			e.File, e.Service, e.Key = file, service, "ports"
			e.Msg = fmt.Sprintf("invalid port %q: %s", spec, lowerFirst(msg))
		}
	}
	if e.File == "" && len(l.files) == 1 {
		e.File = l.display(l.files[0])
	}
	return e
}

// replacePaths shows stack file paths as the user knows them.
func (l *load) replacePaths(msg string) string {
	files := append([]string(nil), l.files...)
	// longest first, so that a path is not replaced inside a longer one
	sort.Slice(files, func(i, j int) bool { return len(files[i]) > len(files[j]) })
	for _, f := range files {
		if f != "-" {
			msg = strings.ReplaceAll(msg, f, l.display(f))
		}
	}
	return msg
}

// fileIn returns the stack file whose absolute path appears in msg, if any.
func (l *load) fileIn(msg string) string {
	for _, f := range l.files {
		if f != "-" && strings.Contains(msg, f) {
			return l.display(f)
		}
	}
	return ""
}

// findBadPort looks through each stack file, as written, for a port spec
// that does not parse, and returns where it is.
func (l *load) findBadPort(ctx context.Context, details types.ConfigDetails) (file, service, spec string, ok bool) {
	for _, cf := range details.ConfigFiles {
		raw := rawServices(ctx, details, cf)
		for _, name := range sortedKeysOf(raw) {
			svc, _ := raw[name].(map[string]any)
			ports, _ := svc["ports"].([]any)
			for _, p := range ports {
				var s string
				switch p := p.(type) {
				case string:
					s = p
				case int:
					s = fmt.Sprint(p)
				default:
					continue
				}
				v, err := template.Substitute(s, template.Mapping(details.LookupEnv))
				if err != nil {
					continue
				}
				if _, err := types.ParsePortConfig(v); err != nil {
					return l.display(cf.Filename), name, s, true
				}
			}
		}
	}
	return "", "", "", false
}

// serviceFile returns the stack file that sets key on service, the last one
// when several do, as that one wins the merge; with key "", the last file
// that declares the service.
func (l *load) serviceFile(ctx context.Context, details types.ConfigDetails, service, key string) string {
	found := ""
	for _, cf := range details.ConfigFiles {
		svc, declared := rawServices(ctx, details, cf)[service]
		m, _ := svc.(map[string]any)
		if _, ok := m[key]; ok || (key == "" && declared) {
			found = l.display(cf.Filename)
		}
	}
	if found == "" && len(l.files) == 1 {
		found = l.display(l.files[0])
	}
	return found
}

// rawServices returns the services section of one stack file as written:
// not interpolated, merged, extended or validated. Used on error paths only,
// to find which file holds a bad value.
func rawServices(ctx context.Context, details types.ConfigDetails, cf types.ConfigFile) map[string]any {
	one := types.ConfigDetails{
		WorkingDir:  details.WorkingDir,
		ConfigFiles: []types.ConfigFile{cf},
		Environment: types.Mapping{},
	}
	model, err := loader.LoadModelWithContext(ctx, one, func(o *loader.Options) {
		o.SetProjectName("raw", true)
		o.SkipValidation = true
		o.SkipInterpolation = true
		o.SkipNormalization = true
		o.SkipConsistencyCheck = true
		o.SkipInclude = true
		o.SkipExtends = true
		o.SkipDefaultValues = true
		o.ResolvePaths = false
	})
	if err != nil {
		return nil
	}
	services, _ := model["services"].(map[string]any)
	return services
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
