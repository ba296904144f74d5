package match

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"

	"rainforest/internal/kernel/apperr"
)

// BlockSize is how many organization ids share one stored block.
const BlockSize = 4096

func blockOf(org int64) int64 { return org / BlockSize }

// A block is the eligible and unknown enterprises of one program among the
// organization ids [block*BlockSize, (block+1)*BlockSize), in id order.
// Each entry is:
//
//	uvarint  id minus the previous entry's id (the first: minus block*BlockSize)
//	byte     1 eligible, 0 unknown
//	varint   amount in yuan, -1 when none
//	uvarint  mask of the profile fields the unknown criteria need
//	uvarint  number of criteria n, then ceil(n/4) bytes: two bits per
//	         criterion, lowest bits first, 1 met, 2 not met, 3 unknown
var (
	codeOf   = [256]byte{'m': 1, 'n': 2, 'u': 3}
	letterOf = [4]byte{0, 'm', 'n', 'u'}
)

// appendEntry encodes r after prev (the previous id, or the block's first
// id minus nothing for the first entry).
func appendEntry(b []byte, prev int64, r *row) []byte {
	b = binary.AppendUvarint(b, uint64(r.org-prev))
	if r.eligible {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendVarint(b, r.amount)
	b = binary.AppendUvarint(b, r.fields)
	n := len(r.outcomes)
	b = binary.AppendUvarint(b, uint64(n))
	for i := 0; i < n; i += 4 {
		var v byte
		for j := 0; j < 4 && i+j < n; j++ {
			v |= codeOf[r.outcomes[i+j]] << (2 * j)
		}
		b = append(b, v)
	}
	return b
}

// encodeBlock encodes rows of one block (sorted by org).
func encodeBlock(block int64, rows []row) []byte {
	b := make([]byte, 0, len(rows)*8)
	prev := block * BlockSize
	for i := range rows {
		b = appendEntry(b, prev, &rows[i])
		prev = rows[i].org
	}
	return b
}

var errBlock = errors.New("match: corrupt block")

// decodeBlock appends the entries of a stored block to dst.
func decodeBlock(dst []row, block int64, b []byte) ([]row, error) {
	prev := block * BlockSize
	var scratch [64]byte
	for len(b) > 0 {
		d, k := binary.Uvarint(b)
		if k <= 0 || d > BlockSize {
			return dst, errBlock
		}
		b = b[k:]
		if len(b) == 0 {
			return dst, errBlock
		}
		r := row{org: prev + int64(d), eligible: b[0] == 1}
		b = b[1:]
		var k2 int
		if r.amount, k2 = binary.Varint(b); k2 <= 0 {
			return dst, errBlock
		}
		b = b[k2:]
		if r.fields, k2 = binary.Uvarint(b); k2 <= 0 {
			return dst, errBlock
		}
		b = b[k2:]
		n, k3 := binary.Uvarint(b)
		if k3 <= 0 || n > 1024 || uint64(len(b)-k3) < (n+3)/4 {
			return dst, errBlock
		}
		b = b[k3:]
		out := scratch[:0]
		if n > uint64(len(scratch)) {
			out = make([]byte, 0, n)
		}
		for i := uint64(0); i < n; i++ {
			c := letterOf[(b[i/4]>>(2*(i%4)))&3]
			if c == 0 {
				return dst, errBlock
			}
			switch c {
			case 'm':
				r.met++
			case 'n':
				r.notMet++
			default:
				r.unknown++
			}
			out = append(out, c)
		}
		b = b[(n+3)/4:]
		r.outcomes = string(out)
		dst = append(dst, r)
		prev = r.org
	}
	return dst, nil
}

// blocked is one block of a program's new outcome.
type blocked struct {
	block    int64
	rows     []row
	data     []byte
	eligible int
	unknown  int
}

// splitBlocks cuts a program's rows (sorted by org) into encoded blocks.
func splitBlocks(rows []row) []blocked {
	var out []blocked
	for i := 0; i < len(rows); {
		b := blockOf(rows[i].org)
		j := i
		bl := blocked{block: b}
		for j < len(rows) && blockOf(rows[j].org) == b {
			if rows[j].eligible {
				bl.eligible++
			} else {
				bl.unknown++
			}
			j++
		}
		bl.rows = rows[i:j:j]
		bl.data = encodeBlock(b, bl.rows)
		out = append(out, bl)
		i = j
	}
	return out
}

// storedBlock is one block as read back.
type storedBlock struct {
	block int64
	data  []byte
}

// readBlocks reads a program's stored blocks, all of them or one (block >= 0).
func readBlocks(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, programID, block int64) ([]storedBlock, error) {
	query := `SELECT block, data FROM match_blocks WHERE program_id = $1`
	args := []any{programID}
	if block >= 0 {
		query += ` AND block = $2`
		args = append(args, block)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY block`, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "match blocks")
	}
	defer rows.Close()
	var out []storedBlock
	for rows.Next() {
		var sb storedBlock
		if err := rows.Scan(&sb.block, &sb.data); err != nil {
			return nil, apperr.Wrap(err, "match blocks")
		}
		out = append(out, sb)
	}
	return out, apperr.Wrap(rows.Err(), "match blocks")
}

// Pair is one stored eligible or unknown pair, decoded from its block.
type Pair struct {
	ProgramID int64
	OrgID     int64
	Eligible  bool
	// AmountYuan is -1 when the program has no amount or it is not known.
	AmountYuan int64
	// Outcomes has one letter per criterion: m met, n not met, u unknown.
	Outcomes string
	// Fields is the mask of the profile fields the unknown criteria need.
	Fields uint64
}

// Status is "eligible" or "unknown".
func (p Pair) Status() string {
	if p.Eligible {
		return "eligible"
	}
	return "unknown"
}

// Pairs reads the stored pairs of one program, or of every program
// (programID 0), optionally of one organization (orgID not 0).
func (s *Service) Pairs(ctx context.Context, programID, orgID int64) ([]Pair, error) {
	q := `SELECT program_id, block, data FROM match_blocks WHERE TRUE`
	var args []any
	if programID != 0 {
		args = append(args, programID)
		q += ` AND program_id = $1`
	}
	if orgID != 0 {
		args = append(args, blockOf(orgID))
		q += ` AND block = $` + string(rune('0'+len(args)))
	}
	rows, err := s.DB.Read.QueryContext(ctx, q+` ORDER BY program_id, block`, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "match pairs")
	}
	defer rows.Close()
	var out []Pair
	var buf []row
	for rows.Next() {
		var pid, block int64
		var data []byte
		if err := rows.Scan(&pid, &block, &data); err != nil {
			return nil, apperr.Wrap(err, "match pairs")
		}
		if buf, err = decodeBlock(buf[:0], block, data); err != nil {
			return nil, apperr.Wrap(err, "match pairs")
		}
		for _, r := range buf {
			if orgID != 0 && r.org != orgID {
				continue
			}
			out = append(out, Pair{ProgramID: pid, OrgID: r.org, Eligible: r.eligible, AmountYuan: r.amount, Outcomes: r.outcomes, Fields: r.fields})
		}
	}
	return out, apperr.Wrap(rows.Err(), "match pairs")
}
