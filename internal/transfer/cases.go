package transfer

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
	"rainforest/internal/kernel/search"
	"rainforest/internal/kernel/workflow"
)

// Case stages.
const (
	Introduced = "introduced"
	Talks      = "talks"
	Contracted = "contract"
	Done       = "done"
	Lost       = "lost"
)

// OpenStages are the stages of a case still in progress.
var OpenStages = []string{Introduced, Talks, Contracted}

// Case is a broker's case: one achievement brought to one need.
type Case struct {
	ID            int64     `json:"id"`
	AchievementID int64     `json:"achievement_id"`
	Achievement   string    `json:"achievement_title_zh"`
	AchievementEn string    `json:"achievement_title_en"`
	SellerOrgID   int64     `json:"seller_org_id"`
	SellerName    string    `json:"seller_name"`
	NeedID        int64     `json:"need_id"`
	Need          string    `json:"need_title_zh"`
	NeedEn        string    `json:"need_title_en"`
	BuyerOrgID    int64     `json:"buyer_org_id"`
	BuyerName     string    `json:"buyer_name"`
	BrokerOrgID   *int64    `json:"broker_org_id"`
	BrokerName    string    `json:"broker_name"`
	BrokerUserID  int64     `json:"broker_user_id"`
	State         string    `json:"state"`
	Score         int       `json:"score"`
	NextStep      string    `json:"next_step"`
	DueOn         *string   `json:"due_on"`
	Overdue       bool      `json:"overdue"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Notes         []Note    `json:"notes,omitempty"`
}

// Note is a line of a case's log, with an optional deadline.
type Note struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	DueOn     *string   `json:"due_on"`
	CreatedAt time.Time `json:"created_at"`
}

// CaseInput opens a case.
type CaseInput struct {
	AchievementID int64 `json:"achievement_id"`
	NeedID        int64 `json:"need_id"`
	// BrokerOrgID is the brokering organization (a service provider or
	// an agency the broker belongs to); optional for administrators and
	// when the broker belongs to one such organization only.
	BrokerOrgID *int64  `json:"broker_org_id"`
	NextStep    string  `json:"next_step"`
	DueOn       *string `json:"due_on"`
}

// caseSubject is a case as the workflow sees it.
type caseSubject struct {
	c *Case
}

func caseRoles(p *auth.Principal, s workflow.Subject[*caseSubject]) []string {
	if p == nil {
		return nil
	}
	var out []string
	c := s.Value.c
	if p.IsAdmin() {
		out = append(out, "admin")
	}
	if p.UserID == c.BrokerUserID || (c.BrokerOrgID != nil && p.RoleIn(*c.BrokerOrgID) != "") {
		out = append(out, "broker")
	}
	if p.RoleIn(c.SellerOrgID) != "" || p.RoleIn(c.BuyerOrgID) != "" {
		out = append(out, "party")
	}
	return out
}

// guardDone: a case is done once its contract is recorded.
func guardDone(ctx context.Context, q workflow.Querier, s workflow.Subject[*caseSubject]) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM transfer_contracts WHERE case_id = $1 AND status <> 'rejected'`, s.ID).Scan(&n); err != nil {
		return apperr.Wrap(err, "case contracts")
	}
	if n == 0 {
		return workflow.Refuse("no_contract", "请先登记本案的技术合同", "record the case's technology contract first")
	}
	return nil
}

// Cases is the brokers' workflow.
var Cases = workflow.Must(workflow.New[*caseSubject](nil, workflow.Definition[*caseSubject]{
	Name:    "transfer_case",
	LabelZh: "技术经纪案件",
	LabelEn: "Brokerage case",
	Initial: Introduced,
	States: []workflow.State{
		{Name: Introduced, LabelZh: "已引荐", LabelEn: "Introduced"},
		{Name: Talks, LabelZh: "洽谈中", LabelEn: "In talks"},
		{Name: Contracted, LabelZh: "签约中", LabelEn: "Contract"},
		{Name: Done, LabelZh: "已成交", LabelEn: "Done", Terminal: true},
		{Name: Lost, LabelZh: "未成交", LabelEn: "Lost", Terminal: true},
	},
	Transitions: []workflow.Transition[*caseSubject]{
		{Action: "talk", LabelZh: "进入洽谈", LabelEn: "Start talks", From: []string{Introduced}, To: Talks, Roles: []string{"broker", "admin"}},
		{Action: "contract", LabelZh: "进入签约", LabelEn: "Move to contract", From: []string{Talks}, To: Contracted, Roles: []string{"broker", "admin"}},
		{Action: "done", LabelZh: "成交", LabelEn: "Mark done", From: []string{Contracted}, To: Done, Roles: []string{"broker", "admin"}, Guard: guardDone},
		{Action: "lose", LabelZh: "未成交并关闭", LabelEn: "Close as lost", From: OpenStages, To: Lost, Roles: []string{"broker", "party", "admin"}, Comment: workflow.CommentRequired},
	},
	Store:   workflow.Store{Table: "transfer_cases", VersionColumn: "version", UpdatedColumn: "updated_at"},
	RolesOf: caseRoles,
}))

func (s *Service) cases() *workflow.Machine[*caseSubject] {
	m := *Cases
	m.DB = s.DB
	return &m
}

const caseCols = `c.id, c.achievement_id, a.title_zh, a.title_en, a.owner_org_id, so.name_zh, c.need_id, n.title_zh, n.title_en, n.owner_org_id, bo.name_zh,
	c.broker_org_id, COALESCE(ko.name_zh, ''), c.broker_user_id, c.state, c.score, c.next_step, c.due_on, c.version, c.created_at, c.updated_at`

const caseFrom = ` FROM transfer_cases c JOIN transfer_achievements a ON a.id = c.achievement_id JOIN transfer_needs n ON n.id = c.need_id
	JOIN orgs so ON so.id = a.owner_org_id JOIN orgs bo ON bo.id = n.owner_org_id LEFT JOIN orgs ko ON ko.id = c.broker_org_id`

func (s *Service) scanCase(r scanner) (Case, error) {
	var c Case
	var broker sql.NullInt64
	var due db.Date
	err := r.Scan(&c.ID, &c.AchievementID, &c.Achievement, &c.AchievementEn, &c.SellerOrgID, &c.SellerName, &c.NeedID, &c.Need, &c.NeedEn, &c.BuyerOrgID,
		&c.BuyerName, &broker, &c.BrokerName, &c.BrokerUserID, &c.State, &c.Score, &c.NextStep, &due, &c.Version, &c.CreatedAt, &c.UpdatedAt)
	if broker.Valid {
		c.BrokerOrgID = &broker.Int64
	}
	c.DueOn = due.Ptr()
	c.Overdue = c.DueOn != nil && *c.DueOn < s.today() && slices.Contains(OpenStages, c.State)
	return c, err
}

func (s *Service) loadCase(ctx context.Context, q search.DBTX, id int64) (Case, error) {
	c, err := s.scanCase(q.QueryRowContext(ctx, `SELECT `+caseCols+caseFrom+` WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.New(apperr.NotFound, "no case %d", id)
	}
	return c, apperr.Wrap(err, "case")
}

// mayBroker reports whether p may open cases for org: a member of a
// service provider or an agency, or an administrator (any org or none).
func mayBroker(p *auth.Principal, org *int64) (bool, *int64) {
	if p == nil {
		return false, nil
	}
	var mine []int64
	for _, m := range p.Memberships {
		if m.OrgKind == "service" || m.OrgKind == "agency" {
			mine = append(mine, m.OrgID)
		}
	}
	if org != nil {
		return p.IsAdmin() || slices.Contains(mine, *org), org
	}
	if len(mine) == 1 {
		return true, &mine[0]
	}
	return p.IsAdmin(), nil
}

// checkDue checks an optional deadline: a date, not in the past.
func checkDue(field string, v *string, today string) (*string, error) {
	if v == nil || strings.TrimSpace(*v) == "" {
		return nil, nil
	}
	d := strings.TrimSpace(*v)
	if !validDate(d) {
		return nil, apperr.Field(field, "must be a date (YYYY-MM-DD)")
	}
	if d < today {
		return nil, apperr.Field(field, "must not be in the past")
	}
	return &d, nil
}

// OpenCase introduces an achievement to a need; the broker is p.
func (s *Service) OpenCase(ctx context.Context, p *auth.Principal, in CaseInput) (Case, error) {
	if p == nil {
		return Case{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	var fs fieldErrs
	if in.AchievementID < 1 {
		fs.add("achievement_id", "is required")
	}
	if in.NeedID < 1 {
		fs.add("need_id", "is required")
	}
	in.NextStep = strings.TrimSpace(in.NextStep)
	fs.line("next_step", in.NextStep, false, 300)
	if err := apperr.Fields(fs); err != nil {
		return Case{}, err
	}
	due, err := checkDue("due_on", in.DueOn, s.today())
	if err != nil {
		return Case{}, err
	}
	ok, broker := mayBroker(p, in.BrokerOrgID)
	if !ok {
		if in.BrokerOrgID != nil {
			return Case{}, apperr.Field("broker_org_id", "must be a service provider or agency you belong to").WithCode(apperr.Forbidden)
		}
		return Case{}, apperr.New(apperr.Forbidden, "technology brokers (members of a service provider or an agency) open cases")
	}
	a, err := loadAchievement(ctx, s.DB.Read, in.AchievementID)
	if apperr.CodeOf(err) == apperr.NotFound || (err == nil && a.Status != "published") {
		return Case{}, apperr.Field("achievement_id", "is not a published achievement")
	} else if err != nil {
		return Case{}, err
	}
	n, err := loadNeed(ctx, s.DB.Read, in.NeedID)
	if apperr.CodeOf(err) == apperr.NotFound || (err == nil && n.Status != "open") {
		return Case{}, apperr.Field("need_id", "is not an open need")
	} else if err != nil {
		return Case{}, err
	}
	if a.OwnerOrgID == n.OwnerOrgID {
		return Case{}, apperr.Field("need_id", "belongs to the achievement's own organization")
	}
	sc, _ := score(&a, &n, 0)
	if ms, err := s.AchievementsFor(ctx, p, n.ID, candidates); err == nil {
		for _, m := range ms {
			if m.Achievement.ID == a.ID {
				sc = m.Score
			}
		}
	}
	var id int64
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var dup int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM transfer_cases WHERE achievement_id = $1 AND need_id = $2 AND state IN ('introduced', 'talks', 'contract')`,
			a.ID, n.ID).Scan(&dup)
		if err == nil {
			return apperr.Field("need_id", "already has an open case with this achievement (case %d)", dup).WithCode(apperr.Conflict)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return apperr.Wrap(err, "open cases")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO transfer_cases (achievement_id, need_id, broker_org_id, broker_user_id, state, score, next_step, due_on,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			a.ID, n.ID, broker, p.UserID, Introduced, sc, in.NextStep, due, now).Scan(&id); err != nil {
			return apperr.Wrap(err, "insert case")
		}
		c, err := s.loadCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Change{OrgID: n.OwnerOrgID, Action: "create", Entity: "transfer_case", EntityID: strconv.FormatInt(id, 10), After: c}); err != nil {
			return err
		}
		return s.tellCase(ctx, tx, &c, "introduced")
	})
	if err != nil {
		return Case{}, err
	}
	return s.Case(ctx, p, id)
}

// tellCase tells both parties what happened to their case.
func (s *Service) tellCase(ctx context.Context, tx *sql.Tx, c *Case, what string) error {
	if s.Notifier == nil {
		return nil
	}
	var title notify.Text
	switch what {
	case "introduced":
		title = notify.Text{Zh: "技术经纪人为您引荐：" + c.Achievement + " ↔ " + c.Need, En: "A broker introduced " + cmpOr(c.AchievementEn, c.Achievement) + " to " + cmpOr(c.NeedEn, c.Need)}
	default:
		st, _ := Cases.State(what)
		title = notify.Text{Zh: "经纪案件进入「" + st.LabelZh + "」：" + c.Achievement, En: "Brokerage case now " + st.LabelEn + ": " + cmpOr(c.AchievementEn, c.Achievement)}
	}
	for _, org := range []int64{c.SellerOrgID, c.BuyerOrgID} {
		if _, err := s.Notifier.ToOrg(ctx, tx, org, notify.Message{Kind: "transfer.case." + what, Title: title,
			Body: notify.Text{Zh: "经纪机构：" + cmpOr(c.BrokerName, "平台"), En: "Broker: " + cmpOr(c.BrokerName, "the platform")},
			Link: "/transfer/cases/" + strconv.FormatInt(c.ID, 10)}); err != nil {
			return err
		}
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// mayReadCase: the broker, the broker's organization, both parties'
// members and administrators.
func mayReadCase(p *auth.Principal, c *Case) bool {
	return len(caseRoles(p, workflow.Subject[*caseSubject]{Value: &caseSubject{c: c}})) > 0
}

// Case returns a case with its notes to those who may read it.
func (s *Service) Case(ctx context.Context, p *auth.Principal, id int64) (Case, error) {
	if p == nil {
		return Case{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	c, err := s.loadCase(ctx, s.DB.Read, id)
	if err != nil {
		return c, err
	}
	if !mayReadCase(p, &c) {
		return Case{}, apperr.New(apperr.NotFound, "no case %d", id)
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT t.id, t.user_id, u.name, t.body, t.due_on, t.created_at FROM transfer_case_notes t
		JOIN users u ON u.id = t.user_id WHERE t.case_id = $1 ORDER BY t.id`, id)
	c.Notes, err = db.Collect(rows, err, "case notes", func(r interface{ Scan(...any) error }) (Note, error) {
		var n Note
		var due db.Date
		err := r.Scan(&n.ID, &n.UserID, &n.Author, &n.Body, &due, &n.CreatedAt)
		n.DueOn = due.Ptr()
		return n, err
	})
	if c.Notes == nil {
		c.Notes = []Note{}
	}
	return c, err
}

// CaseView is a case with what the reader may do and its history.
type CaseView struct {
	Case
	Actions []workflow.Option `json:"actions"`
	History []workflow.Record `json:"history"`
}

// ViewCase returns the case page's content for p.
func (s *Service) ViewCase(ctx context.Context, p *auth.Principal, id int64) (CaseView, error) {
	c, err := s.Case(ctx, p, id)
	if err != nil {
		return CaseView{}, err
	}
	m := s.cases()
	sub := workflow.Subject[*caseSubject]{ID: c.ID, State: c.State, OrgID: c.BuyerOrgID, Value: &caseSubject{c: &c}}
	acts, err := m.Available(ctx, s.DB.Read, sub, p)
	if err != nil {
		return CaseView{}, err
	}
	hist, err := m.History(ctx, s.DB.Read, id)
	return CaseView{Case: c, Actions: acts, History: hist}, err
}

// CaseQuery filters the case list.
type CaseQuery struct {
	State   string
	Overdue bool
}

// CaseList lists the cases p brokers or is a party to (administrators:
// all), newest first, at most 500.
func (s *Service) CaseList(ctx context.Context, p *auth.Principal, q CaseQuery) ([]Case, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	if q.State != "" {
		if _, ok := Cases.State(q.State); !ok {
			return nil, apperr.Field("state", "%s", oneOf([]string{Introduced, Talks, Contracted, Done, Lost}))
		}
	}
	var args db.Args
	where := []string{"1 = 1"}
	if !p.IsAdmin() {
		orgs := p.OrgIDs()
		cond := `c.broker_user_id = ` + args.Add(p.UserID)
		if len(orgs) > 0 {
			in := db.List(&args, orgs)
			cond += ` OR c.broker_org_id IN (` + in + `) OR a.owner_org_id IN (` + in + `) OR n.owner_org_id IN (` + in + `)`
		}
		where = append(where, "("+cond+")")
	}
	if q.State != "" {
		where = append(where, `c.state = `+args.Add(q.State))
	}
	if q.Overdue {
		where = append(where, `c.state IN ('introduced', 'talks', 'contract') AND c.due_on < `+args.Add(s.today()))
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+caseCols+caseFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY c.due_on IS NULL, c.due_on, c.id DESC LIMIT 500`, args...)
	cs, err := db.Collect(rows, err, "cases", func(r interface{ Scan(...any) error }) (Case, error) { return s.scanCase(r) })
	if cs == nil {
		cs = []Case{}
	}
	return cs, err
}

// NoteInput adds a note; with due_on it also sets the case's next step
// and deadline.
type NoteInput struct {
	Body  string  `json:"body"`
	DueOn *string `json:"due_on"`
}

// AddNote logs a note on an open or closed case (broker, parties,
// administrators).
func (s *Service) AddNote(ctx context.Context, p *auth.Principal, id int64, in NoteInput) (Case, error) {
	c, err := s.Case(ctx, p, id)
	if err != nil {
		return c, err
	}
	in.Body = strings.TrimSpace(in.Body)
	var fs fieldErrs
	fs.block("body", in.Body, 4000)
	if in.Body == "" {
		fs.add("body", "is required")
	}
	if err := apperr.Fields(fs); err != nil {
		return Case{}, err
	}
	due, err := checkDue("due_on", in.DueOn, s.today())
	if err != nil {
		return Case{}, err
	}
	if due != nil && !slices.Contains(OpenStages, c.State) {
		return Case{}, apperr.Field("due_on", "the case is closed")
	}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var nid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO transfer_case_notes (case_id, user_id, body, due_on, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			id, p.UserID, in.Body, due, now).Scan(&nid); err != nil {
			return apperr.Wrap(err, "insert note")
		}
		if due != nil {
			step := []rune(strings.SplitN(in.Body, "\n", 2)[0])
			if len(step) > 300 {
				step = step[:300]
			}
			if _, err := tx.ExecContext(ctx, `UPDATE transfer_cases SET next_step = $1, due_on = $2, version = version + 1, updated_at = $3 WHERE id = $4`,
				string(step), due, now, id); err != nil {
				return apperr.Wrap(err, "case deadline")
			}
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: c.BuyerOrgID, Action: "note", Entity: "transfer_case", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"note_id": nid, "body": in.Body, "due_on": due}})
	})
	if err != nil {
		return Case{}, err
	}
	return s.Case(ctx, p, id)
}

// ActCase moves a case to its next stage.
func (s *Service) ActCase(ctx context.Context, p *auth.Principal, id int64, action, comment string) (Case, error) {
	if p == nil {
		return Case{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.loadCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if !mayReadCase(p, &c) {
			return apperr.New(apperr.NotFound, "no case %d", id)
		}
		sub := workflow.Subject[*caseSubject]{ID: c.ID, State: c.State, OrgID: c.BuyerOrgID, Value: &caseSubject{c: &c}}
		rec, err := s.cases().Apply(ctx, tx, sub, action, p, comment)
		if err != nil {
			return err
		}
		c.State = rec.To
		return s.tellCase(ctx, tx, &c, rec.To)
	})
	if err != nil {
		return Case{}, err
	}
	return s.Case(ctx, p, id)
}
