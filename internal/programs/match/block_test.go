package match

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

func randomRows(r *rand.Rand, block int64) []row {
	var rows []row
	for org := block * BlockSize; org < (block+1)*BlockSize; org++ {
		if r.IntN(20) != 0 {
			continue
		}
		n := 1 + r.IntN(9)
		out := make([]byte, n)
		x := row{org: org, eligible: r.IntN(2) == 0, amount: -1, fields: r.Uint64() >> r.IntN(64)}
		for i := range out {
			out[i] = "mnu"[r.IntN(3)]
			switch out[i] {
			case 'm':
				x.met++
			case 'n':
				x.notMet++
			default:
				x.unknown++
			}
		}
		if r.IntN(2) == 0 {
			x.amount = r.Int64N(1 << 40)
		}
		x.outcomes = string(out)
		rows = append(rows, x)
	}
	return rows
}

func TestBlockRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, block := range []int64{0, 1, 244, 1 << 30} {
		rows := randomRows(r, block)
		data := encodeBlock(block, rows)
		got, err := decodeBlock(nil, block, data)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, rows) {
			t.Fatalf("block %d: %d rows in, %d out", block, len(rows), len(got))
		}
		// The same pairs always encode the same; one change shows.
		if !bytes.Equal(encodeBlock(block, got), data) {
			t.Fatal("encoding not stable")
		}
		got[len(got)/2].outcomes = "u" + got[len(got)/2].outcomes[1:]
		if got[len(got)/2].outcomes != rows[len(rows)/2].outcomes && bytes.Equal(encodeBlock(block, got), data) {
			t.Fatal("a changed outcome encodes the same")
		}
	}
	bs := splitBlocks(append(randomRows(r, 3), randomRows(r, 5)...))
	if len(bs) != 2 || bs[0].block != 3 || bs[1].block != 5 || bs[0].eligible+bs[0].unknown != len(bs[0].rows) {
		t.Fatalf("split: %d blocks", len(bs))
	}
}

func TestDiffRows(t *testing.T) {
	old := []row{{org: 1, eligible: true, outcomes: "m"}, {org: 2, outcomes: "u"}, {org: 4, outcomes: "u"}}
	cur := []row{{org: 2, eligible: true, outcomes: "m"}, {org: 3, eligible: true, outcomes: "m"}, {org: 4, outcomes: "u"}}
	var st Stats
	became := diffRows(&st, old, cur, map[int64]bool{2: true, 3: true}, nil)
	if st.Inserted != 1 || st.Updated != 1 || st.Deleted != 1 || st.Unchanged != 1 || !slices.Equal(became, []int64{2, 3}) {
		t.Fatalf("%+v %v", st, became)
	}
}

// FuzzDecodeBlock: the decoder never panics, and what it decodes encodes
// back to the same bytes.
func FuzzDecodeBlock(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	f.Add(int64(0), encodeBlock(0, randomRows(r, 0)))
	f.Add(int64(7), encodeBlock(7, randomRows(r, 7)))
	f.Add(int64(1), []byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, block int64, data []byte) {
		if block < 0 || block > 1<<40 {
			return
		}
		rows, err := decodeBlock(nil, block, data)
		if err != nil {
			return
		}
		again, err := decodeBlock(nil, block, encodeBlock(block, rows))
		if err != nil || !slices.Equal(again, rows) {
			t.Fatalf("re-encoding changed the pairs: %v", err)
		}
	})
}
