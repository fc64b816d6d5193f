// Package display renders what the stack verbs report: progress events as a
// live TTY view, plain lines or JSON lines; container logs with aligned,
// coloured prefixes; the dependency graph; and container listings. It only
// writes to the writers it is given.
package display
