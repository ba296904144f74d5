package indicators

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
)

// Service computes, caches and reads the indicators.
type Service struct {
	DB *db.DB
	// Interval is how often the background refresher looks for changes
	// (Start); FullEvery how often it recomputes everything regardless.
	Interval  time.Duration
	FullEvery time.Duration

	defs []*Definition
	byID map[string]*Definition
	// mu keeps to one refresh at a time in this process.
	mu sync.Mutex
	// areas caches the districts' names.
	areaMu sync.RWMutex
	areas  []Area
}

// New makes the service with the built-in definitions and any extra ones
// (other modules' indicators).
func New(d *db.DB, extra ...*Definition) *Service {
	s := &Service{DB: d, Interval: 15 * time.Second, FullEvery: time.Hour}
	s.defs = append(Definitions(), extra...)
	s.byID = map[string]*Definition{}
	for _, def := range s.defs {
		s.byID[def.ID] = def
	}
	return s
}

// List returns the definitions in dashboard order.
func (s *Service) List() []*Definition { return s.defs }

// Definition returns one indicator, or a not-found error naming the field.
func (s *Service) Definition(id string) (*Definition, error) {
	if def, ok := s.byID[id]; ok {
		return def, nil
	}
	return nil, apperr.Field("id", "no indicator %q", id).WithCode(apperr.NotFound)
}

// settle is how long an audit entry may wait to be committed after its
// time: entries younger than this are looked at again on the next pass, so
// that a transaction committing after a later one is not missed.
const settle = 10 * time.Second

// Refresh recomputes the indicators whose sources changed since their
// last computation (all of them when full), and writes the cache.
func (s *Service) Refresh(ctx context.Context, full bool) (RefreshResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	now := s.DB.Now()
	month := MonthOf(now)
	states, err := s.states(ctx)
	if err != nil {
		return RefreshResult{}, err
	}
	// The audit entries up to which this pass takes changes in.
	var mark int64
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT id FROM audit_log WHERE at < $1 ORDER BY id DESC LIMIT 1`, now.Add(-settle)).Scan(&mark); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return RefreshResult{}, apperr.Wrap(err, "indicators audit mark")
	}
	stale := map[string]bool{}
	if full {
		for _, def := range s.defs {
			stale[def.ID] = true
		}
	} else {
		low := mark
		for _, def := range s.defs {
			st, ok := states[def.ID]
			switch {
			case !ok, now.Sub(st.FullAt) >= s.FullEvery && s.FullEvery > 0:
				stale[def.ID] = true
			case def.Kind == Snapshot && MonthOf(st.RefreshedAt) != month:
				// A new month needs its first snapshot.
				stale[def.ID] = true
			default:
				low = min(low, st.AuditID)
			}
		}
		changed, err := s.changes(ctx, low)
		if err != nil {
			return RefreshResult{}, err
		}
		for _, def := range s.defs {
			for _, c := range def.Changes {
				if id, ok := changed[c]; ok && id > states[def.ID].AuditID {
					stale[def.ID] = true
				}
			}
		}
	}
	// Ratios follow what they are computed from.
	for _, def := range s.defs {
		for _, a := range def.After {
			if stale[a] {
				stale[def.ID] = true
			}
		}
	}
	res := RefreshResult{Full: full, Recomputed: []string{}}
	pops, err := s.Populations(ctx)
	if err != nil {
		return res, err
	}
	c := &calc{dialect: s.DB.Dialect, q: s.DB.Read, month: month, pops: pops, done: map[string][]Point{}}
	for _, def := range s.defs {
		if !stale[def.ID] {
			continue
		}
		for _, a := range def.After {
			if _, ok := c.done[a]; !ok {
				ps, err := s.cached(ctx, a)
				if err != nil {
					return res, err
				}
				c.done[a] = ps
			}
		}
		t := time.Now()
		if err := s.recompute(ctx, c, def, mark, full || now.Sub(states[def.ID].FullAt) >= s.FullEvery); err != nil {
			return res, err
		}
		slog.DebugContext(ctx, "indicator refreshed", "indicator", def.ID, "ms", time.Since(t).Milliseconds())
		res.Recomputed = append(res.Recomputed, def.ID)
	}
	// The indicators that had no change up to the mark have taken it in
	// too, so that the next pass reads the audit log from there.
	var behind []string
	for _, def := range s.defs {
		if st, ok := states[def.ID]; ok && !stale[def.ID] && st.AuditID < mark {
			behind = append(behind, def.ID)
		}
	}
	if len(behind) > 0 {
		if err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
			for _, id := range behind {
				if _, err := tx.ExecContext(ctx, `UPDATE indicator_state SET audit_id = $1 WHERE indicator = $2 AND audit_id < $1`, mark, id); err != nil {
					return apperr.Wrap(err, "indicator state")
				}
			}
			return nil
		}); err != nil {
			return res, err
		}
	}
	res.Millis = time.Since(start).Milliseconds()
	return res, nil
}

// changes returns, per audit entity and per "entity:action", the latest
// entry after id.
func (s *Service) changes(ctx context.Context, after int64) (map[string]int64, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT entity, action, MAX(id) FROM audit_log WHERE id > $1 GROUP BY entity, action`, after)
	if err != nil {
		return nil, apperr.Wrap(err, "indicators changes")
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var entity, action string
		var id int64
		if err := rows.Scan(&entity, &action, &id); err != nil {
			return nil, apperr.Wrap(err, "indicators changes")
		}
		out[entity] = max(out[entity], id)
		out[entity+":"+action] = max(out[entity+":"+action], id)
		// Workflow actions are named "entity.action".
		if a, ok := strings.CutPrefix(action, entity+"."); ok {
			out[entity+":"+a] = max(out[entity+":"+a], id)
		}
	}
	return out, apperr.Wrap(rows.Err(), "indicators changes")
}

// recompute computes one indicator and writes what differs from the cache
// in one transaction. A snapshot replaces only the current month.
func (s *Service) recompute(ctx context.Context, c *calc, def *Definition, mark int64, full bool) error {
	t := time.Now()
	compute := func(q queryer) ([]Point, error) {
		cc := *c
		cc.q = q
		var ps []Point
		var err error
		if def.compute != nil {
			ps, err = def.compute(ctx, &cc)
		} else {
			ps, err = def.Source(ctx, c.month)
		}
		if err != nil {
			return nil, apperr.Wrap(err, "indicator "+def.ID)
		}
		if def.Kind != Ratio && !def.OwnCity {
			ps = withCity(ps)
		}
		return ps, nil
	}
	var ps []Point
	var err error
	if !def.Hooked {
		// Computed outside the write transaction: reads do not hold up
		// writers.
		if ps, err = compute(s.DB.Read); err != nil {
			return err
		}
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if def.Hooked {
			// The registry hook adds exact deltas to the same rows; count
			// under its lock so that no delta falls between count and write.
			if err := s.lockHooked(ctx, tx); err != nil {
				return err
			}
			if ps, err = compute(tx); err != nil {
				return err
			}
		}
		c.done[def.ID] = ps
		if err := s.write(ctx, tx, def, c.month, ps); err != nil {
			return err
		}
		now := s.DB.Now()
		fullAt := now
		if !full {
			if err := tx.QueryRowContext(ctx, `SELECT full_at FROM indicator_state WHERE indicator = $1`, def.ID).Scan((*dbTime)(&fullAt)); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return apperr.Wrap(err, "indicator state")
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO indicator_state (indicator, refreshed_at, full_at, audit_id, millis) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (indicator) DO UPDATE SET refreshed_at = excluded.refreshed_at, full_at = excluded.full_at, audit_id = excluded.audit_id, millis = excluded.millis`,
			def.ID, now, fullAt, mark, time.Since(t).Milliseconds())
		return apperr.Wrap(err, "indicator state")
	})
}

// write brings the cached rows of def to ps: upserts what changed,
// deletes what is gone (for a snapshot, only in the current month).
func (s *Service) write(ctx context.Context, tx *sql.Tx, def *Definition, month string, ps []Point) error {
	q := `SELECT area, period, value FROM indicator_values WHERE indicator = $1`
	args := []any{def.ID}
	if def.Kind == Snapshot {
		q += ` AND period = $2`
		args = append(args, month)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return apperr.Wrap(err, "indicator cache")
	}
	type key struct{ area, period string }
	have := map[key]int64{}
	for rows.Next() {
		var k key
		var v int64
		if err := rows.Scan(&k.area, &k.period, &v); err != nil {
			rows.Close()
			return apperr.Wrap(err, "indicator cache")
		}
		have[k] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return apperr.Wrap(err, "indicator cache")
	}
	now := s.DB.Now()
	for _, p := range ps {
		k := key{p.Area, p.Period}
		v, ok := have[k]
		delete(have, k)
		if ok && v == p.Value {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO indicator_values (indicator, area, period, value, computed_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (indicator, period, area) DO UPDATE SET value = excluded.value, computed_at = excluded.computed_at`,
			def.ID, p.Area, p.Period, p.Value, now); err != nil {
			return apperr.Wrap(err, "indicator cache")
		}
	}
	for k := range have {
		if _, err := tx.ExecContext(ctx, `DELETE FROM indicator_values WHERE indicator = $1 AND period = $2 AND area = $3`, def.ID, k.period, k.area); err != nil {
			return apperr.Wrap(err, "indicator cache")
		}
	}
	return nil
}

// hookedLock is the advisory lock key of the hooked figures on PostgreSQL
// (SQLite has one writer at a time already).
const hookedLock = 7315210

func (s *Service) lockHooked(ctx context.Context, tx *sql.Tx) error {
	if s.DB.Dialect != db.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, hookedLock)
	return apperr.Wrap(err, "indicator lock")
}

// states reads the refresher's state of every indicator.
func (s *Service) states(ctx context.Context) (map[string]State, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT indicator, refreshed_at, full_at, audit_id, millis FROM indicator_state`)
	if err != nil {
		return nil, apperr.Wrap(err, "indicator state")
	}
	defer rows.Close()
	out := map[string]State{}
	for rows.Next() {
		var st State
		if err := rows.Scan(&st.Indicator, (*dbTime)(&st.RefreshedAt), (*dbTime)(&st.FullAt), &st.AuditID, &st.Millis); err != nil {
			return nil, apperr.Wrap(err, "indicator state")
		}
		out[st.Indicator] = st
	}
	return out, apperr.Wrap(rows.Err(), "indicator state")
}

// States lists the refresher's state in dashboard order.
func (s *Service) States(ctx context.Context) ([]State, error) {
	m, err := s.states(ctx)
	if err != nil {
		return nil, err
	}
	out := []State{}
	for _, def := range s.defs {
		if st, ok := m[def.ID]; ok {
			out = append(out, st)
		}
	}
	return out, nil
}

// cached reads every cached figure of an indicator.
func (s *Service) cached(ctx context.Context, id string) ([]Point, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT area, period, value FROM indicator_values WHERE indicator = $1`, id)
	if err != nil {
		return nil, apperr.Wrap(err, "indicator cache")
	}
	defer rows.Close()
	var out []Point
	for rows.Next() {
		var p Point
		if err := rows.Scan(&p.Area, &p.Period, &p.Value); err != nil {
			return nil, apperr.Wrap(err, "indicator cache")
		}
		out = append(out, p)
	}
	return out, apperr.Wrap(rows.Err(), "indicator cache")
}

// Start runs the refresher until ctx ends: a pass at once (everything,
// the first time), then one every Interval.
func (s *Service) Start(ctx context.Context) {
	for {
		if _, err := s.Refresh(ctx, false); err != nil && ctx.Err() == nil {
			slog.Error("indicators refresh", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.Interval):
		}
	}
}

// dbTime scans a timestamp that SQLite may return as text.
type dbTime time.Time

func (t *dbTime) Scan(v any) error {
	var x db.Time
	if err := x.Scan(v); err != nil {
		return err
	}
	*t = dbTime(x.Time)
	return nil
}

// Areas lists the areas of a dimension, districts by name.
func (s *Service) Areas(ctx context.Context, dim string) ([]Area, error) {
	if dim == ByRegion {
		return Regions, nil
	}
	s.areaMu.RLock()
	as := s.areas
	s.areaMu.RUnlock()
	if as != nil {
		return as, nil
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT slug, name_zh, name_en FROM districts ORDER BY slug`)
	if err != nil {
		return nil, apperr.Wrap(err, "districts")
	}
	defer rows.Close()
	for rows.Next() {
		var a Area
		if err := rows.Scan(&a.Slug, &a.NameZh, &a.NameEn); err != nil {
			return nil, apperr.Wrap(err, "districts")
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "districts")
	}
	as = append(as, unassignedArea)
	s.areaMu.Lock()
	s.areas = as
	s.areaMu.Unlock()
	return as, nil
}

func areaIndex(as []Area, slug string) int {
	return slices.IndexFunc(as, func(a Area) bool { return a.Slug == slug })
}
