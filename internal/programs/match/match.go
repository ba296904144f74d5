// Package match runs every enterprise of the registry against every open
// program with the rules engine's batch evaluator and keeps the outcome:
// the eligible and unknown pairs in match_blocks (per block of
// organization ids), the counts per program
// in match_programs. It re-matches one program when it is published or
// changed and one organization when its profile changes, and tells an
// enterprise's members, once per program, when it becomes eligible.
package match

import (
	"bytes"
	"context"
	"database/sql"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/programs"
	"rainforest/internal/registry"
)

// Service is the matcher.
type Service struct {
	DB       *db.DB
	Programs *programs.Service
	Notifier *notify.Notifier
	// Workers evaluating programs in parallel (default GOMAXPROCS).
	Workers int
	// ChunkSize is how many enterprises are laid out per batch (default 65536).
	ChunkSize int
	// OnEligible, when set, hears inside the writing transaction which
	// enterprises with members became eligible for a program, as they are
	// notified (the incubation module tells their carriers' operators).
	OnEligible func(ctx context.Context, tx *sql.Tx, p programs.Program, orgs []int64) error
}

// system reads every program and every profile; it shows nothing to anyone.
var system = &auth.Principal{Role: auth.RoleAdmin, Email: "matching"}

// Stats is what a run did.
type Stats struct {
	Programs    int   `json:"programs"`
	Enterprises int   `json:"enterprises"`
	Invalid     int   `json:"invalid_profiles"`
	Pairs       int64 `json:"pairs"`
	Eligible    int64 `json:"eligible"`
	Unknown     int64 `json:"unknown"`
	Ineligible  int64 `json:"ineligible"`
	Inserted    int64 `json:"inserted"`
	Updated     int64 `json:"updated"`
	Deleted     int64 `json:"deleted"`
	// Blocks is how many stored blocks were written or deleted.
	Blocks    int64         `json:"blocks_written"`
	Unchanged int64         `json:"unchanged"`
	Notified  int           `json:"notified"`
	Load      time.Duration `json:"load_ns"`
	Eval      time.Duration `json:"eval_ns"`
	Write     time.Duration `json:"write_ns"`
	// AsOf is the day the rules were applied as of.
	AsOf time.Time `json:"as_of"`
}

func (s *Stats) add(o Stats) {
	s.Pairs += o.Pairs
	s.Eligible += o.Eligible
	s.Unknown += o.Unknown
	s.Ineligible += o.Ineligible
	s.Inserted += o.Inserted
	s.Updated += o.Updated
	s.Deleted += o.Deleted
	s.Unchanged += o.Unchanged
	s.Notified += o.Notified
	s.Blocks += o.Blocks
}

// row is one stored pair.
type row struct {
	org      int64
	eligible bool
	amount   int64 // -1: none
	met      int
	notMet   int
	unknown  int
	outcomes string
	fields   uint64
}

func (r row) status() string {
	if r.eligible {
		return "eligible"
	}
	return "unknown"
}

func (r row) same(o row) bool {
	return r.eligible == o.eligible && r.amount == o.amount && r.outcomes == o.outcomes && r.fields == o.fields
}

// enterprises is the registry's enterprises laid out for the evaluator.
type enterprises struct {
	ids     []int64
	batches []*rules.Batch
	starts  []int
	invalid int
}

// columnsFor is the mask of the fields the rule sets read: matching sees
// every field, as the registry's own preview does, but reads only these
// (and those the profile's own consistency checks compare).
func columnsFor(sets []*rules.RuleSet) uint64 {
	var mask uint64
	for _, rs := range sets {
		mask |= rs.Fields()
	}
	return mask
}

func (s *Service) chunk() int {
	if s.ChunkSize <= 0 {
		return 65536
	}
	return s.ChunkSize
}

func (s *Service) workers() int {
	if s.Workers <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return s.Workers
}

// load reads the enterprises (one when orgID is not 0). The city is read
// in as many ranges of ids as there are workers, each streamed by its own
// query and decoded on its own core, and the ranges laid end to end.
func (s *Service) load(ctx context.Context, orgID int64, cols uint64) (*enterprises, error) {
	if orgID != 0 {
		return s.loadRange(ctx, orgID, orgID, cols)
	}
	var lo, hi sql.NullInt64
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT MIN(id), MAX(id) FROM orgs WHERE kind = 'enterprise'`).Scan(&lo, &hi); err != nil {
		return nil, apperr.Wrap(err, "match profiles")
	}
	if !lo.Valid {
		return &enterprises{}, nil
	}
	w := int64(s.workers())
	if n := hi.Int64 - lo.Int64 + 1; n < w*1024 {
		w = 1
	}
	parts := make([]*enterprises, w)
	errs := make([]error, w)
	step := (hi.Int64 - lo.Int64 + w) / w
	var wg sync.WaitGroup
	for i := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := lo.Int64 + i*step
			parts[i], errs[i] = s.loadRange(ctx, a, min(a+step-1, hi.Int64), cols)
		}()
	}
	wg.Wait()
	e := &enterprises{}
	for i, p := range parts {
		if errs[i] != nil {
			return nil, errs[i]
		}
		for j := range p.batches {
			e.starts = append(e.starts, len(e.ids)+p.starts[j])
		}
		e.batches = append(e.batches, p.batches...)
		e.ids = append(e.ids, p.ids...)
		e.invalid += p.invalid
	}
	return e, nil
}

// loadRange reads the enterprises whose ids are in [lo, hi].
func (s *Service) loadRange(ctx context.Context, lo, hi int64, fields uint64) (*enterprises, error) {
	pc := registry.NewProfileColumns(fields, true)
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id`+pc.Select()+` FROM orgs WHERE kind = 'enterprise' AND id BETWEEN $1 AND $2 ORDER BY id`, lo, hi)
	if err != nil {
		return nil, apperr.Wrap(err, "match profiles")
	}
	defer rows.Close()
	e := &enterprises{}
	var cur *rules.Batch
	flush := func() {
		if cur == nil {
			return
		}
		e.starts = append(e.starts, len(e.ids)-cur.Len())
		e.batches = append(e.batches, cur)
		cur = nil
	}
	prof := &rules.Profile{}
	var id int64
	dest := append([]any{&id}, pc.Dest()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, apperr.Wrap(err, "match profile scan")
		}
		if err := pc.Fill(prof); err != nil {
			e.invalid++
			continue
		}
		if cur == nil {
			cur = rules.NewBatchCap(s.chunk())
		}
		e.ids = append(e.ids, id)
		cur.Append(prof)
		if cur.Len() == s.chunk() {
			flush()
		}
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "match profiles")
	}
	flush()
	return e, nil
}

// openPrograms lists the published programs open on day, with their rule
// sets (one program when id is not 0).
func (s *Service) openPrograms(ctx context.Context, id int64) ([]programs.Program, []*rules.RuleSet, error) {
	ps, err := s.Programs.List(ctx, system, programs.Filter{Status: programs.Published, OpenOnly: true})
	if err != nil {
		return nil, nil, err
	}
	if id != 0 {
		ps = slices.DeleteFunc(ps, func(p programs.Program) bool { return p.ID != id })
	}
	slices.SortFunc(ps, func(a, b programs.Program) int { return int(a.ID - b.ID) })
	sets := make([]*rules.RuleSet, len(ps))
	for i := range ps {
		if sets[i], err = s.Programs.RuleSet(&ps[i]); err != nil {
			return nil, nil, err
		}
	}
	return ps, sets, nil
}

// result is one program's outcome over the enterprises.
type result struct {
	prog       programs.Program
	rows       []row // eligible and unknown, by org id
	blocks     []blocked
	ineligible int64
	err        error
}

// evaluate runs one rule set over every batch.
func evaluate(fr *rules.Frame, rs *rules.RuleSet, e *enterprises, asOf time.Time) ([]row, int64, error) {
	var out []row
	var inel int64
	nc := len(rs.Spec().Criteria)
	buf := make([]byte, nc)
	for bi, b := range e.batches {
		o, err := rs.EvaluateBatch(fr, b, asOf)
		if err != nil {
			return nil, 0, err
		}
		base := e.starts[bi]
		for i := 0; i < o.N; i++ {
			st := o.StatusCodes[i]
			if st == 'i' {
				inel++
				continue
			}
			r := row{org: e.ids[base+i], eligible: st == 'e', amount: -1}
			for c := 0; c < nc; c++ {
				cs := o.Codes[c][i]
				buf[c] = cs
				switch cs {
				case 'm':
					r.met++
				case 'n':
					r.notMet++
				default:
					r.unknown++
					r.fields |= o.Unknown[c][i]
				}
			}
			if o.AmountKnown != nil && rs.Spec().Amount != nil && o.AmountKnown[i] {
				r.amount = o.Amount[i]
			}
			r.outcomes = string(buf)
			out = append(out, r)
		}
	}
	return out, inel, nil
}

// Run matches the enterprises against the open programs: all of both, or
// one program (programID), or one organization (orgID). It writes only
// the pairs that changed.
func (s *Service) Run(ctx context.Context, programID, orgID int64) (Stats, error) {
	var st Stats
	t0 := time.Now()
	asOf := today(s.DB.Now())
	st.AsOf = asOf
	ps, sets, err := s.openPrograms(ctx, programID)
	if err != nil {
		return st, err
	}
	e, err := s.load(ctx, orgID, columnsFor(sets))
	if err != nil {
		return st, err
	}
	st.Programs, st.Enterprises, st.Invalid = len(ps), len(e.ids), e.invalid
	st.Load = time.Since(t0)
	members, err := s.orgsWithMembers(ctx, orgID)
	if err != nil {
		return st, err
	}

	// Workers evaluate programs; the writer stores each program's outcome
	// in order of completion, one transaction per program.
	t1 := time.Now()
	jobs := make(chan int)
	results := make(chan result, s.workers())
	var wg sync.WaitGroup
	for w := 0; w < s.workers(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fr := rules.NewCodeFrame()
			for i := range jobs {
				rows, inel, err := evaluate(fr, sets[i], e, asOf)
				var blocks []blocked
				if orgID == 0 {
					blocks = splitBlocks(rows)
				}
				results <- result{prog: ps[i], rows: rows, blocks: blocks, ineligible: inel, err: err}
			}
		}()
	}
	go func() {
		for i := range ps {
			select {
			case jobs <- i:
			case <-ctx.Done():
			}
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	var firstErr error
	var writing time.Duration
	for res := range results {
		if firstErr != nil {
			continue
		}
		if res.err != nil {
			firstErr = res.err
			continue
		}
		tw := time.Now()
		ws, err := s.store(ctx, res, asOf, orgID, len(e.ids), members)
		writing += time.Since(tw)
		if err != nil {
			firstErr = err
			continue
		}
		st.add(ws)
	}
	if firstErr != nil {
		return st, firstErr
	}
	if programID == 0 && orgID == 0 {
		// Programs no longer open keep no results.
		if err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
			var a db.Args
			ids := make([]int64, len(ps))
			for i := range ps {
				ids[i] = ps[i].ID
			}
			cond := "TRUE"
			if len(ids) > 0 {
				cond = "program_id NOT IN (" + db.List(&a, ids) + ")"
			}
			var n int64
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(eligible + unknown), 0) FROM match_blocks WHERE `+cond, a...).Scan(&n); err != nil {
				return apperr.Wrap(err, "match prune")
			}
			st.Deleted += n
			if _, err := tx.ExecContext(ctx, `DELETE FROM match_blocks WHERE `+cond, a...); err != nil {
				return apperr.Wrap(err, "match prune")
			}
			_, err = tx.ExecContext(ctx, `DELETE FROM match_programs WHERE `+cond, a...)
			return apperr.Wrap(err, "match prune")
		}); err != nil {
			return st, err
		}
	}
	st.Write = writing
	st.Eval = time.Since(t1) - writing
	return st, nil
}

// orgsWithMembers lists the enterprises someone can be told about.
func (s *Service) orgsWithMembers(ctx context.Context, orgID int64) (map[int64]bool, error) {
	q := `SELECT DISTINCT org_id FROM memberships`
	args := []any{}
	if orgID != 0 {
		q += ` WHERE org_id = $1`
		args = append(args, orgID)
	}
	rows, err := s.DB.Read.QueryContext(ctx, q, args...)
	ids, err := db.Collect(rows, err, "match members", func(sc interface{ Scan(...any) error }) (int64, error) {
		var id int64
		err := sc.Scan(&id)
		return id, err
	})
	if err != nil {
		return nil, err
	}
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m, nil
}

// store writes one program's outcome block by block: a block whose
// encoding is what is stored is left alone; a changed block is compared
// pair by pair (for the counts and the notices) and rewritten; a block
// with no eligible or unknown enterprise left is deleted. Every enterprise
// that became eligible is told.
func (s *Service) store(ctx context.Context, res result, asOf time.Time, orgID int64, enterprises int, members map[int64]bool) (Stats, error) {
	var st Stats
	p := res.prog
	st.Ineligible = res.ineligible
	st.Pairs = int64(len(res.rows)) + res.ineligible
	for _, r := range res.rows {
		if r.eligible {
			st.Eligible++
		} else {
			st.Unknown++
		}
	}
	day := asOf.Format(time.DateOnly)
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		st.Inserted, st.Updated, st.Deleted, st.Unchanged, st.Notified, st.Blocks = 0, 0, 0, 0, 0, 0
		one := int64(-1)
		if orgID != 0 {
			one = blockOf(orgID)
		}
		old, err := readBlocks(ctx, tx, p.ID, one)
		if err != nil {
			return err
		}
		nb := res.blocks
		var oldOrg []row
		if orgID != 0 {
			// One organization: its block is the stored one with its pair
			// replaced.
			var rows []row
			if len(old) > 0 {
				if rows, err = decodeBlock(nil, old[0].block, old[0].data); err != nil {
					return apperr.Wrap(err, "match block")
				}
			}
			merged := make([]row, 0, len(rows)+1)
			added := false
			for _, r := range rows {
				if r.org == orgID {
					oldOrg = append(oldOrg, r)
					continue
				}
				if !added && r.org > orgID {
					merged = append(merged, res.rows...)
					added = true
				}
				merged = append(merged, r)
			}
			if !added {
				merged = append(merged, res.rows...)
			}
			nb = splitBlocks(merged)
		}
		now := s.DB.Now()
		var becameEligible []int64
		var put, del *sql.Stmt
		write := func(bl *blocked) error {
			if put == nil {
				if put, err = tx.PrepareContext(ctx, `INSERT INTO match_blocks (program_id, block, eligible, unknown, data, rules_version, as_of, computed_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
					ON CONFLICT (program_id, block) DO UPDATE SET eligible = excluded.eligible, unknown = excluded.unknown, data = excluded.data,
					rules_version = excluded.rules_version, as_of = excluded.as_of, computed_at = excluded.computed_at`); err != nil {
					return apperr.Wrap(err, "match block write")
				}
			}
			st.Blocks++
			_, err := put.ExecContext(ctx, p.ID, bl.block, bl.eligible, bl.unknown, bl.data, p.Version, day, now)
			return apperr.Wrap(err, "match block write")
		}
		remove := func(sb storedBlock) error {
			rows, err := decodeBlock(nil, sb.block, sb.data)
			if err != nil {
				return apperr.Wrap(err, "match block")
			}
			st.Deleted += int64(len(rows))
			if del == nil {
				if del, err = tx.PrepareContext(ctx, `DELETE FROM match_blocks WHERE program_id = $1 AND block = $2`); err != nil {
					return apperr.Wrap(err, "match block delete")
				}
			}
			st.Blocks++
			_, err = del.ExecContext(ctx, p.ID, sb.block)
			return apperr.Wrap(err, "match block delete")
		}
		defer func() {
			if put != nil {
				put.Close()
			}
			if del != nil {
				del.Close()
			}
		}()
		i := 0
		var prev []row
		for k := range nb {
			bl := &nb[k]
			for i < len(old) && old[i].block < bl.block {
				if err := remove(old[i]); err != nil {
					return err
				}
				i++
			}
			prev = prev[:0]
			if i < len(old) && old[i].block == bl.block {
				sb := old[i]
				i++
				if bytes.Equal(sb.data, bl.data) {
					st.Unchanged += int64(len(bl.rows))
					continue
				}
				if prev, err = decodeBlock(prev, sb.block, sb.data); err != nil {
					return apperr.Wrap(err, "match block")
				}
			}
			becameEligible = diffRows(&st, prev, bl.rows, members, becameEligible)
			if err := write(bl); err != nil {
				return err
			}
		}
		for ; i < len(old); i++ {
			if err := remove(old[i]); err != nil {
				return err
			}
		}
		if s.OnEligible != nil && len(becameEligible) > 0 {
			if err := s.OnEligible(ctx, tx, p, becameEligible); err != nil {
				return err
			}
		}
		for _, org := range becameEligible {
			n, err := s.Notifier.ToOrg(ctx, tx, org, eligibleMessage(p, org))
			if err != nil {
				return err
			}
			if n > 0 {
				st.Notified++
			}
		}
		if orgID != 0 {
			// One organization changed: adjust the program's counts.
			return adjustCounts(ctx, tx, p, oldOrg, res.rows, enterprises, day, now)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO match_programs (program_id, rules_version, as_of, enterprises, eligible, unknown, ineligible, computed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (program_id) DO UPDATE SET rules_version = excluded.rules_version, as_of = excluded.as_of, enterprises = excluded.enterprises,
			eligible = excluded.eligible, unknown = excluded.unknown, ineligible = excluded.ineligible, computed_at = excluded.computed_at`,
			p.ID, p.Version, day, enterprises, st.Eligible, st.Unknown, st.Ineligible, now)
		return apperr.Wrap(err, "match program state")
	})
	return st, err
}

// diffRows counts how the pairs of one block moved from old to cur (both
// in org order) and appends the enterprises with members that became
// eligible.
func diffRows(st *Stats, old, cur []row, members map[int64]bool, became []int64) []int64 {
	i := 0
	for _, r := range cur {
		for i < len(old) && old[i].org < r.org {
			st.Deleted++
			i++
		}
		var prev *row
		if i < len(old) && old[i].org == r.org {
			prev = &old[i]
			i++
		}
		switch {
		case prev == nil:
			st.Inserted++
		case !prev.same(r):
			st.Updated++
		default:
			st.Unchanged++
		}
		if r.eligible && (prev == nil || !prev.eligible) && members[r.org] {
			became = append(became, r.org)
		}
	}
	st.Deleted += int64(len(old) - i)
	return became
}

// adjustCounts moves one organization's pair between the counts of a
// program: its old category (eligible, unknown, or absent: ineligible) is
// taken away and its new one added.
func adjustCounts(ctx context.Context, tx *sql.Tx, p programs.Program, old, cur []row, enterprises int, day string, at time.Time) error {
	var d [3]int64 // eligible, unknown, ineligible
	cat := func(rs []row) int {
		if len(rs) == 0 {
			return 2
		}
		if rs[0].eligible {
			return 0
		}
		return 1
	}
	d[cat(old)]--
	d[cat(cur)]++
	res, err := tx.ExecContext(ctx, `UPDATE match_programs SET eligible = eligible + $1, unknown = unknown + $2, ineligible = ineligible + $3, computed_at = $4
		WHERE program_id = $5`, d[0], d[1], d[2], at, p.ID)
	if err != nil {
		return apperr.Wrap(err, "match counts")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// Never matched as a whole: count what is stored.
		_, err = tx.ExecContext(ctx, `INSERT INTO match_programs (program_id, rules_version, as_of, enterprises, eligible, unknown, ineligible, computed_at)
			SELECT $1, $2, $3, $4, COALESCE(SUM(eligible), 0), COALESCE(SUM(unknown), 0), 0, $5
			FROM match_blocks WHERE program_id = $1`, p.ID, p.Version, day, enterprises, at)
		return apperr.Wrap(err, "match counts")
	}
	_, err = tx.ExecContext(ctx, `UPDATE match_programs SET ineligible = 0 WHERE program_id = $1 AND ineligible < 0`, p.ID)
	return apperr.Wrap(err, "match counts")
}

func eligibleMessage(p programs.Program, org int64) notify.Message {
	return notify.Message{
		Kind:  "program.eligible",
		Key:   "program.eligible:" + strconv.FormatInt(p.ID, 10) + ":" + strconv.FormatInt(org, 10),
		Title: notify.Text{Zh: i18n.T("zh", "match.notice.title", p.TitleZh), En: i18n.T("en", "match.notice.title", p.Title("en"))},
		Body:  notify.Text{Zh: i18n.T("zh", "match.notice.body", p.TitleZh), En: i18n.T("en", "match.notice.body", p.Title("en"))},
		Link:  "/programs/" + p.Slug,
	}
}

var shanghai = time.FixedZone("CST", 8*3600)

// today is the day in Shanghai at t, as midnight UTC (how programs count days).
func today(t time.Time) time.Time {
	y, m, d := t.In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
