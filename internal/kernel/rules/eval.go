package rules

import (
	"math"
	"math/bits"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// Status is the outcome of a criterion (met, not_met, unknown) or of a
// whole rule set (eligible, ineligible, unknown).
type Status string

const (
	Met        Status = "met"
	NotMet     Status = "not_met"
	Unknown    Status = "unknown"
	Eligible   Status = "eligible"
	Ineligible Status = "ineligible"
)

// Result explains one evaluation of a rule set.
type Result struct {
	Slug     string            `json:"slug"`
	AsOf     string            `json:"as_of"`
	Status   Status            `json:"status"`
	Criteria []CriterionResult `json:"criteria"`
	Values   []ValueResult     `json:"values,omitempty"`
	Amount   *AmountResult     `json:"amount,omitempty"`
}

// CriterionResult is one criterion's outcome and why.
type CriterionResult struct {
	ID        string   `json:"id"`
	Label     Text     `json:"label"`
	Reference string   `json:"reference"`
	Status    Status   `json:"status"`
	Reason    Text     `json:"reason"`
	Unknown   []string `json:"unknown_fields,omitempty"`
	Gap       *Gap     `json:"gap,omitempty"`
	Error     string   `json:"error,omitempty"`
}

// Gap says how far a profile is from meeting a criterion.
type Gap struct {
	Field   string   `json:"field,omitempty"`
	Current *float64 `json:"current,omitempty"`
	Target  *float64 `json:"target,omitempty"`
	Delta   *float64 `json:"delta,omitempty"`
	Text    Text     `json:"text"`
}

// ValueResult is a named number of the rule set (a score, a rate).
type ValueResult struct {
	Name    string   `json:"name"`
	Label   Text     `json:"label"`
	Value   *float64 `json:"value"`
	Format  Format   `json:"format,omitempty"`
	Unknown []string `json:"unknown_fields,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// AmountResult is the amount formula's outcome in whole yuan.
type AmountResult struct {
	Label     Text     `json:"label"`
	Reference string   `json:"reference"`
	Yuan      *int64   `json:"yuan"`
	Unknown   []string `json:"unknown_fields,omitempty"`
	Error     string   `json:"error,omitempty"`
}

// errBit marks, in an unknown-fields mask, an evaluation that failed.
const errBit = uint64(1) << 63

// activation resolves the names of one rule set's expressions against a
// profile without building a map per evaluation.
type activation struct {
	rs       *RuleSet
	p        *Profile
	asOf     ref.Val
	ep       *epoch
	vals     []ref.Val
	patterns []*interpreter.AttributePattern
}

func (a *activation) ResolveName(name string) (any, bool) {
	n, ok := a.rs.names[name]
	if !ok {
		return nil, false
	}
	var v ref.Val
	switch n.kind {
	case refField:
		v = a.p.celVal(n.idx)
	case refParam:
		v = a.ep.vals[n.idx]
	case refValue:
		v = a.vals[n.idx]
	case refAsOf:
		v = a.asOf
	}
	return v, v != nil
}

func (a *activation) Parent() interpreter.Activation { return nil }

func (a *activation) UnknownAttributePatterns() []*interpreter.AttributePattern { return a.patterns }

// AsPartialActivation lets CEL's partial evaluation see the unknowns.
func (a *activation) AsPartialActivation() (interpreter.PartialActivation, bool) { return a, true }

// nullPatterns marks a profile's unknown fields for CEL's partial evaluation.
// The result is shared: callers that add patterns must copy it first.
func (p *Profile) nullPatterns() []*interpreter.AttributePattern {
	p.patternsOnce.Do(func() {
		for i, f := range Fields {
			if !p.slots[i].set {
				p.patterns = append(p.patterns, interpreter.NewAttributePattern(f.Name))
			}
		}
	})
	return p.patterns[:len(p.patterns):len(p.patterns)]
}

// outcome is one expression's result on the CEL path: a value, or the
// mask of unknown fields (with errBit on failure).
type outcome struct {
	val  ref.Val
	mask uint64
	err  string
}

func (a *activation) eval(e *expr, valMasks []uint64) outcome {
	prg, err := e.program()
	if err != nil {
		return outcome{mask: errBit, err: err.Error()}
	}
	out, _, err := prg.Eval(a)
	if err != nil {
		return outcome{mask: errBit, err: err.Error()}
	}
	if u, ok := out.(*types.Unknown); ok {
		var m uint64
		for _, id := range u.IDs() {
			trails, _ := u.GetAttributeTrails(id)
			for _, t := range trails {
				n := a.rs.names[t.Variable()]
				switch n.kind {
				case refField:
					m |= 1 << n.idx
				case refValue:
					m |= valMasks[n.idx]
				}
			}
		}
		if m == 0 {
			m = errBit
		}
		return outcome{mask: m}
	}
	if types.IsError(out) {
		return outcome{mask: errBit, err: out.(*types.Err).String()}
	}
	return outcome{val: out}
}

// Evaluate runs the rule set for one profile as of a day: the parameters
// in force that day, every criterion with its reason and gap, the values
// and the amount. It uses the fast evaluator when the rule set allows,
// CEL otherwise; both give the same result.
func (rs *RuleSet) Evaluate(p *Profile, asOf time.Time) (*Result, error) {
	if rs.scalarOK() {
		ep, err := rs.epochAt(asOf)
		if err != nil {
			return nil, err
		}
		st := scalarPool.Get().(*scalar)
		res, ok := rs.evalScalar(st, &slab{}, p, ep, asOf, asOf.Format(time.DateOnly))
		scalarPool.Put(st)
		if ok {
			return res, nil
		}
	}
	if rs.fast != nil {
		return rs.evalFastOne(p, asOf)
	}
	return rs.evalCEL(p, asOf)
}

// evalCEL evaluates with CEL alone, partial evaluation telling unknown
// from known.
func (rs *RuleSet) evalCEL(p *Profile, asOf time.Time) (*Result, error) {
	ep, err := rs.epochAt(asOf)
	if err != nil {
		return nil, err
	}
	a := &activation{rs: rs, p: p, asOf: types.Timestamp{Time: asOf}, ep: ep, vals: make([]ref.Val, len(rs.values)), patterns: p.nullPatterns()}
	res := rs.newResult(asOf)
	masks := make([]uint64, len(rs.values))
	for i, e := range rs.values {
		o := a.eval(e, masks)
		masks[i] = o.mask
		vr := &res.Values[i]
		if o.mask != 0 {
			a.patterns = append(a.patterns, interpreter.NewAttributePattern("values."+rs.spec.Values[i].Name))
			vr.Unknown, vr.Error = fieldNames(o.mask), o.err
			continue
		}
		a.vals[i] = o.val
		x := float64(o.val.(types.Double))
		vr.Value = &x
	}
	for i := range rs.criteria {
		cr := &rs.criteria[i]
		o := a.eval(cr.expr, masks)
		r := &res.Criteria[i]
		switch {
		case o.mask != 0:
			r.Status, r.Unknown, r.Error = Unknown, fieldNames(o.mask), o.err
		case o.val == types.True:
			r.Status = Met
		default:
			r.Status = NotMet
			r.Gap = rs.gapCEL(a, cr, masks)
		}
	}
	if rs.amount != nil {
		o := a.eval(rs.amount, masks)
		if o.mask != 0 {
			res.Amount.Unknown, res.Amount.Error = fieldNames(o.mask), o.err
		} else {
			y := int64(o.val.(types.Int))
			res.Amount.Yuan = &y
		}
	}
	rs.finish(res)
	return res, nil
}

// gapCEL computes a gap for a criterion that is not met; nil when its
// numbers cannot be computed.
func (rs *RuleSet) gapCEL(a *activation, cr *criterion, masks []uint64) *Gap {
	g := cr.spec.Gap
	if g == nil {
		return nil
	}
	tgt, tm := 0.0, uint64(0)
	if cr.target != nil {
		o := a.eval(cr.target, masks)
		if tm = o.mask; tm == 0 {
			tgt = float64(o.val.(types.Double))
		}
	}
	sv, sm := make([]float64, len(cr.show)), make([]uint64, len(cr.show))
	for k, sh := range cr.show {
		o := a.eval(sh.expr, masks)
		if sm[k] = o.mask; o.mask != 0 {
			break
		}
		switch v := o.val.(type) {
		case types.Double:
			sv[k] = float64(v)
		case types.Timestamp:
			sv[k] = float64(yyyymmdd(v.Time))
		}
	}
	return rs.gapOf(&slab{}, a.p, cr, tgt, tm, sv, sm)
}

// numArg is a number for a gap sentence, in the order of parseTemplate.
type numArg struct {
	x      float64
	format Format
}

// gapOf builds the gap of a criterion that is not met from its target
// (with its unknown mask) and its shown numbers (with theirs); nil when a number is
// unknown or the target is where the profile already is.
func (rs *RuleSet) gapOf(sl *slab, p *Profile, cr *criterion, tgt float64, tm uint64, sv []float64, sm []uint64) *Gap {
	var buf [8]numArg
	nums := buf[:0]
	var cur, d float64
	if cr.target != nil {
		if tm != 0 || !p.slots[cr.field].set {
			return nil
		}
		f := Fields[cr.field]
		cur = p.slots[cr.field].num
		d = math.Abs(tgt - cur)
		if d == 0 {
			return nil
		}
		nums = append(nums, numArg{cur, f.Format}, numArg{tgt, f.Format}, numArg{d, f.Format})
	}
	for k, sh := range cr.show {
		if sm[k] != 0 {
			return nil
		}
		nums = append(nums, numArg{sv[k], sh.format})
	}
	gap := next(&sl.gaps, Gap{})
	if cr.target != nil {
		gap.Field, gap.Current, gap.Target, gap.Delta = Fields[cr.field].Name, next(&sl.nums, cur), next(&sl.nums, tgt), next(&sl.nums, d)
	}
	gap.Text = Text{Zh: sl.fill(cr.tpl[0], nums), En: sl.fill(cr.tpl[1], nums)}
	return gap
}

// appendTemplate renders a gap sentence's parts with its numbers.
func appendTemplate(b []byte, parts []tplPart, nums []numArg) []byte {
	for _, p := range parts {
		b = append(b, p.lit...)
		if p.arg >= 0 && p.arg < len(nums) {
			b = appendValue(b, nums[p.arg].x, nums[p.arg].format)
		}
	}
	return b
}

// newResult lays out a result with labels, before outcomes are filled in.
func (rs *RuleSet) newResult(asOf time.Time) *Result {
	return rs.layout(&slab{}, asOf.Format(time.DateOnly))
}

// slab hands out results and their criteria from blocks, so that
// evaluating one profile against many rule sets allocates a few large
// objects instead of thousands of small ones.
type slab struct {
	res  []Result
	crit []CriterionResult
	vals []ValueResult
	amts []AmountResult
	gaps []Gap
	nums []float64
	ints []int64
	// text holds the gaps' sentences. Strings are made from it in place:
	// it is only appended to until the evaluation owning it is released.
	text []byte
}

// reserve makes room in s for one result of each rule set.
func (s *slab) reserve(sets []*RuleSet) {
	nc, nv, na, ng := slabCounts(sets)
	s.res, s.crit, s.vals = resize(s.res, len(sets)), resize(s.crit, nc), resize(s.vals, nv)
	s.amts, s.gaps, s.nums, s.ints = resize(s.amts, na), resize(s.gaps, ng), resize(s.nums, nv+3*ng), resize(s.ints, na)
}

func slabCounts(sets []*RuleSet) (nc, nv, na, ng int) {
	for _, rs := range sets {
		nc += len(rs.criteria)
		nv += len(rs.values)
		ng += rs.gapCount()
		if rs.amount != nil {
			na++
		}
	}
	return
}

// share makes s hand out the share of sets (the next ones) of all,
// keeping its own text block, which it starts over.
func (s *slab) share(all *slab, sets []*RuleSet) {
	nc, nv, na, ng := slabCounts(sets)
	s.res, s.crit, s.vals, s.amts = take(&all.res, len(sets)), take(&all.crit, nc), take(&all.vals, nv), take(&all.amts, na)
	s.gaps, s.nums, s.ints = take(&all.gaps, ng), take(&all.nums, nv+3*ng), take(&all.ints, na)
	if cap(s.text) < textPerGap*ng {
		s.text = make([]byte, 0, textPerGap*ng)
	}
	s.text = s.text[:0]
}

// textPerGap is room for one gap's two sentences.
const textPerGap = 160

// take cuts the first n elements off *s (fewer when it is shorter).
func take[T any](s *[]T, n int) []T {
	n = min(n, len(*s))
	out := (*s)[:n:n]
	*s = (*s)[n:]
	return out
}

// next hands out the next element of a slab's block, set to v; a block
// used up is followed by a fresh one of 16.
func next[T any](block *[]T, v T) *T {
	if len(*block) == 0 {
		*block = make([]T, 16)
	}
	p := &(*block)[0]
	*block = (*block)[1:]
	*p = v
	return p
}

// fill renders a template with numbers; in a slab with room for text the
// string shares the slab's text block.
func (s *slab) fill(tpl []tplPart, nums []numArg) string {
	if cap(s.text) == 0 {
		return string(appendTemplate(nil, tpl, nums))
	}
	start := len(s.text)
	s.text = appendTemplate(s.text, tpl, nums)
	if len(s.text) == start {
		return ""
	}
	return unsafe.String(&s.text[start], len(s.text)-start)
}

func (s *slab) criteria(n int) []CriterionResult {
	if len(s.crit) < n {
		return make([]CriterionResult, n)
	}
	c := s.crit[:n:n]
	s.crit = s.crit[n:]
	return c
}

// layout lays out a result from a slab; day is the as-of day.
func (rs *RuleSet) layout(s *slab, day string) *Result {
	res := next(&s.res, Result{})
	res.Slug, res.AsOf, res.Criteria = rs.spec.Slug, day, s.criteria(len(rs.criteria))
	for i := range rs.criteria {
		cs := rs.criteria[i].spec
		res.Criteria[i] = CriterionResult{ID: cs.ID, Label: cs.Label, Reference: cs.Reference}
	}
	if len(rs.values) > 0 {
		res.Values = take(&s.vals, len(rs.values))
		if len(res.Values) < len(rs.values) {
			res.Values = make([]ValueResult, len(rs.values))
		}
		for i, v := range rs.spec.Values {
			res.Values[i] = ValueResult{Name: v.Name, Label: v.Label, Format: v.Format}
		}
	}
	if rs.amount != nil {
		res.Amount = next(&s.amts, AmountResult{Label: rs.spec.Amount.Label, Reference: rs.spec.Amount.Reference})
	}
	return res
}

// finish sets the reasons and the overall status.
func (rs *RuleSet) finish(res *Result) {
	res.Status = Eligible
	anyUnknown := false
	for i := range res.Criteria {
		r := &res.Criteria[i]
		switch r.Status {
		case Met:
			r.Reason = Text{Zh: "满足", En: "Met"}
		case NotMet:
			res.Status = Ineligible
			if r.Gap != nil {
				r.Reason = r.Gap.Text
			} else {
				r.Reason = Text{Zh: "不满足", En: "Not met"}
			}
		case Unknown:
			anyUnknown = true
			if r.Error != "" && len(r.Unknown) == 0 {
				r.Reason = Text{Zh: "无法判断：" + r.Error, En: "Cannot decide: " + r.Error}
			} else {
				r.Reason = unknownReason(r.Unknown)
			}
		}
	}
	if res.Status == Eligible && anyUnknown {
		res.Status = Unknown
	}
}

func unknownReason(names []string) Text {
	// The reason depends only on the set of fields, so it is rendered once
	// per set and kept with the names (field names outside the vocabulary
	// are rendered every time).
	var m uint64
	last := -1
	for _, n := range names {
		i, ok := fieldIndex[n]
		if !ok || i >= 63 || i <= last {
			return renderUnknownReason(names)
		}
		m |= 1 << i
		last = i
	}
	if c := maskCache[maskSlot(m)].Load(); c != nil && c.mask == m {
		return c.reason
	}
	return renderUnknownReason(names)
}

func renderUnknownReason(names []string) Text {
	zh, en := make([]string, len(names)), make([]string, len(names))
	for i, n := range names {
		f, _ := FieldByName(n)
		zh[i] = f.LabelZh + "（" + n + "）"
		en[i] = f.LabelEn + " (" + n + ")"
	}
	return Text{Zh: "缺少数据：" + strings.Join(zh, "、"), En: "Unknown: needs " + strings.Join(en, ", ")}
}

// fieldNames lists the fields of a mask in vocabulary order. The list is
// shared with other results of the same mask: callers must not modify it.
func fieldNames(m uint64) []string {
	m &^= errBit
	if m == 0 {
		return nil
	}
	e := &maskCache[maskSlot(m)]
	if c := e.Load(); c != nil && c.mask == m {
		return c.names
	}
	out := make([]string, 0, bits.OnesCount64(m))
	for x := m; x != 0; {
		i := bits.TrailingZeros64(x)
		out = append(out, Fields[i].Name)
		x &^= 1 << i
	}
	e.Store(&maskNames{mask: m, names: out, reason: renderUnknownReason(out)})
	return out
}

// maskNames is what a set of unknown fields renders to.
type maskNames struct {
	mask   uint64
	names  []string
	reason Text
}

// maskCache keeps the names and reasons of recent masks, one per slot; a
// newer mask of the same slot replaces an older one.
var maskCache [4096]atomic.Pointer[maskNames]

func maskSlot(m uint64) uint64 { return (m * 0x9E3779B97F4A7C15) >> 52 }
