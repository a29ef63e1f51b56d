package mq

import (
	"context"
	"strings"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/refusal"
	"rabbitboard/words"

	amqp "github.com/rabbitmq/amqp091-go"
)

// publisher owns one confirming channel, used by one publish request at a
// time, so the returns that arrive during a request belong to that request.
type publisher struct {
	b *Broker

	ch      *amqp.Channel
	conn    *amqp.Connection
	closed  <-chan *amqp.Error // why ch closed
	barrier chan chan int      // asks the returns drainer how many it counted
	drained chan struct{}      // closed when the drainer has ended
}

// Publish sends Count messages with publisher confirms and waits for the
// broker to confirm every one (or ConfirmTimeout to pass).
func (b *Broker) Publish(ctx context.Context, p Publication) (board.PublishResult, error) {
	if p.Count < 1 {
		return board.PublishResult{}, invalid("err.count_low")
	}
	if p.Exchange != "" {
		if err := checkName("exchange", p.Exchange); err != nil {
			return board.PublishResult{}, err
		}
	}
	if internalExchange(p.Exchange) {
		return board.PublishResult{}, board.Fail(board.CodeAccessRefused, "err.internal_exchange", "exchange", p.Exchange)
	}
	if err := p.checkShortstrs(); err != nil {
		return board.PublishResult{}, err
	}
	headers, err := toTable(p.Headers)
	if err != nil {
		return board.PublishResult{}, invalid("err.headers", "why", said(err))
	}
	p.stamp()
	if p.Exchange != "" {
		// Publishing to a missing exchange closes the channel; ask first so
		// the user gets a plain answer and the publisher keeps its channel.
		if err := b.withChannel(func(ch *amqp.Channel) error {
			return ch.ExchangeDeclarePassive(p.Exchange, "direct", false, false, false, false, nil)
		}); err != nil {
			return board.PublishResult{}, err
		}
	}
	// Predicted before taking the publisher's turn, so a costly pattern
	// delays only this request.
	route := b.route(p.Exchange, p.RoutingKey, p.Headers)
	if route == nil {
		route = []string{}
	}
	if p.Properties.ReplyTo == DirectReplyTo {
		return b.publishForDirectReply(ctx, p, headers, route)
	}
	var pub *publisher
	select {
	case pub = <-b.pubs:
	case <-ctx.Done():
		return board.PublishResult{}, board.Fail(board.CodeUnavailable, "err.publish_busy")
	}
	defer func() { b.pubs <- pub }()
	return pub.publish(ctx, p, headers, route)
}

// publishers is how many confirming channels publish requests share. A
// request has one to itself from its first message to its last confirm;
// requests that come together overlap on several, rather than each
// waiting for the confirms of the one before it (a pause in the flow as
// long as a confirm's round trip, per request).
const publishers = 4

func newPublishers(b *Broker) chan *publisher {
	pool := make(chan *publisher, publishers)
	for range publishers {
		pool <- &publisher{b: b}
	}
	return pool
}

// DirectReplyTo is RabbitMQ's pseudo-queue for RPC replies without a
// queue: a client consumes from it (auto ack) and publishes its requests
// on the same channel naming it as reply_to; the server's reply goes
// straight to that client.
const DirectReplyTo = "amq.rabbitmq.reply-to"

// publishForDirectReply publishes requests whose replies go straight to
// rabbitboard's receiver on amq.rabbitmq.reply-to: on that receiver's
// channel, as the broker requires, with confirms.
func (b *Broker) publishForDirectReply(ctx context.Context, p Publication, headers amqp.Table, route []string) (board.PublishResult, error) {
	ch := b.directReplyChannel()
	if ch == nil {
		return board.PublishResult{}, invalid("err.direct_reply_to", "queue", DirectReplyTo)
	}
	b.cfg.Events(board.RouteEvent{Type: board.TypeRoute, Exchange: p.Exchange, RoutingKey: p.RoutingKey, Queues: route})
	sent := time.Now()
	res, err := b.sendConfirmed(ctx, ch, p, headers)
	if res.Published == 0 {
		return res, refusal.Explain(err)
	}
	lost := ch.IsClosed()
	if lost {
		res.Nacked = 0
	}
	res.Unconfirmed = p.Count - res.Confirmed - res.Nacked
	return b.published(p, route, res, sent, lost, nil)
}

// directReplyChannel is the channel of a receiver of rabbitboard's that
// consumes from amq.rabbitmq.reply-to now, or nil.
func (b *Broker) directReplyChannel() *amqp.Channel {
	b.own.mu.Lock()
	receivers := make([]*Receiver, 0, len(b.own.order))
	for _, id := range b.own.order {
		receivers = append(receivers, b.own.receivers[id])
	}
	b.own.mu.Unlock()
	for _, r := range receivers {
		r.mu.Lock()
		ch := r.replyCh
		if r.state != board.StateConsuming {
			ch = nil
		}
		r.mu.Unlock()
		if ch != nil {
			return ch
		}
	}
	return nil
}

// checkShortstrs checks the routing key and the properties that AMQP
// carries as short strings.
func (p Publication) checkShortstrs() error {
	pr := p.Properties
	for _, f := range []struct {
		what  any
		value string
	}{
		{words.Say("word.routing_key"), p.RoutingKey}, {"content_type", pr.ContentType}, {"message_id", pr.MessageID},
		{"correlation_id", pr.CorrelationID}, {"reply_to", pr.ReplyTo}, {"expiration", pr.Expiration},
		{"type", pr.Type}, {"app_id", pr.AppID},
	} {
		if err := checkShortstr(f.what, f.value); err != nil {
			return err
		}
	}
	return nil
}

// internalExchange names the exchanges only the broker publishes to.
func internalExchange(name string) bool {
	return strings.HasPrefix(name, "amq.rabbitmq.")
}

func (p *publisher) publish(ctx context.Context, pub Publication, headers amqp.Table, route []string) (board.PublishResult, error) {
	ch, err := p.channel()
	if err != nil {
		return board.PublishResult{}, err
	}
	// The route goes out before the first message, so every delivery of
	// this publish comes after it.
	p.b.cfg.Events(board.RouteEvent{Type: board.TypeRoute, Exchange: pub.Exchange, RoutingKey: pub.RoutingKey, Queues: route})
	sent := time.Now()
	res, pubErr := p.b.sendConfirmed(ctx, ch, pub, headers)
	if res.Published == 0 {
		p.reset()
		return res, refusal.Explain(pubErr)
	}
	res.Returned = p.returnedSince()
	lost := ch.IsClosed()
	if lost {
		// A closing channel settles what is pending as nacked; the broker
		// never said so.
		res.Nacked = 0
	}
	res.Unconfirmed = pub.Count - res.Confirmed - res.Nacked
	var refused error
	if lost {
		refused = p.refusal()
	}
	if res.Unconfirmed > 0 {
		// Start afresh so late confirms cannot be counted for the next request.
		p.reset()
	}
	return p.b.published(pub, route, res, sent, lost, refused)
}

// published reports a publish to every viewer and says how it went.
func (b *Broker) published(pub Publication, route []string, res board.PublishResult, sent time.Time, lost bool, refused error) (board.PublishResult, error) {
	if route == nil {
		route = []string{}
	}
	b.cfg.Events(board.PublishedEvent{Type: board.TypePublished, Exchange: pub.Exchange, RoutingKey: pub.RoutingKey,
		Count: pub.Count, Confirmed: res.Confirmed, Nacked: res.Nacked, Returned: res.Returned, Queues: route, At: time.Now(),
		SentAt: sent, MessageID: pub.Properties.MessageID, Stamped: pub.stamped})
	if res.Unconfirmed > 0 && refused != nil {
		return res, refused
	}
	if res.Unconfirmed > 0 {
		why := words.Say("err.confirm_timeout", "timeout", b.cfg.ConfirmTimeout)
		if lost {
			why = words.Say("err.connection_lost")
		}
		return res, board.Fail(board.CodeUnavailable, "err.unconfirmed", "confirmed", res.Confirmed, "count", pub.Count, "why", why, "rest", res.Unconfirmed)
	}
	if pub.Exchange == "" {
		b.refreshQueue(pub.RoutingKey)
	}
	return res, nil
}

// sendConfirmed publishes pub's messages on a confirming channel and
// counts the confirms, until all are in, progress stalls or ctx ends.
func (b *Broker) sendConfirmed(ctx context.Context, ch *amqp.Channel, pub Publication, headers amqp.Table) (res board.PublishResult, pubErr error) {
	// Confirms are awaited in a window: amqp091-go settles a multiple ack
	// by scanning every outstanding confirmation, so tens of thousands
	// outstanding make each ack slow. The deadline is for progress: it
	// restarts with every confirm.
	const window = 1000
	confirms := make([]*amqp.DeferredConfirmation, 0, min(pub.Count, window))
	deadline := time.NewTimer(b.cfg.ConfirmTimeout)
	defer deadline.Stop()
	stalled := false
	await := func() {
		dc := confirms[0]
		select {
		case <-dc.Done():
			if dc.Acked() {
				res.Confirmed++
			} else {
				res.Nacked++
			}
			confirms = confirms[1:]
			deadline.Reset(b.cfg.ConfirmTimeout)
		case <-deadline.C:
			stalled = true
		case <-ctx.Done():
			stalled = true
		}
	}
	for seq := 1; seq <= pub.Count && !stalled; seq++ {
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, pub.Exchange, pub.RoutingKey, pub.Mandatory, false, pub.publishing(seq, headers))
		if err != nil {
			pubErr = err
			break
		}
		confirms = append(confirms, dc)
		res.Published++
		for len(confirms) >= window && !stalled {
			await()
		}
	}
	for len(confirms) > 0 && !stalled {
		await()
	}
	return res, pubErr
}

// channel returns the open confirming channel, opening one when needed.
func (p *publisher) channel() (*amqp.Channel, error) {
	conn, err := p.b.connection()
	if err != nil {
		return nil, err
	}
	if p.ch != nil && p.conn == conn && !p.ch.IsClosed() {
		return p.ch, nil
	}
	p.reset()
	ch, err := conn.Channel()
	if err != nil {
		return nil, refusal.Explain(err)
	}
	if err := ch.Confirm(false); err != nil {
		_ = ch.Close()
		return nil, refusal.Explain(err)
	}
	returns := ch.NotifyReturn(make(chan amqp.Return, 64))
	p.closed = ch.NotifyClose(make(chan *amqp.Error, 1))
	p.ch, p.conn = ch, conn
	p.barrier, p.drained = make(chan chan int), make(chan struct{})
	p.b.wg.Add(1)
	go p.drainReturns(returns, p.barrier, p.drained)
	return ch, nil
}

// refusal is the broker's reason for closing the publishing channel (a
// publish it refused, such as one to an internal exchange), or nil when
// the connection itself went.
func (p *publisher) refusal() error {
	select {
	case e := <-p.closed:
		if e != nil && e.Server && p.conn != nil && !p.conn.IsClosed() {
			return refusal.Explain(e)
		}
	case <-time.After(100 * time.Millisecond):
	}
	return nil
}

func (p *publisher) reset() {
	if p.ch != nil {
		_ = p.ch.Close()
		<-p.drained
	}
	p.ch, p.conn = nil, nil
}

// drainReturns counts and reports returned messages. The library puts a
// return in the channel before it processes the confirm of the same
// message, so once every confirm of a request is in, a barrier request
// answered here after emptying the buffer has seen all its returns.
func (p *publisher) drainReturns(returns <-chan amqp.Return, barrier <-chan chan int, drained chan<- struct{}) {
	defer p.b.wg.Done()
	defer close(drained)
	n := 0
	report := func(r amqp.Return) {
		n++
		body, enc := EncodeBody(r.Body)
		why := returnSentence(r.Exchange, r.RoutingKey)
		p.b.cfg.Events(board.ReturnedEvent{
			Type: board.TypeReturned, Exchange: r.Exchange, RoutingKey: r.RoutingKey,
			ReplyCode: r.ReplyCode, ReplyText: r.ReplyText, Body: body, Encoding: enc,
			Message: why.String(), MessageSaid: words.InEvery(why), MessageID: r.MessageId, At: time.Now(),
		})
	}
	for {
		select {
		case r, ok := <-returns:
			if !ok {
				return
			}
			report(r)
		case reply := <-barrier:
			// Returns sit in the buffer before their confirms are processed.
			for len(returns) > 0 {
				if r, ok := <-returns; ok {
					report(r)
				}
			}
			reply <- n
			n = 0
		}
	}
}

func (p *publisher) returnedSince() int {
	reply := make(chan int, 1)
	select {
	case p.barrier <- reply:
		return <-reply
	case <-p.drained:
		return 0
	}
}

// returnSentence says why a message came back; the page says it from the
// event's exchange and key in its own language.
func returnSentence(exchange, key string) words.Sentence {
	if exchange == "" {
		return words.Say("done.returned_default", "key", key)
	}
	return words.Say("done.returned_binding", "exchange", exchange, "key", key)
}
