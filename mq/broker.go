// Package mq is rabbitboard's side of RabbitMQ: one supervised connection,
// a confirming publisher, receivers that consume side by side, and the
// topology calls (queues, exchanges, bindings). It knows nothing of HTTP or
// WebSockets: it reports what happens through Config.Events.
package mq

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"rabbitboard/board"

	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/internal/management"
	"rabbitboard/internal/observe"
	"rabbitboard/internal/refusal"
	"rabbitboard/internal/replicas"
	"rabbitboard/internal/throttle"
)

// Config configures a Broker.
type Config struct {
	URL string
	// Heartbeat bounds how long a silent network cut goes unnoticed.
	Heartbeat time.Duration
	// ConfirmTimeout bounds how long a publish waits for the broker's confirms.
	ConfirmTimeout time.Duration
	// OpTimeout bounds a declare, delete, purge or inspect: a connection that
	// died silently is only noticed after the heartbeat, and nobody waits
	// that long for an answer.
	OpTimeout time.Duration
	// PollInterval is how often queue depths are read.
	PollInterval time.Duration
	// ManagementURL is the management plugin's base URL; "" derives it from URL.
	ManagementURL string
	MaxReceivers  int
	// Replica is this process's id among the replicas of a group (see
	// JoinReplicas): receiver ids start with it, and receivers say it.
	Replica string
	// ConnectionName is how the connection shows in the management UI;
	// the receivers' connection is called the same, plus " (receivers)".
	ConnectionName string
	// PreviewBytes caps the body a delivery event carries; longer bodies are
	// cut (the event says so) to keep viewers' memory bounded.
	PreviewBytes int
	// ObserveQueueLength bounds the firehose copies waiting for
	// rabbitboard while it observes other programs; when it falls behind
	// the oldest are dropped, and counted.
	ObserveQueueLength int
	// MaxOutside caps the columns of other programs' consumers (64 unless
	// set); OutsideGoneAfter removes a column that has been gone that long
	// (60 s unless set).
	MaxOutside       int
	OutsideGoneAfter time.Duration
	Logger           *slog.Logger
	// Events receives every event. It is called from rabbitboard's own
	// goroutines (never the library's frame reader) and must not block.
	// It is called with locks held, in this order: a receiver's or the
	// Broker's own, then the sink's (web's state), then the hub's, then a
	// viewer's. So a sink must never call back into the Broker.
	Events func(board.Event)
}

// Broker owns the AMQP connections and everything that uses them: one
// for publishing, declaring and observing, one for its receivers'
// channels. Publishing and consuming on separate connections is what
// RabbitMQ advises: the broker's flow control, which holds back a
// connection that publishes faster than queues take, then never holds
// back deliveries; and each connection has its own frame reader, so
// confirms and deliveries are read side by side (bench (2): the
// dashboard's CPU per message fell by a sixth).
type Broker struct {
	cfg  Config
	log  *slog.Logger
	mgmt *management.Client

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// mu guards the connections and what is known of the queues.
	mu       sync.Mutex
	conn     *amqp.Connection
	rconn    *amqp.Connection // the receivers' connection, to the same node
	ready    chan struct{}    // closed while conn and rconn are usable
	state    board.BrokerState
	lastErr  string
	node     string                     // host:port of the node in use
	gen      int                        // counts connections made, so watchers notice a reconnect
	lastPoll map[string]board.QueueInfo // the watcher's last poll, the "before" of a survival report
	lastHeld map[string]int
	reported map[string]board.QueueInfo // the depths viewers were last told
	known    map[string]board.QueueSpec // queues rabbitboard declared or consumes from

	// own are rabbitboard's receivers, under a lock of their own.
	own struct {
		mu        sync.Mutex
		receivers map[string]*Receiver
		order     []string // receiver ids in creation order
		nextID    int
	}
	// topo is what rabbitboard knows of exchanges and bindings, to predict
	// routes, under a lock of its own.
	topo struct {
		mu        sync.Mutex
		exchanges map[string]board.ExchangeSpec // exchanges rabbitboard declared
		bindings  map[string]board.BindingSpec  // bindings rabbitboard made, by bindingKey
		topology  board.TopologyEvent           // the last one read
	}

	pubs  chan *publisher // the confirming channels publish requests take turns on
	obs   *observe.Observer
	pacer *pacer // the pace of rabbitboard's receivers

	nodes    []node // the URL's nodes, at least one
	nodesErr error  // why they did not parse

	replicas *replicas.Group // nil unless JoinReplicas made it a replica

	// warn says what other programs cause (undecodable messages, say) at
	// most once per cause every 10 s.
	warn *throttle.Logger
}

// New returns a Broker; Open starts it.
func New(cfg Config) *Broker {
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = 2 * time.Second
	}
	if cfg.ConfirmTimeout == 0 {
		cfg.ConfirmTimeout = 5 * time.Second
	}
	if cfg.OpTimeout == 0 {
		cfg.OpTimeout = 3 * time.Second
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.MaxReceivers == 0 {
		cfg.MaxReceivers = 32
	}
	if cfg.ConnectionName == "" {
		cfg.ConnectionName = "rabbitboard"
	}
	if cfg.PreviewBytes == 0 {
		cfg.PreviewBytes = 4 << 10
	}
	if cfg.MaxOutside == 0 {
		cfg.MaxOutside = 64
	}
	if cfg.OutsideGoneAfter == 0 {
		cfg.OutsideGoneAfter = time.Minute
	}
	if cfg.ObserveQueueLength == 0 {
		cfg.ObserveQueueLength = 10000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Events == nil {
		cfg.Events = func(board.Event) {}
	}
	b := &Broker{
		pacer: newPacer(),
		cfg:   cfg,
		log:   cfg.Logger,
		ready: make(chan struct{}),
		state: board.BrokerConnecting,
		known: map[string]board.QueueSpec{},
	}
	b.own.receivers = map[string]*Receiver{}
	b.topo.exchanges, b.topo.bindings = map[string]board.ExchangeSpec{}, map[string]board.BindingSpec{}
	b.warn = &throttle.Logger{Log: cfg.Logger, Every: 10 * time.Second}
	b.nodes, b.nodesErr = parseNodes(cfg.URL, cfg.ManagementURL)
	b.mgmt = newManagement(b.nodes)
	b.pubs, b.obs = newPublishers(b), newObserver(b)
	return b
}

// Open starts connecting (and reconnecting for as long as the Broker is
// open). It returns at once: a broker that is down is retried, not fatal.
func (b *Broker) Open() error {
	var mgmtErr *managementURLError
	if errors.As(b.nodesErr, &mgmtErr) {
		return mgmtErr
	}
	if b.nodes == nil {
		// The parser's message quotes pieces of the URL, password and all.
		return errors.New("the AMQP URL does not parse: write it as amqp://user:password@host:5672/vhost (or several, separated by commas), with reserved characters (: / ? # @ % ,) in the user or password percent-encoded")
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.obs.Start(b.ctx)
	b.wg.Add(3)
	go b.supervise()
	go b.pollQueues()
	go func() {
		defer b.wg.Done()
		b.obs.TidyTracing()
	}()
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.pacer.run(b.ctx.Done())
	}()
	if b.replicas != nil {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.replicas.Run(b.ctx)
		}()
	}
	return nil
}

// Close stops every receiver (what they hold goes back to the queue) and
// closes the connections. It waits at most until ctx is done.
func (b *Broker) Close(ctx context.Context) error {
	if b.cancel == nil {
		return nil
	}
	if b.replicas != nil {
		b.replicas.Leave()
	}
	// Tracing is left as rabbitboard found it.
	b.obs.Halt(ctx, false)
	rs := b.receiverList()
	for _, r := range rs {
		r.stop()
	}
	done := make(chan struct{})
	go func() {
		for _, r := range rs {
			<-r.done
		}
		b.cancel()
		b.wg.Wait()
		close(done)
	}()
	defer func() { // the management APIs' idle keep-alive connections
		for _, n := range b.nodes {
			if n.mgmt.Client != nil {
				n.mgmt.Client.CloseIdleConnections()
			}
		}
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		b.cancel()
		return ctx.Err()
	}
}

// supervise keeps the two connections open, redialing with capped
// backoff; when either ends, both are closed and dialed again, so they
// always go to the same node. With a cluster's nodes it tries them in
// turn, from the one after the node it lost, wrapping around; the backoff
// grows after a whole round.
func (b *Broker) supervise() {
	defer b.wg.Done()
	const minBackoff, maxBackoff = 100 * time.Millisecond, 2 * time.Second
	backoff := minBackoff
	warned := false
	at, failed := 0, 0
	for {
		n := b.nodes[at]
		conn, rconn, err := b.dial(n)
		if err != nil {
			msg := b.redactErr(err.Error())
			b.setDown(msg)
			if !warned {
				b.log.Warn("RabbitMQ is not reachable; retrying until it is", "url", Redact(b.cfg.URL), "node", n.addr, "error", msg)
				warned = true
			}
			at, failed = (at+1)%len(b.nodes), failed+1
			if failed%len(b.nodes) != 0 {
				continue
			}
			select {
			case <-b.ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, maxBackoff)
			continue
		}
		backoff, warned, failed = minBackoff, false, 0
		closed := conn.NotifyClose(make(chan *amqp.Error, 1))
		rclosed := rconn.NotifyClose(make(chan *amqp.Error, 1))
		b.mgmt.Use(n.mgmt)
		if b.generation() > 0 {
			b.reportSurvival(conn)
		}
		b.setConnected(conn, rconn, n.addr)
		b.log.Info("connected to RabbitMQ", "url", Redact(n.raw), "node", n.addr)
		var e *amqp.Error
		select {
		case <-b.ctx.Done():
			b.mu.Lock()
			b.conn, b.rconn = nil, nil
			b.mu.Unlock()
			_ = rconn.Close()
			_ = conn.Close()
			return
		case e = <-closed:
		case e = <-rclosed:
		}
		msg := "connection closed"
		if e != nil {
			msg = b.redactErr(e.Reason)
		}
		b.log.Warn("lost the RabbitMQ connection; reconnecting", "node", n.addr, "error", msg)
		b.setDown(msg)
		_ = rconn.Close()
		_ = conn.Close()
		at = (at + 1) % len(b.nodes)
	}
}

// dial opens the two connections to node n.
func (b *Broker) dial(n node) (conn, rconn *amqp.Connection, err error) {
	open := func(name string) (*amqp.Connection, error) {
		return amqp.DialConfig(n.dialURL, amqp.Config{
			Heartbeat:  b.cfg.Heartbeat,
			Properties: amqp.Table{"connection_name": name, "product": observe.Product, "platform": "Go"},
			Dial:       n.dial,
		})
	}
	if conn, err = open(b.cfg.ConnectionName); err != nil {
		return nil, nil, err
	}
	if rconn, err = open(b.cfg.ConnectionName + " (receivers)"); err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	return conn, rconn, nil
}

func (b *Broker) setConnected(conn, rconn *amqp.Connection, node string) {
	b.mu.Lock()
	b.conn, b.rconn, b.state, b.lastErr, b.node = conn, rconn, board.BrokerConnected, "", node
	b.gen++
	close(b.ready)
	b.cfg.Events(board.NewBrokerEvent(board.BrokerConnected, node, ""))
	b.mu.Unlock()
}

func (b *Broker) setDown(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn != nil {
		b.ready = make(chan struct{})
		b.conn, b.rconn = nil, nil
	}
	if b.state == board.BrokerDown && b.lastErr == msg {
		return
	}
	b.state, b.lastErr, b.node = board.BrokerDown, msg, ""
	b.cfg.Events(board.NewBrokerEvent(board.BrokerDown, "", msg))
}

// State returns the connection state and the last error.
func (b *Broker) State() board.BrokerEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	return board.NewBrokerEvent(b.state, b.node, b.lastErr)
}

// connection returns the open connection, or ErrUnavailable at once when
// there is none (readyChan says when there is one again).
func (b *Broker) connection() (*amqp.Connection, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return usable(b.conn)
}

// clientAddrs are the client addresses of rabbitboard's connections, as
// the broker's names of them begin ("127.0.0.1:52384").
func (b *Broker) clientAddrs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var addrs []string
	for _, c := range []*amqp.Connection{b.conn, b.rconn} {
		if c != nil {
			addrs = append(addrs, c.LocalAddr().String())
		}
	}
	return addrs
}

// rabbitboardsConnection says whether the broker's name of a connection
// is one of this rabbitboard's or, in a group of replicas, of its
// replicas'.
func (b *Broker) rabbitboardsConnection(connection string) bool {
	addr, _, _ := strings.Cut(connection, " -> ")
	return slices.Contains(b.clientAddrs(), addr) || (b.replicas != nil && b.replicas.Owns(addr))
}

// receiverConnection is connection for receivers' channels.
func (b *Broker) receiverConnection() (*amqp.Connection, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return usable(b.rconn)
}

func usable(c *amqp.Connection) (*amqp.Connection, error) {
	if c == nil || c.IsClosed() {
		return nil, board.ErrUnavailable
	}
	return c, nil
}

func (b *Broker) readyChan() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ready
}

// withChannel runs f on a fresh channel that is closed afterwards. A broker
// refusal closes only that channel, so the shared connection stays usable.
// It answers within OpTimeout; a call still waiting on a connection that
// died silently ends when the heartbeat notices, and Close waits for it.
func (b *Broker) withChannel(f func(ch *amqp.Channel) error) error {
	conn, err := b.connection()
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		ch, err := conn.Channel()
		if err != nil {
			done <- refusal.Explain(err)
			return
		}
		defer ch.Close()
		done <- refusal.Explain(f(ch))
	}()
	timer := time.NewTimer(b.cfg.OpTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return board.Fail(board.CodeUnavailable, "err.timeout", "timeout", b.cfg.OpTimeout)
	}
}

// receiverList is rabbitboard's receivers, in no order.
func (b *Broker) receiverList() []*Receiver {
	b.own.mu.Lock()
	defer b.own.mu.Unlock()
	rs := make([]*Receiver, 0, len(b.own.receivers))
	for _, r := range b.own.receivers {
		rs = append(rs, r)
	}
	return rs
}
