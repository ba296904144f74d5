package residence

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
	"rainforest/internal/kernel/rules"
	"rainforest/internal/kernel/text"
	"rainforest/internal/kernel/workflow"
)

// Application is a talent's application to a district talent program.
type Application struct {
	ID            int64         `json:"id"`
	Program       string        `json:"program"`
	District      string        `json:"district"`
	UserID        int64         `json:"user_id"`
	PersonName    string        `json:"person_name"`
	EmployerOrgID int64         `json:"employer_org_id"`
	EmployerName  string        `json:"employer_name"`
	Facts         Facts         `json:"facts"`
	Result        *rules.Result `json:"result"`
	Statement     string        `json:"statement"`
	State         string        `json:"state"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
}

// ApplyInput is an application: the facts the talent states (the class
// and the employer's district come from the platform's records), and a
// statement of achievements for the reviewers.
type ApplyInput struct {
	EmployerOrgID int64          `json:"employer_org_id"`
	Facts         map[string]any `json:"facts"`
	Statement     string         `json:"statement"`
}

// Application states.
const (
	Submitted = "submitted"
	InReview  = "in_review"
	Approved  = "approved"
	Rejected  = "rejected"
	Withdrawn = "withdrawn"
)

type subject struct{ a *Application }

func reviewRoles(p *auth.Principal, s workflow.Subject[*subject]) []string {
	if p == nil {
		return nil
	}
	var out []string
	if p.IsAdmin() || p.OfficerFor(s.Value.a.District) {
		out = append(out, "officer")
	}
	if p.UserID != 0 && p.UserID == s.Value.a.UserID {
		out = append(out, "applicant")
	}
	return out
}

// Reviews is the review workflow of talent-program applications.
var Reviews = workflow.Must(workflow.New[*subject](nil, workflow.Definition[*subject]{
	Name:    "talent_program_application",
	LabelZh: "人才计划申请",
	LabelEn: "Talent program application",
	Initial: Submitted,
	States: []workflow.State{
		{Name: Submitted, LabelZh: "已提交", LabelEn: "Submitted"},
		{Name: InReview, LabelZh: "评审中", LabelEn: "In review"},
		{Name: Approved, LabelZh: "已入选", LabelEn: "Approved", Terminal: true},
		{Name: Rejected, LabelZh: "未入选", LabelEn: "Rejected", Terminal: true},
		{Name: Withdrawn, LabelZh: "已撤回", LabelEn: "Withdrawn", Terminal: true},
	},
	Transitions: []workflow.Transition[*subject]{
		{Action: "review", LabelZh: "开始评审", LabelEn: "Start review", From: []string{Submitted}, To: InReview, Roles: []string{"officer"}},
		{Action: "approve", LabelZh: "入选", LabelEn: "Approve", From: []string{InReview}, To: Approved, Roles: []string{"officer"}},
		{Action: "reject", LabelZh: "不予入选", LabelEn: "Reject", From: []string{Submitted, InReview}, To: Rejected, Roles: []string{"officer"}, Comment: workflow.CommentRequired},
		{Action: "withdraw", LabelZh: "撤回申请", LabelEn: "Withdraw", From: []string{Submitted, InReview}, To: Withdrawn, Roles: []string{"applicant"}},
	},
	Store:   workflow.Store{Table: "talent_program_applications", VersionColumn: "version", UpdatedColumn: "updated_at"},
	RolesOf: reviewRoles,
}))

func (s *Service) reviews() *workflow.Machine[*subject] {
	m := *Reviews
	m.DB = s.DB
	return &m
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

const appCols = `a.id, a.program, a.district, a.user_id, COALESCE(NULLIF(pe.name_zh, ''), pe.name_en), a.employer_org_id, o.name_zh, a.facts, a.result,
	a.statement, a.state, a.created_at, a.updated_at`

const appFrom = ` FROM talent_program_applications a JOIN people pe ON pe.id = a.person_id JOIN orgs o ON o.id = a.employer_org_id`

func scanApp(r interface{ Scan(...any) error }) (Application, error) {
	var a Application
	var facts, res string
	err := r.Scan(&a.ID, &a.Program, &a.District, &a.UserID, &a.PersonName, &a.EmployerOrgID, &a.EmployerName, &facts, &res, &a.Statement, &a.State,
		&a.CreatedAt, &a.UpdatedAt)
	if err == nil {
		a.Result = &rules.Result{}
		if err = json.Unmarshal([]byte(facts), &a.Facts); err == nil {
			err = json.Unmarshal([]byte(res), a.Result)
		}
	}
	return a, err
}

func loadApp(ctx context.Context, q querier, id int64) (Application, error) {
	a, err := scanApp(q.QueryRowContext(ctx, `SELECT `+appCols+appFrom+` WHERE a.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "no talent program application %d", id)
	}
	return a, apperr.Wrap(err, "talent program application")
}

func mayRead(p *auth.Principal, a *Application) bool {
	return p != nil && (p.IsAdmin() || p.OfficerFor(a.District) || p.UserID == a.UserID)
}

// Apply files the signed-in talent's application to a program. The class
// comes from the work permits and the employer's district and field from
// the registry when it holds them; the application must meet every
// criterion, or it is refused naming what is missing.
func (s *Service) Apply(ctx context.Context, p *auth.Principal, slug string, in ApplyInput) (Application, error) {
	if p == nil {
		return Application{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	prog, err := ProgramBySlug(slug)
	if err != nil {
		return Application{}, err
	}
	in.Statement = strings.TrimSpace(in.Statement)
	if msg := text.Block(in.Statement); msg != "" {
		return Application{}, apperr.Field("statement", "%s", msg)
	}
	if len([]rune(in.Statement)) > 4000 {
		return Application{}, apperr.Field("statement", "is too long (at most 4000 characters)")
	}
	today := s.Today()
	var person int64
	var personOrg sql.NullInt64
	err = s.DB.Read.QueryRowContext(ctx, `SELECT id, org_id FROM people WHERE user_id = $1 ORDER BY id LIMIT 1`, p.UserID).Scan(&person, &personOrg)
	if errors.Is(err, sql.ErrNoRows) {
		return Application{}, apperr.New(apperr.Forbidden, "talent programs are for talents with a person record")
	} else if err != nil {
		return Application{}, apperr.Wrap(err, "person")
	}
	if in.EmployerOrgID == 0 && personOrg.Valid {
		in.EmployerOrgID = personOrg.Int64
	}
	if in.EmployerOrgID <= 0 {
		return Application{}, apperr.Field("employer_org_id", "is required")
	}
	m := map[string]any{}
	for k, v := range in.Facts {
		m[k] = v
	}
	// What the platform holds wins over what is typed.
	var district, field sql.NullString
	err = s.DB.Read.QueryRowContext(ctx, `SELECT registered_district, tech_field FROM orgs WHERE id = $1`, in.EmployerOrgID).Scan(&district, &field)
	if errors.Is(err, sql.ErrNoRows) {
		return Application{}, apperr.Field("employer_org_id", "is not an organization")
	} else if err != nil {
		return Application{}, apperr.Wrap(err, "employer")
	}
	delete(m, "registered_district")
	if district.Valid && district.String != "" {
		m["registered_district"] = district.String
	}
	if field.Valid && field.String != "" {
		if _, given := m["tech_field"]; !given {
			m["tech_field"] = field.String
		}
	}
	known, err := s.Prefill(ctx, p)
	if err != nil {
		return Application{}, err
	}
	m["talent_class"] = "none"
	if c, ok := known["talent_class"]; ok {
		m["talent_class"] = c
	}
	facts, err := CheckFacts(m, today)
	if err != nil {
		return Application{}, err
	}
	res, err := Evaluate(prog.Rules, facts, today)
	if err != nil {
		return Application{}, err
	}
	if res.Status != rules.Eligible {
		return Application{}, refusal(res)
	}
	factsJSON, _ := json.Marshal(facts)
	resJSON, _ := json.Marshal(res)
	var id int64
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO talent_program_applications (program, district, user_id, person_id, employer_org_id, facts, result, statement, state,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`, prog.Slug, prog.District, p.UserID, person,
			in.EmployerOrgID, string(factsJSON), string(resJSON), in.Statement, Submitted, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "you already have an application to this program")
		} else if err != nil {
			return apperr.Wrap(err, "insert application")
		}
		a, err := loadApp(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := s.reviews().Begin(ctx, tx, workflow.Subject[*subject]{ID: id, State: Submitted, OrgID: a.EmployerOrgID, Value: &subject{&a}}, p, ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: a.EmployerOrgID, Action: "apply", Entity: "talent_program_application", EntityID: strconv.FormatInt(id, 10), After: a})
	})
	if err != nil {
		return Application{}, err
	}
	return loadApp(ctx, s.DB.Read, id)
}

// refusal names the facts that keep an application from a program.
func refusal(res *rules.Result) error {
	var fs text.Errors
	for _, c := range res.Criteria {
		switch c.Status {
		case rules.NotMet:
			field, msg := "facts", c.Label.En
			if c.Gap != nil {
				if c.Gap.Field != "" {
					field = c.Gap.Field
				}
				msg += ": " + c.Gap.Text.En
			}
			if f, ok := criterionField[c.ID]; ok && field == "facts" {
				field = f
			}
			fs.Add(field, msg)
		case rules.Unknown:
			for _, u := range c.Unknown {
				fs.Add(u, "is needed: "+c.Label.En)
			}
		}
	}
	if len(fs) == 0 {
		fs.Add("facts", "do not meet the program's criteria")
	}
	return apperr.Fields(fs)
}

// criterionField names the fact behind the programs' criteria that have
// no numeric gap.
var criterionField = map[string]string{"employer_in_district": "employer_org_id", "field": "tech_field", "age": "born_on", "class": "talent_class"}

// Query filters the application list.
type Query struct {
	State   string
	Program string
}

// Applications lists what p may see: officers their districts'
// applications, administrators all, a talent their own.
func (s *Service) Applications(ctx context.Context, p *auth.Principal, q Query) ([]Application, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	a := db.Args{}
	var where []string
	switch {
	case p.IsAdmin():
	case p.IsOfficer():
		ds := p.OfficerDistricts()
		if len(ds) == 0 {
			where = append(where, "a.user_id = "+a.Add(p.UserID))
			break
		}
		var in []string
		for _, d := range ds {
			in = append(in, a.Add(d))
		}
		where = append(where, "a.district IN ("+strings.Join(in, ", ")+")")
	default:
		where = append(where, "a.user_id = "+a.Add(p.UserID))
	}
	if q.State != "" {
		where = append(where, "a.state = "+a.Add(q.State))
	}
	if q.Program != "" {
		where = append(where, "a.program = "+a.Add(q.Program))
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+appCols+appFrom+w+` ORDER BY a.id DESC LIMIT 500`, a...)
	return db.Collect(rows, err, "talent program applications", func(r interface{ Scan(...any) error }) (Application, error) { return scanApp(r) })
}

// View is an application with the actions open to the reader and its
// history.
type View struct {
	Application
	Actions []workflow.Option `json:"actions"`
	History []workflow.Record `json:"history"`
}

// View returns an application to its talent, the district's officers
// and administrators.
func (s *Service) View(ctx context.Context, p *auth.Principal, id int64) (View, error) {
	a, err := loadApp(ctx, s.DB.Read, id)
	if err != nil {
		return View{}, err
	}
	if !mayRead(p, &a) {
		return View{}, apperr.New(apperr.NotFound, "no talent program application %d", id)
	}
	m := s.reviews()
	v := View{Application: a}
	if v.Actions, err = m.Available(ctx, s.DB.Read, workflow.Subject[*subject]{ID: id, State: a.State, OrgID: a.EmployerOrgID, Value: &subject{&a}}, p); err != nil {
		return v, err
	}
	v.History, err = m.History(ctx, s.DB.Read, id)
	return v, err
}

// Act takes a workflow action on an application.
func (s *Service) Act(ctx context.Context, p *auth.Principal, id int64, action, comment string) (Application, error) {
	if p == nil {
		return Application{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		a, err := loadApp(ctx, tx, id)
		if err != nil {
			return err
		}
		if !mayRead(p, &a) {
			return apperr.New(apperr.NotFound, "no talent program application %d", id)
		}
		_, err = s.reviews().Apply(ctx, tx, workflow.Subject[*subject]{ID: id, State: a.State, OrgID: a.EmployerOrgID, Value: &subject{&a}}, action, p, comment)
		return err
	})
	if err != nil {
		return Application{}, err
	}
	return loadApp(ctx, s.DB.Read, id)
}
