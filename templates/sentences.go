package templates

import "regexp"

// The API's sentences (errors and outcomes) are written in English where
// they arise; koreanSentences says each in Korean. A pattern matches a whole
// English sentence, its groups the values it names; ${1}... put them in
// place. A sentence no pattern matches is left in English.
type sentence struct {
	re *regexp.Regexp
	ko string
}

func pat(pattern, ko string) sentence { return sentence{regexp.MustCompile("^" + pattern + "$"), ko} }

var koreanSentences = []sentence{
	// Access
	pat(`That presenter token is not right: ask the presenter for the link again\.`, "발표자 토큰이 맞지 않습니다: 발표자에게 링크를 다시 받으세요."),
	pat(`That presenter token is not right, so the dashboard refused the request\.`, "발표자 토큰이 맞지 않아 대시보드가 요청을 거절했습니다."),
	pat(`Only the presenter can change things on this dashboard: .*`, "이 대시보드는 발표자만 바꿀 수 있습니다: 발표자 토큰이 든 링크를 열거나 Authorization: Bearer <토큰>을 보내세요."),
	pat(`This dashboard is private: .*`, "이 대시보드는 비공개입니다: 발표자 토큰이 든 링크를 열거나 Authorization: Bearer <토큰>을 보내세요."),
	pat(`This request came from another web site, so the dashboard refused it\.`, "이 요청은 다른 웹사이트에서 왔으므로 대시보드가 거절했습니다."),
	pat(`This dashboard answers only to the names (.*), not to '(.*)'\. .*`, "이 대시보드는 ${1} 이름으로만 응답하고 '${2}'에는 응답하지 않습니다. 그 이름 중 하나로 열거나, 이 이름을 --allowed-hosts에 넣어 시작하세요."),
	pat(`There is no API endpoint (\S+) (.*)\.`, "API 엔드포인트 ${1} ${2}은(는) 없습니다."),
	pat(`(\S+) is not allowed on (\S+); see the README for the API\.`, "${2}에는 ${1}을(를) 쓸 수 없습니다: README의 API 설명을 보세요."),
	// Requests
	pat(`The request holds more than one JSON value; send one object\.`, "요청에 JSON 값이 둘 이상 있습니다: 객체 하나만 보내세요."),
	pat(`The request is larger than (\d+) bytes, the most this dashboard accepts\.`, "요청이 이 대시보드가 받는 최대 크기인 ${1}바이트보다 큽니다."),
	pat(`The request could not be read: (.*)`, "요청을 읽을 수 없습니다: ${1}"),
	pat(`The request is not valid JSON \(at byte (\d+)\): (.*)`, "요청이 올바른 JSON이 아닙니다(${1}번째 바이트): ${2}"),
	pat(`The field "(.*?)" must be (.+?), not a JSON (.+?)\.`, "필드 \"${1}\"은(는) JSON ${3}이 아니라 ${2}여야 합니다."),
	pat(`The request has a field this dashboard does not know: (.*)\.`, "요청에 이 대시보드가 모르는 필드가 있습니다: ${1}."),
	pat(`The JSON request ends too soon; check the closing brackets\.`, "JSON 요청이 너무 일찍 끝납니다: 닫는 괄호를 확인하세요."),
	pat(`The request is not valid JSON: (.*)`, "요청이 올바른 JSON이 아닙니다: ${1}"),
	pat(`The field "(.*?)" must be true or false, not "(.*)"\.`, "필드 \"${1}\"은(는) \"${2}\"가 아니라 true 또는 false여야 합니다."),
	pat(`The field "(.*?)" must be a whole number, not "(.*)"\.`, "필드 \"${1}\"은(는) \"${2}\"가 아니라 정수여야 합니다."),
	pat(`The field "(.*?)" must be a whole number from 0 to (\d+), not "(.*)"\.`, "필드 \"${1}\"은(는) \"${3}\"이 아니라 0부터 ${2}까지의 정수여야 합니다."),
	pat(`The field "(.*?)" cannot be sent from a form\.`, "필드 \"${1}\"은(는) 양식으로 보낼 수 없습니다."),
	pat(`Each line of "(.+?)" must read 'name: value'; "(.*)" has no colon\.`, "\"${1}\"의 각 줄은 '이름: 값' 꼴이어야 합니다. \"${2}\"에는 콜론이 없습니다."),
	pat(`The request's body is larger than a control call takes \((\d+) bytes at most\)\.`, "요청 본문이 제어 요청이 받는 크기(${1}바이트)보다 큽니다."),
	// Publishing
	pat(`[Cc]ount must be at least 1\.`, "개수(count)는 1 이상이어야 합니다."),
	pat(`count is (\d+), more than the (\d+) messages one publish may send\.`, "개수가 ${1}로, 한 번에 발행할 수 있는 ${2}개보다 많습니다."),
	pat(`The body is not valid base64: (.*)`, "본문이 올바른 base64가 아닙니다: ${1}"),
	pat(`encoding must be text or base64, not "(.*)"\.`, "인코딩은 \"${1}\"이 아니라 text 또는 base64여야 합니다."),
	pat(`The body is (\d+) bytes; the most this dashboard sends is (\d+)\.`, "본문이 ${1}바이트입니다. 이 대시보드가 보내는 최대 크기는 ${2}바이트입니다."),
	pat(`(\S+) must be text of at most 255 bytes\.`, "${1}은(는) 255바이트 이하의 텍스트여야 합니다."),
	pat(`expiration is a time to live in milliseconds, written as digits \("60000"\), not "(.*)"\.`, "expiration은 밀리초 단위의 유효 시간을 숫자로 적어야 합니다(\"60000\"). \"${1}\"은(는) 안 됩니다."),
	pat(`There are (\d+) headers; the most is (\d+)\.`, "헤더가 ${1}개입니다. 최대 ${2}개까지입니다."),
	pat(`The headers take (\d+) bytes; the most is (\d+)\.`, "헤더가 ${1}바이트입니다. 최대 ${2}바이트까지입니다."),
	pat(`Headers: (.*)`, "헤더: ${1}"),
	pat(`The exchange '(.+?)' is internal: only RabbitMQ itself publishes to it .*`, "익스체인지 '${1}'은(는) 내부용입니다: RabbitMQ 자신만 발행합니다(파이어호스의 메시지 사본이 지나갑니다). 다른 익스체인지를 고르세요."),
	pat(`Only (\d+) of (\d+) messages were confirmed: (.*), so the other (\d+) may or may not have arrived\.`, "메시지 ${2}개 중 ${1}개만 확인되었습니다: ${3}. 나머지 ${4}개는 도착했을 수도, 아닐 수도 있습니다."),
	pat(`Published (\d+) of (\d+) to queue '(.*)' through the default exchange: (\d+) confirmed by the broker(.*)\.`, "기본 익스체인지를 거쳐 큐 '${3}'로 ${2}개 중 ${1}개 발행: 브로커 확인(confirm) ${4}개${5}."),
	pat(`Published (\d+) of (\d+) to exchange '(.*)' with key '(.*)': (\d+) confirmed by the broker(.*)\.`, "익스체인지 '${3}'에 키 '${4}'로 ${2}개 중 ${1}개 발행: 브로커 확인(confirm) ${5}개${6}."),
	// Names and settings
	pat(`The (.+?) "(.*)" is (\d+) bytes long; AMQP allows at most 255\.`, "${1} \"${2}\"은(는) ${3}바이트입니다. AMQP는 255바이트까지만 허용합니다."),
	pat(`The (.+?) "(.*)" is not valid UTF-8 text\.`, "${1} \"${2}\"은(는) 올바른 UTF-8 텍스트가 아닙니다."),
	pat(`Tables nest deeper than (\d+) levels, more than AMQP clients read\.`, "테이블이 ${1}단계보다 깊게 중첩되어, AMQP 클라이언트가 읽을 수 있는 한도를 넘습니다."),
	pat(`A (table|list) holds (\d+) (entries|values), more than the (\d+) AMQP clients read\.`, "${1}에 항목이 ${2}개 있어, AMQP 클라이언트가 읽는 ${4}개를 넘습니다."),
	pat(`A value of type (\S+) cannot be sent in AMQP headers\.`, "${1} 형식의 값은 AMQP 헤더로 보낼 수 없습니다."),
	pat(`Give the (\S+) a name\.`, "${1}에 이름을 지어 주세요."),
	pat(`The (\S+) name is (\d+) bytes long; RabbitMQ allows at most 255\.`, "${1} 이름이 ${2}바이트입니다. RabbitMQ는 255바이트까지만 허용합니다."),
	pat(`The (\S+) name is not valid UTF-8 text\.`, "${1} 이름이 올바른 UTF-8 텍스트가 아닙니다."),
	pat(`Queue arguments: (.*)`, "큐 인자: ${1}"),
	pat(`Exchange arguments: (.*)`, "익스체인지 인자: ${1}"),
	pat(`Binding arguments: (.*)`, "바인딩 인자: ${1}"),
	pat(`The exchange type must be direct, fanout, topic or headers, not "(.*)"\.`, "익스체인지 종류는 \"${1}\"이 아니라 direct, fanout, topic, headers 중 하나여야 합니다."),
	pat(`The exchange '(.+?)' belongs to RabbitMQ and cannot be deleted\.`, "익스체인지 '${1}'은(는) RabbitMQ의 것이라 지울 수 없습니다."),
	pat(`Every queue is bound to the default exchange by its name already; choose another exchange\.`, "모든 큐는 이미 제 이름으로 기본 익스체인지에 묶여 있습니다: 다른 익스체인지를 고르세요."),
	pat(`x-match must be all or any, not (.*)\.`, "x-match는 ${1}이(가) 아니라 all 또는 any여야 합니다."),
	pat(`ack must be auto, manual or interactive, not "(.*)"\.`, "ack는 \"${1}\"이 아니라 auto, manual, interactive 중 하나여야 합니다."),
	pat(`prefetch must be between 0 \(no limit\) and 65535\.`, "프리페치는 0(제한 없음)부터 65535 사이여야 합니다."),
	pat(`work_ms must be between 0 and 600000 \(ten minutes\)\.`, "work_ms는 0부터 600000(10분) 사이여야 합니다."),
	pat(`dot_ms must be between 0 and 60000\.`, "dot_ms는 0부터 60000 사이여야 합니다."),
	pat(`The receiver name must be valid text of at most 100 characters\.`, "수신자 이름은 100자 이하의 올바른 텍스트여야 합니다."),
	// Receivers and deliveries
	pat(`There are already (\d+) receivers, the most this dashboard allows: remove one first\.`, "이미 수신자가 ${1}개로, 이 대시보드가 허용하는 최대입니다: 먼저 하나를 제거하세요."),
	pat(`Receiver "(.+?)" is another program's consumer: rabbitboard only watches it\.`, "수신자 \"${1}\"은(는) 다른 프로그램의 소비자입니다: rabbitboard는 지켜보기만 합니다."),
	pat(`There is no receiver "(.+?)"\.`, "\"${1}\"이라는 수신자는 없습니다."),
	pat(`The receiver "(.+?)" was removed\.`, "수신자 \"${1}\"은(는) 제거되었습니다."),
	pat(`A receiver can be paused, resumed, killed or deleted, not "(.*)"\.`, "수신자는 일시 정지, 재개, 강제 종료, 삭제만 할 수 있습니다. \"${1}\"은(는) 안 됩니다."),
	pat(`The outcome must be ack, nack or reject\.`, "결과는 ack, nack, reject 중 하나여야 합니다."),
	pat(`The delivery tag must be a positive whole number, not "(.*)"\.`, "전달 태그는 \"${1}\"이 아니라 양의 정수여야 합니다."),
	pat(`A delivery can be acked, nacked or rejected; (.*) is none of these\.`, "전달은 ack, nack, reject만 할 수 있습니다. ${1}은(는) 그중 어느 것도 아닙니다."),
	pat(`Receiver (\S+) acks (\S+); only interactive receivers take Ack, Nack and Reject from the page\.`, "수신자 ${1}은(는) ${2} 방식으로 ack합니다: 페이지의 Ack, Nack, Reject는 interactive 수신자만 받습니다."),
	pat(`Receiver (\S+) holds no delivery (\d+): it was settled already or went back to the queue\.`, "수신자 ${1}에게 전달 ${2}이(가) 없습니다: 이미 처리되었거나 큐로 돌아갔습니다."),
	pat(`Receiver (\S+) holds no delivery (\d+)\.`, "수신자 ${1}에게 전달 ${2}이(가) 없습니다."),
	pat(`There is no scenario "(.*)"\.`, "\"${1}\"이라는 시나리오는 없습니다."),
	// The broker
	pat(`RabbitMQ did not answer within (.+?); the connection may be broken, rabbitboard is checking\.`, "RabbitMQ가 ${1} 안에 응답하지 않았습니다. 연결이 끊겼을 수 있어 rabbitboard가 확인하고 있습니다."),
	pat(`RabbitMQ is not reachable right now; rabbitboard keeps retrying, try again in a moment\.`, "지금은 RabbitMQ에 닿을 수 없습니다. rabbitboard가 계속 다시 시도하니 잠시 뒤에 다시 해 보세요."),
	pat(`The queue '(.+?)' is unavailable: it is a classic queue, kept on node (\S+) alone, .*`, "큐 '${1}'을(를) 쓸 수 없습니다: 노드 ${2}에만 있는 classic 큐인데 그 노드가 멈췄거나 닿지 않습니다. 노드가 돌아오면 큐도 돌아옵니다. quorum 큐라면 여러 노드에 사본이 있어 계속 쓸 수 있었을 것입니다."),
	pat(`The queue '(.+?)' has (\S+) none; this asks for (.*?)\. RabbitMQ never changes .*`, "큐 '${1}'에는 ${2}이(가) 없는데 이 요청은 ${3}입니다."+unchanged),
	pat(`The queue '(.+?)' has (\S+) (.*?); this asks for none\. RabbitMQ never changes .*`, "큐 '${1}'의 ${2}은(는) ${3}인데 이 요청에는 없습니다."+unchanged),
	pat(`The queue '(.+?)' has (\S+) (.*?); this asks for (.*?)\. RabbitMQ never changes .*`, "큐 '${1}'의 ${2}은(는) ${3}인데 이 요청은 ${4}입니다."+unchanged),
	pat(`The exchange '(.+?)' is a (\S+) exchange; this asks for a (\S+) one\. RabbitMQ never changes .*`, "익스체인지 '${1}'은(는) ${2} 익스체인지인데 이 요청은 ${3} 익스체인지입니다."+unchanged),
	pat(`The name '(.+?)' starts with 'amq\.', which RabbitMQ keeps for itself: choose another (\S+) name\.`, "이름 '${1}'은(는) RabbitMQ가 자기 몫으로 남겨 둔 'amq.'로 시작합니다: 다른 ${2} 이름을 고르세요."),
	pat(`RabbitMQ refused access: (.*)\. The broker user lacks the permission for this\.`, "RabbitMQ가 접근을 거절했습니다: ${1}. 브로커 사용자에게 이 권한이 없습니다."),
	pat(`There is no (\S+) '(.*)': declare it first\.`, "${1} '${2}'이(가) 없습니다: 먼저 선언하세요."),
	pat(`The queue '(.+?)' is exclusive to another connection: only that connection may use it\.`, "큐 '${1}'은(는) 다른 연결의 전용(exclusive) 큐입니다: 그 연결만 쓸 수 있습니다."),
	pat(`RabbitMQ refused the settings: (.*)\.`, "RabbitMQ가 설정을 거절했습니다: ${1}."),
	pat(`RabbitMQ refused: (.*)`, "RabbitMQ가 거절했습니다: ${1}"),
	pat(`The connection to RabbitMQ broke \((.*)\); rabbitboard is reconnecting\.`, "RabbitMQ 연결이 끊겼습니다(${1}). rabbitboard가 다시 연결하고 있습니다."),
	pat(`Replica (\S+) did not answer within (.+?)\.`, "레플리카 ${1}이(가) ${2} 안에 응답하지 않았습니다."),
	pat(`rabbitboard reads other programs' messages through RabbitMQ's firehose, .*\((.*)\)\.`, "rabbitboard는 관리 플러그인으로 RabbitMQ 파이어호스를 켜서 다른 프로그램의 메시지를 읽는데, 관리 플러그인이 응답하지 않았습니다(${1})."),
	pat(`Internal error: rabbitboard could not do this; the details are in its log\.`, "내부 오류: rabbitboard가 이 일을 하지 못했습니다. 자세한 내용은 로그에 있습니다."),
	// Outcomes
	pat(`Declared queue '(.*)' \((\d+) messages, (\d+) consumers\)\.`, "큐 '${1}'을(를) 선언했습니다(메시지 ${2}개, 소비자 ${3}개)."),
	pat(`Deleted queue '(.*)'\.`, "큐 '${1}'을(를) 삭제했습니다."),
	pat(`Purged (\d+) messages from queue '(.*)'\.`, "큐 '${2}'에서 메시지 ${1}개를 비웠습니다."),
	pat(`Added (.+) on queue '(.*)' \(prefetch (\d+), ack (\S+)\)\.`, "큐 '${2}'에 ${1}을(를) 추가했습니다(프리페치 ${3}, ack ${4})."),
	pat(`(.+) finishes the message in hand, then goes\.`, "${1}은(는) 손에 든 메시지를 마치고 떠납니다."),
	pat(`Removed (.+)\.`, "${1}을(를) 제거했습니다."),
	pat(`Declared (\S+) exchange '(.*)'\.`, "${1} 익스체인지 '${2}'을(를) 선언했습니다."),
	pat(`Deleted exchange '(.*)'\.`, "익스체인지 '${1}'을(를) 삭제했습니다."),
	pat(`Bound queue '(.*)' to exchange '(.*)' with key '(.*)'\.`, "큐 '${1}'을(를) 익스체인지 '${2}'에 키 '${3}'로 바인딩했습니다."),
	pat(`Unbound queue '(.*)' from exchange '(.*)'\.`, "큐 '${1}'을(를) 익스체인지 '${2}'에서 풀었습니다."),
	pat(`(.+): removed its receivers, queues and exchanges\.`, "${1}: 수신자, 큐, 익스체인지를 지웠습니다."),
	pat(`Published (\d+) messages three ways: one by one (\d+) msg/s, in batches of 100 (\d+) msg/s, asynchronously (\d+) msg/s; (\d+) of (\d+) nacked by the full queue, (\d+) returned\.`,
		"메시지 ${1}개를 세 가지 방법으로 발행: 하나씩 초당 ${2}개, 100개씩 묶어서 초당 ${3}개, 비동기로 초당 ${4}개. 가득 찬 큐가 ${6}개 중 ${5}개를 nack했고, ${7}개가 되돌아왔습니다."),
	pat(`The count must be between 1 and (\d+), the most one publish may send\.`, "개수는 1부터 ${1}까지여야 합니다: 한 번에 발행할 수 있는 최대 개수입니다."),
	pat(`Watching shows every other program again\.`, "다시 다른 프로그램을 모두 보여 줍니다."),
	pat(`Watching shows only the queues, exchanges and connections whose names contain '(.*)'\.`, "이름에 '${1}'이(가) 들어간 큐, 익스체인지, 연결만 보여 줍니다."),
	pat(`Removed (\d+) columns of programs that are gone\.`, "끝난 프로그램의 열 ${1}개를 지웠습니다."),
	pat(`The filter must be text of at most 255 bytes\.`, "필터는 255바이트 이하의 텍스트여야 합니다."),
	pat(`Stopped watching other programs\.`, "다른 프로그램을 그만 봅니다."),
	pat(`Watching other programs: .*`, "다른 프로그램을 보고 있습니다: 그 소비자들이 메시지를 받으면 열로 나타납니다."),
	pat(`(.+): delivery (\d+) (acked|nacked|rejected)\.`, "${1}: 전달 ${2} 처리됨(${3})."),
	pat(`(.+) is (consuming|paused|killed|waiting|stopping|gone)\.`, "${1}: ${2}."),
}

// unchanged ends a refused redeclaration: what to do.
const unchanged = " RabbitMQ는 이미 있는 것을 바꾸지 않습니다: 같은 설정으로 선언하거나, 먼저 지우고 다시 선언하세요."

// The words of mq's differs, and theirs in Korean: a queue's type and a
// yes-or-no setting, each pair said as one sentence.
var (
	queueTypes = [][2]string{
		{"a classic queue", "classic 큐"},
		{"a quorum queue (as the official tutorials declare theirs)", "quorum 큐(공식 튜토리얼이 선언하는 대로)"},
		{"a stream", "스트림"},
	}
	flags = [][2]string{{"durable", "durable"}, {"auto-delete", "auto-delete"}, {"exclusive", "exclusive"}, {"internal", "internal"}}
)

func init() {
	for _, a := range queueTypes {
		for _, b := range queueTypes {
			koreanSentences = append(koreanSentences, pat(`The queue '(.+?)' is `+regexp.QuoteMeta(a[0])+`; this asks for `+regexp.QuoteMeta(b[0])+`\. RabbitMQ never changes .*`,
				"큐 '${1}'은(는) "+a[1]+"인데 이 요청은 "+b[1]+"입니다."+unchanged))
		}
	}
	for _, kind := range [][2]string{{"queue", "큐"}, {"exchange", "익스체인지"}} {
		for _, f := range flags {
			for _, on := range []bool{true, false} {
				en, ko := [2]string{"not " + f[0], f[0]}, [2]string{"꺼져", "켜져"}
				if on {
					en, ko = [2]string{f[0], "not " + f[0]}, [2]string{"켜져", "꺼져"}
				}
				koreanSentences = append(koreanSentences, pat(`The `+kind[0]+` '(.+?)' is `+regexp.QuoteMeta(en[0])+`; this asks for one that is `+regexp.QuoteMeta(en[1])+`\. RabbitMQ never changes .*`,
					kind[1]+" '${1}'은(는) "+f[1]+" 설정이 "+ko[0]+" 있는데 이 요청은 "+ko[1]+" 있습니다."+unchanged))
			}
		}
	}
}

// Sentence says an English sentence of the API in l, as well as the
// catalogue knows it.
func (l Lang) Sentence(en string) string {
	if l != Korean {
		return en
	}
	for _, p := range koreanSentences {
		if p.re.MatchString(en) {
			return p.re.ReplaceAllString(en, p.ko)
		}
	}
	return en
}
