package ui

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/i18n"
)

// Option is one choice of a select, a radio group or a set of checkboxes.
type Option struct {
	Value    string
	Label    string
	Selected bool
}

// Options makes the choices of a select from values and their labels, with
// the current value selected.
func Options(values []string, label func(string) string, current ...string) []Option {
	out := make([]Option, 0, len(values))
	for _, v := range values {
		out = append(out, Option{Value: v, Label: label(v), Selected: slices.Contains(current, v)})
	}
	return out
}

// fieldMessages translates the validators' field messages (written in
// English for the API) into the catalog's words. The first pattern that
// matches wins; a message no pattern knows is shown as it is.
var fieldMessages = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^is required`), "fielderr.required"},
	{regexp.MustCompile(`^must be a whole number`), "fielderr.integer"},
	{regexp.MustCompile(`^must not be negative`), "fielderr.negative"},
	{regexp.MustCompile(`^is implausibly large`), "fielderr.too_large"},
	{regexp.MustCompile(`^must be between (\d+) and (\d+)`), "fielderr.between"},
	{regexp.MustCompile(`^must not exceed (\w+)`), "fielderr.exceeds"},
	{regexp.MustCompile(`^must be a (real )?date`), "fielderr.date"},
	{regexp.MustCompile(`^is in the future`), "fielderr.future"},
	{regexp.MustCompile(`^is before 1800`), "fielderr.too_old"},
	{regexp.MustCompile(`^is not a known district`), "fielderr.district"},
	{regexp.MustCompile(`^is not a known park`), "fielderr.park"},
	{regexp.MustCompile(`^must be a GB/T 4754 code`), "fielderr.industry"},
	{regexp.MustCompile(`^must be an http or https address`), "fielderr.website"},
	{regexp.MustCompile(`^must be true or false`), "fielderr.bool"},
	{regexp.MustCompile(`^is longer than (\d+) characters`), "fielderr.too_long"},
	{regexp.MustCompile(`^is already (registered|taken)`), "fielderr.taken"},
	{regexp.MustCompile(`^is stale`), "fielderr.stale"},
	{regexp.MustCompile(`^can be changed only by an administrator`), "fielderr.admin_only"},
	{regexp.MustCompile(`^must be one of`), "fielderr.choice"},
	{regexp.MustCompile(`^unknown certification`), "fielderr.choice"},
	{regexp.MustCompile(`^must be on one line`), "fielderr.one_line"},
	{regexp.MustCompile(`^contains control or invalid characters`), "fielderr.chars"},
	{regexp.MustCompile(`(?i)check character`), "fielderr.uscc_check"},
	{regexp.MustCompile(`^must be 18 characters`), "fielderr.uscc_length"},
	{regexp.MustCompile(`^character \d+ .* is not allowed`), "fielderr.uscc_char"},
	{regexp.MustCompile(`^is not an e-mail address`), "fielderr.email"},
	{regexp.MustCompile(`^must be at least 8 characters`), "fielderr.password_short"},
	{regexp.MustCompile(`^must be admin, officer or empty`), "fielderr.choice"},
	{regexp.MustCompile(`^must be owner or member`), "fielderr.choice"},
	{regexp.MustCompile(`^is wrong`), "fielderr.wrong"},
	{regexp.MustCompile(`^does not match`), "fielderr.mismatch"},
	{regexp.MustCompile(`^is not an organization`), "fielderr.no_org"},
	{regexp.MustCompile(`^cannot be your own`), "fielderr.self"},
}

// FieldMessageKeys lists the catalog keys FieldMessage may use, for the
// catalog completeness test.
func FieldMessageKeys() []string {
	var ks []string
	for _, m := range fieldMessages {
		if !slices.Contains(ks, m.key) {
			ks = append(ks, m.key)
		}
	}
	return ks
}

// FieldMessage translates a validator's message about one field. label
// names other fields a message refers to ("must not exceed employees").
func FieldMessage(lang, msg string, label func(field string) string) string {
	for _, m := range fieldMessages {
		sub := m.re.FindStringSubmatch(msg)
		if sub == nil {
			continue
		}
		switch m.key {
		case "fielderr.between":
			return i18n.T(lang, m.key, sub[1], sub[2])
		case "fielderr.exceeds":
			other := sub[1]
			if label != nil {
				other = label(other)
			}
			return i18n.T(lang, m.key, other)
		case "fielderr.too_long":
			return i18n.T(lang, m.key, sub[1])
		}
		return i18n.T(lang, m.key)
	}
	return msg
}

// AuditRow is one audit entry as a page shows it.
type AuditRow struct {
	audit.Entry
	Action  string
	Entity  string
	Changes []AuditChange
	// BeforeText and AfterText are the whole records, indented.
	BeforeText, AfterText string
}

// AuditChange is one field that differs between before and after; Before
// or After is empty when the record did not exist then.
type AuditChange struct {
	Field, Before, After string
}

// AuditRows prepares audit entries for a page: translated action and
// entity, and the fields that changed. label names a field of an entity.
func AuditRows(lang string, es []audit.Entry, label func(entity, field string) string) []AuditRow {
	rows := make([]AuditRow, 0, len(es))
	for _, e := range es {
		r := AuditRow{Entry: e, Action: orKey(lang, "audit.action."+e.Action, e.Action), Entity: orKey(lang, "audit.entity."+e.Entity, e.Entity)}
		r.BeforeText, r.AfterText = indent(e.Before), indent(e.After)
		before, after := object(e.Before), object(e.After)
		var keys []string
		for k := range before {
			keys = append(keys, k)
		}
		for k := range after {
			if _, ok := before[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			b, a := before[k], after[k]
			if bytes.Equal(compact(b), compact(a)) || ignoredAuditField(k) {
				continue
			}
			name := k
			if label != nil {
				name = label(e.Entity, k)
			}
			c := AuditChange{Field: name}
			// A record that did not exist before (or after) has no old
			// (or new) values, which is not the same as unknown ones.
			if len(e.Before) > 0 && string(compact(e.Before)) != "null" {
				c.Before = shortValue(lang, b)
			}
			if len(e.After) > 0 && string(compact(e.After)) != "null" {
				c.After = shortValue(lang, a)
			}
			r.Changes = append(r.Changes, c)
		}
		rows = append(rows, r)
	}
	return rows
}

// ignoredAuditField leaves out what changes with every write.
func ignoredAuditField(k string) bool {
	return k == "version" || k == "updated_at" || k == "created_at"
}

func orKey(lang, key, fallback string) string {
	if s := i18n.T(lang, key); s != key {
		return s
	}
	return fallback
}

func object(raw json.RawMessage) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &m)
	}
	return m
}

func compact(raw json.RawMessage) []byte {
	var b bytes.Buffer
	if len(raw) == 0 || json.Compact(&b, raw) != nil {
		return []byte("null")
	}
	return b.Bytes()
}

func indent(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

// shortValue shows one JSON value in a line: strings without quotes, null
// as unknown, long values clipped.
func shortValue(lang string, raw json.RawMessage) string {
	c := compact(raw)
	var s string
	switch {
	case string(c) == "null":
		return i18n.T(lang, "value.unknown")
	case len(c) > 0 && c[0] == '"':
		_ = json.Unmarshal(c, &s)
		if s == "" {
			return i18n.T(lang, "value.empty")
		}
	case string(c) == "true":
		return i18n.T(lang, "value.yes")
	case string(c) == "false":
		return i18n.T(lang, "value.no")
	default:
		s = strings.Trim(string(c), "[]")
		s = strings.ReplaceAll(s, `"`, "")
		if s == "" {
			return i18n.T(lang, "value.none")
		}
	}
	if utf8.RuneCountInString(s) > 120 {
		s = string([]rune(s)[:120]) + "…"
	}
	return s
}
