//go:build race

package e2e

// raceEnabled reports whether the test binary was built with -race; the stack
// binary under test is then built with -race too.
const raceEnabled = true
