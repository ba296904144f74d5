package talent

import (
	"context"
	"database/sql"
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
	"rainforest/internal/kernel/text"
	"rainforest/internal/kernel/workflow"
)

// Application states.
const (
	Draft       = "draft"
	Submitted   = "submitted"
	UnderReview = "under_review"
	Returned    = "returned"
	Approved    = "approved"
	Rejected    = "rejected"
	Withdrawn   = "withdrawn"
)

// OpenStates are the states of undecided applications: re-scoring
// touches only these.
var OpenStates = []string{Draft, Submitted, UnderReview, Returned}

// Residence-procedure states.
var ResidenceStates = []string{"not_started", "handed_off", "accepted", "issued", "refused"}

// Application is a work-permit application. Profile, Score and Checklist
// are present only for those who may read the talent's personal data (the
// talent, the employer's owners, officers); PersonalData says which.
type Application struct {
	ID              int64   `json:"id"`
	Kind            string  `json:"kind"`
	RenewsPermitID  *int64  `json:"renews_permit_id"`
	EmployerOrgID   int64   `json:"employer_org_id"`
	EmployerName    string  `json:"employer_name"`
	TalentUserID    *int64  `json:"talent_user_id"`
	Name            string  `json:"name"`
	NameZh          string  `json:"name_zh"`
	JobTitle        string  `json:"job_title"`
	State           string  `json:"state"`
	ApplicationDate *string `json:"application_date"`
	// The current score: total, class and its basis ("points" or the
	// direct criterion), the table version and the day it is as of.
	ScorePoints     int       `json:"score_points"`
	ScoreClass      string    `json:"score_class"`
	ScoreBasis      string    `json:"score_basis"`
	ScoreTableID    *int64    `json:"score_table_id"`
	ScoreAsOf       *string   `json:"score_as_of"`
	DecisionReasons string    `json:"decision_reasons"`
	ResidenceState  string    `json:"residence_state"`
	Version         int       `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`

	Permit       *PermitSummary  `json:"permit"`
	PersonalData bool            `json:"personal_data"`
	Profile      *Profile        `json:"profile,omitempty"`
	Score        *Score          `json:"score,omitempty"`
	Checklist    []ChecklistItem `json:"checklist,omitempty"`

	profile    Profile
	scoreItems string
	createdBy  int64
}

// ApplicationInput files or changes an application: the employer, the
// talent's account (optional, by e-mail) and the profile.
type ApplicationInput struct {
	EmployerOrgID int64  `json:"employer_org_id"`
	TalentEmail   string `json:"talent_email"`
	Profile
}

const appCols = `a.id, a.kind, a.renews_permit_id, a.employer_org_id, o.name_zh, a.talent_user_id, a.name, a.name_zh, a.job_title, a.nationality, a.passport_no,
	a.birth_date, a.education, a.graduation_date, a.chinese_taught_degree, a.former_chinese, a.hsk, a.work_years, a.work_history, a.salary_yuan,
	a.months_in_china, a.work_location, a.top_university, a.fortune500, a.owns_ip, a.five_years_china, a.national_talent_program,
	a.recognised_achievement, a.provincial_bonus, a.application_date, a.state, a.score_table_id, a.score_points, a.score_class, a.score_basis,
	a.score_items, a.score_as_of, a.decision_reasons, a.residence_state, a.created_by, a.version, a.created_at, a.updated_at`

const appFrom = ` FROM talent_applications a JOIN orgs o ON o.id = a.employer_org_id`

func scanApp(r interface{ Scan(...any) error }) (Application, error) {
	var a Application
	var renews, talent, table, by sql.NullInt64
	var birth, grad, appDate, asOf db.Date
	var history string
	p := &a.profile
	err := r.Scan(&a.ID, &a.Kind, &renews, &a.EmployerOrgID, &a.EmployerName, &talent, &a.Name, &a.NameZh, &a.JobTitle, &p.Nationality, &p.PassportNo,
		&birth, &p.Education, &grad, &p.ChineseTaughtDegree, &p.FormerChinese, &p.HSK, &p.WorkYears, &history, &p.SalaryYuan,
		&p.MonthsInChina, &p.WorkLocation, &p.TopUniversity, &p.Fortune500, &p.OwnsIP, &p.FiveYearsChina, &p.NationalTalentProgram,
		&p.RecognisedAchievement, &p.ProvincialBonus, &appDate, &a.State, &table, &a.ScorePoints, &a.ScoreClass, &a.ScoreBasis,
		&a.scoreItems, &asOf, &a.DecisionReasons, &a.ResidenceState, &by, &a.Version, &a.CreatedAt, &a.UpdatedAt)
	if err != nil {
		return a, err
	}
	if renews.Valid {
		a.RenewsPermitID = &renews.Int64
	}
	if talent.Valid {
		a.TalentUserID = &talent.Int64
	}
	if table.Valid {
		a.ScoreTableID = &table.Int64
	}
	a.createdBy = by.Int64
	a.ApplicationDate, a.ScoreAsOf = appDate.Ptr(), asOf.Ptr()
	p.Name, p.NameZh, p.JobTitle, p.BirthDate, p.GraduationDate = a.Name, a.NameZh, a.JobTitle, birth.String, grad.String
	if err := json.Unmarshal([]byte(history), &p.WorkHistory); err != nil {
		return a, err
	}
	return a, nil
}

func loadApp(ctx context.Context, q Querier, id int64) (Application, error) {
	a, err := scanApp(q.QueryRowContext(ctx, `SELECT `+appCols+appFrom+` WHERE a.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "no work-permit application %d", id)
	}
	return a, apperr.Wrap(err, "work-permit application")
}

// mayRead: the talent, the employer's members, officers and
// administrators see the case.
func mayRead(p *auth.Principal, a *Application) bool {
	return p != nil && (p.IsAdmin() || p.IsOfficer() || p.RoleIn(a.EmployerOrgID) != "" || isTalent(p, a))
}

// mayReadPersonal: the talent, the employer's owners and officers read the
// personal data.
func mayReadPersonal(p *auth.Principal, a *Application) bool {
	return p != nil && (p.IsOfficer() || p.RoleIn(a.EmployerOrgID) == auth.OrgOwner || isTalent(p, a))
}

// begin starts the workflow of an application just inserted and scores
// it with the table in force on day.
func (s *Service) begin(ctx context.Context, tx *sql.Tx, p *auth.Principal, id int64, day time.Time) (Application, error) {
	a, err := loadApp(ctx, tx, id)
	if err != nil {
		return a, err
	}
	if _, err := s.machine().Begin(ctx, tx, subject(&a), p, ""); err != nil {
		return a, err
	}
	err = s.score(ctx, tx, &a, day)
	return a, err
}

// readableApp loads an application p may see; to others it does not
// exist.
func readableApp(ctx context.Context, q Querier, p *auth.Principal, id int64) (Application, error) {
	a, err := loadApp(ctx, q, id)
	if err != nil {
		return a, err
	}
	if !mayRead(p, &a) {
		return Application{}, apperr.New(apperr.NotFound, "no work-permit application %d", id)
	}
	return a, nil
}

func isTalent(p *auth.Principal, a *Application) bool {
	return p != nil && p.UserID != 0 && a.TalentUserID != nil && *a.TalentUserID == p.UserID
}

type appSubject struct{ a *Application }

func appRoles(p *auth.Principal, s workflow.Subject[*appSubject]) []string {
	if p == nil {
		return nil
	}
	var out []string
	if p.RoleIn(s.Value.a.EmployerOrgID) != "" {
		out = append(out, "employer")
	}
	if p.IsOfficer() {
		out = append(out, "officer")
	}
	return out
}

// Applications is the work-permit workflow.
var Applications = workflow.Must(workflow.New[*appSubject](nil, workflow.Definition[*appSubject]{
	Name:    "work_permit_application",
	LabelZh: "外国人工作许可申请",
	LabelEn: "Work-permit application",
	Initial: Draft,
	States: []workflow.State{
		{Name: Draft, LabelZh: "草稿", LabelEn: "Draft"},
		{Name: Submitted, LabelZh: "已提交", LabelEn: "Submitted"},
		{Name: UnderReview, LabelZh: "审查中", LabelEn: "Under review"},
		{Name: Returned, LabelZh: "退回补正", LabelEn: "Returned for changes"},
		{Name: Approved, LabelZh: "已批准", LabelEn: "Approved", Terminal: true},
		{Name: Rejected, LabelZh: "不予批准", LabelEn: "Rejected", Terminal: true},
		{Name: Withdrawn, LabelZh: "已撤回", LabelEn: "Withdrawn", Terminal: true},
	},
	Transitions: []workflow.Transition[*appSubject]{
		{Action: "submit", LabelZh: "提交", LabelEn: "Submit", From: []string{Draft, Returned}, To: Submitted, Roles: []string{"employer"}, Guard: documentsGuard},
		{Action: "review", LabelZh: "开始审查", LabelEn: "Start review", From: []string{Submitted}, To: UnderReview, Roles: []string{"officer"}},
		{Action: "approve", LabelZh: "批准", LabelEn: "Approve", From: []string{UnderReview}, To: Approved, Roles: []string{"officer"}},
		{Action: "reject", LabelZh: "不予批准", LabelEn: "Reject", From: []string{Submitted, UnderReview}, To: Rejected, Roles: []string{"officer"}, Comment: workflow.CommentRequired},
		{Action: "return", LabelZh: "退回补正", LabelEn: "Return for changes", From: []string{Submitted, UnderReview}, To: Returned, Roles: []string{"officer"}, Comment: workflow.CommentRequired},
		{Action: "withdraw", LabelZh: "撤回", LabelEn: "Withdraw", From: []string{Draft, Submitted, Returned}, To: Withdrawn, Roles: []string{"employer"}},
	},
	Store:   workflow.Store{Table: "talent_applications", VersionColumn: "version", UpdatedColumn: "updated_at"},
	RolesOf: appRoles,
}))

func (s *Service) machine() *workflow.Machine[*appSubject] {
	m := *Applications
	m.DB = s.DB
	return &m
}

func subject(a *Application) workflow.Subject[*appSubject] {
	return workflow.Subject[*appSubject]{ID: a.ID, State: a.State, OrgID: a.EmployerOrgID, Value: &appSubject{a}}
}

// talentUser finds the talent's account by e-mail ("" : none).
func talentUser(ctx context.Context, q Querier, email string) (any, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return nil, nil
	}
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM users WHERE lower(email) = $1 AND NOT disabled`, email).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.Field("talent_email", "is not the e-mail of an account on the platform")
	}
	return id, apperr.Wrap(err, "talent account")
}

// Create files a draft application for a foreign talent: a member of the
// employer. The draft is scored at once with the table in force today.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in ApplicationInput) (Application, error) {
	if p == nil {
		return Application{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if in.EmployerOrgID == 0 {
		if ids := p.OrgIDs(); len(ids) == 1 {
			in.EmployerOrgID = ids[0]
		}
	}
	if in.EmployerOrgID < 1 || p.RoleIn(in.EmployerOrgID) == "" {
		return Application{}, apperr.Field("employer_org_id", "must be an organization you belong to").WithCode(apperr.Forbidden)
	}
	today := s.today()
	if err := in.Profile.Check(today, ""); err != nil {
		return Application{}, err
	}
	var id int64
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		user, err := talentUser(ctx, tx, in.TalentEmail)
		if err != nil {
			return err
		}
		id, err = insertApp(ctx, tx, "new", nil, in.EmployerOrgID, user, &in.Profile, p.UserID, s.DB.Now())
		if err != nil {
			return err
		}
		a, err := s.begin(ctx, tx, p, id, today)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.DB.Now(), audit.Change{OrgID: a.EmployerOrgID, Action: "create", Entity: "work_permit_application",
			EntityID: strconv.FormatInt(id, 10), After: caseRecord(&a)})
	})
	if err != nil {
		return Application{}, err
	}
	return s.Get(ctx, p, id)
}

// caseRecord is what the audit log keeps of an application: the case
// without the personal data.
func caseRecord(a *Application) map[string]any {
	return map[string]any{"kind": a.Kind, "employer_org_id": a.EmployerOrgID, "talent_user_id": a.TalentUserID, "name": a.Name,
		"job_title": a.JobTitle, "state": a.State, "score_points": a.ScorePoints, "score_class": a.ScoreClass}
}

func insertApp(ctx context.Context, tx *sql.Tx, kind string, renews any, employer int64, user any, p *Profile, by int64, now time.Time) (int64, error) {
	history, _ := json.Marshal(p.WorkHistory)
	var id int64
	var creator any
	if by != 0 {
		creator = by
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO talent_applications (kind, renews_permit_id, employer_org_id, talent_user_id, name, name_zh, job_title,
		nationality, passport_no, birth_date, education, graduation_date, chinese_taught_degree, former_chinese, hsk, work_years, work_history,
		salary_yuan, months_in_china, work_location, top_university, fortune500, owns_ip, five_years_china, national_talent_program,
		recognised_achievement, provincial_bonus, state, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $30)
		RETURNING id`, kind, renews, employer, user, p.Name, p.NameZh, p.JobTitle, p.Nationality, p.PassportNo, p.BirthDate, p.Education,
		nullDate(p.GraduationDate), p.ChineseTaughtDegree, p.FormerChinese, p.HSK, p.WorkYears, string(history), p.SalaryYuan, p.MonthsInChina,
		p.WorkLocation, p.TopUniversity, p.Fortune500, p.OwnsIP, p.FiveYearsChina, p.NationalTalentProgram, p.RecognisedAchievement,
		p.ProvincialBonus, Draft, creator, now).Scan(&id)
	return id, apperr.Wrap(err, "insert work-permit application")
}

func nullDate(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Update changes the profile of a draft or returned application: the
// employer's owners, who read the personal data. It is re-scored.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, in ApplicationInput) (Application, error) {
	if p == nil {
		return Application{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	today := s.today()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		a, err := readableApp(ctx, tx, p, id)
		if err != nil {
			return err
		}
		// Changing the profile means handling the personal data: the
		// employer's owners (a member who filed it can still add documents
		// and submit).
		if p.RoleIn(a.EmployerOrgID) != auth.OrgOwner {
			return apperr.New(apperr.Forbidden, "the employer's owners change the application")
		}
		if a.State != Draft && a.State != Returned {
			return apperr.New(apperr.Conflict, "a %s application cannot be changed", a.State)
		}
		if in.EmployerOrgID != 0 && in.EmployerOrgID != a.EmployerOrgID {
			return apperr.Field("employer_org_id", "cannot change; file a new application")
		}
		if err := in.Profile.Check(today, ""); err != nil {
			return err
		}
		user, err := talentUser(ctx, tx, in.TalentEmail)
		if err != nil {
			return err
		}
		q := &in.Profile
		history, _ := json.Marshal(q.WorkHistory)
		if _, err := tx.ExecContext(ctx, `UPDATE talent_applications SET talent_user_id = $1, name = $2, name_zh = $3, job_title = $4, nationality = $5,
			passport_no = $6, birth_date = $7, education = $8, graduation_date = $9, chinese_taught_degree = $10, former_chinese = $11, hsk = $12,
			work_years = $13, work_history = $14, salary_yuan = $15, months_in_china = $16, work_location = $17, top_university = $18, fortune500 = $19,
			owns_ip = $20, five_years_china = $21, national_talent_program = $22, recognised_achievement = $23, provincial_bonus = $24,
			version = version + 1, updated_at = $25 WHERE id = $26`, user, q.Name, q.NameZh, q.JobTitle, q.Nationality, q.PassportNo, q.BirthDate,
			q.Education, nullDate(q.GraduationDate), q.ChineseTaughtDegree, q.FormerChinese, q.HSK, q.WorkYears, string(history), q.SalaryYuan,
			q.MonthsInChina, q.WorkLocation, q.TopUniversity, q.Fortune500, q.OwnsIP, q.FiveYearsChina, q.NationalTalentProgram,
			q.RecognisedAchievement, q.ProvincialBonus, s.DB.Now(), id); err != nil {
			return apperr.Wrap(err, "update work-permit application")
		}
		after, err := loadApp(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.score(ctx, tx, &after, today); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.DB.Now(), audit.Change{OrgID: a.EmployerOrgID, Action: "update", Entity: "work_permit_application",
			EntityID: strconv.FormatInt(id, 10), Before: caseRecord(&a), After: caseRecord(&after)})
	})
	if err != nil {
		return Application{}, err
	}
	return s.Get(ctx, p, id)
}

// scoreDay is the day an application is scored as of: its application
// date once submitted, today for a draft.
func scoreDay(a *Application, today time.Time) time.Time {
	if a.ApplicationDate != nil {
		if d, err := time.Parse(time.DateOnly, *a.ApplicationDate); err == nil {
			return d
		}
	}
	return today
}

// score re-scores one application inside tx with the table in force on
// its scoring day and writes the result.
func (s *Service) score(ctx context.Context, tx *sql.Tx, a *Application, today time.Time) error {
	tables, err := Tables(ctx, tx)
	if err != nil {
		return err
	}
	day := scoreDay(a, today)
	t := InForce(tables, day.Format(time.DateOnly))
	if t == nil {
		return apperr.New(apperr.Conflict, "no points table is in force on %s", day.Format(time.DateOnly))
	}
	birth, _ := time.Parse(time.DateOnly, a.profile.BirthDate)
	r := evaluate(&t.Points, &a.profile, Age(birth, day))
	_, err = tx.ExecContext(ctx, `UPDATE talent_applications SET score_table_id = $1, score_points = $2, score_class = $3, score_basis = $4,
		score_items = $5, score_as_of = $6, scored_at = $7 WHERE id = $8`, t.ID, r.total, r.class, r.basis(), r.items(), day.Format(time.DateOnly), s.DB.Now(), a.ID)
	a.ScoreTableID, a.ScorePoints, a.ScoreClass, a.ScoreBasis = &t.ID, r.total, r.class, r.basis()
	return apperr.Wrap(err, "score")
}

func (r *result) basis() string {
	if r.criterion != "" {
		return r.criterion
	}
	return BasisPoints
}

func (r *result) items() string {
	b := make([]byte, 0, 32)
	for i, v := range r.points {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(v), 10)
	}
	return string(b)
}

// Get returns an application as p may see it: 404 for those who may not
// see it at all; the personal data, the item-by-item score and the
// documents only for the talent, the employer's owners and officers.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (Application, error) {
	if p == nil {
		return Application{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	a, err := readableApp(ctx, s.DB.Read, p, id)
	if err != nil {
		return a, err
	}
	if err := s.permitOf(ctx, s.DB.Read, &a); err != nil {
		return a, err
	}
	if !mayReadPersonal(p, &a) {
		return a, nil
	}
	a.PersonalData = true
	prof := a.profile
	a.Profile = &prof
	if a.ScoreTableID != nil && a.ScoreAsOf != nil {
		t, err := s.Table(ctx, *a.ScoreTableID)
		if err != nil {
			return a, err
		}
		day, _ := time.Parse(time.DateOnly, *a.ScoreAsOf)
		sc := Evaluate(&t, &a.profile, day)
		a.Score = &sc
	}
	a.Checklist, err = s.checklist(ctx, s.DB.Read, &a)
	return a, err
}

func (s *Service) permitOf(ctx context.Context, q Querier, a *Application) error {
	rows, err := q.QueryContext(ctx, `SELECT `+permitCols+` FROM talent_permits WHERE application_id = $1`, a.ID)
	ps, err := collectPermits(rows, err, s.today())
	if len(ps) > 0 {
		a.Permit = &ps[0]
	}
	return err
}

// Query filters the application list.
type Query struct {
	State string
	// Mine: only the caller's own (as the talent) and their employers'
	// applications, even for an officer.
	Mine bool
}

// List lists the applications p may see, without personal data: the
// employer's members see their organizations', the talent their own,
// officers and administrators all (the queue).
func (s *Service) List(ctx context.Context, p *auth.Principal, q Query) ([]Application, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	var args db.Args
	where := []string{"1 = 1"}
	if q.State != "" {
		if _, ok := Applications.State(q.State); !ok {
			return nil, apperr.Field("state", "is not a state of the application")
		}
		where = append(where, "a.state = "+args.Add(q.State))
	}
	if q.Mine || !(p.IsOfficer() || p.IsAdmin()) {
		mine := "a.talent_user_id = " + args.Add(p.UserID)
		if ids := p.OrgIDs(); len(ids) > 0 {
			mine += " OR a.employer_org_id IN (" + db.List(&args, ids) + ")"
		}
		where = append(where, "("+mine+")")
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+appCols+appFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY a.id DESC LIMIT 500`, args...)
	return db.Collect(rows, err, "work-permit applications", scanApp)
}

// ActInput is a workflow action; approve also takes the class (default:
// the scored class) and the validity.
type ActInput struct {
	Action    string `json:"action"`
	Comment   string `json:"comment"`
	Class     string `json:"class"`
	ValidFrom string `json:"valid_from"`
	ValidTo   string `json:"valid_to"`
}

// maxValidityYears is the longest a permit is granted for.
const maxValidityYears = 5

// Act takes a workflow action. Submitting sets the application date and
// scores with the table in force that day; approving grants the permit
// (its number, class and validity) and hands the case to the residence
// procedure; a decision tells the employer and the talent.
func (s *Service) Act(ctx context.Context, p *auth.Principal, id int64, in ActInput) (Application, error) {
	if p == nil {
		return Application{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	today := s.today()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		a, err := readableApp(ctx, tx, p, id)
		if err != nil {
			return err
		}
		// The transition first, so that who may take it is settled before
		// the grant's fields are judged; a refused grant rolls it back.
		rec, err := s.machine().Apply(ctx, tx, subject(&a), in.Action, p, in.Comment)
		if err != nil {
			return err
		}
		var from, to time.Time
		class := ""
		if in.Action == "approve" {
			if class, from, to, err = checkGrant(in, &a, today); err != nil {
				return err
			}
		}
		now := s.DB.Now()
		switch in.Action {
		case "submit":
			a.ApplicationDate = ptr(today.Format(time.DateOnly))
			if _, err := tx.ExecContext(ctx, `UPDATE talent_applications SET application_date = $1 WHERE id = $2`, *a.ApplicationDate, id); err != nil {
				return apperr.Wrap(err, "application date")
			}
			if err := s.score(ctx, tx, &a, today); err != nil {
				return err
			}
		case "reject":
			if _, err := tx.ExecContext(ctx, `UPDATE talent_applications SET decision_reasons = $1 WHERE id = $2`, strings.TrimSpace(in.Comment), id); err != nil {
				return apperr.Wrap(err, "reasons")
			}
		case "approve":
			if err := s.grant(ctx, tx, &a, class, from, to, now); err != nil {
				return err
			}
		}
		if in.Action == "approve" || in.Action == "reject" || in.Action == "return" {
			return s.tellDecision(ctx, tx, &a, in.Action, rec.ID)
		}
		return nil
	})
	if err != nil {
		return Application{}, err
	}
	return s.Get(ctx, p, id)
}

func ptr[T any](v T) *T { return &v }

func checkGrant(in ActInput, a *Application, today time.Time) (string, time.Time, time.Time, error) {
	var fs text.Errors
	class := strings.ToUpper(strings.TrimSpace(in.Class))
	if class == "" {
		class = a.ScoreClass
	}
	if class != ClassA && class != ClassB && class != ClassC {
		fs.Add("class", "must be A, B or C")
	}
	from := today
	if in.ValidFrom != "" {
		var err error
		if from, err = time.Parse(time.DateOnly, in.ValidFrom); err != nil {
			fs.Add("valid_from", "must be a date YYYY-MM-DD")
		} else if from.Before(today.AddDate(0, 0, -30)) {
			fs.Add("valid_from", "must not be more than 30 days ago")
		}
	}
	to, err := time.Parse(time.DateOnly, in.ValidTo)
	switch {
	case err != nil:
		fs.Add("valid_to", "must be a date YYYY-MM-DD")
	case !to.After(from):
		fs.Add("valid_to", "must be after valid_from")
	case to.After(from.AddDate(maxValidityYears, 0, 0)):
		fs.Add("valid_to", "a permit is granted for at most 5 years")
	}
	return class, from, to, apperr.Fields(fs)
}

// grant writes the permit of an approved application, supersedes the
// permit a renewal replaces, and hands the case to the residence
// procedure.
func (s *Service) grant(ctx context.Context, tx *sql.Tx, a *Application, class string, from, to time.Time, now time.Time) error {
	if class == ClassC {
		// A renewal of a class-C permit keeps its place in the quota.
		renewsC := false
		if a.RenewsPermitID != nil {
			var old string
			if err := tx.QueryRowContext(ctx, `SELECT class FROM talent_permits WHERE id = $1`, *a.RenewsPermitID).Scan(&old); err != nil {
				return apperr.Wrap(err, "renewed permit")
			}
			renewsC = old == ClassC
		}
		if !renewsC {
			if err := takeQuota(ctx, tx, s.today().Year()); err != nil {
				return err
			}
		}
	}
	var pid int64
	err := tx.QueryRowContext(ctx, `INSERT INTO talent_permits (application_id, number, class, employer_org_id, talent_user_id, holder_name, valid_from, valid_to, issued_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, a.ID, "pending-"+strconv.FormatInt(a.ID, 10), class, a.EmployerOrgID,
		db.Nullable(a.TalentUserID), a.Name, from.Format(time.DateOnly), to.Format(time.DateOnly), now).Scan(&pid)
	if err != nil {
		return apperr.Wrap(err, "permit")
	}
	number := PermitNumber(from, pid)
	if _, err := tx.ExecContext(ctx, `UPDATE talent_permits SET number = $1 WHERE id = $2`, number, pid); err != nil {
		return apperr.Wrap(err, "permit number")
	}
	if a.RenewsPermitID != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE talent_permits SET status = 'superseded' WHERE id = $1`, *a.RenewsPermitID); err != nil {
			return apperr.Wrap(err, "renewed permit")
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE talent_applications SET residence_state = 'handed_off', residence_updated_at = $1 WHERE id = $2`, now, a.ID); err != nil {
		return apperr.Wrap(err, "residence hand-off")
	}
	return audit.Record(ctx, tx, now, audit.Change{OrgID: a.EmployerOrgID, Action: "grant", Entity: "work_permit", EntityID: strconv.FormatInt(pid, 10),
		After: map[string]any{"application_id": a.ID, "number": number, "class": class, "valid_from": from.Format(time.DateOnly),
			"valid_to": to.Format(time.DateOnly), "residence_state": "handed_off"}})
}

// PermitNumber is a permit's number: the region (310000, Shanghai), the
// year it starts and the permit's serial.
func PermitNumber(from time.Time, id int64) string {
	return "310000" + strconv.Itoa(from.Year()) + leftPad(strconv.FormatInt(id, 10), 8)
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

func (s *Service) tellDecision(ctx context.Context, tx *sql.Tx, a *Application, action string, transition int64) error {
	if s.Notifier == nil {
		return nil
	}
	m := notify.Message{Kind: "talent.permit." + action, Key: "talent.permit:" + strconv.FormatInt(transition, 10),
		Title: notify.T("talent.notice."+action, a.Name), Body: notify.T("talent.notice."+action+".body", a.Name, a.ID),
		Link: "/talent/applications/" + strconv.FormatInt(a.ID, 10)}
	if _, err := s.Notifier.ToOrg(ctx, tx, a.EmployerOrgID, m); err != nil {
		return err
	}
	if a.TalentUserID != nil {
		if _, err := s.Notifier.ToUser(ctx, tx, *a.TalentUserID, m); err != nil {
			return err
		}
	}
	return nil
}

// Options lists the actions p can take on the application now.
func (s *Service) Options(ctx context.Context, p *auth.Principal, a *Application) ([]workflow.Option, error) {
	return s.machine().Available(ctx, s.DB.Read, subject(a), p)
}

// History lists the application's transitions.
func (s *Service) History(ctx context.Context, id int64) ([]workflow.Record, error) {
	return s.machine().History(ctx, s.DB.Read, id)
}

// SetResidence moves the residence-permit step of an approved
// application: handed_off → accepted → issued or refused. Officers.
func (s *Service) SetResidence(ctx context.Context, p *auth.Principal, id int64, state string) (Application, error) {
	if p == nil {
		return Application{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	next := map[string][]string{"handed_off": {"accepted", "refused"}, "accepted": {"issued", "refused"}}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		a, err := readableApp(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !p.IsOfficer() {
			return apperr.New(apperr.Forbidden, "officers record the residence procedure")
		}
		if !contains(ResidenceStates, state) {
			return apperr.Field("state", "must be one of %s", strings.Join(ResidenceStates, ", "))
		}
		if !contains(next[a.ResidenceState], state) {
			return apperr.Field("state", "cannot follow %s", a.ResidenceState).WithCode(apperr.Conflict)
		}
		now := s.DB.Now()
		res, err := tx.ExecContext(ctx, `UPDATE talent_applications SET residence_state = $1, residence_updated_at = $2 WHERE id = $3 AND residence_state = $4`,
			state, now, id, a.ResidenceState)
		if err != nil {
			return apperr.Wrap(err, "residence")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "the residence step changed meanwhile; reload")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: a.EmployerOrgID, Action: "residence", Entity: "work_permit_application",
			EntityID: strconv.FormatInt(id, 10), Before: map[string]string{"residence_state": a.ResidenceState}, After: map[string]string{"residence_state": state}})
	})
	if err != nil {
		return Application{}, err
	}
	return s.Get(ctx, p, id)
}

// Renew files a renewal application from a permit: a draft with the
// profile of the application that granted it. The employer's members.
func (s *Service) Renew(ctx context.Context, p *auth.Principal, permitID int64) (Application, error) {
	if p == nil {
		return Application{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	var id int64
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		pm, err := loadPermit(ctx, tx, permitID, s.today())
		if err != nil {
			return err
		}
		if p.RoleIn(pm.EmployerOrgID) == "" {
			if p.UserID != 0 && pm.UserID == p.UserID || p.IsOfficer() {
				return apperr.New(apperr.Forbidden, "the employer files the renewal")
			}
			return apperr.New(apperr.NotFound, "no work permit %d", permitID)
		}
		if pm.Status == PermitSuperseded {
			return apperr.New(apperr.Conflict, "permit %s has been renewed already", pm.Number)
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM talent_applications WHERE renews_permit_id = $1 AND state IN ('draft', 'submitted', 'under_review', 'returned')`,
			permitID).Scan(&open); err != nil {
			return apperr.Wrap(err, "renewals")
		}
		if open > 0 {
			return apperr.New(apperr.Conflict, "a renewal of permit %s is open already", pm.Number)
		}
		old, err := loadApp(ctx, tx, pm.ApplicationID)
		if err != nil {
			return err
		}
		id, err = insertApp(ctx, tx, "renewal", permitID, old.EmployerOrgID, db.Nullable(old.TalentUserID), &old.profile, p.UserID, s.DB.Now())
		if err != nil {
			return err
		}
		a, err := s.begin(ctx, tx, p, id, s.today())
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.DB.Now(), audit.Change{OrgID: a.EmployerOrgID, Action: "renew", Entity: "work_permit_application",
			EntityID: strconv.FormatInt(id, 10), After: map[string]any{"renews_permit_id": permitID, "case": caseRecord(&a)}})
	})
	if err != nil {
		return Application{}, err
	}
	return s.Get(ctx, p, id)
}
