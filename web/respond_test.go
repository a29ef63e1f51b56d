package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"rabbitboard/board"
)

// A failure rabbitboard did not foresee says "Internal error" to the user,
// in either language, and keeps its details for the log.
func TestInternalErrorsKeepTheirDetails(t *testing.T) {
	for _, lang := range []string{"en", "ko"} {
		req := httptest.NewRequest(http.MethodPost, "/api/queues", nil)
		req.Header.Set("Accept-Language", lang)
		w := httptest.NewRecorder()
		respondError(w, req, errors.New("dial tcp 10.0.0.7:5672: secret detail"))
		body := w.Body.String()
		if w.Code != http.StatusInternalServerError || strings.Contains(body, "secret detail") || !strings.Contains(body, `"code":"`+string(board.CodeInternal)+`"`) {
			t.Fatalf("%s: %d %s", lang, w.Code, body)
		}
		if want := map[string]string{"en": "Internal error:", "ko": "내부 오류:"}[lang]; !strings.Contains(body, want) {
			t.Fatalf("%s: %s lacks %q", lang, body, want)
		}
	}
}
