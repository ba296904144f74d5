package demo

import (
	"context"
	"database/sql"
	"errors"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/transfer"
)

// SeedTransfer gives technology transfer achievements of Fudan, SJTU and
// two institutes, needs of the demo enterprise and of a Minhang
// manufacturer, a broker's case in talks, and registered technology
// contracts of 2024-2026 (to Shanghai, the rest of the delta and abroad)
// for the turnover page, through the module as its users would. It does
// nothing when Fudan has achievements already.
func SeedTransfer(ctx context.Context, d *db.DB, svc *transfer.Service) error {
	ids := map[string]int64{}
	for _, q := range []struct{ key, query, arg string }{
		{"fudan", `SELECT id FROM orgs WHERE name_zh = $1`, "复旦大学"},
		{"sjtu", `SELECT id FROM orgs WHERE name_zh = $1`, "上海交通大学"},
		{"sim", `SELECT id FROM orgs WHERE name_zh = $1`, "中国科学院上海微系统与信息技术研究所"},
		{"sict", `SELECT id FROM orgs WHERE name_zh = $1`, "上海市计算技术研究所"},
		{"yunshan", `SELECT id FROM orgs WHERE name_zh = $1`, "上海云杉软件科技有限公司"},
		{"exchange", `SELECT id FROM orgs WHERE name_zh = $1`, "上海技术交易所"},
		{"admin", `SELECT id FROM users WHERE email = $1`, "admin@demo.local"},
		{"ent", `SELECT id FROM users WHERE email = $1`, "enterprise@demo.local"},
		{"broker", `SELECT id FROM users WHERE email = $1`, "broker@demo.local"},
		{"maker", `SELECT id FROM orgs WHERE kind = 'enterprise' AND registered_district = $1 ORDER BY id LIMIT 1`, "minhang"},
	} {
		var v int64
		if err := d.Read.QueryRowContext(ctx, q.query, q.arg).Scan(&v); err != nil {
			return apperr.Wrap(err, "demo transfer "+q.key)
		}
		ids[q.key] = v
	}
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM transfer_achievements WHERE owner_org_id = $1`, ids["fudan"]).Scan(&n); err != nil || n > 0 {
		return apperr.Wrap(err, "demo transfer")
	}
	admin := &auth.Principal{UserID: ids["admin"], Email: "admin@demo.local", Role: auth.RoleAdmin}
	ent := &auth.Principal{UserID: ids["ent"], Email: "enterprise@demo.local",
		Memberships: []auth.Membership{{OrgID: ids["yunshan"], Role: auth.OrgOwner, OrgKind: "enterprise", District: "jingan"}}}
	broker := &auth.Principal{UserID: ids["broker"], Email: "broker@demo.local",
		Memberships: []auth.Membership{{OrgID: ids["exchange"], Role: auth.OrgMember, OrgKind: "service", District: "yangpu"}}}
	// The patent the chip achievement rests on, when the IP demo has it.
	var assets []int64
	var asset int64
	err := d.Read.QueryRowContext(ctx, `SELECT id FROM ip_assets WHERE owner_org_id = $1 AND kind = 'patent' ORDER BY id LIMIT 1`, ids["fudan"]).Scan(&asset)
	switch {
	case err == nil:
		assets = []int64{asset}
	case !errors.Is(err, sql.ErrNoRows):
		return apperr.Wrap(err, "demo transfer asset")
	}
	yuan := func(v int64) *int64 { return &v }
	achievements := []transfer.AchievementInput{
		{OwnerOrgID: ids["fudan"], TitleZh: "低温柔性芯片封装工艺", TitleEn: "Low-temperature flexible chip packaging",
			SummaryZh: "以量子点中间层实现 150℃ 以下的柔性芯片封装，适用于可穿戴设备和医疗贴片的传感器芯片，已完成中试线验证。",
			SummaryEn: "Flexible chip packaging below 150 °C with a quantum-dot interlayer, for sensor chips in wearables and medical patches; validated on a pilot line.",
			Keywords:  "芯片 封装 柔性电子 可穿戴", Field: "electronic_information", TRL: 6, Modes: []string{"licence", "transfer"}, PriceYuan: yuan(1_200_000), AssetIDs: assets},
		{OwnerOrgID: ids["fudan"], TitleZh: "面向边缘计算的神经网络压缩算法", TitleEn: "Neural network compression for edge computing",
			SummaryZh: "将视觉模型压缩到原大小的十分之一，精度损失小于 1%，可在国产芯片的边缘网关上实时运行。",
			SummaryEn: "Compresses vision models to a tenth of their size with under 1% accuracy loss; runs in real time on edge gateways with domestic chips.",
			Keywords:  "人工智能 模型压缩 边缘计算", Field: "electronic_information", TRL: 5, Modes: []string{"licence", "joint_development"}},
		{OwnerOrgID: ids["sjtu"], TitleZh: "固态锂电池硫化物电解质", TitleEn: "Sulfide electrolyte for solid-state lithium batteries",
			SummaryZh: "室温离子电导率达 10 mS/cm 的硫化物固态电解质及其干法成膜工艺。",
			SummaryEn: "A sulfide solid electrolyte with 10 mS/cm ionic conductivity at room temperature, and its dry film process.",
			Keywords:  "固态电池 电解质 新能源汽车", Field: "new_energy", TRL: 4, Modes: []string{"joint_development", "equity"}, PriceYuan: yuan(5_000_000)},
		{OwnerOrgID: ids["sim"], TitleZh: "MEMS 压力传感器芯片", TitleEn: "MEMS pressure sensor chip",
			SummaryZh: "高精度 MEMS 压力传感器芯片设计与晶圆级封装，已小批量供货。",
			SummaryEn: "Design and wafer-level packaging of a high-precision MEMS pressure sensor chip, supplied in small batches.",
			Keywords:  "MEMS 传感器 芯片", Field: "electronic_information", TRL: 8, Modes: []string{"licence", "transfer"}, PriceYuan: yuan(3_000_000)},
		{OwnerOrgID: ids["sict"], TitleZh: "政务数据脱敏与共享平台", TitleEn: "Data masking and sharing platform for government data",
			SummaryZh: "面向政务和金融数据的分级脱敏、隐私计算与共享交换软件。",
			SummaryEn: "Software for tiered masking, privacy-preserving computation and exchange of government and financial data.",
			Keywords:  "数据安全 隐私计算 软件", Field: "electronic_information", TRL: 7, Modes: []string{"licence"}, PriceYuan: yuan(600_000)},
	}
	var achIDs []int64
	for _, in := range achievements {
		a, err := svc.SaveAchievement(ctx, admin, 0, in)
		if err != nil {
			return err
		}
		achIDs = append(achIDs, a.ID)
	}
	deadline := "2027-06-30"
	needs := []transfer.NeedInput{
		{OwnerOrgID: ids["yunshan"], TitleZh: "智能手环传感器芯片的低温封装", TitleEn: "Low-temperature packaging of wristband sensor chips",
			ProblemZh: "我们的健康手环需要更薄、更耐弯折的传感器芯片封装，现有工艺温度过高导致柔性基板变形。",
			ProblemEn: "Our health wristband needs thinner, bendable sensor chip packaging; current processes run too hot and warp the flexible substrate.",
			Keywords:  "芯片 封装 可穿戴", Field: "electronic_information", MinTRL: 5, Modes: []string{"licence"}, BudgetYuan: yuan(1_500_000), Deadline: &deadline},
		{OwnerOrgID: ids["yunshan"], TitleZh: "边缘网关上的视觉模型加速", TitleEn: "Vision model acceleration on edge gateways",
			ProblemZh: "需要把缺陷检测模型部署到算力有限的边缘网关，要求延迟低于 50 毫秒。",
			ProblemEn: "We need to deploy a defect-detection model on low-power edge gateways with latency under 50 ms.",
			Keywords:  "人工智能 边缘计算", Field: "electronic_information", MinTRL: 4, Modes: []string{"licence", "joint_development"}, BudgetYuan: yuan(400_000)},
		{OwnerOrgID: ids["maker"], TitleZh: "储能电池的安全性提升", TitleEn: "Safer batteries for energy storage",
			ProblemZh: "寻找可替代液态电解液的固态方案，提升储能电池的热安全性。",
			ProblemEn: "Looking for a solid-state alternative to liquid electrolyte to make energy-storage batteries thermally safer.",
			Keywords:  "固态电池 储能 安全", Field: "new_energy", MinTRL: 4, Modes: []string{"joint_development"}},
	}
	var needIDs []int64
	for _, in := range needs {
		p := admin
		if in.OwnerOrgID == ids["yunshan"] {
			p = ent
		}
		nd, err := svc.SaveNeed(ctx, p, 0, in)
		if err != nil {
			return err
		}
		needIDs = append(needIDs, nd.ID)
	}
	due := "2027-01-15"
	cs, err := svc.OpenCase(ctx, broker, transfer.CaseInput{AchievementID: achIDs[0], NeedID: needIDs[0], NextStep: "安排复旦团队到云杉做技术交流", DueOn: &due})
	if err != nil {
		return err
	}
	if _, err := svc.ActCase(ctx, broker, cs.ID, "talk", ""); err != nil {
		return err
	}
	if _, err := svc.AddNote(ctx, broker, cs.ID, transfer.NoteInput{Body: "双方确认以普通许可方式合作，云杉提供样品做工艺验证。"}); err != nil {
		return err
	}
	yunshan := ids["yunshan"]
	contracts := []transfer.ContractInput{
		{Kind: "development", Title: "柔性传感器联合开发合同", SellerOrgID: ids["fudan"], BuyerName: "苏州纳微电子有限公司", BuyerRegion: "jiangsu", ValueYuan: 2_400_000, SignedOn: "2024-05-20"},
		{Kind: "licensing", Title: "MEMS 压力传感器专利许可合同", SellerOrgID: ids["sim"], BuyerName: "杭州感知科技有限公司", BuyerRegion: "zhejiang", ValueYuan: 3_000_000, SignedOn: "2024-09-02"},
		{Kind: "transfer", Title: "固态电解质专利转让合同", SellerOrgID: ids["sjtu"], BuyerName: "合肥新能动力电池有限公司", BuyerRegion: "anhui", ValueYuan: 5_500_000, SignedOn: "2025-03-18"},
		{Kind: "service", Title: "数据脱敏平台技术服务合同", SellerOrgID: ids["sict"], BuyerOrgID: &yunshan, ValueYuan: 380_000, SignedOn: "2025-07-01"},
		{Kind: "consulting", Title: "智能制造技术咨询合同", SellerOrgID: ids["sjtu"], BuyerName: "Bosch Automotive (Suzhou)", BuyerRegion: "jiangsu", ValueYuan: 800_000, SignedOn: "2025-11-12"},
		{Kind: "licensing", Title: "模型压缩算法软件许可合同", SellerOrgID: ids["fudan"], BuyerName: "Sensetech GmbH", BuyerRegion: "abroad", ValueYuan: 1_100_000, SignedOn: "2026-02-25"},
		{Kind: "development", Title: "储能电池管理算法开发合同", SellerOrgID: ids["sjtu"], BuyerName: "宁波储能科技有限公司", BuyerRegion: "zhejiang", ValueYuan: 1_600_000, SignedOn: "2026-06-08"},
		{Kind: "service", Title: "芯片可靠性测试服务合同", SellerOrgID: ids["sim"], BuyerName: "北京某半导体公司", BuyerRegion: "other", ValueYuan: 450_000, SignedOn: "2026-08-30"},
	}
	for i, in := range contracts {
		c, err := svc.RecordContract(ctx, admin, in)
		if err != nil {
			return err
		}
		if i == len(contracts)-1 {
			break // the last one waits for the officer
		}
		if _, err := svc.DecideContract(ctx, admin, c.ID, "register", ""); err != nil {
			return err
		}
	}
	return nil
}
