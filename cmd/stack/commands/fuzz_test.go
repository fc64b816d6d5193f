package commands

import (
	"strings"
	"testing"
)

// FuzzParseScale: --scale values of any text are refused as a usage error
// or give service names and numbers of containers that make sense.
func FuzzParseScale(f *testing.F) {
	f.Add("web=3")
	f.Add("=1")
	f.Add("a=-1")
	f.Add("a==2")
	f.Fuzz(func(t *testing.T, v string) {
		scale, err := parseScale("stack up", []string{v})
		if err != nil {
			if _, ok := err.(*usageError); !ok {
				t.Fatalf("%q: %T %v, want a usage error", v, err, err)
			}
			return
		}
		for name, n := range scale {
			if name == "" || n < 0 || strings.Contains(name, "=") && !strings.Contains(v, name+"=") {
				t.Fatalf("%q gives %q=%d", v, name, n)
			}
		}
	})
}
