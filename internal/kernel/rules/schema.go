package rules

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"rainforest/internal/kernel/apperr"
)

// Type is the type of a profile field or a parameter as rules see it.
type Type int

const (
	Number  Type = iota + 1 // a decimal number (CEL double); counts and yuan
	String                  // a string
	Date                    // a calendar day (CEL timestamp at midnight UTC)
	Bool                    // true or false
	Strings                 // a list of strings
	Bands                   // a banded table; parameters only
)

func (t Type) String() string {
	switch t {
	case Number:
		return "number"
	case String:
		return "string"
	case Date:
		return "date"
	case Bool:
		return "bool"
	case Strings:
		return "strings"
	case Bands:
		return "bands"
	}
	return "invalid"
}

// Format says how a number is shown in an explanation.
type Format string

const (
	FormatYuan    Format = "yuan"    // 420,000
	FormatCount   Format = "count"   // 12
	FormatNumber  Format = "number"  // 12.5
	FormatPercent Format = "percent" // 3.2%
	FormatDate    Format = "date"    // 2026-06-01
)

// Field is one field of the enterprise profile that rules read. The names
// are the registry's field names, so a profile from the registry or from
// the self-check form fills it without renaming.
type Field struct {
	Name    string
	Type    Type
	Whole   bool     // numbers must be whole
	Max     float64  // numbers: largest allowed value (all are ≥ 0)
	Enum    []string // texts and lists: allowed values, if limited
	Pattern *regexp.Regexp
	Format  Format
	LabelZh string
	LabelEn string
	// Person marks the fields of a person (a talent) rather than of an
	// enterprise: the talent modules' rule sets read them beside the
	// employer's fields; the registry has no column for them.
	Person bool
}

const (
	maxMoney = 1e15 // the registry's ceiling; doubles hold whole yuan exactly below 2^53
	maxCount = 1e8
)

var industryPattern = regexp.MustCompile(`^[A-T](\d{2}(\d{1,2})?)?$`)

// Fields is the profile vocabulary of rules: the registry's enterprise
// fields in its order, then a person's (Person).
var Fields = []Field{
	{Name: "uscc", Type: String, LabelZh: "统一社会信用代码", LabelEn: "Unified Social Credit Code"},
	{Name: "name_zh", Type: String, LabelZh: "中文名称", LabelEn: "Name (Chinese)"},
	{Name: "name_en", Type: String, LabelZh: "英文名称", LabelEn: "Name (English)"},
	{Name: "kind", Type: String, Enum: []string{"enterprise", "university", "institute", "service", "bank", "investor", "incubator", "agency"}, LabelZh: "机构类型", LabelEn: "Kind"},
	{Name: "registered_district", Type: String, LabelZh: "注册地", LabelEn: "Registered district"},
	{Name: "tax_district", Type: String, LabelZh: "纳税地", LabelEn: "Tax district"},
	{Name: "park_id", Type: Number, Whole: true, Max: math.MaxInt32, Format: FormatCount, LabelZh: "所在园区", LabelEn: "Park"},
	{Name: "founded_on", Type: Date, Format: FormatDate, LabelZh: "成立日期", LabelEn: "Founded on"},
	{Name: "employees", Type: Number, Whole: true, Max: maxCount, Format: FormatCount, LabelZh: "职工人数", LabelEn: "Employees"},
	{Name: "rd_staff", Type: Number, Whole: true, Max: maxCount, Format: FormatCount, LabelZh: "科技人员数", LabelEn: "R&D staff"},
	{Name: "revenue_yuan", Type: Number, Whole: true, Max: maxMoney, Format: FormatYuan, LabelZh: "年销售收入(元)", LabelEn: "Revenue (yuan)"},
	{Name: "total_assets_yuan", Type: Number, Whole: true, Max: maxMoney, Format: FormatYuan, LabelZh: "资产总额(元)", LabelEn: "Total assets (yuan)"},
	{Name: "rd_expense_yuan", Type: Number, Whole: true, Max: maxMoney, Format: FormatYuan, LabelZh: "年研发费用(元)", LabelEn: "R&D expense (yuan)"},
	{Name: "revenue_3y_yuan", Type: Number, Whole: true, Max: maxMoney, Format: FormatYuan, LabelZh: "近三年销售收入(元)", LabelEn: "Revenue, last 3 years (yuan)"},
	{Name: "rd_expense_3y_yuan", Type: Number, Whole: true, Max: maxMoney, Format: FormatYuan, LabelZh: "近三年研发费用(元)", LabelEn: "R&D expense, last 3 years (yuan)"},
	{Name: "rd_expense_domestic_3y_yuan", Type: Number, Whole: true, Max: maxMoney, Format: FormatYuan, LabelZh: "近三年境内研发费用(元)", LabelEn: "Domestic R&D expense, last 3 years (yuan)"},
	{Name: "high_tech_revenue_yuan", Type: Number, Whole: true, Max: maxMoney, Format: FormatYuan, LabelZh: "高新技术产品收入(元)", LabelEn: "High-tech revenue (yuan)"},
	{Name: "invention_patents", Type: Number, Whole: true, Max: maxCount, Format: FormatCount, LabelZh: "发明专利数", LabelEn: "Invention patents"},
	{Name: "other_ip", Type: Number, Whole: true, Max: maxCount, Format: FormatCount, LabelZh: "其他知识产权数", LabelEn: "Other IP"},
	{Name: "industry", Type: String, Pattern: industryPattern, LabelZh: "国民经济行业", LabelEn: "Industry (GB/T 4754)"},
	{Name: "tech_field", Type: String, Enum: []string{"electronic_information", "biomedicine", "aerospace", "new_materials", "high_tech_services", "new_energy", "resources_environment", "advanced_manufacturing"}, LabelZh: "技术领域", LabelEn: "Technology field"},
	{Name: "certifications", Type: Strings, Enum: []string{"hnte", "scitech_sme", "specialized_sophisticated", "little_giant"}, LabelZh: "资质认定", LabelEn: "Certifications"},
	{Name: "innovation_score", Type: Number, Whole: true, Max: 100, Format: FormatCount, LabelZh: "创新能力评分", LabelEn: "Innovation score"},
	{Name: "major_incident_last_year", Type: Bool, LabelZh: "上一年重大事故或违法", LabelEn: "Major incident last year"},

	// A talent's own facts, for talent apartments, permanent residence and
	// talent programs; the employer's fields above describe the employer.
	{Name: "talent_class", Type: String, Enum: []string{"a", "b", "c", "none"}, Person: true, LabelZh: "人才类别（工作许可；none 为无外国人工作许可）", LabelEn: "Talent class (work permit; none without a foreigner's work permit)"},
	{Name: "born_on", Type: Date, Format: FormatDate, Person: true, LabelZh: "出生日期", LabelEn: "Date of birth"},
	{Name: "household_size", Type: Number, Whole: true, Max: 20, Format: FormatCount, Person: true, LabelZh: "家庭人数", LabelEn: "Household size"},
	{Name: "unit_rooms", Type: Number, Whole: true, Max: 10, Format: FormatCount, Person: true, LabelZh: "申请房型（居室数）", LabelEn: "Rooms of the flat applied for"},
	{Name: "months_in_district", Type: Number, Whole: true, Max: 1200, Format: FormatCount, Person: true, LabelZh: "在本区工作月数", LabelEn: "Months worked in the district"},
	{Name: "months_in_zone", Type: Number, Whole: true, Max: 1200, Format: FormatCount, Person: true, LabelZh: "在示范区连续工作月数", LabelEn: "Consecutive months worked in the demonstration zone"},
	{Name: "salary_yuan", Type: Number, Whole: true, Max: maxMoney, Format: FormatYuan, Person: true, LabelZh: "工资性年收入(元)", LabelEn: "Annual salary (yuan)"},
	{Name: "income_tax_yuan", Type: Number, Whole: true, Max: maxMoney, Format: FormatYuan, Person: true, LabelZh: "年缴纳个人所得税(元)", LabelEn: "Individual income tax paid a year (yuan)"},
}

// fieldIndex maps a field name to its position in Fields.
var fieldIndex = func() map[string]int {
	m := make(map[string]int, len(Fields))
	for i, f := range Fields {
		m[f.Name] = i
	}
	return m
}()

// FieldByName finds a field of the vocabulary.
func FieldByName(name string) (Field, bool) {
	i, ok := fieldIndex[name]
	if !ok {
		return Field{}, false
	}
	return Fields[i], true
}

// slot is one field's value in a profile.
type slot struct {
	set  bool
	num  float64 // Number; Date as yyyymmdd
	str  string
	list []string
	t    time.Time // Date
	b    bool
}

// Profile is an enterprise as rules see it: each field of Fields with a
// typed value or null (unknown). Build it once and evaluate it against any
// number of rule sets; it holds the values already in the form the
// evaluators read, so evaluation does not convert or allocate per field.
type Profile struct {
	slots    [maxFields]slot
	vals     [maxFields]ref.Val // CEL values; nil when null; see celVal
	valsOnce sync.Once

	patternsOnce sync.Once
	patterns     []*interpreter.AttributePattern
}

// maxFields bounds the vocabulary so that per-row unknown sets fit a mask.
const maxFields = 40

func init() {
	if len(Fields) > maxFields {
		panic("rules: too many profile fields")
	}
}

// Has reports whether a field is known (not null).
func (p *Profile) Has(name string) bool {
	i, ok := fieldIndex[name]
	return ok && p.slots[i].set
}

// Value returns a field's value as Go sees it (float64, string, bool,
// []string, or a YYYY-MM-DD string for dates); nil when unknown.
func (p *Profile) Value(name string) any {
	i, ok := fieldIndex[name]
	if !ok || !p.slots[i].set {
		return nil
	}
	s := &p.slots[i]
	switch Fields[i].Type {
	case Number:
		return s.num
	case String:
		return s.str
	case Date:
		return s.t.Format(time.DateOnly)
	case Bool:
		return s.b
	case Strings:
		return slices.Clone(s.list)
	}
	return nil
}

// NewProfile builds a profile from JSON values keyed by the registry's
// field names, as encoding/json decodes them into a map[string]any (numbers
// as float64 or json.Number). Absent keys and nulls are unknown. Unknown
// names, wrong types and impossible values are an apperr Invalid error
// naming each field at fault.
func NewProfile(m map[string]any) (*Profile, error) {
	p := &Profile{}
	if err := p.fill(m); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Profile) fill(m map[string]any) error {
	var fs []apperr.FieldError
	bad := func(name, format string, args ...any) {
		fs = append(fs, apperr.FieldError{Field: name, Message: fmt.Sprintf(format, args...)})
	}
	// The fields in any order (sorting the names of every profile of a
	// city-wide run cost a thirtieth of its CPU); the errors are sorted
	// by field below, as if the fields had been.
	for name, v := range m {
		i, ok := fieldIndex[name]
		if !ok {
			bad(name, "unknown field")
			continue
		}
		if v == nil {
			continue
		}
		if msg := p.setAny(i, v); msg != "" {
			bad(name, "%s", msg)
		}
	}
	slices.SortFunc(fs, func(a, b apperr.FieldError) int { return strings.Compare(a.Field, b.Field) })
	fs = append(fs, p.crossCheck()...)
	return apperr.Fields(fs)
}

// setAny sets field i from a JSON value and returns what is wrong, if anything.
func (p *Profile) setAny(i int, v any) string {
	switch Fields[i].Type {
	case Number:
		var x float64
		switch n := v.(type) {
		case float64:
			x = n
		case json.Number:
			var err error
			if x, err = n.Float64(); err != nil {
				return "must be a number"
			}
		case int:
			x = float64(n)
		case int64:
			x = float64(n)
		default:
			return "must be a number"
		}
		return p.setNumber(i, x)
	case String:
		str, ok := v.(string)
		if !ok {
			return "must be a string"
		}
		return p.setString(i, str)
	case Date:
		str, ok := v.(string)
		if !ok {
			return "must be a date string YYYY-MM-DD"
		}
		return p.setDate(i, str)
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return "must be true or false"
		}
		p.slots[i] = slot{set: true, b: b}
		return ""
	case Strings:
		var list []string
		switch l := v.(type) {
		case []any:
			for _, e := range l {
				str, ok := e.(string)
				if !ok {
					return "must be an array of strings"
				}
				list = append(list, str)
			}
		case []string:
			list = l
		default:
			return "must be an array of strings"
		}
		return p.setStrings(i, list)
	}
	return "has no type"
}

func (p *Profile) setNumber(i int, x float64) string {
	f := &Fields[i]
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "must be a finite number"
	}
	if f.Whole && x != math.Trunc(x) {
		return "must be a whole number"
	}
	if x < 0 {
		return "must not be negative"
	}
	if f.Max > 0 && x > f.Max {
		return fmt.Sprintf("must be at most %s", string(appendPlain(nil, f.Max)))
	}
	p.slots[i] = slot{set: true, num: x}
	return ""
}

func (p *Profile) setString(i int, str string) string {
	f := &Fields[i]
	str = strings.TrimSpace(str)
	if len(str) > 200 {
		return "is too long"
	}
	if f.Name == "industry" {
		str = strings.ToUpper(str)
	} else if f.Enum != nil || strings.HasSuffix(f.Name, "_district") {
		str = strings.ToLower(str)
	}
	if f.Enum != nil && !slices.Contains(f.Enum, str) {
		return "must be one of " + strings.Join(f.Enum, ", ")
	}
	if f.Pattern != nil && !f.Pattern.MatchString(str) {
		return "must be a GB/T 4754 code such as C3973"
	}
	p.slots[i] = slot{set: true, str: str}
	return ""
}

func (p *Profile) setDate(i int, str string) string {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(str))
	if err != nil || t.Year() < 1800 || t.Year() > 9999 {
		return "must be a date YYYY-MM-DD"
	}
	p.slots[i] = slot{set: true, t: t, num: float64(yyyymmdd(t))}
	return ""
}

// setStrings keeps a sorted, lower-case copy of list without repeats.
func (p *Profile) setStrings(i int, list []string) string {
	f := &Fields[i]
	out := make([]string, 0, len(list))
	for _, e := range list {
		e = strings.ToLower(strings.TrimSpace(e))
		if f.Enum != nil && !slices.Contains(f.Enum, e) {
			return fmt.Sprintf("%q is not one of %s", e, strings.Join(f.Enum, ", "))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	p.slots[i] = slot{set: true, list: out}
	return ""
}

// celVal is field i as CEL sees it, nil when null; the CEL values are
// made on first use, which the fast evaluators never need.
func (p *Profile) celVal(i int) ref.Val {
	p.valsOnce.Do(func() {
		for k := range Fields {
			s := &p.slots[k]
			if !s.set {
				continue
			}
			switch Fields[k].Type {
			case Number:
				p.vals[k] = types.Double(s.num)
			case String:
				p.vals[k] = types.String(s.str)
			case Date:
				p.vals[k] = types.Timestamp{Time: s.t}
			case Bool:
				p.vals[k] = types.Bool(s.b)
			case Strings:
				p.vals[k] = types.NewStringList(types.DefaultTypeAdapter, s.list)
			}
		}
	})
	return p.vals[i]
}

// The typed setters fill a profile field by field, with NewProfile's
// checks but without a map of boxed values: for loaders of many profiles.
// A field is named by its index in Fields (FieldIndex); a setter of the
// wrong type for the field refuses. Clear empties a profile for the next
// one; Check makes the checks across fields that NewProfile makes.

// FieldIndex is the index in Fields of a field.
func FieldIndex(name string) (int, bool) {
	i, ok := fieldIndex[name]
	return i, ok
}

// Clear empties p.
func (p *Profile) Clear() { *p = Profile{} }

// SetNumber sets a number field.
func (p *Profile) SetNumber(i int, x float64) error {
	return p.typed(i, Number, func() string { return p.setNumber(i, x) })
}

// SetString sets a string field.
func (p *Profile) SetString(i int, s string) error {
	return p.typed(i, String, func() string { return p.setString(i, s) })
}

// SetDate sets a date field from YYYY-MM-DD.
func (p *Profile) SetDate(i int, s string) error {
	return p.typed(i, Date, func() string { return p.setDate(i, s) })
}

// SetBool sets a true-or-false field.
func (p *Profile) SetBool(i int, b bool) error {
	return p.typed(i, Bool, func() string { p.slots[i] = slot{set: true, b: b}; return "" })
}

// SetStrings sets a list field.
func (p *Profile) SetStrings(i int, l []string) error {
	return p.typed(i, Strings, func() string { return p.setStrings(i, l) })
}

// Check refuses combinations of fields that cannot be true.
func (p *Profile) Check() error { return apperr.Fields(p.crossCheck()) }

func (p *Profile) typed(i int, t Type, set func() string) error {
	if i < 0 || i >= len(Fields) {
		return apperr.Field("field", "no profile field %d", i)
	}
	if Fields[i].Type != t {
		return apperr.Field(Fields[i].Name, "is not a %s field", t)
	}
	if msg := set(); msg != "" {
		return apperr.Field(Fields[i].Name, "%s", msg)
	}
	return nil
}

// crossChecks are the combinations of fields that cannot be true of any
// enterprise: small above big.
var crossChecks = []struct{ small, big, msg string }{
	{"rd_staff", "employees", "cannot exceed employees"},
	{"rd_expense_domestic_3y_yuan", "rd_expense_3y_yuan", "cannot exceed rd_expense_3y_yuan"},
	{"rd_expense_yuan", "rd_expense_3y_yuan", "cannot exceed rd_expense_3y_yuan, which includes the latest year"},
	{"revenue_yuan", "revenue_3y_yuan", "cannot exceed revenue_3y_yuan, which includes the latest year"},
	{"high_tech_revenue_yuan", "revenue_yuan", "cannot exceed revenue_yuan"},
}

// CheckedFields is the mask of the fields the checks across fields
// compare (see FieldNames): loaders that read only some fields read these
// too, so that a profile NewProfile refuses is refused by them as well.
func CheckedFields() uint64 {
	var m uint64
	for _, c := range crossChecks {
		m |= 1<<fieldIndex[c.small] | 1<<fieldIndex[c.big]
	}
	return m
}

// crossCheck refuses combinations that cannot be true of any enterprise.
func (p *Profile) crossCheck() []apperr.FieldError {
	var fs []apperr.FieldError
	for _, c := range crossChecks {
		a, b := &p.slots[fieldIndex[c.small]], &p.slots[fieldIndex[c.big]]
		if a.set && b.set && a.num > b.num {
			fs = append(fs, apperr.FieldError{Field: c.small, Message: c.msg})
		}
	}
	return fs
}

// yyyymmdd encodes a day as a number that orders like the day and whose
// difference divided by 10,000 and floored is the count of whole years.
func yyyymmdd(t time.Time) int {
	return t.Year()*10000 + int(t.Month())*100 + t.Day()
}

// fromYMD decodes yyyymmdd.
func fromYMD(n float64) time.Time {
	v := int(n)
	return time.Date(v/10000, time.Month(v/100%100), v%100, 0, 0, 0, 0, time.UTC)
}

// addYearsYMD adds whole years to a yyyymmdd day the way time.AddDate
// does: 29 February in a year without it becomes 1 March.
func addYearsYMD(n float64, years int) float64 {
	v := int(n)
	y, md := v/10000+years, v%10000
	if md == 229 && !(y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		md = 301
	}
	return float64(y*10000 + md)
}
