package mq

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rabbitboard/internal/frameguard"
	"rabbitboard/internal/management"
	"rabbitboard/internal/observe"
	"rabbitboard/words"

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
	mgmt     management.Endpoint
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
		dialURL, dial, err := frameguard.Dialer(raw, 2*time.Second)
		if err != nil {
			return nil, err
		}
		uri, _ := amqp.ParseURI(raw)
		n := node{raw: raw, password: uri.Password, dialURL: dialURL, dial: dial, addr: net.JoinHostPort(uri.Host, strconv.Itoa(uri.Port))}
		given := ""
		switch {
		case len(mgmts) == 0:
		case i < len(mgmts):
			given = mgmts[i]
		default:
			given = mgmts[len(mgmts)-1]
		}
		if n.mgmt, err = managementEndpoint(uri, strings.TrimSpace(given)); err != nil {
			return nil, err
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

// managementEndpoint is a node's management API: given ("" derives it
// from the AMQP URL: http on port 15672, or https on 15671 for amqps),
// asked with the credentials given in it, else the AMQP URL's.
func managementEndpoint(uri amqp.URI, given string) (management.Endpoint, error) {
	e := management.Endpoint{Base: given, User: uri.Username, Password: uri.Password}
	if given == "-" {
		return e, nil
	}
	if given == "" {
		e.Base = "http://" + net.JoinHostPort(uri.Host, "15672")
		if uri.Scheme == "amqps" {
			e.Base = "https://" + net.JoinHostPort(uri.Host, "15671")
		}
	}
	u, err := url.Parse(e.Base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return e, &managementURLError{redactURL(e.Base)}
	}
	if u.User != nil {
		e.User = u.User.Username()
		e.Password, _ = u.User.Password()
		u.User = nil
	}
	e.Base = strings.TrimSuffix(u.String(), "/")
	if uri.Scheme == "amqps" && u.Scheme != "https" {
		e.Refusal = words.Say("err.management_https", "url", e.Base, "host", u.Hostname())
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if u.Scheme == "https" {
		conf := &tls.Config{MinVersion: tls.VersionTLS12}
		if uri.Scheme == "amqps" {
			if conf, err = frameguard.TLSConfig(uri); err != nil {
				return e, err
			}
			conf.ServerName = "" // the management URL's host, not the AMQP one's
		}
		transport.TLSClientConfig = conf
	}
	e.Client = &http.Client{Timeout: 5 * time.Second, Transport: transport} // a busy broker answers slowly
	return e, nil
}

// redactURL hides a URL's password.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(a URL that does not parse)"
}

// managementURLError says a management URL does not parse; it names the
// URL without its password.
type managementURLError struct{ url string }

func (e *managementURLError) Error() string {
	return fmt.Sprintf("--management-url %q is not a URL such as http://localhost:15672", e.url)
}

// newManagement is the management API client of the vhost of the first
// node's URL; rabbitboard's firehose queues are left out of its lists.
func newManagement(nodes []node) *management.Client {
	if len(nodes) == 0 {
		return nil
	}
	u, _ := amqp.ParseURI(nodes[0].raw)
	return management.New(u.Vhost, nodes[0].mgmt, observe.TraceQueuePrefix)
}
