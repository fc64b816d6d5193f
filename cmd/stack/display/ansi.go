package display

// SGR sequences used by the renderers.
const (
	sgrReset  = "\x1b[0m"
	sgrRed    = "\x1b[31m"
	sgrGreen  = "\x1b[32m"
	sgrYellow = "\x1b[33m"
	sgrDim    = "\x1b[2m"
)

// palette is the cycle of colours given to services in logs, as Compose
// does: the six normal colours but red (kept for errors), then their bright
// variants.
var palette = [...]string{
	"\x1b[36m", "\x1b[33m", "\x1b[32m", "\x1b[35m", "\x1b[34m",
	"\x1b[96m", "\x1b[93m", "\x1b[92m", "\x1b[95m", "\x1b[94m",
}

// Cursor movement of the live view.
const (
	clearLine   = "\x1b[2K"
	clearToEnd  = "\x1b[0J"
	cursorUpFmt = "\x1b[%dF" // to the start of the line n lines up
)
