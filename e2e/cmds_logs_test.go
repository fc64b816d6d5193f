package e2e

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// logfileWait is how long "logfile wait" waits for its line.
const logfileWait = 60 * time.Second

// cmdLogfile checks a file written by stack logs --no-color:
//
//	logfile wait FILE REGEXP       a line matches REGEXP within 60s (the
//	                               file may still be growing)
//	logfile seq FILE N PREFIX...   every line is "NAME<pad> | TEXT"; the
//	                               lines of each PREFIX (e.g. gen-1) are
//	                               exactly 1..N in order; no other
//	                               container logged numbers
func cmdLogfile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: logfile wait FILE REGEXP | logfile seq FILE N PREFIX...")
	}
	file := ts.MkAbs(args[1])
	switch args[0] {
	case "wait":
		re, err := regexp.Compile("(?m)" + args[2])
		ts.Check(err)
		deadline := time.Now().Add(logfileWait)
		for {
			b, _ := os.ReadFile(file)
			found := re.Match(b)
			if found != neg {
				return
			}
			if time.Now().After(deadline) {
				ts.Fatalf("%s: want a line matching %q (found: %v) within %s; file:\n%s", args[1], args[2], found, logfileWait, tail(string(b), 20))
			}
			time.Sleep(100 * time.Millisecond)
		}
	case "seq":
		if neg {
			ts.Fatalf("unsupported: ! logfile seq")
		}
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		b, err := os.ReadFile(file)
		ts.Check(err)
		next := map[string]int{}
		for _, p := range args[3:] {
			next[p] = 1
		}
		text := string(b)
		if text != "" && !strings.HasSuffix(text, "\n") {
			ts.Fatalf("%s: the last line is not complete", args[1])
		}
		for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			name, rest, ok := strings.Cut(line, " | ")
			if !ok {
				ts.Fatalf("%s:%d: torn or unprefixed line %q", args[1], i+1, line)
			}
			name = strings.TrimRight(name, " ")
			want, mine := next[name]
			if !mine {
				continue
			}
			if rest != strconv.Itoa(want) {
				ts.Fatalf("%s:%d: %s logged %q, want %d", args[1], i+1, name, rest, want)
			}
			next[name] = want + 1
		}
		var short []string
		for p, got := range next {
			if got != n+1 {
				short = append(short, fmt.Sprintf("%s: %d lines", p, got-1))
			}
		}
		if len(short) > 0 {
			ts.Fatalf("%s: want %d lines of each of %v; %s", args[1], n, args[3:], strings.Join(short, ", "))
		}
		fmt.Fprintf(ts.Stdout(), "%d lines of each of %v, in order\n", n, args[3:])
	default:
		ts.Fatalf("usage: logfile wait FILE REGEXP | logfile seq FILE N PREFIX...")
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
