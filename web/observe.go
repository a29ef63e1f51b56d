package web

import (
	"net/http"
	"unicode/utf8"

	"rabbitboard/words"
)

// The handlers of observing other programs.

func (s *Server) observeStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.Broker.ObserveStatus())
}

func (s *Server) observe(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Enabled *bool `json:"enabled"`
		// Filter limits observing to names that contain it ("" for all).
		Filter *string `json:"filter"`
	}
	if err := decode(r, 4<<10, &req); err != nil {
		respondError(w, r, err)
		return
	}
	if req.Filter != nil {
		if len(*req.Filter) > 255 || !utf8.ValidString(*req.Filter) {
			respondError(w, r, badRequest("err.filter"))
			return
		}
		st := s.cfg.Broker.SetObserveFilter(*req.Filter)
		if req.Enabled == nil {
			respond(w, r, http.StatusOK, st, observeFilterSaid(*req.Filter))
			return
		}
	}
	if req.Enabled == nil {
		respondError(w, r, badRequest("err.observe_switch"))
		return
	}
	st, err := s.cfg.Broker.Observe(r.Context(), *req.Enabled)
	if err != nil {
		respondError(w, r, err)
		return
	}
	done := words.Say("done.observe_off")
	if st.Enabled {
		done = words.Say("done.observe_on")
	}
	respond(w, r, http.StatusOK, st, done)
}

// observeFilterSaid says what a filter of observing does.
func observeFilterSaid(filter string) words.Sentence {
	if filter == "" {
		return words.Say("done.observe_all")
	}
	return words.Say("done.observe_filter", "filter", filter)
}

// clearGone is POST /api/observe/clear-gone: the columns of other
// programs' consumers that are gone leave the view.
func (s *Server) clearGone(w http.ResponseWriter, r *http.Request) {
	n := s.cfg.Broker.ClearGone()
	respond(w, r, http.StatusOK, map[string]int{"removed": n}, words.Say("done.cleared", "count", n))
}
