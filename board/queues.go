package board

// QueueSpec is what a queue is declared with.
type QueueSpec struct {
	Name       string         `json:"name"`
	Durable    bool           `json:"durable"`
	AutoDelete bool           `json:"auto_delete"`
	Arguments  map[string]any `json:"arguments"`
}

// QueueInfo is a queue with its depth: messages ready and consumers.
type QueueInfo struct {
	QueueSpec
	Messages  int `json:"messages"`
	Consumers int `json:"consumers"`
	// Exclusive queues belong to the connection that declared them (a
	// tutorial's server-named reply or log queue): no other connection
	// may consume, purge or delete them, and they go with it.
	Exclusive bool `json:"exclusive,omitempty"`
	// Published is how many messages were published into the queue by
	// anyone since it was declared, as the management API counts them (a
	// few seconds late; dead-lettered messages not counted); 0 without it.
	// The page compares it with rabbitboard's own publishes to notice
	// another program's.
	Published int64 `json:"published,omitempty"`
	// Unavailable says why a queue that exists cannot be used now (its
	// node is down).
	Unavailable string `json:"unavailable,omitempty"`
}
