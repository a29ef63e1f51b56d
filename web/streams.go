package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rabbitboard/board"
	"rabbitboard/templates"
)

// A stream's log holds more than a page shows; one look reads at most this
// many messages.
const (
	streamPageSize = 20
	streamMaxRead  = 500
	// managementWait bounds a question to the management API.
	managementWait = 5 * time.Second
)

// StreamLogBody is GET /api/queues/{name}/log: the stream's log and the
// programs reading it over the stream protocol.
type StreamLogBody struct {
	board.StreamLog
	Readers []board.StreamReader `json:"readers"`
	// ReadersError says why the readers are unknown (no stream plugin).
	ReadersError string `json:"readers_error,omitempty"`
}

// streamFrom reads ?from= (an offset; empty: the last messages) and
// ?limit= (1..streamMaxRead).
func streamFrom(r *http.Request) (from int64, limit int, err error) {
	from, limit = -1, streamPageSize
	if v := strings.TrimSpace(r.URL.Query().Get("from")); v != "" {
		if from, err = strconv.ParseInt(v, 10, 64); err != nil || from < 0 {
			return 0, 0, badRequest("err.log_from", "value", fmt.Sprintf("%q", v))
		}
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > streamMaxRead {
			return 0, 0, badRequest("err.log_limit", "max", streamMaxRead, "value", fmt.Sprintf("%q", v))
		}
	}
	return from, limit, nil
}

func (s *Server) readStream(r *http.Request) (StreamLogBody, int64, error) {
	from, limit, err := streamFrom(r)
	if err != nil {
		return StreamLogBody{}, 0, err
	}
	name := r.PathValue("name")
	if name == "" {
		name = r.URL.Query().Get("name")
	}
	log, err := s.cfg.Broker.ReadStream(name, from, limit)
	if err != nil {
		return StreamLogBody{}, 0, err
	}
	body := StreamLogBody{StreamLog: log}
	ctx, cancel := context.WithTimeout(r.Context(), managementWait)
	defer cancel()
	if body.Readers, err = s.cfg.Broker.StreamReaders(ctx, log.Stream); err != nil {
		body.Readers, body.ReadersError = []board.StreamReader{}, err.Error()
	}
	return body, from, nil
}

func (s *Server) streamLog(w http.ResponseWriter, r *http.Request) {
	body, _, err := s.readStream(r)
	if err != nil {
		respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// streamPage is the log as a page of its own: plain HTML, no script.
func (s *Server) streamPage(w http.ResponseWriter, r *http.Request) {
	lang := pageLang(w, r)
	body, from, err := s.readStream(r)
	if err != nil {
		respondError(w, r, err)
		return
	}
	p := templates.StreamPage{Log: body.StreamLog, Readers: body.Readers, ReadersError: body.ReadersError, Lang: lang, Theme: pageTheme(w, r)}
	if from >= 0 {
		p.From = strconv.FormatInt(from, 10)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", pagePolicy)
	w.Header().Set("Content-Language", string(lang))
	if err := templates.Stream(p).Render(templates.WithLang(r.Context(), lang), w); err != nil {
		s.log.Warn("rendering the stream page failed", "error", err)
	}
}
