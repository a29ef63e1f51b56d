// Command rabbitboard is a live, browser-based RabbitMQ dashboard: publish
// from a form and watch receivers on a queue take the messages side by side.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"rabbitboard/board"
	"rabbitboard/hub"
	"rabbitboard/internal/record"
	"rabbitboard/internal/replicas"
	"rabbitboard/mq"
	"rabbitboard/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rabbitboard:", err)
		os.Exit(1)
	}
}

type config struct {
	addr, amqpURL, managementURL string
	publicURL                    string
	allowedHosts                 []string
	startBroker, observe         bool
	heartbeat                    time.Duration
	limits                       web.Limits
	maxReceivers, history        int
	timelineEvents               int
	timelineAge                  time.Duration
	maxViewerQueue, observeQueue int
	maxOutside                   int
	outsideGoneAfter             time.Duration
	maxViewerBehind              time.Duration
	pprofAddr                    string
	procs                        int
	cluster, clusterSecret       string
	wsReadLimit                  int64
	access                       web.Access
	replayFile                   string
	record                       string
	recordRetention              time.Duration
}

func parse(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	envInt := func(name string, def int) int {
		if n, err := strconv.Atoi(getenv(name)); err == nil {
			return n
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("rabbitboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", env("ADDR", "127.0.0.1:8080"), "listen address (ADDR)")
	fs.StringVar(&c.amqpURL, "amqp-url", env("AMQP_URL", "amqp://guest:guest@localhost:5672/"), "RabbitMQ URL, or a cluster's node URLs separated by commas (AMQP_URL); with a password, prefer --amqp-url-file or AMQP_URL: a command line shows in ps")
	urlFile := getenv("AMQP_URL_FILE")
	fs.StringVar(&urlFile, "amqp-url-file", urlFile, "a file whose first line is --amqp-url, which then stays out of ps (AMQP_URL_FILE)")
	fs.StringVar(&c.managementURL, "management-url", env("MANAGEMENT_URL", ""), `management plugin URL for listing every queue (MANAGEMENT_URL), or one per node of --amqp-url separated by commas; default: each node's host, port 15672; "-" turns it off`)
	fs.BoolVar(&c.observe, "observe", getenv("OBSERVE") == "true", "observe other programs' consumers and publishes through RabbitMQ's firehose, switching it on if needed (OBSERVE)")
	fs.IntVar(&c.observeQueue, "observe-queue", envInt("OBSERVE_QUEUE", 10000), "firehose copies that may wait for rabbitboard while it observes; beyond, the oldest are dropped and counted (OBSERVE_QUEUE)")
	fs.IntVar(&c.maxOutside, "max-outside", envInt("MAX_OUTSIDE", 64), "most columns for other programs' consumers while observing; the rest are counted on the page (MAX_OUTSIDE)")
	fs.DurationVar(&c.outsideGoneAfter, "outside-gone-after", time.Minute, "how long a column of another program's consumer stays once it is gone")
	fs.BoolVar(&c.startBroker, "start-broker", getenv("START_BROKER") != "false", "start the local RabbitMQ (rabbitmq-server -detached) when none answers on a loopback URL (START_BROKER)")
	fs.DurationVar(&c.heartbeat, "heartbeat", 2*time.Second, "AMQP heartbeat: how soon a silent network cut is noticed")
	fs.IntVar(&c.limits.MaxBody, "max-body", envInt("MAX_BODY", 1<<20), "largest message body in bytes (MAX_BODY)")
	fs.IntVar(&c.limits.MaxCount, "max-count", envInt("MAX_COUNT", 10000), "most messages one publish may send (MAX_COUNT)")
	fs.IntVar(&c.limits.MaxHeaders, "max-headers", envInt("MAX_HEADERS", 64), "most headers a message may carry (MAX_HEADERS)")
	fs.IntVar(&c.limits.MaxHeaderBytes, "max-header-bytes", envInt("MAX_HEADER_BYTES", 16<<10), "most bytes of headers, as JSON (MAX_HEADER_BYTES)")
	fs.IntVar(&c.maxReceivers, "max-receivers", envInt("MAX_RECEIVERS", 32), "most receivers at once (MAX_RECEIVERS)")
	fs.IntVar(&c.history, "history", envInt("HISTORY", 200), "deliveries kept per receiver for viewers who join later (HISTORY)")
	fs.IntVar(&c.timelineEvents, "timeline-events", web.DefaultTimelineEvents, "events kept in the timeline, GET /api/timeline (0: none)")
	fs.DurationVar(&c.timelineAge, "timeline-age", web.DefaultTimelineAge, "how long the timeline keeps an event")
	fs.IntVar(&c.maxViewerQueue, "max-viewer-queue", envInt("MAX_VIEWER_QUEUE", 4<<20), "bytes that may wait for one viewer before its time behind counts (MAX_VIEWER_QUEUE)")
	fs.DurationVar(&c.maxViewerBehind, "max-viewer-behind", 2*time.Second, "how far behind a viewer past --max-viewer-queue may fall before it is cut off (it reconnects for a fresh snapshot)")
	fs.Int64Var(&c.wsReadLimit, "ws-read-limit", int64(envInt("WS_READ_LIMIT", 4<<10)), "largest WebSocket frame a viewer may send, in bytes (WS_READ_LIMIT)")
	fs.StringVar(&c.access.Token, "token", getenv("DASHBOARD_TOKEN"), "presenter token: needed to change anything; generated when --addr is not loopback (DASHBOARD_TOKEN)")
	fs.StringVar(&c.publicURL, "public-url", getenv("PUBLIC_URL"), "the URL people open, e.g. behind a proxy; its host is served and the presenter link names it (PUBLIC_URL)")
	hosts := env("ALLOWED_HOSTS", "")
	fs.StringVar(&hosts, "allowed-hosts", hosts, "comma-separated host names served besides localhost, 127.0.0.1 and [::1] (ALLOWED_HOSTS); on a non-loopback --addr, without it any name is served")
	fs.StringVar(&c.cluster, "cluster", getenv("CLUSTER"), "a name shared by several rabbitboard processes on one broker: they become one dashboard, each viewer seeing every replica's receivers and events (CLUSTER)")
	fs.StringVar(&c.clusterSecret, "cluster-secret", getenv("CLUSTER_SECRET"), "the secret a --cluster's replicas share: their messages on the broker are sealed with it, since anyone with an AMQP login could otherwise send them; default: --token (CLUSTER_SECRET)")
	fs.IntVar(&c.procs, "procs", envInt("PROCS", 0), "how many cores rabbitboard's goroutines run on at once; 0: half of them (at least one) when the broker runs on this machine, leaving it the rest, else all; GOMAXPROCS, when set, decides instead (PROCS)")
	fs.StringVar(&c.pprofAddr, "pprof", getenv("PPROF_ADDR"), "a loopback address, e.g. 127.0.0.1:6060, to serve Go's profiles on (/debug/pprof/) for finding where time goes (PPROF_ADDR)")
	fs.StringVar(&c.record, "record", getenv("RECORD"), "keep the timeline in the RabbitMQ stream of this name: replicas with the same --record share it, and a restarted rabbitboard shows what happened before (RECORD)")
	fs.DurationVar(&c.recordRetention, "record-retention", 24*time.Hour, "how long the --record stream keeps events (its x-max-age)")
	fs.StringVar(&c.replayFile, "replay", getenv("REPLAY"), "play a timeline downloaded from a dashboard (GET /api/timeline?download=1) to every viewer, with no RabbitMQ (REPLAY)")
	fs.BoolVar(&c.access.Private, "private", getenv("PRIVATE") == "true", "with a token, viewers need it to read too (PRIVATE)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q; see -help", fs.Arg(0))
	}
	err := c.settle(urlFile, hosts)
	return c, err
}

// settle reads the AMQP URL from its file, the allowed hosts from their
// list, and checks the settings that depend on each other.
func (c *config) settle(urlFile, hosts string) error {
	if urlFile != "" {
		data, err := os.ReadFile(urlFile)
		if err != nil {
			return fmt.Errorf("--amqp-url-file: %w", err)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		if c.amqpURL = strings.TrimSpace(line); c.amqpURL == "" {
			return fmt.Errorf("--amqp-url-file %s: the file's first line should be the AMQP URL, and it is empty", urlFile)
		}
	}
	if c.cluster != "" && c.clusterSecret == "" {
		if c.clusterSecret = c.access.Token; c.clusterSecret == "" {
			return errors.New("--cluster needs --cluster-secret (CLUSTER_SECRET) or --token, the same on every replica: replicas seal their messages on the broker with it, since anyone with an AMQP login can publish there")
		}
	}
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.allowedHosts = append(c.allowedHosts, h)
		}
	}
	if c.cluster != "" && !clusterName.MatchString(c.cluster) {
		return fmt.Errorf("--cluster %q: a cluster's name is 1 to 64 letters, digits, '.', '_' or '-'", c.cluster)
	}
	if c.procs < 0 {
		return fmt.Errorf("--procs %d: a number of cores, or 0 to choose", c.procs)
	}
	if c.publicURL != "" {
		u, err := url.Parse(c.publicURL)
		if err != nil || u.Hostname() == "" {
			return fmt.Errorf("--public-url %q is not a URL such as http://dashboard.example:8080", c.publicURL)
		}
		c.allowedHosts = append(c.allowedHosts, u.Hostname())
	}
	return nil
}

// cores is how many cores rabbitboard's goroutines should run on, 0 to
// leave it to Go. With the broker on the same machine and neither --procs
// nor GOMAXPROCS given, it is half of them: rabbitboard's work is many
// small hand-offs between goroutines (the AMQP reader, the receivers, the
// hub, each viewer's writer); across cores each one costs a wake-up dearer
// than the work, spinning on the cores the broker needs. Bench (2) on two
// cores: a fifth to a quarter less dashboard CPU per message on one core
// than on two, and less for the broker too.
func (c config) cores(getenv func(string) string) int {
	if c.procs != 0 || getenv("GOMAXPROCS") != "" {
		return c.procs
	}
	for _, node := range mq.SplitURLs(c.amqpURL) {
		if u, err := url.Parse(node); err == nil && loopbackHost(u.Hostname()) {
			return max(1, runtime.GOMAXPROCS(0)/2)
		}
	}
	return 0
}

var clusterName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// secure gives a dashboard that listens beyond this machine a presenter
// token (generated says it made one) and refuses settings that would be
// open to anyone.
func (c *config) secure() (generated bool, err error) {
	if c.access.Token == "" && !loopback(c.addr) {
		c.access.Token, generated = rand.Text(), true
	}
	if c.access.Private && c.access.Token == "" {
		return generated, errors.New("--private needs a presenter token (--token or DASHBOARD_TOKEN)")
	}
	if c.pprofAddr != "" && !loopback(c.pprofAddr) {
		return generated, fmt.Errorf("--pprof %q: profiles are served on a loopback address only, such as 127.0.0.1:6060", c.pprofAddr)
	}
	return generated, nil
}

// brokerConfig is the AMQP side's configuration; replica names this
// process in a group of replicas (--cluster).
func (c config) brokerConfig(log *slog.Logger, events func(board.Event), replica string) mq.Config {
	mc := mq.Config{
		URL: c.amqpURL, Heartbeat: c.heartbeat, ManagementURL: c.managementURL,
		MaxReceivers: c.maxReceivers, ObserveQueueLength: c.observeQueue, Logger: log, Events: events,
		MaxOutside: c.maxOutside, OutsideGoneAfter: c.outsideGoneAfter,
	}
	if c.cluster != "" {
		mc.Replica = replica
	}
	return mc
}

// run starts the dashboard and serves until ctx is done, then shuts down:
// no new requests, viewers get a close frame, receivers give back what they
// hold, the AMQP connections close.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	c, err := parse(args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stdout, nil))
	generated, stop, err := prepare(&c, getenv, log)
	if err != nil {
		return err
	}
	defer stop()
	viewers := hub.New(hub.Options{MaxQueueBytes: c.maxViewerQueue, MaxBehind: c.maxViewerBehind, ReadLimit: c.wsReadLimit})
	state := web.NewState(viewers, c.history, log)
	state.KeepTimeline(c.timelineEvents, c.timelineAge)
	if c.replayFile != "" {
		return playRecorded(ctx, c, state, viewers, log, stdout)
	}
	replica := strings.ToLower(rand.Text()[:6])
	broker := mq.New(c.brokerConfig(log, state.Apply, replica))
	wc := web.Config{Addr: c.addr, Broker: broker, State: state, Limits: c.limits, Access: c.access, AllowedHosts: c.allowedHosts, Logger: log, ReplicaID: replica}
	var group *replicas.Group
	var srv *web.Server
	if c.cluster != "" {
		group, err = broker.JoinReplicas(replicas.Config{
			Name: c.cluster, Secret: c.clusterSecret, Self: board.ReplicaInfo{ID: replica, Started: time.Now().UTC()},
			Remote: state.ApplyRemote, Joined: state.OwnEvents, Gone: state.ReplicaGone,
			Serve: func(sender string, call []byte) []byte { return srv.ServeForwarded(sender, call) },
		})
		if err != nil {
			return err
		}
		state.Share(replica, group.Forward)
		wc.Replicas = group
	}
	srv = web.New(wc)
	if err := listen(srv, c.addr); err != nil {
		return err
	}
	if group != nil {
		group.SetAddr(srv.Addr()) // before the broker opens: the group is not running yet
	}
	if c.startBroker {
		startLocalBroker(mq.SplitURLs(c.amqpURL)[0], log) // a cluster's first node only
	}
	if err := broker.Open(); err != nil {
		_ = srv.Close(context.Background())
		return err
	}
	if err := keepTimeline(c, broker, state); err != nil {
		return errors.Join(err, srv.Close(context.Background()), broker.Close(context.Background()))
	}
	log.Info("rabbitboard is serving", "url", srv.URL(), "amqp", mq.Redact(c.amqpURL), "presenter_token", c.access.Token != "", "private", c.access.Private, "procs", runtime.GOMAXPROCS(0))
	greet(stdout, srv.URL(), c, generated)

	observing := make(chan struct{})
	go func() {
		defer close(observing)
		if c.observe {
			observeWhenConnected(ctx, broker, log)
		}
	}()

	<-ctx.Done()
	<-observing
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	return errors.Join(srv.Close(shutdown), viewers.Close(shutdown), broker.Close(shutdown))
}

// prepare chooses the cores, secures the settings (generated says a
// presenter token was made) and serves the profiles when asked; stop
// ends the profiles.
func prepare(c *config, getenv func(string) string, log *slog.Logger) (generated bool, stop func(), err error) {
	if n := c.cores(getenv); n > 0 {
		runtime.GOMAXPROCS(n)
	}
	stop = func() {}
	if generated, err = c.secure(); err != nil {
		return generated, stop, err
	}
	if c.pprofAddr != "" {
		stop, err = serveProfiles(c.pprofAddr, log)
	}
	return generated, stop, err
}

// keepTimeline keeps the timeline in the --record stream, when one is named.
func keepTimeline(c config, broker *mq.Broker, state *web.State) error {
	if c.record == "" {
		return nil
	}
	rec, err := broker.Record(record.Config{Name: c.record, Retention: c.recordRetention, Since: c.timelineAge, Read: state.ReadRecorded})
	if err != nil {
		return err
	}
	state.RecordTo(rec)
	return nil
}

// greet says to the person at the terminal where to open the dashboard,
// what it is connected to and how to observe their own programs. The
// generated token is said here once, never logged.
func greet(stdout io.Writer, served string, c config, generated bool) {
	link := publicURL(served)
	if c.publicURL != "" {
		link = strings.TrimSuffix(c.publicURL, "/")
	}
	fmt.Fprintf(stdout, "\nrabbitboard is running: open %s\n", link)
	if generated {
		fmt.Fprintf(stdout, "The presenter opens this link to control the dashboard; others open it without ?token= to watch:\n    %s/?token=%s\n", link, c.access.Token)
	}
	fmt.Fprintf(stdout, "RabbitMQ: %s\n", mq.Redact(c.amqpURL))
	if c.observe {
		fmt.Fprintln(stdout, "Observing other programs: run the tutorial's programs and their consumers appear as columns.")
	} else {
		fmt.Fprintln(stdout, "To see your own programs (the tutorial's send.py, worker.py...) too, start with --observe or press Observe other programs.")
	}
	fmt.Fprintln(stdout)
}

// serveProfiles serves net/http/pprof's profiles on addr until stop.
func serveProfiles(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("profiles are served", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { _ = srv.Close() }, nil
}

// observeWhenConnected starts observing other programs once the broker
// and its management API answer, saying once what is missing meanwhile;
// it gives up when the broker's user may not switch tracing on.
func observeWhenConnected(ctx context.Context, broker *mq.Broker, log *slog.Logger) {
	said := false
	for ctx.Err() == nil {
		if broker.State().State == board.BrokerConnected {
			_, err := broker.Observe(ctx, true)
			if err == nil {
				log.Info("observing other programs through the firehose")
				return
			}
			var me *board.Error
			if errors.As(err, &me) && me.Code == board.CodeAccessRefused {
				log.Warn("cannot observe other programs", "error", err)
				return
			}
			if errors.As(err, &me) && me.Code == board.CodeManagementUnavailable && !said {
				log.Warn("not observing other programs yet: " + me.Error())
				said = true
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// loopback says whether a listen address is reachable from this machine only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && loopbackHost(host)
}

func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// publicURL names this machine instead of a wildcard listen address.
func publicURL(u string) string {
	for _, wildcard := range []string{"0.0.0.0", "[::]"} {
		if strings.Contains(u, "//"+wildcard+":") {
			if name, err := os.Hostname(); err == nil {
				return strings.Replace(u, wildcard, name, 1)
			}
		}
	}
	return u
}

// startLocalBroker starts this machine's RabbitMQ when the URL points at
// this machine and nothing answers there, or says in one line how to get one.
func startLocalBroker(amqpURL string, log *slog.Logger) {
	u, err := url.Parse(amqpURL)
	if err != nil {
		return
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5672"
	}
	if conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), time.Second); err == nil {
		_ = conn.Close()
		return
	}
	if !loopbackHost(host) {
		return
	}
	path, err := exec.LookPath("rabbitmq-server")
	if err != nil {
		log.Warn("no RabbitMQ answers at " + net.JoinHostPort(host, port) + ": install one (apt-get install rabbitmq-server) or run one (docker run -p 5672:5672 rabbitmq:3); rabbitboard keeps retrying")
		return
	}
	log.Info("no RabbitMQ answers at "+net.JoinHostPort(host, port)+"; starting the local one", "command", path+" -detached")
	if err := exec.Command(path, "-detached").Run(); err != nil {
		log.Warn("starting RabbitMQ failed; rabbitboard keeps retrying", "error", err)
	}
}

// playRecorded serves a recorded timeline (--replay) with no broker: every
// viewer is shown it from the start, and the presenter replays any part
// of it again, at any speed, step by step.
func playRecorded(ctx context.Context, c config, state *web.State, viewers *hub.Hub, log *slog.Logger, stdout io.Writer) error {
	f, err := os.Open(c.replayFile)
	if err != nil {
		return fmt.Errorf("--replay: %w", err)
	}
	lines, err := web.ReadTimeline(f, max(c.timelineEvents, web.DefaultTimelineEvents))
	_ = f.Close()
	if err != nil {
		return fmt.Errorf("--replay %s: %w", c.replayFile, err)
	}
	if len(lines) == 0 {
		return fmt.Errorf("--replay %s: the file holds no event; download one with the page's Download the timeline", c.replayFile)
	}
	name := filepath.Base(c.replayFile)
	srv := web.New(web.Config{Addr: c.addr, Broker: mq.New(mq.Config{URL: c.amqpURL, ManagementURL: "-", Logger: log}), State: state, Limits: c.limits, Access: c.access, AllowedHosts: c.allowedHosts, Logger: log, Replay: name})
	if err := listen(srv, c.addr); err != nil {
		return err
	}
	if err := state.PlayRecorded(name, lines); err != nil {
		return errors.Join(err, srv.Close(context.Background()))
	}
	log.Info("rabbitboard is serving", "url", srv.URL(), "replay", c.replayFile, "events", len(lines))
	fmt.Fprintf(stdout, "\nrabbitboard is playing %s (%d events, no RabbitMQ needed): open %s\n\n", name, len(lines), publicURL(srv.URL()))
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	return errors.Join(srv.Close(shutdown), viewers.Close(shutdown))
}

// listen opens the server's port, saying which flag picks another when it
// is taken.
func listen(srv *web.Server, addr string) error {
	err := srv.Open()
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%s is already in use (another rabbitboard, perhaps): choose another address with --addr, e.g. --addr 127.0.0.1:8081", addr)
	}
	return err
}
