package web

import (
	"io"
	"net/http"
	"strings"
	"time"

	"rabbitboard/board"
	"rabbitboard/words"
)

// RepublishResult says how publishing a timeline's messages again went.
type RepublishResult struct {
	// Messages is how many different messages the timeline delivered;
	// Published of them went out again, Confirmed by the broker.
	Messages  int `json:"messages"`
	Published int `json:"published"`
	Confirmed int `json:"confirmed"`
	Returned  int `json:"returned"`
	// Skipped could not be sent as they were: their body or headers were
	// cut short in the timeline, or could not be read.
	Skipped int `json:"skipped"`
}

// republish publishes the messages a timeline delivered again, rabtap's
// pub in the browser: POST /api/republish with the timeline (GET
// /api/timeline?download=1) as the body, or as the file "timeline" of a
// form. Each message goes to its own exchange and routing key unless
// ?exchange= and ?routing_key= (or the form's fields) say others, with
// its properties and headers, as fast as confirms allow or, with
// timing=original, as far apart as they were delivered.
func (s *Server) republish(w http.ResponseWriter, r *http.Request) {
	body, _, err := timelineUpload(w, r)
	if err != nil {
		respondError(w, r, err)
		return
	}
	defer body.Close()
	lines, err := ReadTimeline(body, s.cfg.Limits.MaxCount*4)
	if err != nil {
		respondError(w, r, badRequest("err.republish_read", "reason", err))
		return
	}
	timing := r.FormValue("timing")
	if timing != "" && timing != "original" && timing != "fast" {
		respondError(w, r, badRequest("err.republish_timing", "timing", timing))
		return
	}
	// Each message's own exchange and key, unless either is given.
	target := &publishRequest{Exchange: r.FormValue("exchange"), RoutingKey: r.FormValue("routing_key")}
	if target.Exchange == "" && target.RoutingKey == "" {
		target = nil
	}
	msgs, res := republished(lines, target)
	if len(msgs) > s.cfg.Limits.MaxCount {
		respondError(w, r, board.Fail(board.CodeLimit, "err.count_high", "count", len(msgs), "max", s.cfg.Limits.MaxCount))
		return
	}
	start := time.Now()
	for i, m := range msgs {
		if timing == "original" {
			time.Sleep(time.Until(start.Add(m.at.Sub(msgs[0].at))))
		}
		pub, err := m.req.publication(s.cfg.Limits)
		if err == nil {
			pub.Verbatim = true
			var one board.PublishResult
			one, err = s.cfg.Broker.Publish(r.Context(), pub)
			res.Published += one.Published
			res.Confirmed += one.Confirmed
			res.Returned += one.Returned
		}
		if err != nil {
			res.Skipped += len(msgs) - i - 1
			respondError(w, r, err)
			return
		}
	}
	respondFlash(w, r, http.StatusOK, res, res.Confirmed == res.Messages, words.Say("done.republished",
		"confirmed", res.Confirmed, "messages", res.Messages, "skipped", res.Skipped))
}

type republishing struct {
	at  time.Time
	req publishRequest
}

// republished are the messages a timeline delivered, once each (by
// message_id when they have one, else leaving out redeliveries), as
// publish requests, to target's exchange and routing key when given.
func republished(lines []TimelineLine, target *publishRequest) ([]republishing, RepublishResult) {
	var res RepublishResult
	var out []republishing
	seen := map[string]bool{}
	for _, l := range lines {
		ev, err := board.DecodeEvent(l.Event)
		d, ok := ev.(board.DeliveryEvent)
		if err != nil || !ok {
			continue
		}
		id := d.Properties.MessageID
		if (id != "" && seen[id]) || (id == "" && d.Redelivered) {
			continue
		}
		seen[id] = true
		res.Messages++
		if d.Truncated || d.HeadersTruncated || d.Undecodable != "" {
			res.Skipped++
			continue
		}
		req := publishRequest{Exchange: d.Exchange, RoutingKey: d.RoutingKey, Body: d.Body, Encoding: d.Encoding,
			Persistent: d.Properties.DeliveryMode == 2, Properties: d.Properties.PublishProperties, Headers: sentHeaders(d.Headers)}
		if target != nil {
			req.Exchange, req.RoutingKey = target.Exchange, target.RoutingKey
		}
		out = append(out, republishing{at: l.At, req: req})
	}
	return out, res
}

// sentHeaders are the headers a message was published with: those the
// broker adds when it dead-letters a message are left out.
func sentHeaders(h map[string]any) map[string]any {
	out := make(map[string]any, len(h))
	for k, v := range h {
		if k == "x-death" || strings.HasPrefix(k, "x-first-death-") || strings.HasPrefix(k, "x-last-death-") {
			continue
		}
		out[k] = v
	}
	return out
}

// timelineUpload is a timeline sent to the server: the file "timeline" of
// a form, or the request's body; name is the file's.
func timelineUpload(w http.ResponseWriter, r *http.Request) (body io.ReadCloser, name string, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<20)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.Body, "", nil
	}
	file, header, err := r.FormFile("timeline")
	if err != nil {
		return nil, "", badRequest("err.republish_file")
	}
	return file, header.Filename, nil
}
