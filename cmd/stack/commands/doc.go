// Package commands is the command line of stack: a cobra command per verb,
// each turning its flags into one call of pkg/stack, and Main, which owns
// signals, prints errors once and maps them to exit codes.
package commands
