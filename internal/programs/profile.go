package programs

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/registry"
)

// registryOnly are members of an organization as the registry answers it
// that rules do not read; a profile may carry them (a client may post an
// organization as GET /api/v1/orgs/{id} returned it) and they are ignored.
var registryOnly = func() []string {
	out := []string{"id", "version", "created_at", "updated_at", "restricted", "warnings"}
	for _, f := range registry.Fields {
		if _, ok := rules.FieldByName(f.Name); !ok {
			out = append(out, f.Name)
		}
	}
	return out
}()

// DecodeProfile reads a self-check profile: a JSON object whose members
// are the registry's field names. Members of the registry that rules do
// not read are ignored; anything else, wrong types and impossible values
// are an Invalid error naming each field.
func DecodeProfile(m map[string]json.RawMessage) (*rules.Profile, error) {
	vals := make(map[string]any, len(m))
	var fs []apperr.FieldError
	for name, raw := range m {
		if slices.Contains(registryOnly, name) {
			continue
		}
		if _, ok := rules.FieldByName(name); !ok {
			fs = append(fs, apperr.FieldError{Field: name, Message: "unknown field"})
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			fs = append(fs, apperr.FieldError{Field: name, Message: "is not a JSON value"})
			continue
		}
		vals[name] = v
	}
	p, err := rules.NewProfile(vals)
	if err != nil {
		if ae := apperr.As(err); ae != nil {
			fs = append(fs, ae.Fields...)
		} else {
			return nil, err
		}
	}
	if len(fs) > 0 {
		slices.SortFunc(fs, func(a, b apperr.FieldError) int {
			switch {
			case a.Field < b.Field:
				return -1
			case a.Field > b.Field:
				return 1
			}
			return 0
		})
		return nil, apperr.Fields(fs)
	}
	return p, nil
}

// ProfileValues lays an organization out in the rules vocabulary; fields
// withheld from the caller's view are unknown.
func ProfileValues(o *registry.Org) map[string]any {
	m := map[string]any{
		"uscc":           o.USCC,
		"name_zh":        o.NameZh,
		"name_en":        o.NameEn,
		"kind":           o.Kind,
		"certifications": slices.Clone(o.Certifications),
	}
	str := func(name string, v *string) {
		if v != nil {
			m[name] = *v
		}
	}
	num := func(name string, v *int64) {
		if v != nil {
			m[name] = float64(*v)
		}
	}
	str("registered_district", o.RegisteredDistrict)
	str("tax_district", o.TaxDistrict)
	str("founded_on", o.FoundedOn)
	str("industry", o.Industry)
	str("tech_field", o.TechField)
	num("park_id", o.ParkID)
	num("invention_patents", o.InventionPatents)
	num("other_ip", o.OtherIP)
	if p := o.Private; p != nil {
		num("employees", p.Employees)
		num("rd_staff", p.RDStaff)
		num("revenue_yuan", p.RevenueYuan)
		num("total_assets_yuan", p.TotalAssetsYuan)
		num("rd_expense_yuan", p.RDExpenseYuan)
		num("revenue_3y_yuan", p.Revenue3yYuan)
		num("rd_expense_3y_yuan", p.RDExpense3yYuan)
		num("rd_expense_domestic_3y_yuan", p.RDExpenseDomestic3yYuan)
		num("high_tech_revenue_yuan", p.HighTechRevenueYuan)
		num("innovation_score", p.InnovationScore)
		if p.MajorIncidentLastYear != nil {
			m["major_incident_last_year"] = *p.MajorIncidentLastYear
		}
	}
	return m
}

// ProfileOf makes the rules profile of an organization.
func ProfileOf(o *registry.Org) (*rules.Profile, error) {
	return rules.NewProfile(ProfileValues(o))
}

// Outcome is one evaluation as the API answers it, in one language.
type Outcome struct {
	Program             string             `json:"program"`
	AsOf                string             `json:"as_of"`
	Status              string             `json:"status"`
	Criteria            []CriterionOutcome `json:"criteria"`
	Values              []ValueOutcome     `json:"values,omitempty"`
	AmountYuan          *int64             `json:"amount_yuan,omitempty"`
	AmountLabel         string             `json:"amount_label,omitempty"`
	AmountUnknownFields []string           `json:"amount_unknown_fields,omitempty"`
}

// CriterionOutcome is one criterion's status and why.
type CriterionOutcome struct {
	ID            string     `json:"id"`
	Label         string     `json:"label"`
	Status        string     `json:"status"`
	Reason        string     `json:"reason"`
	Gap           string     `json:"gap,omitempty"`
	GapDetail     *GapDetail `json:"gap_detail,omitempty"`
	Reference     string     `json:"reference"`
	UnknownFields []string   `json:"unknown_fields,omitempty"`
}

// GapDetail is the numbers behind a gap sentence: the field to change, its
// value, the value that would meet the criterion and the difference.
type GapDetail struct {
	Field   string  `json:"field"`
	Current float64 `json:"current"`
	Target  float64 `json:"target"`
	Delta   float64 `json:"delta"`
}

// ValueOutcome is a named number of the rule set (a score or its parts).
type ValueOutcome struct {
	Name          string   `json:"name"`
	Label         string   `json:"label"`
	Value         *float64 `json:"value"`
	Format        string   `json:"format,omitempty"`
	UnknownFields []string `json:"unknown_fields,omitempty"`
}

// OutcomeOf translates an engine result into lang.
func OutcomeOf(res *rules.Result, lang string) Outcome {
	out := Outcome{Program: res.Slug, AsOf: res.AsOf, Status: string(res.Status), Criteria: make([]CriterionOutcome, len(res.Criteria))}
	for i, c := range res.Criteria {
		co := CriterionOutcome{ID: c.ID, Label: c.Label.In(lang), Status: string(c.Status), Reason: c.Reason.In(lang),
			Reference: c.Reference, UnknownFields: c.Unknown}
		if c.Gap != nil {
			co.Gap = c.Gap.Text.In(lang)
			if c.Gap.Field != "" && c.Gap.Current != nil && c.Gap.Target != nil && c.Gap.Delta != nil {
				co.GapDetail = &GapDetail{Field: c.Gap.Field, Current: *c.Gap.Current, Target: *c.Gap.Target, Delta: *c.Gap.Delta}
			}
		}
		out.Criteria[i] = co
	}
	for _, v := range res.Values {
		out.Values = append(out.Values, ValueOutcome{Name: v.Name, Label: v.Label.In(lang), Value: v.Value, Format: string(v.Format), UnknownFields: v.Unknown})
	}
	if res.Amount != nil {
		out.AmountLabel = res.Amount.Label.In(lang)
		out.AmountYuan = res.Amount.Yuan
		out.AmountUnknownFields = res.Amount.Unknown
	}
	return out
}

// shanghai is the platform's time zone: a program's day is Shanghai's.
var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// dayOf is the calendar day of t in Shanghai, as the rules engine takes
// it (midnight UTC of that day).
func dayOf(t time.Time) time.Time {
	y, m, d := t.In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ParseAsOf reads an as-of day; empty means today.
func ParseAsOf(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return dayOf(now), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 1990 || t.Year() > 2200 {
		return time.Time{}, apperr.Field("as_of", "must be a date YYYY-MM-DD between 1990 and 2200")
	}
	return t, nil
}
