package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
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

// credential returns what the request offers as a token, if anything.
func credential(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		return strings.TrimSpace(tok), ok
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value, true
	}
	return "", false
}

// presenter says whether the request may change things.
func (a Access) presenter(r *http.Request) bool {
	if a.Token == "" {
		return true
	}
	tok, ok := credential(r)
	return ok && a.matches(tok)
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
				writeJSON(w, http.StatusForbidden, errorBody{"That presenter token is not right: ask the presenter for the link again.", "forbidden"})
				return
			}
			http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: a.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		if (a.Private || !safeMethod(r.Method)) && !a.presenter(r) {
			if r.URL.Path == "/static/style.css" || r.URL.Path == "/static/favicon.svg" || r.URL.Path == "/healthz" {
				next.ServeHTTP(w, r) // the refusal page may be styled; health is for monitors
				return
			}
			if tok, offered := credential(r); offered && tok != "" {
				writeJSON(w, http.StatusForbidden, errorBody{"That presenter token is not right, so the dashboard refused the request.", "forbidden"})
				return
			}
			what := "Only the presenter can change things on this dashboard"
			if a.Private {
				what = "This dashboard is private"
			}
			writeJSON(w, http.StatusUnauthorized, errorBody{what + ": open the link with the presenter token, or send Authorization: Bearer <token>.", "unauthorized"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
