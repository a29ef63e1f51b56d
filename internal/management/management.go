// Package management is a client of RabbitMQ's management plugin's HTTP
// API, for what AMQP cannot ask: the vhost's queues with their depths, its
// exchanges and bindings, its consumers, connections and channels, its
// tracing switch. It is optional: rabbitboard works without it and says
// what it cannot show.
package management

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"rabbitboard/board"
	"rabbitboard/words"
)

// Endpoint is a node's management API: its base URL ("-": none), the
// credentials it is asked with, and the client that asks it.
type Endpoint struct {
	Base, User, Password string
	// Refusal, when set, says why no request may go there (the password
	// would travel in clear, say).
	Refusal words.Sentence
	Client  *http.Client
}

// Client asks the management API of the node in use about one vhost. A
// nil Client answers every request with an error.
type Client struct {
	Vhost string
	// Own is the prefix of the queues that are the caller's business, not
	// the user's: they are left out of the queue and binding lists.
	Own string

	mu  sync.Mutex
	api Endpoint // Base "-": turned off
}

// New returns a Client of vhost's API at api.
func New(vhost string, api Endpoint, own string) *Client {
	return &Client{Vhost: vhost, api: api, Own: own}
}

// Use moves to the management API of the node in use (Base "-" when it
// is turned off).
func (m *Client) Use(api Endpoint) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.api = api
}

// Endpoint is the API in use.
func (m *Client) Endpoint() Endpoint {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.api
}

// Queues lists the vhost's queues with their depths.
func (m *Client) Queues(ctx context.Context) ([]board.QueueInfo, error) {
	var listed []struct {
		Name       string         `json:"name"`
		Durable    bool           `json:"durable"`
		AutoDelete bool           `json:"auto_delete"`
		Exclusive  bool           `json:"exclusive"`
		Arguments  map[string]any `json:"arguments"`
		Ready      int            `json:"messages_ready"`
		Consumers  int            `json:"consumers"`
		Stats      struct {
			Publish int64 `json:"publish"`
		} `json:"message_stats"`
	}
	if err := m.Get(ctx, "queues", "name,durable,auto_delete,exclusive,arguments,messages_ready,consumers,message_stats.publish", &listed); err != nil {
		return nil, err
	}
	out := make([]board.QueueInfo, 0, len(listed))
	for _, q := range listed {
		if m.Own != "" && strings.HasPrefix(q.Name, m.Own) {
			continue // the caller's own
		}
		if q.Arguments == nil {
			q.Arguments = map[string]any{}
		}
		out = append(out, board.QueueInfo{
			QueueSpec: board.QueueSpec{Name: q.Name, Durable: q.Durable, AutoDelete: q.AutoDelete, Arguments: q.Arguments},
			Messages:  q.Ready, Consumers: q.Consumers, Exclusive: q.Exclusive, Published: q.Stats.Publish,
		})
	}
	return out, nil
}

// Get fetches one management API listing of the vhost into out.
func (m *Client) Get(ctx context.Context, what, columns string, out any) error {
	return m.Do(ctx, http.MethodGet, m.VhostPath(what)+"?columns="+columns, nil, out)
}

// VhostPath is the API path of a listing of the vhost ("queues" gives
// /api/queues/%2F).
func (m *Client) VhostPath(what string) string {
	if m == nil {
		return ""
	}
	return "/api/" + what + "/" + url.PathEscape(m.Vhost)
}

// StatusError is a management API answer other than success.
type StatusError struct{ Status int }

func (e *StatusError) Error() string {
	return fmt.Sprintf("management API answered %d %s", e.Status, http.StatusText(e.Status))
}

// Do sends one management API request with a JSON body (if any) and
// decodes a JSON answer into out (if not nil).
func (m *Client) Do(ctx context.Context, method, path string, body, out any) error {
	if m == nil {
		return fmt.Errorf("management API disabled")
	}
	api := m.Endpoint()
	switch {
	case api.Base == "-":
		return fmt.Errorf("management API disabled")
	case !api.Refusal.IsZero():
		return errors.New(api.Refusal.String())
	}
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, api.Base+path, rd)
	if err != nil {
		return err
	}
	req.SetBasicAuth(api.User, api.Password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := api.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &StatusError{resp.StatusCode}
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

type binding struct {
	Source          string         `json:"source"`
	Destination     string         `json:"destination"`
	DestinationType string         `json:"destination_type"`
	RoutingKey      string         `json:"routing_key"`
	Arguments       map[string]any `json:"arguments"`
}

// Topology lists the vhost's exchanges (but the default and amq.* ones)
// and its queue bindings (but the default exchange's).
func (m *Client) Topology(ctx context.Context) ([]board.ExchangeSpec, []board.BindingSpec, error) {
	var xs []board.ExchangeSpec
	if err := m.Get(ctx, "exchanges", "name,type,durable,auto_delete,arguments", &xs); err != nil {
		return nil, nil, err
	}
	var listed []binding
	if err := m.Get(ctx, "bindings", "source,destination,destination_type,routing_key,arguments", &listed); err != nil {
		return nil, nil, err
	}
	xs = slices.DeleteFunc(xs, func(x board.ExchangeSpec) bool { return x.Name == "" || strings.HasPrefix(x.Name, "amq.") })
	listed = slices.DeleteFunc(listed, func(l binding) bool { return m.Own != "" && strings.HasPrefix(l.Destination, m.Own) })
	for i := range xs {
		if xs[i].Arguments == nil {
			xs[i].Arguments = map[string]any{}
		}
	}
	var bs []board.BindingSpec
	for _, l := range listed {
		if l.Source == "" || l.DestinationType != "queue" {
			continue
		}
		if l.Arguments == nil {
			l.Arguments = map[string]any{}
		}
		bs = append(bs, board.BindingSpec{Exchange: l.Source, Queue: l.Destination, RoutingKey: l.RoutingKey, Arguments: l.Arguments})
	}
	return xs, bs, nil
}
