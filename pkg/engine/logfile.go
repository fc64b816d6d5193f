package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/docker/docker/api/types/container"
	timetypes "github.com/docker/docker/api/types/time"
	"github.com/docker/docker/pkg/jsonmessage"
)

// The engine serves json-file logs through its API at a fraction of the
// speed of reading the file, so Logs reads the file itself when the engine
// is local and the file is readable and cannot change under it. The output
// is byte for byte the API's: the same entries, time filters, tail and
// timestamp format (moby 20.10, daemon/logger/loggerutils tailFiles and
// api/server/httputils WriteLogStream).

// logsAPIEnv, set to a true value ("1", "true"), makes Logs always go
// through the engine's API (to debug, and to compare both paths).
const logsAPIEnv = "STACK_LOGS_API"

const (
	// logReadBuffer is the read buffer of a log file; longer entries are
	// joined from several reads.
	logReadBuffer = 256 << 10
	// logChunk is how much decoded output is gathered before it is
	// written: consecutive entries of one stream go out in one Write.
	logChunk = 64 << 10
	// tailBlock is the size of the blocks read backwards to find where
	// the last lines of a log start.
	tailBlock = 64 << 10
)

// logQuery is what a Logs call selects from a json-file log, read as the
// engine reads LogOptions.
type logQuery struct {
	// tail is the number of entries from the end; < 0 means all.
	tail int
	// since and until bound the entries by time (inclusive); zero: no
	// bound.
	since, until time.Time
	// timestamps prefixes each entry with its time.
	timestamps bool
	// tty sends both streams to stdout, as the API does for a TTY.
	tty bool
}

// newLogQuery reads o as the client and the engine do: Since and Until
// through engineTime, and a Tail that is not a number means all. An error means the API must be asked, to report it.
func newLogQuery(o LogOptions, tty bool, now time.Time) (logQuery, error) {
	q := logQuery{tail: -1, timestamps: o.Timestamps, tty: tty}
	if n, err := strconv.Atoi(o.Tail); err == nil {
		q.tail = n
	}
	var err error
	if q.since, err = engineTime(o.Since, now); err != nil {
		return logQuery{}, err
	}
	if o.Until != "0" { // the engine's "no bound"
		if q.until, err = engineTime(o.Until, now); err != nil {
			return logQuery{}, err
		}
	}
	return q, nil
}

// engineTime converts a --since or --until value as the client (relative
// to now) and then the engine do; "" is the zero time, no bound.
func engineTime(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	ts, err := timetypes.GetTimestamp(v, now)
	if err != nil {
		return time.Time{}, err
	}
	sec, nsec, err := timetypes.ParseTimestamps(ts, 0)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(sec, nsec), nil
}

// logsFromFile copies the log of c from its json-file when openLogFile
// allows it. handled is false when nothing was copied and the API must be
// asked instead.
func logsFromFile(ctx context.Context, c container.InspectResponse, o LogOptions, stdout, stderr io.Writer) (handled bool, err error) {
	f, q, ok := openLogFile(c, o, time.Now())
	if !ok {
		return false, nil
	}
	defer f.Close()
	// The size now bounds the read: what the engine appends meanwhile
	// belongs to a later call, as with the API.
	fi, err := f.Stat()
	if err != nil {
		return false, nil
	}
	return true, copyJSONLog(ctx, f, fi.Size(), f.Name(), q, stdout, stderr)
}

// openLogFile opens the json-file log of c when a Logs call with o can
// read it directly: not following; the json-file driver; a log path this
// process can open (a remote engine's usually is not); and a file that
// the engine cannot rotate while it is read (the container is stopped, or
// its log has no max-size) and has not rotated before (no LogPath.1 or
// LogPath.1.gz: those calls go through the API, which joins the rotated
// files). STACK_LOGS_API turns it off. ok is false whenever the API must
// be used, also when o does not parse, for the API to report that.
func openLogFile(c container.InspectResponse, o LogOptions, now time.Time) (f *os.File, q logQuery, ok bool) {
	if o.Follow || c.ContainerJSONBase == nil || c.HostConfig == nil || c.LogPath == "" {
		return nil, logQuery{}, false
	}
	// Podman reports its k8s-file logs as json-file: only dockerd's file,
	// <id>-json.log, has the json-file format.
	if c.HostConfig.LogConfig.Type != "json-file" || !strings.HasSuffix(c.LogPath, "-json.log") {
		return nil, logQuery{}, false
	}
	if api, _ := strconv.ParseBool(os.Getenv(logsAPIEnv)); api {
		return nil, logQuery{}, false
	}
	if _, rotates := c.HostConfig.LogConfig.Config["max-size"]; rotates && !stopped(c.State) {
		return nil, logQuery{}, false
	}
	q, err := newLogQuery(o, c.Config != nil && c.Config.Tty, now)
	if err != nil {
		return nil, logQuery{}, false
	}
	f, err = os.Open(c.LogPath)
	if err != nil {
		return nil, logQuery{}, false
	}
	// Checked after the open: a rotation from now on renames the file we
	// hold, whose content stays whole.
	if rotated(c.LogPath) {
		_ = f.Close()
		return nil, logQuery{}, false
	}
	return f, q, true
}

// stopped reports whether a container's state is one in which the engine
// writes nothing to its log.
func stopped(s *container.State) bool {
	if s == nil || s.Running || s.Restarting || s.Paused {
		return false
	}
	switch s.Status {
	case container.StateCreated, container.StateExited, container.StateDead:
		return true
	}
	return false
}

// rotated reports whether the json-file log at path has rotated files,
// or might have (any error but "does not exist").
func rotated(path string) bool {
	for _, name := range []string{path + ".1", path + ".1.gz"} {
		if _, err := os.Lstat(name); !errors.Is(err, os.ErrNotExist) {
			return true
		}
	}
	return false
}

// copyJSONLog decodes the entries of the json-file log in the first size
// bytes of r (named name in errors) that q selects, and writes their text
// to stdout and stderr in chunks of whole entries. As the engine does, it
// first takes the last q.tail entries, then skips those before q.since
// and stops at the first after q.until. A last line without its newline is
// an entry being written and is left out, as the engine's reader does.
func copyJSONLog(ctx context.Context, r io.ReaderAt, size int64, name string, q logQuery, stdout, stderr io.Writer) error {
	if q.tail == 0 {
		return nil
	}
	start, end := int64(0), size
	if q.tail > 0 {
		var err error
		start, end, err = tailBounds(ctx, r, size, q.tail)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
	}
	c := newLogCopier(q, stdout, stderr)
	// A short tail needs no big buffer; longer lines are joined anyway.
	br := bufio.NewReaderSize(io.NewSectionReader(r, start, end-start), int(min(end-start+1, logReadBuffer)))
	var long []byte
	off := start
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if len(line) > 0 && line[len(line)-1] == '\n' {
			stop, derr := c.entry(ctx, line[:len(line)-1])
			if derr != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("read %s at offset %d: %w", name, off, derr)
			}
			if stop {
				break
			}
		}
		if err != nil {
			break
		}
		off += int64(len(line))
		// Entries skipped by since write nothing: check ctx now and then.
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return c.flush(ctx)
}

// tailBounds finds, reading the first size bytes of r backwards by blocks,
// where its last n complete lines start and end (after the last newline:
// what follows is being written). With fewer lines than n, start is 0.
func tailBounds(ctx context.Context, r io.ReaderAt, size int64, n int) (start, end int64, err error) {
	buf := make([]byte, min(int64(tailBlock), size))
	end = -1
	count := 0
	for pos := size; pos > 0; {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		k := min(int64(len(buf)), pos)
		pos -= k
		block := buf[:k]
		if m, err := r.ReadAt(block, pos); m < len(block) {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return 0, 0, err
		}
		for i := len(block); ; {
			j := bytes.LastIndexByte(block[:i], '\n')
			if j < 0 {
				break
			}
			i = j
			if end < 0 {
				end = pos + int64(j) + 1
				continue
			}
			count++
			if count == n {
				return pos + int64(j) + 1, end, nil
			}
		}
	}
	if end < 0 {
		return 0, 0, nil
	}
	return 0, end, nil
}

// logCopier decodes entries and gathers their output in one buffer,
// written when full or when the stream changes.
type logCopier struct {
	q   logQuery
	out [2]io.Writer // stdout, stderr
	buf []byte
	// stream is the index in out of the entries in buf.
	stream int
	// The bounds of q as Unix seconds and nanoseconds, compared with
	// those of each entry without building a time.Time.
	sinceSec, sinceNsec int64
	untilSec, untilNsec int64
	// slow is the entry decoded by encoding/json, when the fast decoder
	// does not know the shape of a line.
	slow jsonLogEntry
	// minute is the date, hour and minute of the last entry's time, and
	// minuteSec its Unix time (see entryTime).
	minute    [16]byte
	minuteSec int64
	minuteOK  bool
}

// jsonLogEntry is one line of a json-file log as the engine decodes it.
type jsonLogEntry struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

func newLogCopier(q logQuery, stdout, stderr io.Writer) *logCopier {
	c := &logCopier{q: q, out: [2]io.Writer{stdout, stderr}, buf: make([]byte, 0, logChunk+logChunk/4)}
	if q.tty {
		c.out[1] = stdout
	}
	if !q.since.IsZero() {
		c.sinceSec, c.sinceNsec = q.since.Unix(), int64(q.since.Nanosecond())
	}
	if !q.until.IsZero() {
		c.untilSec, c.untilNsec = q.until.Unix(), int64(q.until.Nanosecond())
	}
	return c
}

// entry copies one json-file line (without its newline) if q selects it;
// stop is true at the first entry after q.until, which ends the log.
func (c *logCopier) entry(ctx context.Context, line []byte) (stop bool, err error) {
	f, ok := parseLogLine(line)
	if !ok {
		return c.slowEntry(ctx, line)
	}
	sec, nsec, ok := c.entryTime(f.time)
	if !ok {
		return c.slowEntry(ctx, line)
	}
	if !c.q.since.IsZero() && earlier(sec, nsec, c.sinceSec, c.sinceNsec) {
		return false, nil
	}
	if !c.q.until.IsZero() && earlier(c.untilSec, c.untilNsec, sec, nsec) {
		return true, nil
	}
	if err := c.switchTo(ctx, f.stream); err != nil {
		return false, err
	}
	mark := len(c.buf)
	if c.q.timestamps {
		c.buf = appendLogTime(c.buf, f.time)
	}
	c.buf, ok = appendJSONString(c.buf, f.log)
	if !ok {
		c.buf = c.buf[:mark]
		return c.slowEntry(ctx, line)
	}
	return false, c.maybeFlush(ctx)
}

// slowEntry is entry through encoding/json, for any line the fast
// decoder does not take; an entry it cannot decode is an error.
func (c *logCopier) slowEntry(ctx context.Context, line []byte) (stop bool, err error) {
	if len(bytes.TrimSpace(line)) == 0 {
		// The engine's stream decoder passes over blank lines.
		return false, nil
	}
	c.slow = jsonLogEntry{}
	if err := json.Unmarshal(line, &c.slow); err != nil {
		return false, fmt.Errorf("decode log entry: %w", err)
	}
	e := &c.slow
	if !c.q.since.IsZero() && e.Time.Before(c.q.since) {
		return false, nil
	}
	if !c.q.until.IsZero() && e.Time.After(c.q.until) {
		return true, nil
	}
	stream := 0
	switch e.Stream {
	case "stdout":
	case "stderr":
		stream = 1
	default:
		// The engine shows no other stream.
		return false, nil
	}
	if err := c.switchTo(ctx, stream); err != nil {
		return false, err
	}
	if c.q.timestamps {
		c.buf = e.Time.AppendFormat(c.buf, jsonmessage.RFC3339NanoFixed)
		c.buf = append(c.buf, ' ')
	}
	c.buf = append(c.buf, e.Log...)
	return false, c.maybeFlush(ctx)
}

// switchTo writes what is gathered if it is of another stream than the
// next entry's.
func (c *logCopier) switchTo(ctx context.Context, stream int) error {
	if c.q.tty {
		stream = 0
	}
	if stream == c.stream {
		return nil
	}
	err := c.flush(ctx)
	c.stream = stream
	return err
}

func (c *logCopier) maybeFlush(ctx context.Context) error {
	if len(c.buf) < logChunk {
		return nil
	}
	return c.flush(ctx)
}

// flush writes what is gathered, unless ctx has ended.
func (c *logCopier) flush(ctx context.Context) error {
	if len(c.buf) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := c.out[c.stream].Write(c.buf)
	c.buf = c.buf[:0]
	return err
}

// earlier reports whether the time (s1, n1) is before (s2, n2).
func earlier(s1, n1, s2, n2 int64) bool {
	return s1 < s2 || s1 == s2 && n1 < n2
}

// logFields are the parts of a json-file line in the shape the engine
// writes: {"log":"...","stream":"stdout"|"stderr","time":"..."}. Lines with
// attrs (log options labels, env, tag) are rare and take the slow path.
type logFields struct {
	log    []byte // the log string as written, escapes included
	stream int    // 0 stdout, 1 stderr
	time   []byte // the time string
}

const (
	jsonLogStart   = `{"log":"`
	jsonLogStdout  = `","stream":"stdout"`
	jsonLogStderr  = `","stream":"stderr"`
	jsonLogTime    = `,"time":"`
	jsonLogTimeEnd = `"}`
)

// parseLogLine splits a line of the engine's own shape into its fields,
// without decoding them; ok is false for any other shape.
func parseLogLine(line []byte) (f logFields, ok bool) {
	if !hasPrefix(line, jsonLogStart) {
		return f, false
	}
	rest := line[len(jsonLogStart):]
	n := stringEnd(rest)
	if n < 0 {
		return f, false
	}
	f.log, rest = rest[:n], rest[n:]
	switch {
	case hasPrefix(rest, jsonLogStdout):
		rest = rest[len(jsonLogStdout):]
	case hasPrefix(rest, jsonLogStderr):
		f.stream = 1
		rest = rest[len(jsonLogStderr):]
	default:
		return f, false
	}
	if len(rest) < len(jsonLogTime)+len(jsonLogTimeEnd) || !hasPrefix(rest, jsonLogTime) || !bytes.HasSuffix(rest, []byte(jsonLogTimeEnd)) {
		return f, false
	}
	f.time = rest[len(jsonLogTime) : len(rest)-len(jsonLogTimeEnd)]
	return f, true
}

func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

// stringEnd returns the index in s of the quote that ends the JSON string
// s starts inside of, or -1.
func stringEnd(s []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(s[i:], '"')
		if j < 0 {
			return -1
		}
		j += i
		k := j
		for k > 0 && s[k-1] == '\\' {
			k--
		}
		if (j-k)%2 == 0 {
			return j
		}
		i = j + 1
	}
}

// appendJSONString appends the decoded text of the JSON string body s (no
// quotes) to dst, as encoding/json decodes it: invalid UTF-8 and unpaired
// surrogates become U+FFFD. ok is false for what encoding/json rejects (a
// control character, a bad escape).
func appendJSONString(dst, s []byte) (_ []byte, ok bool) {
	for i := 0; i < len(s); {
		// Copy the run of bytes that need no work at once, looking at
		// eight at a time while none needs work.
		j := i
		for j+8 <= len(s) && plain8(binary.LittleEndian.Uint64(s[j:])) {
			j += 8
		}
		for j < len(s) {
			if c := s[j]; c < ' ' || c == '\\' || c >= utf8.RuneSelf {
				break
			}
			j++
		}
		dst = append(dst, s[i:j]...)
		if j == len(s) {
			break
		}
		i = j
		switch c := s[i]; {
		case c == '\\':
			if i+1 >= len(s) {
				return dst, false
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				dst = append(dst, e)
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r := hex4(s[i+2:])
				if r < 0 {
					return dst, false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if r2 := unicodeEscape(s[i:]); r2 >= 0 {
						if d := utf16.DecodeRune(r, r2); d != unicode.ReplacementChar {
							dst = utf8.AppendRune(dst, d)
							i += 6
							continue
						}
					}
					r = unicode.ReplacementChar
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default:
				return dst, false
			}
			i += 2
		case c < ' ':
			return dst, false
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, unicode.ReplacementChar)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
		}
	}
	return dst, true
}

// plain8 reports whether none of the eight bytes in w needs decoding: no
// control character, backslash or non-ASCII byte.
func plain8(w uint64) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	// A byte below 0x20 borrows into its high bit; one equal to '\\'
	// becomes zero, which borrows likewise; non-ASCII has it already.
	below := (w - 0x20*ones) &^ w
	backslash := w ^ '\\'*ones
	backslash = (backslash - ones) &^ backslash
	return (w|below|backslash)&highs == 0
}

// unicodeEscape returns the code of the \uXXXX escape s starts with, or -1.
func unicodeEscape(s []byte) rune {
	if len(s) < 2 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	return hex4(s[2:])
}

// hex4 returns the value of the four hex digits s starts with, or -1.
func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// parseLogMinute reads "2024-05-06T07:08" as Unix seconds, as strictly as
// time.Parse (entryTime calls it once a minute of log).
func parseLogMinute(ts []byte) (int64, bool) {
	t, err := time.Parse("2006-01-02T15:04", string(ts))
	return t.Unix(), err == nil
}

// parseLogSeconds reads ":09.123456789Z" (the fraction is optional) as
// seconds and nanoseconds.
func parseLogSeconds(ts []byte) (sec, nsec int64, ok bool) {
	if len(ts) < 4 || ts[0] != ':' || ts[len(ts)-1] != 'Z' {
		return 0, 0, false
	}
	sec, ok = digits(ts[1:3])
	if !ok || sec > 59 {
		return 0, 0, false
	}
	if frac := ts[3 : len(ts)-1]; len(frac) > 0 {
		if len(frac) < 2 || len(frac) > 10 || frac[0] != '.' {
			return 0, 0, false
		}
		nsec, ok = digits(frac[1:])
		if !ok {
			return 0, 0, false
		}
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	return sec, nsec, true
}

// entryTime reads the time the engine writes, RFC 3339 in UTC with up to
// nine fraction digits ("2024-05-06T07:08:09.123456789Z"), as Unix seconds
// and nanoseconds; ok is false for any other form, and for what time.Parse
// rejects. It remembers the minute of the previous entry: most entries
// share it.
func (c *logCopier) entryTime(ts []byte) (sec, nsec int64, ok bool) {
	if len(ts) < 20 {
		return 0, 0, false
	}
	if !c.minuteOK || string(ts[:16]) != string(c.minute[:]) {
		c.minuteSec, c.minuteOK = parseLogMinute(ts[:16])
		if !c.minuteOK {
			return 0, 0, false
		}
		copy(c.minute[:], ts[:16])
	}
	sec, nsec, ok = parseLogSeconds(ts[16:])
	return c.minuteSec + sec, nsec, ok
}

// appendLogTime appends a time entryTime accepts in the engine's
// --timestamps form, nine fraction digits, and a space.
func appendLogTime(dst, ts []byte) []byte {
	dst = append(dst, ts[:19]...)
	dst = append(dst, '.')
	frac := ts[19 : len(ts)-1] // "" or "." and digits
	if len(frac) > 0 {
		frac = frac[1:]
	}
	dst = append(dst, frac...)
	for range 9 - len(frac) {
		dst = append(dst, '0')
	}
	return append(dst, 'Z', ' ')
}

// digits returns the decimal value of s, all digits.
func digits(s []byte) (int64, bool) {
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
