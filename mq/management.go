package mq

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

	amqp "github.com/rabbitmq/amqp091-go"
)

// management lists the vhost's queues through the management plugin's HTTP
// API, which AMQP itself cannot do. It is optional: when the plugin is not
// reachable rabbitboard shows the queues it knows. It asks the management
// API of the node in use.
type management struct {
	vhost string

	mu  sync.Mutex
	api endpoint // base "-": turned off
}

func newManagement(nodes []node) *management {
	if len(nodes) == 0 {
		return nil
	}
	u, _ := amqp.ParseURI(nodes[0].raw)
	return &management{vhost: u.Vhost, api: nodes[0].mgmt}
}

// use moves to the management API of the node in use (base "-" when it
// is turned off: parseNodes gives every node that).
func (m *management) use(api endpoint) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.api = api
}

func (m *management) endpoint() endpoint {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.api
}

func (m *management) queues(ctx context.Context) ([]board.QueueInfo, error) {
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
	if err := m.get(ctx, "queues", "name,durable,auto_delete,exclusive,arguments,messages_ready,consumers,message_stats.publish", &listed); err != nil {
		return nil, err
	}
	out := make([]board.QueueInfo, 0, len(listed))
	for _, q := range listed {
		if strings.HasPrefix(q.Name, traceQueuePrefix) {
			continue // rabbitboard's own firehose queues
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

// get fetches one management API listing of the vhost into out.
func (m *management) get(ctx context.Context, what, columns string, out any) error {
	return m.do(ctx, http.MethodGet, m.vhostPath(what)+"?columns="+columns, nil, out)
}

// vhostPath is the API path of a listing of the vhost ("queues" gives
// /api/queues/%2F).
func (m *management) vhostPath(what string) string {
	if m == nil {
		return ""
	}
	return "/api/" + what + "/" + url.PathEscape(m.vhost)
}

// statusError is a management API answer other than success.
type statusError struct{ status int }

func (e *statusError) Error() string {
	return fmt.Sprintf("management API answered %d %s", e.status, http.StatusText(e.status))
}

// do sends one management API request with a JSON body (if any) and
// decodes a JSON answer into out (if not nil).
func (m *management) do(ctx context.Context, method, path string, body, out any) error {
	if m == nil {
		return fmt.Errorf("management API disabled")
	}
	api := m.endpoint()
	switch {
	case api.base == "-":
		return fmt.Errorf("management API disabled")
	case !api.refusal.IsZero():
		return errors.New(api.refusal.String())
	}
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, api.base+path, rd)
	if err != nil {
		return err
	}
	req.SetBasicAuth(api.user, api.password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := api.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &statusError{resp.StatusCode}
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

type mgmtBinding struct {
	Source          string         `json:"source"`
	Destination     string         `json:"destination"`
	DestinationType string         `json:"destination_type"`
	RoutingKey      string         `json:"routing_key"`
	Arguments       map[string]any `json:"arguments"`
}

// topology lists the vhost's exchanges (but the default and amq.* ones)
// and its queue bindings (but the default exchange's).
func (m *management) topology(ctx context.Context) ([]board.ExchangeSpec, []board.BindingSpec, error) {
	var xs []board.ExchangeSpec
	if err := m.get(ctx, "exchanges", "name,type,durable,auto_delete,arguments", &xs); err != nil {
		return nil, nil, err
	}
	var listed []mgmtBinding
	if err := m.get(ctx, "bindings", "source,destination,destination_type,routing_key,arguments", &listed); err != nil {
		return nil, nil, err
	}
	xs = slices.DeleteFunc(xs, func(x board.ExchangeSpec) bool { return x.Name == "" || strings.HasPrefix(x.Name, "amq.") })
	// rabbitboard's own firehose queues are its business, not the lesson's.
	listed = slices.DeleteFunc(listed, func(l mgmtBinding) bool { return strings.HasPrefix(l.Destination, traceQueuePrefix) })
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
