package demo

import (
	"context"
	"fmt"

	"rainforest/internal/ip"
	"rainforest/internal/ip/ipnum"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
)

// demoPatent is a patent number of the demo: a year, a type digit and a
// serial, with its check character computed.
func demoPatent(year int, typ byte, serial int) string {
	d := fmt.Sprintf("%04d%c%07d", year, typ, serial)
	return d + "." + string(ipnum.PatentCheck(d))
}

type demoInventor struct {
	zh, en string
	pct    float64
}

// SeedIP gives the IP marketplace a university's patents with their
// inventors (Fudan University, inventor-team share 50%), an institute's
// software copyright, listings for transfer, licence and pledge, and one
// closed deal with the demo enterprise as the buyer, through the ip
// module as its users would. It does nothing when Fudan has assets
// already. The platform's own tests start without it.
func SeedIP(ctx context.Context, d *db.DB, svc *ip.Service) error {
	ids := map[string]int64{}
	for _, q := range []struct{ key, query, arg string }{
		{"fudan", `SELECT id FROM orgs WHERE name_zh = $1`, "复旦大学"},
		{"sict", `SELECT id FROM orgs WHERE name_zh = $1`, "上海市计算技术研究所"},
		{"yunshan", `SELECT id FROM orgs WHERE name_zh = $1`, "上海云杉软件科技有限公司"},
		{"admin", `SELECT id FROM users WHERE email = $1`, "admin@demo.local"},
		{"ent", `SELECT id FROM users WHERE email = $1`, "enterprise@demo.local"},
		{"uni", `SELECT id FROM users WHERE email = $1`, "university@demo.local"},
	} {
		var v int64
		if err := d.Read.QueryRowContext(ctx, q.query, q.arg).Scan(&v); err != nil {
			return apperr.Wrap(err, "demo ip "+q.key)
		}
		ids[q.key] = v
	}
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM ip_assets WHERE owner_org_id = $1`, ids["fudan"]).Scan(&n); err != nil || n > 0 {
		return apperr.Wrap(err, "demo ip")
	}
	admin := &auth.Principal{UserID: ids["admin"], Email: "admin@demo.local", Role: auth.RoleAdmin}
	ent := &auth.Principal{UserID: ids["ent"], Email: "enterprise@demo.local",
		Memberships: []auth.Membership{{OrgID: ids["yunshan"], Role: auth.OrgOwner, OrgKind: "enterprise", District: "jingan"}}}
	uni := &auth.Principal{UserID: ids["uni"], Email: "university@demo.local",
		Memberships: []auth.Membership{{OrgID: ids["fudan"], Role: auth.OrgMember, OrgKind: "university", District: "yangpu"}}}
	if _, err := svc.SetOwnerShare(ctx, admin, ids["fudan"], 50); err != nil {
		return err
	}
	type demoAsset struct {
		owner                                  string
		kind, subtype, number, status, field   string
		titleZh, titleEn, absZh, absEn, claims string
		inventors                              []demoInventor
		listing                                string
		priceYuan                              int64
	}
	assets := []demoAsset{
		{"fudan", "patent", "", demoPatent(2021, '1', 1034567), "granted", "electronic_information",
			"一种低功耗神经网络推理芯片及其调度方法", "Low-power neural network inference chip and its scheduling method",
			"通过稀疏激活与片上缓存调度降低推理芯片功耗。", "Cuts the power of an inference chip by sparse activation and on-chip cache scheduling.",
			"1. 一种推理芯片，其特征在于包括稀疏激活单元与缓存调度器……",
			[]demoInventor{{"周明", "Zhou Ming", 50}, {"吴婷", "Wu Ting", 30}, {"郑凯", "Zheng Kai", 20}}, "transfer", 1_200_000},
		{"fudan", "patent", "", demoPatent(2022, '1', 1178902), "granted", "biomedicine",
			"一种靶向肿瘤微环境的纳米药物载体", "Nanocarrier targeting the tumour microenvironment",
			"pH 响应的纳米载体在肿瘤部位释放药物。", "A pH-responsive nanocarrier that releases the drug at the tumour site.",
			"1. 一种纳米药物载体，其特征在于……",
			[]demoInventor{{"钱蕾", "Qian Lei", 40}, {"孙浩", "Sun Hao", 35}, {"李雯", "Li Wen", 25}}, "exclusive_licence", 0},
		{"fudan", "patent", "", demoPatent(2023, '2', 1290011), "granted", "advanced_manufacturing",
			"一种柔性机械臂末端夹持装置", "Gripper for the end of a flexible robot arm",
			"用于柔性机械臂的自适应夹持装置。", "An adaptive gripper for flexible robot arms.",
			"1. 一种夹持装置，其特征在于……",
			[]demoInventor{{"周明", "Zhou Ming", 60}, {"何静", "He Jing", 40}}, "non_exclusive_licence", 80_000},
		{"fudan", "patent", "", demoPatent(2024, '1', 1402233), "filed", "new_energy",
			"固态锂电池复合电解质膜及其制备方法", "Composite electrolyte membrane for solid-state lithium batteries and its preparation",
			"复合电解质膜提高固态电池的离子电导率。", "A composite membrane raising the ionic conductivity of solid-state batteries.",
			"1. 一种复合电解质膜，其特征在于……",
			[]demoInventor{{"吴婷", "Wu Ting", 70}, {"郑凯", "Zheng Kai", 30}}, "pledge", 3_000_000},
		{"sict", "copyright", "software", "2020SR0456789", "registered", "electronic_information",
			"工业设备预测性维护平台 V2.0", "Predictive maintenance platform for industrial equipment V2.0",
			"基于振动数据的设备故障预测软件。", "Software predicting equipment faults from vibration data.",
			"", []demoInventor{{"冯涛", "Feng Tao", 100}}, "non_exclusive_licence", 150_000},
	}
	var dealListing int64
	for i, a := range assets {
		in := ip.AssetInput{OwnerOrgID: ids[a.owner], Kind: a.kind, Subtype: a.subtype, Number: a.number, Status: a.status, Field: a.field,
			TitleZh: a.titleZh, TitleEn: a.titleEn, AbstractZh: a.absZh, AbstractEn: a.absEn, Claims: a.claims,
			KnowHow: "工艺参数与实验记录在权利人处保存 Process parameters and lab records kept by the owner"}
		for _, inv := range a.inventors {
			in.Inventors = append(in.Inventors, struct {
				PersonID *int64  `json:"person_id"`
				NameZh   string  `json:"name_zh"`
				NameEn   string  `json:"name_en"`
				SharePct float64 `json:"share_pct"`
			}{NameZh: inv.zh, NameEn: inv.en, SharePct: inv.pct})
		}
		asset, err := svc.CreateAsset(ctx, admin, in)
		if err != nil {
			return err
		}
		li := ip.ListingInput{AssetID: asset.ID, Kind: a.listing, Negotiable: a.priceYuan == 0}
		if a.priceYuan > 0 {
			li.PriceYuan = &a.priceYuan
		}
		l, err := svc.CreateListing(ctx, admin, li)
		if err != nil {
			return err
		}
		if i == 0 {
			dealListing = l.ID
		}
	}
	// The closed deal: Yunshan buys the inference-chip patent.
	deal, err := svc.Express(ctx, ent, dealListing, ids["yunshan"], "我们希望将该芯片用于边缘网关，请开放权利要求。")
	if err != nil {
		return err
	}
	price, counter := int64(1_000_000), int64(1_100_000)
	steps := []func() error{
		func() error { _, err := svc.Act(ctx, uni, deal.ID, "admit", ""); return err },
		func() error { _, err := svc.Post(ctx, ent, deal.ID, "首次报价", &price); return err },
		func() error { _, err := svc.Post(ctx, uni, deal.ID, "含一年技术支持", &counter); return err },
		func() error { _, err := svc.Act(ctx, ent, deal.ID, "accept", ""); return err },
		func() error { _, err := svc.Act(ctx, uni, deal.ID, "close", "款项已到账"); return err },
	}
	for _, st := range steps {
		if err := st(); err != nil {
			return err
		}
	}
	return nil
}
