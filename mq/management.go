package mq

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// management lists the vhost's queues through the management plugin's HTTP
// API, which AMQP itself cannot do. It is optional: when the plugin is not
// reachable rabbitboard shows the queues it knows.
type management struct {
	base, vhost, user, password string
	client                      *http.Client
}

func newManagement(amqpURL, base string) *management {
	u, err := amqp.ParseURI(amqpURL)
	if err != nil {
		return nil
	}
	if base == "" {
		base = "http://" + net.JoinHostPort(u.Host, "15672")
	}
	return &management{
		base: base, vhost: u.Vhost, user: u.Username, password: u.Password,
		client: &http.Client{Timeout: 2 * time.Second},
	}
}

func (m *management) queues(ctx context.Context) ([]QueueInfo, error) {
	if m == nil || m.base == "-" {
		return nil, fmt.Errorf("management API disabled")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		m.base+"/api/queues/"+url.PathEscape(m.vhost)+"?columns=name,durable,auto_delete,arguments,messages_ready,consumers", nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(m.user, m.password)
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("management API answered %s", resp.Status)
	}
	var listed []struct {
		Name       string         `json:"name"`
		Durable    bool           `json:"durable"`
		AutoDelete bool           `json:"auto_delete"`
		Arguments  map[string]any `json:"arguments"`
		Ready      int            `json:"messages_ready"`
		Consumers  int            `json:"consumers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&listed); err != nil {
		return nil, err
	}
	out := make([]QueueInfo, 0, len(listed))
	for _, q := range listed {
		if q.Arguments == nil {
			q.Arguments = map[string]any{}
		}
		out = append(out, QueueInfo{
			QueueSpec: QueueSpec{Name: q.Name, Durable: q.Durable, AutoDelete: q.AutoDelete, Arguments: q.Arguments},
			Messages:  q.Ready, Consumers: q.Consumers,
		})
	}
	return out, nil
}
