package board

// PublishProperties are the basic properties a publisher sets, as users
// name them. Delivery mode comes from Message.Persistent. Events carry only
// the ones that are set.
type PublishProperties struct {
	ContentType   string `json:"content_type,omitempty"`
	MessageID     string `json:"message_id,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
	ReplyTo       string `json:"reply_to,omitempty"`
	Expiration    string `json:"expiration,omitempty"`
	Priority      uint8  `json:"priority,omitempty"`
	Type          string `json:"type,omitempty"`
	AppID         string `json:"app_id,omitempty"`
}

// Properties are a delivered message's properties: what the publisher
// set, and what the broker or another client may add.
type Properties struct {
	PublishProperties
	ContentEncoding string `json:"content_encoding,omitempty"`
	DeliveryMode    uint8  `json:"delivery_mode,omitempty"`
	UserID          string `json:"user_id,omitempty"`
	Timestamp       string `json:"timestamp,omitempty"`
}

// Message is one message to publish, already decoded to bytes.
type Message struct {
	Exchange   string
	RoutingKey string
	Body       []byte
	Persistent bool
	Mandatory  bool
	// Timestamp sets the timestamp property to the time of publishing.
	Timestamp  bool
	Properties PublishProperties
	Headers    map[string]any
}

// PublishResult counts what the broker did with a publish request.
type PublishResult struct {
	Published int `json:"published"`
	Confirmed int `json:"confirmed"`
	Nacked    int `json:"nacked"`
	Returned  int `json:"returned"`
	// Unconfirmed counts messages the broker never answered for (a timeout
	// or a lost connection): they may or may not have arrived.
	Unconfirmed int `json:"unconfirmed"`
}

// RedriveResult says what a redrive did with a queue's messages.
type RedriveResult struct {
	// Moved were published to the exchange and routing key they first
	// had (from their x-death header), confirmed by the broker, then taken
	// off the queue.
	Moved int `json:"moved"`
	// Skipped have no x-death header: they were not dead-lettered, so
	// there is nowhere to send them back to. They stay in the queue.
	Skipped int `json:"skipped"`
	// Unroutable would reach no queue where they came from any more (the
	// broker returned them), or were not confirmed: they stay in the queue.
	Unroutable int `json:"unroutable"`
}
