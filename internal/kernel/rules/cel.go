package rules

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// The functions rules may call besides CEL's standard ones. Each has the
// same meaning on the CEL path and on the fast path (fast.go).
const (
	fnBand          = "band"            // band(table, x): the value of the row x falls in
	fnFullYears     = "full_years"      // full_years(from, to): whole years from one day to another
	fnAddYears      = "add_years"       // add_years(day, n): the same day n years later
	fnMin           = "min"             // min(a, b)
	fnMax           = "max"             // max(a, b)
	fnCeil          = "ceil"            // ceil(x)
	fnFloor         = "floor"           // floor(x)
	fnRound         = "round"           // round(x): half away from zero
	fnMinPart       = "min_part"        // min_part(share, whole): least whole part with part/whole ≥ share
	fnStartsWithAny = "starts_with_any" // starts_with_any(s, list): s begins with one of list
	fnAnyIn         = "any_in"          // any_in(list, list): the lists share an element
)

// bandsType is the CEL type of a banded table parameter.
var bandsType = cel.OpaqueType("rules.bands")

// bandRow is one row of a banded table: the bounds x must satisfy (any
// may be absent) and the row's value.
type bandRow struct {
	GT    *float64 `json:"gt,omitempty"`
	GE    *float64 `json:"ge,omitempty"`
	LT    *float64 `json:"lt,omitempty"`
	LE    *float64 `json:"le,omitempty"`
	Value float64  `json:"value"`
}

func (r bandRow) holds(x float64) bool {
	return (r.GT == nil || x > *r.GT) && (r.GE == nil || x >= *r.GE) &&
		(r.LT == nil || x < *r.LT) && (r.LE == nil || x <= *r.LE)
}

// bandTable is a banded table as a CEL value. Rows are contiguous
// (checkBands), so a lookup only compares x with each row's upper bound.
type bandTable struct {
	rows  []bandRow
	upper []float64 // upper bound of each row but the last
	incl  []bool    // whether that bound belongs to the row
	vals  []float64
}

func newBandTable(rows []bandRow) *bandTable {
	b := &bandTable{rows: rows}
	for i, r := range rows {
		b.vals = append(b.vals, r.Value)
		if i < len(rows)-1 {
			b.upper = append(b.upper, first(r.LT, r.LE))
			b.incl = append(b.incl, r.LE != nil)
		}
	}
	return b
}

func (b *bandTable) lookup(x float64) (float64, bool) {
	if x != x { // NaN holds in no row
		return 0, false
	}
	for i, u := range b.upper {
		if x < u || x == u && b.incl[i] {
			return b.vals[i], true
		}
	}
	return b.vals[len(b.vals)-1], true
}

func (b *bandTable) ConvertToNative(reflect.Type) (any, error) {
	return nil, fmt.Errorf("a banded table has no native form")
}
func (b *bandTable) ConvertToType(t ref.Type) ref.Val {
	if t == types.TypeType {
		return bandsType
	}
	return types.NewErr("cannot convert a banded table to %s", t.TypeName())
}
func (b *bandTable) Equal(o ref.Val) ref.Val { return types.Bool(o == b) }
func (b *bandTable) Type() ref.Type          { return bandsType }
func (b *bandTable) Value() any              { return b.rows }

// celType maps a rules type to its CEL type.
func celType(t Type) *cel.Type {
	switch t {
	case Number:
		return cel.DoubleType
	case String:
		return cel.StringType
	case Date:
		return cel.TimestampType
	case Bool:
		return cel.BoolType
	case Strings:
		return cel.ListType(cel.StringType)
	case Bands:
		return bandsType
	}
	return cel.DynType
}

func dbl(v ref.Val) (float64, bool) {
	d, ok := v.(types.Double)
	return float64(d), ok
}

// fullYears counts whole years from a to b, negative when b is before a.
func fullYears(a, b time.Time) float64 {
	return math.Floor(float64(yyyymmdd(b)-yyyymmdd(a)) / 10000)
}

// minPart is the least whole number x ≥ 0 with x/whole ≥ share, decided by
// the same division a criterion written as part / whole >= share uses.
func minPart(share, whole float64) float64 {
	if !(whole > 0) || !(share > 0) || math.IsInf(share, 0) {
		return 0
	}
	x := math.Ceil(share * whole)
	for x > 0 && (x-1)/whole >= share {
		x--
	}
	for x/whole < share {
		x++
	}
	return x
}

func startsWithAny(s string, list []string) bool {
	for _, p := range list {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func stringsOf(v ref.Val) ([]string, bool) {
	l, ok := v.(traits.Lister)
	if !ok {
		return nil, false
	}
	n := int(l.Size().(types.Int))
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		s, ok := l.Get(types.Int(i)).(types.String)
		if !ok {
			return nil, false
		}
		out = append(out, string(s))
	}
	return out, true
}

func dblFn(name string, f func(float64) float64) cel.EnvOption {
	return cel.Function(name, cel.Overload(name+"_double", []*cel.Type{cel.DoubleType}, cel.DoubleType,
		cel.UnaryBinding(func(v ref.Val) ref.Val {
			x, ok := dbl(v)
			if !ok {
				return types.MaybeNoSuchOverloadErr(v)
			}
			return types.Double(f(x))
		})))
}

func dbl2Fn(name string, f func(a, b float64) float64) cel.EnvOption {
	return cel.Function(name, cel.Overload(name+"_double_double", []*cel.Type{cel.DoubleType, cel.DoubleType}, cel.DoubleType,
		cel.BinaryBinding(func(a, b ref.Val) ref.Val {
			x, ok1 := dbl(a)
			y, ok2 := dbl(b)
			if !ok1 || !ok2 {
				return types.NewErr("no such overload")
			}
			return types.Double(f(x, y))
		})))
}

// functionOptions declares and implements the rules' own functions.
func functionOptions() []cel.EnvOption {
	strList := cel.ListType(cel.StringType)
	return []cel.EnvOption{
		cel.Function(fnBand, cel.Overload("band_bands_double", []*cel.Type{bandsType, cel.DoubleType}, cel.DoubleType,
			cel.BinaryBinding(func(t, x ref.Val) ref.Val {
				b, ok := t.(*bandTable)
				v, ok2 := dbl(x)
				if !ok || !ok2 {
					return types.NewErr("band: wrong arguments")
				}
				out, found := b.lookup(v)
				if !found {
					return types.NewErr("band: no row holds %v", v)
				}
				return types.Double(out)
			}))),
		cel.Function(fnFullYears, cel.Overload("full_years_timestamp_timestamp", []*cel.Type{cel.TimestampType, cel.TimestampType}, cel.DoubleType,
			cel.BinaryBinding(func(a, b ref.Val) ref.Val {
				x, ok1 := a.(types.Timestamp)
				y, ok2 := b.(types.Timestamp)
				if !ok1 || !ok2 {
					return types.NewErr("full_years: wrong arguments")
				}
				return types.Double(fullYears(x.Time, y.Time))
			}))),
		cel.Function(fnAddYears, cel.Overload("add_years_timestamp_double", []*cel.Type{cel.TimestampType, cel.DoubleType}, cel.TimestampType,
			cel.BinaryBinding(func(a, n ref.Val) ref.Val {
				x, ok1 := a.(types.Timestamp)
				y, ok2 := dbl(n)
				if !ok1 || !ok2 || y != math.Trunc(y) || math.Abs(y) > 1000 {
					return types.NewErr("add_years: needs a day and a whole number of years up to 1000")
				}
				return types.Timestamp{Time: x.Time.AddDate(int(y), 0, 0)}
			}))),
		dbl2Fn(fnMin, math.Min),
		dbl2Fn(fnMax, math.Max),
		dblFn(fnCeil, math.Ceil),
		dblFn(fnFloor, math.Floor),
		dblFn(fnRound, math.Round),
		dbl2Fn(fnMinPart, minPart),
		cel.Function(fnStartsWithAny, cel.Overload("starts_with_any_string_list", []*cel.Type{cel.StringType, strList}, cel.BoolType,
			cel.BinaryBinding(func(s, l ref.Val) ref.Val {
				str, ok1 := s.(types.String)
				list, ok2 := stringsOf(l)
				if !ok1 || !ok2 {
					return types.NewErr("starts_with_any: wrong arguments")
				}
				return types.Bool(startsWithAny(string(str), list))
			}))),
		cel.Function(fnAnyIn, cel.Overload("any_in_list_list", []*cel.Type{strList, strList}, cel.BoolType,
			cel.BinaryBinding(func(a, b ref.Val) ref.Val {
				x, ok1 := stringsOf(a)
				y, ok2 := stringsOf(b)
				if !ok1 || !ok2 {
					return types.NewErr("any_in: wrong arguments")
				}
				for _, s := range x {
					if slices.Contains(y, s) {
						return types.True
					}
				}
				return types.False
			}))),
	}
}

// baseEnv declares the profile fields, as_of and the functions; each rule
// set extends it with its parameters and values.
var baseEnv = func() *cel.Env {
	opts := []cel.EnvOption{
		cel.CrossTypeNumericComparisons(true),
		cel.DefaultUTCTimeZone(true),
		cel.ParserExpressionSizeLimit(maxExprLen),
		cel.Variable("as_of", cel.TimestampType),
	}
	for _, f := range Fields {
		opts = append(opts, cel.Variable(f.Name, celType(f.Type)))
	}
	opts = append(opts, functionOptions()...)
	env, err := cel.NewEnv(opts...)
	if err != nil {
		panic(err)
	}
	return env
}()

// maxExprLen bounds the source of one expression.
const maxExprLen = 4000
