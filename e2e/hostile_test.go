package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestHostile runs testdata/hostile/*.txtar: stack files that are wrong or
// hostile (bad YAML, bombs, wrong types, cycles, files that interpolate to
// any of these), each refused by up with one line that says what is wrong
// and where, and nothing created. Two more commands serve them:
//
//	hostile FILE MESSAGE   stack -f FILE up -d fails, its standard error is
//	                       exactly "stack: MESSAGE" on one line, no object
//	                       of the project exists, nor its lock
//	genfile KIND N FILE    writes a large or binary stack file (see genfile)
func TestHostile(t *testing.T) {
	t.Parallel()
	requireEngine(t)
	limit, err := stackTimeout()
	if err != nil {
		t.Fatal(err)
	}
	runScripts(t, scriptGroup{dir: "testdata/hostile", cmds: map[string]func(*testscript.TestScript, bool, []string){
		"hostile": cmdHostile(stackBinary(t), limit),
		"genfile": cmdGenfile,
	}})
}

func cmdHostile(bin string, limit time.Duration) func(ts *testscript.TestScript, neg bool, args []string) {
	secs := strconv.Itoa(int((limit + time.Second - 1) / time.Second))
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 2 {
			ts.Fatalf("usage: hostile FILE MESSAGE")
		}
		file, msg := args[0], args[1]
		err := ts.Exec("timeout", "--foreground", "-s", "QUIT", "-k", "10", secs, bin, "--progress", "quiet", "-f", file, "up", "-d")
		var exit *exec.ExitError
		switch {
		case err == nil:
			ts.Fatalf("stack -f %s up -d: unexpected success", file)
		case errors.As(err, &exit) && (exit.ExitCode() == 124 || exit.ExitCode() == 137):
			ts.Fatalf("stack -f %s up -d: did not finish within %s", file, limit)
		case errors.As(err, &exit) && exit.ExitCode() != 1:
			ts.Fatalf("stack -f %s up -d: exit code %d, want 1", file, exit.ExitCode())
		}
		got, want := ts.ReadFile("stderr"), "stack: "+msg+"\n"
		if got != want {
			ts.Fatalf("stack -f %s up -d:\n got: %q\nwant: %q", file, got, want)
		}
		cmdNoObjects(ts, false, nil)
		if out := dockerTS(ts, "ps", "-aq", "--filter", "name="+project(ts)+"-stack-lock"); strings.TrimSpace(out) != "" {
			ts.Fatalf("the project's lock was left behind")
		}
	}
}

// cmdGenfile writes stack files too large or too binary for a script:
//
//	badutf8, nul  a small file with bytes that are not UTF-8, or a NUL
//	binary        every byte value, 64 times (N is ignored for these three)
//	garbage N     N pseudo-random bytes
//	laughs N      N levels of anchors, each aliasing the one before 9 times
//	deepflow N    N nested flow sequences
//	deepblock N   N nested block sequences
//	bigkey N      a service whose name has N characters
//	bigimage N    an image name of N characters
//	bigcycle N    N services in one dependency cycle
//	bigenv N      a valid file: one service with N environment variables
func cmdGenfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: genfile KIND N FILE")
	}
	n, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("genfile: N %q is not a number", args[1])
	}
	var b bytes.Buffer
	switch args[0] {
	case "badutf8":
		b.WriteString("services:\n  web:\n    image: \xff\xfe\n")
	case "nul":
		b.WriteString("services:\n  web:\x00\n    image: x\n")
	case "binary":
		for range 64 {
			for c := range 256 {
				b.WriteByte(byte(c))
			}
		}
	case "garbage":
		x := uint32(1)
		for range n {
			x = (x*1103515245 + 12345) & 0x7fffffff
			b.WriteByte(byte(x >> 16))
		}
	case "laughs":
		b.WriteString(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
		prev := 'a'
		for i := 1; i < n; i++ {
			c := rune('a' + i)
			fmt.Fprintf(&b, "%c: &%c [%s]\n", c, c, strings.TrimSuffix(strings.Repeat("*"+string(prev)+",", 9), ","))
			prev = c
		}
		fmt.Fprintf(&b, "services:\n  web:\n    image: x\n    command: *%c\n", prev)
	case "deepflow":
		b.WriteString("services: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n")
	case "deepblock":
		b.WriteString("services:\n  web:\n    image: x\n    x-deep:\n      " + strings.Repeat("- ", n) + "x\n")
	case "bigkey":
		b.WriteString("services:\n  " + strings.Repeat("w", n) + ":\n    image: ${IMAGE}\n")
	case "bigimage":
		b.WriteString("services:\n  web:\n    image: " + strings.Repeat("x", n) + "\n")
	case "bigcycle":
		b.WriteString("services:\n")
		for i := range n {
			fmt.Fprintf(&b, "  s%d:\n    image: x\n    depends_on: [s%d]\n", i, (i+1)%n)
		}
	case "bigenv":
		b.WriteString("services:\n  app:\n    image: ${IMAGE}\n    environment:\n")
		for i := range n {
			fmt.Fprintf(&b, "      VARIABLE_NUMBER_%06d: value-of-the-variable-number-%06d-padding-xxxx\n", i, i)
		}
	default:
		ts.Fatalf("genfile: unknown kind %q", args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), b.Bytes(), 0o644))
}
