package rules

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// The fast evaluator. Matching runs every enterprise against every
// program, so the common subset of CEL that rules use (numbers, days,
// strings, comparisons, arithmetic, &&, ||, !, ?:, in, and the rules'
// own functions) is compiled once more, into Go closures that each
// process a column of up to BatchSize profiles at a time. Unknown is
// carried as a mask of the fields a value depends on, combined the way
// CEL's partial evaluation combines unknowns, so the fast evaluator gives
// the same statuses and the same unknown fields as CEL. A row whose
// result involves an error (a band that no row holds, a number too big
// for int) is evaluated again by CEL, which owns error semantics.

// BatchSize is how many profiles the fast evaluator processes per step.
const BatchSize = 256

type regKind uint8

const (
	kNum  regKind = iota // numbers, days (yyyymmdd), booleans (0 or 1)
	kStr                 // strings
	kList                // lists of strings
	kBand                // a banded table (a parameter)
)

type regSrc uint8

const (
	sTemp regSrc = iota
	sField
	sParam
	sConst
	sAsOf
)

type reg struct {
	kind regKind
	src  regSrc
	idx  int // field or parameter
	k    float64
	ks   string
}

// fastProg is a rule set compiled for the fast evaluator.
type fastProg struct {
	regs   []reg
	ops    []func(fr *Frame)
	values []int // output register of each value
	crit   []int // output register of each criterion
	amount int   // -1 without an amount
	// fieldRegs are the registers that read profile fields.
	fieldRegs []int
	// Gaps, when gapsFast: the steps computing them, and per criterion
	// the register of its target (-1 if none) and of each shown number.
	gapsFast  bool
	gapOps    []func(fr *Frame)
	gapTarget []int
	gapShow   [][]int
	// sops and gapSops are ops and gapOps for the scalar evaluator, and
	// sinit its registers last laid out.
	sops, gapSops []sop
	sinit         atomic.Pointer[sinit]
	// frame keeps a one-row frame last used by this program (its
	// constants and parameters are already laid out in it), for single
	// evaluations; a sync.Pool would drop it at every collection.
	frame atomic.Pointer[Frame]
}

// Frame is the scratch space of the fast evaluator; one per goroutine,
// reusable across rule sets.
type Frame struct {
	n    int
	f    [][]float64
	s    [][]string
	l    [][][]string
	m    [][]uint64
	kany []any
	zero []uint64
	fbuf [][]float64
	sbuf [][]string
	mbuf [][]uint64
	out  Outcome
	// gaps asks the evaluator for the numbers of gaps too (explaining).
	gaps bool
	// codes: outcomes carry Codes instead of Criteria (NewCodeFrame).
	codes bool
	// sbits is collect's scratch: a row's status as bits.
	sbits []uint8
	// What the registers other than fields were last laid out for.
	prog *fastProg
	ep   *epoch
	day  float64
}

// NewFrame returns scratch space for the fast evaluator.
func NewFrame() *Frame { return &Frame{zero: make([]uint64, BatchSize)} }

// NewCodeFrame returns scratch space for the fast evaluator whose
// outcomes carry each criterion's result as one byte in Codes ('m' met,
// 'n' not met, 'u' unknown) instead of a Status in Criteria: a sixteenth
// of the memory to write per criterion and row, for callers that store or
// count outcomes of many enterprises.
func NewCodeFrame() *Frame {
	fr := NewFrame()
	fr.codes = true
	return fr
}

var framePool = sync.Pool{New: func() any { return NewFrame() }}

func (fr *Frame) grow(n int) {
	for len(fr.f) < n {
		fr.f = append(fr.f, nil)
		fr.s = append(fr.s, nil)
		fr.l = append(fr.l, nil)
		fr.m = append(fr.m, nil)
		fr.kany = append(fr.kany, nil)
		fr.fbuf = append(fr.fbuf, nil)
		fr.sbuf = append(fr.sbuf, nil)
		fr.mbuf = append(fr.mbuf, nil)
	}
}

func (fr *Frame) num(r int) []float64 {
	if cap(fr.fbuf[r]) < fr.n {
		fr.fbuf[r] = make([]float64, bufSize(fr.n))
	}
	return fr.fbuf[r][:fr.n]
}

func (fr *Frame) str(r int) []string {
	if cap(fr.sbuf[r]) < fr.n {
		fr.sbuf[r] = make([]string, bufSize(fr.n))
	}
	return fr.sbuf[r][:fr.n]
}

func (fr *Frame) mask(r int) []uint64 {
	if cap(fr.mbuf[r]) < fr.n {
		fr.mbuf[r] = make([]uint64, bufSize(fr.n))
	}
	return fr.mbuf[r][:fr.n]
}

// Batch holds profiles column by column for the fast evaluator.
type Batch struct {
	// profiles are the profiles of NewBatch; a batch filled by Append
	// keeps none and rebuilds a row's profile from the columns when CEL
	// needs it (rare: errors and explanations).
	profiles []*Profile
	n        int
	num      [maxFields][]float64
	str      [maxFields][]string
	list     [maxFields][][]string
	nulls    []uint64 // per row, a bit for each unknown field
	// intern shares one copy of each value of a string field among the
	// rows filled by Append, so that comparing equal values compares
	// pointers; a field with more than internMax values (names, codes)
	// stops being interned.
	intern   [maxFields]map[string]string
	noIntern [maxFields]bool
}

const internMax = 256

func (b *Batch) interned(fi int, v string) string {
	if b.noIntern[fi] {
		return v
	}
	m := b.intern[fi]
	if m == nil {
		m = make(map[string]string)
		b.intern[fi] = m
	}
	if x, ok := m[v]; ok {
		return x
	}
	if len(m) >= internMax {
		b.noIntern[fi], b.intern[fi] = true, nil
		return v
	}
	m[v] = v
	return v
}

// NewBatch lays out profiles by column.
func NewBatch(ps []*Profile) *Batch {
	b := &Batch{profiles: ps, n: len(ps), nulls: make([]uint64, len(ps))}
	for fi, f := range Fields {
		switch f.Type {
		case Number, Date, Bool:
			b.num[fi] = make([]float64, len(ps))
		case String:
			b.str[fi] = make([]string, len(ps))
		case Strings:
			b.list[fi] = make([][]string, len(ps))
		}
	}
	for i, p := range ps {
		for fi, f := range Fields {
			s := &p.slots[fi]
			if !s.set {
				b.nulls[i] |= 1 << fi
				continue
			}
			switch f.Type {
			case Number, Date:
				b.num[fi][i] = s.num
			case Bool:
				if s.b {
					b.num[fi][i] = 1
				}
			case String:
				b.str[fi][i] = s.str
			case Strings:
				b.list[fi][i] = s.list
			}
		}
	}
	return b
}

// Len is the number of profiles in the batch.
func (b *Batch) Len() int { return b.n }

// NewBatchCap returns an empty batch for Append, with room for n rows.
func NewBatchCap(n int) *Batch {
	b := &Batch{nulls: make([]uint64, 0, n)}
	for fi, f := range Fields {
		switch f.Type {
		case Number, Date, Bool:
			b.num[fi] = make([]float64, 0, n)
		case String:
			b.str[fi] = make([]string, 0, n)
		case Strings:
			b.list[fi] = make([][]string, 0, n)
		}
	}
	return b
}

// Append adds a profile's values as the next row of a batch made by
// NewBatchCap; p is not kept and may be reused.
func (b *Batch) Append(p *Profile) {
	if b.profiles != nil {
		panic("rules: Append to a batch made by NewBatch")
	}
	var nulls uint64
	for fi, f := range Fields {
		s := &p.slots[fi]
		switch f.Type {
		case Number, Date, Bool:
			x := s.num
			if f.Type == Bool {
				x = b2f(s.b)
			}
			if !s.set {
				x = 0
			}
			b.num[fi] = append(b.num[fi], x)
		case String:
			b.str[fi] = append(b.str[fi], b.interned(fi, s.str))
		case Strings:
			b.list[fi] = append(b.list[fi], s.list)
		}
		if !s.set {
			nulls |= 1 << fi
		}
	}
	b.nulls = append(b.nulls, nulls)
	b.n++
}

// Profile returns the profile of a row.
func (b *Batch) Profile(row int) *Profile {
	if b.profiles != nil {
		return b.profiles[row]
	}
	m := make(map[string]any, len(Fields))
	for fi, f := range Fields {
		if b.nulls[row]&(1<<fi) != 0 {
			continue
		}
		switch f.Type {
		case Number:
			m[f.Name] = b.num[fi][row]
		case Date:
			m[f.Name] = fromYMD(b.num[fi][row]).Format(time.DateOnly)
		case Bool:
			m[f.Name] = b.num[fi][row] != 0
		case String:
			m[f.Name] = b.str[fi][row]
		case Strings:
			m[f.Name] = b.list[fi][row]
		}
	}
	p, err := NewProfile(m)
	if err != nil {
		// The values came from a valid profile.
		panic("rules: batch row does not make a profile: " + err.Error())
	}
	return p
}

// Outcome is the fast evaluator's result for a batch: statuses and
// unknown fields per criterion and row, values and amounts. It is owned
// by the Frame and valid until the frame's next use.
type Outcome struct {
	N            int
	Status       []Status    // per row; empty with a code frame
	StatusCodes  []byte      // per row 'e' eligible, 'i' ineligible, 'u' unknown; code frames only
	Criteria     [][]Status  // [criterion][row]; empty with a code frame
	Codes        [][]byte    // [criterion][row] 'm', 'n', 'u'; code frames only
	Unknown      [][]uint64  // [criterion][row]: unknown fields, see FieldNames
	Values       [][]float64 // [value][row]
	ValueUnknown [][]uint64  // [value][row]
	Amount       []int64     // per row; meaningful where AmountKnown
	AmountKnown  []bool
	AmountMask   []uint64 // per row: unknown fields of the amount
	// Errors lists rows that CEL evaluated again, with their results.
	Errors map[int]*Result
	// gap numbers, when the frame asked for them and the rule set
	// computes them fast: [criterion][row] and [criterion][show][row].
	gaps          bool
	gapTarget     [][]float64
	gapTargetMask [][]uint64
	gapShow       [][][]float64
	gapShowMask   [][][]uint64
}

// FieldNames lists the fields of an unknown mask.
func FieldNames(mask uint64) []string { return fieldNames(mask) }

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func (o *Outcome) reset(rs *RuleSet, n int, codes bool) {
	o.N = n
	if codes {
		o.Status, o.StatusCodes = o.Status[:0], resize(o.StatusCodes, n)
	} else {
		o.Status, o.StatusCodes = resize(o.Status, n), o.StatusCodes[:0]
	}
	o.Unknown = resize(o.Unknown, len(rs.criteria))
	if codes {
		o.Criteria = o.Criteria[:0]
		o.Codes = resize(o.Codes, len(rs.criteria))
		for i := range o.Codes {
			o.Codes[i] = resize(o.Codes[i], n)
		}
	} else {
		o.Codes = o.Codes[:0]
		o.Criteria = resize(o.Criteria, len(rs.criteria))
		for i := range o.Criteria {
			o.Criteria[i] = resize(o.Criteria[i], n)
		}
	}
	for i := range o.Unknown {
		o.Unknown[i] = resize(o.Unknown[i], n)
	}
	o.Values = resize(o.Values, len(rs.values))
	o.ValueUnknown = resize(o.ValueUnknown, len(rs.values))
	for i := range o.Values {
		o.Values[i] = resize(o.Values[i], n)
		o.ValueUnknown[i] = resize(o.ValueUnknown[i], n)
	}
	o.Amount = resize(o.Amount, n)
	o.AmountKnown = resize(o.AmountKnown, n)
	o.AmountMask = resize(o.AmountMask, n)
	clear(o.Errors)
	o.gaps = false
}

// resizeGaps lays out the gap numbers of an outcome.
func (o *Outcome) resizeGaps(fp *fastProg, n int) {
	nc := len(fp.gapTarget)
	o.gapTarget = resize(o.gapTarget, nc)
	o.gapTargetMask = resize(o.gapTargetMask, nc)
	o.gapShow = resize(o.gapShow, nc)
	o.gapShowMask = resize(o.gapShowMask, nc)
	for c := 0; c < nc; c++ {
		o.gapTarget[c] = resize(o.gapTarget[c], n)
		o.gapTargetMask[c] = resize(o.gapTargetMask[c], n)
		o.gapShow[c] = resize(o.gapShow[c], len(fp.gapShow[c]))
		o.gapShowMask[c] = resize(o.gapShowMask[c], len(fp.gapShow[c]))
		for k := range fp.gapShow[c] {
			o.gapShow[c][k] = resize(o.gapShow[c][k], n)
			o.gapShowMask[c][k] = resize(o.gapShowMask[c][k], n)
		}
	}
	o.gaps = true
}

// EvaluateBatch evaluates every profile of a batch as of a day. The
// outcome lives in the frame until its next use.
func (rs *RuleSet) EvaluateBatch(fr *Frame, b *Batch, asOf time.Time) (*Outcome, error) {
	ep, err := rs.epochAt(asOf)
	if err != nil {
		return nil, err
	}
	out := &fr.out
	out.reset(rs, b.Len(), fr.codes)
	if rs.fast == nil {
		for i := 0; i < b.n; i++ {
			res, err := rs.evalCEL(b.Profile(i), asOf)
			if err != nil {
				return nil, err
			}
			out.fill(rs, i, res)
		}
		return out, nil
	}
	day := float64(yyyymmdd(asOf))
	if fr.gaps && rs.fast.gapsFast {
		out.resizeGaps(rs.fast, b.Len())
	}
	for lo := 0; lo < b.Len(); lo += BatchSize {
		hi := min(lo+BatchSize, b.Len())
		rs.fast.run(fr, b, lo, hi, ep, day)
		if err := rs.collect(fr, b, lo, asOf); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// collect copies a step's registers into the outcome.
func (rs *RuleSet) collect(fr *Frame, b *Batch, lo int, asOf time.Time) error {
	out := &fr.out
	fp := rs.fast
	var redo []int
	n := fr.n
	// The status is gathered as bits (1 some criterion unknown, 2 some
	// criterion not met) and written once per row.
	fr.sbits = resize(fr.sbits, n)
	sb := fr.sbits
	clear(sb)
	var seen uint64 // every mask ORed: errBit in it means some step failed
	for c, r := range fp.crit {
		f, m := fr.f[r][:n], fr.m[r][:n]
		copy(out.Unknown[c][lo:lo+n], m)
		// Without branches: k is 0 not met, 1 met, 2 or 3 unknown.
		if fr.codes {
			cs := out.Codes[c][lo : lo+n]
			for i := range cs {
				k := b2u(f[i] != 0) | b2u(m[i] != 0)<<1
				seen |= m[i]
				cs[i] = codeOfKey[k]
				sb[i] |= bitsOfKey[k]
			}
			continue
		}
		cs := out.Criteria[c][lo : lo+n]
		for i := range cs {
			k := b2u(f[i] != 0) | b2u(m[i] != 0)<<1
			seen |= m[i]
			cs[i] = statusOfKey[k]
			sb[i] |= bitsOfKey[k]
		}
	}
	bad := seen&errBit != 0
	if fr.codes {
		sc := out.StatusCodes[lo : lo+n]
		for i := range sc {
			sc[i] = statusCodeOfBits[sb[i]]
		}
	} else {
		st := out.Status[lo : lo+n]
		for i := range st {
			st[i] = statusOfBits[sb[i]]
		}
	}
	for v, r := range fp.values {
		copy(out.Values[v][lo:lo+n], fr.f[r])
		copy(out.ValueUnknown[v][lo:lo+n], fr.m[r])
		var vs uint64
		for _, m := range fr.m[r] {
			vs |= m
		}
		bad = bad || vs&errBit != 0
	}
	if out.gaps {
		for c, r := range fp.gapTarget {
			if r >= 0 {
				copy(out.gapTarget[c][lo:lo+n], fr.f[r])
				copy(out.gapTargetMask[c][lo:lo+n], fr.m[r])
			}
			for k, r := range fp.gapShow[c] {
				copy(out.gapShow[c][k][lo:lo+n], fr.f[r])
				copy(out.gapShowMask[c][k][lo:lo+n], fr.m[r])
			}
		}
	}
	if fp.amount >= 0 {
		f, m := fr.f[fp.amount], fr.m[fp.amount]
		for i := range f {
			out.Amount[lo+i], out.AmountKnown[lo+i], out.AmountMask[lo+i] = int64(f[i]), m[i] == 0, m[i]
			if m[i]&errBit != 0 {
				bad = true
			}
		}
	}
	if bad {
		for i := 0; i < n; i++ {
			failed := fp.amount >= 0 && fr.m[fp.amount][i]&errBit != 0
			for _, r := range fp.crit {
				failed = failed || fr.m[r][i]&errBit != 0
			}
			for _, r := range fp.values {
				failed = failed || fr.m[r][i]&errBit != 0
			}
			if failed {
				redo = append(redo, lo+i)
			}
		}
	}
	for _, row := range redo {
		res, err := rs.evalCEL(b.Profile(row), asOf)
		if err != nil {
			return err
		}
		out.fill(rs, row, res)
		if out.Errors == nil {
			out.Errors = map[int]*Result{}
		}
		out.Errors[row] = res
	}
	return nil
}

var statusOfBits = [4]Status{Eligible, Unknown, Ineligible, Ineligible}

var (
	statusCodeOfBits = [4]byte{'e', 'u', 'i', 'i'}
	statusCode       = map[Status]byte{Eligible: 'e', Unknown: 'u', Ineligible: 'i'}
)

// A criterion's outcome by key (1 if its value is true, plus 2 if
// unknown): its code, its status and its bits for statusOfBits.
var (
	codeOfKey   = [4]byte{'n', 'm', 'u', 'u'}
	statusOfKey = [4]Status{NotMet, Met, Unknown, Unknown}
	bitsOfKey   = [4]uint8{2, 0, 1, 1}
)

func b2u(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

var codeLetter = map[Status]byte{Met: 'm', NotMet: 'n', Unknown: 'u'}

// fill sets one row of an outcome from a full result.
func (o *Outcome) fill(rs *RuleSet, row int, res *Result) {
	if len(o.StatusCodes) > 0 {
		o.StatusCodes[row] = statusCode[res.Status]
	} else {
		o.Status[row] = res.Status
	}
	for c, cr := range res.Criteria {
		if len(o.Codes) > 0 {
			o.Codes[c][row] = codeLetter[cr.Status]
		} else {
			o.Criteria[c][row] = cr.Status
		}
		o.Unknown[c][row] = maskOf(cr.Unknown)
		if cr.Status == Unknown && o.Unknown[c][row] == 0 {
			o.Unknown[c][row] = errBit
		}
	}
	for v, vr := range res.Values {
		o.Values[v][row], o.ValueUnknown[v][row] = 0, maskOf(vr.Unknown)
		if vr.Value != nil {
			o.Values[v][row] = *vr.Value
		} else if o.ValueUnknown[v][row] == 0 {
			o.ValueUnknown[v][row] = errBit
		}
	}
	if res.Amount != nil {
		o.AmountKnown[row] = res.Amount.Yuan != nil
		o.AmountMask[row] = maskOf(res.Amount.Unknown)
		o.Amount[row] = 0
		if res.Amount.Yuan != nil {
			o.Amount[row] = *res.Amount.Yuan
		}
	}
}

func maskOf(names []string) uint64 {
	var m uint64
	for _, n := range names {
		m |= 1 << fieldIndex[n]
	}
	return m
}

// evalFastOne evaluates one profile with the fast evaluator and explains
// the criteria not met with CEL, which computes their gaps.
func (rs *RuleSet) evalFastOne(p *Profile, asOf time.Time) (*Result, error) {
	return rs.evalFastIn(NewBatch([]*Profile{p}), asOf, &slab{}, asOf.Format(time.DateOnly))
}

func (rs *RuleSet) evalFastIn(b *Batch, asOf time.Time, sl *slab, day string) (*Result, error) {
	fr := rs.fast.frame.Swap(nil)
	if fr == nil && b.Len() == 1 {
		fr = &Frame{zero: make([]uint64, 1)}
	} else if fr == nil || b.Len() > 1 {
		fr = NewFrame()
	}
	if b.Len() == 1 {
		defer rs.fast.frame.Store(fr)
	}
	fr.gaps = true
	out, err := rs.EvaluateBatch(fr, b, asOf)
	fr.gaps = false
	if err != nil {
		return nil, err
	}
	if res, ok := out.Errors[0]; ok {
		return res, nil
	}
	return rs.explainInto(sl, day, b.Profile(0), asOf, out, 0)
}

// Explain turns one row of an outcome into a full result with reasons and
// gaps.
func (rs *RuleSet) Explain(b *Batch, row int, asOf time.Time, out *Outcome) (*Result, error) {
	if res, ok := out.Errors[row]; ok {
		return res, nil
	}
	return rs.explain(b.Profile(row), asOf, out, row)
}

func (rs *RuleSet) explain(p *Profile, asOf time.Time, out *Outcome, row int) (*Result, error) {
	return rs.explainInto(&slab{}, asOf.Format(time.DateOnly), p, asOf, out, row)
}

func (rs *RuleSet) explainInto(sl *slab, day string, p *Profile, asOf time.Time, out *Outcome, row int) (*Result, error) {
	res := rs.layout(sl, day)
	for v := range res.Values {
		if m := out.ValueUnknown[v][row]; m != 0 {
			res.Values[v].Unknown = fieldNames(m)
		} else {
			x := out.Values[v][row]
			res.Values[v].Value = &x
		}
	}
	var a *activation
	var masks []uint64
	for c := range res.Criteria {
		r := &res.Criteria[c]
		r.Status = out.Criteria[c][row]
		if r.Status == Unknown {
			r.Unknown = fieldNames(out.Unknown[c][row])
		}
		if r.Status == NotMet && rs.criteria[c].spec.Gap != nil && out.gaps {
			r.Gap = rs.gapFast(sl, p, c, out, row)
			continue
		}
		if r.Status == NotMet && rs.criteria[c].spec.Gap != nil {
			if a == nil {
				ep, err := rs.epochAt(asOf)
				if err != nil {
					return nil, err
				}
				a = &activation{rs: rs, p: p, asOf: types.Timestamp{Time: asOf}, ep: ep, vals: make([]ref.Val, len(rs.values)), patterns: p.nullPatterns()}
				masks = make([]uint64, len(rs.values))
				for v := range rs.values {
					masks[v] = out.ValueUnknown[v][row]
					if masks[v] == 0 {
						a.vals[v] = types.Double(out.Values[v][row])
					} else {
						a.patterns = append(a.patterns, interpreter.NewAttributePattern("values."+rs.spec.Values[v].Name))
					}
				}
			}
			r.Gap = rs.gapCEL(a, &rs.criteria[c], masks)
		}
	}
	if res.Amount != nil && out.AmountKnown[row] {
		y := out.Amount[row]
		res.Amount.Yuan = &y
	} else if res.Amount != nil {
		res.Amount.Unknown = fieldNames(out.AmountMask[row])
	}
	rs.finish(res)
	return res, nil
}

// run executes the program for rows lo..hi of a batch.
func (fp *fastProg) run(fr *Frame, b *Batch, lo, hi int, ep *epoch, day float64) {
	n := hi - lo
	if fr.prog == fp && fr.n == n && fr.ep == ep && fr.day == day {
		// Same program, step size, parameters and day: only the fields
		// change.
		for _, r := range fp.fieldRegs {
			g := fp.regs[r]
			bit := uint64(1) << g.idx
			m := fr.m[r]
			nulls := b.nulls[lo:hi]
			for i := range m {
				m[i] = nulls[i] & bit
			}
			switch g.kind {
			case kNum:
				fr.f[r] = b.num[g.idx][lo:hi]
			case kStr:
				fr.s[r] = b.str[g.idx][lo:hi]
			case kList:
				fr.l[r] = b.list[g.idx][lo:hi]
			}
		}
		fr.runOps(fp)
		return
	}
	fr.prog, fr.ep, fr.day = fp, ep, day
	fr.n = n
	fr.grow(len(fp.regs))
	for r, g := range fp.regs {
		switch g.src {
		case sTemp:
			if g.kind == kStr {
				fr.s[r] = fr.str(r)
			} else {
				fr.f[r] = fr.num(r)
			}
			fr.m[r] = fr.mask(r)
		case sField:
			bit := uint64(1) << g.idx
			m := fr.mask(r)
			nulls := b.nulls[lo:hi]
			for i := range m {
				m[i] = nulls[i] & bit
			}
			fr.m[r] = m
			switch g.kind {
			case kNum:
				fr.f[r] = b.num[g.idx][lo:hi]
			case kStr:
				fr.s[r] = b.str[g.idx][lo:hi]
			case kList:
				fr.l[r] = b.list[g.idx][lo:hi]
			}
		case sParam, sConst, sAsOf:
			fr.m[r] = fr.zero[:n]
			// Constants and the day are set without boxing them in an
			// interface (which would allocate per register and step).
			if g.src == sConst && g.kind == kStr {
				fillStr(fr, r, g.ks)
				continue
			}
			if g.src == sConst {
				fillNum(fr, r, g.k)
				continue
			}
			if g.src == sAsOf {
				fillNum(fr, r, day)
				continue
			}
			switch x := ep.raw[g.idx].(type) {
			case float64:
				f := fr.num(r)
				for i := range f {
					f[i] = x
				}
				fr.f[r] = f
			case bool:
				f := fr.num(r)
				k := 0.0
				if x {
					k = 1
				}
				for i := range f {
					f[i] = k
				}
				fr.f[r] = f
			case string:
				s := fr.str(r)
				for i := range s {
					s[i] = x
				}
				fr.s[r] = s
			default: // lists and tables
				fr.kany[r] = x
			}
		}
	}
	fr.runOps(fp)
}

func (fr *Frame) runOps(fp *fastProg) {
	for _, op := range fp.ops {
		op(fr)
	}
	if fr.gaps && fp.gapsFast {
		for _, op := range fp.gapOps {
			op(fr)
		}
	}
}

// EvaluateProfile evaluates one profile against many rule sets, laying
// the profile out once: the query behind "programs for you". Many rule
// sets are shared out in contiguous runs among the cores.
func EvaluateProfile(p *Profile, asOf time.Time, sets []*RuleSet) ([]*Result, error) {
	// The evaluation is never released: its memory stays with the results.
	ev, err := EvaluateMany(p, asOf, sets)
	if err != nil {
		return nil, err
	}
	return ev.Results, nil
}

// Evaluation is one profile's results against many rule sets. Its memory
// is reused by a later evaluation once Release is called; after that,
// neither the results nor any string in them may be used.
type Evaluation struct {
	Results []*Result
	mem     *slab
	runs    []*slab
}

var evaluations = sync.Pool{New: func() any { return &Evaluation{mem: &slab{}} }}

// EvaluateMany is EvaluateProfile in memory that the caller hands back
// with Release when it has written the results out.
func EvaluateMany(p *Profile, asOf time.Time, sets []*RuleSet) (*Evaluation, error) {
	ev := evaluations.Get().(*Evaluation)
	ev.Results = resize(ev.Results, len(sets))
	ev.mem.reserve(sets)
	day := asOf.Format(time.DateOnly)
	w := runtime.GOMAXPROCS(0)
	if len(sets) < parallelSets*2 || w < 2 {
		w = 1
	}
	w = min(w, max(1, len(sets)/parallelSets))
	for len(ev.runs) < w {
		ev.runs = append(ev.runs, &slab{})
	}
	all := *ev.mem
	if w == 1 {
		ev.runs[0].share(&all, sets)
		if err := evaluateRun(p, asOf, day, sets, ev.Results, ev.runs[0]); err != nil {
			return nil, err
		}
		return ev, nil
	}
	errs := make([]error, w)
	var wg sync.WaitGroup
	lo := 0
	for k := range w {
		hi := lo + (len(sets)-lo)/(w-k)
		sl := ev.runs[k]
		sl.share(&all, sets[lo:hi])
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			errs[k] = evaluateRun(p, asOf, day, sets[lo:hi], ev.Results[lo:hi], sl)
		}(lo, hi)
		lo = hi
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return ev, nil
}

// Release hands the evaluation's memory back for reuse.
func (ev *Evaluation) Release() {
	clear(ev.Results)
	evaluations.Put(ev)
}

// parallelSets is the fewest rule sets worth a core of their own.
const parallelSets = 64

// evaluateRun evaluates p against sets into out, results laid out in sl:
// the scalar evaluator where it can, the column evaluator for rule sets
// whose gaps need CEL, CEL for the rest and for errors.
func evaluateRun(p *Profile, asOf time.Time, day string, sets []*RuleSet, out []*Result, sl *slab) error {
	st := scalarPool.Get().(*scalar)
	defer scalarPool.Put(st)
	var b *Batch
	for i, rs := range sets {
		if rs.scalarOK() {
			ep, err := rs.epochAt(asOf)
			if err != nil {
				return err
			}
			if res, ok := rs.evalScalar(st, sl, p, ep, asOf, day); ok {
				out[i] = res
				continue
			}
		}
		var res *Result
		var err error
		if rs.fast != nil {
			if b == nil {
				b = NewBatch([]*Profile{p})
			}
			res, err = rs.evalFastIn(b, asOf, sl, day)
		} else {
			res, err = rs.evalCEL(p, asOf)
		}
		if err != nil {
			return err
		}
		out[i] = res
	}
	return nil
}

// gapFast is gapCEL over the numbers the fast evaluator computed.
func (rs *RuleSet) gapFast(sl *slab, p *Profile, c int, out *Outcome, row int) *Gap {
	cr := &rs.criteria[c]
	var bv [8]float64
	var bm [8]uint64
	sv, sm := bv[:0], bm[:0]
	for k := range cr.show {
		sv, sm = append(sv, out.gapShow[c][k][row]), append(sm, out.gapShowMask[c][k][row])
	}
	return rs.gapOf(sl, p, cr, out.gapTarget[c][row], out.gapTargetMask[c][row], sv, sm)
}

func fillNum(fr *Frame, r int, x float64) {
	f := fr.num(r)
	for i := range f {
		f[i] = x
	}
	fr.f[r] = f
}

func fillStr(fr *Frame, r int, x string) {
	st := fr.str(r)
	for i := range st {
		st[i] = x
	}
	fr.s[r] = st
}

// bufSize is the length of a register's buffer for steps of n rows: one
// row for single evaluations, a full step otherwise.
func bufSize(n int) int {
	if n <= 1 {
		return 1
	}
	return BatchSize
}
