package demo

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"rainforest/internal/events"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
)

// demoRoadshow names the Xuhui roadshow; the events demo is there when it is.
const demoRoadshow = "徐汇区硬科技项目路演（第十二期）"

// SeedEvents gives the demo an upcoming Xuhui roadshow organised by the
// district's officer, with the demo enterprise registered; an angel-
// investment matchmaking afternoon in Yangpu with investors (accounts
// angel1..4@demo.local) and startups (founder1..6@demo.local and the demo
// enterprise) registered, their wishes stated and the meetings paired;
// and a Jing'an training two weeks ago with its check-ins. It does
// nothing when the roadshow exists.
func SeedEvents(ctx context.Context, d *db.DB, svc *events.Service) error {
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE title_zh = $1`, demoRoadshow).Scan(&n); err != nil || n > 0 {
		return apperr.Wrap(err, "demo events")
	}
	ctx = audit.WithActor(ctx, audit.Actor{Email: "demo-seed"})
	org := func(zh string) (int64, error) {
		var id int64
		err := d.Read.QueryRowContext(ctx, `SELECT id FROM orgs WHERE name_zh = $1`, zh).Scan(&id)
		return id, apperr.Wrap(err, "demo events org "+zh)
	}
	who := func(email string) (*auth.Principal, error) {
		var id int64
		if err := d.Read.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
			return nil, apperr.Wrap(err, "demo events user "+email)
		}
		return (&auth.Service{DB: d}).Principal(ctx, id)
	}
	xuhuiAgency, err := org("上海市徐汇区科学技术委员会")
	if err != nil {
		return err
	}
	yangpuCenter, err := org("杨浦科技创业中心")
	if err != nil {
		return err
	}
	jinganAgency, err := org("上海市静安区科学技术委员会")
	if err != nil {
		return err
	}
	xuhui, err := who("officer.xuhui@demo.local")
	if err != nil {
		return err
	}
	jingan, err := who("officer.jingan@demo.local")
	if err != nil {
		return err
	}
	admin, err := who("admin@demo.local")
	if err != nil {
		return err
	}
	ent, err := who("enterprise@demo.local")
	if err != nil {
		return err
	}
	now := d.Now().In(events.Shanghai)
	day := func(days, hour int) time.Time {
		return time.Date(now.Year(), now.Month(), now.Day()+days, hour, 0, 0, 0, events.Shanghai)
	}
	publish := func(s *events.Service, p *auth.Principal, in events.Input) (events.Event, error) {
		e, err := s.Save(ctx, p, 0, in)
		if err != nil {
			return e, err
		}
		return s.SetStatus(ctx, p, e.ID, events.StatusInput{Action: "publish"})
	}

	// The Xuhui roadshow, in two weeks.
	road, err := publish(svc, xuhui, events.Input{OrganiserOrgID: xuhuiAgency, Kind: "roadshow", TitleZh: demoRoadshow, TitleEn: "Xuhui hard-tech roadshow, 12th session",
		DescriptionZh: "十家人工智能、集成电路和生物医药初创企业向投资机构路演，每家 8 分钟，问答 5 分钟。",
		DescriptionEn: "Ten start-ups in AI, integrated circuits and biomedicine pitch to investors: eight minutes each, five for questions.",
		Venue:         "徐汇区漕河泾开发区 宜山路 900 号 科技大楼 2 楼报告厅", District: "xuhui", Start: day(14, 14), End: day(14, 17), Capacity: 120, Audience: "signed_in"})
	if err != nil {
		return err
	}
	yunshan := ent.Memberships[0].OrgID
	if _, err := svc.Register(ctx, ent, road.ID, events.RegisterInput{OrgID: &yunshan}); err != nil {
		return err
	}

	// The Yangpu matchmaking afternoon, in three weeks: investors and
	// startups with accounts of their own (password demo).
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return err
	}
	var investorOrgs, startupOrgs []int64
	for _, zh := range []string{"上海科技创业投资（集团）有限公司", "上海徐汇天使投资引导基金", "杨浦科技创业投资有限公司", "张江科技创业投资有限公司"} {
		id, err := org(zh)
		if err != nil {
			return err
		}
		investorOrgs = append(investorOrgs, id)
	}
	rows, err := d.Read.QueryContext(ctx, `SELECT id FROM orgs WHERE kind = 'enterprise' AND registered_district = 'yangpu' ORDER BY id LIMIT 6`)
	startupOrgs, err = db.Collect(rows, err, "demo startups", func(r interface{ Scan(...any) error }) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil {
		return err
	}
	var investors, startups []*auth.Principal
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		add := func(email, name string, orgID int64) (*auth.Principal, error) {
			u := auth.User{Email: email, Name: name, CreatedAt: d.Now()}
			if err := auth.InsertUserTx(ctx, tx, &u, hash); err != nil {
				return nil, err
			}
			if err := auth.AddMemberTx(ctx, tx, u.ID, orgID, auth.OrgMember, d.Now()); err != nil {
				return nil, err
			}
			return &auth.Principal{UserID: u.ID, Email: email, Name: name, Memberships: []auth.Membership{{OrgID: orgID, Role: auth.OrgMember}}}, nil
		}
		for i, o := range investorOrgs {
			p, err := add(fmt.Sprintf("angel%d@demo.local", i+1), fmt.Sprintf("投资经理 %d Investment manager %d", i+1, i+1), o)
			if err != nil {
				return err
			}
			investors = append(investors, p)
		}
		for i, o := range startupOrgs {
			p, err := add(fmt.Sprintf("founder%d@demo.local", i+1), fmt.Sprintf("创始人 %d Founder %d", i+1, i+1), o)
			if err != nil {
				return err
			}
			startups = append(startups, p)
		}
		return audit.Record(ctx, tx, d.Now(), audit.Change{Action: "seed", Entity: "demo", EntityID: "events",
			After: map[string]any{"investors": len(investors), "startups": len(startups)}})
	})
	if err != nil {
		return err
	}
	startups = append(startups, ent)
	mm, err := publish(svc, admin, events.Input{OrganiserOrgID: yangpuCenter, Kind: "matchmaking", TitleZh: "杨浦天使投资对接会", TitleEn: "Yangpu angel-investment matchmaking",
		DescriptionZh: "投资机构与初创企业一对一面谈，每场 20 分钟。报名后填写对接意向，双向意向优先安排。",
		DescriptionEn: "One-to-one meetings of investors and start-ups, 20 minutes each. State whom you want to meet; mutual wishes come first.",
		Venue:         "杨浦区国定路 335 号 杨浦科技创业中心 5 楼", District: "yangpu", Start: day(21, 14), End: day(21, 17), Capacity: 40, Audience: "signed_in", MeetingMinutes: 20})
	if err != nil {
		return err
	}
	reg := func(p *auth.Principal, side string) (int64, error) {
		o := p.Memberships[0].OrgID
		r, err := svc.Register(ctx, p, mm.ID, events.RegisterInput{OrgID: &o, Side: side})
		return r.ID, err
	}
	var inv, st []int64
	for _, p := range investors {
		id, err := reg(p, events.Investor)
		if err != nil {
			return err
		}
		inv = append(inv, id)
	}
	for _, p := range startups {
		id, err := reg(p, events.Startup)
		if err != nil {
			return err
		}
		st = append(st, id)
	}
	// Wishes: each investor names three startups, each startup two
	// investors; some meet in the middle.
	for i, p := range investors {
		ts := []int64{st[i%len(st)], st[(i+2)%len(st)], st[(i+4)%len(st)]}
		if _, err := svc.SetPreferences(ctx, p, mm.ID, events.PreferencesInput{Targets: ts}); err != nil {
			return err
		}
	}
	for i, p := range startups {
		ts := []int64{inv[i%len(inv)], inv[(i+1)%len(inv)]}
		if _, err := svc.SetPreferences(ctx, p, mm.ID, events.PreferencesInput{Targets: ts}); err != nil {
			return err
		}
	}
	if _, err := svc.Pair(ctx, admin, mm.ID, events.PairInput{}); err != nil {
		return err
	}

	// The Jing'an training two weeks ago: registered three days before,
	// checked in on the day, closed after. The clock of those days.
	start := day(-14, 9)
	past := func(at time.Time) *events.Service {
		pd := *d
		pd.Now = func() time.Time { return at.UTC() }
		return &events.Service{DB: &pd, Notifier: svc.Notifier}
	}
	before := past(start.AddDate(0, 0, -3))
	tr, err := publish(before, jingan, events.Input{OrganiserOrgID: jinganAgency, Kind: "training", TitleZh: "高新技术企业认定申报实务培训", TitleEn: "Applying for high-tech enterprise certification: a practical training",
		DescriptionZh: "讲解认定条件、研发费用归集、知识产权与科技人员比例的常见问题。", DescriptionEn: "The criteria, R&D expense accounting, IP and the share of technical staff: the usual questions.",
		Venue: "静安区科委 3 楼多功能厅", District: "jingan", Start: start, End: start.Add(3 * time.Hour), Capacity: 60, Audience: "signed_in"})
	if err != nil {
		return err
	}
	var came []int64
	for _, email := range []string{"enterprise@demo.local", "talent@demo.local", "university@demo.local", "lab@demo.local"} {
		p, err := who(email)
		if err != nil {
			return err
		}
		var o *int64
		if len(p.Memberships) > 0 {
			o = &p.Memberships[0].OrgID
		}
		r, err := before.Register(ctx, p, tr.ID, events.RegisterInput{OrgID: o})
		if err != nil {
			return err
		}
		if email != "lab@demo.local" {
			came = append(came, r.ID)
		}
	}
	onTheDay := past(start.Add(-10 * time.Minute))
	for _, r := range came {
		if _, err := onTheDay.CheckIn(ctx, jingan, tr.ID, events.CheckInInput{RegistrationID: r}); err != nil {
			return err
		}
	}
	_, err = past(start.Add(4*time.Hour)).SetStatus(ctx, jingan, tr.ID, events.StatusInput{Action: "close"})
	return err
}
