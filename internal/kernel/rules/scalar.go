package rules

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"
)

// The scalar evaluator. Evaluating one profile against many rule sets (the
// "programs for you" page, the self-check) gains nothing from columns:
// a column step costs a closure call and a visit to the rule set's own
// registers, scattered over the heap, for a single row. So the fast
// evaluator's steps are compiled a second time, as plain instructions over
// one row of registers that a goroutine reuses for every rule set, and a
// rule set's constants and parameters in force are kept laid out for the
// last day asked. Same steps, same unknown and error rules, same results
// as the column evaluator (TestScalarMatchesColumns).

type scode uint8

const (
	scNot scode = iota
	scUnary
	scBinary
	scArith
	scCmpNum
	scCmpStr
	scLogic
	scCond
	scToInt
	scAddYears
	scBand
	scStartsWithAny
	scAnyInField
	scAnyInConst
	scInField
	scInConst
)

// Sub-operations of scArith, scCmpNum and scCmpStr.
const (
	subAdd = iota
	subSub
	subMul
	subDiv
)

const (
	subEq = iota
	subNe
	subLt
	subLe
	subGt
	subGe
)

// sop is one step of the scalar evaluator: out = code(x, y, z).
type sop struct {
	code    scode
	sub     uint8
	o, x, y int32
	z       int32
	f1      func(float64) float64
	f2      func(a, b float64) float64
}

// scalar is one row of registers, reused across rule sets by a goroutine.
type scalar struct {
	f []float64
	m []uint64
	s []string
	l [][]string
	k []any
}

var scalarPool = sync.Pool{New: func() any { return &scalar{} }}

// sinit is a rule set's registers other than fields and temporaries, laid
// out for one parameter epoch and day.
type sinit struct {
	ep   *epoch
	day  float64
	f    []float64
	strs []regStr // the string registers among them
	anys []regAny // the lists and tables
}

type regStr struct {
	r int
	s string
}

type regAny struct {
	r int
	k any
}

// scalarInit returns the registers' starting values for an epoch and day,
// keeping the last ones built.
func (fp *fastProg) scalarInit(ep *epoch, day float64) *sinit {
	if in := fp.sinit.Load(); in != nil && in.ep == ep && in.day == day {
		return in
	}
	n := len(fp.regs)
	in := &sinit{ep: ep, day: day, f: make([]float64, n)}
	for r, g := range fp.regs {
		switch g.src {
		case sConst:
			in.f[r] = g.k
			if g.kind == kStr {
				in.strs = append(in.strs, regStr{r, g.ks})
			}
		case sAsOf:
			in.f[r] = day
		case sParam:
			switch x := ep.raw[g.idx].(type) {
			case float64:
				in.f[r] = x
			case bool:
				in.f[r] = b2f(x)
			case string:
				in.strs = append(in.strs, regStr{r, x})
			default: // lists and tables
				in.anys = append(in.anys, regAny{r, x})
			}
		}
	}
	fp.sinit.Store(in)
	return in
}

// load lays out a rule set's registers for a profile. String, list and
// table registers keep what an earlier rule set left where this one
// writes before it reads (temporaries) or reads only under an unknown
// mask (fields not set, which load clears anyway).
func (st *scalar) load(fp *fastProg, in *sinit, p *Profile) {
	n := len(fp.regs)
	if cap(st.f) < n {
		st.f, st.m, st.s, st.l, st.k = make([]float64, n), make([]uint64, n), make([]string, n), make([][]string, n), make([]any, n)
	}
	st.f, st.m, st.s, st.l, st.k = st.f[:n], st.m[:n], st.s[:n], st.l[:n], st.k[:n]
	copy(st.f, in.f)
	clear(st.m)
	for _, x := range in.strs {
		st.s[x.r] = x.s
	}
	for _, x := range in.anys {
		st.k[x.r] = x.k
	}
	for _, r := range fp.fieldRegs {
		g := &fp.regs[r]
		sl := &p.slots[g.idx]
		if !sl.set {
			st.m[r] = 1 << g.idx
			st.f[r], st.s[r], st.l[r] = 0, "", nil
			continue
		}
		switch g.kind {
		case kNum:
			if Fields[g.idx].Type == Bool {
				st.f[r] = b2f(sl.b)
			} else {
				st.f[r] = sl.num
			}
		case kStr:
			st.s[r] = sl.str
		case kList:
			st.l[r] = sl.list
		}
	}
}

// exec runs steps over the registers.
func (st *scalar) exec(ops []sop) {
	f, m, s := st.f, st.m, st.s
	for i := range ops {
		op := &ops[i]
		o, x, y := op.o, op.x, op.y
		switch op.code {
		case scNot:
			f[o], m[o] = 1-f[x], m[x]
		case scUnary:
			f[o], m[o] = op.f1(f[x]), m[x]
		case scBinary:
			f[o], m[o] = op.f2(f[x], f[y]), m[x]|m[y]
		case scArith:
			a, c := f[x], f[y]
			switch op.sub {
			case subAdd:
				f[o] = a + c
			case subSub:
				f[o] = a - c
			case subMul:
				f[o] = a * c
			default:
				f[o] = a / c
			}
			m[o] = m[x] | m[y]
		case scCmpNum:
			f[o], m[o] = b2f(compare(op.sub, f[x], f[y])), m[x]|m[y]
		case scCmpStr:
			f[o], m[o] = b2f(compare(op.sub, s[x], s[y])), m[x]|m[y]
		case scLogic:
			f[o], m[o] = logicOf(f[x], m[x], f[y], m[y], float64(op.sub))
		case scCond:
			z := op.z
			switch {
			case m[x] != 0:
				m[o] = m[x]
			case f[x] != 0:
				m[o], f[o], s[o] = m[y], f[y], s[y]
			default:
				m[o], f[o], s[o] = m[z], f[z], s[z]
			}
		case scToInt:
			f[o], m[o] = toIntOf(f[x], m[x])
		case scAddYears:
			if v, mm := addYearsOf(f[x], m[x], f[y], m[y]); mm != 0 {
				m[o] = mm
			} else {
				f[o], m[o] = v, 0
			}
		case scBand:
			if v, mm := bandOf(st.k[x].(*bandTable), f[y], m[y]); mm != 0 {
				m[o] = mm
			} else {
				f[o], m[o] = v, 0
			}
		case scStartsWithAny:
			m[o] = m[x]
			f[o] = b2f(startsWithAny(s[x], st.k[y].([]string)))
		case scAnyInField, scAnyInConst:
			have := st.l[x]
			if op.code == scAnyInConst {
				have, _ = st.k[x].([]string)
			}
			m[o], f[o] = m[x], b2f(anyIn(have, st.k[y].([]string)))
		case scInField, scInConst:
			list := st.l[y]
			if op.code == scInConst {
				list, _ = st.k[y].([]string)
			}
			m[o], f[o] = m[x]|m[y], b2f(slices.Contains(list, s[x]))
		}
	}
}

// The steps' semantics for one value, shared by the column closures
// (fastc.go) and the scalar instructions, so that the two evaluators
// cannot drift apart.

// compare applies the comparison sub.
func compare[T cmp.Ordered](sub uint8, a, c T) bool {
	switch sub {
	case subEq:
		return a == c
	case subNe:
		return a != c
	case subLt:
		return a < c
	case subLe:
		return a <= c
	case subGt:
		return a > c
	}
	return a >= c
}

// logicOf combines two conditions the way CEL does with unknowns: a known
// value equal to decide (0 for &&, 1 for ||) decides; otherwise the
// unknowns of both sides, and an error when either side failed.
func logicOf(a float64, am uint64, c float64, cm uint64, decide float64) (float64, uint64) {
	if am == 0 && a == decide || cm == 0 && c == decide {
		return decide, 0
	}
	m := am | cm
	if m&errBit != 0 {
		m = errBit
	}
	return 1 - decide, m
}

// toIntOf is int(x): an error beyond int64.
func toIntOf(v float64, m uint64) (float64, uint64) {
	if m == 0 && (math.IsNaN(v) || v <= math.MinInt64 || v >= math.MaxInt64) {
		m = errBit
	}
	return math.Trunc(v), m
}

// addYearsOf is add_years(day, n): an error for a fraction or more than a
// thousand years. With a mask, the value is not meaningful.
func addYearsOf(day float64, dm uint64, n float64, nm uint64) (float64, uint64) {
	if m := dm | nm; m != 0 {
		return 0, m
	}
	if n != math.Trunc(n) || math.Abs(n) > 1000 {
		return 0, errBit
	}
	return addYearsYMD(day, int(n)), 0
}

// bandOf is band(table, x): an error where no row holds x.
func bandOf(tab *bandTable, x float64, m uint64) (float64, uint64) {
	if m != 0 {
		return 0, m
	}
	v, ok := tab.lookup(x)
	if !ok {
		return v, errBit
	}
	return v, 0
}

// anyIn reports whether a value of have is in list.
func anyIn(have, list []string) bool {
	for _, s := range have {
		if slices.Contains(list, s) {
			return true
		}
	}
	return false
}

// evalScalar evaluates one profile with the scalar evaluator and explains
// the result, laid out in sl. ok is false when a step failed (CEL owns
// errors) or the rule set's gaps are beyond the fast subset: the caller
// then evaluates another way.
func (rs *RuleSet) evalScalar(st *scalar, sl *slab, p *Profile, ep *epoch, asOf time.Time, day string) (*Result, bool) {
	fp := rs.fast
	st.load(fp, fp.scalarInit(ep, float64(yyyymmdd(asOf))), p)
	st.exec(fp.sops)
	f, m := st.f, st.m
	// The gaps' steps only when a criterion with a gap is not met.
	for c, r := range fp.crit {
		if m[r] == 0 && f[r] == 0 && rs.criteria[c].spec.Gap != nil {
			st.exec(fp.gapSops)
			break
		}
	}
	for _, r := range fp.crit {
		if m[r]&errBit != 0 {
			return nil, false
		}
	}
	for _, r := range fp.values {
		if m[r]&errBit != 0 {
			return nil, false
		}
	}
	if fp.amount >= 0 && m[fp.amount]&errBit != 0 {
		return nil, false
	}
	res := rs.layout(sl, day)
	for v := range res.Values {
		r := fp.values[v]
		if m[r] != 0 {
			res.Values[v].Unknown = fieldNames(m[r])
		} else {
			res.Values[v].Value = next(&sl.nums, f[r])
		}
	}
	for c := range res.Criteria {
		cr := &res.Criteria[c]
		r := fp.crit[c]
		switch {
		case m[r] != 0:
			cr.Status, cr.Unknown = Unknown, fieldNames(m[r])
		case f[r] != 0:
			cr.Status = Met
		default:
			cr.Status = NotMet
			if rs.criteria[c].spec.Gap != nil {
				tgt, tm := 0.0, uint64(0)
				if t := fp.gapTarget[c]; t >= 0 {
					tgt, tm = f[t], m[t]
				}
				var bv [8]float64
				var bm [8]uint64
				sv, sm := bv[:0], bm[:0]
				for _, r := range fp.gapShow[c] {
					sv, sm = append(sv, f[r]), append(sm, m[r])
				}
				cr.Gap = rs.gapOf(sl, p, &rs.criteria[c], tgt, tm, sv, sm)
			}
		}
	}
	if res.Amount != nil {
		if r := fp.amount; m[r] == 0 {
			res.Amount.Yuan = next(&sl.ints, int64(f[r]))
		} else {
			res.Amount.Unknown = fieldNames(m[r])
		}
	}
	rs.finish(res)
	return res, true
}

// scalarOK reports whether the scalar evaluator covers the rule set with
// its gaps.
func (rs *RuleSet) scalarOK() bool { return rs.fast != nil && rs.fast.gapsFast }
