package board

// ExchangeSpec is what an exchange is declared with.
type ExchangeSpec struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Durable    bool           `json:"durable"`
	AutoDelete bool           `json:"auto_delete"`
	Arguments  map[string]any `json:"arguments"`
}

// BindingSpec routes an exchange's messages to a queue: by routing key
// (direct, topic) or by header arguments (headers, with x-match all/any).
type BindingSpec struct {
	Exchange   string         `json:"exchange"`
	Queue      string         `json:"queue"`
	RoutingKey string         `json:"routing_key"`
	Arguments  map[string]any `json:"arguments"`
	// Label is how the page names the binding: its key, or for a headers
	// exchange its arguments. It is ignored in requests.
	Label string `json:"label,omitempty"`
}

// TopologyEvent carries the exchanges and bindings after they changed.
type TopologyEvent struct {
	Type      EventType      `json:"type"`
	Exchanges []ExchangeSpec `json:"exchanges"`
	Bindings  []BindingSpec  `json:"bindings"`
}

func (TopologyEvent) event() {}

// ExchangeTypes are the types rabbitboard declares. An unknown type would
// make the broker close the whole connection, so it is refused first.
var ExchangeTypes = []string{"direct", "fanout", "topic", "headers"}
