package housing

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/rules"
)

// Service is the talent-apartment module.
type Service struct {
	DB *db.DB
	// Permits gives the talent's class; nil means no permit is known, and
	// the score counts the talent as one without a foreigner's permit.
	Permits Permits
	// Notifier tells a talent of an offer; nil sends nothing.
	Notifier *notify.Notifier
}

//go:embed rules/talent-housing-priority.json
var prioritySource []byte

// Priority is the rule set of the priority score.
var Priority = func() *rules.RuleSet {
	rs, err := rules.Parse(prioritySource)
	if err != nil {
		panic(err)
	}
	return rs
}()

var shanghai = time.FixedZone("CST", 8*3600)

// today is the current day in Shanghai.
func (s *Service) today() time.Time {
	y, m, d := s.DB.Now().In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

type scanner interface{ Scan(...any) error }

// officer reports whether p manages the talent apartments of district.
func officer(p *auth.Principal, district string) bool {
	return p.IsAdmin() || p.OfficerFor(district)
}

func signedIn(p *auth.Principal) error {
	if p == nil {
		return apperr.New(apperr.Unauthorized, "sign in")
	}
	return nil
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

// signedInSwept checks that someone is signed in, then closes the offers
// whose time has run out, as every step on offers and tenancies must
// first.
func (s *Service) signedInSwept(ctx context.Context, p *auth.Principal) error {
	if err := signedIn(p); err != nil {
		return err
	}
	return s.sweep(ctx)
}

// reload answers what a transaction wrote, read again after its commit,
// or the transaction's error.
func reload[T any](ctx context.Context, s *Service, err error, load func(context.Context, querier, int64) (T, error), id int64) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return load(ctx, s.DB.Read, id)
}

// --- buildings and units ---

const buildingCols = `b.id, b.name_zh, b.name_en, b.district, b.address, b.operator_org_id, COALESCE(o.name_zh, ''), b.created_at,
	(SELECT COUNT(*) FROM housing_units u WHERE u.building_id = b.id),
	(SELECT COUNT(*) FROM housing_units u WHERE u.building_id = b.id AND u.status = 'available')`

const buildingFrom = ` FROM housing_buildings b LEFT JOIN orgs o ON o.id = b.operator_org_id`

func scanBuilding(r scanner) (Building, error) {
	var b Building
	var op sql.NullInt64
	err := r.Scan(&b.ID, &b.NameZh, &b.NameEn, &b.District, &b.Address, &op, &b.OperatorName, &b.CreatedAt, &b.Units, &b.Free)
	if op.Valid {
		b.OperatorOrgID = &op.Int64
	}
	return b, err
}

func loadBuilding(ctx context.Context, q querier, id int64) (Building, error) {
	b, err := scanBuilding(q.QueryRowContext(ctx, `SELECT `+buildingCols+buildingFrom+` WHERE b.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, apperr.New(apperr.NotFound, "no building %d", id)
	}
	return b, apperr.Wrap(err, "building")
}

// Buildings lists the buildings, of one district when given, with their
// free units: public.
func (s *Service) Buildings(ctx context.Context, district string) ([]Building, error) {
	a := db.Args{}
	where := ""
	if district != "" {
		where = ` WHERE b.district = ` + a.Add(district)
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+buildingCols+buildingFrom+where+` ORDER BY b.district, b.name_zh, b.id`, a...)
	return db.Collect(rows, err, "buildings", func(r interface{ Scan(...any) error }) (Building, error) { return scanBuilding(r) })
}

// BuildingView is a building with its units.
type BuildingView struct {
	Building
	UnitList []Unit `json:"unit_list"`
}

// Building returns a building with its units: public.
func (s *Service) Building(ctx context.Context, id int64) (BuildingView, error) {
	b, err := loadBuilding(ctx, s.DB.Read, id)
	if err != nil {
		return BuildingView{}, err
	}
	us, err := s.units(ctx, s.DB.Read, id)
	return BuildingView{Building: b, UnitList: us}, err
}

const unitCols = `u.id, u.building_id, u.number, u.rooms, u.area_m2, u.rent_fen, u.status`

func scanUnit(r scanner) (Unit, error) {
	var u Unit
	err := r.Scan(&u.ID, &u.BuildingID, &u.Number, &u.Rooms, &u.AreaM2, &u.RentFen, &u.Status)
	return u, err
}

func (s *Service) units(ctx context.Context, q querier, building int64) ([]Unit, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+unitCols+` FROM housing_units u WHERE u.building_id = $1 ORDER BY u.number`, building)
	return db.Collect(rows, err, "units", func(r interface{ Scan(...any) error }) (Unit, error) { return scanUnit(r) })
}

// CreateBuilding adds a building: officers of its district, administrators.
func (s *Service) CreateBuilding(ctx context.Context, p *auth.Principal, in BuildingInput) (Building, error) {
	if err := signedIn(p); err != nil {
		return Building{}, err
	}
	if err := in.check(); err != nil {
		return Building{}, err
	}
	if !officer(p, in.District) {
		return Building{}, apperr.New(apperr.Forbidden, "officers of the district manage its talent apartments")
	}
	var id int64
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := districtExists(ctx, tx, in.District); err != nil {
			return err
		}
		if in.OperatorOrgID != nil {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE id = $1`, *in.OperatorOrgID).Scan(&n); err != nil {
				return apperr.Wrap(err, "operator")
			}
			if n == 0 {
				return apperr.Field("operator_org_id", "is not an organization")
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO housing_buildings (name_zh, name_en, district, address, operator_org_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, in.NameZh, in.NameEn, in.District, in.Address, in.OperatorOrgID, now).Scan(&id); err != nil {
			return apperr.Wrap(err, "insert building")
		}
		b, err := loadBuilding(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "create", Entity: "housing_building", EntityID: idStr(id), After: b})
	})
	return reload(ctx, s, err, loadBuilding, id)
}

func districtExists(ctx context.Context, q querier, district string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM districts WHERE slug = $1`, district).Scan(&n); err != nil {
		return apperr.Wrap(err, "district")
	}
	if n == 0 {
		return apperr.Field("district", "is not a district")
	}
	return nil
}

// AddUnit adds a unit to a building: officers of its district.
func (s *Service) AddUnit(ctx context.Context, p *auth.Principal, building int64, in UnitInput) (Unit, error) {
	if err := signedIn(p); err != nil {
		return Unit{}, err
	}
	if err := in.check(); err != nil {
		return Unit{}, err
	}
	var u Unit
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		b, err := loadBuilding(ctx, tx, building)
		if err != nil {
			return err
		}
		if !officer(p, b.District) {
			return apperr.New(apperr.Forbidden, "officers of the district manage its talent apartments")
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO housing_units (building_id, number, rooms, area_m2, rent_fen, status) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			building, in.Number, in.Rooms, in.AreaM2, in.RentYuan*100, in.Status).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.Field("number", "is already a unit of the building").WithCode(apperr.Conflict)
		} else if err != nil {
			return apperr.Wrap(err, "insert unit")
		}
		if u, err = scanUnit(tx.QueryRowContext(ctx, `SELECT `+unitCols+` FROM housing_units u WHERE u.id = $1`, id)); err != nil {
			return apperr.Wrap(err, "unit")
		}
		if err := audit.Record(ctx, tx, now, audit.Change{Action: "create", Entity: "housing_unit", EntityID: idStr(id), After: u}); err != nil {
			return err
		}
		if u.Status == Available {
			// A new flat goes first to whoever waits for its kind.
			if err := s.release(ctx, tx, u.ID, Available); err != nil {
				return err
			}
			u, err = scanUnit(tx.QueryRowContext(ctx, `SELECT `+unitCols+` FROM housing_units u WHERE u.id = $1`, id))
			return apperr.Wrap(err, "unit")
		}
		return nil
	})
	return u, err
}

// SetUnitStatus takes a unit out for maintenance or brings it back: a unit
// brought back is offered to the next on a waitlist first.
func (s *Service) SetUnitStatus(ctx context.Context, p *auth.Principal, id int64, status string) (Unit, error) {
	if err := signedIn(p); err != nil {
		return Unit{}, err
	}
	if status != Available && status != Maintenance {
		return Unit{}, apperr.Field("status", "must be available or maintenance")
	}
	var u Unit
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, b, err := loadUnit(ctx, tx, id)
		if err != nil {
			return err
		}
		if !officer(p, b.District) {
			return apperr.New(apperr.Forbidden, "officers of the district manage its talent apartments")
		}
		switch {
		case before.Status == status:
			u = before
			return nil
		case before.Status == Offered || before.Status == Occupied:
			return apperr.Field("status", "the unit is %s; it changes when the offer or the tenancy ends", before.Status).WithCode(apperr.Conflict)
		}
		if status == Maintenance {
			if err := casUnit(ctx, tx, id, before.Status, Maintenance); err != nil {
				return err
			}
		} else if err := s.release(ctx, tx, id, before.Status); err != nil {
			return err
		}
		if u, _, err = loadUnit(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "status", Entity: "housing_unit", EntityID: idStr(id), Before: before, After: u})
	})
	return u, err
}

func loadUnit(ctx context.Context, q querier, id int64) (Unit, Building, error) {
	u, err := scanUnit(q.QueryRowContext(ctx, `SELECT `+unitCols+` FROM housing_units u WHERE u.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, Building{}, apperr.New(apperr.NotFound, "no unit %d", id)
	}
	if err != nil {
		return u, Building{}, apperr.Wrap(err, "unit")
	}
	b, err := loadBuilding(ctx, q, u.BuildingID)
	return u, b, err
}

// casUnit moves a unit from one status to another, or fails with a
// conflict when someone moved it first: the guard that no unit is given
// twice.
func casUnit(ctx context.Context, tx *sql.Tx, id int64, from, to string) error {
	res, err := tx.ExecContext(ctx, `UPDATE housing_units SET status = $1, version = version + 1 WHERE id = $2 AND status = $3`, to, id, from)
	if err != nil {
		return apperr.Wrap(err, "unit status")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.New(apperr.Conflict, "unit %d is no longer %s", id, from)
	}
	return nil
}

// --- rounds ---

const roundCols = `r.id, r.name_zh, r.name_en, r.district, r.building_id, r.opens_on, r.closes_on, r.offer_days, r.term_months, r.max_years, r.state,
	r.allocated_at, r.created_at, (SELECT COUNT(*) FROM housing_applications a WHERE a.round_id = r.id)`

func scanRound(r scanner) (Round, error) {
	var x Round
	var b sql.NullInt64
	var opens, closes db.Date
	var at db.Time
	err := r.Scan(&x.ID, &x.NameZh, &x.NameEn, &x.District, &b, &opens, &closes, &x.OfferDays, &x.TermMonths, &x.MaxYears, &x.State, &at, &x.CreatedAt, &x.Applications)
	if b.Valid {
		x.BuildingID = &b.Int64
	}
	x.OpensOn, x.ClosesOn, x.AllocatedAt = opens.String, closes.String, at.Ptr()
	return x, err
}

func loadRound(ctx context.Context, q querier, id int64) (Round, error) {
	r, err := scanRound(q.QueryRowContext(ctx, `SELECT `+roundCols+` FROM housing_rounds r WHERE r.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.New(apperr.NotFound, "no allocation round %d", id)
	}
	return r, apperr.Wrap(err, "round")
}

// Rounds lists the rounds, newest first: public.
func (s *Service) Rounds(ctx context.Context) ([]Round, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+roundCols+` FROM housing_rounds r ORDER BY r.id DESC LIMIT 200`)
	return db.Collect(rows, err, "rounds", func(r interface{ Scan(...any) error }) (Round, error) { return scanRound(r) })
}

// CreateRound opens an allocation round: officers of its district.
func (s *Service) CreateRound(ctx context.Context, p *auth.Principal, in RoundInput) (Round, error) {
	if err := signedIn(p); err != nil {
		return Round{}, err
	}
	if err := in.check(); err != nil {
		return Round{}, err
	}
	if !officer(p, in.District) {
		return Round{}, apperr.New(apperr.Forbidden, "officers of the district run its allocation rounds")
	}
	var id int64
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := districtExists(ctx, tx, in.District); err != nil {
			return err
		}
		if in.BuildingID != nil {
			b, err := loadBuilding(ctx, tx, *in.BuildingID)
			if apperr.CodeOf(err) == apperr.NotFound || (err == nil && b.District != in.District) {
				return apperr.Field("building_id", "is not a building of the district")
			} else if err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO housing_rounds (name_zh, name_en, district, building_id, opens_on, closes_on, offer_days, term_months, max_years, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, in.NameZh, in.NameEn, in.District, in.BuildingID, in.OpensOn, in.ClosesOn,
			in.OfferDays, in.TermMonths, in.MaxYears, now).Scan(&id); err != nil {
			return apperr.Wrap(err, "insert round")
		}
		r, err := loadRound(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "create", Entity: "housing_round", EntityID: idStr(id), After: r})
	})
	return reload(ctx, s, err, loadRound, id)
}

// RoundView is a round with its applications in allocation order (for
// its officers) and its waitlist.
type RoundView struct {
	Round
	Officer      bool          `json:"officer"`
	Applications []Application `json:"applications"`
	Waitlist     []Application `json:"waitlist"`
}

// RoundView returns a round; its applications only to officers of the
// district.
func (s *Service) RoundView(ctx context.Context, p *auth.Principal, id int64) (RoundView, error) {
	r, err := loadRound(ctx, s.DB.Read, id)
	if err != nil {
		return RoundView{}, err
	}
	v := RoundView{Round: r, Officer: officer(p, r.District), Applications: []Application{}, Waitlist: []Application{}}
	if !v.Officer {
		return v, nil
	}
	v.Applications, err = s.applications(ctx, s.DB.Read, `a.round_id = $1 ORDER BY a.score DESC, a.created_at, a.id`, id)
	for _, a := range v.Applications {
		if a.State == Waitlisted {
			v.Waitlist = append(v.Waitlist, a)
		}
	}
	return v, err
}

// --- applications ---

const appCols = `a.id, a.round_id, a.user_id, COALESCE(NULLIF(pe.name_zh, ''), pe.name_en), a.employer_org_id, o.name_zh, a.talent_class, a.months_in_district,
	a.household_size, a.rooms, a.move_in_on, a.score, a.result, a.state, a.waitlist_pos, a.created_at`

const appFrom = ` FROM housing_applications a JOIN people pe ON pe.id = a.person_id JOIN orgs o ON o.id = a.employer_org_id`

func scanApplication(r scanner) (Application, error) {
	var a Application
	var move db.Date
	var res string
	var pos sql.NullInt64
	err := r.Scan(&a.ID, &a.RoundID, &a.UserID, &a.PersonName, &a.EmployerOrgID, &a.EmployerName, &a.TalentClass, &a.MonthsInDistrict,
		&a.HouseholdSize, &a.Rooms, &move, &a.Score, &res, &a.State, &pos, &a.CreatedAt)
	a.MoveInOn = move.String
	if pos.Valid {
		n := int(pos.Int64)
		a.WaitlistPos = &n
	}
	if err == nil {
		a.Result = &rules.Result{}
		err = json.Unmarshal([]byte(res), a.Result)
	}
	return a, err
}

func (s *Service) applications(ctx context.Context, q querier, where string, args ...any) ([]Application, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+appCols+appFrom+` WHERE `+where, args...)
	return db.Collect(rows, err, "applications", func(r interface{ Scan(...any) error }) (Application, error) { return scanApplication(r) })
}

func loadApplication(ctx context.Context, q querier, id int64) (Application, error) {
	a, err := scanApplication(q.QueryRowContext(ctx, `SELECT `+appCols+appFrom+` WHERE a.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "no application %d", id)
	}
	return a, apperr.Wrap(err, "application")
}

// ClassOf is the talent's best work-permit class valid on day, or "none".
func (s *Service) ClassOf(ctx context.Context, user int64, on time.Time) (string, error) {
	if s.Permits == nil {
		return "none", nil
	}
	ps, err := s.Permits.PermitsOf(ctx, user)
	if err != nil {
		return "", err
	}
	best := "none"
	d := on.Format(time.DateOnly)
	for _, x := range ps {
		c := strings.ToLower(x.Class)
		if (x.ValidFrom != "" && x.ValidFrom > d) || (x.ValidTo != "" && x.ValidTo < d) || (c != "a" && c != "b" && c != "c") {
			continue
		}
		if best == "none" || c < best {
			best = c
		}
	}
	return best, nil
}

// ScoreInput is what the priority score reads.
type ScoreInput struct {
	TalentClass      string
	Certifications   []string
	MonthsInDistrict int
	HouseholdSize    int
	Rooms            int
}

// Score evaluates the priority rule set as of a day.
func Score(in ScoreInput, asOf time.Time) (*rules.Result, float64, error) {
	certs := make([]any, len(in.Certifications))
	for i, c := range in.Certifications {
		certs[i] = c
	}
	prof, err := rules.NewProfile(map[string]any{"talent_class": in.TalentClass, "certifications": certs,
		"months_in_district": float64(in.MonthsInDistrict), "household_size": float64(in.HouseholdSize), "unit_rooms": float64(in.Rooms)})
	if err != nil {
		return nil, 0, err
	}
	res, err := Priority.Evaluate(prof, asOf)
	if err != nil {
		return nil, 0, err
	}
	var score float64
	for _, v := range res.Values {
		if v.Name == "score" && v.Value != nil {
			score = *v.Value
		}
	}
	return res, score, nil
}

// Apply files the signed-in talent's application in an open round. The
// talent needs a person record; the employer defaults to the person's
// organization.
func (s *Service) Apply(ctx context.Context, p *auth.Principal, roundID int64, in ApplyInput) (Application, error) {
	if err := signedIn(p); err != nil {
		return Application{}, err
	}
	today := s.today()
	if err := in.check(today); err != nil {
		return Application{}, err
	}
	var person int64
	var personOrg sql.NullInt64
	err := s.DB.Read.QueryRowContext(ctx, `SELECT id, org_id FROM people WHERE user_id = $1 ORDER BY id LIMIT 1`, p.UserID).Scan(&person, &personOrg)
	if errors.Is(err, sql.ErrNoRows) {
		return Application{}, apperr.New(apperr.Forbidden, "talent apartments are for talents with a person record")
	} else if err != nil {
		return Application{}, apperr.Wrap(err, "person")
	}
	if in.EmployerOrgID == 0 {
		if !personOrg.Valid {
			return Application{}, apperr.Field("employer_org_id", "is required")
		}
		in.EmployerOrgID = personOrg.Int64
	}
	class, err := s.ClassOf(ctx, p.UserID, today)
	if err != nil {
		return Application{}, err
	}
	var certs string
	err = s.DB.Read.QueryRowContext(ctx, `SELECT certifications FROM orgs WHERE id = $1`, in.EmployerOrgID).Scan(&certs)
	if errors.Is(err, sql.ErrNoRows) {
		return Application{}, apperr.Field("employer_org_id", "is not an organization")
	} else if err != nil {
		return Application{}, apperr.Wrap(err, "employer")
	}
	res, score, err := Score(ScoreInput{TalentClass: class, Certifications: strings.Fields(certs), MonthsInDistrict: *in.MonthsInDistrict,
		HouseholdSize: *in.HouseholdSize, Rooms: *in.Rooms}, today)
	if err != nil {
		return Application{}, err
	}
	if res.Status == rules.Ineligible {
		for _, c := range res.Criteria {
			if c.Status == rules.NotMet {
				msg := c.Label.En
				if c.Gap != nil {
					msg += ": " + c.Gap.Text.En
				}
				return Application{}, apperr.Field("household_size", "%s", msg)
			}
		}
	}
	var id int64
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		r, err := loadRound(ctx, tx, roundID)
		if err != nil {
			return err
		}
		d := today.Format(time.DateOnly)
		if r.State != "open" || d < r.OpensOn || d > r.ClosesOn {
			return apperr.New(apperr.Conflict, "the round takes applications from %s to %s", r.OpensOn, r.ClosesOn)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO housing_applications (round_id, user_id, person_id, employer_org_id, talent_class, months_in_district, household_size,
			rooms, move_in_on, score, result, state, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
			roundID, p.UserID, person, in.EmployerOrgID, class, *in.MonthsInDistrict, *in.HouseholdSize, *in.Rooms, in.MoveInOn, score, resultJSON(res), Submitted, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "you have already applied in this round")
		} else if err != nil {
			return apperr.Wrap(err, "insert application")
		}
		a, err := loadApplication(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: in.EmployerOrgID, Action: "apply", Entity: "housing_application", EntityID: idStr(id), After: a})
	})
	return reload(ctx, s, err, loadApplication, id)
}

// Withdraw takes back the talent's own application before it is housed.
func (s *Service) Withdraw(ctx context.Context, p *auth.Principal, id int64) (Application, error) {
	if err := signedIn(p); err != nil {
		return Application{}, err
	}
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		a, err := loadApplication(ctx, tx, id)
		if err != nil {
			return err
		}
		if a.UserID != p.UserID && !p.IsAdmin() {
			return apperr.New(apperr.NotFound, "no application %d", id)
		}
		if a.State != Submitted && a.State != Waitlisted {
			return apperr.New(apperr.Conflict, "an application that is %s cannot be withdrawn; decline the offer or move out", a.State)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE housing_applications SET state = $1, waitlist_pos = NULL, updated_at = $2 WHERE id = $3`, Withdrawn, now, id); err != nil {
			return apperr.Wrap(err, "withdraw")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: a.EmployerOrgID, Action: "withdraw", Entity: "housing_application", EntityID: idStr(id),
			Before: map[string]string{"state": a.State}, After: map[string]string{"state": Withdrawn}})
	})
	return reload(ctx, s, err, loadApplication, id)
}

// --- allocation ---

// Allocation is what running a round did.
type Allocation struct {
	RoundID    int64   `json:"round_id"`
	Offers     []Offer `json:"offers"`
	Waitlisted []int64 `json:"waitlisted_application_ids"`
}

// Allocate runs a round: highest score first, ties by application time,
// each application is offered the best free unit of its size (largest,
// then cheapest, then by number) in the round's buildings; the rest join
// the round's waitlist in that order. Officers of the district; a round
// runs once.
func (s *Service) Allocate(ctx context.Context, p *auth.Principal, roundID int64) (Allocation, error) {
	if err := signedIn(p); err != nil {
		return Allocation{}, err
	}
	out := Allocation{RoundID: roundID, Offers: []Offer{}, Waitlisted: []int64{}}
	if err := s.sweep(ctx); err != nil {
		return out, err
	}
	now := s.DB.Now()
	today := s.today()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		r, err := loadRound(ctx, tx, roundID)
		if err != nil {
			return err
		}
		if !officer(p, r.District) {
			return apperr.New(apperr.Forbidden, "officers of the district run its allocation rounds")
		}
		// The compare-and-set on the round's state lets one run through.
		res, err := tx.ExecContext(ctx, `UPDATE housing_rounds SET state = 'allocated', allocated_at = $1 WHERE id = $2 AND state = 'open'`, now, roundID)
		if err != nil {
			return apperr.Wrap(err, "round")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "the round has already been allocated")
		}
		apps, err := s.applications(ctx, tx, `a.round_id = $1 AND a.state = $2 ORDER BY a.score DESC, a.created_at, a.id`, roundID, Submitted)
		if err != nil {
			return err
		}
		pos := 0
		for _, a := range apps {
			o, ok, err := s.offerFree(ctx, tx, &r, &a, today)
			if err != nil {
				return err
			}
			if ok {
				out.Offers = append(out.Offers, o)
				continue
			}
			pos++
			if _, err := tx.ExecContext(ctx, `UPDATE housing_applications SET state = $1, waitlist_pos = $2, updated_at = $3 WHERE id = $4`, Waitlisted, pos, now, a.ID); err != nil {
				return apperr.Wrap(err, "waitlist")
			}
			out.Waitlisted = append(out.Waitlisted, a.ID)
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "allocate", Entity: "housing_round", EntityID: idStr(roundID),
			Before: map[string]string{"state": "open"}, After: out})
	})
	return out, err
}

// offerFree offers application a the best free unit of its size in the
// round's buildings; false when there is none.
func (s *Service) offerFree(ctx context.Context, tx *sql.Tx, r *Round, a *Application, today time.Time) (Offer, bool, error) {
	args := db.Args{}
	where := `u.status = 'available' AND u.rooms = ` + args.Add(a.Rooms)
	if r.BuildingID != nil {
		where += ` AND u.building_id = ` + args.Add(*r.BuildingID)
	} else {
		where += ` AND u.building_id IN (SELECT id FROM housing_buildings WHERE district = ` + args.Add(r.District) + `)`
	}
	rows, err := tx.QueryContext(ctx, `SELECT u.id FROM housing_units u WHERE `+where+` ORDER BY u.area_m2 DESC, u.rent_fen, u.number, u.id LIMIT 20`, args...)
	ids, err := db.Collect(rows, err, "free units", func(r interface{ Scan(...any) error }) (int64, error) {
		var id int64
		err := r.Scan(&id)
		return id, err
	})
	if err != nil {
		return Offer{}, false, err
	}
	for _, u := range ids {
		// Another round's run may have taken it since the query.
		if err := casUnit(ctx, tx, u, Available, Offered); apperr.CodeOf(err) == apperr.Conflict {
			continue
		} else if err != nil {
			return Offer{}, false, err
		}
		o, err := s.makeOffer(ctx, tx, a.ID, u, r.OfferDays, today)
		return o, err == nil, err
	}
	return Offer{}, false, nil
}

// makeOffer records an offer of a unit already marked offered.
func (s *Service) makeOffer(ctx context.Context, tx *sql.Tx, app, unit int64, days int, today time.Time) (Offer, error) {
	now := s.DB.Now()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO housing_offers (application_id, unit_id, state, expires_on, created_at) VALUES ($1, $2, 'open', $3, $4) RETURNING id`,
		app, unit, today.AddDate(0, 0, days).Format(time.DateOnly), now).Scan(&id)
	if db.IsUniqueViolation(err) {
		return Offer{}, apperr.New(apperr.Conflict, "unit %d is already offered", unit)
	} else if err != nil {
		return Offer{}, apperr.Wrap(err, "insert offer")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE housing_applications SET state = $1, waitlist_pos = NULL, updated_at = $2 WHERE id = $3`, AppOffered, now, app); err != nil {
		return Offer{}, apperr.Wrap(err, "application offered")
	}
	o, err := loadOffer(ctx, tx, id)
	if err != nil {
		return o, err
	}
	if err := audit.Record(ctx, tx, now, audit.Change{Action: "offer", Entity: "housing_offer", EntityID: idStr(id), After: o}); err != nil {
		return o, err
	}
	if s.Notifier != nil {
		flat := o.Unit.Number + "，" + strconv.Itoa(o.Unit.Rooms) + " 居室"
		_, err = s.Notifier.ToUser(ctx, tx, o.UserID, notify.Message{Kind: "housing.offer", Key: "housing.offer." + idStr(id),
			Title: notify.Text{Zh: "人才公寓配租通知：" + o.BuildingZh + " " + flat, En: "A talent flat is offered to you: " + either(o.BuildingEn, o.BuildingZh) + " " + o.Unit.Number},
			Body:  notify.Text{Zh: "请于 " + o.ExpiresOn + " 前接受或放弃，逾期视为放弃。", En: "Accept or decline by " + o.ExpiresOn + "; after that the offer lapses."},
			Link:  "/talent/housing/mine"})
	}
	return o, err
}

func either(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// release frees a unit that was in status from: it is offered to the next
// on the waitlists of the allocated rounds covering its building (oldest
// round first, then by place), or becomes available.
func (s *Service) release(ctx context.Context, tx *sql.Tx, unit int64, from string) error {
	u, b, err := loadUnit(ctx, tx, unit)
	if err != nil {
		return err
	}
	if u.Status != from {
		return apperr.New(apperr.Conflict, "unit %d is no longer %s", unit, from)
	}
	var app int64
	var days int
	err = tx.QueryRowContext(ctx, `SELECT a.id, r.offer_days FROM housing_applications a JOIN housing_rounds r ON r.id = a.round_id
		WHERE a.state = $1 AND a.rooms = $2 AND r.state = 'allocated' AND (r.building_id = $3 OR (r.building_id IS NULL AND r.district = $4))
		ORDER BY r.allocated_at, r.id, a.waitlist_pos, a.id LIMIT 1`, Waitlisted, u.Rooms, b.ID, b.District).Scan(&app, &days)
	if errors.Is(err, sql.ErrNoRows) {
		if from == Available {
			return nil
		}
		return casUnit(ctx, tx, unit, from, Available)
	}
	if err != nil {
		return apperr.Wrap(err, "waitlist")
	}
	if err := casUnit(ctx, tx, unit, from, Offered); err != nil {
		return err
	}
	_, err = s.makeOffer(ctx, tx, app, unit, days, s.today())
	return err
}

// --- offers ---

const offerCols = `f.id, f.application_id, a.user_id, ` + unitCols + `, b.name_zh, b.name_en, f.state, f.expires_on, f.created_at, f.decided_at`

const offerFrom = ` FROM housing_offers f JOIN housing_applications a ON a.id = f.application_id JOIN housing_units u ON u.id = f.unit_id
	JOIN housing_buildings b ON b.id = u.building_id`

func scanOffer(r scanner) (Offer, error) {
	var o Offer
	var exp db.Date
	var dec db.Time
	err := r.Scan(&o.ID, &o.ApplicationID, &o.UserID, &o.Unit.ID, &o.Unit.BuildingID, &o.Unit.Number, &o.Unit.Rooms, &o.Unit.AreaM2, &o.Unit.RentFen,
		&o.Unit.Status, &o.BuildingZh, &o.BuildingEn, &o.State, &exp, &o.CreatedAt, &dec)
	o.ExpiresOn, o.DecidedAt = exp.String, dec.Ptr()
	return o, err
}

func loadOffer(ctx context.Context, q querier, id int64) (Offer, error) {
	o, err := scanOffer(q.QueryRowContext(ctx, `SELECT `+offerCols+offerFrom+` WHERE f.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, apperr.New(apperr.NotFound, "no offer %d", id)
	}
	return o, apperr.Wrap(err, "offer")
}

// Sweep lapses the offers past their deadline and ends the tenancies past
// their end, passing each unit on to the next on a waitlist. Every
// writing method sweeps first; officers may sweep by hand.
func (s *Service) Sweep(ctx context.Context, p *auth.Principal) (int, error) {
	if err := signedIn(p); err != nil {
		return 0, err
	}
	if !p.IsAdmin() && !p.IsOfficer() {
		return 0, apperr.New(apperr.Forbidden, "officers sweep the offers")
	}
	return s.sweepN(ctx)
}

func (s *Service) sweep(ctx context.Context) error {
	_, err := s.sweepN(ctx)
	return err
}

func (s *Service) sweepN(ctx context.Context) (int, error) {
	d := s.today().Format(time.DateOnly)
	var n int
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM housing_offers WHERE state = 'open' AND expires_on < $1)
		+ (SELECT COUNT(*) FROM housing_tenancies WHERE state = 'active' AND end_on < $1)`, d).Scan(&n); err != nil || n == 0 {
		return 0, apperr.Wrap(err, "sweep")
	}
	done := 0
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM housing_offers WHERE state = 'open' AND expires_on < $1 ORDER BY id`, d)
		offers, err := db.Collect(rows, err, "expired offers", scanID)
		if err != nil {
			return err
		}
		for _, id := range offers {
			if err := s.closeOffer(ctx, tx, id, "expired", Lapsed, now); err != nil {
				return err
			}
			done++
		}
		rows, err = tx.QueryContext(ctx, `SELECT id FROM housing_tenancies WHERE state = 'active' AND end_on < $1 ORDER BY id`, d)
		ts, err := db.Collect(rows, err, "ended tenancies", scanID)
		if err != nil {
			return err
		}
		for _, id := range ts {
			t, err := loadTenancy(ctx, tx, id)
			if err != nil {
				return err
			}
			if err := s.endTenancy(ctx, tx, &t, t.EndOn, "end", now); err != nil {
				return err
			}
			done++
		}
		return nil
	})
	return done, err
}

func scanID(r interface{ Scan(...any) error }) (int64, error) {
	var id int64
	err := r.Scan(&id)
	return id, err
}

// closeOffer ends an open offer (declined or expired), sets its
// application's state, and passes the unit on.
func (s *Service) closeOffer(ctx context.Context, tx *sql.Tx, id int64, state, appState string, now time.Time) error {
	o, err := loadOffer(ctx, tx, id)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE housing_offers SET state = $1, decided_at = $2 WHERE id = $3 AND state = 'open'`, state, now, id)
	if err != nil {
		return apperr.Wrap(err, "offer")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.New(apperr.Conflict, "the offer is no longer open")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE housing_applications SET state = $1, updated_at = $2 WHERE id = $3`, appState, now, o.ApplicationID); err != nil {
		return apperr.Wrap(err, "application")
	}
	if err := audit.Record(ctx, tx, now, audit.Change{Action: state, Entity: "housing_offer", EntityID: idStr(id),
		Before: map[string]string{"state": "open"}, After: map[string]string{"state": state}}); err != nil {
		return err
	}
	return s.release(ctx, tx, o.Unit.ID, Offered)
}

// Decline turns an offer down: the unit goes to the next on the waitlist.
func (s *Service) Decline(ctx context.Context, p *auth.Principal, id int64) (Offer, error) {
	if err := s.signedInSwept(ctx, p); err != nil {
		return Offer{}, err
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		o, err := loadOffer(ctx, tx, id)
		if err != nil {
			return err
		}
		if o.UserID != p.UserID {
			return apperr.New(apperr.NotFound, "no offer %d", id)
		}
		if o.State != "open" {
			return apperr.New(apperr.Conflict, "the offer is %s", o.State)
		}
		return s.closeOffer(ctx, tx, id, "declined", Declined, s.DB.Now())
	})
	return reload(ctx, s, err, loadOffer, id)
}

// Accept takes an open offer: the unit becomes occupied and the tenancy
// starts on the move-in day (today when that has passed) for the round's
// first term, renewable up to the round's maximum years.
func (s *Service) Accept(ctx context.Context, p *auth.Principal, id int64) (Tenancy, error) {
	if err := s.signedInSwept(ctx, p); err != nil {
		return Tenancy{}, err
	}
	var tid int64
	now := s.DB.Now()
	today := s.today()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		o, err := loadOffer(ctx, tx, id)
		if err != nil {
			return err
		}
		if o.UserID != p.UserID {
			return apperr.New(apperr.NotFound, "no offer %d", id)
		}
		res, err := tx.ExecContext(ctx, `UPDATE housing_offers SET state = 'accepted', decided_at = $1 WHERE id = $2 AND state = 'open'`, now, id)
		if err != nil {
			return apperr.Wrap(err, "offer")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "the offer is %s", o.State)
		}
		if err := casUnit(ctx, tx, o.Unit.ID, Offered, Occupied); err != nil {
			return err
		}
		a, err := loadApplication(ctx, tx, o.ApplicationID)
		if err != nil {
			return err
		}
		r, err := loadRound(ctx, tx, a.RoundID)
		if err != nil {
			return err
		}
		start, _ := day(a.MoveInOn)
		if start.Before(today) {
			start = today
		}
		end := start.AddDate(0, r.TermMonths, 0)
		maxEnd := start.AddDate(r.MaxYears, 0, 0)
		err = tx.QueryRowContext(ctx, `INSERT INTO housing_tenancies (unit_id, application_id, user_id, start_on, end_on, max_end_on, term_months, state, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8) RETURNING id`, o.Unit.ID, a.ID, a.UserID, start.Format(time.DateOnly), end.Format(time.DateOnly),
			maxEnd.Format(time.DateOnly), r.TermMonths, now).Scan(&tid)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "unit %d already has a tenant", o.Unit.ID)
		} else if err != nil {
			return apperr.Wrap(err, "insert tenancy")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE housing_applications SET state = $1, updated_at = $2 WHERE id = $3`, Housed, now, a.ID); err != nil {
			return apperr.Wrap(err, "application")
		}
		t, err := loadTenancy(ctx, tx, tid)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: a.EmployerOrgID, Action: "accept", Entity: "housing_tenancy", EntityID: idStr(tid),
			Before: map[string]any{"offer": id, "state": "open"}, After: t})
	})
	return reload(ctx, s, err, loadTenancy, tid)
}

// --- tenancies ---

const tenancyCols = `t.id, ` + unitCols + `, b.name_zh, b.name_en, b.district, t.application_id, t.user_id, COALESCE(us.name, ''), t.start_on, t.end_on, t.max_end_on,
	t.term_months, t.renewed, t.state, t.moved_out_on`

const tenancyFrom = ` FROM housing_tenancies t JOIN housing_units u ON u.id = t.unit_id JOIN housing_buildings b ON b.id = u.building_id JOIN users us ON us.id = t.user_id`

func scanTenancy(r scanner) (Tenancy, error) {
	var t Tenancy
	var app sql.NullInt64
	var start, end, maxEnd, out db.Date
	err := r.Scan(&t.ID, &t.Unit.ID, &t.Unit.BuildingID, &t.Unit.Number, &t.Unit.Rooms, &t.Unit.AreaM2, &t.Unit.RentFen, &t.Unit.Status, &t.BuildingZh, &t.BuildingEn,
		&t.District, &app, &t.UserID, &t.TenantName, &start, &end, &maxEnd, &t.TermMonths, &t.Renewed, &t.State, &out)
	if app.Valid {
		t.ApplicationID = &app.Int64
	}
	t.StartOn, t.EndOn, t.MaxEndOn, t.MovedOutOn = start.String, end.String, maxEnd.String, out.Ptr()
	return t, err
}

func loadTenancy(ctx context.Context, q querier, id int64) (Tenancy, error) {
	t, err := scanTenancy(q.QueryRowContext(ctx, `SELECT `+tenancyCols+tenancyFrom+` WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.New(apperr.NotFound, "no tenancy %d", id)
	}
	return t, apperr.Wrap(err, "tenancy")
}

// Tenancies lists the tenancies of a district (of every district for
// administrators): officers.
func (s *Service) Tenancies(ctx context.Context, p *auth.Principal, district string) ([]Tenancy, error) {
	if err := signedIn(p); err != nil {
		return nil, err
	}
	if district == "" && !p.IsAdmin() {
		if ds := p.OfficerDistricts(); len(ds) > 0 {
			district = ds[0]
		}
	}
	if (district == "" && !p.IsAdmin()) || (district != "" && !officer(p, district)) {
		return nil, apperr.New(apperr.Forbidden, "officers of the district see its tenancies")
	}
	a := db.Args{}
	where := ""
	if district != "" {
		where = ` WHERE b.district = ` + a.Add(district)
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+tenancyCols+tenancyFrom+where+` ORDER BY t.state, t.end_on, t.id LIMIT 1000`, a...)
	return db.Collect(rows, err, "tenancies", func(r interface{ Scan(...any) error }) (Tenancy, error) { return scanTenancy(r) })
}

// mayManage: the tenant, officers of the building's district.
func mayManage(p *auth.Principal, t *Tenancy) bool {
	return p != nil && (t.UserID == p.UserID || officer(p, t.District))
}

// Renew extends an active tenancy once by its term, up to the round's
// maximum: the tenant or an officer of the district.
func (s *Service) Renew(ctx context.Context, p *auth.Principal, id int64) (Tenancy, error) {
	if err := s.signedInSwept(ctx, p); err != nil {
		return Tenancy{}, err
	}
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		t, err := loadTenancy(ctx, tx, id)
		if err != nil {
			return err
		}
		if !mayManage(p, &t) {
			return apperr.New(apperr.NotFound, "no tenancy %d", id)
		}
		switch {
		case t.State != "active":
			return apperr.New(apperr.Conflict, "the tenancy has ended")
		case t.Renewed:
			return apperr.New(apperr.Conflict, "a tenancy is renewed once")
		case t.EndOn >= t.MaxEndOn:
			return apperr.New(apperr.Conflict, "the tenancy already runs to the programme's maximum, %s", t.MaxEndOn)
		}
		end, _ := day(t.EndOn)
		newEnd := end.AddDate(0, t.TermMonths, 0).Format(time.DateOnly)
		newEnd = min(newEnd, t.MaxEndOn)
		res, err := tx.ExecContext(ctx, `UPDATE housing_tenancies SET end_on = $1, renewed = TRUE WHERE id = $2 AND renewed = FALSE AND state = 'active'`, newEnd, id)
		if err != nil {
			return apperr.Wrap(err, "renew")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "a tenancy is renewed once")
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "renew", Entity: "housing_tenancy", EntityID: idStr(id),
			Before: map[string]string{"end_on": t.EndOn}, After: map[string]string{"end_on": newEnd}})
	})
	return reload(ctx, s, err, loadTenancy, id)
}

// MoveOut ends an active tenancy on a day between its start and today:
// the tenant or an officer. The unit goes to the next on a waitlist.
func (s *Service) MoveOut(ctx context.Context, p *auth.Principal, id int64, in MoveOutInput) (Tenancy, error) {
	if err := s.signedInSwept(ctx, p); err != nil {
		return Tenancy{}, err
	}
	today := s.today()
	on := today
	if strings.TrimSpace(in.On) != "" {
		var ok bool
		if on, ok = day(in.On); !ok {
			return Tenancy{}, apperr.Field("on", "must be a date YYYY-MM-DD")
		}
		if on.After(today) {
			return Tenancy{}, apperr.Field("on", "is in the future")
		}
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		t, err := loadTenancy(ctx, tx, id)
		if err != nil {
			return err
		}
		if !mayManage(p, &t) {
			return apperr.New(apperr.NotFound, "no tenancy %d", id)
		}
		if t.State != "active" {
			return apperr.New(apperr.Conflict, "the tenancy has ended")
		}
		d := on.Format(time.DateOnly)
		if d < t.StartOn {
			return apperr.Field("on", "is before the tenancy's start, %s", t.StartOn)
		}
		return s.endTenancy(ctx, tx, &t, d, "move_out", s.DB.Now())
	})
	return reload(ctx, s, err, loadTenancy, id)
}

func (s *Service) endTenancy(ctx context.Context, tx *sql.Tx, t *Tenancy, on, action string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE housing_tenancies SET state = 'ended', moved_out_on = $1 WHERE id = $2 AND state = 'active'`, on, t.ID)
	if err != nil {
		return apperr.Wrap(err, "end tenancy")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.New(apperr.Conflict, "the tenancy has ended")
	}
	if err := audit.Record(ctx, tx, now, audit.Change{Action: action, Entity: "housing_tenancy", EntityID: idStr(t.ID),
		Before: map[string]string{"state": "active"}, After: map[string]string{"state": "ended", "moved_out_on": on}}); err != nil {
		return err
	}
	return s.release(ctx, tx, t.Unit.ID, Occupied)
}

// --- the talent's own ---

// Mine is a talent's applications, offers and tenancies.
type Mine struct {
	Applications []Application `json:"applications"`
	Offers       []Offer       `json:"offers"`
	Tenancies    []Tenancy     `json:"tenancies"`
	TalentClass  string        `json:"talent_class"`
	HasPerson    bool          `json:"has_person"`
}

// Mine returns the signed-in talent's applications, offers and tenancies.
func (s *Service) Mine(ctx context.Context, p *auth.Principal) (Mine, error) {
	if err := s.signedInSwept(ctx, p); err != nil {
		return Mine{}, err
	}
	var m Mine
	var err error
	if m.Applications, err = s.applications(ctx, s.DB.Read, `a.user_id = $1 ORDER BY a.id DESC`, p.UserID); err != nil {
		return m, err
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+offerCols+offerFrom+` WHERE a.user_id = $1 ORDER BY f.id DESC`, p.UserID)
	if m.Offers, err = db.Collect(rows, err, "offers", func(r interface{ Scan(...any) error }) (Offer, error) { return scanOffer(r) }); err != nil {
		return m, err
	}
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT `+tenancyCols+tenancyFrom+` WHERE t.user_id = $1 ORDER BY t.id DESC`, p.UserID)
	if m.Tenancies, err = db.Collect(rows, err, "tenancies", func(r interface{ Scan(...any) error }) (Tenancy, error) { return scanTenancy(r) }); err != nil {
		return m, err
	}
	var n int
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM people WHERE user_id = $1`, p.UserID).Scan(&n); err != nil {
		return m, apperr.Wrap(err, "person")
	}
	m.HasPerson = n > 0
	m.TalentClass, err = s.ClassOf(ctx, p.UserID, s.today())
	return m, err
}

// --- occupancy ---

// OccupancyRow is the units of one building (or district) by status.
type OccupancyRow struct {
	District    string  `json:"district"`
	BuildingID  int64   `json:"building_id,omitempty"`
	NameZh      string  `json:"name_zh,omitempty"`
	NameEn      string  `json:"name_en,omitempty"`
	Units       int     `json:"units"`
	Occupied    int     `json:"occupied"`
	Offered     int     `json:"offered"`
	Available   int     `json:"available"`
	Maintenance int     `json:"maintenance"`
	Rate        float64 `json:"occupancy_rate"`
	Waitlisted  int     `json:"waitlisted,omitempty"`
}

// Occupancy is the report by building and by district.
type Occupancy struct {
	Buildings []OccupancyRow `json:"buildings"`
	Districts []OccupancyRow `json:"districts"`
	Total     OccupancyRow   `json:"total"`
}

// Occupancy reports the units by status, per building and per district,
// and the waitlists per district: public figures.
func (s *Service) Occupancy(ctx context.Context) (Occupancy, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT b.district, b.id, b.name_zh, b.name_en, COUNT(u.id),
		COALESCE(SUM(CASE WHEN u.status = 'occupied' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN u.status = 'offered' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN u.status = 'available' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN u.status = 'maintenance' THEN 1 ELSE 0 END), 0)
		FROM housing_buildings b LEFT JOIN housing_units u ON u.building_id = b.id GROUP BY b.district, b.id, b.name_zh, b.name_en ORDER BY b.district, b.name_zh, b.id`)
	bs, err := db.Collect(rows, err, "occupancy", func(r interface{ Scan(...any) error }) (OccupancyRow, error) {
		var o OccupancyRow
		err := r.Scan(&o.District, &o.BuildingID, &o.NameZh, &o.NameEn, &o.Units, &o.Occupied, &o.Offered, &o.Available, &o.Maintenance)
		return o, err
	})
	if err != nil {
		return Occupancy{}, err
	}
	waits := map[string]int{}
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT r.district, COUNT(*) FROM housing_applications a JOIN housing_rounds r ON r.id = a.round_id
		WHERE a.state = 'waitlisted' GROUP BY r.district`)
	if _, err := db.Collect(rows, err, "waitlists", func(r interface{ Scan(...any) error }) (int, error) {
		var d string
		var n int
		err := r.Scan(&d, &n)
		waits[d] = n
		return n, err
	}); err != nil {
		return Occupancy{}, err
	}
	out := Occupancy{Buildings: bs, Districts: []OccupancyRow{}}
	add := func(to *OccupancyRow, b OccupancyRow) {
		to.Units += b.Units
		to.Occupied += b.Occupied
		to.Offered += b.Offered
		to.Available += b.Available
		to.Maintenance += b.Maintenance
	}
	for i := range out.Buildings {
		b := &out.Buildings[i]
		b.Rate = rate(b)
		if n := len(out.Districts); n == 0 || out.Districts[n-1].District != b.District {
			out.Districts = append(out.Districts, OccupancyRow{District: b.District, Waitlisted: waits[b.District]})
		}
		add(&out.Districts[len(out.Districts)-1], *b)
		add(&out.Total, *b)
	}
	for i := range out.Districts {
		out.Districts[i].Rate = rate(&out.Districts[i])
		out.Total.Waitlisted += out.Districts[i].Waitlisted
	}
	out.Total.Rate = rate(&out.Total)
	return out, nil
}

// rate is the occupied share of the units in use (maintenance left out).
func rate(o *OccupancyRow) float64 {
	n := o.Units - o.Maintenance
	if n <= 0 {
		return 0
	}
	return float64(o.Occupied) / float64(n)
}

// Percent is the occupancy rate in percent with one decimal, for pages.
func (o OccupancyRow) Percent() string { return strconv.FormatFloat(o.Rate*100, 'f', 1, 64) }

// Today is the current day in Shanghai, the day windows and deadlines
// are read against.
func (s *Service) Today() time.Time { return s.today() }
