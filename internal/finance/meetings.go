package finance

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
)

// Meeting is a meeting request between an investor and an enterprise:
// one side proposes times, the other accepts one or declines; the
// proposer may cancel.
type Meeting struct {
	ID           int64      `json:"id"`
	InvestorID   int64      `json:"investor_id"`
	InvestorName string     `json:"investor_name"`
	InvestorOrg  int64      `json:"investor_org_id"`
	OrgID        int64      `json:"org_id"`
	OrgName      string     `json:"org_name"`
	ProposedBy   string     `json:"proposed_by"`
	Times        []string   `json:"times"`
	Message      string     `json:"message"`
	State        string     `json:"state"`
	MeetsAt      *time.Time `json:"meets_at"`
	Reply        string     `json:"reply"`
	Version      int        `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
}

// MeetingInput asks for a meeting. From says which side asks when the
// caller could be either (administrators); members ask for their side.
type MeetingInput struct {
	InvestorID int64    `json:"investor_id"`
	OrgID      int64    `json:"org_id"`
	Times      []string `json:"times"`
	Message    string   `json:"message"`
	From       string   `json:"from"`
}

// MeetingAction answers or cancels a request.
type MeetingAction struct {
	Action string `json:"action"`
	Time   string `json:"time"`
	Reply  string `json:"reply"`
}

// CheckTimes validates proposed meeting times: one to five distinct RFC
// 3339 instants after now and within a year, returned in UTC.
func CheckTimes(ts []string, now time.Time) ([]string, error) {
	if len(ts) == 0 || len(ts) > 5 {
		return nil, apperr.Field("times", "propose one to five times")
	}
	out := []string{}
	for i, s := range ts {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
		f := "times[" + strconv.Itoa(i) + "]"
		if err != nil {
			return nil, apperr.Field(f, "must be a time such as 2026-12-01T10:00:00+08:00")
		}
		if !t.After(now) || t.After(now.AddDate(1, 0, 0)) {
			return nil, apperr.Field(f, "must be after now and within a year")
		}
		u := t.UTC().Format(time.RFC3339)
		if slices.Contains(out, u) {
			return nil, apperr.Field(f, "is proposed twice")
		}
		out = append(out, u)
	}
	slices.Sort(out)
	return out, nil
}

const meetingCols = `m.id, m.investor_id, i.name_zh, i.org_id, m.org_id, o.name_zh, m.proposed_by, m.times, m.message, m.state, m.meets_at, m.reply, m.version, m.created_at`

const meetingFrom = ` FROM investor_meetings m JOIN investors i ON i.id = m.investor_id JOIN orgs o ON o.id = m.org_id`

func scanMeeting(r scanner) (Meeting, error) {
	var m Meeting
	var times string
	var at db.Time
	err := r.Scan(&m.ID, &m.InvestorID, &m.InvestorName, &m.InvestorOrg, &m.OrgID, &m.OrgName, &m.ProposedBy, &times, &m.Message, &m.State, &at, &m.Reply, &m.Version, &m.CreatedAt)
	m.Times = words(times)
	if at.Valid {
		t := at.Time
		m.MeetsAt = &t
	}
	return m, err
}

func loadMeeting(ctx context.Context, q querier, id int64) (Meeting, error) {
	m, err := scanMeeting(q.QueryRowContext(ctx, `SELECT `+meetingCols+meetingFrom+` WHERE m.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, apperr.New(apperr.NotFound, "no meeting %d", id)
	}
	return m, apperr.Wrap(err, "meeting")
}

// side is the side p speaks for in a meeting ("" for neither).
func (m *Meeting) side(p *auth.Principal) string {
	switch {
	case p.RoleIn(m.OrgID) != "":
		return "enterprise"
	case p.RoleIn(m.InvestorOrg) != "":
		return "investor"
	case p.IsAdmin():
		return "admin"
	}
	return ""
}

// RequestMeeting asks for a meeting from either side; the other side is
// told. An investor reaches only enterprises that opted in.
func (s *Service) RequestMeeting(ctx context.Context, p *auth.Principal, in MeetingInput) (Meeting, error) {
	if p == nil {
		return Meeting{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	in.Message = strings.TrimSpace(in.Message)
	var fs fieldErrs
	fs.Block("message", in.Message, 2000)
	if err := apperr.Fields(fs); err != nil {
		return Meeting{}, err
	}
	times, err := CheckTimes(in.Times, s.DB.Now())
	if err != nil {
		return Meeting{}, err
	}
	inv, err := loadInvestor(ctx, s.DB.Read, in.InvestorID)
	if apperr.CodeOf(err) == apperr.NotFound || (err == nil && inv.Status != "active") {
		return Meeting{}, apperr.Field("investor_id", "is not an active investor")
	} else if err != nil {
		return Meeting{}, err
	}
	m := Meeting{InvestorID: inv.ID, InvestorOrg: inv.OrgID, OrgID: in.OrgID}
	from := m.side(p)
	if from == "admin" {
		from = in.From
		if from != "investor" && from != "enterprise" {
			return Meeting{}, apperr.Field("from", "must be investor or enterprise")
		}
	}
	if from == "" {
		return Meeting{}, apperr.Field("org_id", "you must belong to the enterprise or the investor").WithCode(apperr.Forbidden)
	}
	var kind string
	var withdrawn db.Time
	var consented bool
	err = s.DB.Read.QueryRowContext(ctx, `SELECT o.kind, f.withdrawn_at, f.org_id IS NOT NULL FROM orgs o LEFT JOIN investment_profiles f ON f.org_id = o.id WHERE o.id = $1`,
		in.OrgID).Scan(&kind, &withdrawn, &consented)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "enterprise") {
		return Meeting{}, apperr.Field("org_id", "is not an enterprise")
	} else if err != nil {
		return Meeting{}, apperr.Wrap(err, "enterprise")
	}
	if from == "investor" && (!consented || withdrawn.Valid) {
		return Meeting{}, apperr.Field("org_id", "has not opted in to be found by investors")
	}
	now := s.DB.Now()
	var id int64
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO investor_meetings (investor_id, org_id, proposed_by, times, message, state, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'proposed', $6, $6) RETURNING id`, inv.ID, in.OrgID, from, strings.Join(times, " "), in.Message, now).Scan(&id); err != nil {
			return apperr.Wrap(err, "insert meeting")
		}
		m, err := loadMeeting(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Change{OrgID: in.OrgID, Action: "request", Entity: "investor_meeting", EntityID: strconv.FormatInt(id, 10), After: m}); err != nil {
			return err
		}
		return s.tellMeeting(ctx, tx, &m, "new")
	})
	if err != nil {
		return Meeting{}, err
	}
	return loadMeeting(ctx, s.DB.Read, id)
}

// tellMeeting tells the side that did not act.
func (s *Service) tellMeeting(ctx context.Context, tx *sql.Tx, m *Meeting, what string) error {
	if s.Notifier == nil {
		return nil
	}
	to := m.OrgID
	if (what == "new" || what == "cancelled") == (m.ProposedBy == "enterprise") {
		to = m.InvestorOrg
	}
	zh := map[string]string{"new": "新的约见请求", "accepted": "约见已接受", "declined": "约见已婉拒", "cancelled": "约见已取消"}[what]
	en := map[string]string{"new": "New meeting request", "accepted": "Meeting accepted", "declined": "Meeting declined", "cancelled": "Meeting cancelled"}[what]
	body := notify.Text{Zh: m.InvestorName + " ↔ " + m.OrgName, En: m.InvestorName + " ↔ " + m.OrgName}
	if m.MeetsAt != nil {
		at := m.MeetsAt.In(shanghai).Format("2006-01-02 15:04")
		body.Zh += "，" + at
		body.En += ", " + at + " (Shanghai)"
	}
	_, err := s.Notifier.ToOrg(ctx, tx, to, notify.Message{Kind: "finance.meeting." + what, Title: notify.Text{Zh: zh + "：" + m.OrgName, En: en + ": " + m.OrgName},
		Body: body, Link: "/finance/meetings"})
	return err
}

// Meetings lists the meetings of p's organizations, as enterprise or
// investor (administrators: all), newest first.
func (s *Service) Meetings(ctx context.Context, p *auth.Principal) ([]Meeting, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	var args db.Args
	where := "1 = 1"
	if !p.IsAdmin() {
		orgs := p.OrgIDs()
		if len(orgs) == 0 {
			return []Meeting{}, nil
		}
		in := db.List(&args, orgs)
		where = `(m.org_id IN (` + in + `) OR i.org_id IN (` + in + `))`
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+meetingCols+meetingFrom+` WHERE `+where+` ORDER BY m.id DESC LIMIT 500`, args...)
	out, err := db.Collect(rows, err, "meetings", func(r interface{ Scan(...any) error }) (Meeting, error) { return scanMeeting(r) })
	if out == nil {
		out = []Meeting{}
	}
	return out, err
}

// Meeting returns a meeting to either side.
func (s *Service) Meeting(ctx context.Context, p *auth.Principal, id int64) (Meeting, error) {
	if p == nil {
		return Meeting{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	m, err := loadMeeting(ctx, s.DB.Read, id)
	if err == nil && m.side(p) == "" {
		return Meeting{}, apperr.New(apperr.NotFound, "no meeting %d", id)
	}
	return m, err
}

// ActMeeting accepts one of the proposed times or declines (the side that
// was asked), or cancels (the side that asked, before the meeting).
func (s *Service) ActMeeting(ctx context.Context, p *auth.Principal, id int64, in MeetingAction) (Meeting, error) {
	m, err := s.Meeting(ctx, p, id)
	if err != nil {
		return m, err
	}
	in.Reply = strings.TrimSpace(in.Reply)
	var fs fieldErrs
	fs.Block("reply", in.Reply, 2000)
	if err := apperr.Fields(fs); err != nil {
		return Meeting{}, err
	}
	side := m.side(p)
	asked := side == "admin" || side != m.ProposedBy
	asker := side == "admin" || side == m.ProposedBy
	var to string
	var at any
	switch in.Action {
	case "accept", "decline":
		if !asked {
			return Meeting{}, apperr.New(apperr.Forbidden, "the side that was asked answers")
		}
		if m.State != "proposed" {
			return Meeting{}, apperr.New(apperr.Conflict, "the meeting is %s", m.State)
		}
		to = map[string]string{"accept": "accepted", "decline": "declined"}[in.Action]
		if in.Action == "accept" {
			t, err := time.Parse(time.RFC3339, strings.TrimSpace(in.Time))
			if err != nil || !slices.Contains(m.Times, t.UTC().Format(time.RFC3339)) {
				return Meeting{}, apperr.Field("time", "must be one of the proposed times")
			}
			if !t.After(s.DB.Now()) {
				return Meeting{}, apperr.Field("time", "has passed")
			}
			at = t.UTC()
		}
	case "cancel":
		if !asker {
			return Meeting{}, apperr.New(apperr.Forbidden, "the side that asked cancels; the other declines")
		}
		if m.State != "proposed" && m.State != "accepted" {
			return Meeting{}, apperr.New(apperr.Conflict, "the meeting is %s", m.State)
		}
		to = "cancelled"
	default:
		return Meeting{}, apperr.Field("action", "must be accept, decline or cancel")
	}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE investor_meetings SET state = $1, meets_at = COALESCE($2, meets_at), reply = $3, version = version + 1, updated_at = $4
			WHERE id = $5 AND version = $6`, to, at, in.Reply, now, id, m.Version)
		if err != nil {
			return apperr.Wrap(err, "meeting")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "the meeting changed meanwhile; reload")
		}
		after, err := loadMeeting(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Change{OrgID: m.OrgID, Action: in.Action, Entity: "investor_meeting", EntityID: strconv.FormatInt(id, 10),
			Before: map[string]any{"state": m.State}, After: after}); err != nil {
			return err
		}
		return s.tellMeeting(ctx, tx, &after, to)
	})
	if err != nil {
		return Meeting{}, err
	}
	return loadMeeting(ctx, s.DB.Read, id)
}

// Roadshow is a roadshow with the enterprises presenting and the
// investors' interest.
type Roadshow struct {
	ID         int64       `json:"id"`
	OwnerOrgID int64       `json:"owner_org_id"`
	OwnerName  string      `json:"owner_name"`
	NameZh     string      `json:"name_zh"`
	NameEn     string      `json:"name_en"`
	HeldOn     string      `json:"held_on"`
	District   string      `json:"district"`
	Presenters []Presenter `json:"presenters"`
	CreatedAt  time.Time   `json:"created_at"`
}

// Presenter is an enterprise presenting at a roadshow with its ask; the
// interested investors are named to the enterprise's members (others see
// the count).
type Presenter struct {
	OrgID      int64    `json:"org_id"`
	OrgName    string   `json:"org_name"`
	AskFen     int64    `json:"ask_fen"`
	Pitch      string   `json:"pitch"`
	Interested int      `json:"interested"`
	Investors  []string `json:"investors,omitempty"`
}

// RoadshowInput creates a roadshow.
type RoadshowInput struct {
	OwnerOrgID int64  `json:"owner_org_id"`
	NameZh     string `json:"name_zh"`
	NameEn     string `json:"name_en"`
	HeldOn     string `json:"held_on"`
	District   string `json:"district"`
}

// PresentInput puts an enterprise on a roadshow.
type PresentInput struct {
	OrgID   int64  `json:"org_id"`
	AskYuan int64  `json:"ask_yuan"`
	Pitch   string `json:"pitch"`
}

// InterestInput marks an investor's interest in a presenter.
type InterestInput struct {
	OrgID      int64 `json:"org_id"`
	InvestorID int64 `json:"investor_id"`
}

// CreateRoadshow: officers of the organizing agency, administrators.
func (s *Service) CreateRoadshow(ctx context.Context, p *auth.Principal, in RoadshowInput) (Roadshow, error) {
	if p == nil {
		return Roadshow{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	in.NameZh, in.NameEn, in.HeldOn, in.District = strings.TrimSpace(in.NameZh), strings.TrimSpace(in.NameEn), strings.TrimSpace(in.HeldOn), strings.TrimSpace(in.District)
	var fs fieldErrs
	if in.OwnerOrgID < 1 {
		fs.Add("owner_org_id", "is required")
	}
	fs.Line("name_zh", in.NameZh, true, 200)
	fs.Line("name_en", in.NameEn, false, 300)
	today := s.today()
	if t, err := time.Parse(time.DateOnly, in.HeldOn); err != nil || t.Before(today) || t.After(today.AddDate(2, 0, 0)) {
		fs.Add("held_on", "must be a date from today to two years ahead")
	}
	if in.District != "" && !slugChars(in.District) {
		fs.Add("district", "must be a district slug")
	}
	if err := apperr.Fields(fs); err != nil {
		return Roadshow{}, err
	}
	if !runs(p, in.OwnerOrgID) {
		return Roadshow{}, apperr.New(apperr.Forbidden, "officers of the organizing agency hold roadshows")
	}
	now := s.DB.Now()
	var id int64
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO roadshows (owner_org_id, name_zh, name_en, held_on, district, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			in.OwnerOrgID, in.NameZh, in.NameEn, in.HeldOn, in.District, now).Scan(&id); err != nil {
			if db.IsForeignKeyViolation(err) {
				return apperr.Field("owner_org_id", "is not an organization")
			}
			return apperr.Wrap(err, "insert roadshow")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: in.OwnerOrgID, Action: "create", Entity: "roadshow", EntityID: strconv.FormatInt(id, 10), After: in})
	})
	if err != nil {
		return Roadshow{}, err
	}
	return s.Roadshow(ctx, p, id)
}

// Roadshows lists the roadshows, the coming ones first (public).
func (s *Service) Roadshows(ctx context.Context) ([]Roadshow, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT r.id FROM roadshows r ORDER BY r.held_on DESC, r.id DESC LIMIT 100`)
	ids, err := db.Collect(rows, err, "roadshows", func(r interface{ Scan(...any) error }) (int64, error) {
		var x int64
		return x, r.Scan(&x)
	})
	if err != nil {
		return nil, err
	}
	out := []Roadshow{}
	for _, id := range ids {
		r, err := s.Roadshow(ctx, nil, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Roadshow returns a roadshow with its presenters (public; the names of
// interested investors only to the presenter's members and admins).
func (s *Service) Roadshow(ctx context.Context, p *auth.Principal, id int64) (Roadshow, error) {
	var r Roadshow
	var held db.Date
	err := s.DB.Read.QueryRowContext(ctx, `SELECT r.id, r.owner_org_id, o.name_zh, r.name_zh, r.name_en, r.held_on, r.district, r.created_at FROM roadshows r
		JOIN orgs o ON o.id = r.owner_org_id WHERE r.id = $1`, id).Scan(&r.ID, &r.OwnerOrgID, &r.OwnerName, &r.NameZh, &r.NameEn, &held, &r.District, &r.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.New(apperr.NotFound, "no roadshow %d", id)
	} else if err != nil {
		return r, apperr.Wrap(err, "roadshow")
	}
	r.HeldOn = held.String
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT x.org_id, o.name_zh, x.ask_fen, x.pitch FROM roadshow_presenters x JOIN orgs o ON o.id = x.org_id
		WHERE x.roadshow_id = $1 ORDER BY x.created_at, x.org_id`, id)
	r.Presenters, err = db.Collect(rows, err, "presenters", func(sc interface{ Scan(...any) error }) (Presenter, error) {
		var x Presenter
		return x, sc.Scan(&x.OrgID, &x.OrgName, &x.AskFen, &x.Pitch)
	})
	if err != nil {
		return r, err
	}
	if r.Presenters == nil {
		r.Presenters = []Presenter{}
	}
	for i := range r.Presenters {
		x := &r.Presenters[i]
		rows, err := s.DB.Read.QueryContext(ctx, `SELECT i.name_zh FROM roadshow_interests t JOIN investors i ON i.id = t.investor_id WHERE t.roadshow_id = $1 AND t.org_id = $2
			ORDER BY t.created_at`, id, x.OrgID)
		names, err := db.Collect(rows, err, "interests", func(sc interface{ Scan(...any) error }) (string, error) {
			var n string
			return n, sc.Scan(&n)
		})
		if err != nil {
			return r, err
		}
		x.Interested = len(names)
		if p != nil && (p.IsAdmin() || p.RoleIn(x.OrgID) != "") {
			x.Investors = names
		}
	}
	return r, nil
}

// Present puts an enterprise on a roadshow that has not taken place, with
// its ask (its members).
func (s *Service) Present(ctx context.Context, p *auth.Principal, id int64, in PresentInput) (Roadshow, error) {
	if p == nil {
		return Roadshow{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	in.Pitch = strings.TrimSpace(in.Pitch)
	var fs fieldErrs
	if in.AskYuan < 1 || in.AskYuan > maxYuan {
		fs.Add("ask_yuan", "must be a whole number of yuan from 1 to 10,000,000,000")
	}
	fs.Block("pitch", in.Pitch, 2000)
	if err := apperr.Fields(fs); err != nil {
		return Roadshow{}, err
	}
	r, err := s.Roadshow(ctx, p, id)
	if err != nil {
		return r, err
	}
	if !manages(p, in.OrgID) {
		return Roadshow{}, apperr.Field("org_id", "must be an enterprise you belong to").WithCode(apperr.Forbidden)
	}
	if r.HeldOn < s.today().Format(time.DateOnly) {
		return Roadshow{}, apperr.New(apperr.Conflict, "the roadshow took place on %s", r.HeldOn)
	}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM orgs WHERE id = $1`, in.OrgID).Scan(&kind); errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "enterprise") {
			return apperr.Field("org_id", "is not an enterprise")
		} else if err != nil {
			return apperr.Wrap(err, "enterprise")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO roadshow_presenters (roadshow_id, org_id, ask_fen, pitch, created_at) VALUES ($1, $2, $3, $4, $5)`, id, in.OrgID, in.AskYuan*100, in.Pitch, now)
		if db.IsUniqueViolation(err) {
			return apperr.Field("org_id", "presents at this roadshow already").WithCode(apperr.Conflict)
		}
		if err != nil {
			return apperr.Wrap(err, "present")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: in.OrgID, Action: "present", Entity: "roadshow", EntityID: strconv.FormatInt(id, 10), After: in})
	})
	if err != nil {
		return Roadshow{}, err
	}
	return s.Roadshow(ctx, p, id)
}

// MarkInterest records an investor's interest in a presenter (the
// investor's managers); the enterprise is told.
func (s *Service) MarkInterest(ctx context.Context, p *auth.Principal, id int64, in InterestInput) (Roadshow, error) {
	if p == nil {
		return Roadshow{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	r, err := s.Roadshow(ctx, p, id)
	if err != nil {
		return r, err
	}
	if !slices.ContainsFunc(r.Presenters, func(x Presenter) bool { return x.OrgID == in.OrgID }) {
		return Roadshow{}, apperr.Field("org_id", "does not present at this roadshow")
	}
	inv, err := loadInvestor(ctx, s.DB.Read, in.InvestorID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return Roadshow{}, apperr.Field("investor_id", "is not an investor")
	} else if err != nil {
		return Roadshow{}, err
	}
	if !manages(p, inv.OrgID) {
		return Roadshow{}, apperr.Field("investor_id", "must be an investor you manage").WithCode(apperr.Forbidden)
	}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO roadshow_interests (roadshow_id, org_id, investor_id, created_at) VALUES ($1, $2, $3, $4)`, id, in.OrgID, in.InvestorID, now)
		if db.IsUniqueViolation(err) {
			return apperr.Field("investor_id", "has marked its interest already").WithCode(apperr.Conflict)
		}
		if err != nil {
			return apperr.Wrap(err, "interest")
		}
		if err := audit.Record(ctx, tx, now, audit.Change{OrgID: in.OrgID, Action: "interest", Entity: "roadshow", EntityID: strconv.FormatInt(id, 10), After: in}); err != nil {
			return err
		}
		if s.Notifier == nil {
			return nil
		}
		_, err = s.Notifier.ToOrg(ctx, tx, in.OrgID, notify.Message{Kind: "finance.roadshow.interest",
			Title: notify.Text{Zh: inv.NameZh + " 关注了您在路演中的项目", En: inv.NameZh + " is interested in your roadshow pitch"},
			Body:  notify.Text{Zh: r.NameZh, En: r.NameZh}, Link: "/finance/investors"})
		return err
	})
	if err != nil {
		return Roadshow{}, err
	}
	return s.Roadshow(ctx, p, id)
}
