package indicators

import (
	"context"
	"database/sql"
	"regexp"
	"slices"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
)

// shanghai is the zone of the platform's months (no daylight saving).
var shanghai = time.FixedZone("CST", 8*3600)

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// calc is one computation pass: the engine, the current month, the
// population figures, and the figures computed earlier in the pass.
type calc struct {
	dialect db.Dialect
	q       queryer
	month   string
	pops    []Population
	done    map[string][]Point
}

// tsMonth is the SQL of the Shanghai month (YYYY-MM) of a timestamp
// column; the one place where the engines differ. SQLite keeps UTC text
// ("2006-01-02 15:04:05.999999999+00:00"); Shanghai is UTC+8 all year.
func (c *calc) tsMonth(col string) string {
	if c.dialect == db.Postgres {
		return "to_char(" + col + " AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
	}
	return "strftime('%Y-%m', substr(" + col + ", 1, 19), '+8 hours')"
}

// dateMonth is the SQL of the month of a DATE column.
func (c *calc) dateMonth(col string) string {
	if c.dialect == db.Postgres {
		return "to_char(" + col + ", 'YYYY-MM')"
	}
	return "substr(" + col + ", 1, 7)"
}

// grouped runs a query answering (area, month, value) rows.
func (c *calc) grouped(ctx context.Context, query string, args ...any) ([]Point, error) {
	rows, err := c.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ps []Point
	for rows.Next() {
		var p Point
		var v sql.NullInt64
		if err := rows.Scan(&p.Area, &p.Period, &v); err != nil {
			return nil, err
		}
		if !monthRe.MatchString(p.Period) || p.Period > c.month {
			// A record dated in the future belongs to no month yet.
			continue
		}
		p.Value = v.Int64
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// stock turns additions per (area, month) into the totals at the end of
// each month from the first addition to the current month.
func (c *calc) stock(ctx context.Context, query string, args ...any) ([]Point, error) {
	adds, err := c.grouped(ctx, query, args...)
	if err != nil || len(adds) == 0 {
		return nil, err
	}
	first := c.month
	byArea := map[string]map[string]int64{}
	for _, p := range adds {
		first = min(first, p.Period)
		if byArea[p.Area] == nil {
			byArea[p.Area] = map[string]int64{}
		}
		byArea[p.Area][p.Period] += p.Value
	}
	months := Months(first, c.month)
	var out []Point
	for area, m := range byArea {
		var run int64
		for _, month := range months {
			run += m[month]
			if run != 0 {
				out = append(out, Point{Area: area, Period: month, Value: run})
			}
		}
	}
	return out, nil
}

// withCity adds the city's figure per month: the sum of its areas.
func withCity(ps []Point) []Point {
	sum := map[string]int64{}
	var out []Point
	for _, p := range ps {
		if p.Area == City {
			sum[p.Period] += 0
			continue
		}
		sum[p.Period] += p.Value
		out = append(out, p)
	}
	for period, v := range sum {
		out = append(out, Point{Area: City, Period: period, Value: v})
	}
	return out
}

// population is the district's reference population for a year: the
// figure of that year or the latest before it, else the earliest after.
func (c *calc) population(district string, year int) int64 {
	var best *Population
	for i := range c.pops {
		p := &c.pops[i]
		if p.District != district {
			continue
		}
		switch {
		case best == nil:
			best = p
		case p.Year <= year && (best.Year > year || p.Year > best.Year):
			best = p
		case best.Year > year && p.Year < best.Year:
			best = p
		}
	}
	if best == nil {
		return 0
	}
	return best.Population
}

// perTenThousand divides an indicator's figures by the population, in
// hundredths (rounded half up); the city divides its total by the sum of
// the districts' populations.
func perTenThousand(of string) func(ctx context.Context, c *calc) ([]Point, error) {
	return func(ctx context.Context, c *calc) ([]Point, error) {
		var out []Point
		districts := map[string]bool{}
		for _, p := range c.pops {
			districts[p.District] = true
		}
		for _, p := range c.done[of] {
			year, _ := strconv.Atoi(p.Period[:4])
			var pop int64
			if p.Area == City {
				for d := range districts {
					pop += c.population(d, year)
				}
			} else {
				pop = c.population(p.Area, year)
			}
			if pop <= 0 {
				continue
			}
			out = append(out, Point{Area: p.Area, Period: p.Period, Value: Per10k(p.Value, pop)})
		}
		return out, nil
	}
}

// Per10k is n per 10,000 of pop in hundredths, rounded half up.
func Per10k(n, pop int64) int64 {
	return (n*1000000*2 + pop) / (2 * pop)
}

var monthRe = regexp.MustCompile(`^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$`)

// ParseMonth checks a month written YYYY-MM, naming field when it is not.
func ParseMonth(field, s string) (time.Time, error) {
	if !monthRe.MatchString(s) {
		return time.Time{}, apperr.Field(field, "must be a month, YYYY-MM")
	}
	t, err := time.ParseInLocation("2006-01", s, shanghai)
	if err != nil {
		return time.Time{}, apperr.Field(field, "must be a month, YYYY-MM")
	}
	return t, nil
}

// Months lists the months from..to, both included ("" if to is before
// from).
func Months(from, to string) []string {
	f, err1 := time.Parse("2006-01", from)
	t, err2 := time.Parse("2006-01", to)
	if err1 != nil || err2 != nil {
		return nil
	}
	var out []string
	for m := f; !m.After(t); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}

// MonthOf is the Shanghai month of t.
func MonthOf(t time.Time) string { return t.In(shanghai).Format("2006-01") }

// AddMonths moves a month by n.
func AddMonths(month string, n int) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	return t.AddDate(0, n, 0).Format("2006-01")
}

func sortPoints(ps []Point) {
	slices.SortFunc(ps, func(a, b Point) int {
		if a.Period != b.Period {
			if a.Period < b.Period {
				return -1
			}
			return 1
		}
		if a.Area < b.Area {
			return -1
		} else if a.Area > b.Area {
			return 1
		}
		return 0
	})
}
