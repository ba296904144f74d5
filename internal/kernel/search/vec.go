package search

import (
	"crypto/rand"
	"encoding/binary"
	"runtime"
	"sync"
)

// encodeVec writes a document's term vector: the number of terms, then
// for each term in order its length and bytes, the number of fields it
// occurs in and (field, occurrences) for each, as unsigned varints.
func encodeVec(b []byte, terms []string, posting map[string][]fld) []byte {
	b = binary.AppendUvarint(b, uint64(len(terms)))
	for _, t := range terms {
		b = binary.AppendUvarint(b, uint64(len(t)))
		b = append(b, t...)
		fs := posting[t]
		b = binary.AppendUvarint(b, uint64(len(fs)))
		for _, f := range fs {
			b = binary.AppendUvarint(b, uint64(f.field))
			b = binary.AppendUvarint(b, uint64(f.tf))
		}
	}
	return b
}

// walkVec calls fn for each term of an encoded term vector with the term's
// bytes and its occurrences by field (length unused). Both are reused
// between calls.
func walkVec(b []byte, fn func(term []byte, fs []fld)) error {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return errCorrupt
	}
	b = b[k:]
	var fs []fld
	for range n {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return errCorrupt
		}
		term := b[k : k+int(l)]
		b = b[k+int(l):]
		m, k := binary.Uvarint(b)
		if k <= 0 || m > 64 {
			return errCorrupt
		}
		b = b[k:]
		fs = fs[:0]
		for range m {
			f, k := binary.Uvarint(b)
			if k <= 0 {
				return errCorrupt
			}
			b = b[k:]
			tf, k := binary.Uvarint(b)
			if k <= 0 || tf > 1<<31-1 || f > 1<<16 {
				return errCorrupt
			}
			b = b[k:]
			fs = append(fs, fld{field: int(f), tf: int(tf)})
		}
		fn(term, fs)
	}
	return nil
}

// newEpoch is a random positive number naming one life of an index in one
// database.
func newEpoch() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:])>>2) + 1
}

// analyseAll analyses the documents on every core, keeping their order;
// the first error wins.
func (ix *Index) analyseAll(docs []Doc) ([]*analysed, error) {
	out := make([]*analysed, len(docs))
	workers := min(runtime.GOMAXPROCS(0), len(docs)/32+1)
	if workers <= 1 {
		for i, d := range docs {
			a, err := ix.analyse(d)
			if err != nil {
				return nil, err
			}
			out[i] = a
		}
		return out, nil
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(docs); i += workers {
				a, err := ix.analyse(docs[i])
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = a
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, ix.firstError(docs)
		}
	}
	return out, nil
}

// firstError analyses the documents in order and returns the first
// error, so that a refusal names the same document whatever the workers.
func (ix *Index) firstError(docs []Doc) error {
	for _, d := range docs {
		if _, err := ix.analyse(d); err != nil {
			return err
		}
	}
	return nil
}
