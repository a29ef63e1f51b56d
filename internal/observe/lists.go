package observe

import (
	"cmp"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"rabbitboard/board"
)

// The broker's lists of consumers, connections and channels, read
// through the management API: who consumes what, and what each is called.

// consumerKey is what a traced delivery says of its consumer. Several
// consumers of one queue on one channel cannot be told apart: they are
// one outside receiver.
type consumerKey struct {
	Connection string
	Channel    int
	Queue      string
}

// outsideConsumer is a consumer of another program, as the management API
// lists it.
type outsideConsumer struct {
	Key         consumerKey
	Tags        []string
	Prefetch    int
	AckRequired bool
	Name        string // the connection's name for people
	Client      string // product and version
	Unacked     int64  // the channel's, from its statistics
}

// The management API's lists, as far as observing needs them.
type (
	mgmtConsumer struct {
		Tag         string                `json:"consumer_tag"`
		Channel     json.RawMessage       `json:"channel_details"` // [] for a consumer's first moments
		Queue       struct{ Name string } `json:"queue"`
		AckRequired bool                  `json:"ack_required"`
		Prefetch    int                   `json:"prefetch_count"`
	}
	mgmtChannelDetails struct {
		ConnectionName string `json:"connection_name"`
		Number         int    `json:"number"`
		PeerHost       string `json:"peer_host"`
		PeerPort       int    `json:"peer_port"`
	}
	mgmtConnection struct {
		Name             string         `json:"name"`
		ClientProperties map[string]any `json:"client_properties"`
		PeerHost         string         `json:"peer_host"`
		PeerPort         int            `json:"peer_port"`
	}
	mgmtChannel struct {
		Number            int   `json:"number"`
		Unacked           int64 `json:"messages_unacknowledged"`
		ConnectionDetails struct {
			Name string `json:"name"`
		} `json:"connection_details"`
	}
)

// outsideConsumers groups the broker's consumers by what a trace can tell
// apart, names them for people, and leaves out every rabbitboard's own.
// own lists the connections of rabbitboard processes.
func outsideConsumers(consumers []mgmtConsumer, conns []mgmtConnection, channels []mgmtChannel) (outside map[consumerKey]outsideConsumer, own map[string]bool) {
	byName := map[string]mgmtConnection{}
	own = map[string]bool{}
	for _, c := range conns {
		byName[c.Name] = c
		if c.ClientProperties["product"] == Product {
			own[c.Name] = true
		}
	}
	unacked := map[consumerKey]int64{}
	for _, ch := range channels {
		unacked[consumerKey{Connection: ch.ConnectionDetails.Name, Channel: ch.Number}] = ch.Unacked
	}
	outside = map[consumerKey]outsideConsumer{}
	for _, c := range consumers {
		var ch mgmtChannelDetails
		if json.Unmarshal(c.Channel, &ch) != nil || ch.ConnectionName == "" || own[ch.ConnectionName] {
			continue
		}
		key := consumerKey{Connection: ch.ConnectionName, Channel: ch.Number, Queue: c.Queue.Name}
		oc, ok := outside[key]
		if !ok {
			conn := byName[ch.ConnectionName]
			oc = outsideConsumer{Key: key, Prefetch: c.Prefetch, AckRequired: c.AckRequired,
				Name: connectionLabel(conn, ch), Client: clientLabel(conn),
				Unacked: unacked[consumerKey{Connection: ch.ConnectionName, Channel: ch.Number}]}
		}
		oc.Tags = append(oc.Tags, c.Tag)
		slices.Sort(oc.Tags)
		outside[key] = oc
	}
	return outside, own
}

// connectionLabel is the name a client gave its connection, else its
// product's first word in lower case and its address.
func connectionLabel(c mgmtConnection, ch mgmtChannelDetails) string {
	if name, ok := c.ClientProperties["connection_name"].(string); ok && name != "" {
		return name
	}
	product, _ := c.ClientProperties["product"].(string)
	word, _, _ := strings.Cut(strings.TrimSpace(product), " ")
	if word == "" {
		word = "client"
	}
	host, port := c.PeerHost, c.PeerPort
	if host == "" {
		host, port = ch.PeerHost, ch.PeerPort
	}
	return strings.ToLower(word) + " " + host + ":" + strconv.Itoa(port)
}

func clientLabel(c mgmtConnection) string {
	product, _ := c.ClientProperties["product"].(string)
	version, _ := c.ClientProperties["version"].(string)
	return strings.TrimSpace(product + " " + version)
}

// poll reads the broker's consumer, connection and channel lists and
// updates the outside receivers: new ones appear, ones that left are gone.
func (o *Observer) poll(ctx context.Context) {
	consumers, conns, channels, ok := o.lists(ctx)
	if !ok {
		return
	}
	outside, own := outsideConsumers(consumers, conns, channels)
	names := map[string]string{}
	for _, c := range conns {
		names[c.Name] = connectionLabel(c, mgmtChannelDetails{})
	}
	var changed []board.ReceiverInfo
	var removed []string
	var settled []board.SettledEvent
	now := time.Now()
	o.mu.Lock()
	if !o.enabled {
		o.mu.Unlock()
		return
	}
	o.own, o.names, o.confirmed, o.lastPoll = own, names, map[string]bool{}, now
	keys := slices.SortedFunc(maps.Keys(outside), compareKeys)
	notShown := 0
	for _, key := range keys {
		oc := outside[key]
		if !o.shownLocked(key.Queue, "", key.Connection, oc.Name) {
			continue
		}
		r, ok := o.outside[key]
		if !ok {
			if r = o.addLocked(key); r == nil {
				notShown++
				continue
			}
		}
		if r.state != board.StateConsuming || !reflect.DeepEqual(r.consumer, oc) {
			r.consumer, r.state = oc, board.StateConsuming
			changed = append(changed, r.info())
		}
		settled = append(settled, r.reconcile(now)...)
	}
	for key, r := range o.outside {
		_, listed := outside[key]
		switch {
		case r.state == board.StateGone && now.Sub(r.since) > o.cfg.GoneAfter:
			removed = append(removed, r.id)
			delete(o.outside, key)
		case r.state == board.StateConsuming && !listed && (!r.provisional() || now.Sub(r.since) > unlistedFor):
			r.state, r.since = board.StateGone, now
			changed = append(changed, r.info())
		}
		settled = append(settled, r.settleLeft(now)...)
	}
	if len(removed) > 0 {
		o.order = slices.DeleteFunc(o.order, func(k consumerKey) bool { return o.outside[k] == nil })
	}
	report := o.notShown != notShown
	o.notShown = notShown
	o.mu.Unlock()
	o.announce(removed, changed, settled, report)
}

// lists reads the vhost's consumers, connections and channels from the
// management API; ok is false when any of them did not answer.
func (o *Observer) lists(ctx context.Context) (consumers []mgmtConsumer, conns []mgmtConnection, channels []mgmtChannel, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*o.cfg.OpTimeout) // three lists, from a busy broker perhaps
	defer cancel()
	m := o.cfg.Management
	vpath := url.PathEscape(m.Vhost)
	ok = m.Do(ctx, http.MethodGet, "/api/consumers/"+vpath, nil, &consumers) == nil &&
		m.Do(ctx, http.MethodGet, "/api/vhosts/"+vpath+"/connections?columns=name,client_properties,peer_host,peer_port", nil, &conns) == nil &&
		m.Do(ctx, http.MethodGet, "/api/vhosts/"+vpath+"/channels?columns=number,messages_unacknowledged,connection_details", nil, &channels) == nil
	return consumers, conns, channels, ok
}

// announce tells every viewer what a poll found: columns gone, settled
// deliveries, changed columns (and their queues' consumer counts at once,
// not as the statistics lag), and the count of consumers not shown.
func (o *Observer) announce(removed []string, changed []board.ReceiverInfo, settled []board.SettledEvent, report bool) {
	for _, id := range removed {
		o.cfg.Events(board.ReceiverRemovedEvent{Type: board.TypeReceiverRemoved, Receiver: id})
	}
	if report {
		o.report()
	}
	for _, ev := range settled {
		o.cfg.Events(ev)
	}
	refreshed := map[string]bool{}
	for _, info := range changed {
		o.cfg.Events(board.ReceiverEvent{Type: board.TypeReceiver, Receiver: info})
		if !refreshed[info.Queue] {
			refreshed[info.Queue] = true
			o.host.RefreshQueue(info.Queue)
		}
	}
}

// compareKeys orders consumers by queue, connection and channel: columns
// appear in that order.
func compareKeys(a, b consumerKey) int {
	return cmp.Or(cmp.Compare(a.Queue, b.Queue), cmp.Compare(a.Connection, b.Connection), cmp.Compare(a.Channel, b.Channel))
}

// addLocked makes a column for a consumer the trace or the lists named;
// nil when the columns of other programs are at their cap.
func (o *Observer) addLocked(key consumerKey) *outsideReceiver {
	if len(o.outside) >= o.cfg.MaxOutside {
		return nil
	}
	o.nextID++
	r := &outsideReceiver{id: o.idPrefix() + "o" + strconv.Itoa(o.nextID), replica: o.cfg.Replica, state: board.StateConsuming, since: time.Now(),
		consumer: outsideConsumer{Key: key, Name: o.names[key.Connection]}}
	if r.consumer.Name == "" {
		r.consumer.Name = addressLabel(key.Connection)
	}
	taken := map[int]bool{}
	for _, other := range o.outside {
		taken[other.colour] = true
	}
	r.colour = board.ColourFor(r.consumer.Name+" "+key.Queue, taken)
	o.outside[key] = r
	o.order = append(o.order, key)
	return r
}

// isRabbitboard makes sure a connection the last lists called a
// rabbitboard's is one now: a client that closed may be listed a little
// longer, and a new program's connection may get its address and so its
// name. It asks the broker about that connection once per lists.
func (o *Observer) isRabbitboard(ctx context.Context, connection string) bool {
	o.mu.Lock()
	is, asked := o.confirmed[connection]
	o.mu.Unlock()
	if asked {
		return is
	}
	c, err := o.askConnection(ctx, connection)
	is = err != nil || c.ClientProperties["product"] == Product // not knowing, keep the lists' word
	o.mu.Lock()
	if o.confirmed != nil {
		o.confirmed[connection] = is
	}
	o.mu.Unlock()
	return is
}

// askConnection asks the broker about one connection, by its name.
func (o *Observer) askConnection(ctx context.Context, connection string) (mgmtConnection, error) {
	var c mgmtConnection
	ctx, cancel := context.WithTimeout(ctx, o.cfg.OpTimeout)
	defer cancel()
	err := o.cfg.Management.Do(ctx, http.MethodGet, "/api/connections/"+url.PathEscape(connection), nil, &c)
	return c, err
}

// nameOf names a connection for people. One the last lists did not hold
// (a short-lived publisher, say) is asked for at once; one already closed
// is named by its address.
func (o *Observer) nameOf(ctx context.Context, connection string) (name string, known bool) {
	o.mu.Lock()
	name, ok := o.names[connection]
	o.mu.Unlock()
	if ok {
		return name, true
	}
	c, err := o.askConnection(ctx, connection)
	if err != nil {
		return addressLabel(connection), false // closed already, or not known yet: asked again next time
	}
	name = connectionLabel(c, mgmtChannelDetails{})
	o.mu.Lock()
	if o.names != nil {
		o.names[connection] = name
	}
	if c.ClientProperties["product"] == Product && o.own != nil {
		o.own[connection] = true // a rabbitboard newer than the last lists
	}
	o.mu.Unlock()
	return name, true
}

// addressLabel names a connection known only by the broker's name for it
// ("127.0.0.1:52384 -> 127.0.0.1:5672") by the client's address.
func addressLabel(connection string) string {
	client, _, _ := strings.Cut(connection, " -> ")
	return "client " + client
}

// Receivers lists the outside receivers in the order they appeared.
func (o *Observer) Receivers() []board.ReceiverInfo {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]board.ReceiverInfo, 0, len(o.order))
	for _, key := range o.order {
		out = append(out, o.outside[key].info())
	}
	return out
}

// IsOutside says whether an id names an outside receiver.
func (o *Observer) IsOutside(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.outside {
		if r.id == id {
			return true
		}
	}
	return false
}
