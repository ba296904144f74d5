package registry

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// The Unified Social Credit Code of GB 32100-2015: 18 characters over an
// alphabet of 31, the last a check character over the first 17.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// GB 11714 organization code check over positions 9-17.
var orgCodeWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// NormalizeUSCC trims, folds full-width characters to half-width and
// upper-cases.
func NormalizeUSCC(s string) string {
	return strings.ToUpper(width.Narrow.String(strings.TrimSpace(s)))
}

// USCCCheckChar returns the check character for the first 17 characters.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, errors.New("need 17 characters")
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, first17[i])
		if v < 0 {
			return 0, fmt.Errorf("character %d (%q) is not allowed (no I, O, S, V, Z)", i+1, first17[i])
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], nil
}

// ValidateUSCC normalizes s and checks its form and check character. The
// warning, if any, reports a failed GB 11714 check of the embedded
// organization code, which public data often has: it does not reject.
func ValidateUSCC(s string) (code string, warning string, err error) {
	code = NormalizeUSCC(s)
	if code == "" {
		return "", "", errors.New("is required")
	}
	if n := utf8.RuneCountInString(code); n != 18 || len(code) != 18 {
		return code, "", fmt.Errorf("must be 18 characters, not %d", n)
	}
	want, err := USCCCheckChar(code[:17])
	if err != nil {
		return code, "", err
	}
	if strings.IndexByte(usccAlphabet, code[17]) < 0 {
		return code, "", fmt.Errorf("character 18 (%q) is not allowed (no I, O, S, V, Z)", code[17])
	}
	if code[17] != want {
		return code, "", fmt.Errorf("check character is %c, expected %c", code[17], want)
	}
	if !orgCodeValid(code[8:17]) {
		warning = "the organization code (positions 9-17) fails its GB 11714 check"
	}
	return code, warning, nil
}

func orgCodeValid(c string) bool {
	sum := 0
	for i := 0; i < 8; i++ {
		ch := c[i]
		var v int
		switch {
		case ch >= '0' && ch <= '9':
			v = int(ch - '0')
		case ch >= 'A' && ch <= 'Z':
			v = int(ch-'A') + 10
		default:
			return false
		}
		sum += v * orgCodeWeights[i]
	}
	var want byte
	switch r := 11 - sum%11; r {
	case 10:
		want = 'X'
	case 11:
		want = '0'
	default:
		want = byte('0' + r)
	}
	return c[8] == want
}

// MakeUSCC completes 17 characters with their check character; the
// generators use it to make valid codes.
func MakeUSCC(first17 string) string {
	c, err := USCCCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}

// OrgCodeCheck returns the GB 11714 check character for 8 characters.
func OrgCodeCheck(first8 string) byte {
	sum := 0
	for i := 0; i < 8; i++ {
		ch := first8[i]
		v := int(ch - '0')
		if ch >= 'A' && ch <= 'Z' {
			v = int(ch-'A') + 10
		}
		sum += v * orgCodeWeights[i]
	}
	switch r := 11 - sum%11; r {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + r)
	}
}

// DivisionCodes are the GB/T 2260 administrative division codes of the
// districts, which form positions 3-8 of a credit code registered there.
var DivisionCodes = map[string]string{
	"huangpu": "310101", "xuhui": "310104", "changning": "310105", "jingan": "310106",
	"putuo": "310107", "hongkou": "310109", "yangpu": "310110", "minhang": "310112",
	"baoshan": "310113", "jiading": "310114", "pudong": "310115", "jinshan": "310116",
	"songjiang": "310117", "qingpu": "310118", "fengxian": "310120", "chongming": "310151",
}

// SynthUSCC makes a valid credit code for generated data: the registration
// authority and type (for example "91" for an enterprise, "12" for a public
// institution, "11" for a government organ), the district's division code,
// and an organization code built from seq with its own GB 11714 check.
func SynthUSCC(authType, district string, seq uint64) string {
	div, ok := DivisionCodes[district]
	if !ok {
		div = "310000"
	}
	body := strconv.FormatUint(seq%100000000, 10)
	body = strings.Repeat("0", 8-len(body)) + body
	return MakeUSCC(authType + div + body + string(OrgCodeCheck(body)))
}
