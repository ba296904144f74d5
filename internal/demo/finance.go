package demo

import (
	"context"

	"rainforest/internal/finance"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
)

// SeedFinance gives the demo Xuhui's loan risk-compensation pool (100
// million yuan, losses shared half and half by the fund and the bank), a
// credit loan and an IP pledge loan of the Bank of Shanghai's Jing'an
// branch, a pooled loan of the Xuhui rural commercial bank, the demo
// enterprise's disbursed loan with its first repayment and a second
// application in due diligence. It does nothing when the pool exists.
func SeedFinance(ctx context.Context, d *db.DB, svc *finance.Service) error {
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
