// Package i18n holds the message catalogs, one per language, and picks the
// language of a request. Chinese is the default; English is the other.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"golang.org/x/text/language"
)

//go:embed locales/*.json
var files embed.FS

// Languages are the supported languages, the default first.
var Languages = []string{"zh", "en"}

var matcher = language.NewMatcher([]language.Tag{language.Chinese, language.English})

// Catalog maps message keys to text. A plural message has the forms
// "key.one" and "key.other"; Chinese needs only "key.other".
type Catalog map[string]string

var catalogs = map[string]Catalog{}

// Extra lets modules add their messages; keys must not clash.
func Extra(lang string, c Catalog) {
	for k, v := range c {
		if _, dup := catalogs[lang][k]; dup {
			panic("i18n: duplicate key " + k)
		}
		catalogs[lang][k] = v
	}
}

// init loads the catalogs: locales/<lang>.json holds the platform's
// messages and locales/<module>.<lang>.json a module's own; a key may be
// defined once only.
func init() {
	for _, l := range Languages {
		catalogs[l] = Catalog{}
	}
	names, err := fs.Glob(files, "locales/*.json")
	if err != nil {
		panic(err)
	}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "locales/"), ".json")
		lang := base[strings.LastIndexByte(base, '.')+1:]
		c, ok := catalogs[lang]
		if !ok {
			panic("i18n: " + name + ": no such language " + lang)
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			panic(err)
		}
		var m Catalog
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n: %s: %v", name, err))
		}
		for k, v := range m {
			if _, dup := c[k]; dup {
				panic("i18n: " + name + ": duplicate key " + k)
			}
			c[k] = v
		}
	}
}

// Keys returns the keys of a language's catalog, for completeness tests.
func Keys(lang string) []string {
	var ks []string
	for k := range catalogs[lang] {
		ks = append(ks, k)
	}
	return ks
}

// T translates key into lang, formatting args into it; a missing key shows
// itself so that it is noticed.
func T(lang, key string, args ...any) string {
	s, ok := catalogs[lang][key]
	if !ok {
		if s, ok = catalogs["zh"][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// N translates a message that depends on a count n, choosing its plural
// form; n is the first formatting argument.
func N(lang, key string, n int64, args ...any) string {
	form := "other"
	if lang == "en" && n == 1 {
		form = "one"
	}
	k := key + "." + form
	if _, ok := catalogs[lang][k]; !ok {
		k = key + ".other"
	}
	return T(lang, k, append([]any{n}, args...)...)
}

// Pick chooses the language of a request: an explicit choice (the "lang"
// cookie), then the account's preference, then Accept-Language.
func Pick(r *http.Request, preferred string) string {
	if c, err := r.Cookie("lang"); err == nil && valid(c.Value) {
		return c.Value
	}
	if valid(preferred) {
		return preferred
	}
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if len(tags) == 0 {
		return "zh"
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return "zh"
	}
	return Languages[i]
}

func valid(l string) bool { return l == "zh" || l == "en" }

// Valid reports whether l is a supported language.
func Valid(l string) bool { return valid(strings.TrimSpace(l)) }
