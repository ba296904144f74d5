package talent

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
)

// EnsureStandard seeds the 2017 standard when no table exists
// (idempotent).
func (s *Service) EnsureStandard(ctx context.Context) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM talent_point_tables`).Scan(&n); err != nil || n > 0 {
			return apperr.Wrap(err, "points tables")
		}
		in := Standard2017()
		now := s.DB.Now()
		id, err := insertTable(ctx, tx, in, nil, now)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "seed", Entity: "work_permit_points_table", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"effective_from": in.EffectiveFrom, "name_en": in.NameEn}})
	})
}

// AddTable adds a version of the points table: administrators. Its
// effective date must be later than every existing version's. When it is
// already in force, the open applications are re-scored at once.
func (s *Service) AddTable(ctx context.Context, p *auth.Principal, in TableInput) (Table, RescoreResult, error) {
	if p == nil {
		return Table{}, RescoreResult{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if !p.IsAdmin() {
		return Table{}, RescoreResult{}, apperr.New(apperr.Forbidden, "administrators add versions of the points table")
	}
	if err := in.check(); err != nil {
		return Table{}, RescoreResult{}, err
	}
	var id int64
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var latest db.Date
		if err := tx.QueryRowContext(ctx, `SELECT MAX(effective_from) FROM talent_point_tables`).Scan(&latest); err != nil {
			return apperr.Wrap(err, "points tables")
		}
		if latest.Valid && in.EffectiveFrom <= latest.String {
			return apperr.Field("effective_from", "must be later than the latest version's effective date (%s)", latest.String)
		}
		now := s.DB.Now()
		var err error
		var by any
		if p.UserID != 0 {
			by = p.UserID
		}
		if id, err = insertTable(ctx, tx, in, by, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "create", Entity: "work_permit_points_table", EntityID: strconv.FormatInt(id, 10),
			After: in})
	})
	if err != nil {
		return Table{}, RescoreResult{}, err
	}
	t, err := s.Table(ctx, id)
	if err != nil {
		return t, RescoreResult{}, err
	}
	res := RescoreResult{Classes: map[string]int{}}
	if t.EffectiveFrom <= s.today().Format(time.DateOnly) {
		res, err = s.rescore(ctx, "", p)
	}
	return t, res, err
}

// RescoreResult says what a re-scoring did.
type RescoreResult struct {
	// AsOf is the day asked for, "" when each application was scored as
	// of its own application date (drafts: today).
	AsOf    string `json:"as_of"`
	Scored  int    `json:"scored"`
	Changed int    `json:"changed"`
	// Classes counts the re-scored applications by their new class.
	Classes map[string]int `json:"classes"`
	Millis  int64          `json:"millis"`
}

// Rescore re-scores every open (undecided) application: administrators,
// or the platform itself (p nil, the command line and the periodic job).
// Each is scored with the table in force on asOf (YYYY-MM-DD) if given,
// else on its own application date (a draft: today). Decided applications
// keep the score they were decided with.
func (s *Service) Rescore(ctx context.Context, p *auth.Principal, asOf string) (RescoreResult, error) {
	if p != nil && !p.IsAdmin() {
		return RescoreResult{}, apperr.New(apperr.Forbidden, "administrators re-score the applications")
	}
	asOf = strings.TrimSpace(asOf)
	if asOf != "" {
		if _, err := time.Parse(time.DateOnly, asOf); err != nil {
			return RescoreResult{}, apperr.Field("as_of", "must be a date YYYY-MM-DD")
		}
	}
	return s.rescore(ctx, asOf, p)
}

// rescoreRow is what re-scoring reads of an application.
type rescoreRow struct {
	id      int64
	version int
	appDate db.Date
	p       Profile
	table   sql.NullInt64
	points  int
	class   string
	basis   string
	items   string
	asOf    db.Date
}

// scoreChange is one application's new score.
type scoreChange struct {
	id      int64
	version int
	table   int64
	points  int
	class   string
	basis   string
	items   string
	asOf    string
}

// rescoreBatch is how many applications one UPDATE writes on PostgreSQL.
const rescoreBatch = 20000

func (s *Service) rescore(ctx context.Context, asOf string, p *auth.Principal) (RescoreResult, error) {
	start := time.Now()
	res := RescoreResult{AsOf: asOf, Classes: map[string]int{}}
	tables, err := Tables(ctx, s.DB.Read)
	if err != nil {
		return res, err
	}
	today := s.today()
	var changes []scoreChange
	dayCache := map[string]time.Time{}
	err = s.scan(ctx, func(r *rescoreRow) error {
		day := asOf
		if day == "" {
			day = r.appDate.String
			if !r.appDate.Valid {
				day = today.Format(time.DateOnly)
			}
		}
		t := InForce(tables, day)
		if t == nil {
			return nil
		}
		dt, ok := dayCache[day]
		if !ok {
			dt, _ = time.Parse(time.DateOnly, day)
			dayCache[day] = dt
		}
		birth, err := time.Parse(time.DateOnly, r.p.BirthDate)
		if err != nil {
			return apperr.Wrap(err, "birth date of application "+strconv.FormatInt(r.id, 10))
		}
		sc := evaluate(&t.Points, &r.p, Age(birth, dt))
		res.Scored++
		res.Classes[sc.class]++
		c := scoreChange{id: r.id, version: r.version, table: t.ID, points: sc.total, class: sc.class, basis: sc.basis(), items: sc.items(), asOf: day}
		// A draft's day is today: a new day alone is no change to write.
		moved := r.asOf.String != day && (r.appDate.Valid || asOf != "")
		if r.table.Int64 != c.table || r.points != c.points || r.class != c.class || r.basis != c.basis || r.items != c.items || moved {
			changes = append(changes, c)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	res.Changed = len(changes)
	if res.Changed == 0 && p == nil {
		// The platform's own run found nothing to change: nothing to record.
		res.Millis = time.Since(start).Milliseconds()
		return res, nil
	}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.writeScores(ctx, tx, changes); err != nil {
			return err
		}
		actor := "system"
		if p != nil {
			actor = p.Email
		}
		return audit.Record(ctx, tx, s.DB.Now(), audit.Change{Action: "rescore", Entity: "work_permit_scores", EntityID: "open",
			After: map[string]any{"as_of": asOf, "scored": res.Scored, "changed": res.Changed, "classes": res.Classes, "by": actor}})
	})
	res.Millis = time.Since(start).Milliseconds()
	return res, err
}

// scan reads every open application's scoring facts.
func (s *Service) scan(ctx context.Context, fn func(*rescoreRow) error) error {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, version, application_date, birth_date, education, chinese_taught_degree, former_chinese, hsk,
		work_years, salary_yuan, months_in_china, work_location, top_university, fortune500, owns_ip, five_years_china, national_talent_program,
		recognised_achievement, provincial_bonus, score_table_id, score_points, score_class, score_basis, score_items, score_as_of
		FROM talent_applications WHERE state IN ('draft', 'submitted', 'under_review', 'returned')`)
	if err != nil {
		return apperr.Wrap(err, "open applications")
	}
	defer rows.Close()
	var r rescoreRow
	var birth db.Date
	for rows.Next() {
		p := &r.p
		if err := rows.Scan(&r.id, &r.version, &r.appDate, &birth, &p.Education, &p.ChineseTaughtDegree, &p.FormerChinese, &p.HSK,
			&p.WorkYears, &p.SalaryYuan, &p.MonthsInChina, &p.WorkLocation, &p.TopUniversity, &p.Fortune500, &p.OwnsIP, &p.FiveYearsChina,
			&p.NationalTalentProgram, &p.RecognisedAchievement, &p.ProvincialBonus, &r.table, &r.points, &r.class, &r.basis, &r.items, &r.asOf); err != nil {
			return apperr.Wrap(err, "open applications scan")
		}
		p.BirthDate = birth.String
		if err := fn(&r); err != nil {
			return err
		}
	}
	return apperr.Wrap(rows.Err(), "open applications")
}

// writeScores writes the new scores. A row whose version moved since it
// was read (changed, submitted or decided meanwhile) is left alone: its
// own transaction scored it. The engines differ in what is fast: SQLite
// (in process, no round trip) runs one prepared single-row UPDATE per
// application, cheaper there than binding thousands of parameters into
// one statement; PostgreSQL takes rescoreBatch rows per UPDATE … FROM
// unnest of eight arrays, one round trip and one join per batch.
func (s *Service) writeScores(ctx context.Context, tx *sql.Tx, cs []scoreChange) error {
	now := s.DB.Now()
	if s.DB.Dialect != db.Postgres {
		st, err := tx.PrepareContext(ctx, `UPDATE talent_applications SET score_table_id = $1, score_points = $2, score_class = $3, score_basis = $4,
			score_items = $5, score_as_of = $6, scored_at = $7 WHERE id = $8 AND version = $9 AND state IN ('draft', 'submitted', 'under_review', 'returned')`)
		if err != nil {
			return apperr.Wrap(err, "write scores")
		}
		defer st.Close()
		for _, c := range cs {
			if _, err := st.ExecContext(ctx, c.table, c.points, c.class, c.basis, c.items, c.asOf, now, c.id, c.version); err != nil {
				return apperr.Wrap(err, "write scores")
			}
		}
		return nil
	}
	for len(cs) > 0 {
		n := min(len(cs), rescoreBatch)
		ids, versions, tables, points := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		classes, bases, items, days := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i, c := range cs[:n] {
			ids[i], versions[i], tables[i], points[i] = c.id, int64(c.version), c.table, int64(c.points)
			classes[i], bases[i], items[i], days[i] = c.class, c.basis, c.items, c.asOf
		}
		if _, err := tx.ExecContext(ctx, `UPDATE talent_applications AS a SET score_table_id = v.t, score_points = v.p, score_class = v.c, score_basis = v.b,
			score_items = v.i, score_as_of = v.d, scored_at = $9
			FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::int[], $5::text[], $6::text[], $7::text[], $8::date[]) AS v(id, ver, t, p, c, b, i, d)
			WHERE a.id = v.id AND a.version = v.ver AND a.state IN ('draft', 'submitted', 'under_review', 'returned')`,
			ids, versions, tables, points, classes, bases, items, days, now); err != nil {
			return apperr.Wrap(err, "write scores")
		}
		cs = cs[n:]
	}
	return nil
}

// ScoreAsOf scores an application as of a day without writing: what the
// table in force that day would give. Those who read the personal data.
func (s *Service) ScoreAsOf(ctx context.Context, p *auth.Principal, id int64, day string) (Score, error) {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return Score{}, err
	}
	if !a.PersonalData {
		return Score{}, apperr.New(apperr.Forbidden, "the item-by-item score is for the talent, the employer's owners and officers")
	}
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return Score{}, apperr.Field("as_of", "must be a date YYYY-MM-DD")
	}
	tables, err := Tables(ctx, s.DB.Read)
	if err != nil {
		return Score{}, err
	}
	t := InForce(tables, day)
	if t == nil {
		return Score{}, apperr.Field("as_of", "no points table is in force on %s", day)
	}
	return Evaluate(t, &a.profile, d), nil
}
