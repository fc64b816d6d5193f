package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Who may do what: every request but the static assets carries the token,
// in the session cookie (set when the page is opened with ?token=) or the
// X-Stack-Token header; a change (POST) needs the header, which a page of
// another site cannot set, and must come from this origin.

// TokenHeader carries the token of a request that changes something.
const TokenHeader = "X-Stack-Token"

// NewToken returns a random token for one run of stack ui.
func NewToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// cookieName is per port: browsers share cookies between the ports of a
// host, and two stack ui may run side by side.
func cookieName(r *http.Request) string {
	_, port, err := net.SplitHostPort(r.Host)
	if err != nil || port == "" {
		port = "80"
	}
	return "stack_ui_" + port
}

func (s *Server) validToken(t string) bool {
	return t != "" && subtle.ConstantTimeCompare([]byte(t), []byte(s.o.Token)) == 1
}

// authorized reports whether r may read: the cookie or the header.
func (s *Server) authorized(r *http.Request) bool {
	if s.validToken(r.Header.Get(TokenHeader)) {
		return true
	}
	c, err := r.Cookie(cookieName(r))
	return err == nil && s.validToken(c.Value)
}

// errToken is the answer to a request without the token.
var errToken = errors.New("missing or wrong token: open the address stack ui printed (with ?token=), or send the X-Stack-Token header")

// checkChange reports why r may not change anything: no token header, a
// foreign origin, or a read-only server.
func (s *Server) checkChange(r *http.Request) error {
	if !s.validToken(r.Header.Get(TokenHeader)) {
		return errToken
	}
	if err := sameOrigin(r); err != nil {
		return err
	}
	if s.o.ReadOnly {
		return errors.New("read-only: stack ui was started with --read-only")
	}
	return nil
}

// sameOrigin refuses requests a browser marks as coming from another site.
func sameOrigin(r *http.Request) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return errors.New("cross-site request refused")
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return errors.New("request from another origin refused: " + o)
		}
	}
	return nil
}

// loopbackHost reports whether a Host header names this machine's
// loopback: a page of another site that resolves its name to 127.0.0.1
// (DNS rebinding) sends its own name.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsLoopback reports whether addr (host:port) listens on loopback only.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// setSession stores the token in the session cookie: HttpOnly, so the
// page's scripts never read it, and SameSite=Strict, so no other site's
// request carries it.
func setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName(r), Value: token, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}
