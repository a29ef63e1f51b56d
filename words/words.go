// Package words is rabbitboard's catalogue: every sentence it says to a
// person, by key, in English and in Korean. A fact is recorded where it is
// known as a Sentence (a key and the values it names); the language is
// chosen only where the sentence is shown: the HTTP edge and the page.
//
// A catalogue text names its values in braces: "{queue}". English says a
// count's noun with "{count|message|messages}" (one, other). Korean chooses
// a particle from the sound before it: "{을/를}", "{이/가}", "{은/는}",
// "{과/와}", "{으로/로}", "{이라는/라는}" take the first form after a final
// consonant, the second after a vowel (and "로" after ㄹ).
package words

import (
	"fmt"
	"maps"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Lang is a language rabbitboard speaks.
type Lang string

// The languages; English is the default.
const (
	English Lang = "en"
	Korean  Lang = "ko"
)

// Langs are the languages offered, in the order a switch lists them.
var Langs = []Lang{English, Korean}

// ParseLang names one of the languages ("en", "ko").
func ParseLang(name string) (Lang, bool) {
	for _, l := range Langs {
		if string(l) == name {
			return l, true
		}
	}
	return "", false
}

var matcher = language.NewMatcher([]language.Tag{language.English, language.Korean})

// Match picks the language an Accept-Language header weighs highest of
// those offered; English when it names neither.
func Match(acceptLanguage string) Lang {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return Langs[i]
}

// Sentence is something rabbitboard says: a catalogue key and the values
// it names, as name, value pairs. A value may be a Sentence itself, said in
// the same language.
type Sentence struct {
	Key  string
	Args []any
}

// Saying is anything that can be said in each language: a Sentence, a
// run of them, an error of rabbitboard's.
type Saying interface {
	In(l Lang) string
}

// Say makes the sentence of key with its values given as name, value pairs.
func Say(key string, args ...any) Sentence { return Sentence{Key: key, Args: args} }

// In says s in l.
func (s Sentence) In(l Lang) string { return l.T(s.Key, s.Args...) }

// Said is a sentence said in every language, as an event carries it to
// pages of both languages at once: {"en": "...", "ko": "..."}.
type Said map[Lang]string

// InEvery says s in each language; nil when s says nothing.
func InEvery(s Saying) Said {
	if s == nil {
		return nil
	}
	out := Said{}
	for _, l := range Langs {
		out[l] = s.In(l)
	}
	return out
}

// In is the sentence in l; fallback when it was not said in words.
func (s Said) In(l Lang, fallback string) string {
	if text, ok := s[l]; ok {
		return text
	}
	return fallback
}

// String says s in English, as logs read it.
func (s Sentence) String() string { return s.In(English) }

// IsZero says whether s says nothing.
func (s Sentence) IsZero() bool { return s.Key == "" }

// Has says whether the catalogue has key.
func Has(key string) bool {
	_, ok := english[key]
	return ok
}

// Catalogue is every text in l by key, in English where l has none of its
// own: what the page's script reads.
func Catalogue(l Lang) map[string]string {
	if l != Korean {
		return english
	}
	all := maps.Clone(english)
	maps.Copy(all, korean)
	return all
}

// Own is l's own text for key, if it has one.
func (l Lang) Own(key string) (string, bool) {
	if l == Korean {
		s, ok := korean[key]
		return s, ok
	}
	s, ok := english[key]
	return s, ok
}

// T returns the text of key in l with its values (name, value pairs)
// filled in, in English where l has none; the key itself if the catalogue
// lacks it.
func (l Lang) T(key string, values ...any) string {
	s, ok := l.Own(key)
	if !ok {
		s, ok = english[key]
	}
	if !ok {
		return key
	}
	return l.fill(s, values)
}

// fill puts values in place of s's braces.
func (l Lang) fill(s string, values []any) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := strings.IndexByte(s[open:], '}')
		if end < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:open])
		token := s[open+1 : open+end]
		s = s[open+end+1:]
		switch {
		case strings.Contains(token, "|"):
			name, forms, _ := strings.Cut(token, "|")
			one, other, _ := strings.Cut(forms, "|")
			if v, ok := lookup(values, name); ok && fmt.Sprint(v) == "1" {
				b.WriteString(one)
			} else {
				b.WriteString(other)
			}
		case strings.Contains(token, "/") && !isName(token):
			afterConsonant, afterVowel, _ := strings.Cut(token, "/")
			b.WriteString(particle(b.String(), afterConsonant, afterVowel))
		default:
			v, ok := lookup(values, token)
			if !ok {
				b.WriteString("{" + token + "}")
				continue
			}
			b.WriteString(l.value(v))
		}
	}
}

func (l Lang) value(v any) string {
	if x, ok := v.(Saying); ok {
		return x.In(l)
	}
	return fmt.Sprint(v)
}

func lookup(values []any, name string) (any, bool) {
	for i := 0; i+1 < len(values); i += 2 {
		if fmt.Sprint(values[i]) == name {
			return values[i+1], true
		}
	}
	return nil, false
}

func isName(token string) bool {
	for _, r := range token {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return token != ""
}

// particle chooses the Korean particle that follows the text said so far.
func particle(before, afterConsonant, afterVowel string) string {
	final, rieul, known := finalSound(before)
	switch {
	case !known || !final:
		return afterVowel
	case rieul && afterConsonant == "으로":
		return afterVowel
	}
	return afterConsonant
}

// finalSound reads the last sound of text as Korean reads it aloud:
// whether it ends in a consonant, whether that consonant is ㄹ, and whether
// it could tell. Closing quotes and brackets are skipped; digits are read
// as Sino-Korean numbers; a Latin word by its last letters.
func finalSound(text string) (final, rieul, known bool) {
	text = strings.TrimRightFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`'")]’”`, r)
	})
	r, _ := utf8.DecodeLastRuneInString(text)
	switch {
	case r >= 0xAC00 && r <= 0xD7A3:
		jong := (r - 0xAC00) % 28
		return jong != 0, jong == 8, true
	case r >= '0' && r <= '9':
		// 영 일 이 삼 사 오 육 칠 팔 구; 10, 100... end in 십, 백, 천, 만.
		return strings.ContainsRune("013678", r), strings.ContainsRune("178", r), true
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		switch unicode.ToLower(r) {
		case 'l':
			return true, true, true
		case 'm', 'n':
			return true, false, true
		case 'g':
			return strings.HasSuffix(strings.ToLower(text), "ng"), false, true
		case 'p', 'b', 't', 'k', 'c':
			// A stop after a short vowel closes the syllable (drop 드롭,
			// put 풋, web 웹, ack 액); after a consonant it is a syllable
			// of its own (task 태스크, text 텍스트).
			lower := strings.ToLower(text)
			before := ""
			if len(lower) >= 2 {
				before = lower[len(lower)-2 : len(lower)-1]
			}
			return strings.Contains("aeiou", before) && before != "" || strings.HasSuffix(lower, "ck"), false, true
		}
		return false, false, true
	}
	return false, false, false
}

// Lesson is a lesson's "title", "watch" or "chapter" in l: the
// catalogue's "lesson.NAME.title"..., else the lesson's own (English)
// words.
func (l Lang) Lesson(name, what, english string) string {
	if s, ok := l.Own("lesson." + name + "." + what); ok {
		return s
	}
	return english
}

// LessonText is a lesson's own words for its "title", "watch" or
// "chapter", said in the catalogue's language where it has them.
type LessonText struct{ Name, What, English string }

// In says p in l.
func (p LessonText) In(l Lang) string { return l.Lesson(p.Name, p.What, p.English) }

// Sentences are said one after the other.
type Sentences []Saying

// In says every sentence of ss in l, separated by spaces.
func (ss Sentences) In(l Lang) string {
	said := make([]string, 0, len(ss))
	for _, s := range ss {
		said = append(said, s.In(l))
	}
	return strings.Join(said, " ")
}
