package web

import (
	"net/http"

	"rabbitboard/board"
	"rabbitboard/words"
)

// The exchanges' and bindings' handlers.

func (s *Server) listExchanges(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.Broker.Topology(r.Context()).Exchanges)
}

func (s *Server) listBindings(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.Broker.Topology(r.Context()).Bindings)
}

// exchangeRequest is POST /api/exchanges; alternate_exchange is a
// shorthand for arguments["alternate-exchange"].
type exchangeRequest struct {
	board.ExchangeSpec
	AlternateExchange string `json:"alternate_exchange"`
}

func (s *Server) declareExchange(w http.ResponseWriter, r *http.Request) {
	var req exchangeRequest
	if err := decode(r, 64<<10, &req); err != nil {
		respondError(w, r, err)
		return
	}
	if req.AlternateExchange != "" {
		if req.Arguments == nil {
			req.Arguments = map[string]any{}
		}
		req.Arguments["alternate-exchange"] = req.AlternateExchange
	}
	x, err := s.cfg.Broker.DeclareExchange(req.ExchangeSpec)
	if err != nil {
		respondError(w, r, err)
		return
	}
	respond(w, r, http.StatusCreated, x, words.Say("done.exchange_declared", "type", x.Type, "exchange", x.Name))
}

func (s *Server) deleteExchange(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := s.cfg.Broker.DeleteExchange(name); err != nil {
		respondError(w, r, err)
		return
	}
	if wantsRedirect(r) {
		respond(w, r, 0, nil, words.Say("done.exchange_deleted", "exchange", name))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) bind(w http.ResponseWriter, r *http.Request) {
	var req board.BindingSpec
	if err := decode(r, 64<<10, &req); err != nil {
		respondError(w, r, err)
		return
	}
	b, err := s.cfg.Broker.Bind(req)
	if err != nil {
		respondError(w, r, err)
		return
	}
	respond(w, r, http.StatusCreated, b, words.Say("done.bound", "queue", b.Queue, "exchange", b.Exchange, "key", b.RoutingKey))
}

func (s *Server) unbind(w http.ResponseWriter, r *http.Request) {
	var req board.BindingSpec
	if err := decode(r, 64<<10, &req); err != nil {
		respondError(w, r, err)
		return
	}
	if err := s.cfg.Broker.Unbind(req); err != nil {
		respondError(w, r, err)
		return
	}
	if wantsRedirect(r) {
		respond(w, r, 0, nil, words.Say("done.unbound", "queue", req.Queue, "exchange", req.Exchange))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
