//go:build unix

package commands

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyResize relays the terminal's window-size changes to ch.
func notifyResize(ch chan<- os.Signal) {
	signal.Notify(ch, syscall.SIGWINCH)
}
