package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/jsonmessage"
)

// logWrite is what a stream received: consecutive writes to one stream
// are joined, as the caller's line writers see them.
type logWrite struct {
	stream int // 0 stdout, 1 stderr
	data   string
}

func (w logWrite) String() string { return fmt.Sprintf("%d:%q", w.stream, w.data) }

// logRecorder records the writes to a stdout and a stderr writer.
type logRecorder struct {
	writes []logWrite
	calls  int
	sizes  []int
}

func (r *logRecorder) writer(stream int) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		r.calls++
		r.sizes = append(r.sizes, len(p))
		if len(p) == 0 {
			return 0, nil
		}
		if n := len(r.writes); n > 0 && r.writes[n-1].stream == stream {
			r.writes[n-1].data += string(p)
		} else {
			r.writes = append(r.writes, logWrite{stream, string(p)})
		}
		return len(p), nil
	})
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// readLog runs copyJSONLog over content.
func readLog(t *testing.T, content string, q logQuery) ([]logWrite, *logRecorder, error) {
	t.Helper()
	r := &logRecorder{}
	err := copyJSONLog(context.Background(), strings.NewReader(content), int64(len(content)), "test.log", q, r.writer(0), r.writer(1))
	return r.writes, r, err
}

// oracleLog is the engine's reading of a json-file log done the plain way:
// every complete line through encoding/json, the last q.tail lines, since
// skipping and until stopping.
func oracleLog(t *testing.T, content string, q logQuery) []logWrite {
	t.Helper()
	if q.tail == 0 {
		return nil
	}
	lines := strings.SplitAfter(content, "\n")
	if n := len(lines); !strings.HasSuffix(lines[n-1], "\n") {
		lines = lines[:n-1]
	}
	if q.tail > 0 {
		// The engine counts blank lines in the tail, then skips them.
		lines = lines[len(lines)-min(q.tail, len(lines)):]
	}
	lines = slices.DeleteFunc(lines, func(l string) bool { return strings.TrimSpace(l) == "" })
	r := &logRecorder{}
	out := [2]io.Writer{r.writer(0), r.writer(1)}
	if q.tty {
		out[1] = out[0]
	}
	for _, l := range lines {
		var e jsonLogEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("oracle: %q: %v", l, err)
		}
		if !q.since.IsZero() && e.Time.Before(q.since) {
			continue
		}
		if !q.until.IsZero() && e.Time.After(q.until) {
			break
		}
		text := e.Log
		if q.timestamps {
			text = e.Time.Format(jsonmessage.RFC3339NanoFixed) + " " + text
		}
		switch e.Stream {
		case "stdout":
			_, _ = out[0].Write([]byte(text))
		case "stderr":
			_, _ = out[1].Write([]byte(text))
		}
	}
	return r.writes
}

// logLine is a json-file line as the engine writes it.
func logLine(text, stream string, at time.Time) string {
	b, err := json.Marshal(text)
	if err != nil {
		panic(err)
	}
	return `{"log":` + string(b) + `,"stream":"` + stream + `","time":"` + at.UTC().Format(time.RFC3339Nano) + "\"}\n"
}

var logT0 = time.Date(2024, 5, 6, 7, 8, 9, 120000000, time.UTC)

// sampleLog is a log of n lines, alternating runs of stdout and stderr,
// one millisecond apart.
func sampleLog(n int) string {
	var b strings.Builder
	for i := range n {
		stream := "stdout"
		if i%7 >= 5 {
			stream = "stderr"
		}
		b.WriteString(logLine(fmt.Sprintf("line %d\n", i), stream, logT0.Add(time.Duration(i)*time.Millisecond)))
	}
	return b.String()
}

func checkLog(t *testing.T, content string, q logQuery) []logWrite {
	t.Helper()
	got, _, err := readLog(t, content, q)
	if err != nil {
		t.Fatal(err)
	}
	want := oracleLog(t, content, q)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("query %+v:\ngot  %q\nwant %q", q, got, want)
	}
	return got
}

func TestAppendJSONString(t *testing.T) {
	cases := []string{
		``,
		`plain text`,
		`tab\there \"quoted\" back\\slash \/ \b\f\n\r`,
		`\u00e9t\u00C9 \u003chtml\u003e \u0026`,
		`raw héllo ✓ 日本語 😀`,
		`pair \ud83d\ude00 end`,
		`lone high \ud83d x`,
		`lone high at end \ud83d`,
		`lone low \ude00 x`,
		`high then non-low \ud83d\u0041`,
		`high then high \ud83d\ud83d\ude00`,
		"bad utf8 \xff\xfe end",
		"truncated utf8 \xe2\x9c",
		`\u0001\u001b[1m`,
		"raw control \x01",
		`bad escape \x`,
		`short \u12`,
		`bad hex \u12g4`,
		`trailing backslash \`,
	}
	for _, raw := range cases {
		var want string
		werr := json.Unmarshal([]byte(`"`+raw+`"`), &want)
		got, ok := appendJSONString([]byte("prefix:"), []byte(raw))
		switch {
		case werr != nil && ok:
			t.Errorf("%q: decoded %q, encoding/json says %v", raw, got, werr)
		case werr == nil && !ok:
			t.Errorf("%q: not decoded, encoding/json gives %q", raw, want)
		case werr == nil && string(got) != "prefix:"+want:
			t.Errorf("%q: got %q, want %q", raw, got, "prefix:"+want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{`a\"b`, `\ud83d\ude00`, `\ud83d`, "\xff", `\u00e9\n`, "\x01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if strings.ContainsRune(raw, '"') {
			return
		}
		var want string
		werr := json.Unmarshal([]byte(`"`+raw+`"`), &want)
		got, ok := appendJSONString(nil, []byte(raw))
		if (werr == nil) != ok || ok && string(got) != want {
			t.Fatalf("%q: got %q %v, encoding/json %q %v", raw, got, ok, want, werr)
		}
	})
}

// FuzzCopyJSONLog checks the decoding of one line against encoding/json:
// the same output when it decodes the line, an error when it does not.
func FuzzCopyJSONLog(f *testing.F) {
	for _, s := range []string{
		`{"log":"a\\\"b\n","stream":"stdout","time":"2024-05-06T07:08:09.1Z"}`,
		`{"log":"x","stream":"stderr","attrs":{"a":"b","c":"\u00e9"},"time":"2024-05-06T07:08:09Z"}`,
		`{"log":"x","stream":"stderr","attrs":{"a":"\x"},"time":"2024-05-06T07:08:09Z"}`,
		`{"log":"\ud83d\ude00","stream":"stdout","time":"2024-02-29T23:59:59.999999999Z"}`,
		`{"log":"x","stream":"stdout","time":"2023-02-29T00:00:00Z"}`,
		`{"stream":"stdout","log":"y","time":"2024-05-06T07:08:09+01:00"}`,
		`{"streAm":"stdout"}`,
	} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, line string, timestamps bool) {
		if strings.ContainsRune(line, '\n') {
			return
		}
		q := logQuery{tail: -1, timestamps: timestamps}
		if strings.TrimSpace(line) == "" {
			if got, _, err := readLog(t, line+"\n", q); got != nil || err != nil {
				t.Fatalf("blank %q: %v, %v", line, got, err)
			}
			return
		}
		var e jsonLogEntry
		werr := json.Unmarshal([]byte(line), &e)
		if werr == nil && (e.Time.Year() < 0 || e.Time.Year() > 9999) {
			return // Format and Parse disagree outside RFC 3339's years
		}
		got, _, err := readLog(t, line+"\n", q)
		if werr != nil {
			if err == nil {
				t.Fatalf("%q: decoded %v, encoding/json says %v", line, got, werr)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if want := oracleLog(t, line+"\n", q); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%q: got %v, want %v", line, got, want)
		}
	})
}

func TestParseLogTime(t *testing.T) {
	for _, ts := range []string{
		"2024-05-06T07:08:09Z",
		"2024-05-06T07:08:09.1Z",
		"2024-05-06T07:08:09.123456789Z",
		"2024-05-06T07:08:09.000000001Z",
		"1970-01-01T00:00:00Z",
		"1969-12-31T23:59:59.999999999Z",
		"0000-01-01T00:00:00Z",
		"0000-03-01T00:00:00Z",
		"9999-12-31T23:59:59.999999999Z",
		"2024-02-29T12:00:00Z",
		"2000-02-29T12:00:00Z",
		"2023-02-29T12:00:00Z",
		"1900-02-29T12:00:00Z",
		"2024-04-31T12:00:00Z",
		"2024-13-01T12:00:00Z",
		"2024-00-01T12:00:00Z",
		"2024-01-00T12:00:00Z",
		"2024-01-01T24:00:00Z",
		"2024-01-01T23:60:00Z",
		"2024-01-01T23:59:60Z",
		"2024-05-06T07:08:09.Z",
		"2024-05-06T07:08:09.1234567891Z",
		"2024-05-06T07:08:09+02:00",
		"2024-05-06 07:08:09Z",
		"2024-5-06T07:08:09Z",
		"2024-05-06T07:08:0xZ",
		"",
	} {
		want, werr := time.Parse(time.RFC3339Nano, ts)
		sec, nsec, ok := (&logCopier{}).entryTime([]byte(ts))
		if ok {
			if werr != nil {
				t.Errorf("%q: accepted, time.Parse says %v", ts, werr)
				continue
			}
			if got := time.Unix(sec, nsec); !got.Equal(want) {
				t.Errorf("%q: %v, want %v", ts, got.UTC(), want)
			}
			line := string(appendLogTime(nil, []byte(ts)))
			if w := want.Format(jsonmessage.RFC3339NanoFixed) + " "; line != w {
				t.Errorf("%q: timestamp %q, want %q", ts, line, w)
			}
		} else if werr == nil && engineForm.MatchString(ts) {
			t.Errorf("%q: rejected, time.Parse accepts it", ts)
		}
	}
}

// engineForm is the form of the times the engine writes, which the fast
// decoder must take.
var engineForm = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$`)

func TestCopyJSONLogShapes(t *testing.T) {
	at := logT0
	content := strings.Join([]string{
		logLine("plain\n", "stdout", at),
		logLine("tab\there \"quotes\" back\\slash <html> & amp\n", "stdout", at),
		logLine("héllo ✓ 日本語 😀\n", "stdout", at),
		`{"log":"escaped \u00e9 \ud83d\ude00 \ud83d lone \/\n","stream":"stdout","time":"2024-05-06T07:08:09.5Z"}` + "\n",
		logLine("to stderr\n", "stderr", at),
		`{"log":"with attrs\n","stream":"stderr","attrs":{"tag":"x\"y","k":"v"},"time":"2024-05-06T07:08:09Z"}` + "\n",
		`{"log":"empty attrs\n","stream":"stdout","attrs":{},"time":"2024-05-06T07:08:09Z"}` + "\n",
		logLine("partial ", "stdout", at),
		logLine("entry\n", "stdout", at),
		// Other shapes go through encoding/json.
		`{"stream":"stdout","log":"keys in another order\n","time":"2024-05-06T07:08:09Z"}` + "\n",
		`{ "log" : "spaces\n", "stream" : "stderr", "time" : "2024-05-06T07:08:09Z" }` + "\n",
		`{"log":"offset time\n","stream":"stdout","time":"2024-05-06T09:08:09.25+02:00"}` + "\n",
		`{"log":"ten fraction digits\n","stream":"stdout","time":"2024-05-06T07:08:09.1234567891Z"}` + "\n",
		`{"log":"no stream\n","time":"2024-05-06T07:08:09Z"}` + "\n",
		`{"log":"other stream\n","stream":"stdin","time":"2024-05-06T07:08:09Z"}` + "\n",
		`{"stream":"stdout","time":"2024-05-06T07:08:09Z"}` + "\n",
		`{"log":"bad utf8 ` + "\xff" + `\n","stream":"stdout","time":"2024-05-06T07:08:09Z"}` + "\n",
		"\n \t\n",
	}, "")
	for _, q := range []logQuery{{tail: -1}, {tail: -1, timestamps: true}, {tail: -1, tty: true}} {
		got := checkLog(t, content, q)
		if q == (logQuery{tail: -1}) {
			var out string
			for _, w := range got {
				if w.stream == 0 {
					out += w.data
				}
			}
			for _, want := range []string{"plain\ntab\there \"quotes\" back\\slash <html> & amp\n", "escaped é 😀 \uFFFD lone /\n", "partial entry\n", "bad utf8 \uFFFD\n"} {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			if got[1].stream != 1 || got[1].data != "to stderr\nwith attrs\n" {
				t.Errorf("stderr %+v", got[1])
			}
			if strings.Contains(fmt.Sprint(got), "stream\n") {
				t.Errorf("an entry without stream or of another stream was shown: %q", got)
			}
		}
	}
	got, _, _ := readLog(t, logLine("a\n", "stdout", at)+logLine("b\n", "stderr", at), logQuery{tail: -1, timestamps: true})
	want := []logWrite{{0, "2024-05-06T07:08:09.120000000Z a\n"}, {1, "2024-05-06T07:08:09.120000000Z b\n"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("timestamps: got %q, want %q", got, want)
	}
}

func TestCopyJSONLogTTY(t *testing.T) {
	content := sampleLog(20)
	got := checkLog(t, content, logQuery{tail: -1, tty: true})
	if len(got) != 1 || got[0].stream != 0 || strings.Count(got[0].data, "\n") != 20 {
		t.Errorf("tty: %q", got)
	}
}

func TestCopyJSONLogLongLine(t *testing.T) {
	long := strings.Repeat("0123456789", logReadBuffer/10+1000)
	content := logLine("before\n", "stdout", logT0) + logLine(long+"\n", "stderr", logT0) + logLine("after\n", "stdout", logT0)
	got := checkLog(t, content, logQuery{tail: -1})
	if len(got) != 3 || got[1].data != long+"\n" {
		t.Errorf("long line lost: %d writes", len(got))
	}
	checkLog(t, content, logQuery{tail: 2, timestamps: true})
}

func TestCopyJSONLogMalformed(t *testing.T) {
	content := sampleLog(3) + "{\"log\":\"not closed\n" + sampleLog(2)
	_, _, err := readLog(t, content, logQuery{tail: -1})
	off := strings.Index(content, "{\"log\":\"not closed")
	if err == nil || !strings.Contains(err.Error(), "test.log") || !strings.Contains(err.Error(), "offset "+strconv.Itoa(off)) {
		t.Errorf("error %v, want one naming test.log at offset %d", err, off)
	}
	for _, bad := range []string{
		`{"log":"raw control ` + "\x01" + `\n","stream":"stdout","time":"2024-05-06T07:08:09Z"}`,
		`{"log":"bad escape \x\n","stream":"stdout","time":"2024-05-06T07:08:09Z"}`,
		`{"log":"bad time\n","stream":"stdout","time":"2024-13-06T07:08:09Z"}`,
		`{"log":"x\n","stream":"stdout","time":"2024-05-06T07:08:09Z"} trailing`,
	} {
		if _, _, err := readLog(t, bad+"\n", logQuery{tail: -1}); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestCopyJSONLogIncompleteLastLine(t *testing.T) {
	// The engine is writing the last entry: it is left out, with or
	// without a tail.
	whole := sampleLog(4)
	content := whole + logLine("being written\n", "stdout", logT0)[:30]
	for _, q := range []logQuery{{tail: -1}, {tail: 2}, {tail: 10}} {
		got, _, err := readLog(t, content, q)
		if err != nil {
			t.Fatal(err)
		}
		want, _, _ := readLog(t, whole, q)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("tail %d: got %q, want %q", q.tail, got, want)
		}
	}
	if got, _, err := readLog(t, `{"log":"only a frag`, logQuery{tail: 3}); err != nil || got != nil {
		t.Errorf("fragment alone: %q, %v", got, err)
	}
}

func TestCopyJSONLogEmpty(t *testing.T) {
	for _, q := range []logQuery{{tail: -1}, {tail: 5}, {tail: -1, timestamps: true}} {
		got, r, err := readLog(t, "", q)
		if err != nil || got != nil || r.calls != 0 {
			t.Errorf("%+v: %q, %d writes, %v", q, got, r.calls, err)
		}
	}
}

func TestCopyJSONLogTail(t *testing.T) {
	small := sampleLog(10)
	// Lines end in several blocks of the backwards search.
	big := sampleLog(3 * tailBlock / 60)
	for _, n := range []int{1, 3, 9, 10, 11, 1000} {
		got := checkLog(t, small, logQuery{tail: n})
		lines := 0
		for _, w := range got {
			lines += strings.Count(w.data, "\n")
		}
		if want := min(n, 10); lines != want {
			t.Errorf("tail %d: %d lines, want %d", n, lines, want)
		}
	}
	for _, n := range []int{1, 1000, 1500, 2000, 3000, 3 * tailBlock / 60, 1 << 20} {
		checkLog(t, big, logQuery{tail: n, timestamps: true})
	}
	got, r, err := readLog(t, small, logQuery{tail: 0})
	if err != nil || got != nil || r.calls != 0 {
		t.Errorf("tail 0: %q, %v", got, err)
	}
	got = checkLog(t, small, logQuery{tail: 2})
	if fmt.Sprint(got) != fmt.Sprint([]logWrite{{0, "line 8\nline 9\n"}}) {
		t.Errorf("tail 2: %q", got)
	}
}

func TestCopyJSONLogSinceUntil(t *testing.T) {
	content := sampleLog(50)
	at := func(i int) time.Time { return logT0.Add(time.Duration(i) * time.Millisecond) }
	lines := func(ws []logWrite) string {
		var b strings.Builder
		for _, w := range ws {
			b.WriteString(w.data)
		}
		return b.String()
	}
	// Both bounds are inclusive, as in the engine.
	got := checkLog(t, content, logQuery{tail: -1, since: at(10), until: at(12)})
	if l := lines(got); l != "line 10\nline 11\nline 12\n" {
		t.Errorf("since 10 until 12: %q", l)
	}
	got = checkLog(t, content, logQuery{tail: -1, since: at(47).Add(-time.Nanosecond)})
	if l := lines(got); l != "line 47\nline 48\nline 49\n" {
		t.Errorf("since before 47: %q", l)
	}
	got = checkLog(t, content, logQuery{tail: -1, until: at(1).Add(time.Nanosecond)})
	if l := lines(got); l != "line 0\nline 1\n" {
		t.Errorf("until after 1: %q", l)
	}
	// The tail is taken first, then since filters it.
	got = checkLog(t, content, logQuery{tail: 5, since: at(47)})
	if l := lines(got); l != "line 47\nline 48\nline 49\n" {
		t.Errorf("tail 5 since 47: %q", l)
	}
	got = checkLog(t, content, logQuery{tail: 5, until: at(20)})
	if got != nil {
		t.Errorf("tail 5 until 20: %q", got)
	}
	checkLog(t, content, logQuery{tail: -1, since: at(100)})
	checkLog(t, content, logQuery{tail: -1, until: at(-1)})
	checkLog(t, content, logQuery{tail: 7, since: at(30), until: at(46), timestamps: true})

	// Until stops at the first later entry, even if earlier ones follow.
	unordered := logLine("a\n", "stdout", at(1)) + logLine("b\n", "stdout", at(5)) + logLine("c\n", "stdout", at(2))
	got = checkLog(t, unordered, logQuery{tail: -1, until: at(3)})
	if l := lines(got); l != "a\n" {
		t.Errorf("until stops: %q", l)
	}
	// Since and until apply to the entries encoding/json decodes too.
	slow := `{"stream":"stdout","log":"slow\n","time":"2024-05-06T07:08:09.125Z"}` + "\n"
	half := strings.Index(content, logLine("line 25\n", "stdout", at(25)))
	checkLog(t, content[:half]+slow+content[half:], logQuery{tail: -1, since: at(5), until: at(30)})
}

func TestCopyJSONLogChunks(t *testing.T) {
	// Runs of one stream are written in chunks of about logChunk bytes.
	var b strings.Builder
	for i := range 5000 {
		b.WriteString(logLine(fmt.Sprintf("a line of about forty bytes, number %d\n", i), "stdout", logT0))
	}
	b.WriteString(logLine("err\n", "stderr", logT0))
	got, r, err := readLog(t, b.String(), logQuery{tail: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || strings.Count(got[0].data, "\n") != 5000 {
		t.Fatalf("writes %d", len(got))
	}
	if r.calls > len(got[0].data)/logChunk+2 {
		t.Errorf("%d writes for %d bytes", r.calls, len(got[0].data))
	}
	for _, n := range r.sizes[:len(r.sizes)-2] {
		if n < logChunk {
			t.Errorf("a chunk of %d bytes, want >= %d", n, logChunk)
		}
	}
}

func TestCopyJSONLogCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	content := sampleLog(20000)
	writes := 0
	w := writerFunc(func(p []byte) (int, error) {
		writes++
		cancel()
		return len(p), nil
	})
	err := copyJSONLog(ctx, strings.NewReader(content), int64(len(content)), "test.log", logQuery{tail: -1, tty: true}, w, w)
	if !errors.Is(err, context.Canceled) || writes != 1 {
		t.Errorf("%v after %d writes, want context.Canceled after 1", err, writes)
	}
}

func TestNewLogQuery(t *testing.T) {
	now := time.Date(2024, 5, 6, 7, 8, 9, 500, time.Local)
	for _, c := range []struct {
		o    LogOptions
		want logQuery
		err  bool
	}{
		{o: LogOptions{}, want: logQuery{tail: -1}},
		{o: LogOptions{Tail: "all", Timestamps: true}, want: logQuery{tail: -1, timestamps: true}},
		{o: LogOptions{Tail: "-3"}, want: logQuery{tail: -3}},
		{o: LogOptions{Tail: "what"}, want: logQuery{tail: -1}},
		{o: LogOptions{Tail: "0"}, want: logQuery{tail: 0}},
		{o: LogOptions{Tail: "12"}, want: logQuery{tail: 12}},
		{o: LogOptions{Since: "10m"}, want: logQuery{tail: -1, since: time.Unix(now.Add(-10*time.Minute).Unix(), 0)}},
		{o: LogOptions{Since: "2024-01-02T03:04:05.123456789Z"}, want: logQuery{tail: -1, since: time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)}},
		{o: LogOptions{Since: "1700000000.5"}, want: logQuery{tail: -1, since: time.Unix(1700000000, 500000000)}},
		{o: LogOptions{Since: "0"}, want: logQuery{tail: -1, since: time.Unix(0, 0)}},
		{o: LogOptions{Until: "0"}, want: logQuery{tail: -1}},
		{o: LogOptions{Until: "1700000000"}, want: logQuery{tail: -1, until: time.Unix(1700000000, 0)}},
		{o: LogOptions{Since: "yesterday"}, err: true},
		{o: LogOptions{Until: "2024-99-99"}, err: true},
	} {
		got, err := newLogQuery(c.o, false, now)
		if (err != nil) != c.err {
			t.Errorf("%+v: error %v", c.o, err)
			continue
		}
		if !c.err && (got.tail != c.want.tail || got.timestamps != c.want.timestamps || !got.since.Equal(c.want.since) || !got.until.Equal(c.want.until)) {
			t.Errorf("%+v: %+v, want %+v", c.o, got, c.want)
		}
	}
}

func TestOpenLogFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "abc-json.log")
	if err := os.WriteFile(path, []byte(sampleLog(3)), 0o640); err != nil {
		t.Fatal(err)
	}
	inspect := func(driver, status string, opts map[string]string, logPath string) container.InspectResponse {
		return container.InspectResponse{
			ContainerJSONBase: &container.ContainerJSONBase{
				LogPath:    logPath,
				State:      &container.State{Status: status, Running: status == container.StateRunning},
				HostConfig: &container.HostConfig{LogConfig: container.LogConfig{Type: driver, Config: opts}},
			},
			Config: &container.Config{Tty: true},
		}
	}
	maxSize := map[string]string{"max-size": "10m"}
	for _, c := range []struct {
		name string
		c    container.InspectResponse
		o    LogOptions
		env  string
		want bool
	}{
		{"exited", inspect("json-file", container.StateExited, nil, path), LogOptions{}, "", true},
		{"running", inspect("json-file", container.StateRunning, nil, path), LogOptions{Tail: "3"}, "", true},
		{"max-size but exited", inspect("json-file", container.StateExited, maxSize, path), LogOptions{}, "", true},
		{"max-size and running", inspect("json-file", container.StateRunning, maxSize, path), LogOptions{}, "", false},
		{"max-size and paused", inspect("json-file", container.StatePaused, maxSize, path), LogOptions{}, "", false},
		{"follow", inspect("json-file", container.StateExited, nil, path), LogOptions{Follow: true}, "", false},
		{"local driver", inspect("local", container.StateExited, nil, path), LogOptions{}, "", false},
		{"no path", inspect("json-file", container.StateExited, nil, ""), LogOptions{}, "", false},
		{"no file", inspect("json-file", container.StateExited, nil, path+".nope"), LogOptions{}, "", false},
		{"bad since", inspect("json-file", container.StateExited, nil, path), LogOptions{Since: "yesterday"}, "", false},
		{"forced API", inspect("json-file", container.StateExited, nil, path), LogOptions{}, "1", false},
		{"API not forced", inspect("json-file", container.StateExited, nil, path), LogOptions{}, "0", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(logsAPIEnv, c.env)
			f, q, ok := openLogFile(c.c, c.o, time.Now())
			if ok != c.want {
				t.Fatalf("ok %v, want %v", ok, c.want)
			}
			if ok {
				_ = f.Close()
				if !q.tty {
					t.Error("tty not passed on")
				}
			}
		})
	}
	for _, rot := range []string{".1", ".1.gz"} {
		if err := os.WriteFile(path+rot, nil, 0o640); err != nil {
			t.Fatal(err)
		}
		if f, _, ok := openLogFile(inspect("json-file", container.StateExited, maxSize, path), LogOptions{}, time.Now()); ok {
			_ = f.Close()
			t.Errorf("opened with a rotated file %s", rot)
		}
		_ = os.Remove(path + rot)
	}
}

// BenchmarkLogFile decodes a log of 100,000 lines of the stack logs
// benchmark into io.Discard; MB/s is of the file read.
func BenchmarkLogFile(b *testing.B) {
	var buf bytes.Buffer
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for i := range 100000 {
		buf.WriteString(logLine("the quick brown fox jumps over the lazy dog, line of the log benchmark\n", "stdout", at.Add(time.Duration(i)*1013*time.Nanosecond)))
	}
	path := filepath.Join(b.TempDir(), "bench-json.log")
	if err := os.WriteFile(path, buf.Bytes(), 0o640); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	size := int64(buf.Len())
	for _, bc := range []struct {
		name string
		q    logQuery
	}{
		{"plain", logQuery{tail: -1}},
		{"timestamps", logQuery{tail: -1, timestamps: true}},
		{"since", logQuery{tail: -1, since: at.Add(50 * time.Millisecond)}},
		{"tail1000", logQuery{tail: 1000}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			read := size
			if bc.q.tail > 0 {
				read = size * int64(bc.q.tail) / 100000
			}
			b.SetBytes(read)
			b.ReportAllocs()
			for b.Loop() {
				if err := copyJSONLog(context.Background(), f, size, path, bc.q, io.Discard, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// logMixCompose prints a known mix to stdout and stderr: escapes, unicode,
// control characters, invalid UTF-8, a line the engine splits into partial
// entries, a last line without newline, in three batches a second apart;
// a TTY; and logs that are capped (not rotated yet) and rotated.
const logMixCompose = `
services:
  mix:
    image: ${IMAGE}
    command:
      - sh
      - -c
      - |
        printf 'plain line\n'
        printf 'to stderr\n' >&2
        printf 'tab\there "quotes" back\\slash / <html> & amp\n'
        printf 'unicode: h\303\251llo \342\234\223 \346\227\245\346\234\254 \360\237\230\200\n'
        printf 'ctrl: \001\033[1mbold\033[0m \177 bad utf8 \377\376 end\n' >&2
        printf 'crlf\r\n'
        yes x | head -n 20000 | tr -d '\n'; printf '\n'
        sleep 1.1
        printf 'second %s\n' 1 2 3
        printf 'second err\n' >&2
        sleep 1.1
        printf 'third\n'
        printf 'no newline at the end'
  term:
    image: ${IMAGE}
    tty: true
    command: ["sh", "-c", "printf 'tty out\\n'; printf 'tty err\\n' >&2; printf 'tab\\tend \\342\\234\\223\\n'"]
  capped:
    image: ${IMAGE}
    logging: {driver: json-file, options: {max-size: "10m"}}
    command: ["seq", "1", "100"]
  rotated:
    image: ${IMAGE}
    logging: {driver: json-file, options: {max-size: "1k", max-file: "3"}}
    command: ["seq", "1", "3000"]
`

// TestDockerLogsFromFile compares, on a real engine, the logs read from
// the json-file with those the API serves, for every kind of query.
func TestDockerLogsFromFile(t *testing.T) {
	et := newEngineTest(t)
	d := et.d
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := et.load(t, logMixCompose)
	et.setUp(ctx, t, p)
	ids := map[string]string{}
	for _, s := range []string{"mix", "term", "capped", "rotated"} {
		c, err := d.CreateContainer(ctx, et.request(t, p, s, 1))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.StartContainer(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		ids[s] = c.ID
	}
	for s, id := range ids {
		if code, err := d.WaitContainer(ctx, id); err != nil || code != 0 {
			t.Fatalf("%s: exit %d, %v", s, code, err)
		}
	}
	inspect := func(id string) container.InspectResponse {
		c, err := d.cli.ContainerInspect(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if f, _, ok := openLogFile(inspect(ids["mix"]), LogOptions{}, time.Now()); ok {
		_ = f.Close()
	} else {
		t.Skipf("the json-file log %s cannot be read here", inspect(ids["mix"]).LogPath)
	}
	// both returns the logs through the API, and from the file.
	both := func(id string, o LogOptions) (api, file []logWrite) {
		t.Helper()
		t.Setenv(logsAPIEnv, "1")
		ra := &logRecorder{}
		if err := d.Logs(ctx, id, o, ra.writer(0), ra.writer(1)); err != nil {
			t.Fatal(err)
		}
		t.Setenv(logsAPIEnv, "")
		rf := &logRecorder{}
		handled, err := logsFromFile(ctx, inspect(id), o, rf.writer(0), rf.writer(1))
		if err != nil || !handled {
			t.Fatalf("%+v: from the file: handled %v, %v", o, handled, err)
		}
		// And Logs itself takes the file.
		rd := &logRecorder{}
		if err := d.Logs(ctx, id, o, rd.writer(0), rd.writer(1)); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(rd.writes) != fmt.Sprint(rf.writes) {
			t.Errorf("%+v: Logs and logsFromFile differ", o)
		}
		return ra.writes, rf.writes
	}
	text := func(ws []logWrite) string {
		var b strings.Builder
		for _, w := range ws {
			b.WriteString(w.data)
		}
		return b.String()
	}

	// The times of two entries, as the API shows them, bound the middle
	// batch exactly. (Only the order of one stream is certain: the engine
	// copies stdout and stderr apart, timing each line as it reads it.)
	stamped, _ := both(ids["mix"], LogOptions{Timestamps: true})
	var since, until string
	for _, line := range strings.Split(text(stamped), "\n") {
		ts, rest, _ := strings.Cut(line, " ")
		switch rest {
		case "second 1":
			since = ts
		case "second 3":
			until = ts
		}
	}
	if since == "" || until == "" {
		t.Fatalf("no second batch in %q", text(stamped))
	}
	sinceTime, err := time.Parse(time.RFC3339Nano, since)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []LogOptions{
		{},
		{Timestamps: true},
		{Tail: "all"},
		{Tail: "5"},
		{Tail: "5", Timestamps: true},
		{Tail: "1"},
		{Tail: "0"},
		{Tail: "100000"},
		{Since: since},
		{Until: until},
		{Since: since, Until: until, Timestamps: true},
		{Tail: "3", Since: since},
		{Tail: "4", Until: until},
		{Since: fmt.Sprintf("%d.%09d", sinceTime.Unix(), sinceTime.Nanosecond())},
		{Since: "10m"},
		{Since: "0"},
		{Until: "0"},
	} {
		api, file := both(ids["mix"], o)
		if fmt.Sprint(api) != fmt.Sprint(file) {
			t.Errorf("mix %+v:\nAPI  %v\nfile %v", o, api, file)
		}
	}
	api, _ := both(ids["mix"], LogOptions{})
	all := text(api)
	for _, want := range []string{"tab\there \"quotes\" back\\slash / <html> & amp\n", "héllo ✓ 日本 😀", "\x01\x1b[1mbold", "\uFFFD", strings.Repeat("x", 20000) + "\n", "no newline at the end"} {
		if !strings.Contains(all, want) {
			t.Errorf("the API output lacks %.40q", want)
		}
	}
	// Both bounds are inclusive; the line on stderr may fall in or out.
	if api, _ := both(ids["mix"], LogOptions{Since: since, Until: until}); strings.Replace(text(api), "second err\n", "", 1) != "second 1\nsecond 2\nsecond 3\n" {
		t.Errorf("since..until: %q", text(api))
	}

	for _, o := range []LogOptions{{}, {Timestamps: true}, {Tail: "2"}} {
		api, file := both(ids["term"], o)
		if fmt.Sprint(api) != fmt.Sprint(file) {
			t.Errorf("term %+v:\nAPI  %v\nfile %v", o, api, file)
		}
		if len(api) != 1 || api[0].stream != 0 {
			t.Errorf("term %+v: not all on stdout: %v", o, api)
		}
	}

	for _, o := range []LogOptions{{}, {Tail: "7", Timestamps: true}} {
		api, file := both(ids["capped"], o)
		if fmt.Sprint(api) != fmt.Sprint(file) {
			t.Errorf("capped %+v:\nAPI  %v\nfile %v", o, api, file)
		}
	}

	// A rotated log goes through the API, which joins its files.
	rot := inspect(ids["rotated"])
	if _, err := os.Stat(rot.LogPath + ".1"); err != nil {
		t.Fatalf("the log did not rotate: %v", err)
	}
	if f, _, ok := openLogFile(rot, LogOptions{}, time.Now()); ok {
		_ = f.Close()
		t.Error("a rotated log is read from its file")
	}
	r := &logRecorder{}
	if err := d.Logs(ctx, ids["rotated"], LogOptions{Tail: "2"}, r.writer(0), r.writer(1)); err != nil || text(r.writes) != "2999\n3000\n" {
		t.Errorf("rotated: %q, %v", text(r.writes), err)
	}
}
