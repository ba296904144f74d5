package search

import (
	"maps"
	"slices"
	"testing"
)

// FuzzVec: a term vector read back gives what the analyzer found, and any
// bytes give terms or errCorrupt, never a panic; what they give encodes
// again to a vector that reads the same.
func FuzzVec(f *testing.F) {
	for _, s := range []string{"芯片设计 chip design 3.5", "transfers transferring ＡＢＣ５Ｇ", "", "芯"} {
		f.Add(s, []byte(nil))
	}
	f.Add("", []byte{2, 2, 'a', 'b', 1, 0, 3, 1, 'c', 2, 0, 1, 1, 5})
	f.Add("", []byte{255, 255, 255, 255, 1})
	ix := &Index{Name: "fuzz.vec", Fields: []Field{{Name: "title", Weight: 2}, {Name: "body", Weight: 1}}}
	f.Fuzz(func(t *testing.T, text string, raw []byte) {
		if a, err := ix.analyse(Doc{ID: 1, Fields: map[string]string{"title": text, "body": text + " " + text}}); err == nil {
			got := map[string][]fld{}
			if err := walkVec(a.vec, func(term []byte, fs []fld) { got[string(term)] = slices.Clone(fs) }); err != nil {
				t.Fatalf("%q: %v", text, err)
			}
			want := map[string][]fld{}
			for term, fs := range a.posting {
				for _, x := range fs {
					want[term] = append(want[term], fld{field: x.field, tf: x.tf})
				}
			}
			if !maps.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("%q: read back %v, want %v", text, got, want)
			}
		}
		var terms []string
		post := map[string][]fld{}
		err := walkVec(raw, func(term []byte, fs []fld) {
			terms = append(terms, string(term))
			post[string(term)] = slices.Clone(fs)
		})
		if err != nil {
			if err != errCorrupt {
				t.Fatalf("%x: %v", raw, err)
			}
			return
		}
		if len(terms) != len(post) {
			return // a term repeated: not a vector the engine writes
		}
		// Varints have several encodings: the re-encoding reads back the
		// same terms and fields.
		again := map[string][]fld{}
		if err := walkVec(encodeVec(nil, terms, post), func(term []byte, fs []fld) { again[string(term)] = slices.Clone(fs) }); err != nil {
			t.Fatalf("%x: re-encoded: %v", raw, err)
		}
		if !maps.EqualFunc(post, again, slices.Equal) {
			t.Fatalf("%x: read %v, re-encoded reads %v", raw, post, again)
		}
	})
}
