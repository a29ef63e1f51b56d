package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rabbitboard/board"
	"rabbitboard/words"
)

// errorBody is the contract's error object.
type errorBody struct {
	Error string     `json:"error"`
	Code  board.Code `json:"code"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// errorStatus maps an error to the contract's status, code and sentence;
// a failure rabbitboard did not foresee says only "Internal error".
func errorStatus(err error) (int, board.Code, words.Saying) {
	var me *board.Error
	if !errors.As(err, &me) {
		return http.StatusInternalServerError, board.CodeInternal, words.Say("err.internal")
	}
	status, code := http.StatusInternalServerError, me.Code
	switch me.Code {
	case board.CodeInvalid, board.CodeCommandInvalid, board.CodeNotAllowed:
		status = http.StatusBadRequest
	case board.CodeTooLarge:
		status = http.StatusRequestEntityTooLarge
	case board.CodePreconditionFailed, board.CodeResourceLocked, board.CodeNotOwned:
		status = http.StatusConflict
	case board.CodeAccessRefused:
		status = http.StatusForbidden
	case board.CodeBrokerNotFound, board.CodeNotFound:
		status = http.StatusNotFound
	case board.CodeUnavailable, board.CodeManagementUnavailable:
		status = http.StatusServiceUnavailable
	case board.CodeLimit:
		status = http.StatusTooManyRequests
	case board.CodeConflict:
		status, code = http.StatusConflict, board.CodeInvalid
	}
	return status, code, me
}

// badRequest is input the dashboard refuses before asking the broker.
func badRequest(key string, args ...any) error { return board.Fail(board.CodeInvalid, key, args...) }

// tooLarge is input over one of the dashboard's limits.
func tooLarge(key string, args ...any) error { return board.Fail(board.CodeTooLarge, key, args...) }

// wantsRedirect says whether to answer a plain form post with 303 back to
// the page rather than with JSON.
func wantsRedirect(r *http.Request) bool {
	return isForm(r) && !strings.Contains(r.Header.Get("Accept"), "application/json")
}

// flash is an outcome shown once on the page after a form post.
type flash struct {
	OK   bool   `json:"ok"`
	Text string `json:"text"`
}

const flashCookie = "rabbitboard_flash"

// respond answers a state-changing request that succeeded: JSON for
// scripts and the page's JavaScript, or 303 back to the page with the
// outcome for a plain form.
func respond(w http.ResponseWriter, r *http.Request, status int, v any, done words.Saying) {
	respondFlash(w, r, status, v, true, done)
}

// flashHeader carries the outcome's sentence with a JSON answer, so the
// page's script shows the same words a plain form gets (percent-encoded:
// a header holds no other text safely).
const flashHeader, flashOKHeader = "X-Rabbitboard-Flash", "X-Rabbitboard-Flash-Ok"

// respondFlash is respond with an outcome that may not be a success.
func respondFlash(w http.ResponseWriter, r *http.Request, status int, v any, ok bool, said words.Saying) {
	f := flash{OK: ok, Text: said.In(requestLang(r))}
	if wantsRedirect(r) {
		redirectWithFlash(w, r, f)
		return
	}
	w.Header().Set(flashHeader, url.PathEscape(f.Text))
	w.Header().Set(flashOKHeader, strconv.FormatBool(f.OK))
	writeJSON(w, status, v)
}

func respondError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, said := errorStatus(err)
	if code == board.CodeInternal {
		slog.Error("internal error", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	if wantsRedirect(r) && status != http.StatusUnauthorized && status != http.StatusForbidden {
		redirectWithFlash(w, r, flash{OK: false, Text: said.In(requestLang(r))})
		return
	}
	writeError(w, r, status, code, said)
}

// writeError answers with the contract's error object, its sentence in
// the language the request asks for.
func writeError(w http.ResponseWriter, r *http.Request, status int, code board.Code, said words.Saying) {
	writeJSON(w, status, errorBody{said.In(requestLang(r)), code})
}

// requestLang is the language a request asks for: the page's switch's
// cookie, else Accept-Language, else English.
func requestLang(r *http.Request) words.Lang {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := words.ParseLang(c.Value); ok {
			return l
		}
	}
	return words.Match(r.Header.Get("Accept-Language"))
}

// redirectWithFlash sends a form's poster back to the page, which shows
// the outcome (already in the request's language) once.
func redirectWithFlash(w http.ResponseWriter, r *http.Request, f flash) {
	data, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{
		Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(data),
		Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: 60,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// takeFlash reads the outcome of the last form post once and clears it.
func takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	data, err := base64.RawURLEncoding.DecodeString(c.Value)
	var f flash
	if err != nil || json.Unmarshal(data, &f) != nil {
		return nil
	}
	return &f
}
