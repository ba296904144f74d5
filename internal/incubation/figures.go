package incubation

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
)

// Rate is a share with what it is counted from; Pct is 0 and Note says
// why when there is nothing to count yet.
type Rate struct {
	Numerator   int     `json:"numerator"`
	Denominator int     `json:"denominator"`
	Pct         float64 `json:"pct"`
	NoteZh      string  `json:"note_zh,omitempty"`
	NoteEn      string  `json:"note_en,omitempty"`
}

func rate(num, den int, zh, en string) Rate {
	r := Rate{Numerator: num, Denominator: den}
	if den == 0 {
		r.NoteZh, r.NoteEn = zh, en
		return r
	}
	r.Pct = round1(float64(num) * 100 / float64(den))
	return r
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// dayNum is a YYYY-MM-DD date as days since 1970-01-01.
func dayNum(s string) int64 {
	t, err := parseDate(s)
	if err != nil {
		return math.MinInt32
	}
	return t.Unix() / 86400
}

// Occupancy is the space leased on one day.
type Occupancy struct {
	DesksUsed   int     `json:"desks_used"`
	Desks       int     `json:"desks"`
	OfficesUsed int     `json:"offices_used"`
	Offices     int     `json:"offices"`
	Pct         float64 `json:"pct"`
}

// MonthOccupancy is the space leased over a month: unit-days leased over
// unit-days available (to the as-of day in its own month).
type MonthOccupancy struct {
	Month        string  `json:"month"`
	UsedDays     int64   `json:"used_unit_days"`
	CapacityDays int64   `json:"capacity_unit_days"`
	Pct          float64 `json:"pct"`
}

// Figures are a carrier's (or a district's, or the city's) figures on a
// day, computed from the tenancies, leases and investments; the formulas
// are in the README.
type Figures struct {
	AsOf           string           `json:"as_of"`
	Carriers       int              `json:"carriers"`
	Occupancy      Occupancy        `json:"occupancy"`
	Monthly        []MonthOccupancy `json:"monthly"`
	TeamsServed    int              `json:"teams_served"`
	Teams          int              `json:"teams"`
	Companies      int              `json:"companies"`
	CurrentTenants int              `json:"current_tenants"`
	Graduated      int              `json:"graduated"`
	Moved          int              `json:"moved"`
	Closed         int              `json:"closed"`
	Survival1y     Rate             `json:"survival_1y"`
	Survival3y     Rate             `json:"survival_3y"`
	Graduation     Rate             `json:"graduation_rate"`
	Success        Rate             `json:"success_rate"`
	InvestmentFen  int64            `json:"investment_fen"`
	Investments    int              `json:"investments"`
	// InvestedTenants raised at least one investment by the day.
	InvestedTenants int `json:"invested_tenants"`
	// NoteZh and NoteEn explain figures that are all zero.
	NoteZh string `json:"note_zh,omitempty"`
	NoteEn string `json:"note_en,omitempty"`
}

// data is what figures are computed from.
type data struct {
	desks, offices, carriers int
	tenancies                []fTenancy
	leases                   []fLease
	investments              []fInvestment
}

type fTenancy struct {
	id             int64
	team           bool
	admitted, left string
	exit           string
	carrier        int64
}

type fLease struct {
	carrier    int64
	space      string
	units      int
	start, end string
}

type fInvestment struct {
	tenancy, carrier int64
	amount           int64
	on               string
}

// compute counts the figures of d on asOf.
func compute(d *data, asOf time.Time) Figures {
	day := asOf.Format(time.DateOnly)
	f := Figures{AsOf: day, Carriers: d.carriers, Monthly: []MonthOccupancy{}}
	f.Occupancy.Desks, f.Occupancy.Offices = d.desks, d.offices
	for _, l := range d.leases {
		if l.start <= day && day <= l.end {
			if l.space == "desk" {
				f.Occupancy.DesksUsed += l.units
			} else {
				f.Occupancy.OfficesUsed += l.units
			}
		}
	}
	if c := d.desks + d.offices; c > 0 {
		f.Occupancy.Pct = round1(float64(f.Occupancy.DesksUsed+f.Occupancy.OfficesUsed) * 100 / float64(c))
	}
	// The twelve months to asOf's, oldest first, counted in days since
	// the epoch.
	type span struct{ s, e, units int64 }
	spans := make([]span, 0, len(d.leases))
	for _, l := range d.leases {
		spans = append(spans, span{dayNum(l.start), dayNum(l.end), int64(l.units)})
	}
	first := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -11, 0)
	for m := 0; m < 12; m++ {
		ms := first.AddDate(0, m, 0)
		me := ms.AddDate(0, 1, -1)
		if me.After(asOf) {
			me = asOf
		}
		s, e := ms.Unix()/86400, me.Unix()/86400
		mo := MonthOccupancy{Month: ms.Format("2006-01"), CapacityDays: (e - s + 1) * int64(d.desks+d.offices)}
		for _, l := range spans {
			if a, b := max(l.s, s), min(l.e, e); a <= b {
				mo.UsedDays += l.units * (b - a + 1)
			}
		}
		if mo.CapacityDays > 0 {
			mo.Pct = round1(float64(mo.UsedDays) * 100 / float64(mo.CapacityDays))
		}
		f.Monthly = append(f.Monthly, mo)
	}
	invested := map[int64]bool{}
	for _, x := range d.investments {
		if x.on <= day {
			f.InvestmentFen += x.amount
			f.Investments++
			invested[x.tenancy] = true
		}
	}
	y1, y2, y3 := asOf.AddDate(-1, 0, 0).Format(time.DateOnly), asOf.AddDate(-2, 0, 0).Format(time.DateOnly), asOf.AddDate(-3, 0, 0).Format(time.DateOnly)
	var s1n, s1d, s3n, s3d, left, grad, sn, sd int
	for _, t := range d.tenancies {
		if t.admitted > day {
			continue
		}
		f.TeamsServed++
		if t.team {
			f.Teams++
		} else {
			f.Companies++
		}
		gone := t.left != "" && t.left <= day
		closed := gone && t.exit == "closed"
		if !gone {
			f.CurrentTenants++
		} else {
			left++
			switch t.exit {
			case "graduated":
				f.Graduated++
				grad++
			case "moved":
				f.Moved++
			case "closed":
				f.Closed++
			}
		}
		if invested[t.id] {
			f.InvestedTenants++
		}
		if t.admitted <= y1 {
			s1d++
			if !closed {
				s1n++
			}
		}
		if t.admitted <= y3 {
			s3d++
			if !closed {
				s3n++
			}
		}
		if gone || t.admitted <= y2 {
			sd++
			if (gone && t.exit == "graduated") || invested[t.id] {
				sn++
			}
		}
	}
	f.Survival1y = rate(s1n, s1d, "尚无一年前入驻的在孵主体", "no tenant was admitted a year or more ago")
	f.Survival3y = rate(s3n, s3d, "尚无三年前入驻的在孵主体", "no tenant was admitted three years or more ago")
	f.Graduation = rate(grad, left, "尚无离开的在孵主体", "no tenant has left yet")
	f.Success = rate(sn, sd, "尚无离开或在孵满两年的主体", "no tenant has left or stayed two years yet")
	if f.TeamsServed == 0 {
		f.NoteZh, f.NoteEn = "尚无入驻记录，各项数字为零。", "No tenant has been admitted yet, so every figure is zero."
	}
	return f
}

// load reads the records of the carriers where is true (a condition on
// the carriers c with its arguments), for figures to asOf.
func (s *Service) load(ctx context.Context, where string, args db.Args, asOf time.Time) (map[string]*data, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT c.id, c.district, c.desks, c.offices, c.status FROM incubation_carriers c WHERE `+where, args...)
	type cr struct {
		id               int64
		district, status string
		desks, offices   int
	}
	cs, err := db.Collect(rows, err, "carriers", func(r interface{ Scan(...any) error }) (cr, error) {
		var c cr
		return c, r.Scan(&c.id, &c.district, &c.desks, &c.offices, &c.status)
	})
	if err != nil {
		return nil, err
	}
	out := map[string]*data{}
	districtOf := map[int64]string{}
	for _, c := range cs {
		d := out[c.district]
		if d == nil {
			d = &data{}
			out[c.district] = d
		}
		districtOf[c.id] = c.district
		d.carriers++
		if c.status == "active" {
			d.desks += c.desks
			d.offices += c.offices
		}
	}
	if len(cs) == 0 {
		return out, nil
	}
	// Every carrier's records, or those of the carriers where is true.
	in := `1 = 1`
	if where != `1 = 1` {
		in = `carrier_id IN (SELECT c.id FROM incubation_carriers c WHERE ` + where + `)`
	}
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT id, carrier_id, team_id IS NOT NULL, admitted_on, left_on, COALESCE(exit_kind, '') FROM incubation_tenancies WHERE `+in, args...)
	ts, err := db.Collect(rows, err, "tenancies", func(r interface{ Scan(...any) error }) (fTenancy, error) {
		var t fTenancy
		var a, l db.Date
		err := r.Scan(&t.id, &t.carrier, &t.team, &a, &l, &t.exit)
		t.admitted, t.left = a.String, l.String
		return t, err
	})
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		d := out[districtOf[t.carrier]]
		d.tenancies = append(d.tenancies, t)
	}
	// The leases that touch the twelve months to asOf: occupancy counts no
	// others.
	first := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -11, 0).Format(time.DateOnly)
	largs := append(slices.Clone(args), first)
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT carrier_id, space, units, starts_on, ends_on FROM incubation_leases WHERE `+in+` AND ends_on >= $`+strconv.Itoa(len(largs)), largs...)
	ls, err := db.Collect(rows, err, "leases", func(r interface{ Scan(...any) error }) (fLease, error) {
		var l fLease
		var a, b db.Date
		err := r.Scan(&l.carrier, &l.space, &l.units, &a, &b)
		l.start, l.end = a.String, b.String
		return l, err
	})
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		d := out[districtOf[l.carrier]]
		d.leases = append(d.leases, l)
	}
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT tenancy_id, carrier_id, amount_fen, invested_on FROM incubation_investments WHERE `+in, args...)
	is, err := db.Collect(rows, err, "investments", func(r interface{ Scan(...any) error }) (fInvestment, error) {
		var x fInvestment
		var on db.Date
		err := r.Scan(&x.tenancy, &x.carrier, &x.amount, &on)
		x.on = on.String
		return x, err
	})
	if err != nil {
		return nil, err
	}
	for _, x := range is {
		d := out[districtOf[x.carrier]]
		d.investments = append(d.investments, x)
	}
	return out, nil
}

// asOfDay reads an as-of date (default today); not in the future.
func (s *Service) asOfDay(v string) (time.Time, error) {
	if strings.TrimSpace(v) == "" {
		return s.today(), nil
	}
	d, err := parseDate(strings.TrimSpace(v))
	if err != nil {
		return time.Time{}, apperr.Field("as_of", "must be a date (YYYY-MM-DD)")
	}
	if d.After(s.today()) {
		return time.Time{}, apperr.Field("as_of", "must not be in the future")
	}
	return d, nil
}

// CarrierFigures are a carrier's figures on asOf (YYYY-MM-DD, default
// today): public for an active carrier.
func (s *Service) CarrierFigures(ctx context.Context, p *auth.Principal, id int64, asOf string) (Figures, error) {
	day, err := s.asOfDay(asOf)
	if err != nil {
		return Figures{}, err
	}
	c, err := s.Carrier(ctx, p, id)
	if err != nil {
		return Figures{}, err
	}
	var args db.Args
	m, err := s.load(ctx, `c.id = `+args.Add(c.ID), args, day)
	if err != nil {
		return Figures{}, err
	}
	d := m[c.District]
	if d == nil {
		d = &data{}
	}
	return compute(d, day), nil
}

// DistrictFigures are the figures of one district's carriers.
type DistrictFigures struct {
	District string `json:"district"`
	Figures
}

// City is the figures of the whole city and of each district with
// carriers, on one day.
type City struct {
	AsOf      string            `json:"as_of"`
	City      Figures           `json:"city"`
	Districts []DistrictFigures `json:"districts"`
}

// CityFigures computes, for the indicators, the incubation figures of
// every district with carriers and of the whole city on asOf (a day; the
// time of day is ignored): occupancy, teams served, survival after one and
// three years, graduation and success rates, investment raised, with the
// formulas of the README. It reads committed records only and needs no
// principal.
func (s *Service) CityFigures(ctx context.Context, asOf time.Time) (City, error) {
	asOf = time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	m, err := s.load(ctx, `1 = 1`, nil, asOf)
	if err != nil {
		return City{}, err
	}
	out := City{AsOf: asOf.Format(time.DateOnly), Districts: []DistrictFigures{}}
	all := &data{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		d := m[k]
		out.Districts = append(out.Districts, DistrictFigures{District: k, Figures: compute(d, asOf)})
		all.carriers += d.carriers
		all.desks += d.desks
		all.offices += d.offices
		all.tenancies = append(all.tenancies, d.tenancies...)
		all.leases = append(all.leases, d.leases...)
		all.investments = append(all.investments, d.investments...)
	}
	out.City = compute(all, asOf)
	return out, nil
}

// Overview is the figures of the city and its districts for officers and
// administrators.
func (s *Service) Overview(ctx context.Context, p *auth.Principal, asOf string) (City, error) {
	if p == nil {
		return City{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if !p.IsAdmin() && !p.IsOfficer() {
		return City{}, apperr.New(apperr.Forbidden, "officers and administrators see the districts' figures")
	}
	day, err := s.asOfDay(asOf)
	if err != nil {
		return City{}, err
	}
	return s.CityFigures(ctx, day)
}
