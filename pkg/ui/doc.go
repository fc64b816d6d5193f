// Package ui serves stack ui: one web page per project showing the
// dependency graph with live states, the start timeline, the logs and the
// everyday actions, from the same verbs as the command line. The page's
// assets are embedded; state changes reach the browser over a WebSocket
// within a fraction of a second of the engine's events.
package ui
