package web

import (
	"net/http"

	"rabbitboard/board"
	"rabbitboard/words"
)

// pace answers the pace of rabbitboard's receivers.
func (s *Server) getPace(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]float64{"pace": s.cfg.Broker.Pace()})
}

// setPace sets it (presenter): 1, 0.5, 0.25 or 0; every viewer is told.
func (s *Server) setPace(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Pace *float64 `json:"pace"`
	}
	if err := decode(r, 1<<10, &req); err != nil {
		respondError(w, r, err)
		return
	}
	if req.Pace == nil {
		respondError(w, r, badRequest("err.pace_missing"))
		return
	}
	if err := s.cfg.Broker.SetPace(*req.Pace); err != nil {
		respondError(w, r, err)
		return
	}
	respond(w, r, http.StatusOK, map[string]float64{"pace": *req.Pace}, board.PaceSaid(*req.Pace))
}

// step lets one more message through while the pace holds them.
func (s *Server) step(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Broker.Step(); err != nil {
		respondError(w, r, err)
		return
	}
	respond(w, r, http.StatusOK, map[string]float64{"pace": s.cfg.Broker.Pace()}, words.Say("done.step"))
}
