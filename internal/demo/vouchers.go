package demo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/registry"
	"rainforest/internal/vouchers"
)

// SeedVouchers gives the demo a Jing'an innovation voucher for sci-tech
// SMEs (open, funded with one million yuan), providers in Shanghai,
// Jiangsu and Zhejiang (the two outside the city registered in the
// registry without a district), the demo enterprise's voucher, and two
// orders paid with it, one across the provincial border. It does nothing
// when the program exists.
func SeedVouchers(ctx context.Context, d *db.DB, reg *registry.Service, svc *vouchers.Service) error {
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM voucher_programs WHERE slug = 'jingan-innovation-voucher'`).Scan(&n); err != nil || n > 0 {
		return apperr.Wrap(err, "demo vouchers")
	}
	ids := map[string]int64{}
	for _, q := range []struct{ key, query, arg string }{
		{"agency", `SELECT id FROM orgs WHERE name_zh = $1`, "上海市静安区科学技术委员会"},
		{"simt", `SELECT id FROM orgs WHERE name_zh = $1`, "上海市计量测试技术研究院"},
		{"huace", `SELECT id FROM orgs WHERE name_zh = $1`, "上海华测检测技术有限公司"},
		{"patent", `SELECT id FROM orgs WHERE name_zh = $1`, "上海专利商标事务所有限公司"},
		{"yunshan", `SELECT id FROM orgs WHERE name_zh = $1`, "上海云杉软件科技有限公司"},
		{"admin", `SELECT id FROM users WHERE email = $1`, "admin@demo.local"},
		{"ent", `SELECT id FROM users WHERE email = $1`, "enterprise@demo.local"},
	} {
		var v int64
		if err := d.Read.QueryRowContext(ctx, q.query, q.arg).Scan(&v); err != nil {
			return apperr.Wrap(err, "demo vouchers "+q.key)
		}
		ids[q.key] = v
	}
	admin := &auth.Principal{UserID: ids["admin"], Email: "admin@demo.local", Role: auth.RoleAdmin}
	ent := &auth.Principal{UserID: ids["ent"], Email: "enterprise@demo.local",
		Memberships: []auth.Membership{{OrgID: ids["yunshan"], Role: auth.OrgOwner, OrgKind: "enterprise", District: "jingan"}}}
	// Providers of the other provinces: in the registry, without a
	// Shanghai district.
	for _, o := range []struct{ key, division, serial, zh, en string }{
		{"jitri", "320100", "00000731", "江苏省产业技术研究院", "Jiangsu Industrial Technology Research Institute"},
		{"zjlab", "330100", "00000917", "之江实验室", "Zhejiang Lab"},
	} {
		var id int64
		err := d.Read.QueryRowContext(ctx, `SELECT id FROM orgs WHERE name_zh = $1`, o.zh).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			fields := map[string]json.RawMessage{}
			for k, v := range map[string]string{"uscc": registry.MakeUSCC("12" + o.division + o.serial + string(registry.OrgCodeCheck(o.serial))),
				"name_zh": o.zh, "name_en": o.en, "kind": "institute"} {
				b, _ := json.Marshal(v)
				fields[k] = b
			}
			org, _, err := reg.Create(ctx, admin, fields)
			if err != nil {
				return err
			}
			id = org.ID
		} else if err != nil {
			return apperr.Wrap(err, "demo provider")
		}
		ids[o.key] = id
	}
	for _, p := range []struct {
		key, region string
		cats        []string
	}{
		{"simt", "shanghai", []string{"instrument", "testing"}},
		{"huace", "shanghai", []string{"testing"}},
		{"patent", "shanghai", []string{"ip_service"}},
		{"jitri", "jiangsu", []string{"instrument", "testing", "technology_transfer"}},
		{"zjlab", "zhejiang", []string{"instrument", "software"}},
	} {
		if _, err := svc.SaveProvider(ctx, admin, ids[p.key], vouchers.ProviderInput{Region: p.region, Categories: p.cats}); err != nil {
			return err
		}
	}
	prog, err := svc.SaveProgram(ctx, admin, 0, vouchers.ProgramInput{Slug: "jingan-innovation-voucher", OwnerOrgID: ids["agency"],
		NameZh: "静安区科技创新券", NameEn: "Jing'an innovation voucher",
		DescriptionZh: "面向静安区科技型中小企业，用于购买大型科学仪器共享、检验检测和知识产权服务；每张券最多抵扣订单的一半，另由财政补贴一成；长三角三省一市的服务机构通用。",
		DescriptionEn: "For Jing'an sci-tech SMEs: pays for shared instruments, testing and IP services, up to half of each order, with a further tenth subsidised; accepted at providers across the Yangtze River Delta.",
		Eligibility:   "scitech-sme", FaceYuan: 20_000, VoucherSharePct: 50, SubsidySharePct: 10, ValidityDays: 365,
		Categories: []string{"instrument", "testing", "ip_service"}, Regions: []string{"shanghai", "jiangsu", "zhejiang", "anhui"}, BudgetYuan: 1_000_000})
	if err != nil {
		return err
	}
	if _, err := svc.SetStatus(ctx, admin, prog.ID, "open"); err != nil {
		return err
	}
	v, err := svc.Apply(ctx, ent, prog.ID, ids["yunshan"])
	if err != nil {
		return err
	}
	for _, o := range []struct {
		key, provider, ref string
		fen                int64
	}{
		{"demo-voucher-1", "simt", "SEM-2026-0142 扫描电镜 3 小时", 1_280_000},
		{"demo-voucher-2", "jitri", "XRD-JS-0907 X 射线衍射测试", 600_000},
	} {
		if _, err := svc.Redeem(ctx, ent, v.ID, o.key, vouchers.RedeemInput{ProviderOrgID: ids[o.provider], OrderRef: o.ref, OrderFen: o.fen}); err != nil {
			return err
		}
	}
	return nil
}
