// Package replicas makes several rabbitboard processes started with the
// same group name (--cluster) on one broker one dashboard. RabbitMQ
// carries what they share:
//
//   - each replica publishes its events, batched into JSON arrays, to a
//     fanout exchange named after the group, and reads everyone's through
//     an exclusive, server-named queue of its own (other replicas' only);
//   - the same queue is the replica's address: a call for a receiver it owns
//     comes in through the default exchange, its answer goes back through
//     direct reply-to;
//   - every HeartbeatEvery each replica says it is alive (and how to reach
//     it); one not heard for ReplicaTimeout is gone, as is one that says
//     goodbye on its way out;
//   - a replica that appears is sent, straight to its queue, the events
//     that make up everyone else's part of the dashboard.
//
// Anyone with a login on the vhost can read that exchange and publish to it
// or to a replica's queue, so every message is sealed (package seal) with
// a key derived from the group's secret: a message that does not open, or
// arrives where its kind does not belong, is dropped and counted, never
// acted on.
//
// Nothing of this is declared without a group name.
package replicas

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"rabbitboard/board"

	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/internal/jsonarray"
	"rabbitboard/internal/seal"
)

// Config makes a rabbitboard one replica of a group (the --cluster flag
// names it): several rabbitboard processes that are one dashboard. It is
// not a RabbitMQ cluster, whose nodes are --amqp-url's.
type Config struct {
	Name string
	// Secret is shared by the group's replicas: their messages are sealed
	// with a key derived from it. Required.
	Secret string
	Self   board.ReplicaInfo // its ID, Addr and Started
	// Remote applies an event that the replica sender sent (one JSON
	// object, still to be checked: see web.State.ApplyRemote).
	Remote func(sender string, event []byte)
	// Joined returns the events that make up this replica's part of the
	// dashboard, for a replica that just appeared.
	Joined func() [][]byte
	// Gone says a replica stopped or died.
	Gone func(replica string)
	// Serve answers a call the replica sender forwarded.
	Serve func(sender string, call []byte) []byte
	// HeartbeatEvery and ReplicaTimeout: 1s and 5s unless set.
	HeartbeatEvery, ReplicaTimeout time.Duration
	// OpTimeout bounds a call to another replica; 5s unless set.
	OpTimeout time.Duration
	Logger    *slog.Logger
}

// Host is what a replica uses of the AMQP adapter that owns the
// connection, and what it says of itself to the others.
type Host interface {
	// Connection is the shared connection, or why there is none now.
	Connection() (*amqp.Connection, error)
	// Ready is closed while the connection is usable.
	Ready() <-chan struct{}
	// ClientAddrs are the client addresses of the host's connections, so
	// that a replica observing other programs knows them as rabbitboard's.
	ClientAddrs() []string
	// ReceiverCount is how many receivers this replica runs.
	ReceiverCount() int
}

// Message types between replicas.
const (
	replicaEvents    = "events"
	replicaHeartbeat = "heartbeat"
	replicaBye       = "bye"
	replicaCall      = "call"
	replicaAnswer    = "answer"
)

// maxReplicaBatch caps the events one message between replicas carries.
const maxReplicaBatch = 256 << 10

// maxReplicas caps the members a replica keeps; maxCallsServed the calls
// it serves at once (more are answered "busy" at once).
const (
	maxReplicas    = 64
	maxCallsServed = 4
)

// maxReplicaPending caps the events waiting to go to the other replicas
// while the broker is slow or away; beyond it the oldest are dropped.
const maxReplicaPending = 16 << 20

type member struct {
	info     board.ReplicaInfo
	queue    string
	conns    []string // its connections' client addresses
	lastSeen time.Time
}

// pendingCall waits for the answer of one replica.
type pendingCall struct {
	replica string
	answer  chan []byte
}

// heartbeat is what a replica says of itself every HeartbeatEvery.
type heartbeat struct {
	board.ReplicaInfo
	Queue string `json:"queue"`
	// Conns are its connections' client addresses, so that a replica
	// observing other programs knows them as rabbitboard's at once.
	Conns []string `json:"conns,omitempty"`
}

// Group is a rabbitboard's membership in a group of replicas.
type Group struct {
	host     Host
	cfg      Config
	exchange string
	sealer   *seal.Sealer
	serving  chan struct{} // one token per call being served

	// refused counts messages that opened but arrived where their kind
	// does not belong, or named no member; reported counts what the log
	// has said of drops so far.
	refused, reported atomic.Int64

	flushMu  sync.Mutex
	mu       sync.Mutex
	members  map[string]*member
	pending  [][]byte
	pendSize int
	dropped  int
	wake     chan struct{}
	calls    map[string]pendingCall
	session  *groupSession
}

type groupSession struct {
	pub   *amqp.Channel // events, heartbeats, syncs and answers
	rpc   *amqp.Channel // calls, with direct reply-to
	queue string
}

// New makes a replica of cfg.Name's group; Run joins it.
func New(host Host, cfg Config) (*Group, error) {
	sealer, err := seal.New(cfg.Secret, cfg.Name)
	if err != nil {
		return nil, err
	}
	if cfg.HeartbeatEvery == 0 {
		cfg.HeartbeatEvery = time.Second
	}
	if cfg.ReplicaTimeout == 0 {
		cfg.ReplicaTimeout = 5 * time.Second
	}
	if cfg.OpTimeout == 0 {
		cfg.OpTimeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Group{host: host, cfg: cfg, exchange: board.ReplicaExchangePrefix + cfg.Name, sealer: sealer,
		serving: make(chan struct{}, maxCallsServed),
		members: map[string]*member{}, wake: make(chan struct{}, 1), calls: map[string]pendingCall{}}, nil
}

// Dropped counts the messages this replica did not act on: not sealed
// with its group's key, stale, replayed, or out of place.
func (c *Group) Dropped() int64 { return c.sealer.Dropped() + c.refused.Load() }

// send seals body for where it goes and publishes it. An answer is sealed
// for no place (its random correlation id and its sender say which call it
// answers): direct reply-to rewrites where it goes.
func (c *Group) send(ch *amqp.Channel, exchange, key string, p amqp.Publishing, body []byte) error {
	p.AppId = c.cfg.Self.ID
	h := seal.Header{Type: p.Type, Sender: p.AppId, CorrelationID: p.CorrelationId, Exchange: exchange, RoutingKey: key}
	if p.Type == replicaAnswer {
		h.Exchange, h.RoutingKey = "", ""
	}
	p.Body = c.sealer.Seal(h, body)
	return ch.Publish(exchange, key, false, false, p)
}

// SetAddr sets where this replica listens, before the Broker opens.
func (c *Group) SetAddr(addr string) { c.cfg.Self.Addr = addr }

// Forward queues one of this replica's events for the others. It never
// blocks: it may be called with the state's locks held.
func (c *Group) Forward(event []byte) {
	c.mu.Lock()
	c.pending = append(c.pending, event)
	c.pendSize += len(event)
	for c.pendSize > maxReplicaPending && len(c.pending) > 1 {
		c.pendSize -= len(c.pending[0])
		c.pending = c.pending[1:]
		c.dropped++
	}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Replicas lists the live replicas, this one first.
func (c *Group) Replicas() []board.ReplicaInfo {
	self := c.self()
	c.mu.Lock()
	defer c.mu.Unlock()
	list := []board.ReplicaInfo{self}
	for _, m := range c.members {
		list = append(list, m.info)
	}
	return list
}

// self is this replica as the others see it.
func (c *Group) self() board.ReplicaInfo {
	info := c.cfg.Self
	info.Receivers = c.host.ReceiverCount()
	return info
}

// Self is this replica's id.
func (c *Group) Self() string { return c.cfg.Self.ID }

// Call sends a call to the replica that owns something and returns its
// answer: board.ErrNoReplica when no live replica has that id, a CodeUnavailable
// error when it does not answer within the Broker's OpTimeout.
func (c *Group) Call(ctx context.Context, replica string, call []byte) ([]byte, error) {
	c.mu.Lock()
	m, ok := c.members[replica]
	s := c.session
	if !ok {
		c.mu.Unlock()
		return nil, board.ErrNoReplica
	}
	if s == nil {
		c.mu.Unlock()
		return nil, board.ErrUnavailable
	}
	id := rand.Text() // unguessable: an answer must name its call
	answer := make(chan []byte, 1)
	c.calls[id] = pendingCall{replica: replica, answer: answer}
	queue := m.queue
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.calls, id)
		c.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.OpTimeout)
	defer cancel()
	err := c.send(s.rpc, "", queue, amqp.Publishing{Type: replicaCall, CorrelationId: id, ReplyTo: "amq.rabbitmq.reply-to"}, call)
	if err != nil {
		return nil, board.ErrUnavailable
	}
	select {
	case a := <-answer:
		if len(a) == 0 {
			return nil, board.Fail(board.CodeUnavailable, "err.replica_busy", "replica", replica)
		}
		return a, nil
	case <-ctx.Done():
		return nil, board.Fail(board.CodeUnavailable, "err.replica_timeout", "replica", replica, "timeout", c.cfg.OpTimeout)
	}
}

// Run keeps the replica in its group until ctx ends: one session per
// connection the host makes.
func (c *Group) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.host.Ready():
		}
		if ctx.Err() != nil {
			return // both were ready: the select may pick either
		}
		conn, err := c.host.Connection()
		if err == nil {
			err = c.runSession(ctx, conn)
		}
		if err != nil && ctx.Err() == nil {
			c.cfg.Logger.Warn("the replicas' exchange is out of reach; retrying", "group", c.cfg.Name, "error", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}
}

// subscribe declares the group's fanout exchange (gone with the last
// replica) and this replica's own queue on it, and consumes from it.
func (c *Group) subscribe(pub *amqp.Channel) (amqp.Queue, <-chan amqp.Delivery, error) {
	if err := pub.ExchangeDeclare(c.exchange, amqp.ExchangeFanout, false, true, false, false, nil); err != nil {
		return amqp.Queue{}, nil, err
	}
	q, err := pub.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		return q, nil, err
	}
	if err := pub.QueueBind(q.Name, "", c.exchange, false, nil); err != nil {
		return q, nil, err
	}
	incoming, err := pub.Consume(q.Name, "", true, true, false, false, nil)
	return q, incoming, err
}

// runSession joins the group on conn and serves until conn closes or ctx
// ends.
func (c *Group) runSession(ctx context.Context, conn *amqp.Connection) error {
	pub, err := conn.Channel()
	if err != nil {
		return err
	}
	rpc, err := conn.Channel()
	if err != nil {
		_ = pub.Close()
		return err
	}
	var wg sync.WaitGroup // the reader of incoming messages and the calls it serves
	defer func() {
		_ = pub.Close()
		_ = rpc.Close()
		wg.Wait()
	}()
	q, incoming, err := c.subscribe(pub)
	if err != nil {
		return err
	}
	answers, err := rpc.Consume("amq.rabbitmq.reply-to", "", true, false, false, false, nil)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.session = &groupSession{pub: pub, rpc: rpc, queue: q.Name}
	c.members = map[string]*member{} // everyone is new to a new queue
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.session = nil
		gone := c.members
		c.members = map[string]*member{}
		c.mu.Unlock()
		for id := range gone {
			c.cfg.Gone(id)
		}
	}()
	c.cfg.Logger.Info("joined the group of replicas", "group", c.cfg.Name, "replica", c.cfg.Self.ID)

	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	wg.Add(2)
	go func() {
		defer wg.Done()
		c.readAnswers(answers)
	}()
	go func() {
		defer wg.Done()
		for d := range incoming {
			c.receive(pub, q.Name, d, &wg)
		}
	}()

	beat := time.NewTicker(c.cfg.HeartbeatEvery)
	defer beat.Stop()
	if err := c.heartbeat(pub, c.exchange, "", q.Name); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-closed:
			return nil
		case <-c.wake:
			if err := c.flush(pub); err != nil {
				return err
			}
		case <-beat.C:
			if err := c.heartbeat(pub, c.exchange, "", q.Name); err != nil {
				return err
			}
			c.reap()
			c.sealer.Forget()
			c.reportDrops()
		}
	}
}

// Leave tells the other replicas this one is going, so they need not wait
// for its silence; what it still had to tell them goes first.
func (c *Group) Leave() {
	c.mu.Lock()
	s := c.session
	c.mu.Unlock()
	if s == nil {
		return
	}
	_ = c.flush(s.pub)
	_ = c.send(s.pub, c.exchange, "", amqp.Publishing{Type: replicaBye}, nil)
}

// flush publishes what is pending as few messages as it takes.
func (c *Group) flush(pub *amqp.Channel) error {
	c.flushMu.Lock() // leave and the session's loop may both flush
	defer c.flushMu.Unlock()
	c.mu.Lock()
	events := c.pending
	c.pending, c.pendSize = nil, 0
	if c.dropped > 0 {
		c.cfg.Logger.Warn("the other replicas missed events: the broker took them too slowly", "events", c.dropped)
		c.dropped = 0
	}
	c.mu.Unlock()
	return publishBatches(events, func(body []byte) error {
		return c.send(pub, c.exchange, "", amqp.Publishing{Type: replicaEvents}, body)
	})
}

// publishBatches publishes events as JSON arrays of at most
// maxReplicaBatch bytes (or one event, if larger).
func publishBatches(events [][]byte, publish func(body []byte) error) error {
	for body := range jsonarray.Arrays(events, maxReplicaBatch) {
		if err := publish(body); err != nil {
			return err
		}
	}
	return nil
}

// heartbeat says this replica is alive, through the fanout to everyone or
// (exchange "") to one replica's queue.
func (c *Group) heartbeat(pub *amqp.Channel, exchange, key, queue string) error {
	body, _ := json.Marshal(heartbeat{ReplicaInfo: c.self(), Queue: queue, Conns: c.host.ClientAddrs()})
	return c.send(pub, exchange, key, amqp.Publishing{Type: replicaHeartbeat}, body)
}

// reap forgets the replicas not heard from for ReplicaTimeout.
func (c *Group) reap() {
	c.mu.Lock()
	var gone []string
	for id, m := range c.members {
		if time.Since(m.lastSeen) > c.cfg.ReplicaTimeout {
			delete(c.members, id)
			gone = append(gone, id)
		}
	}
	c.mu.Unlock()
	for _, id := range gone {
		c.cfg.Logger.Info("a replica went silent", "replica", id)
		c.cfg.Gone(id)
	}
}
