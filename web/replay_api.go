package web

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"rabbitboard/board"
	"rabbitboard/templates"
	"rabbitboard/words"
)

// replayRequest is a replay to start: the last seconds, or from from to to
// (RFC 3339), at a speed (1 unless said; 0 steps). A speed alone, while a
// replay is on, plays on at that speed.
type replayRequest struct {
	Last  *float64 `json:"last"`
	From  string   `json:"from"`
	To    string   `json:"to"`
	Speed *float64 `json:"speed"`
}

// maxReplayLast is the longest stretch "the last N seconds" may ask for.
const maxReplayLast = 24 * 60 * 60

// getReplay answers what the page shows, and how far back the timeline
// goes.
func (s *Server) getReplay(w http.ResponseWriter, r *http.Request) {
	ev := s.cfg.State.replay.status()
	if ev == nil {
		ev = &ReplayEvent{Type: TypeReplay, State: ShowLive, Speed: 1}
	}
	oldest, _, n := s.cfg.State.TimelineSpan()
	writeJSON(w, http.StatusOK, struct {
		*ReplayEvent
		Kept       int       `json:"kept"`
		KeptFrom   time.Time `json:"kept_from,omitzero"`
		RecordedIn string    `json:"recorded_in,omitempty"`
	}{ev, n, oldest, ""})
}

// startReplay shows every viewer a stretch of the timeline again.
func (s *Server) startReplay(w http.ResponseWriter, r *http.Request) {
	var req replayRequest
	if err := decode(r, 1<<10, &req); err != nil {
		respondError(w, r, err)
		return
	}
	speed := 1.0
	if req.Speed != nil {
		speed = *req.Speed
		if !slices.Contains(ReplaySpeeds, speed) {
			respondError(w, r, badRequest("err.replay_speed", "speed", speed))
			return
		}
	}
	if req.Last == nil && req.From == "" && req.To == "" {
		// A speed alone changes the replay that is on.
		if req.Speed == nil {
			respondError(w, r, badRequest("err.replay_what"))
			return
		}
		answerReplay(w, r)(s.cfg.State.replay.setSpeed(speed))
		return
	}
	from, to, err := replayStretch(req, s.replayNow())
	if err != nil {
		respondError(w, r, err)
		return
	}
	ev, err := s.cfg.State.Replay(from, to, speed, "")
	if err != nil {
		respondError(w, r, err)
		return
	}
	respond(w, r, http.StatusOK, ev, replaySaid(ev))
}

// replayFile plays a downloaded timeline on every page (the replay bar's
// file, as multipart "timeline", or the file as the body), from its start
// at 1x; Live ends it as any replay.
func (s *Server) replayFile(w http.ResponseWriter, r *http.Request) {
	body, name, err := timelineUpload(w, r)
	if err != nil {
		respondError(w, r, err)
		return
	}
	defer body.Close()
	lines, err := ReadTimeline(body, max(s.cfg.Limits.MaxCount, DefaultTimelineEvents))
	if err != nil || len(lines) == 0 {
		respondError(w, r, badRequest("err.republish_read", "reason", cmp.Or(err, errNoEvent)))
		return
	}
	entries := make([]timelineEntry, len(lines))
	for i, l := range lines {
		entries[i] = timelineEntry{seq: l.Seq, at: l.At, data: l.Event}
	}
	ev := s.cfg.State.replay.start(entries, entries[0].at, time.Time{}, 1, name, nil)
	respond(w, r, http.StatusOK, ev, replaySaid(ev))
}

var errNoEvent = errors.New("it holds no event")

// replayStretch is the stretch a request asks for.
func replayStretch(req replayRequest, now time.Time) (from, to time.Time, err error) {
	if req.Last != nil {
		if req.From != "" || req.To != "" {
			return from, to, badRequest("err.replay_both")
		}
		if *req.Last <= 0 || *req.Last > maxReplayLast {
			return from, to, badRequest("err.replay_last", "last", *req.Last)
		}
		return now.Add(-time.Duration(*req.Last * float64(time.Second))), time.Time{}, nil
	}
	bounds := [2]*time.Time{&from, &to}
	for i, v := range []string{req.From, req.To} {
		if v == "" {
			continue
		}
		at, perr := time.Parse(time.RFC3339Nano, v)
		if perr != nil {
			return from, to, badRequest("err.timeline_time", "field", []string{"from", "to"}[i], "value", strconv.Quote(v))
		}
		*bounds[i] = at
	}
	if !to.IsZero() && !from.IsZero() && !to.After(from) {
		return from, to, badRequest("err.replay_order")
	}
	return from, to, nil
}

// stepReplay shows one more event of the replay ({"by": 1}) or one fewer
// ({"by": -1}).
func (s *Server) stepReplay(w http.ResponseWriter, r *http.Request) {
	var req struct {
		By *int `json:"by"`
	}
	if err := decode(r, 1<<10, &req); err != nil {
		respondError(w, r, err)
		return
	}
	by := 1
	if req.By != nil {
		by = *req.By
	}
	if by != 1 && by != -1 {
		respondError(w, r, badRequest("err.replay_by", "by", by))
		return
	}
	answerReplay(w, r)(s.cfg.State.replay.step(by))
}

// answerReplay answers a change to the replay that is on: what it shows
// now, or 409 when none is on.
func answerReplay(w http.ResponseWriter, r *http.Request) func(ev ReplayEvent, on bool) {
	return func(ev ReplayEvent, on bool) {
		if !on {
			respondError(w, r, board.Fail(board.CodeConflict, "err.replay_none"))
			return
		}
		respond(w, r, http.StatusOK, ev, replaySaid(ev))
	}
}

// liveAgain ends the replay: every page shows live again.
func (s *Server) liveAgain(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Replay != "" {
		respondError(w, r, board.Fail(board.CodeConflict, "err.replay_file_live"))
		return
	}
	s.cfg.State.replay.stop()
	respond(w, r, http.StatusOK, ReplayEvent{Type: TypeReplay, State: ShowLive, Speed: 1}, words.Say("done.live"))
}

// replaySaid says what a replay shows.
func replaySaid(ev ReplayEvent) words.Sentence {
	at := ev.At.Local().Format("15:04:05")
	switch {
	case ev.Speed == 0:
		return words.Say("done.replay_step", "at", at, "shown", ev.Shown, "total", ev.Total)
	default:
		return words.Say("done.replay", "at", at, "total", ev.Total, "speed", ev.Speed)
	}
}

// Replay shows every viewer the kept events from from to to (zero: no
// bound) again, at speed (0: step by step); file names a recorded
// timeline being played.
func (s *State) Replay(from, to time.Time, speed float64, file string) (ReplayEvent, error) {
	entries := s.Timeline(0, from, to)
	if len(entries) == 0 {
		return ReplayEvent{}, board.Fail(board.CodeConflict, "err.replay_empty")
	}
	if from.IsZero() {
		from = entries[0].at
	}
	now := func(id string) json.RawMessage {
		info, ok := s.Receiver(id)
		if !ok {
			return nil
		}
		data, _ := json.Marshal(info)
		return data
	}
	return s.replay.start(entries, from, to, speed, file, now), nil
}

// TimelineSpan is the times of the oldest and newest events kept, and
// how many are.
func (s *State) TimelineSpan() (oldest, newest time.Time, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.timeline.span(time.Now())
}

// replayNow is the time "the last N seconds" end at: now, or the end of
// the recorded timeline played.
func (s *Server) replayNow() time.Time {
	if s.cfg.Replay != "" {
		if _, newest, n := s.cfg.State.TimelineSpan(); n > 0 {
			return newest
		}
	}
	return time.Now()
}

// replayView is the replay bar of a page in lang.
func (s *Server) replayView(ev *ReplayEvent) templates.ReplayView {
	v := templates.ReplayView{Speeds: ReplaySpeeds, File: s.cfg.Replay, Speed: 1}
	oldest, _, n := s.cfg.State.TimelineSpan()
	v.KeptSeconds = 30
	if n > 0 {
		v.KeptSeconds = max(30, int(s.replayNow().Sub(oldest).Seconds()+4)/5*5)
	}
	if ev != nil {
		v.On, v.Speed, v.At, v.Shown, v.Total, v.Ended = true, ev.Speed, ev.At, ev.Shown, ev.Total, ev.Ended
	}
	return v
}
