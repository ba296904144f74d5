package rules

import (
	"math"
	"slices"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/overloads"
	"cel.dev/cel-go/common/types"
)

// fastBuilder compiles checked expressions into fast-evaluator closures.
type fastBuilder struct {
	rs     *RuleSet
	p      *fastProg
	a      *celast.AST
	fields map[int]int // field index → register
	params map[int]int
	asOf   int
}

// buildFast compiles the rule set for the fast evaluator, or leaves
// rs.fast nil when an expression uses CEL beyond the fast subset.
func (rs *RuleSet) buildFast() {
	b := &fastBuilder{rs: rs, p: &fastProg{amount: -1}, fields: map[int]int{}, params: map[int]int{}, asOf: -1}
	for _, e := range rs.values {
		r, ok := b.expr(e)
		if !ok {
			return
		}
		b.p.values = append(b.p.values, r)
	}
	for _, c := range rs.criteria {
		r, ok := b.expr(c.expr)
		if !ok {
			return
		}
		b.p.crit = append(b.p.crit, r)
	}
	if rs.amount != nil {
		r, ok := b.expr(rs.amount)
		if !ok {
			return
		}
		b.p.amount = r
	}
	b.gaps()
	for r, g := range b.p.regs {
		if g.src == sField {
			b.p.fieldRegs = append(b.p.fieldRegs, r)
		}
	}
	rs.fast = b.p
}

// gaps compiles the gap expressions (targets and shown numbers) of the
// criteria into a separate list of steps, run only when a result is
// explained; when one is beyond the fast subset, gaps stay with CEL.
func (b *fastBuilder) gaps() {
	n, ns := len(b.p.ops), len(b.p.sops)
	tgt := make([]int, len(b.rs.criteria))
	show := make([][]int, len(b.rs.criteria))
	for i := range b.rs.criteria {
		c := &b.rs.criteria[i]
		tgt[i] = -1
		if c.target != nil {
			r, ok := b.expr(c.target)
			if !ok {
				b.p.ops, b.p.sops = b.p.ops[:n], b.p.sops[:ns]
				return
			}
			tgt[i] = r
		}
		for _, sh := range c.show {
			r, ok := b.expr(sh.expr)
			if !ok {
				b.p.ops, b.p.sops = b.p.ops[:n], b.p.sops[:ns]
				return
			}
			show[i] = append(show[i], r)
		}
	}
	b.p.gapOps = slices.Clip(b.p.ops[n:])
	b.p.ops = slices.Clip(b.p.ops[:n])
	b.p.gapSops = slices.Clip(b.p.sops[ns:])
	b.p.sops = slices.Clip(b.p.sops[:ns])
	b.p.gapTarget, b.p.gapShow, b.p.gapsFast = tgt, show, true
}

func (b *fastBuilder) expr(e *expr) (int, bool) {
	b.a = e.ast.NativeRep()
	return b.node(b.a.Expr())
}

func (b *fastBuilder) newReg(g reg) int {
	b.p.regs = append(b.p.regs, g)
	return len(b.p.regs) - 1
}

func (b *fastBuilder) temp(k regKind) int { return b.newReg(reg{kind: k, src: sTemp}) }

func (b *fastBuilder) kindOf(e celast.Expr) (regKind, bool) {
	t := b.a.GetType(e.ID())
	switch {
	case t.IsExactType(cel.DoubleType), t.IsExactType(cel.BoolType), t.IsExactType(cel.TimestampType), t.IsExactType(cel.IntType):
		return kNum, true
	case t.IsExactType(cel.StringType):
		return kStr, true
	case t.IsExactType(cel.ListType(cel.StringType)):
		return kList, true
	case t.IsExactType(bandsType):
		return kBand, true
	}
	return 0, false
}

func (b *fastBuilder) node(e celast.Expr) (int, bool) {
	if r, ok := b.a.ReferenceMap()[e.ID()]; ok && r.Name != "" && (e.Kind() == celast.IdentKind || e.Kind() == celast.SelectKind) {
		return b.name(e, r.Name)
	}
	switch e.Kind() {
	case celast.LiteralKind:
		switch v := e.AsLiteral().(type) {
		case types.Double:
			return b.newReg(reg{kind: kNum, src: sConst, k: float64(v)}), true
		case types.Bool:
			k := 0.0
			if v {
				k = 1
			}
			return b.newReg(reg{kind: kNum, src: sConst, k: k}), true
		case types.String:
			return b.newReg(reg{kind: kStr, src: sConst, ks: string(v)}), true
		}
		return 0, false
	case celast.CallKind:
		return b.call(e)
	}
	return 0, false
}

func (b *fastBuilder) name(e celast.Expr, name string) (int, bool) {
	n, ok := b.rs.names[name]
	if !ok {
		return 0, false
	}
	k, ok := b.kindOf(e)
	if !ok {
		return 0, false
	}
	switch n.kind {
	case refField:
		if r, ok := b.fields[n.idx]; ok {
			return r, true
		}
		r := b.newReg(reg{kind: k, src: sField, idx: n.idx})
		b.fields[n.idx] = r
		return r, true
	case refParam:
		if r, ok := b.params[n.idx]; ok {
			return r, true
		}
		r := b.newReg(reg{kind: k, src: sParam, idx: n.idx})
		b.params[n.idx] = r
		return r, true
	case refValue:
		return b.p.values[n.idx], true
	case refAsOf:
		if b.asOf < 0 {
			b.asOf = b.newReg(reg{kind: kNum, src: sAsOf})
		}
		return b.asOf, true
	}
	return 0, false
}

// op adds a step: f for the column evaluator, s for the scalar one.
func (b *fastBuilder) op(f func(fr *Frame), s sop) {
	b.p.ops = append(b.p.ops, f)
	b.p.sops = append(b.p.sops, s)
}

func (b *fastBuilder) call(e celast.Expr) (int, bool) {
	c := e.AsCall()
	if c.IsMemberFunction() {
		return 0, false
	}
	fn := c.FunctionName()
	outK, ok := b.kindOf(e)
	if !ok {
		return 0, false
	}
	if b.a.GetType(e.ID()).IsExactType(cel.IntType) && fn != overloads.TypeConvertInt {
		return 0, false // whole-number arithmetic has CEL's overflow rules
	}
	args := make([]int, len(c.Args()))
	kinds := make([]regKind, len(c.Args()))
	for i, a := range c.Args() {
		r, ok := b.node(a)
		if !ok {
			return 0, false
		}
		args[i] = r
		kinds[i], _ = b.kindOf(a)
		if b.a.GetType(a.ID()).IsExactType(cel.IntType) && fn != operators.Equals && fn != operators.NotEquals &&
			fn != operators.Less && fn != operators.LessEquals && fn != operators.Greater && fn != operators.GreaterEquals {
			return 0, false
		}
	}
	allNum := !slices.ContainsFunc(kinds, func(k regKind) bool { return k != kNum })
	switch fn {
	case operators.LogicalAnd, operators.LogicalOr:
		if len(args) != 2 || !allNum {
			return 0, false
		}
		return b.logic(args[0], args[1], fn == operators.LogicalOr), true
	case operators.LogicalNot:
		o := b.temp(kNum)
		x := args[0]
		b.op(func(fr *Frame) {
			a, am, out, om := fr.f[x], fr.m[x], fr.f[o], fr.m[o]
			for i := range out {
				out[i], om[i] = 1-a[i], am[i]
			}
		}, sop{code: scNot, o: int32(o), x: int32(x)})
		return o, true
	case operators.Negate:
		if !allNum {
			return 0, false
		}
		return b.unary(args[0], func(x float64) float64 { return -x }), true
	case operators.Conditional:
		if kinds[0] != kNum || kinds[1] != kinds[2] || (kinds[1] != kNum && kinds[1] != kStr) {
			return 0, false
		}
		return b.cond(args[0], args[1], args[2], kinds[1]), true
	case operators.Equals, operators.NotEquals, operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals:
		if kinds[0] != kinds[1] || (kinds[0] != kNum && kinds[0] != kStr) {
			return 0, false
		}
		return b.compare(fn, args[0], args[1], kinds[0]), true
	case operators.Add, operators.Subtract, operators.Multiply, operators.Divide:
		if !allNum || !b.a.GetType(e.ID()).IsExactType(cel.DoubleType) {
			return 0, false
		}
		return b.arith(fn, args[0], args[1]), true
	case operators.In:
		if kinds[0] != kStr || kinds[1] != kList {
			return 0, false
		}
		return b.in(args[0], args[1]), true
	case overloads.TypeConvertInt:
		if kinds[0] != kNum || !b.a.GetType(c.Args()[0].ID()).IsExactType(cel.DoubleType) {
			return 0, false
		}
		o := b.temp(kNum)
		x := args[0]
		b.op(func(fr *Frame) {
			a, am, out, om := fr.f[x], fr.m[x], fr.f[o], fr.m[o]
			for i := range out {
				out[i], om[i] = toIntOf(a[i], am[i])
			}
		}, sop{code: scToInt, o: int32(o), x: int32(x)})
		return o, true
	case fnMin:
		return b.binary(args[0], args[1], math.Min), true
	case fnMax:
		return b.binary(args[0], args[1], math.Max), true
	case fnMinPart:
		return b.binary(args[0], args[1], minPart), true
	case fnFullYears:
		return b.binary(args[0], args[1], func(x, y float64) float64 { return math.Floor((y - x) / 10000) }), true
	case fnCeil:
		return b.unary(args[0], math.Ceil), true
	case fnFloor:
		return b.unary(args[0], math.Floor), true
	case fnRound:
		return b.unary(args[0], math.Round), true
	case fnAddYears:
		o := b.temp(kNum)
		x, y := args[0], args[1]
		b.op(func(fr *Frame) {
			a, am, n, nm, out, om := fr.f[x], fr.m[x], fr.f[y], fr.m[y], fr.f[o], fr.m[o]
			for i := range out {
				if v, m := addYearsOf(a[i], am[i], n[i], nm[i]); m != 0 {
					om[i] = m
				} else {
					out[i], om[i] = v, 0
				}
			}
		}, sop{code: scAddYears, o: int32(o), x: int32(x), y: int32(y)})
		return o, true
	case fnBand:
		if b.p.regs[args[0]].src != sParam {
			return 0, false
		}
		o := b.temp(kNum)
		t, x := args[0], args[1]
		b.op(func(fr *Frame) {
			tab := fr.kany[t].(*bandTable)
			a, am, out, om := fr.f[x], fr.m[x], fr.f[o], fr.m[o]
			for i := range out {
				if v, m := bandOf(tab, a[i], am[i]); m != 0 {
					om[i] = m
				} else {
					out[i], om[i] = v, 0
				}
			}
		}, sop{code: scBand, o: int32(o), x: int32(t), y: int32(x)})
		return o, true
	case fnStartsWithAny:
		if kinds[0] != kStr || !b.constList(args[1]) {
			return 0, false
		}
		o := b.temp(kNum)
		x, l := args[0], args[1]
		b.op(func(fr *Frame) {
			list := fr.kany[l].([]string)
			a, am, out, om := fr.s[x], fr.m[x], fr.f[o], fr.m[o]
			for i := range out {
				om[i], out[i] = am[i], 0
				if startsWithAny(a[i], list) {
					out[i] = 1
				}
			}
		}, sop{code: scStartsWithAny, o: int32(o), x: int32(x), y: int32(l)})
		return o, true
	case fnAnyIn:
		if kinds[0] != kList || !b.constList(args[1]) {
			return 0, false
		}
		o := b.temp(kNum)
		x, l := args[0], args[1]
		field := !b.constList(x)
		code := scAnyInConst
		if field {
			code = scAnyInField
		}
		b.op(func(fr *Frame) {
			list := fr.kany[l].([]string)
			out, om := fr.f[o], fr.m[o]
			am := fr.m[x]
			for i := range out {
				var have []string
				if field {
					have = fr.l[x][i]
				} else {
					have = fr.kany[x].([]string)
				}
				om[i], out[i] = am[i], b2f(anyIn(have, list))
			}
		}, sop{code: code, o: int32(o), x: int32(x), y: int32(l)})
		return o, true
	}
	_ = outK
	return 0, false
}

func (b *fastBuilder) constList(r int) bool {
	g := b.p.regs[r]
	return g.kind == kList && g.src == sParam
}

func (b *fastBuilder) unary(x int, f func(float64) float64) int {
	o := b.temp(kNum)
	b.op(func(fr *Frame) {
		a, am, out, om := fr.f[x], fr.m[x], fr.f[o], fr.m[o]
		for i := range out {
			out[i], om[i] = f(a[i]), am[i]
		}
	}, sop{code: scUnary, o: int32(o), x: int32(x), f1: f})
	return o
}

func (b *fastBuilder) binary(x, y int, f func(a, b float64) float64) int {
	o := b.temp(kNum)
	b.op(func(fr *Frame) {
		a, am, c, cm, out, om := fr.f[x], fr.m[x], fr.f[y], fr.m[y], fr.f[o], fr.m[o]
		for i := range out {
			out[i], om[i] = f(a[i], c[i]), am[i]|cm[i]
		}
	}, sop{code: scBinary, o: int32(o), x: int32(x), y: int32(y), f2: f})
	return o
}

func (b *fastBuilder) arith(fn string, x, y int) int {
	o := b.temp(kNum)
	b.op(func(fr *Frame) {
		a, am, c, cm, out, om := fr.f[x], fr.m[x], fr.f[y], fr.m[y], fr.f[o], fr.m[o]
		c, cm, out, om = c[:len(a)], cm[:len(a)], out[:len(a)], om[:len(a)]
		switch fn {
		case operators.Add:
			for i := range a {
				out[i], om[i] = a[i]+c[i], am[i]|cm[i]
			}
		case operators.Subtract:
			for i := range a {
				out[i], om[i] = a[i]-c[i], am[i]|cm[i]
			}
		case operators.Multiply:
			for i := range a {
				out[i], om[i] = a[i]*c[i], am[i]|cm[i]
			}
		case operators.Divide:
			for i := range a {
				out[i], om[i] = a[i]/c[i], am[i]|cm[i]
			}
		}
	}, sop{code: scArith, sub: arithSub[fn], o: int32(o), x: int32(x), y: int32(y)})
	return o
}

func b2f(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

func (b *fastBuilder) compare(fn string, x, y int, k regKind) int {
	o := b.temp(kNum)
	if k == kStr {
		sub := cmpSub[fn]
		b.op(func(fr *Frame) {
			a, am, c, cm, out, om := fr.s[x], fr.m[x], fr.s[y], fr.m[y], fr.f[o], fr.m[o]
			c, cm, out, om = c[:len(a)], cm[:len(a)], out[:len(a)], om[:len(a)]
			for i := range a {
				om[i] = am[i] | cm[i]
			}
			// The operator is chosen once per step, not per row.
			switch sub {
			case subEq:
				for i := range a {
					out[i] = b2f(a[i] == c[i])
				}
			case subNe:
				for i := range a {
					out[i] = b2f(a[i] != c[i])
				}
			default:
				for i := range a {
					out[i] = b2f(compare(sub, a[i], c[i]))
				}
			}
		}, sop{code: scCmpStr, sub: sub, o: int32(o), x: int32(x), y: int32(y)})
		return o
	}
	b.op(func(fr *Frame) {
		a, am, c, cm, out, om := fr.f[x], fr.m[x], fr.f[y], fr.m[y], fr.f[o], fr.m[o]
		c, cm, out, om = c[:len(a)], cm[:len(a)], out[:len(a)], om[:len(a)]
		for i := range a {
			om[i] = am[i] | cm[i]
		}
		switch fn {
		case operators.Equals:
			for i := range a {
				out[i] = b2f(a[i] == c[i])
			}
		case operators.NotEquals:
			for i := range a {
				out[i] = b2f(a[i] != c[i])
			}
		case operators.Less:
			for i := range a {
				out[i] = b2f(a[i] < c[i])
			}
		case operators.LessEquals:
			for i := range a {
				out[i] = b2f(a[i] <= c[i])
			}
		case operators.Greater:
			for i := range a {
				out[i] = b2f(a[i] > c[i])
			}
		case operators.GreaterEquals:
			for i := range a {
				out[i] = b2f(a[i] >= c[i])
			}
		}
	}, sop{code: scCmpNum, sub: cmpSub[fn], o: int32(o), x: int32(x), y: int32(y)})
	return o
}

// logic combines two conditions the way CEL does with unknowns: a known
// false decides &&, a known true decides ||; otherwise the unknowns of
// both sides, and an error when either side failed.
func (b *fastBuilder) logic(x, y int, or bool) int {
	o := b.temp(kNum)
	decide := 0.0
	if or {
		decide = 1
	}
	b.op(func(fr *Frame) {
		a, am, c, cm, out, om := fr.f[x], fr.m[x], fr.f[y], fr.m[y], fr.f[o], fr.m[o]
		for i := range out {
			out[i], om[i] = logicOf(a[i], am[i], c[i], cm[i], decide)
		}
	}, sop{code: scLogic, sub: uint8(decide), o: int32(o), x: int32(x), y: int32(y)})
	return o
}

func (b *fastBuilder) cond(c, t, f int, k regKind) int {
	o := b.temp(k)
	b.op(func(fr *Frame) {
		cv, cm, om := fr.f[c], fr.m[c], fr.m[o]
		tm, fm := fr.m[t], fr.m[f]
		for i := range om {
			switch {
			case cm[i] != 0:
				om[i] = cm[i]
			case cv[i] != 0:
				om[i] = tm[i]
				if k == kStr {
					fr.s[o][i] = fr.s[t][i]
				} else {
					fr.f[o][i] = fr.f[t][i]
				}
			default:
				om[i] = fm[i]
				if k == kStr {
					fr.s[o][i] = fr.s[f][i]
				} else {
					fr.f[o][i] = fr.f[f][i]
				}
			}
		}
	}, sop{code: scCond, o: int32(o), x: int32(c), y: int32(t), z: int32(f)})
	return o
}

func (b *fastBuilder) in(x, l int) int {
	o := b.temp(kNum)
	field := !b.constList(l)
	code := scInConst
	if field {
		code = scInField
	}
	b.op(func(fr *Frame) {
		a, am, lm, out, om := fr.s[x], fr.m[x], fr.m[l], fr.f[o], fr.m[o]
		for i := range out {
			om[i] = am[i] | lm[i]
			var list []string
			if field {
				list = fr.l[l][i]
			} else {
				list = fr.kany[l].([]string)
			}
			out[i] = b2f(slices.Contains(list, a[i]))
		}
	}, sop{code: code, o: int32(o), x: int32(x), y: int32(l)})
	return o
}

var arithSub = map[string]uint8{operators.Add: subAdd, operators.Subtract: subSub, operators.Multiply: subMul, operators.Divide: subDiv}

var cmpSub = map[string]uint8{operators.Equals: subEq, operators.NotEquals: subNe, operators.Less: subLt,
	operators.LessEquals: subLe, operators.Greater: subGt, operators.GreaterEquals: subGe}
