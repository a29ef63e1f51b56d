package mq

import (
	"reflect"
	"slices"
	"strings"

	"rabbitboard/board"
)

// Matches says whether a message with this routing key and these headers
// goes through a binding of an exchange of this type, by the broker's
// rules: direct compares keys, fanout takes everything, topic matches
// words ("*" one, "#" zero or more), headers compares arguments with
// x-match all (the default) or any.
func Matches(exchangeType string, b board.BindingSpec, routingKey string, headers map[string]any) bool {
	switch exchangeType {
	case "direct":
		return b.RoutingKey == routingKey
	case "fanout":
		return true
	case "topic":
		return topicMatch(keyWords(b.RoutingKey), keyWords(routingKey))
	case "headers":
		return headersMatch(b.Arguments, headers)
	}
	return false
}

// keyWords splits a routing key or a binding pattern at its dots; the empty
// key has no words at all (so "*" does not match it, "#" does).
func keyWords(key string) []string {
	if key == "" {
		return nil
	}
	return strings.Split(key, ".")
}

// topicMatch matches words against a pattern in time proportional to
// their product: match[j] says the pattern so far can consume exactly the
// first j words. (Backtracking would be exponential in the number of "#".)
func topicMatch(pattern, words []string) bool {
	match := make([]bool, len(words)+1)
	next := make([]bool, len(words)+1)
	match[0] = true
	for _, p := range pattern {
		switch p {
		case "#":
			reached := false
			for j := range match {
				reached = reached || match[j]
				next[j] = reached
			}
		default:
			next[0] = false
			for j, w := range words {
				next[j+1] = match[j] && (p == "*" || p == w)
			}
		}
		match, next = next, match
	}
	return match[len(words)]
}

func headersMatch(args, headers map[string]any) bool {
	mode, _ := args["x-match"].(string)
	withX := strings.HasSuffix(mode, "-with-x")
	anyOne := strings.HasPrefix(mode, "any")
	for k, want := range args {
		if strings.HasPrefix(k, "x-") && !withX {
			continue
		}
		if k == "x-match" {
			continue
		}
		got, present := headers[k]
		ok := present && (want == nil || sameValue(want, got))
		if anyOne && ok {
			return true
		}
		if !anyOne && !ok {
			return false
		}
	}
	return !anyOne
}

// sameValue compares values as the broker would after both went through
// AMQP: JSON numbers that are whole become integers on both sides.
func sameValue(a, b any) bool {
	fa, err1 := toFieldValue(a, 0)
	fb, err2 := toFieldValue(b, 0)
	return err1 == nil && err2 == nil && reflect.DeepEqual(fa, fb)
}

// Route lists the queues a message would reach, in order, computed from
// the bindings rabbitboard knows. An exchange's alternate exchange takes
// what none of its bindings took.
func Route(t board.TopologyEvent, exchange, routingKey string, headers map[string]any) []string {
	return routeFrom(t, exchange, routingKey, headers, map[string]bool{})
}

func routeFrom(t board.TopologyEvent, exchange, routingKey string, headers map[string]any, seen map[string]bool) []string {
	if exchange == "" {
		return []string{routingKey}
	}
	if seen[exchange] {
		return nil
	}
	seen[exchange] = true
	var ex *board.ExchangeSpec
	for i := range t.Exchanges {
		if t.Exchanges[i].Name == exchange {
			ex = &t.Exchanges[i]
		}
	}
	if ex == nil {
		return nil
	}
	var queues []string
	for _, b := range t.Bindings {
		if b.Exchange == exchange && Matches(ex.Type, b, routingKey, headers) && !slices.Contains(queues, b.Queue) {
			queues = append(queues, b.Queue)
		}
	}
	if ae, ok := ex.Arguments["alternate-exchange"].(string); ok && len(queues) == 0 {
		queues = routeFrom(t, ae, routingKey, headers, seen)
	}
	slices.Sort(queues)
	return queues
}
