package project

import (
	"fmt"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// NormalizeName turns s into a valid project name the way Docker Compose does
// for directory names: it lowercases s, drops every character outside
// [a-z0-9_-] and strips leading '_' and '-'. The result may be empty.
func NormalizeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			b.WriteRune(r)
		}
	}
	return strings.TrimLeft(b.String(), "_-")
}

// ValidateName reports whether s is usable as a project name as given: it
// must be non-empty, contain only lowercase letters, digits, '_' and '-', and
// start with a letter or digit. Names from -p and COMPOSE_PROJECT_NAME are
// validated, not normalised, as in Compose.
func ValidateName(s string) error {
	if s == "" {
		return fmt.Errorf("invalid project name: must not be empty")
	}
	if NormalizeName(s) != s {
		return fmt.Errorf("invalid project name %q: must contain only lowercase letters, digits, '_' and '-', and start with a letter or digit", s)
	}
	return nil
}

// ServiceNames returns the names of the enabled services of p, sorted.
func ServiceNames(p *types.Project) []string {
	names := make([]string, 0, len(p.Services))
	for name := range p.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
