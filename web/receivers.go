package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"rabbitboard/board"
	"rabbitboard/mq"
	"rabbitboard/words"
)

// The receivers' handlers: list, add, pause, resume, kill, remove and
// settle deliveries.

// listReceivers lists this replica's receivers as they are now and, in a
// cluster, the other replicas' as their events last told.
func (s *Server) listReceivers(w http.ResponseWriter, r *http.Request) {
	own := s.cfg.Broker.Receivers()
	if s.cfg.Replicas == nil {
		writeJSON(w, http.StatusOK, own)
		return
	}
	self := s.cfg.Replicas.Self()
	list := own
	for _, info := range s.cfg.State.Receivers() {
		if info.Replica != self {
			list = append(list, info)
		}
	}
	writeJSON(w, http.StatusOK, list)
}

// getReceiver answers with a receiver of this replica as it is now, or one
// of another replica as its events last told.
func (s *Server) getReceiver(w http.ResponseWriter, r *http.Request) {
	if info, ok := s.cfg.State.Receiver(r.PathValue("id")); ok && s.cfg.Replicas != nil && info.Replica != s.cfg.Replicas.Self() {
		writeJSON(w, http.StatusOK, info)
		return
	}
	rc, err := s.cfg.Broker.Receiver(r.PathValue("id"))
	if err != nil {
		respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rc.Info())
}

func (s *Server) addReceiver(w http.ResponseWriter, r *http.Request) {
	var spec board.ReceiverSpec
	if err := decode(r, 64<<10, &spec); err != nil {
		respondError(w, r, err)
		return
	}
	info, err := s.cfg.Broker.AddReceiver(spec)
	if err != nil {
		respondError(w, r, err)
		return
	}
	respond(w, r, http.StatusCreated, info, words.Say("done.receiver_added", "receiver", info.Name, "queue", info.Queue, "prefetch", info.Prefetch, "ack", info.Ack))
}

func (s *Server) receiverAction(action board.Action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rc, err := s.cfg.Broker.Receiver(r.PathValue("id"))
		if err != nil {
			respondError(w, r, err)
			return
		}
		if action == board.ActionDelete {
			gone, err := removeWithin(rc)
			if err != nil {
				respondError(w, r, err)
				return
			}
			if !gone {
				respond(w, r, http.StatusAccepted, rc.Info(), words.Say("done.finishing", "receiver", rc.Info().Name))
				return
			}
			if wantsRedirect(r) {
				respond(w, r, 0, nil, words.Say("done.receiver_removed", "receiver", rc.Info().Name))
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if err := rc.Do(action); err != nil {
			respondError(w, r, err)
			return
		}
		info := rc.Info()
		respond(w, r, http.StatusOK, info, words.Say("done.state", "receiver", info.Name, "state", words.Say("state."+string(info.State))))
	}
}

// removeWait is how long a removal waits for a receiver in the middle of
// long work to finish it.
const removeWait = 2 * time.Second

// removeWithin removes a receiver and says whether it is gone within
// removeWait; if not, it is stopping and goes once its work is done.
func removeWithin(rc *mq.Receiver) (gone bool, err error) {
	if err := rc.Do(board.ActionDelete); err != nil {
		return false, err
	}
	select {
	case <-rc.Done():
		return true, nil
	case <-time.After(removeWait):
		return false, nil
	}
}

func (s *Server) settle(w http.ResponseWriter, r *http.Request) {
	tag, err := strconv.ParseUint(r.PathValue("tag"), 10, 64)
	if err != nil || tag == 0 {
		respondError(w, r, badRequest("err.tag", "value", fmt.Sprintf("%q", r.PathValue("tag"))))
		return
	}
	outcome := board.Outcome(r.PathValue("outcome"))
	if !outcome.Chosen() {
		respondError(w, r, board.Fail(board.CodeNotFound, "err.outcome_path", "value", string(outcome)))
		return
	}
	req := struct {
		Requeue *bool `json:"requeue"`
	}{}
	if err := decode(r, 4<<10, &req); err != nil {
		respondError(w, r, err)
		return
	}
	requeue := req.Requeue == nil || *req.Requeue
	rc, err := s.cfg.Broker.Receiver(r.PathValue("id"))
	if err == nil {
		err = rc.Settle(tag, outcome, requeue && outcome != board.OutcomeAck)
	}
	if err != nil {
		respondError(w, r, err)
		return
	}
	info := rc.Info()
	respond(w, r, http.StatusOK, info, words.Say("done.settled", "receiver", info.Name, "tag", tag, "outcome", words.Say("word."+strings.TrimSuffix(string(outcome), "e")+"ed")))
}
