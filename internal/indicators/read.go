package indicators

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/registry"
)

// Query selects a series: the months from..to (YYYY-MM, both included;
// by default the twelve months to this one) and the area to put first.
type Query struct {
	From, To, Area string
}

// MaxMonths is the longest series one request may ask for.
const MaxMonths = 240

// window checks a query's months against the current month.
func (s *Service) window(q Query) (string, string, error) {
	now := MonthOf(s.DB.Now())
	to, from := q.To, q.From
	if to == "" {
		to = now
	}
	if _, err := ParseMonth("to", to); err != nil {
		return "", "", err
	}
	if from == "" {
		from = AddMonths(to, -11)
	}
	if _, err := ParseMonth("from", from); err != nil {
		return "", "", err
	}
	if from > to {
		return "", "", apperr.Field("from", "must not be after to (%s)", to)
	}
	if len(Months(from, to)) > MaxMonths {
		return "", "", apperr.Field("from", "at most %d months at a time", MaxMonths)
	}
	return from, to, nil
}

// checkArea accepts "" (the city), a district, a region or "unassigned"
// as the dimension allows.
func (s *Service) checkArea(ctx context.Context, def *Definition, area string) error {
	if area == "" {
		return nil
	}
	as, err := s.Areas(ctx, def.Dimension)
	if err != nil {
		return err
	}
	if areaIndex(as, area) < 0 {
		if def.Dimension == ByRegion {
			return apperr.Field("district", "no region %q for this indicator", area)
		}
		return apperr.Field("district", "no district %q", area)
	}
	return nil
}

// Series reads an indicator from the cache.
func (s *Service) Series(ctx context.Context, id string, q Query) (*Series, error) {
	def, err := s.Definition(id)
	if err != nil {
		return nil, err
	}
	from, to, err := s.window(q)
	if err != nil {
		return nil, err
	}
	if err := s.checkArea(ctx, def, q.Area); err != nil {
		return nil, err
	}
	all, err := s.read(ctx, []string{def.ID}, from, to)
	if err != nil {
		return nil, err
	}
	return s.build(ctx, def, all[def.ID], from, to, q.Area)
}

// Dashboard reads every indicator for the months from..to in one query.
func (s *Service) Dashboard(ctx context.Context, q Query) ([]*Series, error) {
	from, to, err := s.window(q)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(s.defs))
	for i, d := range s.defs {
		ids[i] = d.ID
	}
	all, err := s.read(ctx, nil, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]*Series, 0, len(s.defs))
	for _, def := range s.defs {
		area := q.Area
		if err := s.checkArea(ctx, def, area); err != nil {
			area = ""
		}
		se, err := s.build(ctx, def, all[def.ID], from, to, area)
		if err != nil {
			return nil, err
		}
		out = append(out, se)
	}
	return out, nil
}

type cachedPoints struct {
	points  []Point
	updated time.Time
}

// read loads the cached figures of the indicators named (all when nil)
// in the months from..to.
func (s *Service) read(ctx context.Context, ids []string, from, to string) (map[string]*cachedPoints, error) {
	q := `SELECT indicator, area, period, value, computed_at FROM indicator_values WHERE period >= $1 AND period <= $2`
	args := []any{from, to}
	if len(ids) == 1 {
		q += ` AND indicator = $3`
		args = append(args, ids[0])
	}
	rows, err := s.DB.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "indicator cache")
	}
	defer rows.Close()
	out := map[string]*cachedPoints{}
	for rows.Next() {
		var id string
		var p Point
		var at dbTime
		if err := rows.Scan(&id, &p.Area, &p.Period, &p.Value, &at); err != nil {
			return nil, apperr.Wrap(err, "indicator cache")
		}
		c := out[id]
		if c == nil {
			c = &cachedPoints{}
			out[id] = c
		}
		c.points = append(c.points, p)
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "indicator cache")
	}
	states, err := s.states(ctx)
	if err != nil {
		return nil, err
	}
	for id, st := range states {
		c := out[id]
		if c == nil {
			c = &cachedPoints{}
			out[id] = c
		}
		c.updated = st.RefreshedAt
	}
	return out, nil
}

// build lays cached points out as a series: every area of the dimension
// (zeros where nothing was recorded), the asked one first.
func (s *Service) build(ctx context.Context, def *Definition, c *cachedPoints, from, to, first string) (*Series, error) {
	as, err := s.Areas(ctx, def.Dimension)
	if err != nil {
		return nil, err
	}
	periods := Months(from, to)
	se := &Series{Indicator: def, From: from, To: to, Periods: periods, City: Row{Area: Area{Slug: City, NameZh: "全市", NameEn: "City"}, Values: make([]int64, len(periods))}}
	rows := make([]Row, len(as))
	for i, a := range as {
		rows[i] = Row{Area: a, Values: make([]int64, len(periods))}
	}
	if c != nil {
		if !c.updated.IsZero() {
			t := c.updated
			se.RefreshedAt = &t
		}
		for _, p := range c.points {
			j := slices.Index(periods, p.Period)
			if j < 0 {
				continue
			}
			if p.Area == City {
				se.City.Values[j] = p.Value
				continue
			}
			if i := areaIndex(as, p.Area); i >= 0 {
				rows[i].Values[j] = p.Value
			}
		}
	}
	total := func(r *Row) {
		r.Total = 0
		if def.Kind == Flow {
			for _, v := range r.Values {
				r.Total += v
			}
		} else if len(r.Values) > 0 {
			// Stocks and ratios: the latest month.
			r.Total = r.Values[len(r.Values)-1]
		}
	}
	total(&se.City)
	for i := range rows {
		total(&rows[i])
	}
	// The unassigned row only when it holds something.
	if i := areaIndex(as, Unassigned); i >= 0 && def.Kind != Ratio {
		empty := true
		for _, v := range rows[i].Values {
			empty = empty && v == 0
		}
		if empty {
			rows = slices.Delete(rows, i, i+1)
		}
	} else if i >= 0 {
		rows = slices.Delete(rows, i, i+1)
	}
	if first != "" {
		if i := slices.IndexFunc(rows, func(r Row) bool { return r.Slug == first }); i > 0 {
			r := rows[i]
			rows = slices.Delete(rows, i, i+1)
			rows = slices.Insert(rows, 0, r)
		}
	}
	se.Rows = rows
	return se, nil
}

// OrgChanged is the registry hook: it adds the exact change of an
// organization to the hooked figures of the current month (an enterprise
// certified, decertified, or moved between districts), inside the
// transaction of the change. Until the month's snapshot exists there is
// nothing to add to; the refresher then counts afresh.
func (s *Service) OrgChanged(ctx context.Context, tx *sql.Tx, before, after registry.Org) error {
	month := MonthOf(s.DB.Now())
	type key struct{ id, area string }
	delta := map[key]int64{}
	add := func(o registry.Org, n int64) {
		if o.Kind != "enterprise" {
			return
		}
		area := Unassigned
		if o.RegisteredDistrict != nil && *o.RegisteredDistrict != "" {
			area = *o.RegisteredDistrict
		}
		for _, def := range s.defs {
			if !def.Hooked {
				continue
			}
			if slices.Contains(o.Certifications, def.cert) {
				delta[key{def.ID, area}] += n
			}
		}
	}
	add(before, -1)
	add(after, 1)
	changed := false
	for _, v := range delta {
		changed = changed || v != 0
	}
	if !changed {
		return nil
	}
	if err := s.lockHooked(ctx, tx); err != nil {
		return err
	}
	now := s.DB.Now()
	for k, v := range delta {
		if v == 0 {
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE indicator_values SET value = value + $1, computed_at = $2 WHERE indicator = $3 AND period = $4 AND area = ''`, v, now, k.id, month)
		if err != nil {
			return apperr.Wrap(err, "indicator delta")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO indicator_values (indicator, area, period, value, computed_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (indicator, period, area) DO UPDATE SET value = indicator_values.value + excluded.value, computed_at = excluded.computed_at`,
			k.id, k.area, month, v, now); err != nil {
			return apperr.Wrap(err, "indicator delta")
		}
	}
	return nil
}
