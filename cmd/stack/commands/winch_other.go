//go:build !unix

package commands

import "os"

// notifyResize does nothing: this platform has no SIGWINCH.
func notifyResize(chan<- os.Signal) {}
