package incubation

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/workflow"
)

// Application states.
const (
	Submitted = "submitted"
	Interview = "interview"
	Admitted  = "admitted"
	Rejected  = "rejected"
	Withdrawn = "withdrawn"
)

func applicant(p *auth.Principal, a *Application) bool {
	if p == nil {
		return false
	}
	if a.OrgID != nil {
		return p.RoleIn(*a.OrgID) != ""
	}
	return a.TeamLeaderID != 0 && p.UserID == a.TeamLeaderID
}

func admissionRoles(p *auth.Principal, s workflow.Subject[*Application]) []string {
	var out []string
	a := s.Value
	if p.IsAdmin() || p.RoleIn(a.OperatorOrgID) != "" {
		out = append(out, "operator")
	}
	if applicant(p, a) {
		out = append(out, "applicant")
	}
	return out
}

// Admission is the workflow of an application to a carrier.
var Admission = workflow.Must(workflow.New[*Application](nil, workflow.Definition[*Application]{
	Name:    "incubation_application",
	LabelZh: "入驻申请",
	LabelEn: "Incubation application",
	Initial: Submitted,
	States: []workflow.State{
		{Name: Submitted, LabelZh: "已提交", LabelEn: "Submitted"},
		{Name: Interview, LabelZh: "面谈中", LabelEn: "Interview"},
		{Name: Admitted, LabelZh: "已入驻", LabelEn: "Admitted", Terminal: true},
		{Name: Rejected, LabelZh: "未录取", LabelEn: "Rejected", Terminal: true},
		{Name: Withdrawn, LabelZh: "已撤回", LabelEn: "Withdrawn", Terminal: true},
	},
	Transitions: []workflow.Transition[*Application]{
		{Action: "invite", LabelZh: "邀请面谈", LabelEn: "Invite to interview", From: []string{Submitted}, To: Interview, Roles: []string{"operator"}},
		{Action: "admit", LabelZh: "录取入驻", LabelEn: "Admit", From: []string{Submitted, Interview}, To: Admitted, Roles: []string{"operator"}},
		{Action: "reject", LabelZh: "不予录取", LabelEn: "Reject", From: []string{Submitted, Interview}, To: Rejected, Roles: []string{"operator"}, Comment: workflow.CommentRequired},
		{Action: "withdraw", LabelZh: "撤回申请", LabelEn: "Withdraw", From: []string{Submitted, Interview}, To: Withdrawn, Roles: []string{"applicant"}},
	},
	Store:   workflow.Store{Table: "incubation_applications", VersionColumn: "version", UpdatedColumn: "updated_at"},
	RolesOf: admissionRoles,
}))

func (s *Service) admission() *workflow.Machine[*Application] {
	m := *Admission
	m.DB = s.DB
	return &m
}

// RegisterTeam registers a team led by p.
func (s *Service) RegisterTeam(ctx context.Context, p *auth.Principal, in TeamInput) (Team, error) {
	if p == nil || p.UserID == 0 {
		return Team{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if err := in.Validate(); err != nil {
		return Team{}, err
	}
	var id int64
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO incubation_teams (name, leader_user_id, members, field, project, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, in.Name, p.UserID, in.Members, in.Field, in.Project, now).Scan(&id); err != nil {
			return apperr.Wrap(err, "team")
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "create", Entity: "incubation_team", EntityID: strconv.FormatInt(id, 10), After: in})
	})
	if err != nil {
		return Team{}, err
	}
	return loadTeam(ctx, s.DB.Read, id)
}

const teamCols = `t.id, t.name, t.leader_user_id, u.email, t.members, t.field, t.project, t.created_at`

func scanTeam(r scanner) (Team, error) {
	var t Team
	return t, r.Scan(&t.ID, &t.Name, &t.LeaderUserID, &t.LeaderEmail, &t.Members, &t.Field, &t.Project, &t.CreatedAt)
}

func loadTeam(ctx context.Context, q querier, id int64) (Team, error) {
	t, err := scanTeam(q.QueryRowContext(ctx, `SELECT `+teamCols+` FROM incubation_teams t JOIN users u ON u.id = t.leader_user_id WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.New(apperr.NotFound, "no team %d", id)
	}
	return t, apperr.Wrap(err, "team")
}

// Teams lists the teams p leads.
func (s *Service) Teams(ctx context.Context, p *auth.Principal) ([]Team, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+teamCols+` FROM incubation_teams t JOIN users u ON u.id = t.leader_user_id WHERE t.leader_user_id = $1 ORDER BY t.id`, p.UserID)
	return db.Collect(rows, err, "teams", func(r interface{ Scan(...any) error }) (Team, error) { return scanTeam(r) })
}

const appCols = `a.id, a.carrier_id, c.name_zh, c.name_en, c.operator_org_id, c.district, a.team_id, a.org_id, COALESCE(o.name_zh, t.name, ''),
	a.applicant_user_id, COALESCE(t.leader_user_id, 0), a.plan, a.desks_wanted, a.offices_wanted, a.state, x.id, a.version, a.created_at, a.updated_at`

const appFrom = ` FROM incubation_applications a JOIN incubation_carriers c ON c.id = a.carrier_id LEFT JOIN orgs o ON o.id = a.org_id
	LEFT JOIN incubation_teams t ON t.id = a.team_id LEFT JOIN incubation_tenancies x ON x.application_id = a.id`

func scanApp(r scanner) (Application, error) {
	var a Application
	var team, org, user, ten sql.NullInt64
	err := r.Scan(&a.ID, &a.CarrierID, &a.CarrierZh, &a.CarrierEn, &a.OperatorOrgID, &a.District, &team, &org, &a.ApplicantName, &user, &a.TeamLeaderID,
		&a.Plan, &a.DesksWanted, &a.OfficesWanted, &a.State, &ten, &a.Version, &a.CreatedAt, &a.UpdatedAt)
	a.TeamID, a.OrgID, a.ApplicantUserID, a.TenancyID = ptr(team), ptr(org), ptr(user), ptr(ten)
	return a, err
}

func ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func loadApp(ctx context.Context, q querier, id int64) (Application, error) {
	a, err := scanApp(q.QueryRowContext(ctx, `SELECT `+appCols+appFrom+` WHERE a.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "no application %d", id)
	}
	return a, apperr.Wrap(err, "application")
}

// mayReadApp: the applicant, the carrier's operator, the officers of its
// district, administrators.
func mayReadApp(p *auth.Principal, a *Application) bool {
	return p.IsAdmin() || p.RoleIn(a.OperatorOrgID) != "" || p.OfficerFor(a.District) || applicant(p, a)
}

// Apply files an application to a carrier as a team p leads or as a
// company p belongs to; one open application or tenancy per applicant
// and carrier.
func (s *Service) Apply(ctx context.Context, p *auth.Principal, carrierID int64, in ApplyInput) (Application, error) {
	if p == nil || p.UserID == 0 {
		return Application{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if err := in.Validate(); err != nil {
		return Application{}, err
	}
	c, err := s.Carrier(ctx, p, carrierID)
	if err != nil {
		return Application{}, err
	}
	if c.Status != "active" {
		return Application{}, apperr.New(apperr.Conflict, "the carrier is closed")
	}
	if in.OrgID > 0 && !p.IsAdmin() && p.RoleIn(in.OrgID) == "" {
		return Application{}, apperr.Field("org_id", "must be an organization you belong to").WithCode(apperr.Forbidden)
	}
	var id int64
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var who, whoCol string
		var whoID int64
		if in.TeamID > 0 {
			t, err := loadTeam(ctx, tx, in.TeamID)
			if apperr.CodeOf(err) == apperr.NotFound {
				return apperr.Field("team_id", "is not a team")
			} else if err != nil {
				return err
			}
			if t.LeaderUserID != p.UserID && !p.IsAdmin() {
				return apperr.Field("team_id", "must be a team you lead").WithCode(apperr.Forbidden)
			}
			who, whoCol, whoID = t.Name, "team_id", in.TeamID
		} else {
			if err := tx.QueryRowContext(ctx, `SELECT name_zh FROM orgs WHERE id = $1`, in.OrgID).Scan(&who); errors.Is(err, sql.ErrNoRows) {
				return apperr.Field("org_id", "is not an organization")
			} else if err != nil {
				return apperr.Wrap(err, "org")
			}
			whoCol, whoID = "org_id", in.OrgID
		}
		var open int
		// whoCol is one of two constants, never input.
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM incubation_applications WHERE carrier_id = $1 AND `+whoCol+` = $2 AND state IN ('submitted', 'interview')`,
			carrierID, whoID).Scan(&open); err != nil {
			return apperr.Wrap(err, "open applications")
		}
		if open > 0 {
			return apperr.Field(whoCol, "%s already has an open application to this carrier", who).WithCode(apperr.Conflict)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM incubation_tenancies WHERE carrier_id = $1 AND `+whoCol+` = $2 AND left_on IS NULL`,
			carrierID, whoID).Scan(&open); err != nil {
			return apperr.Wrap(err, "tenancies")
		}
		if open > 0 {
			return apperr.Field(whoCol, "%s is a tenant of this carrier already", who).WithCode(apperr.Conflict)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO incubation_applications (carrier_id, team_id, org_id, applicant_user_id, plan, desks_wanted, offices_wanted, state, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`, carrierID, nullID(in.TeamID), nullID(in.OrgID), p.UserID, in.Plan, in.DesksWanted,
			in.OfficesWanted, Submitted, now).Scan(&id); db.IsUniqueViolation(err) {
			return apperr.Field(whoCol, "%s already has an open application to this carrier", who).WithCode(apperr.Conflict)
		} else if err != nil {
			return apperr.Wrap(err, "insert application")
		}
		a, err := loadApp(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := s.admission().Begin(ctx, tx, workflow.Subject[*Application]{ID: id, State: Submitted, OrgID: c.OperatorOrgID, Value: &a}, p, ""); err != nil {
			return err
		}
		return s.tellOrg(ctx, tx, c.OperatorOrgID, notify.Message{Kind: "incubation.application", Key: "incubation.application:" + strconv.FormatInt(id, 10),
			Title: notify.Text{Zh: "新的入驻申请：" + who, En: "New incubation application: " + who},
			Body:  notify.Text{Zh: c.NameZh, En: or(c.NameEn, c.NameZh)}, Link: "/incubation/queue"})
	})
	if err != nil {
		return Application{}, err
	}
	return loadApp(ctx, s.DB.Read, id)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *Service) tellOrg(ctx context.Context, tx *sql.Tx, org int64, m notify.Message) error {
	if s.Notifier == nil {
		return nil
	}
	_, err := s.Notifier.ToOrg(ctx, tx, org, m)
	return err
}

// ApplicationView is an application with the actions open to the reader
// and its history.
type ApplicationView struct {
	Application
	Actions []workflow.Option `json:"actions"`
	History []workflow.Record `json:"history"`
}

// View returns an application with its actions and history.
func (s *Service) View(ctx context.Context, p *auth.Principal, id int64) (ApplicationView, error) {
	if p == nil {
		return ApplicationView{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	a, err := loadApp(ctx, s.DB.Read, id)
	if err != nil {
		return ApplicationView{}, err
	}
	if !mayReadApp(p, &a) {
		return ApplicationView{}, apperr.New(apperr.NotFound, "no application %d", id)
	}
	m := s.admission()
	acts, err := m.Available(ctx, s.DB.Read, workflow.Subject[*Application]{ID: id, State: a.State, OrgID: a.OperatorOrgID, Value: &a}, p)
	if err != nil {
		return ApplicationView{}, err
	}
	hist, err := m.History(ctx, s.DB.Read, id)
	return ApplicationView{Application: a, Actions: acts, History: hist}, err
}

// AppQuery filters the application list.
type AppQuery struct {
	State     string
	CarrierID int64
}

// Applications lists the applications p may read: to the carriers p's
// organizations operate, p's own (teams and companies), the district's
// for officers, all for administrators; newest first.
func (s *Service) Applications(ctx context.Context, p *auth.Principal, q AppQuery) ([]Application, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	if q.State != "" {
		if _, ok := Admission.State(q.State); !ok {
			return nil, apperr.Field("state", "is not an application state")
		}
	}
	var args db.Args
	where := []string{"1 = 1"}
	if !p.IsAdmin() {
		orgs := db.List(&args, p.OrgIDs())
		cond := `(c.operator_org_id IN (` + orgs + `) OR a.org_id IN (` + orgs + `) OR t.leader_user_id = ` + args.Add(p.UserID)
		if ds := p.OfficerDistricts(); len(ds) > 0 {
			cond += ` OR c.district IN (` + db.List(&args, ds) + `)`
		}
		where = append(where, cond+`)`)
	}
	if q.State != "" {
		where = append(where, `a.state = `+args.Add(q.State))
	}
	if q.CarrierID != 0 {
		where = append(where, `a.carrier_id = `+args.Add(q.CarrierID))
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+appCols+appFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY a.id DESC LIMIT 500`, args...)
	return db.Collect(rows, err, "applications", func(r interface{ Scan(...any) error }) (Application, error) { return scanApp(r) })
}

// checkPast parses a date that must not be after today.
func (s *Service) checkPast(field, v string) (string, error) {
	d, err := parseDate(strings.TrimSpace(v))
	if err != nil {
		return "", apperr.Field(field, "must be a date (YYYY-MM-DD)")
	}
	if d.After(s.today()) {
		return "", apperr.Field(field, "must not be in the future")
	}
	return d.Format(time.DateOnly), nil
}

// Act moves an application: invite, admit (admitted_on, by default today,
// never in the future; the tenancy starts in the same transaction), reject
// (with a comment), withdraw.
func (s *Service) Act(ctx context.Context, p *auth.Principal, id int64, in ActInput) (ApplicationView, error) {
	if p == nil {
		return ApplicationView{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	admittedOn := s.today().Format(time.DateOnly)
	if in.Action == "admit" && strings.TrimSpace(in.AdmittedOn) != "" {
		var err error
		if admittedOn, err = s.checkPast("admitted_on", in.AdmittedOn); err != nil {
			return ApplicationView{}, err
		}
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		a, err := loadApp(ctx, tx, id)
		if err != nil {
			return err
		}
		if !mayReadApp(p, &a) {
			return apperr.New(apperr.NotFound, "no application %d", id)
		}
		rec, err := s.admission().Apply(ctx, tx, workflow.Subject[*Application]{ID: id, State: a.State, OrgID: a.OperatorOrgID, Value: &a}, in.Action, p, in.Comment)
		if err != nil {
			return err
		}
		st, _ := Admission.State(rec.To)
		msg := notify.Message{Kind: "incubation.application." + rec.To, Title: notify.Text{Zh: "入驻申请「" + a.CarrierZh + "」：" + st.LabelZh,
			En: "Incubation application " + or(a.CarrierEn, a.CarrierZh) + ": " + st.LabelEn}, Body: notify.Text{Zh: rec.Comment, En: rec.Comment}, Link: "/incubation/mine"}
		if rec.To == Admitted {
			t := Tenancy{CarrierID: a.CarrierID, ApplicationID: &a.ID, TeamID: a.TeamID, OrgID: a.OrgID, Name: a.ApplicantName, AdmittedOn: admittedOn}
			if err := s.startTenancy(ctx, tx, &t); err != nil {
				return err
			}
		}
		if rec.To == Withdrawn {
			return s.tellOrg(ctx, tx, a.OperatorOrgID, msg)
		}
		if a.OrgID != nil {
			return s.tellOrg(ctx, tx, *a.OrgID, msg)
		}
		if s.Notifier != nil && a.TeamLeaderID != 0 {
			_, err := s.Notifier.ToUser(ctx, tx, a.TeamLeaderID, msg)
			return err
		}
		return nil
	})
	if err != nil {
		return ApplicationView{}, err
	}
	return s.View(ctx, p, id)
}

// startTenancy writes a tenancy and its audit record, and tells the
// operator which open programs a tenant company qualifies for.
func (s *Service) startTenancy(ctx context.Context, tx *sql.Tx, t *Tenancy) error {
	now := s.DB.Now()
	var team, org any
	if t.TeamID != nil {
		team = *t.TeamID
	}
	if t.OrgID != nil {
		org = *t.OrgID
	}
	var app any
	if t.ApplicationID != nil {
		app = *t.ApplicationID
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO incubation_tenancies (carrier_id, application_id, team_id, org_id, name, admitted_on, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, t.CarrierID, app, team, org, t.Name, t.AdmittedOn, now).Scan(&t.ID); db.IsUniqueViolation(err) {
		return apperr.New(apperr.Conflict, "%s is a tenant of this carrier already", t.Name)
	} else if err != nil {
		return apperr.Wrap(err, "insert tenancy")
	}
	c, err := loadCarrier(ctx, tx, t.CarrierID)
	if err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, now, audit.Change{OrgID: c.OperatorOrgID, Action: "admit", Entity: "incubation_tenancy", EntityID: strconv.FormatInt(t.ID, 10), After: t}); err != nil {
		return err
	}
	if t.OrgID != nil {
		return s.tellEligible(ctx, tx, &c, *t.OrgID, t.Name)
	}
	return nil
}

const tenCols = `x.id, x.carrier_id, c.name_zh, c.name_en, c.operator_org_id, c.district, x.application_id, x.team_id, x.org_id, x.name, x.admitted_on, x.left_on,
	x.exit_kind, x.became_org_id, COALESCE(b.name_zh, ''), COALESCE(t.leader_user_id, 0)`

const tenFrom = ` FROM incubation_tenancies x JOIN incubation_carriers c ON c.id = x.carrier_id LEFT JOIN orgs b ON b.id = x.became_org_id
	LEFT JOIN incubation_teams t ON t.id = x.team_id`

func scanTenancy(r scanner) (Tenancy, error) {
	var t Tenancy
	var app, team, org, became sql.NullInt64
	var admitted, left db.Date
	var exit sql.NullString
	err := r.Scan(&t.ID, &t.CarrierID, &t.CarrierZh, &t.CarrierEn, &t.OperatorOrgID, &t.District, &app, &team, &org, &t.Name, &admitted, &left, &exit,
		&became, &t.BecameName, &t.TeamLeader)
	t.ApplicationID, t.TeamID, t.OrgID, t.BecameOrgID = ptr(app), ptr(team), ptr(org), ptr(became)
	t.AdmittedOn, t.LeftOn = admitted.String, left.Ptr()
	if exit.Valid {
		t.Exit = &exit.String
	}
	t.Leases, t.Investments = []Lease{}, []Investment{}
	return t, err
}

func loadTenancy(ctx context.Context, q querier, id int64) (Tenancy, error) {
	t, err := scanTenancy(q.QueryRowContext(ctx, `SELECT `+tenCols+tenFrom+` WHERE x.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.New(apperr.NotFound, "no tenancy %d", id)
	}
	return t, apperr.Wrap(err, "tenancy")
}

// tenant reports whether p is the tenant: the company's members, the
// team's leader, the members of the company the team became.
func tenant(p *auth.Principal, t *Tenancy) bool {
	if p == nil {
		return false
	}
	return (t.OrgID != nil && p.RoleIn(*t.OrgID) != "") || (t.TeamLeader != 0 && p.UserID == t.TeamLeader) ||
		(t.BecameOrgID != nil && p.RoleIn(*t.BecameOrgID) != "")
}

func operatesTenancy(p *auth.Principal, t *Tenancy) bool {
	return p.IsAdmin() || p.RoleIn(t.OperatorOrgID) != ""
}

func mayReadTenancy(p *auth.Principal, t *Tenancy) bool {
	return operatesTenancy(p, t) || p.OfficerFor(t.District) || tenant(p, t)
}

// tenancyFor loads a tenancy for a step that only those who may take: one
// who may read the tenancy is told why not (forbidden), anyone else finds
// no tenancy.
func tenancyFor(ctx context.Context, q querier, p *auth.Principal, id int64, may func(*auth.Principal, *Tenancy) bool, forbidden string) (Tenancy, error) {
	t, err := loadTenancy(ctx, q, id)
	if err != nil {
		return t, err
	}
	if !may(p, &t) {
		if mayReadTenancy(p, &t) {
			return t, apperr.New(apperr.Forbidden, "%s", forbidden)
		}
		return t, apperr.New(apperr.NotFound, "no tenancy %d", id)
	}
	return t, nil
}

// details fills a tenancy's leases and investments.
func details(ctx context.Context, q querier, ts []Tenancy) error {
	if len(ts) == 0 {
		return nil
	}
	ids := make([]int64, len(ts))
	at := map[int64]int{}
	for i := range ts {
		ids[i] = ts[i].ID
		at[ts[i].ID] = i
	}
	var args db.Args
	in := db.List(&args, ids)
	rows, err := q.QueryContext(ctx, `SELECT id, tenancy_id, space, units, starts_on, ends_on FROM incubation_leases WHERE tenancy_id IN (`+in+`) ORDER BY starts_on, id`, args...)
	ls, err := db.Collect(rows, err, "leases", func(r interface{ Scan(...any) error }) (Lease, error) {
		var l Lease
		var s, e db.Date
		err := r.Scan(&l.ID, &l.TenancyID, &l.Space, &l.Units, &s, &e)
		l.StartsOn, l.EndsOn = s.String, e.String
		return l, err
	})
	if err != nil {
		return err
	}
	for _, l := range ls {
		ts[at[l.TenancyID]].Leases = append(ts[at[l.TenancyID]].Leases, l)
	}
	rows, err = q.QueryContext(ctx, `SELECT id, tenancy_id, round, amount_fen, investor, invested_on FROM incubation_investments WHERE tenancy_id IN (`+in+`) ORDER BY invested_on, id`, args...)
	is, err := db.Collect(rows, err, "investments", func(r interface{ Scan(...any) error }) (Investment, error) {
		var x Investment
		var d db.Date
		err := r.Scan(&x.ID, &x.TenancyID, &x.Round, &x.AmountFen, &x.Investor, &d)
		x.InvestedOn = d.String
		return x, err
	})
	if err != nil {
		return err
	}
	for _, x := range is {
		t := &ts[at[x.TenancyID]]
		t.Investments = append(t.Investments, x)
		t.InvestedFen += x.AmountFen
	}
	return nil
}

// Tenancy returns a tenancy with its leases and investments: the tenant,
// the operator, the district's officers, administrators.
func (s *Service) Tenancy(ctx context.Context, p *auth.Principal, id int64) (Tenancy, error) {
	if p == nil {
		return Tenancy{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	t, err := loadTenancy(ctx, s.DB.Read, id)
	if err != nil {
		return t, err
	}
	if !mayReadTenancy(p, &t) {
		return Tenancy{}, apperr.New(apperr.NotFound, "no tenancy %d", id)
	}
	ts := []Tenancy{t}
	if err := details(ctx, s.DB.Read, ts); err != nil {
		return t, err
	}
	if err := s.withPrograms(ctx, ts); err != nil {
		return t, err
	}
	return ts[0], nil
}

// TenantQuery filters a carrier's tenants.
type TenantQuery struct {
	// Current keeps the tenancies that have not ended.
	Current bool
}

// Tenants lists a carrier's tenancies, current first, with leases,
// investments and the programs the current tenant companies qualify for:
// the operator, the district's officers, administrators.
func (s *Service) Tenants(ctx context.Context, p *auth.Principal, carrierID int64, q TenantQuery) ([]Tenancy, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	c, err := s.Carrier(ctx, p, carrierID)
	if err != nil {
		return nil, err
	}
	if !oversees(p, &c) {
		return nil, apperr.New(apperr.Forbidden, "the operator and the district's officers see the tenants")
	}
	where := ``
	if q.Current {
		where = ` AND x.left_on IS NULL`
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+tenCols+tenFrom+` WHERE x.carrier_id = $1`+where+` ORDER BY x.left_on IS NOT NULL, x.admitted_on DESC, x.id DESC LIMIT 2000`, carrierID)
	ts, err := db.Collect(rows, err, "tenants", func(r interface{ Scan(...any) error }) (Tenancy, error) { return scanTenancy(r) })
	if err != nil {
		return nil, err
	}
	if err := details(ctx, s.DB.Read, ts); err != nil {
		return nil, err
	}
	return ts, s.withPrograms(ctx, ts)
}

// MyTenancies lists the tenancies of p's teams and companies.
func (s *Service) MyTenancies(ctx context.Context, p *auth.Principal) ([]Tenancy, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	var args db.Args
	orgs := db.List(&args, p.OrgIDs())
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+tenCols+tenFrom+` WHERE x.org_id IN (`+orgs+`) OR x.became_org_id IN (`+orgs+`) OR t.leader_user_id = `+args.Add(p.UserID)+`
		ORDER BY x.left_on IS NOT NULL, x.admitted_on DESC, x.id DESC LIMIT 500`, args...)
	ts, err := db.Collect(rows, err, "tenancies", func(r interface{ Scan(...any) error }) (Tenancy, error) { return scanTenancy(r) })
	if err != nil {
		return nil, err
	}
	if err := details(ctx, s.DB.Read, ts); err != nil {
		return nil, err
	}
	return ts, s.withPrograms(ctx, ts)
}

// Lease gives a tenancy space at its carrier: the operator. The carrier's
// capacity of that space is never exceeded on any day; a lease that would
// is refused with a conflict naming the space and the first full day.
func (s *Service) Lease(ctx context.Context, p *auth.Principal, tenancyID int64, in LeaseInput) (Lease, error) {
	if p == nil {
		return Lease{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if err := in.Validate(); err != nil {
		return Lease{}, err
	}
	l := Lease{TenancyID: tenancyID, Space: in.Space, Units: in.Units, StartsOn: in.StartsOn, EndsOn: in.EndsOn}
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		t, err := tenancyFor(ctx, tx, p, tenancyID, operatesTenancy, "the carrier's operator leases its space")
		if err != nil {
			return err
		}
		if !t.Current() {
			return apperr.New(apperr.Conflict, "the tenancy ended on %s", *t.LeftOn)
		}
		if in.StartsOn < t.AdmittedOn {
			return apperr.Field("starts_on", "must not be before the admission on %s", t.AdmittedOn)
		}
		// Serialise the carrier's leases: the row lock on PostgreSQL, the
		// single writer on SQLite.
		if _, err := tx.ExecContext(ctx, `UPDATE incubation_carriers SET lease_seq = lease_seq + 1 WHERE id = $1`, t.CarrierID); err != nil {
			return apperr.Wrap(err, "lock carrier")
		}
		var capacity int
		col := map[string]string{"desk": "desks", "office": "offices"}[in.Space]
		// col is one of two constants.
		if err := tx.QueryRowContext(ctx, `SELECT `+col+` FROM incubation_carriers WHERE id = $1`, t.CarrierID).Scan(&capacity); err != nil {
			return apperr.Wrap(err, "capacity")
		}
		peak, day, err := peakIn(ctx, tx, t.CarrierID, in.Space, in.StartsOn, in.EndsOn)
		if err != nil {
			return err
		}
		if peak+in.Units > capacity {
			if peak == 0 {
				day = in.StartsOn
			}
			return apperr.Field("space", "%s: %d of the carrier's %d %s are leased on %s; %d more do not fit", in.Space, peak, capacity, col, day, in.Units).WithCode(apperr.Conflict)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO incubation_leases (tenancy_id, carrier_id, space, units, starts_on, ends_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			tenancyID, t.CarrierID, in.Space, in.Units, in.StartsOn, in.EndsOn, now).Scan(&l.ID); err != nil {
			return apperr.Wrap(err, "insert lease")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: t.OperatorOrgID, Action: "lease", Entity: "incubation_tenancy", EntityID: strconv.FormatInt(tenancyID, 10), After: l})
	})
	return l, err
}

// interval is a lease's days as read for a capacity check.
type interval struct {
	start, end string
	units      int
}

func leasesIn(ctx context.Context, q querier, carrier int64, space, from, to string) ([]interval, error) {
	rows, err := q.QueryContext(ctx, `SELECT starts_on, ends_on, units FROM incubation_leases WHERE carrier_id = $1 AND space = $2 AND starts_on <= $3 AND ends_on >= $4`,
		carrier, space, to, from)
	return db.Collect(rows, err, "leases", func(r interface{ Scan(...any) error }) (interval, error) {
		var s, e db.Date
		var x interval
		err := r.Scan(&s, &e, &x.units)
		x.start, x.end = s.String, e.String
		return x, err
	})
}

// peak is the most units leased on one day within [from, to], and the
// first day it is reached ("" when nothing is leased).
func peak(ls []interval, from, to string) (int, string) {
	type ev struct {
		day   string
		delta int
	}
	var evs []ev
	for _, l := range ls {
		s, e := max(l.start, from), min(l.end, to)
		if s > e {
			continue
		}
		ed, _ := parseDate(e)
		evs = append(evs, ev{s, l.units}, ev{ed.AddDate(0, 0, 1).Format(time.DateOnly), -l.units})
	}
	// On one day, the leases ending the day before leave first.
	slices.SortFunc(evs, func(a, b ev) int {
		if a.day != b.day {
			return strings.Compare(a.day, b.day)
		}
		return a.delta - b.delta
	})
	best, day, cur := 0, "", 0
	for _, e := range evs {
		cur += e.delta
		if cur > best {
			best, day = cur, e.day
		}
	}
	return best, day
}

func peakIn(ctx context.Context, q querier, carrier int64, space, from, to string) (int, string, error) {
	ls, err := leasesIn(ctx, q, carrier, space, from, to)
	if err != nil {
		return 0, "", err
	}
	n, d := peak(ls, from, to)
	return n, d, nil
}

func peakFrom(ctx context.Context, q querier, carrier int64, space, from string) (int, string, error) {
	return peakIn(ctx, q, carrier, space, from, "9999-12-31")
}

// Leave ends a tenancy as graduated, moved or closed on left_on (not in
// the future, not before the admission); a team may name the company it
// became. Leases running past the day end with it; later ones are removed.
func (s *Service) Leave(ctx context.Context, p *auth.Principal, tenancyID int64, in ExitInput) (Tenancy, error) {
	if p == nil {
		return Tenancy{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if !slices.Contains(Exits, in.Exit) {
		return Tenancy{}, apperr.Field("exit", "must be one of %s", strings.Join(Exits, ", "))
	}
	left, err := s.checkPast("left_on", in.LeftOn)
	if err != nil {
		return Tenancy{}, err
	}
	if in.BecameOrgID < 0 {
		return Tenancy{}, apperr.Field("became_org_id", "must be an organization id")
	}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		t, err := tenancyFor(ctx, tx, p, tenancyID, operatesTenancy, "the carrier's operator records how a tenant leaves")
		if err != nil {
			return err
		}
		if !t.Current() {
			return apperr.New(apperr.Conflict, "the tenancy ended on %s already", *t.LeftOn)
		}
		if left < t.AdmittedOn {
			return apperr.Field("left_on", "must not be before the admission on %s", t.AdmittedOn)
		}
		var became any
		if in.BecameOrgID > 0 {
			if t.TeamID == nil {
				return apperr.Field("became_org_id", "only a team becomes a company")
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE id = $1`, in.BecameOrgID).Scan(&n); err != nil {
				return apperr.Wrap(err, "org")
			}
			if n == 0 {
				return apperr.Field("became_org_id", "is not an organization")
			}
			became = in.BecameOrgID
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incubation_tenancies SET left_on = $1, exit_kind = $2, became_org_id = $3, updated_at = $4 WHERE id = $5`,
			left, in.Exit, became, now, tenancyID); err != nil {
			return apperr.Wrap(err, "leave")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM incubation_leases WHERE tenancy_id = $1 AND starts_on > $2`, tenancyID, left); err != nil {
			return apperr.Wrap(err, "leases")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incubation_leases SET ends_on = $1 WHERE tenancy_id = $2 AND ends_on > $1`, left, tenancyID); err != nil {
			return apperr.Wrap(err, "leases")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: t.OperatorOrgID, Action: "leave", Entity: "incubation_tenancy", EntityID: strconv.FormatInt(tenancyID, 10),
			Before: map[string]any{"left_on": nil}, After: map[string]any{"left_on": left, "exit": in.Exit, "became_org_id": became}})
	})
	if err != nil {
		return Tenancy{}, err
	}
	return s.Tenancy(ctx, p, tenancyID)
}

// Invest records investment a tenant raised: the tenant or the operator;
// dated from the admission to today.
func (s *Service) Invest(ctx context.Context, p *auth.Principal, tenancyID int64, in InvestmentInput) (Investment, error) {
	if p == nil {
		return Investment{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if err := in.Validate(); err != nil {
		return Investment{}, err
	}
	on, err := s.checkPast("invested_on", in.InvestedOn)
	if err != nil {
		return Investment{}, err
	}
	x := Investment{TenancyID: tenancyID, Round: in.Round, AmountFen: in.AmountYuan * 100, Investor: in.Investor, InvestedOn: on}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		t, err := tenancyFor(ctx, tx, p, tenancyID, func(p *auth.Principal, t *Tenancy) bool { return operatesTenancy(p, t) || tenant(p, t) },
			"the tenant or the operator reports investment")
		if err != nil {
			return err
		}
		if on < t.AdmittedOn {
			return apperr.Field("invested_on", "must not be before the admission on %s", t.AdmittedOn)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO incubation_investments (tenancy_id, carrier_id, round, amount_fen, investor, invested_on, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, tenancyID, t.CarrierID, x.Round, x.AmountFen, x.Investor, on, now).Scan(&x.ID); err != nil {
			return apperr.Wrap(err, "insert investment")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: t.OperatorOrgID, Action: "invest", Entity: "incubation_tenancy", EntityID: strconv.FormatInt(tenancyID, 10), After: x})
	})
	return x, err
}
