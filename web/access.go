package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"

	"rabbitboard/board"
	"rabbitboard/words"
)

const sessionCookie = "rabbitboard_session"

// Access decides who may read and who may change things.
type Access struct {
	// Token, when set, is needed for every request that changes something:
	// as "Authorization: Bearer <token>" or the cookie that opening
	// /?token=<token> once sets. Empty: everyone may do everything.
	Token string
	// Private closes reading too.
	Private bool
}

// tokenHash is compared instead of the token so the comparison takes the
// same time whatever the length of what was sent.
func tokenHash(s string) [32]byte { return sha256.Sum256([]byte("rabbitboard:" + s)) }

func (a Access) matches(given string) bool {
	want, got := tokenHash(a.Token), tokenHash(given)
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

// sessionKey makes session cookies of this process only.
var sessionKey = []byte(rand.Text())

// session is the cookie's value: derived from the token with a key that
// lives as long as the process, so the cookie (which browsers also send to
// other servers on the same host, whatever their port) never holds the
// token itself and stops working when the dashboard restarts.
func (a Access) session() string {
	m := hmac.New(sha256.New, sessionKey)
	m.Write([]byte(a.Token))
	return hex.EncodeToString(m.Sum(nil))
}

// presenter says whether the request may change things: it carries the
// token as "Authorization: Bearer" or the session cookie. Another kind of
// Authorization (a proxy's Basic, say) does not hide the cookie.
func (a Access) presenter(r *http.Request) bool {
	if a.Token == "" {
		return true
	}
	if tok, ok := bearer(r); ok {
		return a.matches(tok)
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return hmac.Equal([]byte(c.Value), []byte(a.session()))
	}
	return false
}

func bearer(r *http.Request) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return strings.TrimSpace(tok), ok
}

// offered says whether the request carries a credential at all.
func offered(r *http.Request) bool {
	if tok, ok := bearer(r); ok {
		return tok != ""
	}
	c, err := r.Cookie(sessionCookie)
	return err == nil && c.Value != ""
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// guard refuses what the request may not do: 401 without credentials,
// 403 with wrong ones. Opening /?token=<token> sets the session cookie and
// sends the browser back to / so the token leaves the address bar.
func (a Access) guard(next http.Handler) http.Handler {
	if a.Token == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && r.URL.Query().Has("token") {
			if !a.matches(r.URL.Query().Get("token")) {
				writeError(w, r, http.StatusForbidden, board.CodeForbidden, words.Say("err.token_wrong_link"))
				return
			}
			http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: a.session(), Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		if (a.Private || !safeMethod(r.Method)) && !a.presenter(r) {
			if r.URL.Path == "/static/style.css" || r.URL.Path == "/static/favicon.svg" || r.URL.Path == "/healthz" {
				next.ServeHTTP(w, r) // the refusal page may be styled; health is for monitors
				return
			}
			if offered(r) {
				writeError(w, r, http.StatusForbidden, board.CodeForbidden, words.Say("err.token_wrong"))
				return
			}
			what := "err.presenter_only"
			if a.Private {
				what = "err.private"
			}
			writeError(w, r, http.StatusUnauthorized, board.CodeUnauthorized, words.Say(what))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackHosts are the names a dashboard listening on a loopback address
// always answers to.
var loopbackHosts = []string{"localhost", "127.0.0.1", "::1"}

// allowedHosts is the set of Host names served: on a loopback listener the
// loopback names and the configured ones, so a web page whose own name an
// attacker pointed at 127.0.0.1 (DNS rebinding) reaches nothing; elsewhere
// the configured ones, or any when none are configured (the token guards).
func allowedHosts(listener net.Addr, configured []string) map[string]bool {
	hosts := map[string]bool{}
	if tcp, ok := listener.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		for _, h := range loopbackHosts {
			hosts[h] = true
		}
	} else if len(configured) == 0 {
		return nil
	}
	for _, h := range configured {
		hosts[strings.ToLower(strings.Trim(h, "[]"))] = true
	}
	return hosts
}

// hostName is the request's Host without its port, lower case.
func hostName(r *http.Request) string {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(strings.Trim(host, "[]"))
}

// checkHost answers 421 to a request for a Host the dashboard does not
// serve, before any handler (and any WebSocket upgrade) sees it.
func checkHost(hosts func() map[string]bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allowed := hosts()
		if allowed != nil && !allowed[hostName(r)] {
			names := slices.Sorted(maps.Keys(allowed))
			writeError(w, r, http.StatusMisdirectedRequest, board.CodeForbidden, words.Say("err.host", "names", strings.Join(names, ", "), "host", hostName(r)))
			return
		}
		next.ServeHTTP(w, r)
	})
}
