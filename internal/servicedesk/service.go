// Package servicedesk is the government-enterprise service desk (module
// M11): enterprises' requests routed by district and topic to an agency
// and answered within a service level counted in working time, with a
// countdown, escalation to the district's lead officers when missed, and
// the enterprise's rating; policy notices pushed to exactly the
// enterprises a rule selects; officers' company visits and the promises
// made at them. See README.md.
package servicedesk

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/workflow"
)

// Service is the service desk.
type Service struct {
	DB       *db.DB
	Notifier *notify.Notifier
	flow     *workflow.Machine[Request]
}

// New builds the service and checks its workflow.
func New(d *db.DB, n *notify.Notifier) (*Service, error) {
	s := &Service{DB: d, Notifier: n}
	m, err := workflow.New(d, s.definition())
	if err != nil {
		return nil, err
	}
	s.flow = m
	return s, nil
}

// Flow is the request workflow, for labels on pages.
func (s *Service) Flow() *workflow.Machine[Request] { return s.flow }

// Roles in a request's workflow.
const (
	roleEnterprise = "enterprise"
	roleOfficer    = "officer"
	roleAdmin      = "admin"
)

func (s *Service) definition() workflow.Definition[Request] {
	staff := []string{roleOfficer, roleAdmin}
	ent := []string{roleEnterprise}
	return workflow.Definition[Request]{
		Name: "desk_request", LabelZh: "服务请求", LabelEn: "service request",
		Initial: Open,
		States: []workflow.State{
			{Name: Open, LabelZh: "待答复", LabelEn: "Awaiting answer"},
			{Name: AwaitingEnterprise, LabelZh: "待企业补充", LabelEn: "Awaiting the enterprise"},
			{Name: Answered, LabelZh: "已答复", LabelEn: "Answered"},
			{Name: Closed, LabelZh: "已办结", LabelEn: "Closed"},
			{Name: Withdrawn, LabelZh: "已撤回", LabelEn: "Withdrawn", Terminal: true},
		},
		Transitions: []workflow.Transition[Request]{
			{Action: "answer", LabelZh: "答复", LabelEn: "Answer", From: []string{Open}, To: Answered, Roles: staff, Comment: workflow.CommentRequired},
			{Action: "ask", LabelZh: "请企业补充", LabelEn: "Ask the enterprise", From: []string{Open}, To: AwaitingEnterprise, Roles: staff, Comment: workflow.CommentRequired},
			{Action: "reply", LabelZh: "补充回复", LabelEn: "Reply", From: []string{AwaitingEnterprise}, To: Open, Roles: ent, Comment: workflow.CommentRequired},
			{Action: "close", LabelZh: "办结", LabelEn: "Close", From: []string{Answered, AwaitingEnterprise}, To: Closed, Roles: append(slices.Clone(staff), roleEnterprise)},
			{Action: "reopen", LabelZh: "重新打开", LabelEn: "Reopen", From: []string{Closed}, To: Open, Roles: ent, Comment: workflow.CommentRequired,
				Guard: func(_ context.Context, _ workflow.Querier, sub workflow.Subject[Request]) error {
					if c := sub.Value.ClosedAt; c != nil && s.DB.Now().After(c.AddDate(0, 0, ReopenDays)) {
						return workflow.Refuse("reopen_window", "办结超过7天，不能重新打开，请提交新的请求", "closed more than 7 days ago: file a new request")
					}
					return nil
				}},
			{Action: "withdraw", LabelZh: "撤回", LabelEn: "Withdraw", From: []string{Open, AwaitingEnterprise}, To: Withdrawn, Roles: ent},
		},
		Store: workflow.Store{Table: "desk_requests", VersionColumn: "version", UpdatedColumn: "updated_at"},
		RolesOf: func(p *auth.Principal, sub workflow.Subject[Request]) []string {
			var rs []string
			if p == nil {
				return nil
			}
			if p.RoleIn(sub.OrgID) != "" {
				rs = append(rs, roleEnterprise)
			}
			if p.OfficerFor(sub.Value.District) {
				rs = append(rs, roleOfficer)
			}
			if p.IsAdmin() {
				rs = append(rs, roleAdmin)
			}
			return rs
		},
	}
}

const reqCols = `r.id, r.org_id, o.name_zh, r.district, r.topic, r.agency_org_id, COALESCE(a.name_zh, ''), r.title, r.body, r.state,
	r.first_due_at, r.due_at, r.responded_at, r.closed_at, r.cycle, r.escalation_level, r.escalated_at, r.rating, r.rating_comment, r.rated_at,
	r.version, r.created_at, r.updated_at
	FROM desk_requests r JOIN orgs o ON o.id = r.org_id LEFT JOIN orgs a ON a.id = r.agency_org_id`

func scanRequest(sc interface{ Scan(...any) error }) (Request, error) {
	var r Request
	var agency, rating sql.NullInt64
	var due, responded, closed, escalated, rated db.Time
	err := sc.Scan(&r.ID, &r.OrgID, &r.OrgName, &r.District, &r.Topic, &agency, &r.AgencyName, &r.Title, &r.Body, &r.State,
		&r.FirstDueAt, &due, &responded, &closed, &r.Cycle, &r.EscalationLevel, &escalated, &rating, &r.RatingComment, &rated,
		&r.Version, &r.CreatedAt, &r.UpdatedAt)
	if agency.Valid {
		r.AgencyOrgID = &agency.Int64
	}
	if rating.Valid {
		n := int(rating.Int64)
		r.Rating = &n
	}
	r.DueAt, r.RespondedAt, r.ClosedAt, r.EscalatedAt, r.RatedAt = due.Ptr(), responded.Ptr(), closed.Ptr(), escalated.Ptr(), rated.Ptr()
	r.FirstDueAt, r.CreatedAt, r.UpdatedAt = r.FirstDueAt.UTC(), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

// canSee: the requesting enterprise's members, the officers of its
// district and administrators.
func canSee(p *auth.Principal, r *Request) bool {
	return p.IsAdmin() || p.RoleIn(r.OrgID) != "" || p.OfficerFor(r.District)
}

func (s *Service) load(ctx context.Context, q workflow.Querier, id int64) (Request, error) {
	r, err := scanRequest(q.QueryRowContext(ctx, `SELECT `+reqCols+` WHERE r.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.New(apperr.NotFound, "no request %d", id)
	}
	return r, apperr.Wrap(err, "request")
}

// loadFor loads a request the caller may see; any other is not found.
func (s *Service) loadFor(ctx context.Context, q workflow.Querier, p *auth.Principal, id int64) (Request, error) {
	if p == nil {
		return Request{}, apperr.New(apperr.Unauthorized, "sign in to see requests")
	}
	r, err := s.load(ctx, q, id)
	if err != nil {
		return r, err
	}
	if !canSee(p, &r) {
		return Request{}, apperr.New(apperr.NotFound, "no request %d", id)
	}
	return r, nil
}

func subject(r Request) workflow.Subject[Request] {
	return workflow.Subject[Request]{ID: r.ID, State: r.State, OrgID: r.OrgID, Value: r}
}

// requestOrg picks the enterprise a request is filed for: the one named,
// or the caller's only enterprise.
func requestOrg(p *auth.Principal, id int64) (int64, error) {
	if id != 0 {
		if p.RoleIn(id) == "" && !p.IsAdmin() {
			return 0, apperr.New(apperr.Forbidden, "only the enterprise's members file its requests")
		}
		return id, nil
	}
	var ids []int64
	for _, m := range p.Memberships {
		if m.OrgKind == "enterprise" {
			ids = append(ids, m.OrgID)
		}
	}
	switch len(ids) {
	case 1:
		return ids[0], nil
	case 0:
		return 0, apperr.New(apperr.Forbidden, "only members of an enterprise file requests")
	}
	return 0, apperr.Field("org_id", "name the enterprise: you belong to several")
}

// Create files a request for an enterprise: routed to the agency of its
// district and topic, due within the topic's service level.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in RequestInput) (Request, error) {
	if p == nil {
		return Request{}, apperr.New(apperr.Unauthorized, "sign in to file a request")
	}
	orgID, err := requestOrg(p, in.OrgID)
	if err != nil {
		return Request{}, err
	}
	if err := in.Check(); err != nil {
		return Request{}, err
	}
	var id int64
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var kind string
		var district sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT kind, registered_district FROM orgs WHERE id = $1`, orgID).Scan(&kind, &district)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("org_id", "no organization %d", orgID)
		}
		if err != nil {
			return apperr.Wrap(err, "request org")
		}
		if kind != "enterprise" {
			return apperr.Field("org_id", "requests are filed by enterprises")
		}
		if !district.Valid || district.String == "" {
			return apperr.Field("org_id", "the enterprise has no registered district to route the request to")
		}
		rt, err := s.route(ctx, tx, district.String, in.Topic)
		if err != nil {
			return err
		}
		lv, err := s.level(ctx, tx, in.Topic)
		if err != nil {
			return err
		}
		cal, err := s.calendar(ctx, tx)
		if err != nil {
			return err
		}
		now := s.DB.Now()
		due := cal.Add(now, lv.Duration())
		var agency any
		if rt.AgencyOrgID != 0 {
			agency = rt.AgencyOrgID
		}
		var by any
		if p.UserID != 0 {
			by = p.UserID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO desk_requests (org_id, district, topic, agency_org_id, title, body, state, created_by, first_due_at, due_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $10) RETURNING id`,
			orgID, district.String, in.Topic, agency, in.Title, in.Body, Open, by, due, now).Scan(&id); err != nil {
			return apperr.Wrap(err, "insert request")
		}
		r, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := s.flow.Begin(ctx, tx, subject(r), p, ""); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Change{OrgID: orgID, Action: "desk_request.file", Entity: "desk_request", EntityID: strconv.FormatInt(id, 10), After: r}); err != nil {
			return err
		}
		if rt.AgencyOrgID != 0 {
			_, err = s.Notifier.ToOrg(ctx, tx, rt.AgencyOrgID, notify.Message{Kind: "desk.request", Key: "desk.request:" + strconv.FormatInt(id, 10),
				Title: notify.T("desk.mail.new_title", in.Title), Body: notify.T("desk.mail.new_body", r.OrgName), Link: link(id)})
		}
		return err
	})
	if err != nil {
		return Request{}, err
	}
	return s.Get(ctx, p, id)
}

func link(id int64) string { return "/desk/requests/" + strconv.FormatInt(id, 10) }

// Get returns one request with its countdown.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (Request, error) {
	r, err := s.loadFor(ctx, s.DB.Read, p, id)
	if err != nil {
		return r, err
	}
	cal, err := s.calendar(ctx, s.DB.Read)
	if err != nil {
		return r, err
	}
	s.withCountdown(cal, &r)
	return r, nil
}

func (s *Service) withCountdown(cal Calendar, r *Request) {
	if r.State == Open && r.DueAt != nil {
		r.Countdown = cal.countdown(*r.DueAt, s.DB.Now())
	}
}

// View returns a request with its files, thread and the caller's actions.
func (s *Service) View(ctx context.Context, p *auth.Principal, id int64) (View, error) {
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return View{}, err
	}
	v := View{Request: r, Member: p.RoleIn(r.OrgID) != ""}
	if v.Files, err = s.files(ctx, id); err != nil {
		return v, err
	}
	if v.History, err = s.flow.History(ctx, s.DB.Read, id); err != nil {
		return v, err
	}
	if v.Actions, err = s.flow.Available(ctx, s.DB.Read, subject(r), p); err != nil {
		return v, err
	}
	v.CanRate = v.Member && r.Rating == nil && (r.State == Answered || r.State == Closed)
	if r.State == Closed && r.ClosedAt != nil {
		t := r.ClosedAt.AddDate(0, 0, ReopenDays)
		v.ReopenUntil = &t
	}
	return v, nil
}

// List returns the requests the caller sees: an enterprise's members
// their own organizations', officers their districts', administrators
// all; overdue first, then by deadline.
func (s *Service) List(ctx context.Context, p *auth.Principal, q Query) ([]Request, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in to see requests")
	}
	if err := q.Check(); err != nil {
		return nil, err
	}
	var args db.Args
	var where []string
	if !p.IsAdmin() {
		scope := []string{}
		if ids := p.OrgIDs(); len(ids) > 0 {
			scope = append(scope, `r.org_id IN (`+db.List(&args, ids)+`)`)
		}
		if ds := p.OfficerDistricts(); len(ds) > 0 {
			scope = append(scope, `r.district IN (`+db.List(&args, ds)+`)`)
		}
		if len(scope) == 0 {
			return []Request{}, nil
		}
		where = append(where, `(`+strings.Join(scope, ` OR `)+`)`)
	}
	if q.Topic != "" {
		where = append(where, `r.topic = `+args.Add(q.Topic))
	}
	if q.State != "" {
		where = append(where, `r.state = `+args.Add(q.State))
	}
	if q.OrgID != 0 {
		where = append(where, `r.org_id = `+args.Add(q.OrgID))
	}
	if q.Overdue {
		where = append(where, `r.state = 'open' AND r.due_at < `+args.Add(s.DB.Now()))
	}
	sqlq := `SELECT ` + reqCols
	if len(where) > 0 {
		sqlq += ` WHERE ` + strings.Join(where, ` AND `)
	}
	sqlq += ` ORDER BY CASE WHEN r.due_at IS NULL THEN 1 ELSE 0 END, r.due_at, r.id DESC LIMIT ` + args.Add(q.Limit)
	rows, err := s.DB.Read.QueryContext(ctx, sqlq, args...)
	rs, err := db.Collect(rows, err, "requests", scanRequest)
	if err != nil {
		return nil, err
	}
	cal, err := s.calendar(ctx, s.DB.Read)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		s.withCountdown(cal, &rs[i])
	}
	return rs, nil
}

// Act takes a workflow action on a request: the officer answers or asks
// back, the enterprise replies, either closes, the enterprise reopens
// (within seven days) or withdraws. A reply or a reopening starts a new
// wait for the officer with a fresh deadline.
func (s *Service) Act(ctx context.Context, p *auth.Principal, id int64, action, comment string) (Request, error) {
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		r, err := s.loadFor(ctx, tx, p, id)
		if err != nil {
			return err
		}
		rec, err := s.flow.Apply(ctx, tx, subject(r), action, p, comment)
		if err != nil {
			return err
		}
		now := rec.At
		switch rec.Action {
		case "answer", "ask":
			_, err = tx.ExecContext(ctx, `UPDATE desk_requests SET due_at = NULL, responded_at = COALESCE(responded_at, $1) WHERE id = $2`, now, id)
		case "reply", "reopen":
			lv, lerr := s.level(ctx, tx, r.Topic)
			if lerr != nil {
				return lerr
			}
			cal, cerr := s.calendar(ctx, tx)
			if cerr != nil {
				return cerr
			}
			_, err = tx.ExecContext(ctx, `UPDATE desk_requests SET due_at = $1, closed_at = NULL, cycle = cycle + 1, escalation_level = 0 WHERE id = $2`,
				cal.Add(now, lv.Duration()), id)
		case "close", "withdraw":
			_, err = tx.ExecContext(ctx, `UPDATE desk_requests SET due_at = NULL, closed_at = $1 WHERE id = $2`, now, id)
		}
		if err != nil {
			return apperr.Wrap(err, "request "+action)
		}
		msg := notify.Message{Kind: "desk.request." + rec.Action, Key: "desk.step:" + strconv.FormatInt(rec.ID, 10),
			Title: notify.T("desk.mail.step_title", r.Title), Body: notify.Text{Zh: s.flow.ActionLabel(rec.Action, "zh") + "：" + rec.Comment, En: s.flow.ActionLabel(rec.Action, "en") + ": " + rec.Comment},
			Link: link(id)}
		switch {
		case rec.Role == roleOfficer || rec.Role == roleAdmin:
			_, err = s.Notifier.ToOrg(ctx, tx, r.OrgID, msg)
		case r.AgencyOrgID != nil && (rec.Action == "reply" || rec.Action == "reopen"):
			_, err = s.Notifier.ToOrg(ctx, tx, *r.AgencyOrgID, msg)
		}
		return err
	})
	if err != nil {
		return Request{}, err
	}
	return s.Get(ctx, p, id)
}

// Rate records the enterprise's rating of the answer, once.
func (s *Service) Rate(ctx context.Context, p *auth.Principal, id int64, in RatingInput) (Request, error) {
	if err := in.Check(); err != nil {
		return Request{}, err
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		r, err := s.loadFor(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if p.RoleIn(r.OrgID) == "" {
			return apperr.New(apperr.Forbidden, "only the enterprise's members rate the answer")
		}
		if r.State != Answered && r.State != Closed {
			return apperr.New(apperr.Conflict, "a request is rated once answered, not while it is %s", r.State)
		}
		now := s.DB.Now()
		res, err := tx.ExecContext(ctx, `UPDATE desk_requests SET rating = $1, rating_comment = $2, rated_at = $3, version = version + 1, updated_at = $3
			WHERE id = $4 AND rating IS NULL`, in.Stars, in.Comment, now, id)
		if err != nil {
			return apperr.Wrap(err, "rate request")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "the answer is already rated")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: r.OrgID, Action: "desk_request.rate", Entity: "desk_request", EntityID: strconv.FormatInt(id, 10),
			Before: map[string]any{"rating": nil}, After: map[string]any{"rating": in.Stars, "comment": in.Comment}})
	})
	if err != nil {
		return Request{}, err
	}
	return s.Get(ctx, p, id)
}
