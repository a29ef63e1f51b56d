package templates

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
)

// Text is every sentence the page shows, by key, for the server's page and
// for the page's script alike (the page carries it as JSON): one place to
// change a word, and to translate it. "{name}" marks a value.
var Text = map[string]string{
	"broker.connected":  "RabbitMQ connected",
	"broker.node":       "RabbitMQ connected to {node}",
	"broker.connecting": "RabbitMQ connecting",
	"broker.down":       "RabbitMQ down, reconnecting",
	"live.off":          "live updates: reload to refresh",
	"live.on":           "live",
	"live.reconnecting": "reconnecting…",

	"receivers.empty":   "No receivers yet. Declare a queue, add two receivers to it, and publish a few messages to see how RabbitMQ shares them out.",
	"receiver.settings": "prefetch {prefetch} · ack {ack} · work {work_ms} ms + {dot_ms} ms/dot",
	"receiver.older":    "{n} older messages not shown",
	"state.consuming":   "consuming",
	"state.working":     "working",
	"state.paused":      "paused",
	"state.killed":      "killed",
	"state.waiting":     "waiting",
	"state.stopping":    "stopping",
	"state.gone":        "gone",

	"receiver.outside":     "prefetch {prefetch} · ack {ack}",
	"receiver.client":      "{client} · {connection} · channel {channel}",
	"receiver.outside_tag": "outside program",
	"receiver.replica":     "on replica {replica}",

	"control.resume": "Resume {name}",
	"control.pause":  "Pause {name}",
	"control.kill":   "Kill {name}",
	"control.remove": "Remove {name}",
	"control.ack":    "Ack message {seq} of {name}",
	"control.nack":   "Nack + requeue message {seq} of {name}",
	"control.reject": "Reject message {seq} of {name}",

	"card.rpc":              "reply to request {seq} of {name}: round trip {ms} ms",
	"confirms.title":        "Publisher confirms, three ways",
	"confirms.measure":      "Measure the three ways",
	"confirms.th_way":       "Waiting for confirms",
	"confirms.th_rate":      "msg/s",
	"confirms.th_latency":   "ms to confirm",
	"confirms.one_by_one":   "one by one",
	"confirms.batches":      "in batches of 100",
	"confirms.asynchronous": "asynchronously",
	"confirms.outcome":      "{nacked} of {sent} messages to {limited} were nacked: the queue was full and refuses publishes past its length. {returned} mandatory message to a key no queue has came back.",
	"timing.auto":           "taken at once (auto ack)",
	"timing.delivered":      "delivered {s} s ago",
	"timing.done_about":     "done after about {s} s",
	"timing.done":           "done",
	"timing.taken_back":     "taken back and redelivered",
	"timing.working":        "working: {s} s",
	"timing.buffer":         "waiting in the receiver's buffer (prefetch)",
	"timing.worked":         "worked {s} s, then {outcome}",
	"timing.yours":          "waiting for you to decide: {s} s",
	"timing.decided":        "{outcome} after {s} s",
	"timing.held":           "held while {state}",
	"timing.queued":         "waited {s} s in the queue",
	"timing.queued_short":   "waited under a second in the queue",
	"rate.text":             "last 60 s: {delivered} delivered, {acked} acked (dashed), {published} published (grey); now {now}/s",
	"rate.published":        "Published in the last 60 s: {n}; now {now}/s.",

	"stage.enter":            "Stage view",
	"stage.leave":            "Leave stage view",
	"activity.published":     "Published {count} to {to}: {confirmed} confirmed, to {queues}.",
	"activity.default":       "the default exchange with key '{routing_key}'",
	"activity.exchange":      "exchange '{exchange}' with key '{routing_key}'",
	"activity.nowhere":       "no queue: nothing matched, so RabbitMQ dropped them",
	"activity.unroutable":    "A publish to {to} reached no queue: nothing matched, so RabbitMQ dropped it.",
	"diagram.default":        "(default exchange)",
	"diagram.default_key":    "key = queue name",
	"diagram.default_words":  "The default exchange routes a message to the queue named by its routing key: {queues}.",
	"diagram.binding_words":  "Exchange {exchange} routes to queue {queue} ({label}).",
	"diagram.receiver_words": "{name} consumes from queue {queue}.",
	"diagram.queue":          "{name}  {messages} ready",
	"diagram.queue_title":    "{name}: {messages} ready, {consumers} consumers",
	"diagram.queue_words":    "Queue {name}: {messages} ready, {consumers} consumers.",
	"announce.lesson":        "Lesson: {title}. {watch}",
	"announce.redelivered":   "{n} redelivered to {name}.",

	"observe.off":           "Not watching other programs.",
	"observe.on":            "Watching other programs through RabbitMQ's firehose: their consumers appear as columns marked \"outside program\".",
	"observe.start":         "Watch other programs",
	"observe.stop":          "Stop watching",
	"observe.skipped":       "{n} trace events skipped: rabbitboard fell behind and the firehose queue dropped the oldest copies.",
	"observe.filter":        "Show only names containing",
	"observe.filter_button": "Filter",
	"observe.clear_gone":    "Clear gone",
	"observe.not_shown":     "{n} more consumers of other programs are not shown: the columns are capped (--max-outside).",
	"observe.help":          "rabbitboard reads copies of every publish and every delivery of this vhost from RabbitMQ's firehose (amq.rabbitmq.trace), so it takes nothing from anyone. It sees which consumer got which message, but not acks themselves: a card of a manual-ack consumer says delivered until the broker's counts prove it done (the consumer was given its next message with its prefetch full, or the channel's statistics count fewer unacked messages), so the times of done cards are as exact as those counts: to the next delivery, or to the statistics' interval (5 s by default). Several consumers on one channel of one queue look the same to the firehose and share a column.",
	"observed.line":         "{name} published “{body}” to {to}: {queues}",
	"observed.to":           "exchange '{exchange}' with key '{routing_key}'",
	"observed.default":      "queue '{routing_key}' through the default exchange",
	"observed.nowhere":      "no queue took it",

	"card.seq":          "#{seq}",
	"card.tag":          "tag {tag}",
	"card.summary":      "exchange '{exchange}' · key '{routing_key}' · {body_size} bytes {encoding}",
	"card.header":       "header {name}",
	"card.headers":      "headers",
	"card.more_headers": "more not shown",

	"flash.done":         "{what}: done.",
	"flash.no_answer":    "The dashboard did not answer: {error}",
	"flash.returned":     "Returned: {message}",
	"preset.ready":       "{title} is ready. Now publish to {to} with routing key '{routing_key}'. {watch}",
	"page.programs":      "Run the official tutorial's programs beside it (python/ in github.com/rabbitmq/rabbitmq-tutorials):",
	"preset.to_default":  "the default exchange",
	"preset.to_exchange": "exchange '{exchange}'",

	// The page's fixed words.
	"page.ack":                 "Ack",
	"page.ack_button":          "Ack",
	"page.acked":               "acked",
	"page.add_receiver":        "Add a receiver",
	"page.add_receiver_button": "Add receiver",
	"page.alternate":           "Alternate exchange",
	"page.alternate_help":      "takes what no binding takes",
	"page.arguments":           "Arguments",
	"page.auto_delete":         "auto-delete",
	"page.bind":                "Bind",
	"page.bind_queue":          "Bind a queue",
	"page.body":                "Body",
	"page.classic":             "classic (the default)",
	"page.count":               "Count",
	"page.declare":             "Declare",
	"page.declare_again":       "Declare again",
	"page.declare_exchange":    "Declare an exchange",
	"page.declare_queue":       "Declare a queue",
	"page.default":             "(default)",
	"page.delete":              "Delete",
	"page.delete_confirm":      "Delete this queue and its messages?",
	"page.dlx":                 "Dead-letter exchange",
	"page.dot_help":            "extra time for every '.' in the body",
	"page.durable":             "durable",
	"page.encoding":            "Encoding",
	"page.exchange":            "Exchange",
	"page.header_values":       "Header values, one \"name: value\" a line",
	"page.headers_args":        "Headers exchange arguments",
	"page.headers_lines":       "Headers, one \"name: value\" a line",
	"page.kill":                "Kill",
	"page.mandatory":           "mandatory",
	"page.max_length":          "Max length",
	"page.nack_button":         "Nack + requeue",
	"page.name":                "Name",
	"page.not_headers":         "(not a headers exchange)",
	"page.other_programs":      "Other programs",
	"page.pattern":             "Routing key or pattern",
	"page.pause":               "Pause",
	"page.persistent":          "persistent",
	"page.prefetch":            "Prefetch",
	"page.prefetch_help":       "0 means no limit",
	"page.properties":          "Properties and headers",
	"page.publish":             "Publish",
	"page.publish_button":      "Publish",
	"page.purge":               "Purge",
	"page.queue":               "Queue",
	"page.queue_lower":         "queue",
	"page.queue_name":          "queue name",
	"page.queues":              "Queues",
	"page.quorum":              "quorum (needs durable)",
	"page.received":            "received",
	"page.receivers_label":     "receivers",
	"page.redelivered":         "redelivered",
	"page.reject_button":       "Reject",
	"page.remove":              "Remove",
	"page.reset":               "Reset",
	"page.resume":              "Resume",
	"page.routing_key":         "Routing key",
	"page.scenarios":           "Scenarios",
	"page.scenarios_hint":      "Each sets up one lesson of the RabbitMQ tutorials and fills the publish form; Reset removes what it made.",
	"page.set_up":              "Set up",
	"page.survival":            "What survived the restart",
	"page.survival_hint":       "Only a durable queue survives a broker restart, and in it only persistent messages.",
	"page.th_after":            "After",
	"page.th_before":           "Before",
	"page.th_consumers":        "Consumers",
	"page.th_outcome":          "Outcome",
	"page.th_queue":            "Queue",
	"page.th_ready":            "Ready",
	"page.timestamp":           "timestamp",
	"page.timestamp_help":      "Sets the timestamp property to the publish time, so each card says how long its message waited in the queue.",
	"page.topology":            "Exchanges, bindings, queues, receivers",
	"page.topology_hint":       "Only the default exchange so far: a message published with routing key \"hello\" goes to the queue named hello.",
	"page.topology_label":      "topology",
	"page.ttl":                 "Message TTL (ms)",
	"page.type":                "Type",
	"page.unacked":             "unacked",
	"page.undecodable":         "undecodable",
	"page.what_seen":           "What can be seen",
	"lang.switch":              "한국어",
}

// koreanText is the page in Korean, the language of the tutorial rabbitboard
// comes from; the scenarios' titles and what to watch are here too
// ("preset.NAME.title", "preset.NAME.watch"). A key it lacks is said in
// English.
var koreanText = map[string]string{
	"activity.default":                "기본 익스체인지, 키 '{routing_key}'",
	"activity.exchange":               "익스체인지 '{exchange}', 키 '{routing_key}'",
	"activity.nowhere":                "없음: 맞는 바인딩이 없어 RabbitMQ가 버렸습니다",
	"activity.published":              "{to}(으)로 {count}개 발행: {confirmed}개 확인됨, 도착한 큐: {queues}.",
	"activity.unroutable":             "{to}(으)로 보낸 발행이 어느 큐에도 닿지 않았습니다: 맞는 바인딩이 없어 RabbitMQ가 버렸습니다.",
	"announce.lesson":                 "단원: {title}. {watch}",
	"announce.redelivered":            "{name}에게 {n}개 재전달됨.",
	"broker.connected":                "RabbitMQ 연결됨",
	"broker.connecting":               "RabbitMQ 연결 중",
	"broker.down":                     "RabbitMQ 끊김, 다시 연결하는 중",
	"broker.node":                     "RabbitMQ {node}에 연결됨",
	"card.header":                     "헤더 {name}",
	"card.headers":                    "헤더",
	"card.more_headers":               "나머지는 표시하지 않음",
	"card.seq":                        "#{seq}",
	"card.summary":                    "익스체인지 '{exchange}' · 키 '{routing_key}' · {body_size}바이트 {encoding}",
	"card.tag":                        "태그 {tag}",
	"control.ack":                     "{name}의 메시지 {seq} ack",
	"control.kill":                    "{name} 강제 종료",
	"control.nack":                    "{name}의 메시지 {seq} 거부하고 다시 넣기",
	"control.pause":                   "{name} 일시 정지",
	"control.reject":                  "{name}의 메시지 {seq} 거절(reject)",
	"control.remove":                  "{name} 제거",
	"control.resume":                  "{name} 재개",
	"diagram.binding_words":           "익스체인지 {exchange}는 큐 {queue}로 보냅니다 ({label}).",
	"diagram.default":                 "(기본 익스체인지)",
	"diagram.default_key":             "키 = 큐 이름",
	"diagram.default_words":           "기본 익스체인지는 메시지를 라우팅 키와 이름이 같은 큐로 보냅니다: {queues}.",
	"diagram.queue":                   "{name}  대기 {messages}",
	"diagram.queue_title":             "{name}: 대기 {messages}, 소비자 {consumers}",
	"diagram.queue_words":             "큐 {name}: 대기 {messages}, 소비자 {consumers}.",
	"diagram.receiver_words":          "{name}은(는) 큐 {queue}에서 소비합니다.",
	"flash.done":                      "{what}: 완료.",
	"flash.no_answer":                 "대시보드가 응답하지 않았습니다: {error}",
	"flash.returned":                  "반환됨: {message}",
	"lang.switch":                     "English",
	"live.off":                        "실시간 갱신 없음: 새로 고침하세요",
	"live.on":                         "실시간",
	"live.reconnecting":               "다시 연결하는 중…",
	"observe.help":                    "rabbitboard는 이 vhost의 모든 발행과 전달의 사본을 RabbitMQ 파이어호스(amq.rabbitmq.trace)에서 읽으므로, 누구의 메시지도 가져가지 않습니다. 어느 소비자가 어느 메시지를 받았는지는 보이지만 ack 자체는 보이지 않습니다: 수동 ack 소비자의 카드는 브로커의 수치가 처리 완료를 증명할 때까지(프리페치가 찬 상태에서 다음 메시지를 받았거나, 채널 통계의 미확인 개수가 줄었을 때) 전달됨으로 표시되므로, 처리 완료 카드의 시간은 그 수치만큼 정확합니다: 다음 전달까지, 또는 통계 주기(기본 5초)까지. 한 큐의 한 채널에 있는 여러 소비자는 파이어호스에서 똑같이 보여 한 열을 함께 씁니다.",
	"observe.off":                     "다른 프로그램을 보고 있지 않습니다.",
	"observe.on":                      "RabbitMQ의 파이어호스로 다른 프로그램을 보고 있습니다: 그 소비자들은 \"다른 프로그램\" 표시가 붙은 열로 나타납니다.",
	"observe.skipped":                 "추적 이벤트 {n}개를 건너뜀: rabbitboard가 뒤처져 파이어호스 큐가 가장 오래된 사본을 버렸습니다.",
	"observe.filter":                  "이름에 이것이 든 것만 보기",
	"observe.filter_button":           "거르기",
	"observe.clear_gone":              "끝난 열 지우기",
	"observe.not_shown":               "다른 프로그램의 컨슈머 {n}개는 표시하지 않습니다: 열 수에 상한이 있습니다 (--max-outside).",
	"observe.start":                   "다른 프로그램 보기",
	"observe.stop":                    "그만 보기",
	"observed.default":                "기본 익스체인지를 거쳐 큐 '{routing_key}'",
	"observed.line":                   "{name}이(가) “{body}”을(를) {to}(으)로 발행: {queues}",
	"observed.nowhere":                "아무 큐도 받지 않음",
	"observed.to":                     "익스체인지 '{exchange}', 키 '{routing_key}'",
	"page.ack":                        "확인(ack) 방식",
	"page.ack_button":                 "ack",
	"page.acked":                      "ack 완료",
	"page.add_receiver":               "수신자 추가",
	"page.add_receiver_button":        "수신자 추가",
	"page.alternate":                  "대체 익스체인지",
	"page.alternate_help":             "어떤 바인딩과도 맞지 않는 메시지를 받음",
	"page.arguments":                  "인자",
	"page.auto_delete":                "auto-delete (소비자가 모두 떠나면 삭제)",
	"page.bind":                       "바인딩",
	"page.bind_queue":                 "큐 바인딩",
	"page.body":                       "본문",
	"page.classic":                    "classic (기본)",
	"page.count":                      "개수",
	"page.declare":                    "선언",
	"page.declare_again":              "다시 선언",
	"page.declare_exchange":           "익스체인지 선언",
	"page.declare_queue":              "큐 선언",
	"page.default":                    "(기본)",
	"page.delete":                     "삭제",
	"page.delete_confirm":             "이 큐와 메시지를 삭제할까요?",
	"page.dlx":                        "데드레터 익스체인지",
	"page.dot_help":                   "본문의 '.' 하나마다 더 걸리는 시간",
	"page.durable":                    "durable (재시작에도 남음)",
	"page.encoding":                   "인코딩",
	"page.exchange":                   "익스체인지",
	"page.header_values":              "헤더 값 (한 줄에 \"이름: 값\" 하나)",
	"page.headers_args":               "headers 익스체인지 인자",
	"page.headers_lines":              "헤더 (한 줄에 \"이름: 값\" 하나)",
	"page.kill":                       "강제 종료",
	"page.mandatory":                  "mandatory (갈 곳이 없으면 반환)",
	"page.max_length":                 "최대 길이",
	"page.nack_button":                "거부하고 다시 넣기",
	"page.name":                       "이름",
	"page.not_headers":                "(headers 익스체인지가 아님)",
	"page.other_programs":             "다른 프로그램",
	"page.pattern":                    "라우팅 키 또는 패턴",
	"page.pause":                      "일시 정지",
	"page.persistent":                 "persistent (지속 메시지)",
	"page.prefetch":                   "프리페치",
	"page.prefetch_help":              "0은 제한 없음",
	"page.properties":                 "속성과 헤더",
	"page.publish":                    "발행하기",
	"page.publish_button":             "발행",
	"page.purge":                      "비우기",
	"page.queue":                      "큐",
	"page.queue_lower":                "큐",
	"page.queue_name":                 "큐 이름",
	"page.queues":                     "큐 목록",
	"page.quorum":                     "quorum (durable 필요)",
	"page.received":                   "받음",
	"page.receivers_label":            "수신자",
	"page.redelivered":                "재전달",
	"page.reject_button":              "거절(reject)",
	"page.remove":                     "제거",
	"page.reset":                      "초기화",
	"page.resume":                     "재개",
	"page.routing_key":                "라우팅 키",
	"page.scenarios":                  "시나리오",
	"page.scenarios_hint":             "각 시나리오는 RabbitMQ 튜토리얼의 한 단원을 준비하고 발행 양식을 채웁니다. 초기화하면 만든 것을 지웁니다.",
	"page.set_up":                     "준비",
	"page.survival":                   "재시작 뒤에 남은 것",
	"page.survival_hint":              "브로커가 재시작하면 durable 큐만 남고, 그 안에서도 persistent 메시지만 남습니다.",
	"page.th_after":                   "후",
	"page.th_before":                  "전",
	"page.th_consumers":               "소비자",
	"page.th_outcome":                 "결과",
	"page.th_queue":                   "큐",
	"page.th_ready":                   "대기",
	"page.timestamp":                  "timestamp (발행 시각)",
	"page.timestamp_help":             "timestamp 속성에 발행 시각을 넣어, 카드마다 메시지가 큐에서 얼마나 기다렸는지 보여 줍니다.",
	"page.topology":                   "익스체인지, 바인딩, 큐, 수신자",
	"page.topology_hint":              "아직 기본 익스체인지뿐입니다: 라우팅 키 \"hello\"로 발행한 메시지는 hello라는 이름의 큐로 갑니다.",
	"page.topology_label":             "구성도",
	"page.ttl":                        "메시지 TTL (ms)",
	"page.type":                       "종류",
	"page.unacked":                    "미확인",
	"page.undecodable":                "디코딩 불가",
	"page.what_seen":                  "무엇이 보이나요",
	"preset.dead-letter.title":        "TTL과 데드레터",
	"preset.dead-letter.watch":        "work_with_ttl은 아무도 소비하지 않으므로 메시지는 5초 뒤 만료되고, RabbitMQ가 dead_letters로 옮기면 수신자가 보여 줍니다. 그동안 큐 깊이를 지켜보세요.",
	"preset.durability.title":         "재시작을 견디는 지속성",
	"preset.durability.watch":         "durable_queue와 transient_queue에 persistent 메시지를 발행한 뒤 브로커를 재시작하세요(rabbitmqctl stop_app, 이어서 start_app). 남은 것 표에 결과가 나옵니다: durable 큐의 persistent 메시지는 남고, transient 큐는 메시지와 함께 사라집니다.",
	"preset.fair-dispatch.title":      "공정한 분배, 프리페치 1",
	"preset.fair-dispatch.watch":      "프리페치 1이면 워커는 지난 작업을 ack해야 새 작업을 받습니다: 느린 워커가 바쁜 동안 빠른 워커가 열 개 중 대부분을 가져갑니다. 프리페치 0이면 속도와 상관없이 반씩 나눕니다.",
	"preset.hello.title":              "Hello world",
	"preset.hello.watch":              "보내는 쪽은 라우팅 키 'hello'로 기본 익스체인지에 발행합니다. 기본 익스체인지는 같은 이름의 큐에 메시지를 넘기고, auto ack로 받는 수신자가 곧바로 가져갑니다.",
	"preset.publisher-confirms.title": "퍼블리셔 확인(confirm), 세 가지 방법",
	"preset.publisher-confirms.watch": "브로커는 책임지고 맡은 메시지마다 확인(confirm)을 보냅니다. 측정하기를 누르면 튜토리얼처럼 같은 메시지 1,000개를 세 가지 방법으로 발행합니다: 하나씩 확인을 기다리며, 100개씩 묶어 묶음마다 기다리며, 확인이 오는 대로 처리하며. 표에 방법마다 초당 메시지 수와 확인까지 걸린 시간이 나옵니다. 가득 찬 큐는 거절한 메시지를 nack하고, 아무 큐도 받지 않은 mandatory 메시지는 되돌아옵니다.",
	"preset.pubsub.title":             "발행/구독, fanout",
	"preset.pubsub.watch":             "fanout 익스체인지는 라우팅 키와 상관없이 묶인 모든 큐에 메시지를 복사합니다: 두 수신자가 로그 줄을 하나씩 모두 받습니다.",
	"preset.quorum-failover.title":    "노드 장애를 견디는 quorum 큐",
	"preset.quorum-failover.watch":    "지속성 단원의 다음 장입니다. quorum_tasks에 persistent 작업 100개를(classic_tasks에도 몇 개) 발행한 뒤, rabbitboard가 연결된 노드를 멈추세요(rabbitmqctl -n NODE stop_app). rabbitboard는 다른 노드로 옮겨 가고 페이지에 그 노드 이름이 나옵니다. quorum 큐는 노드 과반수에 사본을 두므로 확인된 메시지가 모두 남아 워커가 전부 가져가지만, classic 큐는 멈춘 노드에만 있었으므로 그 노드가 돌아올 때까지 쓸 수 없습니다.",
	"preset.ready":                    "{title} 준비 완료. 이제 {to}에 라우팅 키 '{routing_key}'로 발행하세요. {watch}",
	"page.programs":                   "공식 튜토리얼 프로그램을 함께 실행해 보세요 (github.com/rabbitmq/rabbitmq-tutorials의 python/):",
	"preset.to_default":               "기본 익스체인지",
	"preset.to_exchange":              "익스체인지 '{exchange}'",
	"preset.rpc.title":                "RPC, 요청과 응답",
	"preset.rpc.watch":                "클라이언트는 요청마다 응답받을 큐(reply_to)와 자기만의 correlation id를 붙여 rpc_queue에 발행합니다. 프리페치 1인 서버는 fib(n)을 계산해 같은 correlation id로 그 큐에 답을 발행합니다. 응답 카드마다 어느 요청의 답인지와 왕복 시간이 나옵니다.",
	"preset.routing.title":            "라우팅, direct 익스체인지",
	"preset.routing.watch":            "키 'error'는 두 큐 모두에, 'info'와 'warning'은 all_logs에만 닿고 'debug'는 어디에도 닿지 않습니다(mandatory를 켜면 되돌아오는 것을 볼 수 있습니다).",
	"preset.topics.title":             "토픽, *와 #",
	"preset.topics.watch":             "quick.orange.rabbit은 두 큐 모두에, lazy.orange.elephant도 두 큐 모두에 닿습니다. quick.orange.fox는 첫째에만, lazy.brown.fox는 둘째에만, quick.brown.fox는 어디에도 닿지 않습니다. '*'는 한 단어, '#'는 몇 단어든 뜻합니다.",
	"preset.work-queue.title":         "작업 큐, 라운드 로빈",
	"preset.work-queue.watch":         "작업 여섯 개, 워커 둘: RabbitMQ는 각 작업이 얼마나 걸리든 차례로 나눠 줍니다. 한 워커에 1, 3, 5, 다른 워커에 2, 4, 6. 본문의 점(.) 하나마다 200 ms씩 걸립니다.",
	"rate.published":                  "최근 60초 동안 발행: {n}개; 지금 초당 {now}개.",
	"rate.text":                       "최근 60초: {delivered}개 전달, {acked}개 확인(점선), {published}개 발행(회색); 지금 초당 {now}개",
	"receiver.client":                 "{client} · {connection} · 채널 {channel}",
	"receiver.older":                  "이전 메시지 {n}개는 표시하지 않음",
	"receiver.outside":                "프리페치 {prefetch} · ack {ack}",
	"receiver.outside_tag":            "다른 프로그램",
	"receiver.replica":                "레플리카 {replica}에서 실행",
	"receiver.settings":               "프리페치 {prefetch} · ack {ack} · 작업 {work_ms} ms + 점마다 {dot_ms} ms",
	"receivers.empty":                 "아직 수신자가 없습니다. 큐를 선언하고 수신자 둘을 붙인 뒤 메시지를 몇 개 발행해, RabbitMQ가 메시지를 어떻게 나눠 주는지 보세요.",
	"stage.enter":                     "발표 화면",
	"stage.leave":                     "발표 화면 끝내기",
	"state.consuming":                 "소비 중",
	"state.gone":                      "사라짐",
	"state.killed":                    "강제 종료됨",
	"state.paused":                    "일시 정지",
	"state.stopping":                  "멈추는 중",
	"state.waiting":                   "기다리는 중",
	"state.working":                   "작업 중",
	"card.rpc":                        "{name}의 요청 {seq}에 대한 응답: 왕복 {ms} ms",
	"confirms.title":                  "퍼블리셔 확인(confirm), 세 가지 방법",
	"confirms.measure":                "세 가지 방법 측정하기",
	"confirms.th_way":                 "확인을 기다리는 방법",
	"confirms.th_rate":                "초당 메시지",
	"confirms.th_latency":             "확인까지 ms",
	"confirms.one_by_one":             "하나씩",
	"confirms.batches":                "100개씩 묶어서",
	"confirms.asynchronous":           "비동기로",
	"confirms.outcome":                "{limited}에 보낸 메시지 {sent}개 중 {nacked}개가 nack되었습니다: 큐가 가득 차서 길이를 넘는 발행을 거절합니다. 어느 큐에도 없는 키로 보낸 mandatory 메시지 {returned}개가 되돌아왔습니다.",
	"timing.auto":                     "받는 즉시 ack됨 (auto ack)",
	"timing.delivered":                "{s}초 전에 전달됨",
	"timing.done_about":               "약 {s}초 만에 처리 완료",
	"timing.done":                     "처리 완료",
	"timing.taken_back":               "회수되어 다시 전달됨",
	"timing.buffer":                   "수신자 버퍼에서 기다리는 중 (프리페치)",
	"timing.decided":                  "{s}초 뒤 {outcome}",
	"timing.held":                     "{state} 상태라 보류 중",
	"timing.queued":                   "큐에서 {s}초 기다림",
	"timing.queued_short":             "큐에서 1초도 안 기다림",
	"timing.worked":                   "{s}초 작업한 뒤 {outcome}",
	"timing.working":                  "작업 중: {s}초",
	"timing.yours":                    "결정을 기다리는 중: {s}초",
}

// Lang is a language the page speaks.
type Lang string

// The page's languages; English is the default.
const (
	English Lang = "en"
	Korean  Lang = "ko"
)

// Langs are the languages offered, in the order a switch lists them.
var Langs = []Lang{English, Korean}

type langKey struct{}

// WithLang makes a page rendered with ctx speak l.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, langKey{}, l)
}

func langOf(ctx context.Context) Lang {
	if l, ok := ctx.Value(langKey{}).(Lang); ok {
		return l
	}
	return English
}

// Tx is T in the language of the page being rendered.
func Tx(ctx context.Context, key string, values ...any) string {
	return langOf(ctx).T(key, values...)
}

// T returns the text of key in English with its values filled in, given
// as name, value pairs.
func T(key string, values ...any) string { return English.T(key, values...) }

// ParseLang names one of the page's languages ("en", "ko").
func ParseLang(name string) (Lang, bool) {
	for _, l := range Langs {
		if string(l) == name {
			return l, true
		}
	}
	return "", false
}

// own is l's own text for key, if it has one.
func (l Lang) own(key string) (string, bool) {
	if l == Korean {
		s, ok := koreanText[key]
		return s, ok
	}
	s, ok := Text[key]
	return s, ok
}

// T returns the text of key in l with its values filled in, in English
// where l has none.
func (l Lang) T(key string, values ...any) string {
	s, ok := l.own(key)
	if !ok {
		s, ok = Text[key]
	}
	if !ok {
		return key
	}
	for i := 0; i+1 < len(values); i += 2 {
		s = strings.ReplaceAll(s, "{"+fmt.Sprint(values[i])+"}", fmt.Sprint(values[i+1]))
	}
	return s
}

// Preset is a scenario's "title" or "watch" in l: the catalogue's
// "preset.NAME.title" or ".watch", else the scenario's own (English) words.
func (l Lang) Preset(name, what, english string) string {
	if s, ok := l.own("preset." + name + "." + what); ok {
		return s
	}
	return english
}

// ScenarioReady says that a scenario is set up, where to publish and what
// to watch, in l.
func (l Lang) ScenarioReady(name, title, watch, exchange, routingKey string) string {
	to := l.T("preset.to_default")
	if exchange != "" {
		to = l.T("preset.to_exchange", "exchange", exchange)
	}
	return l.T("preset.ready", "title", l.Preset(name, "title", title), "to", to, "routing_key", routingKey, "watch", l.Preset(name, "watch", watch))
}

// textJSON is the catalogue in the page's language as its script reads
// it: every key, in English where the language has no text of its own.
func textJSON(ctx context.Context) string {
	l := langOf(ctx)
	text := Text
	if l == Korean {
		text = make(map[string]string, len(Text)+len(koreanText))
		maps.Copy(text, Text)
		maps.Copy(text, koreanText)
	}
	data, _ := json.Marshal(text)
	return string(data)
}
