package mq

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"rabbitboard/board"
	"rabbitboard/words"

	amqp "github.com/rabbitmq/amqp091-go"
)

// bindingLabel names a binding by its key or its header arguments.
func bindingLabel(b board.BindingSpec) string {
	if len(b.Arguments) == 0 {
		return b.RoutingKey
	}
	parts := make([]string, 0, len(b.Arguments))
	for _, k := range slices.Sorted(maps.Keys(b.Arguments)) {
		v := b.Arguments[k]
		if s, ok := v.(string); ok {
			parts = append(parts, k+"="+s)
			continue
		}
		j, _ := json.Marshal(v)
		parts = append(parts, k+"="+string(j))
	}
	return strings.Join(parts, " ")
}

// bindingKey tells bindings apart.
func bindingKey(b board.BindingSpec) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%v", b.Exchange, b.Queue, b.RoutingKey, b.Arguments)
}

func checkExchange(spec board.ExchangeSpec) error {
	if err := checkName("exchange", spec.Name); err != nil {
		return err
	}
	for _, t := range board.ExchangeTypes {
		if spec.Type == t {
			return nil
		}
	}
	return invalid("err.exchange_type", "value", fmt.Sprintf("%q", spec.Type))
}

// DeclareExchange declares an exchange. An alternate exchange goes in
// Arguments["alternate-exchange"].
func (b *Broker) DeclareExchange(spec board.ExchangeSpec) (board.ExchangeSpec, error) {
	if err := checkExchange(spec); err != nil {
		return spec, err
	}
	args, err := toTable(spec.Arguments)
	if err != nil {
		return spec, invalid("err.exchange_args", "why", said(err))
	}
	if err := b.withChannel(func(ch *amqp.Channel) error {
		return ch.ExchangeDeclare(spec.Name, spec.Type, spec.Durable, spec.AutoDelete, false, false, args)
	}); err != nil {
		return spec, err
	}
	if spec.Arguments == nil {
		spec.Arguments = map[string]any{}
	}
	b.topo.mu.Lock()
	b.topo.exchanges[spec.Name] = spec
	b.topo.mu.Unlock()
	b.topologyChanged()
	return spec, nil
}

// ExchangeExists says whether an exchange of that name exists (false too
// when the broker cannot be asked).
func (b *Broker) ExchangeExists(name string) bool {
	if name == "" || checkName("exchange", name) != nil {
		return name == ""
	}
	return b.withChannel(func(ch *amqp.Channel) error {
		return ch.ExchangeDeclarePassive(name, "direct", false, false, false, false, nil)
	}) == nil
}

// DeleteExchange deletes an exchange and its bindings.
func (b *Broker) DeleteExchange(name string) error {
	if name == "" || strings.HasPrefix(name, "amq.") {
		return board.Fail(board.CodeAccessRefused, "err.exchange_owned", "exchange", name)
	}
	if err := checkName("exchange", name); err != nil {
		return err
	}
	if err := b.withChannel(func(ch *amqp.Channel) error {
		return ch.ExchangeDeclarePassive(name, "direct", false, false, false, false, nil)
	}); err != nil {
		return err
	}
	if err := b.withChannel(func(ch *amqp.Channel) error { return ch.ExchangeDelete(name, false, false) }); err != nil {
		return err
	}
	b.topo.mu.Lock()
	delete(b.topo.exchanges, name)
	for k, bd := range b.topo.bindings {
		if bd.Exchange == name {
			delete(b.topo.bindings, k)
		}
	}
	b.topo.mu.Unlock()
	b.topologyChanged()
	return nil
}

func checkBinding(bd board.BindingSpec) error {
	if bd.Exchange == "" {
		return invalid("err.bind_default")
	}
	if err := checkName("exchange", bd.Exchange); err != nil {
		return err
	}
	if err := checkName("queue", bd.Queue); err != nil {
		return err
	}
	if err := checkShortstr(words.Say("word.routing_key"), bd.RoutingKey); err != nil {
		return err
	}
	if m, ok := bd.Arguments["x-match"]; ok {
		switch m {
		case "all", "any", "all-with-x", "any-with-x":
		default:
			return invalid("err.x_match", "value", fmt.Sprint(m))
		}
	}
	return nil
}

// Bind binds a queue to an exchange.
func (b *Broker) Bind(bd board.BindingSpec) (board.BindingSpec, error) {
	return b.binding(bd, true)
}

// Unbind removes a binding.
func (b *Broker) Unbind(bd board.BindingSpec) error {
	_, err := b.binding(bd, false)
	return err
}

// binding makes (bind) or removes a binding and keeps rabbitboard's list
// of them up to date.
func (b *Broker) binding(bd board.BindingSpec, bind bool) (board.BindingSpec, error) {
	if err := checkBinding(bd); err != nil {
		return bd, err
	}
	args, err := toTable(bd.Arguments)
	if err != nil {
		return bd, invalid("err.binding_args", "why", said(err))
	}
	if err := b.withChannel(func(ch *amqp.Channel) error {
		if bind {
			return ch.QueueBind(bd.Queue, bd.RoutingKey, bd.Exchange, false, args)
		}
		return ch.QueueUnbind(bd.Queue, bd.RoutingKey, bd.Exchange, args)
	}); err != nil {
		return bd, err
	}
	if bd.Arguments == nil {
		bd.Arguments = map[string]any{}
	}
	b.topo.mu.Lock()
	if bind {
		b.topo.bindings[bindingKey(bd)] = bd
	} else {
		delete(b.topo.bindings, bindingKey(bd))
	}
	b.topo.mu.Unlock()
	b.topologyChanged()
	return bd, nil
}

// Topology lists the exchanges and bindings: rabbitboard's own, and every
// one of the vhost when the management plugin answers.
func (b *Broker) Topology(ctx context.Context) board.TopologyEvent {
	ev := board.TopologyEvent{Type: board.TypeTopology, Exchanges: []board.ExchangeSpec{}, Bindings: []board.BindingSpec{}}
	exchanges := map[string]board.ExchangeSpec{}
	bindings := map[string]board.BindingSpec{}
	if xs, bs, err := b.mgmt.Topology(ctx); err == nil {
		for _, x := range xs {
			exchanges[x.Name] = x
		}
		for _, bd := range bs {
			bindings[bindingKey(bd)] = bd
		}
	}
	b.topo.mu.Lock()
	for name, x := range b.topo.exchanges {
		exchanges[name] = x
	}
	for k, bd := range b.topo.bindings {
		bindings[k] = bd
	}
	b.topo.mu.Unlock()
	for _, name := range slices.Sorted(maps.Keys(exchanges)) {
		ev.Exchanges = append(ev.Exchanges, exchanges[name])
	}
	for _, k := range slices.Sorted(maps.Keys(bindings)) {
		bd := bindings[k]
		bd.Label = bindingLabel(bd)
		ev.Bindings = append(ev.Bindings, bd)
	}
	return ev
}

// topologyChanged reads the topology again and reports it if it changed.
func (b *Broker) topologyChanged() {
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.OpTimeout)
	defer cancel()
	t := b.Topology(ctx)
	b.topo.mu.Lock()
	same := reflect.DeepEqual(t, b.topo.topology)
	b.topo.topology = t
	b.topo.mu.Unlock()
	if !same {
		b.cfg.Events(t)
	}
}

// route predicts where a message goes from the last topology read.
func (b *Broker) route(exchange, routingKey string, headers map[string]any) []string {
	b.topo.mu.Lock()
	t := b.topo.topology
	b.topo.mu.Unlock()
	return Route(t, exchange, routingKey, headers)
}
