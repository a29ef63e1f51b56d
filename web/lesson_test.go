package web

import (
	"testing"

	"rabbitboard/words"
)

// A lesson event says its title and what to watch in every language of
// the page, from the catalogue, so the page chooses no words itself.
func TestLessonSaidInEveryLanguage(t *testing.T) {
	p, err := findPreset("work-queue")
	if err != nil {
		t.Fatal(err)
	}
	l := lessonOf(p)
	for _, lang := range words.Langs {
		if l.TitleSaid[lang] != (words.PresetText{Name: p.Name, What: "title", English: p.Title}).In(lang) || l.TitleSaid[lang] == "" {
			t.Errorf("%s: title said %q", lang, l.TitleSaid[lang])
		}
		if l.WatchSaid[lang] != (words.PresetText{Name: p.Name, What: "watch", English: p.Watch}).In(lang) || l.WatchSaid[lang] == "" {
			t.Errorf("%s: watch said %q", lang, l.WatchSaid[lang])
		}
	}
	if l.TitleSaid[words.English] != p.Title || l.TitleSaid[words.Korean] == p.Title {
		t.Errorf("title said %v, want the scenario's English and the catalogue's Korean", l.TitleSaid)
	}
}
