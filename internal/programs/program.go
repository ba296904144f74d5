// Package programs is module M2: support programs and special funds. A
// program is owned by a government agency, draws on a fiscal fund, has an
// application window, a budget and the documents to send, and decides
// eligibility, scores and amounts with a rule set of the kernel's rules
// engine. Officers of the owning agency write, preview, publish and close
// programs; anyone checks a profile against a program; an organization's
// members and the officers of its district see every open program ranked
// for it.
package programs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/kernel/text"
)

// Levels of government a program belongs to.
var Levels = []string{"state", "municipal", "district"}

// Statuses of a program.
const (
	Draft     = "draft"
	Published = "published"
	Closed    = "closed"
)

// Statuses lists them in order.
var Statuses = []string{Draft, Published, Closed}

// Rule check statuses: whether the rule set's own test cases passed when
// it was saved (a rule set that does not compile is never saved).
const (
	RulesOK          = "ok"
	RulesCasesFailed = "cases_failed"
)

// Document is one document an application must include.
type Document struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// Program is a support program or special fund.
type Program struct {
	ID                int64           `json:"id"`
	Slug              string          `json:"slug"`
	OwnerOrgID        *int64          `json:"owner_org_id"`
	Level             string          `json:"level"`
	FundNameZh        string          `json:"fund_name_zh"`
	FundNameEn        string          `json:"fund_name_en"`
	FundCode          string          `json:"fund_code"`
	TitleZh           string          `json:"title_zh"`
	TitleEn           string          `json:"title_en"`
	SummaryZh         string          `json:"summary_zh"`
	SummaryEn         string          `json:"summary_en"`
	LegalReference    string          `json:"legal_reference"`
	RuleSet           json.RawMessage `json:"rule_set"`
	RulesStatus       string          `json:"rules_status"`
	RulesFailures     []string        `json:"rules_failures"`
	OpensOn           *string         `json:"opens_on"`
	ClosesOn          *string         `json:"closes_on"`
	BudgetFen         *int64          `json:"budget_fen"`
	RequiredDocuments []Document      `json:"required_documents"`
	AutoGrant         bool            `json:"auto_grant"`
	// Excludes lists the slugs of programs this one does not stack with:
	// an enterprise holding an award of one is refused the other.
	Excludes []string `json:"excludes"`
	// YieldsToHigher: a state or municipal award for the same project
	// prevails over this (district) program.
	YieldsToHigher bool `json:"yields_to_higher"`
	// ObligationYears a recipient must stay registered and paying tax in
	// the district after payment (0: none); ClawbackProRata makes one who
	// leaves early repay the share of the unserved time only.
	ObligationYears int        `json:"obligation_years"`
	ClawbackProRata bool       `json:"clawback_pro_rata"`
	Status          string     `json:"status"`
	Version         int        `json:"version"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	PublishedAt     *time.Time `json:"published_at"`
	ClosedAt        *time.Time `json:"closed_at"`
	// Open is computed: published and today within the window.
	Open bool `json:"open"`
}

// Title returns the program's title in lang.
func (p *Program) Title(lang string) string {
	if lang == "en" && p.TitleEn != "" {
		return p.TitleEn
	}
	return p.TitleZh
}

// IsOpen reports whether the program takes applications on day (a
// YYYY-MM-DD string): published, and day within the window.
func (p *Program) IsOpen(day string) bool {
	if p.Status != Published {
		return false
	}
	if p.OpensOn != nil && day < *p.OpensOn {
		return false
	}
	if p.ClosesOn != nil && day > *p.ClosesOn {
		return false
	}
	return true
}

// Input is what officers write: every member optional in a patch, all
// but the optional ones required to create. Version, when present in a
// patch, must match the stored version.
type Input struct {
	Slug              *string          `json:"slug"`
	OwnerOrgID        *int64           `json:"owner_org_id"`
	Level             *string          `json:"level"`
	FundNameZh        *string          `json:"fund_name_zh"`
	FundNameEn        *string          `json:"fund_name_en"`
	FundCode          *string          `json:"fund_code"`
	TitleZh           *string          `json:"title_zh"`
	TitleEn           *string          `json:"title_en"`
	SummaryZh         *string          `json:"summary_zh"`
	SummaryEn         *string          `json:"summary_en"`
	LegalReference    *string          `json:"legal_reference"`
	RuleSet           *json.RawMessage `json:"rule_set"`
	OpensOn           *string          `json:"opens_on"`
	ClosesOn          *string          `json:"closes_on"`
	BudgetFen         *int64           `json:"budget_fen"`
	RequiredDocuments *[]Document      `json:"required_documents"`
	AutoGrant         *bool            `json:"auto_grant"`
	Excludes          *[]string        `json:"excludes"`
	YieldsToHigher    *bool            `json:"yields_to_higher"`
	ObligationYears   *int             `json:"obligation_years"`
	ClawbackProRata   *bool            `json:"clawback_pro_rata"`
	Version           *int             `json:"version"`

	// Which nullable members were sent as null (clear the value).
	nulls map[string]bool
}

// inputFields are the members of Input by JSON name.
var inputFields = []string{"slug", "owner_org_id", "level", "fund_name_zh", "fund_name_en", "fund_code", "title_zh", "title_en",
	"summary_zh", "summary_en", "legal_reference", "rule_set", "opens_on", "closes_on", "budget_fen", "required_documents", "auto_grant", "excludes", "yields_to_higher", "obligation_years", "clawback_pro_rata", "version"}

// nullable members may be sent as null to clear them.
var nullable = []string{"owner_org_id", "opens_on", "closes_on", "budget_fen"}

// DecodeInput reads an Input from a JSON object's members strictly:
// unknown and read-only members and wrong types are errors naming the
// member; null clears the nullable ones and is refused elsewhere.
func DecodeInput(m map[string]json.RawMessage) (Input, error) {
	var in Input
	in.nulls = map[string]bool{}
	var fs []apperr.FieldError
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		raw := m[k]
		if !slices.Contains(inputFields, k) {
			msg := "unknown field"
			if slices.Contains([]string{"id", "status", "rules_status", "rules_failures", "created_at", "updated_at", "published_at", "closed_at", "open"}, k) {
				msg = "is read-only"
			}
			fs = append(fs, apperr.FieldError{Field: k, Message: msg})
			continue
		}
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			if slices.Contains(nullable, k) {
				in.nulls[k] = true
			} else {
				fs = append(fs, apperr.FieldError{Field: k, Message: "cannot be null"})
			}
			continue
		}
		var err error
		switch k {
		case "slug":
			err = json.Unmarshal(raw, &in.Slug)
		case "owner_org_id":
			err = json.Unmarshal(raw, &in.OwnerOrgID)
		case "level":
			err = json.Unmarshal(raw, &in.Level)
		case "fund_name_zh":
			err = json.Unmarshal(raw, &in.FundNameZh)
		case "fund_name_en":
			err = json.Unmarshal(raw, &in.FundNameEn)
		case "fund_code":
			err = json.Unmarshal(raw, &in.FundCode)
		case "title_zh":
			err = json.Unmarshal(raw, &in.TitleZh)
		case "title_en":
			err = json.Unmarshal(raw, &in.TitleEn)
		case "summary_zh":
			err = json.Unmarshal(raw, &in.SummaryZh)
		case "summary_en":
			err = json.Unmarshal(raw, &in.SummaryEn)
		case "legal_reference":
			err = json.Unmarshal(raw, &in.LegalReference)
		case "rule_set":
			if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
				err = fmt.Errorf("must be a rule set object")
			} else {
				r := json.RawMessage(slices.Clone(t))
				in.RuleSet = &r
			}
		case "opens_on":
			err = json.Unmarshal(raw, &in.OpensOn)
		case "closes_on":
			err = json.Unmarshal(raw, &in.ClosesOn)
		case "budget_fen":
			err = json.Unmarshal(raw, &in.BudgetFen)
		case "required_documents":
			var docs []Document
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err = dec.Decode(&docs); err == nil {
				in.RequiredDocuments = &docs
			}
		case "auto_grant":
			err = json.Unmarshal(raw, &in.AutoGrant)
		case "excludes":
			err = json.Unmarshal(raw, &in.Excludes)
		case "yields_to_higher":
			err = json.Unmarshal(raw, &in.YieldsToHigher)
		case "obligation_years":
			err = json.Unmarshal(raw, &in.ObligationYears)
		case "clawback_pro_rata":
			err = json.Unmarshal(raw, &in.ClawbackProRata)
		case "version":
			err = json.Unmarshal(raw, &in.Version)
		}
		if err != nil {
			fs = append(fs, apperr.FieldError{Field: k, Message: want(k)})
		}
	}
	return in, apperr.Fields(fs)
}

func want(k string) string {
	switch k {
	case "owner_org_id", "budget_fen", "version":
		return "must be a whole number"
	case "auto_grant", "yields_to_higher", "clawback_pro_rata":
		return "must be true or false"
	case "obligation_years":
		return "must be a whole number of years"
	case "excludes":
		return "must be an array of program slugs"
	case "opens_on", "closes_on":
		return "must be a date string YYYY-MM-DD"
	case "required_documents":
		return `must be an array of {"zh": ..., "en": ...}`
	case "rule_set":
		return "must be a rule set object"
	}
	return "must be a string"
}

// apply sets the members of in on p.
func (in *Input) apply(p *Program) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&p.Slug, in.Slug)
	set(&p.Level, in.Level)
	set(&p.FundNameZh, in.FundNameZh)
	set(&p.FundNameEn, in.FundNameEn)
	set(&p.FundCode, in.FundCode)
	set(&p.TitleZh, in.TitleZh)
	set(&p.TitleEn, in.TitleEn)
	set(&p.SummaryZh, in.SummaryZh)
	set(&p.SummaryEn, in.SummaryEn)
	set(&p.LegalReference, in.LegalReference)
	if in.OwnerOrgID != nil || in.nulls["owner_org_id"] {
		p.OwnerOrgID = in.OwnerOrgID
	}
	if in.RuleSet != nil {
		p.RuleSet = *in.RuleSet
	}
	if in.OpensOn != nil || in.nulls["opens_on"] {
		p.OpensOn = in.OpensOn
	}
	if in.ClosesOn != nil || in.nulls["closes_on"] {
		p.ClosesOn = in.ClosesOn
	}
	if in.BudgetFen != nil || in.nulls["budget_fen"] {
		p.BudgetFen = in.BudgetFen
	}
	if in.RequiredDocuments != nil {
		p.RequiredDocuments = *in.RequiredDocuments
	}
	if in.AutoGrant != nil {
		p.AutoGrant = *in.AutoGrant
	}
	if in.Excludes != nil {
		p.Excludes = *in.Excludes
	}
	if in.YieldsToHigher != nil {
		p.YieldsToHigher = *in.YieldsToHigher
	}
	if in.ObligationYears != nil {
		p.ObligationYears = *in.ObligationYears
	}
	if in.ClawbackProRata != nil {
		p.ClawbackProRata = *in.ClawbackProRata
	}
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// reservedSlugs would clash with the pages under /programs/.
var reservedSlugs = []string{"new"}

// maxBudgetFen is a trillion yuan: beyond any fund.
const maxBudgetFen = 100_000_000_000_000

// normalize tidies a program before validation.
func (p *Program) normalize() {
	p.Slug = strings.ToLower(strings.TrimSpace(p.Slug))
	p.Level = strings.ToLower(strings.TrimSpace(p.Level))
	for _, s := range []*string{&p.FundNameZh, &p.FundNameEn, &p.FundCode, &p.TitleZh, &p.TitleEn, &p.LegalReference} {
		*s = strings.TrimSpace(*s)
	}
	p.SummaryZh, p.SummaryEn = strings.TrimSpace(p.SummaryZh), strings.TrimSpace(p.SummaryEn)
	for _, d := range []**string{&p.OpensOn, &p.ClosesOn} {
		if *d != nil {
			s := strings.TrimSpace(**d)
			if s == "" {
				*d = nil
			} else {
				*d = &s
			}
		}
	}
	// A copy: the documents may be shared (the built-in programs').
	p.RequiredDocuments = append([]Document{}, p.RequiredDocuments...)
	ex := []string{}
	for _, x := range p.Excludes {
		if x = strings.ToLower(strings.TrimSpace(x)); x != "" && !slices.Contains(ex, x) {
			ex = append(ex, x)
		}
	}
	p.Excludes = ex
	for i := range p.RequiredDocuments {
		p.RequiredDocuments[i].Zh = strings.TrimSpace(p.RequiredDocuments[i].Zh)
		p.RequiredDocuments[i].En = strings.TrimSpace(p.RequiredDocuments[i].En)
	}
}

// validate checks a normalized program's own fields (not the rule set,
// nor the owner, which need the database).
func (p *Program) validate() []apperr.FieldError {
	var fs []apperr.FieldError
	bad := func(field, format string, args ...any) {
		fs = append(fs, apperr.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case p.Slug == "":
		bad("slug", "is required")
	case !slugRE.MatchString(p.Slug) || len(p.Slug) > 80:
		bad("slug", "must be lowercase letters, digits and single hyphens, at most 80 characters")
	case slices.Contains(reservedSlugs, p.Slug) || isDigits(p.Slug):
		bad("slug", "is reserved; choose another")
	}
	if !slices.Contains(Levels, p.Level) {
		bad("level", "must be one of %s", strings.Join(Levels, ", "))
	}
	line := func(field, s string, required bool, max int) {
		switch {
		case required && s == "":
			bad(field, "is required")
		case text.Line(s) != "":
			bad(field, "%s", text.Line(s))
		case utf8.RuneCountInString(s) > max:
			bad(field, "is longer than %d characters", max)
		}
	}
	block := func(field, s string, max int) {
		switch {
		case text.Block(s) != "":
			bad(field, "%s", text.Block(s))
		case utf8.RuneCountInString(s) > max:
			bad(field, "is longer than %d characters", max)
		}
	}
	line("title_zh", p.TitleZh, true, 200)
	line("title_en", p.TitleEn, true, 200)
	line("fund_name_zh", p.FundNameZh, false, 200)
	line("fund_name_en", p.FundNameEn, false, 200)
	line("fund_code", p.FundCode, false, 60)
	line("legal_reference", p.LegalReference, true, 1000)
	block("summary_zh", p.SummaryZh, 5000)
	block("summary_en", p.SummaryEn, 5000)
	var opens, closes time.Time
	for _, d := range []struct {
		name string
		v    *string
		t    *time.Time
	}{{"opens_on", p.OpensOn, &opens}, {"closes_on", p.ClosesOn, &closes}} {
		if d.v == nil {
			continue
		}
		t, err := time.Parse(time.DateOnly, *d.v)
		if err != nil || t.Year() < 2000 || t.Year() > 2200 {
			bad(d.name, "must be a real date YYYY-MM-DD between 2000 and 2200")
			continue
		}
		*d.t = t
	}
	if !opens.IsZero() && !closes.IsZero() && closes.Before(opens) {
		bad("closes_on", "must not be before opens_on")
	}
	if p.BudgetFen != nil {
		switch {
		case *p.BudgetFen < 0:
			bad("budget_fen", "must not be negative")
		case *p.BudgetFen > maxBudgetFen:
			bad("budget_fen", "is implausibly large (over %d)", int64(maxBudgetFen))
		}
	}
	if len(p.RequiredDocuments) > 50 {
		bad("required_documents", "must list at most 50 documents")
	}
	for i, d := range p.RequiredDocuments {
		line(fmt.Sprintf("required_documents[%d].zh", i), d.Zh, true, 300)
		line(fmt.Sprintf("required_documents[%d].en", i), d.En, true, 300)
	}
	if len(p.Excludes) > 20 {
		bad("excludes", "at most 20 programs")
	}
	for i, x := range p.Excludes {
		if !slugRE.MatchString(x) || len(x) > 80 {
			bad(fmt.Sprintf("excludes[%d]", i), "must be a program slug")
		} else if x == p.Slug {
			bad(fmt.Sprintf("excludes[%d]", i), "a program always stacks with itself once; name other programs")
		}
	}
	if p.ObligationYears < 0 || p.ObligationYears > 20 {
		bad("obligation_years", "must be between 0 and 20")
	}
	if p.YieldsToHigher && p.Level != "district" {
		bad("yields_to_higher", "only a district program yields to state and municipal ones")
	}
	return fs
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// compileRuleSet parses a program's rule set strictly, with the program's
// slug, and returns it compiled with its normalized JSON and the outcome
// of its own test cases. Errors name the member of the rule set
// ("rule_set.criteria[2].expr") and, for expressions, the line:column.
func compileRuleSet(slug string, raw json.RawMessage) (*rules.RuleSet, json.RawMessage, []string, error) {
	key := slug + "\x00" + string(raw)
	if c, ok := compileCache.Load(key); ok {
		c := c.(*compiledRaw)
		return c.rs, c.norm, slices.Clone(c.failures), nil
	}
	rs, norm, failures, err := compileRuleSetOnce(slug, raw)
	if err == nil {
		if compileCacheN.Add(1) > maxCompileCache {
			compileCache.Clear()
			compileCacheN.Store(0)
		}
		compileCache.Store(key, &compiledRaw{rs: rs, norm: norm, failures: slices.Clone(failures)})
	}
	return rs, norm, failures, err
}

// Compiled rule sets are immutable and safe to share: the same text (a
// built-in seeded into each new database, a program saved again without
// changing its rules) is compiled once per process.
var (
	compileCache  sync.Map // slug NUL raw -> *compiledRaw
	compileCacheN atomic.Int64
)

const maxCompileCache = 512

type compiledRaw struct {
	rs       *rules.RuleSet
	norm     json.RawMessage
	failures []string
}

func compileRuleSetOnce(slug string, raw json.RawMessage) (*rules.RuleSet, json.RawMessage, []string, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil, nil, apperr.Field("rule_set", "is required")
	}
	if len(raw) > 256<<10 {
		return nil, nil, nil, apperr.Field("rule_set", "is larger than 256 KiB")
	}
	var spec rules.Spec
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&spec); err != nil {
		return nil, nil, nil, apperr.Field("rule_set", "is not a valid rule set: %v", err)
	}
	if dec.More() {
		return nil, nil, nil, apperr.Field("rule_set", "has data after the rule set")
	}
	// The rule set takes the program's slug, so that results name it.
	spec.Slug = slug
	rs, err := rules.Compile(spec)
	if err != nil {
		if ae := apperr.As(err); ae != nil && len(ae.Fields) > 0 {
			fs := make([]apperr.FieldError, len(ae.Fields))
			for i, f := range ae.Fields {
				fs[i] = apperr.FieldError{Field: "rule_set." + f.Field, Message: f.Message}
			}
			return nil, nil, nil, apperr.Fields(fs)
		}
		return nil, nil, nil, err
	}
	norm, err := json.Marshal(rs.Spec())
	if err != nil {
		return nil, nil, nil, apperr.Wrap(err, "encode rule set")
	}
	var failures []string
	for _, f := range rs.Check() {
		failures = append(failures, f.String())
	}
	if failures == nil {
		failures = []string{}
	}
	return rs, norm, failures, nil
}
