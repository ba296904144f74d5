package ipnum

import "math/bits"

func mul64(a, b uint64) (hi, lo uint64) { return bits.Mul64(a, b) }

// div128 divides the 128-bit hi:lo by c; the quotient must fit in 64 bits
// (it does: it is at most a, because b <= c in Split's use).
func div128(hi, lo, c uint64) (q, r uint64) { return bits.Div64(hi, lo, c) }
