package demo

import (
	"context"
	"time"

	"rainforest/internal/finance"
	"rainforest/internal/ip"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
)

// SeedFinance gives the demo Xuhui's loan risk-compensation pool (100
// million yuan, losses shared half and half by the fund and the bank), a
// credit loan and an IP pledge loan of the Bank of Shanghai's Jing'an
// branch, a pooled loan of the Xuhui rural commercial bank, the demo
// enterprise's disbursed loan with its first repayment and a second
// application in due diligence (nothing when the pool exists); then the
// interest subsidy and the investors (seedSubsidy, seedInvestors), each
// once.
func SeedFinance(ctx context.Context, d *db.DB, svc *finance.Service) error {
	if err := seedLoans(ctx, d, svc); err != nil {
		return err
	}
	if err := seedSubsidy(ctx, d, svc); err != nil {
		return err
	}
	return seedInvestors(ctx, d, svc)
}

func seedLoans(ctx context.Context, d *db.DB, svc *finance.Service) error {
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM risk_pools WHERE slug = 'xuhui-sme-loan-risk'`).Scan(&n); err != nil || n > 0 {
		return apperr.Wrap(err, "demo finance")
	}
	ids := map[string]int64{}
	for _, q := range []struct{ key, query, arg string }{
		{"xuhui", `SELECT id FROM orgs WHERE name_zh = $1`, "上海市徐汇区科学技术委员会"},
		{"bos", `SELECT id FROM orgs WHERE name_zh = $1`, "上海银行股份有限公司静安支行"},
		{"srcb", `SELECT id FROM orgs WHERE name_zh = $1`, "上海农村商业银行徐汇支行"},
		{"yunshan", `SELECT id FROM orgs WHERE name_zh = $1`, "上海云杉软件科技有限公司"},
		{"admin", `SELECT id FROM users WHERE email = $1`, "admin@demo.local"},
		{"ent", `SELECT id FROM users WHERE email = $1`, "enterprise@demo.local"},
		{"bank", `SELECT id FROM users WHERE email = $1`, "bank@demo.local"},
	} {
		var v int64
		if err := d.Read.QueryRowContext(ctx, q.query, q.arg).Scan(&v); err != nil {
			return apperr.Wrap(err, "demo finance "+q.key)
		}
		ids[q.key] = v
	}
	admin := &auth.Principal{UserID: ids["admin"], Email: "admin@demo.local", Role: auth.RoleAdmin}
	ent := &auth.Principal{UserID: ids["ent"], Email: "enterprise@demo.local",
		Memberships: []auth.Membership{{OrgID: ids["yunshan"], Role: auth.OrgOwner, OrgKind: "enterprise", District: "jingan"}}}
	bos := &auth.Principal{UserID: ids["bank"], Email: "bank@demo.local", Memberships: []auth.Membership{{OrgID: ids["bos"], Role: auth.OrgMember, OrgKind: "bank", District: "jingan"}}}
	srcb := &auth.Principal{UserID: ids["admin"], Email: "admin@demo.local", Memberships: []auth.Membership{{OrgID: ids["srcb"], Role: auth.OrgMember, OrgKind: "bank", District: "xuhui"}}}
	pool, err := svc.SavePool(ctx, admin, 0, finance.PoolInput{Slug: "xuhui-sme-loan-risk", OwnerOrgID: ids["xuhui"], NameZh: "徐汇区中小企业贷款风险补偿资金池",
		NameEn: "Xuhui SME loan risk-compensation pool", SharesPct: map[string]float64{"fund": 50, "bank": 50}, PerLoanCapYuan: 2_000_000, CapitalYuan: 100_000_000})
	if err != nil {
		return err
	}
	credit, err := svc.SaveProduct(ctx, admin, 0, finance.ProductInput{BankOrgID: ids["bos"], NameZh: "科创信用贷", NameEn: "Sci-tech credit loan",
		DescriptionZh: "面向科技型中小企业的纯信用贷款，无需抵押担保，凭研发投入和知识产权评估授信。", DescriptionEn: "An unsecured loan for sci-tech SMEs, sized on R&D spending and IP; no collateral or guarantee.",
		MinYuan: 300_000, MaxYuan: 10_000_000, MinMonths: 12, MaxMonths: 36, RatePct: 3.85, CollateralFree: true, Eligibility: "scitech-sme"})
	if err != nil {
		return err
	}
	if _, err := svc.SaveProduct(ctx, admin, 0, finance.ProductInput{BankOrgID: ids["bos"], NameZh: "知识产权质押贷", NameEn: "IP pledge loan",
		DescriptionZh: "以发明专利、软件著作权等质押，质押期间权利不得转让。", DescriptionEn: "Secured by invention patents or software copyrights, which cannot be sold while pledged.",
		MinYuan: 500_000, MaxYuan: 20_000_000, MinMonths: 12, MaxMonths: 60, RatePct: 4.2, IPPledge: true}); err != nil {
		return err
	}
	pooled, err := svc.SaveProduct(ctx, admin, 0, finance.ProductInput{BankOrgID: ids["srcb"], NameZh: "徐汇科技履约贷", NameEn: "Xuhui sci-tech performance loan",
		DescriptionZh: "由徐汇区风险补偿资金池分担损失的科技企业贷款。", DescriptionEn: "Loans to sci-tech firms whose losses the Xuhui risk pool shares.",
		MinYuan: 200_000, MaxYuan: 5_000_000, MinMonths: 6, MaxMonths: 24, RatePct: 4.0, CollateralFree: true, PoolID: &pool.ID})
	if err != nil {
		return err
	}
	loan, err := svc.Apply(ctx, ent, finance.LoanInput{ProductID: credit.ID, OrgID: ids["yunshan"], AmountYuan: 1_200_000, Months: 24,
		Purpose: "扩充研发团队，开发新一代日志分析平台", Scopes: []string{"profile", "financials"}})
	if err != nil {
		return err
	}
	if _, err := svc.SharedData(ctx, bos, loan.ID); err != nil {
		return err
	}
	for _, a := range []string{"review", "approve", "disburse"} {
		if _, err := svc.Act(ctx, bos, loan.ID, a, ""); err != nil {
			return err
		}
	}
	l, err := svc.Loan(ctx, bos, loan.ID)
	if err != nil {
		return err
	}
	if _, err := svc.Repay(ctx, bos, loan.ID, l.Schedule[0].PrincipalFen+l.Schedule[0].InterestFen, ""); err != nil {
		return err
	}
	second, err := svc.Apply(ctx, ent, finance.LoanInput{ProductID: pooled.ID, OrgID: ids["yunshan"], AmountYuan: 800_000, Months: 12,
		Purpose: "徐汇研发中心的设备采购", Scopes: []string{"profile", "financials", "ip"}})
	if err != nil {
		return err
	}
	_, err = svc.Act(ctx, srcb, second.ID, "review", "")
	return err
}

// financeIDs looks up the organizations and accounts the demo's finance
// records name.
func financeIDs(ctx context.Context, d *db.DB, orgs map[string]string, users ...string) (map[string]int64, error) {
	ids := map[string]int64{}
	for k, zh := range orgs {
		var v int64
		if err := d.Read.QueryRowContext(ctx, `SELECT id FROM orgs WHERE name_zh = $1`, zh).Scan(&v); err != nil {
			return nil, apperr.Wrap(err, "demo finance "+k)
		}
		ids[k] = v
	}
	for _, u := range users {
		var v int64
		if err := d.Read.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1`, u).Scan(&v); err != nil {
			return nil, apperr.Wrap(err, "demo finance "+u)
		}
		ids[u] = v
	}
	return ids, nil
}

// seedSubsidy gives Jing'an's IP-pledge interest-subsidy program its
// scheme (half the interest, at most 500,000 yuan a year per enterprise)
// on the Bank of Shanghai's IP pledge loan, and the demo enterprise an IP
// pledge loan against a software copyright, disbursed a month before the
// last quarter began, with that quarter's three installments repaid on
// time and its subsidy claimed. It does nothing when the scheme exists.
func seedSubsidy(ctx context.Context, d *db.DB, svc *finance.Service) (err error) {
	const name = "静安区知识产权质押融资贴息（按季）"
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM subsidy_schemes WHERE name_zh = $1`, name).Scan(&n); err != nil || n > 0 {
		return apperr.Wrap(err, "demo subsidy")
	}
	ids, err := financeIDs(ctx, d, map[string]string{"bos": "上海银行股份有限公司静安支行", "yunshan": "上海云杉软件科技有限公司"},
		"admin@demo.local", "enterprise@demo.local", "bank@demo.local")
	if err != nil {
		return err
	}
	var product int64
	if err := d.Read.QueryRowContext(ctx, `SELECT id FROM loan_products WHERE bank_org_id = $1 AND ip_pledge ORDER BY id LIMIT 1`, ids["bos"]).Scan(&product); err != nil {
		return apperr.Wrap(err, "demo subsidy product")
	}
	admin := &auth.Principal{UserID: ids["admin@demo.local"], Email: "admin@demo.local", Role: auth.RoleAdmin}
	ent := &auth.Principal{UserID: ids["enterprise@demo.local"], Email: "enterprise@demo.local",
		Memberships: []auth.Membership{{OrgID: ids["yunshan"], Role: auth.OrgOwner, OrgKind: "enterprise", District: "jingan"}}}
	bos := &auth.Principal{UserID: ids["bank@demo.local"], Email: "bank@demo.local", Memberships: []auth.Membership{{OrgID: ids["bos"], Role: auth.OrgMember, OrgKind: "bank", District: "jingan"}}}
	if _, err := svc.SaveScheme(ctx, admin, 0, finance.SchemeInput{Program: "jingan-ip-pledge-interest", NameZh: name, NameEn: "Jing'an interest subsidy for IP-pledge loans (quarterly)",
		SharePct: 50, CapYuan: 500_000, FromQuarter: "2024Q1", ProductIDs: []int64{product}}); err != nil {
		return err
	}
	// The loan's history happens on the days it happened: the clock is
	// set back for it and restored after.
	clock := d.Now
	defer func() { d.Now = clock }()
	now := clock()
	_, lastFrom, lastTo, err := finance.ParseQuarter(finance.QuarterOf(now.In(shanghaiTZ).AddDate(0, -3, 0)))
	if err != nil {
		return err
	}
	on := func(day time.Time) { d.Now = func() time.Time { return day.Add(2 * time.Hour) } }
	on(lastFrom.AddDate(0, -1, 5))
	asset, err := (&ip.Service{DB: d, Registry: svc.Registry}).CreateAsset(ctx, admin, ip.AssetInput{OwnerOrgID: ids["yunshan"], Kind: "copyright", Subtype: "software",
		Number: "2022SR0612345", Status: "registered", Field: "electronic_information", TitleZh: "云杉工业数据采集与分析平台 V3.0", TitleEn: "Yunshan industrial data collection and analytics platform V3.0",
		AbstractZh: "面向制造企业的设备数据采集、存储与分析软件。", AbstractEn: "Software collecting, storing and analysing equipment data for manufacturers."})
	if err != nil {
		return err
	}
	loan, err := svc.Apply(ctx, ent, finance.LoanInput{ProductID: product, OrgID: ids["yunshan"], AmountYuan: 2_000_000, Months: 24,
		Purpose: "以软件著作权质押，用于新一代数据平台研发", Scopes: []string{"profile", "ip"}, AssetIDs: []int64{asset.ID}})
	if err != nil {
		return err
	}
	for _, a := range []string{"review", "approve", "disburse"} {
		if _, err := svc.Act(ctx, bos, loan.ID, a, ""); err != nil {
			return err
		}
	}
	l, err := svc.Loan(ctx, bos, loan.ID)
	if err != nil {
		return err
	}
	for _, in := range l.Schedule {
		due, err := time.Parse(time.DateOnly, in.DueOn)
		if err != nil || !due.Before(lastTo) {
			break
		}
		on(due)
		if _, err := svc.Repay(ctx, bos, loan.ID, in.PrincipalFen+in.InterestFen, in.DueOn); err != nil {
			return err
		}
	}
	d.Now = clock
	_, err = svc.ClaimSubsidy(ctx, ent, finance.SubsidyClaimInput{LoanID: loan.ID, Quarter: finance.QuarterOf(lastFrom)})
	return err
}

var shanghaiTZ = time.FixedZone("CST", 8*3600)

// seedInvestors gives the demo two investors: the Xuhui angel fund (50
// million yuan for incubator firms, managed by investor@demo.local's
// organization) and the city's guiding fund (750 million yuan,
// illustrative) with two sub-fund commitments, one partly called; the
// demo enterprise opted in to be found, a meeting request from the angel
// fund, and a roadshow in two weeks where the enterprise presents and the
// angel fund is interested. It does nothing when the guiding fund exists.
func seedInvestors(ctx context.Context, d *db.DB, svc *finance.Service) error {
	const guidingName = "上海市科技创业投资引导基金"
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM investors WHERE name_zh = $1`, guidingName).Scan(&n); err != nil || n > 0 {
		return apperr.Wrap(err, "demo investors")
	}
	ids, err := financeIDs(ctx, d, map[string]string{"angel": "上海徐汇天使投资引导基金", "stvc": "上海科技创业投资（集团）有限公司", "yunshan": "上海云杉软件科技有限公司",
		"xuhui": "上海市徐汇区科学技术委员会"}, "admin@demo.local", "enterprise@demo.local")
	if err != nil {
		return err
	}
	admin := &auth.Principal{UserID: ids["admin@demo.local"], Email: "admin@demo.local", Role: auth.RoleAdmin}
	ent := &auth.Principal{UserID: ids["enterprise@demo.local"], Email: "enterprise@demo.local",
		Memberships: []auth.Membership{{OrgID: ids["yunshan"], Role: auth.OrgOwner, OrgKind: "enterprise", District: "jingan"}}}
	angel, err := svc.SaveInvestor(ctx, admin, 0, finance.InvestorInput{OrgID: ids["angel"], Kind: "angel", NameZh: "徐汇区天使投资基金", NameEn: "Xuhui Angel Fund",
		DescriptionZh: "5000 万元天使基金，投资徐汇孵化器中的早期科技企业（示意）。", DescriptionEn: "A 50 million yuan angel fund for early sci-tech firms in Xuhui's incubators (illustrative).",
		Stages: []string{"seed", "angel", "a"}, Fields: []string{"electronic_information", "biomedicine", "new_materials"}, Districts: []string{"xuhui", "jingan"},
		MinTicketYuan: 500_000, MaxTicketYuan: 5_000_000, SizeYuan: 50_000_000})
	if err != nil {
		return err
	}
	guide, err := svc.SaveInvestor(ctx, admin, 0, finance.InvestorInput{OrgID: ids["stvc"], Kind: "guiding", NameZh: guidingName, NameEn: "Shanghai Sci-Tech Venture Guiding Fund",
		DescriptionZh: "7.5 亿元引导基金，以参股子基金方式引导社会资本投向科技型企业（示意）。", DescriptionEn: "A 750 million yuan guiding fund that invests through sub-funds to draw private capital to sci-tech firms (illustrative).",
		Stages: []string{"angel", "a", "b_plus"}, MinTicketYuan: 10_000_000, MaxTicketYuan: 300_000_000, SizeYuan: 750_000_000})
	if err != nil {
		return err
	}
	c, err := svc.Commit(ctx, admin, guide.ID, finance.CommitmentInput{SubInvestorID: &angel.ID, AmountYuan: 20_000_000, SharePct: 40, CommittedOn: "2024-03-15"})
	if err != nil {
		return err
	}
	if _, err := svc.Call(ctx, admin, c.ID, finance.CallInput{AmountYuan: 8_000_000, CalledOn: "2024-06-28"}); err != nil {
		return err
	}
	if _, err := svc.Commit(ctx, admin, guide.ID, finance.CommitmentInput{SubFundZh: "张江科技创新子基金", SubFundEn: "Zhangjiang Sci-Tech Innovation Sub-fund",
		AmountYuan: 150_000_000, SharePct: 25, CommittedOn: "2025-06-30"}); err != nil {
		return err
	}
	if _, err := svc.OptIn(ctx, ent, ids["yunshan"], finance.ProfileInput{Stage: "angel", AskYuan: 3_000_000,
		PitchZh: "面向制造业的工业数据平台，已服务 40 余家工厂，寻求天使轮融资扩充研发团队。", PitchEn: "An industrial data platform serving 40+ factories, raising an angel round to grow the R&D team."}); err != nil {
		return err
	}
	day := d.Now().In(shanghaiTZ)
	slot := func(days, hour int) string {
		return time.Date(day.Year(), day.Month(), day.Day()+days, hour, 0, 0, 0, shanghaiTZ).Format(time.RFC3339)
	}
	if _, err := svc.RequestMeeting(ctx, admin, finance.MeetingInput{InvestorID: angel.ID, OrgID: ids["yunshan"], From: "investor", Times: []string{slot(3, 10), slot(4, 15)},
		Message: "我们关注工业软件方向，希望约见了解贵司的数据平台与融资计划。"}); err != nil {
		return err
	}
	rs, err := svc.CreateRoadshow(ctx, admin, finance.RoadshowInput{OwnerOrgID: ids["xuhui"], NameZh: "徐汇天使投资路演日", NameEn: "Xuhui angel investment roadshow",
		HeldOn: day.AddDate(0, 0, 14).Format(time.DateOnly), District: "xuhui"})
	if err != nil {
		return err
	}
	if _, err := svc.Present(ctx, ent, rs.ID, finance.PresentInput{OrgID: ids["yunshan"], AskYuan: 3_000_000, Pitch: "工业数据平台：设备数据采集与预测性维护"}); err != nil {
		return err
	}
	_, err = svc.MarkInterest(ctx, admin, rs.ID, finance.InterestInput{OrgID: ids["yunshan"], InvestorID: angel.ID})
	return err
}
