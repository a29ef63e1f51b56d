package mq

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// node is one RabbitMQ node rabbitboard may connect to: one URL of a
// cluster's list.
type node struct {
	raw      string // as given, password and all
	password string
	dialURL  string
	dial     func(network, addr string) (net.Conn, error)
	addr     string // host:port, as people and the page name the node
	mgmt     string // its management API's base URL
}

// SplitURLs splits a comma-separated list of AMQP URLs (a cluster's
// nodes). Only a comma that starts another amqp:// or amqps:// URL
// separates: one inside a URL (in a password that was not percent-encoded,
// say) stays where it is.
func SplitURLs(raw string) []string {
	var urls []string
	for _, part := range strings.Split(raw, ",") {
		p := strings.TrimSpace(part)
		if len(urls) > 0 && !strings.HasPrefix(p, "amqp://") && !strings.HasPrefix(p, "amqps://") {
			urls[len(urls)-1] += "," + part
			continue
		}
		urls = append(urls, p)
	}
	return urls
}

// parseNodes reads the AMQP URL list and the management URL setting: ""
// derives each node's from its host (port 15672), "-" turns it off, and a
// list gives one for each node, in the same order.
func parseNodes(rawURLs, management string) ([]node, error) {
	var mgmts []string
	if management != "" {
		mgmts = strings.Split(management, ",")
	}
	var nodes []node
	for i, raw := range SplitURLs(rawURLs) {
		dialURL, dial, err := dialer(raw, 2*time.Second)
		if err != nil {
			return nil, err
		}
		uri, _ := amqp.ParseURI(raw)
		n := node{raw: raw, password: uri.Password, dialURL: dialURL, dial: dial, addr: net.JoinHostPort(uri.Host, strconv.Itoa(uri.Port))}
		switch {
		case len(mgmts) == 0:
			n.mgmt = "http://" + net.JoinHostPort(uri.Host, "15672")
		case i < len(mgmts):
			n.mgmt = strings.TrimSuffix(strings.TrimSpace(mgmts[i]), "/")
		default:
			n.mgmt = strings.TrimSuffix(strings.TrimSpace(mgmts[len(mgmts)-1]), "/")
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// Redact hides the passwords of an AMQP URL or a list of them.
func Redact(raw string) string {
	urls := SplitURLs(raw)
	for i, u := range urls {
		p, err := url.Parse(u)
		if err != nil {
			urls[i] = "(unparsable AMQP URL)"
			continue
		}
		urls[i] = p.Redacted()
	}
	return strings.Join(urls, ",")
}

// redactErr removes every URL's password from an error text, whatever
// form the URL or the password was written in.
func (b *Broker) redactErr(text string) string {
	for _, n := range b.nodes {
		for _, s := range []string{n.raw, n.dialURL} {
			if s != "" {
				text = strings.ReplaceAll(text, s, "(the AMQP URL)")
			}
		}
		if n.password != "" {
			for _, pw := range []string{n.password, url.QueryEscape(n.password), url.PathEscape(n.password), url.UserPassword("", n.password).String()[1:]} {
				if pw != "" {
					text = strings.ReplaceAll(text, pw, "xxxxx")
				}
			}
		}
	}
	return text
}

// Nodes is how many node URLs rabbitboard was given: more than one is a
// cluster.
func (b *Broker) Nodes() int { return len(b.nodes) }
