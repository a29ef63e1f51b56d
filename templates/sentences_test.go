package templates

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// Every number a sentence names is in its Korean: each (\d+) group of a
// pattern is put in place in the Korean sentence, written ${n} (a bare $n
// before Hangul reads as a group named "n개" and vanishes).
func TestKoreanSentencesKeepNumbers(t *testing.T) {
	bare := regexp.MustCompile(`\$[0-9]`)
	for _, p := range koreanSentences {
		if bare.MatchString(p.ko) {
			t.Errorf("%s: a bare $n in %q", p.re, p.ko)
		}
		groups := regexp.MustCompile(`\((?:[^()\\]|\\.)*\)`).FindAllString(strings.TrimPrefix(p.re.String(), "^"), -1)
		for i, g := range groups {
			if g == `(\d+)` && !strings.Contains(p.ko, fmt.Sprintf("${%d}", i+1)) {
				t.Errorf("%s: the number of group %d is not in %q", p.re, i+1, p.ko)
			}
		}
	}
	samples := map[string][]string{
		"Published 10 of 10 to queue 'task_queue' through the default exchange: 10 confirmed by the broker.": {"10개 중 10개", "확인(confirm) 10개", "task_queue"},
		"Published 3 of 7 to exchange 'logs' with key 'a.b': 2 confirmed by the broker.":                     {"7개 중 3개", "확인(confirm) 2개", "logs", "a.b"},
		"The request's body is larger than a control call takes (4096 bytes at most).":                       {"4096바이트"},
	}
	for en, want := range samples {
		ko := Korean.Sentence(en)
		for _, w := range want {
			if !strings.Contains(ko, w) {
				t.Errorf("%q in Korean is %q, without %q", en, ko, w)
			}
		}
	}
}

// Every sentence of the page's catalogue is said in Korean too, with every
// value the English names; and the Korean says nothing the English lacks.
func TestCatalogueInBothLanguages(t *testing.T) {
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	for key, en := range Text {
		ko, ok := koreanText[key]
		if !ok {
			t.Errorf("%s has no Korean", key)
			continue
		}
		for _, p := range placeholder.FindAllString(en, -1) {
			if !strings.Contains(ko, p) {
				t.Errorf("%s: the Korean %q lacks %s", key, ko, p)
			}
		}
	}
	for key := range koreanText {
		if _, ok := Text[key]; !ok && !strings.HasPrefix(key, "preset.") {
			t.Errorf("%s is Korean only", key)
		}
	}
}
