package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
	amqp "github.com/rabbitmq/amqp091-go"
)

// bareFanout is what a developer writes by hand with amqp091-go and
// gorilla/websocket, after gorilla's chat example: one auto-ack consumer
// on q, each delivery encoded as a small JSON event and handed to every
// viewer's writer, which sends what queued up as one frame, a JSON array.
// It is the like-for-like baseline of rabbitboard's fan-out: the same
// events to the same viewers, nothing else.
type bareFanout struct {
	URL  string
	pub  *amqp.Channel // on a connection of its own, for the bare publisher
	q    string
	srv  *http.Server
	conn *amqp.Connection
	done func() // deletes the queue

	mu      sync.Mutex
	viewers map[chan []byte]struct{}
}

type bareEvent struct {
	Type     string `json:"type"`
	Receiver string `json:"receiver"`
	Seq      uint64 `json:"seq"`
	Body     string `json:"body"`
}

// startBareFanout declares q afresh and fans its deliveries out.
func startBareFanout(q string) (*bareFanout, error) {
	pub, done, err := bareQueue(q)
	if err != nil {
		return nil, err
	}
	conn, err := amqp.Dial(*amqpURL)
	if err != nil {
		done()
		return nil, err
	}
	fail := func(err error) (*bareFanout, error) {
		conn.Close()
		done()
		return nil, err
	}
	ch, err := conn.Channel()
	if err != nil {
		return fail(err)
	}
	deliveries, err := ch.Consume(q, "", true, false, false, false, nil)
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	b := &bareFanout{URL: "http://" + ln.Addr().String(), pub: pub, q: q, conn: conn, done: done, viewers: map[chan []byte]struct{}{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /publish", b.publish)
	mux.HandleFunc("/", b.serveViewer)
	b.srv = &http.Server{Handler: mux}
	go b.srv.Serve(ln)
	go func() {
		for d := range deliveries {
			event, _ := json.Marshal(bareEvent{Type: "delivery", Receiver: "r1", Seq: d.DeliveryTag, Body: string(d.Body)})
			b.mu.Lock()
			for v := range b.viewers {
				select {
				case v <- event:
				default: // a full queue: the chat example's answer is to drop the viewer
					delete(b.viewers, v)
					close(v)
				}
			}
			b.mu.Unlock()
		}
	}()
	return b, nil
}

func (b *bareFanout) close() {
	_ = b.srv.Close()
	_ = b.conn.Close()
	b.done()
}

var bareUpgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}

// serveViewer sends one viewer a snapshot, then every event queued for it,
// what queued up meanwhile in the same frame, as gorilla's chat example
// does.
func (b *bareFanout) serveViewer(w http.ResponseWriter, r *http.Request) {
	c, err := bareUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	send := make(chan []byte, 1<<16)
	go func() { // the reader: notices the viewer leaving
		for {
			if _, _, err := c.NextReader(); err != nil {
				c.Close()
				return
			}
		}
	}()
	_ = c.WriteMessage(websocket.TextMessage, []byte(`[{"type":"snapshot"}]`))
	b.mu.Lock()
	b.viewers[send] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.viewers, send)
		b.mu.Unlock()
	}()
	for msg := range send {
		w, err := c.NextWriter(websocket.TextMessage)
		if err != nil {
			return
		}
		_, _ = w.Write([]byte{'['})
		_, _ = w.Write(msg)
		for range len(send) {
			_, _ = w.Write([]byte{','})
			_, _ = w.Write(<-send)
		}
		_, _ = w.Write([]byte{']'})
		if w.Close() != nil {
			return
		}
	}
}

// publish publishes ?n= messages with confirms, as the bare client does,
// and answers when the last is confirmed.
func (b *bareFanout) publish(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.FormValue("n"))
	if err == nil {
		err = publishConfirmed(b.pub, b.q, n)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// serveBare runs the bare client and its fan-out as a process of its own
// (-bare-server QUEUE), as rabbitboard is one, so that its CPU is read
// apart from the viewers' and compared with the dashboard's: it prints
// its URL, publishes on POST /publish?n=N, and ends when stdin closes.
func serveBare(q string) error {
	bf, err := startBareFanout(q)
	if err != nil {
		return err
	}
	defer bf.close()
	fmt.Println(bf.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// bareProcess is the bare client and fan-out of serveBare, started from
// this bench's own executable.
type bareProcess struct {
	URL   string
	cmd   *exec.Cmd
	stdin io.Closer
}

func startBareProcess(q string) (*bareProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-bare-server", q, "-amqp-url", *amqpURL)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = stdin.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("the bare process did not start: %w", err)
	}
	return &bareProcess{URL: strings.TrimSpace(line), cmd: cmd, stdin: stdin}, nil
}

func (p *bareProcess) publish(n int) error {
	resp, err := http.Post(p.URL+"/publish?n="+strconv.Itoa(n), "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("the bare process: %s", msg)
	}
	return nil
}

func (p *bareProcess) close() {
	_ = p.stdin.Close()
	_ = p.cmd.Wait()
}
