package mq

import (
	"rabbitboard/board"
	"rabbitboard/words"

	amqp "github.com/rabbitmq/amqp091-go"
)

// content is a message as events show it: its body and headers cut at
// Config.PreviewBytes, for viewers' memory.
func (b *Broker) content(body []byte, props board.Properties, headers amqp.Table) board.Content {
	c := board.Content{BodySize: len(body), Properties: props}
	c.Body, c.Encoding, c.Truncated = Preview(body, b.cfg.PreviewBytes)
	if c.Encoding == "text" {
		c.Encoding = "" // the usual, unsaid
	}
	c.Headers, c.HeadersTruncated, c.Undecodable = previewHeaders(headers, b.cfg.PreviewBytes)
	if c.Undecodable != "" {
		why := undecodable(c.Undecodable)
		c.Undecodable, c.UndecodableSaid = why.In(words.English), words.InEvery(why)
	}
	return c
}

func streamOffset(offset int64, ok bool) *int64 {
	if !ok {
		return nil
	}
	return &offset
}
