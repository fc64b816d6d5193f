package display

import (
	"os"
	"syscall"
	"unsafe"
)

// IsTerminal reports whether f is a terminal. On Linux it asks the tty
// driver, so /dev/null, which is a character device too, is not one.
func IsTerminal(f *os.File) bool {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}

// TerminalSize returns the columns and rows of the terminal f, or zeros
// when f is not a terminal.
func TerminalSize(f *os.File) (cols, rows int) {
	var ws struct{ Row, Col, X, Y uint16 }
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TIOCGWINSZ, uintptr(unsafe.Pointer(&ws)))
	if errno != 0 {
		return 0, 0
	}
	return int(ws.Col), int(ws.Row)
}
