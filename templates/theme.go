package templates

import "slices"

// Themes are the page's colour themes, in the order the header's switch
// goes through them; the first is the default.
var Themes = []string{"auto", "light", "dark", "contrast"}

// NextTheme is the theme the switch goes to from theme.
func NextTheme(theme string) string {
	i := slices.Index(Themes, theme)
	return Themes[(i+1)%len(Themes)]
}

// shortcutKeys are the keyboard shortcuts the page lists: publishing and
// watching, holding and stepping only for the presenter.
func shortcutKeys(presenter bool) []string {
	if presenter {
		return []string{"?", "p", "w", "s", "t", "l", "h", ".", "← →"}
	}
	return []string{"?", "s", "t", "l"}
}
