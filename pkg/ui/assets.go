package ui

import (
	"embed"
	"html"
	"io/fs"
	"net/http"
	"strings"
)

// The page's files. assets/vendor/ holds the graph layout library, copied
// from its npm package by scripts/ui-assets.sh (make build, make test) and
// never committed; without it the page works but draws no graph and says
// how to get it.
//
//go:embed assets
var assetFS embed.FS

// layoutLibrary is the vendored file the graph view imports.
const layoutLibrary = "vendor/dagre.esm.js"

func assets() fs.FS {
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // the directory is embedded above
	}
	return sub
}

// HasLayoutLibrary reports whether the graph layout library was embedded.
func HasLayoutLibrary() bool {
	_, err := fs.Stat(assets(), layoutLibrary)
	return err == nil
}

// serveAsset serves one embedded file; the page is small and local, so
// nothing is cached for long.
func serveAsset(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeFileFS(w, r, assets(), r.PathValue("file"))
}

// pageSecurity are the headers of the page: scripts and connections to
// this origin only, and no framing (no clickjacking of its buttons).
func pageSecurity(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
}

// page renders index.html with the token (for the X-Stack-Token header of
// changes) and the project to open.
func page(token, project string) ([]byte, error) {
	b, err := fs.ReadFile(assets(), "index.html")
	if err != nil {
		return nil, err
	}
	r := strings.NewReplacer("{{TOKEN}}", html.EscapeString(token), "{{PROJECT}}", html.EscapeString(project))
	return []byte(r.Replace(string(b))), nil
}

// deniedPage is shown to a browser without the token.
const deniedPage = `<!doctype html><meta charset="utf-8"><title>stack ui</title>
<body style="font-family:sans-serif;margin:3em;max-width:40em">
<h1>stack ui</h1><p>This page needs the token that <code>stack ui</code> printed when it started:
open the address it printed, the one ending in <code>?token=…</code>.</p></body>`
