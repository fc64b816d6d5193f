//go:build !linux

package display

import "os"

// IsTerminal reports whether f is a character device, the closest portable
// test for a terminal.
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// TerminalSize returns zeros: the size is unknown on this platform.
func TerminalSize(*os.File) (cols, rows int) { return 0, 0 }
