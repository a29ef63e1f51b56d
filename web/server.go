// Package web serves the dashboard page, the HTTP API and the WebSocket
// stream. It declares what it needs of the broker (Broker) and of the
// viewers (Viewers); main wires the real ones in.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"rabbitboard/board"
	"rabbitboard/mq"
	"rabbitboard/static"
	"rabbitboard/words"
)

// Broker is what the handlers need of RabbitMQ.
type Broker interface {
	State() board.BrokerEvent
	Publish(context.Context, mq.Publication) (board.PublishResult, error)
	Queues(context.Context) ([]board.QueueInfo, error)
	InspectQueue(name string) (board.QueueInfo, error)
	DeclareQueue(board.QueueSpec) (board.QueueInfo, error)
	DeleteQueue(name string) error
	PurgeQueue(name string) (int, error)
	Redrive(ctx context.Context, queue string, max int) (board.RedriveResult, error)
	AddReceiver(board.ReceiverSpec) (board.ReceiverInfo, error)
	Receivers() []board.ReceiverInfo
	Receiver(id string) (*mq.Receiver, error)
	DeclareExchange(board.ExchangeSpec) (board.ExchangeSpec, error)
	DeleteExchange(name string) error
	ExchangeExists(name string) bool
	CompareConfirms(ctx context.Context, queue, limited string, n, limit int) (board.ConfirmsEvent, error)
	Bind(board.BindingSpec) (board.BindingSpec, error)
	Unbind(board.BindingSpec) error
	Topology(context.Context) board.TopologyEvent
	Observe(ctx context.Context, enabled bool) (board.ObserveEvent, error)
	ObserveStatus() board.ObserveEvent
	SetObserveFilter(filter string) board.ObserveEvent
	ClearGone() int
	ReadStream(name string, from int64, limit int) (board.StreamLog, error)
	StreamReaders(ctx context.Context, stream string) ([]board.StreamReader, error)
	// Nodes is how many node URLs rabbitboard was given.
	Nodes() int
	// Pace, SetPace and Step: the pace of rabbitboard's receivers.
	Pace() float64
	SetPace(pace float64) error
	Step() error
}

// Limits bound what one request may ask for.
type Limits struct {
	// MaxBody is the largest message body, in bytes after base64 decoding.
	MaxBody int
	// MaxCount is the most messages one publish request may send.
	MaxCount int
	// MaxHeaders and MaxHeaderBytes bound a message's headers.
	MaxHeaders     int
	MaxHeaderBytes int
}

func (l *Limits) defaults() {
	if l.MaxBody == 0 {
		l.MaxBody = 1 << 20
	}
	if l.MaxCount == 0 {
		l.MaxCount = 10000
	}
	if l.MaxHeaders == 0 {
		l.MaxHeaders = 64
	}
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = 16 << 10
	}
}

// maxRequest is the largest request body: a body at its limit, JSON-escaped
// at worst ("\u0000" is six bytes for one), plus room for the rest.
func (l Limits) maxRequest() int64 {
	return int64(l.MaxBody)*6 + int64(l.MaxHeaderBytes)*6 + 64<<10
}

// Config configures a Server.
type Config struct {
	// Addr is the listen address; ":0" picks a free port (tests).
	Addr   string
	Broker Broker
	State  *State
	Limits Limits
	Access Access
	// AllowedHosts are Host names served besides the loopback names; see
	// allowedHosts.
	AllowedHosts []string
	Logger       *slog.Logger
	// Replicas is the other replicas of the group (--cluster) this one
	// belongs to; nil without one.
	Replicas Replicas
	// ReplicaID names this process in GET /api/replicas.
	ReplicaID string
	// Replay names the recorded timeline played (--replay); no broker is
	// used.
	Replay string
}

// Server is the dashboard's HTTP server.
type Server struct {
	cfg      Config
	log      *slog.Logger
	ln       net.Listener
	srv      *http.Server
	upgrader websocket.Upgrader
	served   chan error
	lessons  lessons
	hosts    map[string]bool // set by Open, before serving
	mux      *http.ServeMux  // the routes, without the access checks in front
	started  time.Time
}

// New returns a Server; Open starts it.
func New(cfg Config) *Server {
	cfg.Limits.defaults()
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Logger, lessons: lessons{made: map[string]*made{}}, started: time.Now().UTC()}
	// Viewers send nothing, so reading needs little. Frames are written
	// as built, once for every viewer; a snapshot or merged frames go out
	// through a large buffer that is pooled, not kept per viewer.
	s.upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 64 << 10, WriteBufferPool: &sync.Pool{}}
	s.srv = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		// A request body arrives within a minute; a kept-alive connection
		// idle for two is closed. (A WebSocket sets its own deadlines.)
		ReadTimeout: time.Minute,
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return s
}

// Open binds the listener, so a taken port fails here, and starts serving.
func (s *Server) Open() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.hosts = allowedHosts(ln.Addr(), s.cfg.AllowedHosts)
	s.served = make(chan error, 1)
	go func() { s.served <- s.srv.Serve(ln) }()
	return nil
}

// URL is the base URL the server answers on.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Addr is the address the server listens on, once open.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops taking requests and waits, until ctx is done, for those in
// flight. WebSocket viewers are the hub's to close.
func (s *Server) Close(ctx context.Context) error {
	if s.ln == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if serr := <-s.served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) { mux.HandleFunc(pattern, h) }

	handle("GET /{$}", s.page)
	mux.Handle("GET /static/", http.StripPrefix("/static/", static.Handler()))
	handle("GET /healthz", s.health)
	handle("GET /ws", s.websocket)
	handle("GET /api/stats", s.stats)

	handle("GET /api/queues", s.listQueues)
	handle("POST /api/queues", s.declareQueue)
	handle("GET /api/queues/{name}", s.getQueue)
	handle("GET /api/queues/{name}/log", s.streamLog)
	handle("GET /stream", s.streamPage)
	handle("DELETE /api/queues/{name}", s.deleteQueue)
	handle("POST /api/queues/{name}/delete", s.deleteQueue)
	handle("POST /api/queues/{name}/purge", s.purgeQueue)
	handle("POST /api/queues/delete", s.deleteQueue)
	handle("POST /api/queues/purge", s.purgeQueue)
	handle("POST /api/queues/redrive", s.redriveQueue)
	handle("POST /api/queues/{name}/redrive", s.redriveQueue)

	handle("POST /api/publish", s.publish)

	handle("GET /api/observe", s.observeStatus)
	handle("POST /api/observe", s.observe)
	handle("POST /api/observe/clear-gone", s.clearGone)

	handle("GET /api/timeline", s.getTimeline)
	handle("GET /api/pace", s.getPace)
	handle("POST /api/pace", s.setPace)
	handle("POST /api/pace/step", s.step)
	handle("GET /api/journey", s.getJourney)
	handle("POST /api/republish", s.republish)
	handle("GET /api/replay", s.getReplay)
	handle("POST /api/replay", s.startReplay)
	handle("POST /api/replay/step", s.stepReplay)
	handle("POST /api/replay/live", s.liveAgain)
	handle("POST /api/replay/file", s.replayFile)

	handle("GET /api/presets", s.listLessons)
	handle("POST /api/confirms", s.measureConfirms)
	handle("POST /api/presets/{name}", s.setUpLesson)
	handle("POST /api/presets/{name}/reset", s.resetLesson)

	handle("GET /api/exchanges", s.listExchanges)
	handle("POST /api/exchanges", s.declareExchange)
	handle("DELETE /api/exchanges/{name}", s.deleteExchange)
	handle("POST /api/exchanges/{name}/delete", s.deleteExchange)
	handle("GET /api/bindings", s.listBindings)
	handle("POST /api/bindings", s.bind)
	handle("DELETE /api/bindings", s.unbind)
	handle("POST /api/bindings/delete", s.unbind)

	handle("GET /api/receivers", s.listReceivers)
	handle("POST /api/receivers", s.addReceiver)
	handle("GET /api/receivers/{id}", s.getReceiver)
	handle("DELETE /api/receivers/{id}", s.ownedElsewhere(board.ActionDelete, s.receiverAction(board.ActionDelete)))
	for _, action := range board.Actions {
		handle("POST /api/receivers/{id}/"+string(action), s.ownedElsewhere(action, s.receiverAction(action)))
	}
	handle("POST /api/receivers/{id}/deliveries/{tag}/{outcome}", s.ownedElsewhere("", s.settle))
	handle("GET /api/replicas", s.listReplicas)

	// Anything else under /api/ answers in the contract's error format.
	handle("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, board.CodeNotFound, words.Say("err.no_endpoint", "method", r.Method, "path", r.URL.Path))
	})
	for _, p := range []string{"/api/queues", "/api/queues/{name}", "/api/queues/{name}/purge", "/api/queues/{name}/redrive", "/api/publish", "/api/receivers", "/api/receivers/{id}", "/api/exchanges", "/api/exchanges/{name}", "/api/bindings", "/api/observe", "/api/pace", "/api/pace/step", "/api/replay", "/api/replay/step", "/api/replay/live", "/api/replay/file", "/api/replicas", "/healthz"} {
		handle(p, methodNotAllowed)
	}
	s.mux = mux

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusForbidden, board.CodeForbidden, words.Say("err.cross_origin"))
	}))
	return checkHost(func() map[string]bool { return s.hosts }, csrf.Handler(s.cfg.Access.guard(sniffJSON(mux))))
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusMethodNotAllowed, board.CodeInvalid, words.Say("err.method", "method", r.Method, "path", r.URL.Path))
}
