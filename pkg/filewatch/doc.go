// Package filewatch watches directory trees for changes and delivers them
// in batches: a burst of changes (an editor's save, a git checkout, a
// build writing a hundred files) arrives as one batch of paths, so that
// whoever acts on it acts once. It knows files, not containers or Compose.
package filewatch
