package words

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var token = regexp.MustCompile(`\{([^{}]*)\}`)

// names are the values a catalogue text names: "{queue}", and the count of
// "{count|message|messages}"; particles are not names.
func names(s string) []string {
	var out []string
	for _, m := range token.FindAllStringSubmatch(s, -1) {
		name, _, _ := strings.Cut(m[1], "|")
		if isName(name) {
			out = append(out, name)
		}
	}
	return out
}

// Every text of the catalogue is said in Korean too, with every value the
// English names, and the Korean names nothing the English lacks; a sample
// of each, its values distinct numbers, keeps every number in Korean and
// leaves no brace unfilled.
func TestCatalogueInBothLanguages(t *testing.T) {
	for key, en := range english {
		ko, ok := korean[key]
		if !ok {
			t.Errorf("%s has no Korean", key)
			continue
		}
		enNames, koNames := names(en), names(ko)
		for _, n := range enNames {
			if !slices.Contains(koNames, n) {
				t.Errorf("%s: the Korean %q lacks {%s}", key, ko, n)
			}
		}
		for _, n := range koNames {
			if !slices.Contains(enNames, n) {
				t.Errorf("%s: the Korean %q names {%s}, which the English does not", key, ko, n)
			}
		}
		var args []any
		for i, n := range enNames {
			args = append(args, n, 7001+i*111)
		}
		saidEn, saidKo := English.T(key, args...), Korean.T(key, args...)
		for _, said := range []string{saidEn, saidKo} {
			if m := token.FindString(said); m != "" && !strings.Contains(key, "observe_switch") {
				t.Errorf("%s: %q leaves %s unfilled", key, said, m)
			}
		}
		for _, number := range regexp.MustCompile(`\d+`).FindAllString(saidEn, -1) {
			if !strings.Contains(saidKo, number) {
				t.Errorf("%s: the Korean %q lost %s of %q", key, saidKo, number, saidEn)
			}
		}
	}
	for key := range korean {
		if _, ok := english[key]; !ok && !strings.HasPrefix(key, "lesson.") {
			t.Errorf("%s is Korean only", key)
		}
	}
}

// The sentences a class meets first, said in Korean with every number and
// the right particles.
func TestKoreanSentences(t *testing.T) {
	published := Say("done.published", "published", 10, "count", 10, "confirmed", 10, "more", "",
		"to", Say("done.to_default", "queue", "fair_queue"))
	tests := []struct {
		said Saying
		want string
	}{
		{published, "기본 익스체인지를 거쳐 큐 'fair_queue'로 10개 중 10개 발행: 브로커 확인(confirm) 10개."},
		{Say("done.published", "published", 3, "count", 7, "confirmed", 2, "more", Say("done.nacked", "count", 1),
			"to", Say("done.to_exchange", "exchange", "logs", "key", "kern.critical")),
			"익스체인지 'logs'에 키 'kern.critical'로 7개 중 3개 발행: 브로커 확인(confirm) 2개, 거부(nack) 1개."},
		{Say("err.count_high", "count", 20000, "max", 10000), "개수가 20000개로, 한 번에 발행할 수 있는 10000개보다 많습니다."},
		{Say("done.bound", "queue", "q1", "exchange", "direct_logs", "key", "error"),
			"큐 'q1'을 익스체인지 'direct_logs'에 키 'error'로 바인딩했습니다."},
		{Say("done.bound", "queue", "hello", "exchange", "logs", "key", "kern"),
			"큐 'hello'를 익스체인지 'logs'에 키 'kern'으로 바인딩했습니다."},
		{Say("done.queue_deleted", "queue", "작업"), "큐 '작업'을 삭제했습니다."},
		{Say("done.queue_deleted", "queue", "큐"), "큐 '큐'를 삭제했습니다."},
		{Say("err.inequivalent", "kind", Say("word.queue"),
			"differs", Say("err.differs_type", "queue", "task_queue", "current", Say("qtype.quorum"), "asked", Say("qtype.classic"))),
			"큐 'task_queue'는 quorum 큐(공식 튜토리얼이 선언하는 대로)인데 이 요청은 classic 큐입니다. RabbitMQ는 이미 있는 큐를 바꾸지 않습니다: 같은 설정으로 선언하거나, 먼저 지우고 다시 선언하세요."},
	}
	for _, tc := range tests {
		if got := tc.said.In(Korean); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
	if got := published.In(English); got != "Published 10 of 10 to queue 'fair_queue' through the default exchange: 10 confirmed by the broker." {
		t.Errorf("English: %q", got)
	}
}

// Particles follow the sound of what comes before them, read aloud as a
// Korean reader does: Hangul by its final consonant, digits as numbers.
func TestParticles(t *testing.T) {
	for _, tc := range []struct{ before, form, want string }{
		{"큐", "을/를", "를"}, {"작업", "을/를", "을"}, {"'hello'", "이/가", "가"}, {"'kern'", "이/가", "이"},
		{"서울", "으로/로", "로"}, {"책", "으로/로", "으로"}, {"'mail'", "으로/로", "로"}, {"3", "은/는", "은"},
		{"2", "은/는", "는"}, {"10", "으로/로", "으로"}, {"7", "으로/로", "로"}, {"#", "을/를", "를"},
		{"'tong'", "과/와", "과"}, {"'log'", "과/와", "와"}, {"drop", "은/는", "은"}, {"PUT", "을/를", "을"},
		{"'task'", "을/를", "를"}, {"web", "이/가", "이"}, {"ack", "으로/로", "으로"}, {"'text'", "은/는", "는"},
	} {
		a, b, _ := strings.Cut(tc.form, "/")
		if got := particle(tc.before, a, b); got != tc.want {
			t.Errorf("%s + %s: %s, want %s", tc.before, tc.form, got, tc.want)
		}
	}
}

// English counts say their noun in the singular for one.
func TestPlural(t *testing.T) {
	english["test.plural"] = "{n} {n|message|messages}"
	defer delete(english, "test.plural")
	for n, want := range map[int]string{0: "0 messages", 1: "1 message", 2: "2 messages"} {
		if got := English.T("test.plural", "n", n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

// Accept-Language chooses the language the browser weighs highest.
func TestMatch(t *testing.T) {
	for header, want := range map[string]Lang{
		"": English, "ko-KR,ko;q=0.9,en;q=0.8": Korean, "en-US,ko;q=0.5": English, "fr": English,
		"fr, ko;q=0.7": Korean, "ko;q=0.1, en;q=0.9": English, "garbage;;;": English,
	} {
		if got := Match(header); got != want {
			t.Errorf("%q: %s, want %s", header, got, want)
		}
	}
}

// The page's script fills in values but chooses no particles, so the
// Korean it says names its values where no particle follows them; and no
// Korean text hedges with both forms ("을(를)").
func TestPageScriptSaysNoParticles(t *testing.T) {
	files, err := filepath.Glob("../static/*.js")
	if err != nil || len(files) == 0 {
		t.Fatalf("no page scripts in ../static (%v)", err)
	}
	var script []byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		script = append(script, data...)
	}
	used := regexp.MustCompile(`\bt\("([a-z_.-]+)"`).FindAllStringSubmatch(string(script), -1)
	if len(used) < 20 {
		t.Fatalf("found only %d catalogue keys in the page's script", len(used))
	}
	for _, m := range used {
		ko, ok := korean[m[1]]
		if !ok && !strings.HasPrefix(m[1], "lesson.") && !strings.HasSuffix(m[1], ".") {
			t.Errorf("the page's script says %s, which has no Korean", m[1])
		}
		if p := token.FindAllString(ko, -1); slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, "/") }) {
			t.Errorf("the page's script says %s, whose Korean %q needs a particle chosen", m[1], ko)
		}
	}
	hedge := regexp.MustCompile(`\((으|이|은|을|를|가|는|과|와)\)`)
	for key, ko := range korean {
		if hedge.MatchString(ko) {
			t.Errorf("%s hedges a particle: %q", key, ko)
		}
	}
}
