// Package registry is module M1: organizations of every kind with the
// enterprise profile that programs read, districts, parks and people.
package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/search"
	"rainforest/internal/kernel/text"
)

// Kinds of organization.
var Kinds = []string{"enterprise", "university", "institute", "service", "bank", "investor", "incubator", "agency"}

// TechFields are the eight supported high-tech fields.
var TechFields = []string{"electronic_information", "biomedicine", "aerospace", "new_materials", "high_tech_services", "new_energy", "resources_environment", "advanced_manufacturing"}

// CertificationNames are the certifications an enterprise profile records.
var CertificationNames = []string{"hnte", "scitech_sme", "specialized_sophisticated", "little_giant"}

// Public is the part of an organization anyone may see.
type Public struct {
	ID                 int64     `json:"id"`
	USCC               string    `json:"uscc"`
	NameZh             string    `json:"name_zh"`
	NameEn             string    `json:"name_en"`
	Kind               string    `json:"kind"`
	RegisteredDistrict *string   `json:"registered_district"`
	TaxDistrict        *string   `json:"tax_district"`
	ParkID             *int64    `json:"park_id"`
	FoundedOn          *string   `json:"founded_on"`
	InventionPatents   *int64    `json:"invention_patents"`
	OtherIP            *int64    `json:"other_ip"`
	Industry           *string   `json:"industry"`
	TechField          *string   `json:"tech_field"`
	Certifications     []string  `json:"certifications"`
	Website            string    `json:"website"`
	DescriptionZh      string    `json:"description_zh"`
	DescriptionEn      string    `json:"description_en"`
	Version            int       `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// Private is the part of the profile only the organization's members, the
// officers of its districts and administrators may see.
type Private struct {
	Employees               *int64 `json:"employees"`
	RDStaff                 *int64 `json:"rd_staff"`
	RevenueYuan             *int64 `json:"revenue_yuan"`
	TotalAssetsYuan         *int64 `json:"total_assets_yuan"`
	RDExpenseYuan           *int64 `json:"rd_expense_yuan"`
	Revenue3yYuan           *int64 `json:"revenue_3y_yuan"`
	RDExpense3yYuan         *int64 `json:"rd_expense_3y_yuan"`
	RDExpenseDomestic3yYuan *int64 `json:"rd_expense_domestic_3y_yuan"`
	HighTechRevenueYuan     *int64 `json:"high_tech_revenue_yuan"`
	InnovationScore         *int64 `json:"innovation_score"`
	MajorIncidentLastYear   *bool  `json:"major_incident_last_year"`
}

// Org is an organization with its whole profile. Encoded with a nil
// Private, the private fields are left out (not null: null means unknown).
type Org struct {
	Public
	*Private
	// Restricted is true in a view whose private fields were withheld.
	Restricted bool `json:"restricted,omitempty"`
}

// Redacted returns the public view of o.
func (o Org) Redacted() Org {
	o.Private = nil
	o.Restricted = true
	return o
}

// kind of value a field holds.
type fieldKind int

const (
	kText    fieldKind = iota // required or defaulted string
	kOptText                  // *string, null allowed
	kInt                      // *int64
	kDate                     // *string YYYY-MM-DD
	kBool                     // *bool
	kCerts                    // []string
	kRef                      // *int64 reference
)

// Field describes one profile field: its name in the API, CSV, XLSX and
// rules vocabulary, its kind and whether it is private.
type Field struct {
	Name     string
	kind     fieldKind
	Private  bool
	Required bool
	Money    bool
	LabelZh  string
	LabelEn  string
	ref      func(o *Org) any
}

// Fields lists every writable profile field, in export column order.
var Fields = []Field{
	{Name: "uscc", kind: kText, Required: true, LabelZh: "统一社会信用代码", LabelEn: "Unified Social Credit Code", ref: func(o *Org) any { return &o.USCC }},
	{Name: "name_zh", kind: kText, Required: true, LabelZh: "中文名称", LabelEn: "Name (Chinese)", ref: func(o *Org) any { return &o.NameZh }},
	{Name: "name_en", kind: kText, LabelZh: "英文名称", LabelEn: "Name (English)", ref: func(o *Org) any { return &o.NameEn }},
	{Name: "kind", kind: kText, Required: true, LabelZh: "机构类型", LabelEn: "Kind", ref: func(o *Org) any { return &o.Kind }},
	{Name: "registered_district", kind: kOptText, LabelZh: "注册地", LabelEn: "Registered district", ref: func(o *Org) any { return &o.RegisteredDistrict }},
	{Name: "tax_district", kind: kOptText, LabelZh: "纳税地", LabelEn: "Tax district", ref: func(o *Org) any { return &o.TaxDistrict }},
	{Name: "park_id", kind: kRef, LabelZh: "所在园区", LabelEn: "Park", ref: func(o *Org) any { return &o.ParkID }},
	{Name: "founded_on", kind: kDate, LabelZh: "成立日期", LabelEn: "Founded on", ref: func(o *Org) any { return &o.FoundedOn }},
	{Name: "employees", kind: kInt, Private: true, LabelZh: "职工人数", LabelEn: "Employees", ref: func(o *Org) any { return &o.Employees }},
	{Name: "rd_staff", kind: kInt, Private: true, LabelZh: "科技人员数", LabelEn: "R&D staff", ref: func(o *Org) any { return &o.RDStaff }},
	{Name: "revenue_yuan", kind: kInt, Private: true, Money: true, LabelZh: "年销售收入(元)", LabelEn: "Revenue (yuan)", ref: func(o *Org) any { return &o.RevenueYuan }},
	{Name: "total_assets_yuan", kind: kInt, Private: true, Money: true, LabelZh: "资产总额(元)", LabelEn: "Total assets (yuan)", ref: func(o *Org) any { return &o.TotalAssetsYuan }},
	{Name: "rd_expense_yuan", kind: kInt, Private: true, Money: true, LabelZh: "年研发费用(元)", LabelEn: "R&D expense (yuan)", ref: func(o *Org) any { return &o.RDExpenseYuan }},
	{Name: "revenue_3y_yuan", kind: kInt, Private: true, Money: true, LabelZh: "近三年销售收入(元)", LabelEn: "Revenue, last 3 years (yuan)", ref: func(o *Org) any { return &o.Revenue3yYuan }},
	{Name: "rd_expense_3y_yuan", kind: kInt, Private: true, Money: true, LabelZh: "近三年研发费用(元)", LabelEn: "R&D expense, last 3 years (yuan)", ref: func(o *Org) any { return &o.RDExpense3yYuan }},
	{Name: "rd_expense_domestic_3y_yuan", kind: kInt, Private: true, Money: true, LabelZh: "近三年境内研发费用(元)", LabelEn: "Domestic R&D expense, last 3 years (yuan)", ref: func(o *Org) any { return &o.RDExpenseDomestic3yYuan }},
	{Name: "high_tech_revenue_yuan", kind: kInt, Private: true, Money: true, LabelZh: "高新技术产品收入(元)", LabelEn: "High-tech revenue (yuan)", ref: func(o *Org) any { return &o.HighTechRevenueYuan }},
	{Name: "invention_patents", kind: kInt, LabelZh: "发明专利数", LabelEn: "Invention patents", ref: func(o *Org) any { return &o.InventionPatents }},
	{Name: "other_ip", kind: kInt, LabelZh: "其他知识产权数", LabelEn: "Other IP", ref: func(o *Org) any { return &o.OtherIP }},
	{Name: "industry", kind: kOptText, LabelZh: "国民经济行业", LabelEn: "Industry (GB/T 4754)", ref: func(o *Org) any { return &o.Industry }},
	{Name: "tech_field", kind: kOptText, LabelZh: "技术领域", LabelEn: "Technology field", ref: func(o *Org) any { return &o.TechField }},
	{Name: "certifications", kind: kCerts, LabelZh: "资质认定", LabelEn: "Certifications", ref: func(o *Org) any { return &o.Certifications }},
	{Name: "innovation_score", kind: kInt, Private: true, LabelZh: "创新能力评分", LabelEn: "Innovation score", ref: func(o *Org) any { return &o.InnovationScore }},
	{Name: "major_incident_last_year", kind: kBool, Private: true, LabelZh: "上一年重大事故或违法", LabelEn: "Major incident last year", ref: func(o *Org) any { return &o.MajorIncidentLastYear }},
	{Name: "website", kind: kText, LabelZh: "网站", LabelEn: "Website", ref: func(o *Org) any { return &o.Website }},
	{Name: "description_zh", kind: kText, LabelZh: "简介(中文)", LabelEn: "Description (Chinese)", ref: func(o *Org) any { return &o.DescriptionZh }},
	{Name: "description_en", kind: kText, LabelZh: "简介(英文)", LabelEn: "Description (English)", ref: func(o *Org) any { return &o.DescriptionEn }},
}

// FieldByName finds a field.
func FieldByName(name string) (Field, bool) {
	for _, f := range Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

var readOnly = []string{"id", "version", "created_at", "updated_at", "restricted"}

// NewOrg returns an empty organization ready for fields to be set.
func NewOrg() Org {
	return Org{Private: &Private{}, Public: Public{Certifications: []string{}}}
}

// SetJSON sets one field from its JSON value.
func (o *Org) SetJSON(name string, raw json.RawMessage) error {
	f, ok := FieldByName(name)
	if !ok {
		if slices.Contains(readOnly, name) {
			return errors.New("is read-only")
		}
		return errors.New("unknown field")
	}
	if o.Private == nil {
		o.Private = &Private{}
	}
	isNull := strings.TrimSpace(string(raw)) == "null"
	if isNull {
		switch f.kind {
		case kText:
			if f.Required {
				return errors.New("is required and cannot be null")
			}
			*f.ref(o).(*string) = ""
			return nil
		case kCerts:
			o.Certifications = []string{}
			return nil
		}
	}
	var err error
	switch f.kind {
	case kText:
		var s string
		if err = json.Unmarshal(raw, &s); err == nil {
			*f.ref(o).(*string) = s
		}
	case kOptText, kDate:
		var s *string
		if err = json.Unmarshal(raw, &s); err == nil {
			*f.ref(o).(**string) = s
		}
	case kInt, kRef:
		var n *int64
		if err = json.Unmarshal(raw, &n); err == nil {
			*f.ref(o).(**int64) = n
		}
	case kBool:
		var b *bool
		if err = json.Unmarshal(raw, &b); err == nil {
			*f.ref(o).(**bool) = b
		}
	case kCerts:
		var cs []string
		if err = json.Unmarshal(raw, &cs); err == nil {
			o.Certifications = cs
		}
	}
	if err != nil {
		return errors.New(kindWant(f.kind))
	}
	return nil
}

func kindWant(k fieldKind) string {
	switch k {
	case kText, kOptText:
		return "must be a string"
	case kDate:
		return "must be a date string YYYY-MM-DD"
	case kInt, kRef:
		return "must be a whole number"
	case kBool:
		return "must be true or false"
	case kCerts:
		return "must be an array of strings"
	}
	return "has the wrong type"
}

// SetText sets one field from its spreadsheet text; an empty cell is null.
func (o *Org) SetText(name, s string) error {
	f, ok := FieldByName(name)
	if !ok {
		return errors.New("unknown field")
	}
	if o.Private == nil {
		o.Private = &Private{}
	}
	s = strings.TrimSpace(s)
	switch f.kind {
	case kText:
		*f.ref(o).(*string) = s
	case kOptText, kDate:
		p := f.ref(o).(**string)
		if s == "" {
			*p = nil
		} else {
			*p = &s
		}
	case kInt, kRef:
		p := f.ref(o).(**int64)
		if s == "" {
			*p = nil
			return nil
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
		if err != nil {
			return fmt.Errorf("must be a whole number, not %q", clip(s))
		}
		*p = &n
	case kBool:
		p := f.ref(o).(**bool)
		switch strings.ToLower(s) {
		case "":
			*p = nil
		case "true", "1", "yes", "y", "是":
			b := true
			*p = &b
		case "false", "0", "no", "n", "否":
			b := false
			*p = &b
		default:
			return fmt.Errorf("must be true or false, not %q", clip(s))
		}
	case kCerts:
		o.Certifications = strings.FieldsFunc(s, func(r rune) bool {
			return r == ';' || r == ',' || r == '|' || unicode.IsSpace(r) || r == '；' || r == '，'
		})
	}
	return nil
}

// Text returns one field as spreadsheet text; null is "".
func (o *Org) Text(name string) string {
	f, ok := FieldByName(name)
	if !ok {
		return ""
	}
	if f.Private && o.Private == nil {
		return ""
	}
	switch v := f.ref(o).(type) {
	case *string:
		return *v
	case **string:
		if *v != nil {
			return **v
		}
	case **int64:
		if *v != nil {
			return strconv.FormatInt(**v, 10)
		}
	case **bool:
		if *v != nil {
			return strconv.FormatBool(**v)
		}
	case *[]string:
		return strings.Join(*v, ";")
	}
	return ""
}

// IsNull reports whether a field is unknown.
func (o *Org) IsNull(name string) bool {
	f, ok := FieldByName(name)
	if !ok || (f.Private && o.Private == nil) {
		return true
	}
	switch v := f.ref(o).(type) {
	case **string:
		return *v == nil
	case **int64:
		return *v == nil
	case **bool:
		return *v == nil
	}
	return false
}

func clip(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

var industryRE = regexp.MustCompile(`^[A-T](\d{2}(\d{1,2})?)?$`)

const (
	maxMoney = 1_000_000_000_000_000 // a quadrillion yuan: beyond any real figure
	maxCount = 100_000_000
)

// Normalize tidies an organization in place before validation: trims text,
// normalizes the credit code and the certification list.
func (o *Org) Normalize() {
	o.USCC = NormalizeUSCC(o.USCC)
	o.NameZh = strings.TrimSpace(o.NameZh)
	o.NameEn = strings.TrimSpace(o.NameEn)
	o.Kind = strings.ToLower(strings.TrimSpace(o.Kind))
	o.Website = strings.TrimSpace(o.Website)
	for _, p := range []**string{&o.RegisteredDistrict, &o.TaxDistrict, &o.Industry, &o.TechField, &o.FoundedOn} {
		if *p != nil {
			s := strings.TrimSpace(**p)
			if p != &o.Industry && p != &o.FoundedOn {
				s = strings.ToLower(s)
			}
			if p == &o.Industry {
				s = strings.ToUpper(s)
			}
			if s == "" {
				*p = nil
			} else {
				*p = &s
			}
		}
	}
	cs := make([]string, 0, len(o.Certifications))
	for _, c := range o.Certifications {
		c = strings.ToLower(strings.TrimSpace(c))
		if c != "" && !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
	}
	slices.Sort(cs)
	o.Certifications = cs
}

// Validate checks every field of a normalized organization; districts and
// parks must be among those known. It returns the field errors and a
// warning about the credit code, if any.
func (o *Org) Validate(districts map[string]bool, parkOK func(id int64) bool, today time.Time) ([]apperr.FieldError, string) {
	var fs []apperr.FieldError
	bad := func(field, format string, args ...any) {
		fs = append(fs, apperr.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	code, warning, err := ValidateUSCC(o.USCC)
	if err != nil {
		bad("uscc", "%v", err)
	} else {
		o.USCC = code
	}
	// Names are one line of visible text; descriptions may run over lines.
	checkText := func(field, s string, required bool, max int, problem func(string) string) {
		switch {
		case required && s == "":
			bad(field, "is required")
		case problem(s) != "":
			bad(field, "%s", problem(s))
		case utf8.RuneCountInString(s) > max:
			bad(field, "is longer than %d characters", max)
		}
	}
	checkText("name_zh", o.NameZh, true, 200, text.Line)
	checkText("name_en", o.NameEn, false, 200, text.Line)
	checkText("description_zh", o.DescriptionZh, false, 5000, text.Block)
	checkText("description_en", o.DescriptionEn, false, 5000, text.Block)
	if !slices.Contains(Kinds, o.Kind) {
		bad("kind", "must be one of %s", strings.Join(Kinds, ", "))
	}
	for _, d := range []struct {
		name string
		v    *string
	}{{"registered_district", o.RegisteredDistrict}, {"tax_district", o.TaxDistrict}} {
		if d.v != nil && !districts[*d.v] {
			bad(d.name, "is not a known district: %q", clip(*d.v))
		}
	}
	if o.ParkID != nil && (parkOK == nil || !parkOK(*o.ParkID)) {
		bad("park_id", "is not a known park")
	}
	if o.FoundedOn != nil {
		t, err := time.Parse("2006-01-02", *o.FoundedOn)
		switch {
		case err != nil:
			bad("founded_on", "must be a real date YYYY-MM-DD, not %q", clip(*o.FoundedOn))
		case t.After(today):
			bad("founded_on", "is in the future")
		case t.Year() < 1800:
			bad("founded_on", "is before 1800")
		}
	}
	if o.Private == nil {
		o.Private = &Private{}
	}
	for _, f := range Fields {
		if f.kind != kInt {
			continue
		}
		p := *f.ref(o).(**int64)
		if p == nil {
			continue
		}
		limit := int64(maxCount)
		if f.Money {
			limit = maxMoney
		}
		switch {
		case *p < 0:
			bad(f.Name, "must not be negative")
		case *p > limit:
			bad(f.Name, "is implausibly large (over %d)", limit)
		}
	}
	if s := o.InnovationScore; s != nil && (*s < 0 || *s > 100) {
		bad("innovation_score", "must be between 0 and 100")
	}
	le := func(small *int64, smallName string, big *int64, bigName string) {
		if small != nil && big != nil && *small >= 0 && *big >= 0 && *small > *big {
			bad(smallName, "must not exceed %s", bigName)
		}
	}
	le(o.RDStaff, "rd_staff", o.Employees, "employees")
	le(o.RDExpenseDomestic3yYuan, "rd_expense_domestic_3y_yuan", o.RDExpense3yYuan, "rd_expense_3y_yuan")
	le(o.HighTechRevenueYuan, "high_tech_revenue_yuan", o.RevenueYuan, "revenue_yuan")
	le(o.RevenueYuan, "revenue_yuan", o.Revenue3yYuan, "revenue_3y_yuan")
	le(o.RDExpenseYuan, "rd_expense_yuan", o.RDExpense3yYuan, "rd_expense_3y_yuan")
	if o.Industry != nil && !industryRE.MatchString(*o.Industry) {
		bad("industry", "must be a GB/T 4754 code such as I65 or C3911, not %q", clip(*o.Industry))
	}
	if o.TechField != nil && !slices.Contains(TechFields, *o.TechField) {
		bad("tech_field", "must be one of %s", strings.Join(TechFields, ", "))
	}
	for _, c := range o.Certifications {
		if !slices.Contains(CertificationNames, c) {
			bad("certifications", "unknown certification %q (known: %s)", clip(c), strings.Join(CertificationNames, ", "))
			break
		}
	}
	if o.Website != "" {
		u, err := url.Parse(o.Website)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(o.Website) > 300 {
			bad("website", "must be an http or https address")
		}
	}
	return fs, warning
}

// SearchText is what the directory indexes for an organization.
func (o *Org) SearchText() string {
	return search.Text(o.NameZh, o.NameEn, o.USCC)
}

// HasCert reports whether the organization holds a certification.
func (o *Org) HasCert(c string) bool { return slices.Contains(o.Certifications, c) }
