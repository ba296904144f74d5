// Package residence is the permanent-residence self-check and the district
// talent programs of module M8: eligibility as rule sets of the kernel
// rules engine, explained criterion by criterion with the gap to close,
// and applications to the programs reviewed by the district's officers
// through the workflow engine.
package residence

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/kernel/text"
	"rainforest/internal/talent/housing"
)

//go:embed rules/*.json
var ruleFS embed.FS

func mustRules(name string) *rules.RuleSet {
	b, err := ruleFS.ReadFile("rules/" + name + ".json")
	if err != nil {
		panic(err)
	}
	rs, err := rules.Parse(b)
	if err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	return rs
}

// Routes are the permanent-residence routes, each a rule set; a talent
// qualifies by any one of them.
var Routes = []*rules.RuleSet{mustRules("pr-demo-zone"), mustRules("pr-high-level")}

// Program is a district talent program with its eligibility.
type Program struct {
	Slug     string         `json:"slug"`
	District string         `json:"district"`
	NameZh   string         `json:"name_zh"`
	NameEn   string         `json:"name_en"`
	AboutZh  string         `json:"description_zh"`
	AboutEn  string         `json:"description_en"`
	Rules    *rules.RuleSet `json:"-"`
}

func program(slug, district string) Program {
	rs := mustRules(slug)
	sp := rs.Spec()
	return Program{Slug: slug, District: district, NameZh: sp.Title.Zh, NameEn: sp.Title.En, AboutZh: sp.Description.Zh, AboutEn: sp.Description.En, Rules: rs}
}

// Programs are the district talent programs.
var Programs = []Program{program("guangqi", "xuhui"), program("mingzhu", "pudong")}

// ProgramBySlug finds a program.
func ProgramBySlug(slug string) (Program, error) {
	for _, p := range Programs {
		if p.Slug == slug {
			return p, nil
		}
	}
	return Program{}, apperr.New(apperr.NotFound, "no talent program %q", slug)
}

// FactFields are the facts a self-check reads, in the order of the form.
var FactFields = []string{"talent_class", "born_on", "months_in_zone", "salary_yuan", "income_tax_yuan", "tech_field", "registered_district"}

// Facts are a talent's answers to a self-check, keyed by the rules'
// field names; absent means unknown.
type Facts map[string]any

// ParseFacts reads the facts of a self-check from a JSON object and checks
// them as of today: every fault named by its field, nothing else accepted.
func ParseFacts(data []byte, today time.Time) (Facts, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, apperr.Field("body", "must be a JSON object of the self-check's facts")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, apperr.Field("body", "must hold one JSON object")
	}
	return CheckFacts(m, today)
}

// CheckFacts validates facts given as JSON values (numbers as float64 or
// json.Number) and returns them normalised.
func CheckFacts(m map[string]any, today time.Time) (Facts, error) {
	var fs text.Errors
	in := map[string]any{}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !slices.Contains(FactFields, k) {
			fs.Add(clip(k), "is not a fact of the self-check")
			continue
		}
		if s, ok := m[k].(string); ok && strings.TrimSpace(s) == "" {
			continue // an empty answer is an unknown one
		}
		in[k] = m[k]
	}
	if err := apperr.Fields(fs); err != nil {
		return nil, err
	}
	p, err := rules.NewProfile(in)
	if err != nil {
		return nil, err
	}
	out := Facts{}
	for _, k := range FactFields {
		if v := p.Value(k); v != nil {
			out[k] = v
		}
	}
	// Facts no person can have.
	if b, ok := out["born_on"].(string); ok {
		born, _ := time.Parse(time.DateOnly, b)
		switch {
		case born.After(today):
			fs.Add("born_on", "is in the future")
		case born.Year() < 1900:
			fs.Add("born_on", "is before 1900")
		default:
			if months, ok := out["months_in_zone"].(float64); ok && months > float64(monthsBetween(born.AddDate(16, 0, 0), today)) {
				fs.Add("months_in_zone", "is more than the months since the 16th birthday")
			}
		}
	}
	if tax, ok := out["income_tax_yuan"].(float64); ok {
		if sal, ok := out["salary_yuan"].(float64); ok && tax > sal {
			fs.Add("income_tax_yuan", "cannot exceed salary_yuan")
		}
	}
	if err := apperr.Fields(fs); err != nil {
		return nil, err
	}
	return out, nil
}

func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > 40 {
		s = s[:40]
	}
	return s
}

// monthsBetween counts the whole months from one day to another (0 when
// the second is earlier).
func monthsBetween(from, to time.Time) int {
	if to.Before(from) {
		return 0
	}
	n := (to.Year()-from.Year())*12 + int(to.Month()) - int(from.Month())
	if to.Day() < from.Day() {
		n--
	}
	return max(n, 0)
}

// FactsFromForm reads facts from form values (a self-check page).
func FactsFromForm(get func(string) string, today time.Time) (Facts, error) {
	m := map[string]any{}
	var fs text.Errors
	for _, k := range FactFields {
		v := strings.TrimSpace(get(k))
		if v == "" {
			continue
		}
		f, _ := rules.FieldByName(k)
		if f.Type == rules.Number {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
				fs.Add(k, "must be a number")
				continue
			}
			m[k] = x
			continue
		}
		m[k] = v
	}
	if err := apperr.Fields(fs); err != nil {
		return nil, err
	}
	return CheckFacts(m, today)
}

// String renders a fact for a form field.
func (f Facts) String(k string) string {
	switch v := f[k].(type) {
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		return v
	}
	return ""
}

// Evaluate runs a rule set on the facts as of a day.
func Evaluate(rs *rules.RuleSet, f Facts, asOf time.Time) (*rules.Result, error) {
	p, err := rules.NewProfile(f)
	if err != nil {
		return nil, err
	}
	return rs.Evaluate(p, asOf)
}

// Check is a permanent-residence self-check: each route's result, and
// the best status over the routes.
type Check struct {
	Status string          `json:"status"`
	Facts  Facts           `json:"facts"`
	Routes []*rules.Result `json:"routes"`
}

// CheckResidence evaluates every route; eligible when one route is.
func CheckResidence(f Facts, asOf time.Time) (Check, error) {
	c := Check{Status: string(rules.Ineligible), Facts: f}
	for _, rs := range Routes {
		r, err := Evaluate(rs, f, asOf)
		if err != nil {
			return c, err
		}
		c.Routes = append(c.Routes, r)
		switch {
		case r.Status == rules.Eligible:
			c.Status = string(rules.Eligible)
		case r.Status == rules.Unknown && c.Status == string(rules.Ineligible):
			c.Status = string(rules.Unknown)
		}
	}
	return c, nil
}

// Service is the residence self-check and the talent programs.
type Service struct {
	DB      *db.DB
	Permits housing.Permits
}

var shanghai = time.FixedZone("CST", 8*3600)

// Today is the current day in Shanghai.
func (s *Service) Today() time.Time {
	y, m, d := s.DB.Now().In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Prefill gives the facts the platform knows of the signed-in talent: the
// class of the best valid work permit, the months since the first permit
// began (work in the district or zone, to be checked), and the employer's
// district and technology field. Nothing for the public.
func (s *Service) Prefill(ctx context.Context, p *auth.Principal) (Facts, error) {
	f := Facts{}
	if p == nil {
		return f, nil
	}
	today := s.Today()
	var org sql.NullInt64
	err := s.DB.Read.QueryRowContext(ctx, `SELECT org_id FROM people WHERE user_id = $1 ORDER BY id LIMIT 1`, p.UserID).Scan(&org)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return f, apperr.Wrap(err, "person")
	}
	if org.Valid {
		var district, field sql.NullString
		if err := s.DB.Read.QueryRowContext(ctx, `SELECT registered_district, tech_field FROM orgs WHERE id = $1`, org.Int64).Scan(&district, &field); err != nil {
			return f, apperr.Wrap(err, "employer")
		}
		if district.Valid && district.String != "" {
			f["registered_district"] = district.String
		}
		if field.Valid && field.String != "" {
			f["tech_field"] = field.String
		}
	}
	if s.Permits == nil {
		return f, nil
	}
	ps, err := s.Permits.PermitsOf(ctx, p.UserID)
	if err != nil {
		return f, err
	}
	d := today.Format(time.DateOnly)
	first := ""
	for _, x := range ps {
		c := strings.ToLower(x.Class)
		if c != "a" && c != "b" && c != "c" {
			continue
		}
		if x.ValidFrom <= d && (x.ValidTo == "" || x.ValidTo >= d) {
			if cur, ok := f["talent_class"].(string); !ok || c < cur {
				f["talent_class"] = c
			}
		}
		if x.ValidFrom != "" && (first == "" || x.ValidFrom < first) {
			first = x.ValidFrom
		}
	}
	if t, err := time.Parse(time.DateOnly, first); err == nil {
		f["months_in_zone"] = float64(monthsBetween(t, today))
	}
	return f, nil
}
