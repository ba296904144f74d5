package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"rainforest/internal/kernel/apperr"
)

// Spec is a rule set as written: the file format of builtin/*.json and
// of rules that officers save. See README.md.
type Spec struct {
	Slug        string          `json:"slug"`
	Title       Text            `json:"title"`
	Description Text            `json:"description,omitzero"`
	Reference   string          `json:"reference"`
	Parameters  []ParamSpec     `json:"parameters"`
	Values      []ValueSpec     `json:"values,omitempty"`
	Criteria    []CriterionSpec `json:"criteria"`
	Amount      *AmountSpec     `json:"amount,omitempty"`
	Cases       []Case          `json:"cases,omitempty"`
}

// ParamSpec is a parameter: a typed value that changes over time.
type ParamSpec struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"` // number, string, bool, strings, bands
	Label   Text     `json:"label"`
	Format  Format   `json:"format,omitempty"`
	Periods []Period `json:"periods"`
}

// Period is a parameter's value in force from one day to another
// (inclusive; no end means until further notice), with its legal basis.
type Period struct {
	From      string          `json:"from"`
	To        string          `json:"to,omitempty"`
	Value     json.RawMessage `json:"value"`
	Reference string          `json:"reference"`
}

// ValueSpec is a named number computed before the criteria (a score or
// one of its parts, a rate in force) that criteria read as values.NAME
// and that the result shows.
type ValueSpec struct {
	Name   string `json:"name"`
	Label  Text   `json:"label"`
	Expr   string `json:"expr"`
	Format Format `json:"format,omitempty"`
}

// CriterionSpec is one condition of eligibility.
type CriterionSpec struct {
	ID        string   `json:"id"`
	Label     Text     `json:"label"`
	Reference string   `json:"reference"`
	Expr      string   `json:"expr"`
	Gap       *GapSpec `json:"gap,omitempty"`
}

// GapSpec explains how far a profile is from meeting a criterion it does
// not meet. With Field and Target, {current}, {target} and {delta} (how
// much the field must change) are shown in the field's format; Show adds
// named numbers. Text has {name} placeholders.
type GapSpec struct {
	Field  string              `json:"field,omitempty"`
	Target string              `json:"target,omitempty"`
	Show   map[string]ShowSpec `json:"show,omitempty"`
	Text   Text                `json:"text"`
}

// ShowSpec is a number or day shown in a gap text.
type ShowSpec struct {
	Expr   string `json:"expr"`
	Format Format `json:"format"`
}

// AmountSpec is the amount formula: a whole number of yuan.
type AmountSpec struct {
	Label     Text   `json:"label"`
	Reference string `json:"reference"`
	Expr      string `json:"expr"`
}

// Case is a test case kept with a rule set and run by Check.
type Case struct {
	Name    string         `json:"name"`
	AsOf    string         `json:"as_of"`
	Profile map[string]any `json:"profile"`
	Expect  Expect         `json:"expect"`
}

// Expect is what a case must produce. Unset parts are not checked.
// Amount "null" means the amount must be unknown.
type Expect struct {
	Status   Status              `json:"status,omitempty"`
	Criteria map[string]Status   `json:"criteria,omitempty"`
	Unknown  map[string][]string `json:"unknown_fields,omitempty"`
	Values   map[string]*float64 `json:"values,omitempty"`
	Amount   json.RawMessage     `json:"amount_yuan,omitempty"`
	GapEn    map[string]string   `json:"gap_en,omitempty"`
	GapZh    map[string]string   `json:"gap_zh,omitempty"`
}

// Limits on what a rule set may cost.
const (
	// MaxEstimatedCost refuses expressions whose worst case, as CEL
	// estimates it, exceeds this many cost units at save time.
	MaxEstimatedCost = 20_000
	// MaxRuntimeCost stops an evaluation that exceeds it.
	MaxRuntimeCost = 100_000
	maxItems       = 200 // criteria, values, parameters, periods
)

var (
	slugRE  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	nameRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	placeRE = regexp.MustCompile(`\{([^{}]*)\}`)
)

// refKind says what a name in an expression refers to.
type refKind uint8

const (
	refField refKind = iota + 1
	refParam
	refValue
	refAsOf
)

type nameRef struct {
	kind refKind
	idx  int
}

// expr is one compiled expression. When the fast evaluator covers the
// rule set, its CEL form is let go after compiling (a thousand rule sets
// held some 50 MB of syntax trees and programs for the collector to walk)
// and built again from the source on first use: the rule tests' reference
// evaluation, a row the fast evaluator gives up on, a gap beyond it.
type expr struct {
	path   string
	src    string
	ast    *cel.Ast
	prg    cel.Program
	fields uint64 // profile fields it reads, by bit
	values []int  // values it reads

	env    *cel.Env // to build prg again; nil while prg is kept
	once   sync.Once
	prgErr error
}

// program returns the expression's CEL program, building it again when
// it was let go.
func (e *expr) program() (cel.Program, error) {
	e.once.Do(func() {
		if e.env == nil {
			return
		}
		parsed, iss := e.env.Parse(e.src)
		if iss != nil && iss.Err() != nil {
			e.prgErr = iss.Err()
			return
		}
		decimalLiterals(parsed.NativeRep())
		checked, iss := e.env.Check(parsed)
		if iss != nil && iss.Err() != nil {
			e.prgErr = iss.Err()
			return
		}
		e.prg, e.prgErr = e.env.Program(checked, programOptions...)
	})
	return e.prg, e.prgErr
}

// programOptions are the options of every expression's CEL program.
var programOptions = []cel.ProgramOption{cel.EvalOptions(cel.OptPartialEval), cel.CostLimit(MaxRuntimeCost)}

// dropCEL lets the CEL forms of the rule set's expressions go, to be
// built again from the final environment on first use (it declares every
// name an expression may read; those declared after a value's expression
// were refused when it was compiled).
func (rs *RuleSet) dropCEL() {
	drop := func(e *expr) {
		if e != nil {
			e.ast, e.prg, e.env = nil, nil, rs.env
		}
	}
	for _, e := range rs.values {
		drop(e)
	}
	for i := range rs.criteria {
		cr := &rs.criteria[i]
		drop(cr.expr)
		drop(cr.target)
		for _, sh := range cr.show {
			drop(sh.expr)
		}
	}
	drop(rs.amount)
}

type param struct {
	name    string
	typ     Type
	periods []period
}

type period struct {
	from, to int // yyyymmdd; to 0 = open
	val      ref.Val
	raw      any // float64, string, bool, []string, *bandTable
}

// epoch is a span of days in which no parameter changes.
type epoch struct {
	from int // yyyymmdd, inclusive
	vals []ref.Val
	raw  []any
	miss []string // parameters with no value in force
}

type criterion struct {
	spec   *CriterionSpec
	expr   *expr
	field  int // gap field index or -1
	target *expr
	show   []showExpr
	tpl    [2][]tplPart // the gap's sentence in Chinese and English
}

// tplPart is a piece of a gap sentence: text, then the number at arg of
// the gap's numbers (none when arg is -1).
type tplPart struct {
	lit string
	arg int
}

// parseTemplate splits a sentence with {name} placeholders into parts; a
// name not in order renders as nothing, a brace never closed as itself.
func parseTemplate(s string, order []string) []tplPart {
	var parts []tplPart
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return append(parts, tplPart{lit: s, arg: -1})
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return append(parts, tplPart{lit: s, arg: -1})
		}
		parts = append(parts, tplPart{lit: s[:i], arg: slices.Index(order, s[i+1:i+j])})
		s = s[i+j+1:]
	}
}

type showExpr struct {
	name   string
	format Format
	expr   *expr
}

// RuleSet is a compiled rule set, ready to evaluate concurrently.
type RuleSet struct {
	spec     Spec
	env      *cel.Env
	names    map[string]nameRef
	params   []param
	epochs   []epoch
	values   []*expr
	criteria []criterion
	amount   *expr
	fast     *fastProg // nil when an expression is beyond the fast subset
	gaps     int       // criteria with a gap
}

// gapCount is how many criteria can have a gap.
func (rs *RuleSet) gapCount() int { return rs.gaps }

// Decidable says whether every parameter has a value in force on a day;
// the error names the ones without.
func (rs *RuleSet) Decidable(asOf time.Time) error {
	_, err := rs.epochAt(asOf)
	return err
}

// Spec returns the rule set as written.
func (rs *RuleSet) Spec() *Spec { return &rs.spec }

// Fields is the mask of the profile fields the rule set reads (criteria,
// values, amount and gaps; see FieldNames): a profile without the others
// evaluates the same.
func (rs *RuleSet) Fields() uint64 {
	var m uint64
	add := func(e *expr) {
		if e != nil {
			m |= e.fields
		}
	}
	for _, v := range rs.values {
		add(v)
	}
	for _, c := range rs.criteria {
		add(c.expr)
		add(c.target)
		for _, sh := range c.show {
			add(sh.expr)
		}
		if c.field >= 0 {
			m |= 1 << c.field
		}
	}
	add(rs.amount)
	return m
}

// Slug returns the rule set's stable name.
func (rs *RuleSet) Slug() string { return rs.spec.Slug }

// Parse decodes a rule set file strictly and compiles it.
func Parse(data []byte) (*RuleSet, error) {
	var s Spec
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&s); err != nil {
		return nil, apperr.Field("rule_set", "is not a valid rule set file: %v", err)
	}
	if dec.More() {
		return nil, apperr.Field("rule_set", "has data after the rule set")
	}
	return Compile(s)
}

// compiler gathers the errors of one compilation.
type compiler struct {
	errs []apperr.FieldError
	rs   *RuleSet
}

func (c *compiler) bad(path, format string, args ...any) {
	if len(c.errs) < 50 {
		c.errs = append(c.errs, apperr.FieldError{Field: path, Message: fmt.Sprintf(format, args...)})
	}
}

// Compile checks a rule set and compiles its expressions. Everything
// wrong is reported at once as an apperr Invalid error whose fields are
// paths such as "criteria[2].expr" and whose messages begin with the
// line:column of the fault in the expression.
func Compile(s Spec) (*RuleSet, error) {
	rs := &RuleSet{spec: s, names: map[string]nameRef{"as_of": {kind: refAsOf}}}
	c := &compiler{rs: rs}
	for i, f := range Fields {
		rs.names[f.Name] = nameRef{kind: refField, idx: i}
	}
	if !slugRE.MatchString(s.Slug) || len(s.Slug) > 80 {
		c.bad("slug", "must be lowercase letters, digits and single hyphens, at most 80 characters")
	}
	c.text("title", s.Title)
	if len(s.Criteria) == 0 {
		c.bad("criteria", "must have at least one criterion")
	}
	if len(s.Criteria) > maxItems || len(s.Values) > maxItems || len(s.Parameters) > maxItems {
		c.bad("rule_set", "has more than %d criteria, values or parameters", maxItems)
		return nil, apperr.Fields(c.errs)
	}

	envOpts := []cel.EnvOption{}
	for i := range s.Parameters {
		p := c.param(i, &s.Parameters[i])
		if p == nil {
			continue
		}
		name := "params." + p.name
		if _, dup := rs.names[name]; dup {
			c.bad(fmt.Sprintf("parameters[%d].name", i), "%q is declared twice", p.name)
			continue
		}
		rs.names[name] = nameRef{kind: refParam, idx: len(rs.params)}
		rs.params = append(rs.params, *p)
		envOpts = append(envOpts, cel.Variable(name, celType(p.typ)))
	}
	env, err := baseEnv.Extend(envOpts...)
	if err != nil {
		return nil, apperr.Wrap(err, "rules env")
	}
	for i, v := range s.Values {
		path := fmt.Sprintf("values[%d]", i)
		if !nameRE.MatchString(v.Name) {
			c.bad(path+".name", "must be lowercase letters, digits and underscores, starting with a letter")
			continue
		}
		c.text(path+".label", v.Label)
		if !validFormat(v.Format, false) {
			c.bad(path+".format", "must be one of yuan, count, number, percent")
		}
		name := "values." + v.Name
		if _, dup := rs.names[name]; dup {
			c.bad(path+".name", "%q is declared twice", v.Name)
			continue
		}
		e := c.expr(env, path+".expr", v.Expr, cel.DoubleType)
		// A value is declared only after its own expression, so values
		// read only earlier values and cannot loop.
		rs.names[name] = nameRef{kind: refValue, idx: len(rs.values)}
		rs.values = append(rs.values, e)
		if env, err = env.Extend(cel.Variable(name, cel.DoubleType)); err != nil {
			return nil, apperr.Wrap(err, "rules env")
		}
	}
	rs.env = env
	ids := map[string]bool{}
	for i := range s.Criteria {
		cs := &s.Criteria[i]
		path := fmt.Sprintf("criteria[%d]", i)
		if !nameRE.MatchString(cs.ID) {
			c.bad(path+".id", "must be lowercase letters, digits and underscores, starting with a letter")
		} else if ids[cs.ID] {
			c.bad(path+".id", "%q is used twice", cs.ID)
		}
		ids[cs.ID] = true
		c.text(path+".label", cs.Label)
		if strings.TrimSpace(cs.Reference) == "" {
			c.bad(path+".reference", "is required: the legal basis of the criterion")
		}
		cr := criterion{spec: cs, field: -1, expr: c.expr(env, path+".expr", cs.Expr, cel.BoolType)}
		if cs.Gap != nil {
			c.gap(env, path+".gap", cs.Gap, &cr)
		}
		rs.criteria = append(rs.criteria, cr)
	}
	if s.Amount != nil {
		c.text("amount.label", s.Amount.Label)
		rs.amount = c.expr(env, "amount.expr", s.Amount.Expr, cel.IntType)
	}
	if len(c.errs) > 0 {
		return nil, apperr.Fields(c.errs)
	}
	rs.buildEpochs()
	for i := range rs.criteria {
		if rs.criteria[i].spec.Gap != nil {
			rs.gaps++
		}
	}
	rs.buildFast()
	if rs.fast != nil {
		rs.dropCEL()
	}
	return rs, nil
}

func (c *compiler) text(path string, t Text) {
	if strings.TrimSpace(t.Zh) == "" {
		c.bad(path+".zh", "is required")
	}
	if strings.TrimSpace(t.En) == "" {
		c.bad(path+".en", "is required")
	}
}

func validFormat(f Format, date bool) bool {
	switch f {
	case "", FormatYuan, FormatCount, FormatNumber, FormatPercent:
		return true
	case FormatDate:
		return date
	}
	return false
}

func parseDay(s string) (int, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return yyyymmdd(t), true
}

func (c *compiler) param(i int, ps *ParamSpec) *param {
	path := fmt.Sprintf("parameters[%d]", i)
	if !nameRE.MatchString(ps.Name) {
		c.bad(path+".name", "must be lowercase letters, digits and underscores, starting with a letter")
		return nil
	}
	c.text(path+".label", ps.Label)
	p := &param{name: ps.Name}
	switch ps.Type {
	case "number":
		p.typ = Number
	case "string":
		p.typ = String
	case "bool":
		p.typ = Bool
	case "strings":
		p.typ = Strings
	case "bands":
		p.typ = Bands
	default:
		c.bad(path+".type", "must be one of number, string, bool, strings, bands")
		return nil
	}
	if !validFormat(ps.Format, false) {
		c.bad(path+".format", "must be one of yuan, count, number, percent")
	}
	if len(ps.Periods) == 0 || len(ps.Periods) > maxItems {
		c.bad(path+".periods", "must have between 1 and %d periods", maxItems)
		return nil
	}
	for j, pd := range ps.Periods {
		pp := fmt.Sprintf("%s.periods[%d]", path, j)
		from, ok := parseDay(pd.From)
		if !ok {
			c.bad(pp+".from", "must be a date YYYY-MM-DD")
			continue
		}
		to := 0
		if pd.To != "" {
			if to, ok = parseDay(pd.To); !ok || to < from {
				c.bad(pp+".to", "must be a date YYYY-MM-DD not before from")
				continue
			}
		}
		if strings.TrimSpace(pd.Reference) == "" {
			c.bad(pp+".reference", "is required: the legal basis of the value")
		}
		val, raw, msg := decodeParam(p.typ, pd.Value)
		if msg != "" {
			c.bad(pp+".value", "%s", msg)
			continue
		}
		p.periods = append(p.periods, period{from: from, to: to, val: val, raw: raw})
	}
	sort.Slice(p.periods, func(a, b int) bool { return p.periods[a].from < p.periods[b].from })
	for j := 1; j < len(p.periods); j++ {
		prev := p.periods[j-1]
		if prev.to == 0 || prev.to >= p.periods[j].from {
			c.bad(path+".periods", "periods overlap: the one from %s runs into the one from %s",
				fromYMD(float64(prev.from)).Format(time.DateOnly), fromYMD(float64(p.periods[j].from)).Format(time.DateOnly))
		}
	}
	return p
}

// decodeParam reads a parameter value of a type.
func decodeParam(t Type, raw json.RawMessage) (ref.Val, any, string) {
	dec := func(v any) bool {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		return d.Decode(v) == nil
	}
	switch t {
	case Number:
		var x float64
		if !dec(&x) || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, nil, "must be a number"
		}
		return types.Double(x), x, ""
	case String:
		var s string
		if !dec(&s) {
			return nil, nil, "must be a string"
		}
		return types.String(s), s, ""
	case Bool:
		var b bool
		if !dec(&b) {
			return nil, nil, "must be true or false"
		}
		return types.Bool(b), b, ""
	case Strings:
		var l []string
		if !dec(&l) || l == nil {
			return nil, nil, "must be an array of strings"
		}
		return types.NewStringList(types.DefaultTypeAdapter, l), l, ""
	case Bands:
		var rows []bandRow
		if !dec(&rows) || len(rows) == 0 {
			return nil, nil, `must be an array of rows such as {"gt": 0, "le": 50000000, "value": 0.05}`
		}
		if msg := checkBands(rows); msg != "" {
			return nil, nil, msg
		}
		b := newBandTable(rows)
		return b, b, ""
	}
	return nil, nil, "has no type"
}

// checkBands requires rows in ascending order that cover every number
// exactly once: the first open below, the last open above, and each row
// starting where the one before ends, on the other side of the bound.
func checkBands(rows []bandRow) string {
	for i, r := range rows {
		if r.GT != nil && r.GE != nil || r.LT != nil && r.LE != nil {
			return fmt.Sprintf("row %d has two lower or two upper bounds", i+1)
		}
		if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
			return fmt.Sprintf("row %d has no finite value", i+1)
		}
		lower, upper := r.GT != nil || r.GE != nil, r.LT != nil || r.LE != nil
		if i == 0 && lower {
			return "the first row must have no lower bound"
		}
		if i == len(rows)-1 && upper {
			return "the last row must have no upper bound"
		}
		if i > 0 {
			p := rows[i-1]
			switch {
			case p.LT != nil && r.GE != nil && *p.LT == *r.GE:
			case p.LE != nil && r.GT != nil && *p.LE == *r.GT:
			default:
				return fmt.Sprintf("row %d must start where row %d ends (lt x then ge x, or le x then gt x)", i+1, i)
			}
		}
		if lower && upper {
			lo, hi := first(r.GT, r.GE), first(r.LT, r.LE)
			if lo > hi || lo == hi && (r.GT != nil || r.LT != nil) {
				return fmt.Sprintf("row %d is empty", i+1)
			}
		}
	}
	return ""
}

func first(a, b *float64) float64 {
	if a != nil {
		return *a
	}
	return *b
}

// estimator bounds the sizes CEL's cost estimate cannot know.
type estimator struct{}

func (estimator) EstimateSize(cost.AstNode) *cost.SizeEstimate {
	return &cost.SizeEstimate{Min: 0, Max: 256}
}

func (estimator) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	return nil
}

// expr compiles one expression that must have one of the wanted types.
func (c *compiler) expr(env *cel.Env, path, src string, want ...*cel.Type) *expr {
	if strings.TrimSpace(src) == "" {
		c.bad(path, "is required")
		return nil
	}
	if len(src) > maxExprLen {
		c.bad(path, "is longer than %d bytes", maxExprLen)
		return nil
	}
	parsed, iss := env.Parse(src)
	if iss != nil && iss.Err() != nil {
		c.issues(path, iss)
		return nil
	}
	decimalLiterals(parsed.NativeRep())
	checked, iss := env.Check(parsed)
	if iss != nil && iss.Err() != nil {
		c.issues(path, iss)
		return nil
	}
	out := checked.OutputType()
	ok := false
	for _, w := range want {
		if out.IsExactType(w) {
			ok = true
		}
	}
	if !ok {
		var names []string
		for _, w := range want {
			names = append(names, typeName(w))
		}
		c.bad(path, "1:1: the expression gives %s; it must give %s", typeName(out), strings.Join(names, " or "))
		return nil
	}
	est, err := env.EstimateCost(checked, estimator{})
	if err != nil {
		c.bad(path, "1:1: its cost cannot be bounded: %v", err)
		return nil
	}
	if est.Max > MaxEstimatedCost {
		c.bad(path, "1:1: may cost up to %d units, more than the limit of %d", est.Max, MaxEstimatedCost)
		return nil
	}
	prg, err := env.Program(checked, programOptions...)
	if err != nil {
		c.bad(path, "1:1: %v", err)
		return nil
	}
	e := &expr{path: path, src: src, ast: checked, prg: prg}
	for _, r := range checked.NativeRep().ReferenceMap() {
		if r == nil || r.Name == "" {
			continue
		}
		if n, found := c.rs.names[r.Name]; found {
			switch n.kind {
			case refField:
				e.fields |= 1 << n.idx
			case refValue:
				if !slices.Contains(e.values, n.idx) {
					e.values = append(e.values, n.idx)
				}
			}
		}
	}
	slices.Sort(e.values)
	return e
}

func typeName(t *cel.Type) string {
	switch {
	case t.IsExactType(cel.DoubleType):
		return "a number"
	case t.IsExactType(cel.IntType):
		return "a whole number (int(...))"
	case t.IsExactType(cel.BoolType):
		return "true or false"
	case t.IsExactType(cel.TimestampType):
		return "a day"
	case t.IsExactType(cel.StringType):
		return "a string"
	}
	return cel.FormatCELType(t)
}

// issues reports CEL's errors with their line:column.
func (c *compiler) issues(path string, iss *cel.Issues) {
	for _, e := range iss.Errors() {
		c.bad(path, "%d:%d: %s", max(e.Location.Line(), 1), e.Location.Column()+1, e.Message)
	}
}

// decimalLiterals turns whole-number literals into decimal ones, so that
// every number in a rule is a CEL double: 2 * employees and 7 / 2 mean
// what an officer expects.
func decimalLiterals(a *celast.AST) {
	fac := celast.NewExprFactory()
	celast.PostOrderVisit(a.Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() != celast.LiteralKind {
			return
		}
		switch v := e.AsLiteral().(type) {
		case types.Int:
			e.SetKindCase(fac.NewLiteral(e.ID(), types.Double(v)))
		case types.Uint:
			e.SetKindCase(fac.NewLiteral(e.ID(), types.Double(v)))
		}
	}))
}

func (c *compiler) gap(env *cel.Env, path string, g *GapSpec, cr *criterion) {
	c.text(path+".text", g.Text)
	known := map[string]bool{}
	if g.Field != "" || g.Target != "" {
		i, ok := fieldIndex[g.Field]
		if !ok || Fields[i].Type != Number {
			c.bad(path+".field", "must name a numeric profile field")
		} else {
			cr.field = i
		}
		cr.target = c.expr(env, path+".target", g.Target, cel.DoubleType)
		known["current"], known["target"], known["delta"] = true, true, true
	}
	names := make([]string, 0, len(g.Show))
	for n := range g.Show {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		sh := g.Show[n]
		sp := path + ".show." + n
		if !nameRE.MatchString(n) || known[n] {
			c.bad(sp, "must be a new name of lowercase letters, digits and underscores")
			continue
		}
		known[n] = true
		var e *expr
		if sh.Format == FormatDate {
			e = c.expr(env, sp+".expr", sh.Expr, cel.TimestampType)
		} else {
			if sh.Format == "" || !validFormat(sh.Format, false) {
				c.bad(sp+".format", "must be one of yuan, count, number, percent, date")
			}
			e = c.expr(env, sp+".expr", sh.Expr, cel.DoubleType)
		}
		cr.show = append(cr.show, showExpr{name: n, format: sh.Format, expr: e})
	}
	for lang, s := range map[string]string{"zh": g.Text.Zh, "en": g.Text.En} {
		for _, m := range placeRE.FindAllStringSubmatch(s, -1) {
			if !known[m[1]] {
				c.bad(path+".text."+lang, "{%s} is not a number this gap shows", m[1])
			}
		}
	}
	// The numbers of a gap come in this order: the target's three, then
	// the shown ones by name.
	var order []string
	if cr.target != nil {
		order = append(order, "current", "target", "delta")
	}
	for _, sh := range cr.show {
		order = append(order, sh.name)
	}
	cr.tpl = [2][]tplPart{parseTemplate(g.Text.Zh, order), parseTemplate(g.Text.En, order)}
}

// buildEpochs splits time at every day a parameter changes, so that an
// evaluation finds all values in force with one search.
func (rs *RuleSet) buildEpochs() {
	cuts := []int{0}
	for _, p := range rs.params {
		for _, pd := range p.periods {
			cuts = append(cuts, pd.from)
			if pd.to != 0 {
				cuts = append(cuts, yyyymmdd(fromYMD(float64(pd.to)).AddDate(0, 0, 1)))
			}
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	for _, from := range cuts {
		ep := epoch{from: from, vals: make([]ref.Val, len(rs.params)), raw: make([]any, len(rs.params))}
		for i, p := range rs.params {
			for _, pd := range p.periods {
				if pd.from <= from && (pd.to == 0 || from <= pd.to) {
					ep.vals[i], ep.raw[i] = pd.val, pd.raw
				}
			}
			if ep.vals[i] == nil {
				ep.miss = append(ep.miss, p.name)
			}
		}
		rs.epochs = append(rs.epochs, ep)
	}
}

// epochAt finds the parameters in force on a day.
func (rs *RuleSet) epochAt(asOf time.Time) (*epoch, error) {
	d := yyyymmdd(asOf)
	i := sort.Search(len(rs.epochs), func(i int) bool { return rs.epochs[i].from > d }) - 1
	ep := &rs.epochs[i]
	if len(ep.miss) > 0 {
		return nil, apperr.Field("as_of", "%s has no value in force on %s for parameter %s",
			rs.spec.Slug, asOf.Format(time.DateOnly), strings.Join(ep.miss, ", "))
	}
	return ep, nil
}

// ParamValues returns the parameters in force on a day, by name, as Go
// values (numbers as float64, tables as their rows).
func (rs *RuleSet) ParamValues(asOf time.Time) (map[string]any, error) {
	ep, err := rs.epochAt(asOf)
	if err != nil {
		return nil, err
	}
	m := make(map[string]any, len(rs.params))
	for i, p := range rs.params {
		if b, ok := ep.raw[i].(*bandTable); ok {
			m[p.name] = b.rows
		} else {
			m[p.name] = ep.raw[i]
		}
	}
	return m, nil
}
