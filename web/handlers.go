package web

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"rabbitboard/board"
	"rabbitboard/hub"
	"rabbitboard/mq"
	"rabbitboard/templates"
	"rabbitboard/words"
)

// langCookie keeps the language a viewer chose with the page's switch.
const langCookie = "rabbitboard_lang"

// pageLang is the language of the page: ?lang= (which the switch sends,
// and which is kept in a cookie), else the cookie, else the browser's
// Accept-Language, else English.
func pageLang(w http.ResponseWriter, r *http.Request) words.Lang {
	if l, ok := words.ParseLang(r.URL.Query().Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
		return l
	}
	return requestLang(r)
}

// themeCookie keeps the colour theme a viewer chose with the switch.
const themeCookie = "rabbitboard_theme"

// pageTheme is the page's colour theme: ?theme= (which the switch sends,
// and which is kept in a cookie), else the cookie, else "auto" (what the
// browser prefers).
func pageTheme(w http.ResponseWriter, r *http.Request) string {
	if t := r.URL.Query().Get("theme"); slices.Contains(templates.Themes, t) {
		http.SetCookie(w, &http.Cookie{Name: themeCookie, Value: t, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
		return t
	}
	if c, err := r.Cookie(themeCookie); err == nil && slices.Contains(templates.Themes, c.Value) {
		return c.Value
	}
	return templates.Themes[0]
}

// pagePolicy is the pages' Content-Security-Policy: nothing but their own.
const pagePolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	lang := pageLang(w, r)
	snap := s.cfg.State.Snapshot()
	recent := map[string][]board.DeliveryEvent{}
	settled := map[string]board.Outcome{}
	for _, d := range snap.Recent {
		recent[d.Receiver] = append(recent[d.Receiver], d.DeliveryEvent)
		settled[d.Receiver+"/"+strconv.FormatInt(d.Seq, 10)] = d.Settled
	}
	page := templates.Page{
		Broker: snap.Broker, Queues: snap.Queues, Receivers: snap.Receivers,
		Recent: recent, Settled: settled, Survival: snap.Survival, Exchanges: snap.Exchanges, Bindings: snap.Bindings, Observe: snap.Observe, Observed: snap.Observed, Lesson: snap.Lesson, Confirms: snap.Confirms, Pace: snap.Pace, Stage: r.URL.Query().Get("view") == "stage", Lang: lang, Theme: pageTheme(w, r), Presenter: s.cfg.Access.presenter(r), Limits: templates.Limits{MaxCount: s.cfg.Limits.MaxCount},
	}
	page.Replay = s.replayView(snap.Replay)
	for _, pr := range offeredLessons(s.cfg.Broker.Nodes() > 1) {
		page.Lessons = append(page.Lessons, templates.Lesson{Name: pr.Name, Chapter: lang.Lesson(pr.Name, "chapter", pr.Chapter), Title: lang.Lesson(pr.Name, "title", pr.Title), Watch: lang.Lesson(pr.Name, "watch", pr.Watch), Programs: pr.Programs})
	}
	if f := takeFlash(w, r); f != nil {
		page.Flash, page.FlashOK = f.Text, f.OK
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", pagePolicy)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if page.Lesson.Name != "" {
		// As the event says it; a lesson recorded before events said it
		// in every language is said from the catalogue by its name.
		page.Lesson.Title = page.Lesson.TitleSaid.In(lang, lang.Lesson(page.Lesson.Name, "title", page.Lesson.Title))
		page.Lesson.Watch = page.Lesson.WatchSaid.In(lang, lang.Lesson(page.Lesson.Name, "watch", page.Lesson.Watch))
	}
	w.Header().Set("Content-Language", string(lang))
	w.Header().Set("Vary", "Accept-Language, Cookie")
	if err := templates.Dashboard(page).Render(templates.WithLang(r.Context(), lang), w); err != nil {
		s.log.Warn("rendering the page failed", "error", err)
	}
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Replay != "" {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "broker": board.BrokerReplay})
		return
	}
	if st := s.cfg.Broker.State(); st.State == board.BrokerConnected {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "broker": board.BrokerConnected, "node": st.Node})
		return
	}
	writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "degraded", "broker": board.BrokerDown})
}

func (s *Server) websocket(w http.ResponseWriter, r *http.Request) {
	deliveries := hub.FullDeliveries
	switch v := r.URL.Query().Get("deliveries"); v {
	case "", "full":
	case "brief":
		deliveries = hub.BriefDeliveries
	default:
		writeError(w, r, http.StatusBadRequest, board.CodeInvalid, words.Say("err.ws_deliveries", "value", v))
		return
	}
	// The upgrader's default origin check refuses a page of another site
	// with 403; requests without Origin (scripts) are allowed.
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	client, err := s.cfg.State.Join(conn, deliveries)
	if err != nil {
		_ = conn.Close()
		return
	}
	// The viewer is served on a goroutine of its own: this one's stack grew
	// through the request's handlers and the snapshot's encoding, and would
	// be held for as long as the viewer stays.
	go client.Serve()
}

// stats tells operators how the dashboard itself is doing; the process's
// insides only to the presenter.
func (s *Server) stats(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.Access.presenter(r) {
		writeJSON(w, http.StatusOK, s.cfg.State.viewers.Stats())
		return
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	// Dropped: what came from the broker as from another replica and was
	// not acted on (not sealed with the cluster's key, stale, replayed, out
	// of place, or an event beyond what that replica may say).
	var dropped int64
	if s.cfg.Replicas != nil {
		dropped = s.cfg.Replicas.Dropped() + s.cfg.State.RemoteDropped()
	}
	events, size := s.cfg.State.TimelineSize()
	writeJSON(w, http.StatusOK, struct {
		hub.Stats
		Goroutines     int    `json:"goroutines"`
		HeapBytes      uint64 `json:"heap_bytes"`
		ReplicaDropped int64  `json:"replica_messages_dropped"`
		TimelineEvents int    `json:"timeline_events"`
		TimelineBytes  int    `json:"timeline_bytes"`
	}{s.cfg.State.viewers.Stats(), runtime.NumGoroutine(), ms.HeapAlloc, dropped, events, size})
}

// Queues

func (s *Server) listQueues(w http.ResponseWriter, r *http.Request) {
	qs, err := s.cfg.Broker.Queues(r.Context())
	if err != nil {
		respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, qs)
}

func (s *Server) getQueue(w http.ResponseWriter, r *http.Request) {
	q, err := s.cfg.Broker.InspectQueue(r.PathValue("name"))
	if err != nil {
		respondError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, q)
}

func (s *Server) declareQueue(w http.ResponseWriter, r *http.Request) {
	var req board.QueueSpec
	if err := decode(r, 64<<10, &req); err != nil {
		respondError(w, r, err)
		return
	}
	q, err := s.cfg.Broker.DeclareQueue(req)
	if err != nil {
		respondError(w, r, err)
		return
	}
	respond(w, r, http.StatusCreated, q, words.Say("done.queue_declared", "queue", q.Name, "messages", q.Messages, "consumers", q.Consumers))
}

// queueName is the queue a request names: in its path, or for the
// POST /api/queues/delete and /purge forms in its body, which carry any
// name (a browser turns a path segment "." or ".." into a step up).
func queueName(r *http.Request) (string, error) {
	if name := r.PathValue("name"); name != "" {
		return name, nil
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(r, 4<<10, &req); err != nil {
		return "", err
	}
	return req.Name, nil
}

func (s *Server) deleteQueue(w http.ResponseWriter, r *http.Request) {
	name, err := queueName(r)
	if err != nil {
		respondError(w, r, err)
		return
	}
	if err := s.cfg.Broker.DeleteQueue(name); err != nil {
		respondError(w, r, err)
		return
	}
	if wantsRedirect(r) {
		respond(w, r, 0, nil, words.Say("done.queue_deleted", "queue", name))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) purgeQueue(w http.ResponseWriter, r *http.Request) {
	name, err := queueName(r)
	if err != nil {
		respondError(w, r, err)
		return
	}
	n, err := s.cfg.Broker.PurgeQueue(name)
	if err != nil {
		respondError(w, r, err)
		return
	}
	respond(w, r, http.StatusOK, map[string]int{"purged": n}, words.Say("done.purged", "count", n, "queue", name))
}

// redriveQueue sends a dead-letter queue's messages back to the exchange
// and routing key they were first published with, each taken off the
// queue once the broker confirmed it.
func (s *Server) redriveQueue(w http.ResponseWriter, r *http.Request) {
	name, err := queueName(r)
	if err != nil {
		respondError(w, r, err)
		return
	}
	res, err := s.cfg.Broker.Redrive(r.Context(), name, s.cfg.Limits.MaxCount)
	if err != nil {
		respondError(w, r, err)
		return
	}
	respondFlash(w, r, http.StatusOK, res, res.Skipped == 0 && res.Unroutable == 0,
		words.Say("done.redriven", "moved", res.Moved, "queue", name, "skipped", res.Skipped, "unroutable", res.Unroutable))
}

// Publish

type publishRequest struct {
	Exchange   string `json:"exchange"`
	RoutingKey string `json:"routing_key"`
	Body       string `json:"body"`
	Encoding   string `json:"encoding"`
	Persistent bool   `json:"persistent"`
	Mandatory  bool   `json:"mandatory"`
	// Timestamp stamps each message's timestamp property with the publish
	// time (whole seconds, as AMQP has it); cards then say how long it
	// waited in the queue.
	Timestamp  bool                    `json:"timestamp"`
	Count      *int                    `json:"count"`
	Properties board.PublishProperties `json:"properties"`
	Headers    map[string]any          `json:"headers"`
}

// publication checks a publish request against the limits and turns it
// into what mq sends.
func (req publishRequest) publication(l Limits) (mq.Publication, error) {
	count := 1
	if req.Count != nil {
		count = *req.Count
	}
	switch {
	case count < 1:
		return mq.Publication{}, badRequest("err.count_low")
	case count > l.MaxCount:
		return mq.Publication{}, board.Fail(board.CodeLimit, "err.count_high", "count", count, "max", l.MaxCount)
	}
	var body []byte
	switch req.Encoding {
	case "", "text":
		body = []byte(req.Body)
	case "base64":
		var err error
		if body, err = base64.StdEncoding.DecodeString(strings.TrimSpace(req.Body)); err != nil {
			return mq.Publication{}, badRequest("err.base64", "reason", err)
		}
	default:
		return mq.Publication{}, badRequest("err.encoding", "value", fmt.Sprintf("%q", req.Encoding))
	}
	if len(body) > l.MaxBody {
		return mq.Publication{}, tooLarge("err.body_large", "size", len(body), "max", l.MaxBody)
	}
	p := req.Properties
	for _, f := range []struct{ name, value string }{
		{"exchange", req.Exchange}, {"routing_key", req.RoutingKey}, {"content_type", p.ContentType},
		{"message_id", p.MessageID}, {"correlation_id", p.CorrelationID}, {"reply_to", p.ReplyTo},
		{"type", p.Type}, {"app_id", p.AppID},
	} {
		if len(f.value) > 255 || !utf8.ValidString(f.value) {
			return mq.Publication{}, badRequest("err.property_long", "property", f.name)
		}
	}
	if p.Expiration != "" {
		if n, err := strconv.ParseUint(p.Expiration, 10, 32); err != nil || strconv.FormatUint(n, 10) != p.Expiration {
			return mq.Publication{}, badRequest("err.expiration", "value", fmt.Sprintf("%q", p.Expiration))
		}
	}
	if len(req.Headers) > l.MaxHeaders {
		return mq.Publication{}, tooLarge("err.headers_many", "count", len(req.Headers), "max", l.MaxHeaders)
	}
	if hb, _ := json.Marshal(req.Headers); len(hb) > l.MaxHeaderBytes {
		return mq.Publication{}, tooLarge("err.headers_large", "size", len(hb), "max", l.MaxHeaderBytes)
	}
	return mq.Publication{Count: count, Message: board.Message{
		Exchange: req.Exchange, RoutingKey: req.RoutingKey, Body: body,
		Persistent: req.Persistent, Mandatory: req.Mandatory, Timestamp: req.Timestamp, Headers: req.Headers, Properties: p,
	}}, nil
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	var req publishRequest
	if err := decode(r, s.cfg.Limits.maxRequest(), &req); err != nil {
		respondError(w, r, err)
		return
	}
	pub, err := req.publication(s.cfg.Limits)
	if err != nil {
		respondError(w, r, err)
		return
	}
	res, err := s.cfg.Broker.Publish(r.Context(), pub)
	if err != nil && (res.Published == 0 || wantsRedirect(r)) {
		respondError(w, r, err)
		return
	}
	if err != nil {
		// Some went out: say how many were confirmed along with the error.
		status, code, said := errorStatus(err)
		writeJSON(w, status, struct {
			errorBody
			board.PublishResult
		}{errorBody{said.In(requestLang(r)), code}, res})
		return
	}
	respondFlash(w, r, http.StatusOK, res, res.Confirmed == res.Published && res.Returned == 0, publishSentence(pub, res))
}

func publishSentence(p mq.Publication, res board.PublishResult) words.Sentence {
	to := words.Say("done.to_exchange", "exchange", p.Exchange, "key", p.RoutingKey)
	if p.Exchange == "" {
		to = words.Say("done.to_default", "queue", p.RoutingKey)
	}
	var more words.Sentences
	if res.Nacked > 0 {
		more = append(more, words.Say("done.nacked", "count", res.Nacked))
	}
	if missing := res.Published - res.Confirmed - res.Nacked; missing > 0 {
		more = append(more, words.Say("done.unconfirmed", "count", missing))
	}
	if res.Returned > 0 {
		more = append(more, words.Say("done.returned", "count", res.Returned))
	}
	return words.Say("done.published", "published", res.Published, "count", p.Count, "to", to, "confirmed", res.Confirmed, "more", joined(more))
}

// joined says sentence parts one right after the other, as ", 2 nacked"
// clauses are.
type joined []words.Saying

func (j joined) In(l words.Lang) string {
	var b strings.Builder
	for _, s := range j {
		b.WriteString(s.In(l))
	}
	return b.String()
}
