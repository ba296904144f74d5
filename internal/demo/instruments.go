package demo

import (
	"context"
	"time"

	"rainforest/internal/instruments"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/calendar"
	"rainforest/internal/kernel/db"
)

// SeedInstruments lists shared instruments of the metrology institute
// (lab@ owns it), a university and an institute in Jiangsu (when the
// vouchers demo registered it), trains the demo enterprise's owner on the
// microscope, and books it for next week. It does nothing when the
// institute has instruments already.
func SeedInstruments(ctx context.Context, d *db.DB, svc *instruments.Service) error {
	ids := map[string]int64{}
	for _, q := range []struct{ key, query, arg string }{
		{"simt", `SELECT id FROM orgs WHERE name_zh = $1`, "上海市计量测试技术研究院"},
		{"fudan", `SELECT id FROM orgs WHERE name_zh = $1`, "复旦大学"},
		{"yunshan", `SELECT id FROM orgs WHERE name_zh = $1`, "上海云杉软件科技有限公司"},
		{"lab", `SELECT id FROM users WHERE email = $1`, "lab@demo.local"},
		{"ent", `SELECT id FROM users WHERE email = $1`, "enterprise@demo.local"},
		{"admin", `SELECT id FROM users WHERE email = $1`, "admin@demo.local"},
	} {
		var v int64
		if err := d.Read.QueryRowContext(ctx, q.query, q.arg).Scan(&v); err != nil {
			return apperr.Wrap(err, "demo instruments "+q.key)
		}
		ids[q.key] = v
	}
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM instruments WHERE owner_org_id = $1`, ids["simt"]).Scan(&n); err != nil || n > 0 {
		return apperr.Wrap(err, "demo instruments")
	}
	var jitri int64
	_ = d.Read.QueryRowContext(ctx, `SELECT id FROM orgs WHERE name_zh = $1`, "江苏省产业技术研究院").Scan(&jitri)
	lab := &auth.Principal{UserID: ids["lab"], Email: "lab@demo.local", Memberships: []auth.Membership{{OrgID: ids["simt"], Role: auth.OrgOwner, OrgKind: "institute", District: "xuhui"}}}
	admin := &auth.Principal{UserID: ids["admin"], Email: "admin@demo.local", Role: auth.RoleAdmin}
	ent := &auth.Principal{UserID: ids["ent"], Email: "enterprise@demo.local",
		Memberships: []auth.Membership{{OrgID: ids["yunshan"], Role: auth.OrgOwner, OrgKind: "enterprise", District: "jingan"}}}
	list := []struct {
		p  *auth.Principal
		in instruments.Input
	}{
		{lab, instruments.Input{OwnerOrgID: ids["simt"], NameZh: "场发射扫描电子显微镜", NameEn: "Field-emission scanning electron microscope", Category: "electron_microscopy",
			Make: "ZEISS", Model: "Sigma 300", Location: "徐汇区宜山路716号 3 楼电镜室", PurchaseValueYuan: 4_800_000,
			CapabilitiesZh: "表面形貌观察、能谱元素分析（EDS），分辨率 1.2 纳米，适用于材料、芯片封装失效分析。",
			CapabilitiesEn: "Surface morphology and EDS element analysis at 1.2 nm, for materials and chip-packaging failure analysis.",
			FeeUnit:        "hour", FeeInternalFen: 20000, FeeSMEFen: 30000, FeeExternalFen: 50000, TrainingRequired: true, AutoApproveMinutes: 240}},
		{lab, instruments.Input{OwnerOrgID: ids["simt"], NameZh: "X 射线衍射仪", NameEn: "X-ray diffractometer", Category: "xray", Make: "Bruker", Model: "D8 Advance",
			Location: "徐汇区宜山路716号 2 楼", PurchaseValueYuan: 2_600_000, CapabilitiesZh: "物相定性定量分析、晶粒尺寸、残余应力。",
			CapabilitiesEn: "Phase identification and quantification, crystallite size, residual stress.",
			FeeUnit:        "sample", FeeInternalFen: 15000, FeeSMEFen: 20000, FeeExternalFen: 40000, OperatorRequired: true, AutoApproveMinutes: 120}},
		{admin, instruments.Input{OwnerOrgID: ids["fudan"], NameZh: "600 兆核磁共振波谱仪", NameEn: "600 MHz NMR spectrometer", Category: "nmr", Make: "Bruker", Model: "Avance NEO 600",
			Location: "杨浦区邯郸路220号化学楼", PurchaseValueYuan: 9_500_000, CapabilitiesZh: "有机小分子和高分子结构鉴定，一维、二维谱。",
			CapabilitiesEn: "Structure of small molecules and polymers, 1D and 2D spectra.",
			FeeUnit:        "hour", FeeInternalFen: 30000, FeeSMEFen: 45000, FeeExternalFen: 80000, OperatorRequired: true}},
	}
	if jitri != 0 {
		list = append(list, struct {
			p  *auth.Principal
			in instruments.Input
		}{admin, instruments.Input{OwnerOrgID: jitri, NameZh: "透射电子显微镜", NameEn: "Transmission electron microscope", Category: "electron_microscopy", Region: "jiangsu",
			Make: "JEOL", Model: "JEM-F200", Location: "南京市江北新区", PurchaseValueYuan: 12_000_000, CapabilitiesZh: "原子级结构成像与电子衍射。",
			CapabilitiesEn: "Atomic-scale imaging and electron diffraction.", FeeUnit: "hour", FeeInternalFen: 40000, FeeSMEFen: 60000, FeeExternalFen: 100000, OperatorRequired: true}})
	}
	var sem int64
	for k, x := range list {
		x.in.CancelFreeHours, x.in.LateCancelPct, x.in.NoShowPct = 24, 50, 100
		i, err := svc.Save(ctx, x.p, 0, x.in)
		if err != nil {
			return err
		}
		if k == 0 {
			sem = i.ID
		}
	}
	if err := svc.Train(ctx, lab, sem, ids["ent"]); err != nil {
		return err
	}
	// Next Tuesday, 14:00 to 16:00 in Shanghai.
	cst := time.FixedZone("CST", 8*3600)
	now := d.Now().In(cst)
	day := time.Date(now.Year(), now.Month(), now.Day(), 14, 0, 0, 0, cst)
	for day.Weekday() != time.Tuesday || !day.After(now.Add(24*time.Hour)) {
		day = day.AddDate(0, 0, 1)
	}
	_, err := svc.Book(ctx, ent, sem, instruments.BookInput{Start: day, End: day.Add(2 * time.Hour), OrgID: &ent.Memberships[0].OrgID, Purpose: "手环传感器芯片封装的截面形貌观察"})
	if calendar.Reason(err) != "" {
		return nil // the slot is taken: a later seed on the same data
	}
	return err
}
