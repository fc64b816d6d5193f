package project

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// More of compose-go's error texts turned into one line that names the
// file, service and key: decoding errors, YAML construct errors (a
// duplicate key, too many aliases), schema wording, files that extends,
// include or env_file name but that do not exist.

var (
	// "decoding failed due to the following error(s):\n\n'services[web].mem_limit' invalid size: 'lots'"
	reDecoding = regexp.MustCompile(`'services\[([^\]]+)\]\.([^']+)' ([^\n]*)`)
	// "yaml: construct errors:\n  line 1: line 5: mapping key "command" already defined at line 4"
	reConstruct = regexp.MustCompile(`(?s)^failed to parse (.+?): yaml: construct errors:\s*(?:line \d+: )?(.*)$`)
	reDupKey    = regexp.MustCompile(`^line (\d+): mapping key "([^"]*)" already defined at line (\d+)`)
	// "invalid interpolation format for services.web.command.\nYou may need...\necho ${FOO"
	reInterpFormat = regexp.MustCompile(`(?s)^invalid interpolation format for ([^\n]+?)\.?\n.*\n(.*)$`)
	reEnvFile      = regexp.MustCompile(`^env file (.+) not found`)
	reOpen         = regexp.MustCompile(`^open (.+): no such file or directory$`)
	// "services additional properties 'web server' not allowed"
	reServiceName = regexp.MustCompile(`^services:? additional properties '([^']+)' not allowed$`)
	reTopKey      = regexp.MustCompile(`^\s*additional properties '([^']+)' not allowed$`)
	reCast        = regexp.MustCompile(`^failed to cast to expected type: strconv\.(Atoi|ParseInt|ParseUint|ParseFloat|ParseBool): parsing "(.*)": (invalid syntax|value out of range)$`)
	reDevice      = regexp.MustCompile(`^confusing device mapping, please use long syntax: (.*)$`)
	reNestedKey   = regexp.MustCompile(`^additional properties '([^']+)' not allowed$`)
)

// explainMore rewrites msg, an error of compose-go about files (with
// their contents; raw returns their services as written), into e; it
// reports whether it knew msg.
func (l *load) explainMore(files []string, contents [][]byte, raw func() map[string]any, msg string, e *Error) bool {
	switch {
	case reConstruct.MatchString(msg):
		m := reConstruct.FindStringSubmatch(msg)
		e.File = l.display(m[1])
		first := strings.TrimSpace(strings.SplitN(m[2], "\n", 2)[0])
		if d := reDupKey.FindStringSubmatch(first); d != nil {
			line, _ := strconv.Atoi(d[1])
			if i := l.fileIndex(files, m[1]); i >= 0 {
				e.Service, e.Key = keyAtLine(contents[i], line)
			}
			switch {
			case e.Key != "":
				e.Msg = fmt.Sprintf("written twice (lines %s and %s)", d[3], d[1])
			case e.Service != "":
				e.Msg = fmt.Sprintf("declared twice (lines %s and %s)", d[3], d[1])
			default:
				e.Msg = fmt.Sprintf("key %q is written twice (lines %s and %s)", d[2], d[3], d[1])
			}
			return true
		}
		e.Msg = "invalid YAML: " + strings.TrimPrefix(first, "yaml: ")
		return true
	case strings.HasPrefix(msg, "decoding failed") && reDecoding.MatchString(msg):
		m := reDecoding.FindStringSubmatch(msg)
		e.Service, e.Key, e.Msg = m[1], m[2], strings.TrimPrefix(m[3], "time: ")
		return true
	case reInterpFormat.MatchString(msg):
		m := reInterpFormat.FindStringSubmatch(msg)
		path := strings.SplitN(m[1], ".", 3)
		if len(path) == 3 && path[0] == "services" {
			e.Service, e.Key = path[1], path[2]
		} else {
			e.Key = m[1]
		}
		e.Msg = fmt.Sprintf("invalid interpolation in %q (write a literal $ as $$)", strings.TrimSpace(m[2]))
		return true
	case strings.HasPrefix(msg, "Circular reference"):
		e.Key, e.Msg = "extends", "circular reference: "+extendsCycle(strings.Split(msg, "\n")[1:])
		return true
	case reEnvFile.MatchString(msg):
		path := reEnvFile.FindStringSubmatch(msg)[1]
		e.Key, e.Msg = "env_file", l.display(path)+": file not found"
		e.Service = serviceNaming(raw, "env_file", path)
		return true
	case reOpen.MatchString(msg):
		path := reOpen.FindStringSubmatch(msg)[1]
		if svc := serviceNaming(raw, "extends", path); svc != "" {
			e.Service, e.Key = svc, "extends.file"
		} else {
			e.Key = "include"
		}
		e.Msg = l.display(path) + ": file not found"
		return true
	case reServiceName.MatchString(msg):
		e.Service = reServiceName.FindStringSubmatch(msg)[1]
		e.Msg = "invalid service name: use only letters, digits, '.', '_' and '-'"
		return true
	case reDevice.MatchString(msg):
		spec := reDevice.FindStringSubmatch(msg)[1]
		e.Service, e.Key = serviceNaming(raw, "devices", spec), "devices"
		e.Msg = fmt.Sprintf("%q is not SOURCE[:TARGET[:PERMISSIONS]]: use the long syntax", spec)
		return true
	case reTopKey.MatchString(msg):
		e.Key = reTopKey.FindStringSubmatch(msg)[1]
		e.Msg = "unknown top-level key (not part of the Compose Specification)"
		return true
	}
	return false
}

var reExtendsStep = regexp.MustCompile(`^(?:extends )?(\S+) in (.+)$`)

// extendsCycle prints compose-go's steps of an extends cycle ("a in
// f.yaml", "extends b in f.yaml", ...) as "a -> b -> a (in f.yaml)",
// starting at the service first by name, whichever compose-go started
// at.
func extendsCycle(lines []string) string {
	var names, files []string
	for _, l := range lines {
		if m := reExtendsStep.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			names, files = append(names, m[1]), append(files, m[2])
		}
	}
	if len(names) < 2 {
		return strings.Join(lines, " ")
	}
	// The last step repeats the first.
	names, files = names[:len(names)-1], files[:len(files)-1]
	start := 0
	for i, n := range names {
		if n < names[start] {
			start = i
		}
	}
	var steps []string
	same := true
	for i := range names {
		j := (start + i) % len(names)
		steps = append(steps, names[j]+" ("+files[j]+")")
		same = same && files[j] == files[0]
	}
	if same {
		rotated := append(append([]string(nil), names[start:]...), names[:start]...)
		return strings.Join(append(rotated, rotated[0]), " -> ") + " (in " + files[0] + ")"
	}
	return strings.Join(append(steps, steps[0]), " -> ")
}

// betterWording rewrites wording of compose-go's that says less than it
// could: a failed cast, a pattern, an unknown key below a key, and the
// schema's type names ("must be a array" and, for a key that takes
// several forms, the one form the schema happened to name: "command: must
// be a null"). It returns the key too, which it may make longer.
func betterWording(key, msg string) (string, string) {
	if m := reCast.FindStringSubmatch(msg); m != nil {
		want := "an integer"
		switch m[1] {
		case "ParseFloat":
			want = "a number"
		case "ParseBool":
			want = "true or false"
		}
		if m[3] == "value out of range" {
			return key, fmt.Sprintf("%q is out of range", m[2])
		}
		return key, fmt.Sprintf("must be %s, got %q", want, m[2])
	}
	if m := reNestedKey.FindStringSubmatch(msg); m != nil && key != "" {
		return key + "." + m[1], "unknown key (not part of the Compose Specification)"
	}
	if key == "pull_policy" && strings.Contains(msg, "does not match pattern") {
		return key, strings.SplitN(msg, " ", 2)[0] + " is not one of always, never, missing, build, if_not_present, refresh, daily, weekly, every_<duration>"
	}
	return key, betterType(key, msg)
}

// betterType rewrites the schema's type wording.
func betterType(key, msg string) string {
	forms := map[string]string{
		"command":          "a string or a list of strings",
		"entrypoint":       "a string or a list of strings",
		"depends_on":       "a list or a mapping",
		"environment":      "a mapping or a list",
		"labels":           "a mapping or a list",
		"ports":            "a list",
		"volumes":          "a list",
		"networks":         "a list or a mapping",
		"env_file":         "a string or a list",
		"dns":              "a string or a list",
		"tmpfs":            "a string or a list",
		"extends":          "a string or a mapping",
		"build":            "a string or a mapping",
		"healthcheck.test": "a string or a list",
	}
	if !strings.HasPrefix(msg, "must be a ") {
		return msg
	}
	if f, ok := forms[key]; ok {
		return "must be " + f
	}
	return strings.ReplaceAll(msg, "a array", "a list")
}

// oneLine joins a multi-line message into one line.
func oneLine(msg string) string {
	if !strings.Contains(msg, "\n") {
		return msg
	}
	var parts []string
	for _, s := range strings.Split(msg, "\n") {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, strings.TrimSuffix(s, ":"))
		}
	}
	return strings.Join(parts, ": ")
}

// fileIndex finds file f, named as the user knows it or in full, in files.
func (l *load) fileIndex(files []string, f string) int {
	for i, g := range files {
		if g == f || l.display(g) == f {
			return i
		}
	}
	return -1
}

// keyAtLine finds, in a stack file, the key written at line: its service
// (when under services:) and its path below the service.
func keyAtLine(content []byte, line int) (service, key string) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(content)).Decode(&doc); err != nil || len(doc.Content) == 0 {
		return "", ""
	}
	var path []string
	var find func(n *yaml.Node) bool
	find = func(n *yaml.Node) bool {
		if n.Kind != yaml.MappingNode {
			for _, c := range n.Content {
				if find(c) {
					return true
				}
			}
			return false
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			path = append(path, k.Value)
			if k.Line == line || find(n.Content[i+1]) {
				return true
			}
			path = path[:len(path)-1]
		}
		return false
	}
	if !find(doc.Content[0]) || len(path) < 2 || path[0] != "services" {
		return "", strings.Join(path, ".")
	}
	return path[1], strings.Join(path[2:], ".")
}

// serviceNaming returns the service whose key (env_file, extends) names
// path, as written in the files.
func serviceNaming(raw func() map[string]any, key, path string) string {
	all := raw()
	for _, name := range sortedKeysOf(all) {
		svc, _ := all[name].(map[string]any)
		if svc == nil {
			continue
		}
		if strings.Contains(fmt.Sprint(svc[key]), baseName(path)) {
			return name
		}
	}
	return ""
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}
