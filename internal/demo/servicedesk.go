package demo

import (
	"context"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/servicedesk"
)

// SeedServiceDesk gives the demo the service desk of Jing'an and Xuhui:
// routes of every topic to the district's science commission with its
// officer groups, shorter service levels for IP and finance, the two
// officers as their districts' leads; requests of the demo enterprise in
// every stage (one overdue and escalated, one answered, rated and
// closed, one asked back, one just filed); a published policy notice of
// Xuhui to its high-tech enterprises; and a visit to the demo enterprise
// with one promise overdue and one open. Requests of the past are filed
// on a clock set back, so that their deadlines are computed as they
// would have been. It does nothing when Jing'an has routes already.
func SeedServiceDesk(ctx context.Context, d *db.DB, svc *servicedesk.Service) error {
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM desk_routes WHERE district = 'jingan'`).Scan(&n); err != nil || n > 0 {
		return apperr.Wrap(err, "demo service desk")
	}
	ids := map[string]int64{}
	for _, q := range []struct{ key, query, arg string }{
		{"jingan", `SELECT id FROM orgs WHERE name_zh = $1`, "上海市静安区科学技术委员会"},
		{"xuhui", `SELECT id FROM orgs WHERE name_zh = $1`, "上海市徐汇区科学技术委员会"},
		{"yunshan", `SELECT id FROM orgs WHERE name_zh = $1`, "上海云杉软件科技有限公司"},
		{"admin", `SELECT id FROM users WHERE email = $1`, "admin@demo.local"},
		{"ent", `SELECT id FROM users WHERE email = $1`, "enterprise@demo.local"},
		{"oj", `SELECT id FROM users WHERE email = $1`, "officer.jingan@demo.local"},
		{"ox", `SELECT id FROM users WHERE email = $1`, "officer.xuhui@demo.local"},
	} {
		var v int64
		if err := d.Read.QueryRowContext(ctx, q.query, q.arg).Scan(&v); err != nil {
			return apperr.Wrap(err, "demo service desk "+q.key)
		}
		ids[q.key] = v
	}
	ctx = audit.WithActor(ctx, audit.Actor{Email: "demo-seed"})
	admin := &auth.Principal{UserID: ids["admin"], Email: "admin@demo.local", Role: auth.RoleAdmin}
	ent := &auth.Principal{UserID: ids["ent"], Email: "enterprise@demo.local",
		Memberships: []auth.Membership{{OrgID: ids["yunshan"], Role: auth.OrgOwner, OrgKind: "enterprise", District: "jingan"}}}
	oj := &auth.Principal{UserID: ids["oj"], Email: "officer.jingan@demo.local", Role: auth.RoleOfficer,
		Memberships: []auth.Membership{{OrgID: ids["jingan"], Role: auth.OrgMember, OrgKind: "agency", District: "jingan"}}}
	ox := &auth.Principal{UserID: ids["ox"], Email: "officer.xuhui@demo.local", Role: auth.RoleOfficer,
		Memberships: []auth.Membership{{OrgID: ids["xuhui"], Role: auth.OrgMember, OrgKind: "agency", District: "xuhui"}}}

	groups := map[string][2]string{
		"programs": {"科技项目科", "Programs section"}, "ip": {"知识产权科", "IP section"}, "transfer": {"成果转化科", "Technology transfer section"},
		"instruments_vouchers": {"科技服务科", "Science services section"}, "finance": {"科技金融科", "Sci-tech finance section"},
		"talent": {"人才工作科", "Talent section"}, "incubation": {"创新创业科", "Innovation and start-ups section"},
		"registration": {"综合服务窗口", "One-stop service window"}, "other": {"综合服务窗口", "One-stop service window"},
	}
	for _, district := range []string{"jingan", "xuhui"} {
		for _, t := range servicedesk.Topics {
			g := groups[t]
			if _, err := svc.SetRoute(ctx, admin, servicedesk.RouteInput{District: district, Topic: t, AgencyOrgID: ids[district], GroupZh: g[0], GroupEn: g[1]}); err != nil {
				return err
			}
		}
	}
	for topic, l := range map[string]servicedesk.LevelInput{"ip": {Amount: 2, Unit: servicedesk.UnitDays}, "finance": {Amount: 16, Unit: servicedesk.UnitHours}} {
		if _, err := svc.SetLevel(ctx, admin, topic, l); err != nil {
			return err
		}
	}
	for _, l := range []servicedesk.LeadInput{{District: "jingan", UserID: ids["oj"], Lead: true}, {District: "xuhui", UserID: ids["ox"], Lead: true}} {
		if _, err := svc.SetLead(ctx, admin, l); err != nil {
			return err
		}
	}

	// The past, on a clock set back.
	now := d.Now
	defer func() { d.Now = now }()
	back := func(days int) { d.Now = func() time.Time { return now().AddDate(0, 0, -days) } }
	file := func(topic, title, body string) (int64, error) {
		r, err := svc.Create(ctx, ent, servicedesk.RequestInput{OrgID: ids["yunshan"], Topic: topic, Title: title, Body: body})
		return r.ID, err
	}
	back(10)
	if _, err := file("programs", "软件企业研发费用加计扣除的归集口径", "我司为软件企业，研发人员同时参与项目交付，工时如何分摊计入研发费用？是否需要专账管理？"); err != nil {
		return err
	}
	back(6)
	rated, err := file("finance", "科创信用贷贴息如何申请", "我司已获上海银行科创信用贷300万元，请问区级贷款贴息的申请时间和材料？")
	if err != nil {
		return err
	}
	back(5)
	if _, err := svc.Act(ctx, oj, rated, "answer", "贴息每季度受理一次，请在季度末前提交贷款合同、付息凭证和企业承诺书，经区科委审核后拨付，贴息比例为实际付息的50%。"); err != nil {
		return err
	}
	back(4)
	if _, err := svc.Rate(ctx, ent, rated, servicedesk.RatingInput{Stars: 5, Comment: "答复及时、清楚，已按要求提交。"}); err != nil {
		return err
	}
	if _, err := svc.Act(ctx, ent, rated, "close", ""); err != nil {
		return err
	}
	back(2)
	asked, err := file("talent", "外籍工程师工作许可延期", "我司首席工程师的外国人工作许可将于明年1月到期，延期需要哪些材料？")
	if err != nil {
		return err
	}
	back(1)
	if _, err := svc.Act(ctx, oj, asked, "ask", "请补充劳动合同续签情况和最近一年的个税缴纳证明，以便判断适用A类还是B类。"); err != nil {
		return err
	}
	d.Now = now
	if _, err := file("ip", "专利质押登记流程", "拟以两项发明专利向银行质押融资，质押登记在哪里办理？需要多长时间？"); err != nil {
		return err
	}
	// The request filed ten days ago is past its deadline: escalate it.
	if _, err := svc.Sweep(ctx); err != nil {
		return err
	}

	notice, err := svc.CreateNotice(ctx, ox, servicedesk.NoticeInput{District: "xuhui",
		TitleZh: "2026年度高新技术企业认定申报提醒", TitleEn: "2026 high-tech enterprise certification: reminder",
		BodyZh: "徐汇区2026年度第二批高新技术企业认定申报即将截止，已认定企业请关注重新认定时间，并按要求更新研发费用和知识产权数据。区科委提供一对一辅导。",
		BodyEn: "The second 2026 round of high-tech enterprise certification in Xuhui closes soon. Certified enterprises: check your renewal date and keep your R&D and IP figures up to date. The district commission offers one-to-one guidance.",
		Rule:   `registered_district == "xuhui" && "hnte" in certifications`})
	if err != nil {
		return err
	}
	if _, err := svc.PublishNotice(ctx, ox, notice.ID); err != nil {
		return err
	}

	today := now().In(servicedesk.Shanghai)
	day := func(off int) string { return today.AddDate(0, 0, off).Format("2006-01-02") }
	_, err = svc.CreateVisit(ctx, oj, servicedesk.VisitInput{OrgID: ids["yunshan"], VisitedOn: day(-14), Participants: "静安区科委 王敏；云杉软件 陈静",
		Issues: "研发团队扩张，现有办公面积不足；希望了解人才公寓申请条件；关注软件著作权登记加急通道。",
		Promises: []servicedesk.PromiseInput{
			{What: "协调市北高新园区可租用办公空间并反馈", Owner: "王敏", DueOn: day(-3)},
			{What: "提供人才公寓申请指南和本年度名额", Owner: "王敏", DueOn: day(10)},
		}})
	return err
}
