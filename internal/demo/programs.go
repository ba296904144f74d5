package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/programs"
	"rainforest/internal/registry"
)

// The demo's district programs. Criteria follow the published shape of
// the districts' special-fund measures; thresholds and amounts are
// illustrative where the texts were not checked, and say so. Every rule
// set carries cases that run when it is saved.

const (
	jinganMeasures = "《静安区科技创新专项资金管理办法》(Jing'an District measures for science and technology innovation special funds)"
	xuhuiMeasures  = "《徐汇区促进科技创新发展的若干扶持政策》(Xuhui District measures supporting science and technology innovation)"
	minhangMeasure = "《闵行区大零号湾科技创新策源功能区专项资金管理办法》(Minhang District measures for the Greater Neo Bay special fund)"
	illustrative   = "；金额为示意 (amounts illustrative)"
)

func txt(zh, en string) rules.Text { return rules.Text{Zh: zh, En: en} }

func raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// param is a parameter in force from 2024 until further notice.
func param(name, typ string, format rules.Format, zh, en string, value any, ref string) rules.ParamSpec {
	return rules.ParamSpec{Name: name, Type: typ, Format: format, Label: txt(zh, en),
		Periods: []rules.Period{{From: "2024-01-01", Value: raw(value), Reference: ref}}}
}

func districtParam(slug, ref string) rules.ParamSpec {
	return param("district", "string", "", "所属区", "District", slug, ref)
}

// inDistrict: registered and paying tax in the program's district.
func inDistrict(zhName, enName, ref string) rules.CriterionSpec {
	return rules.CriterionSpec{ID: "registered_and_taxed", Reference: ref,
		Label: txt("注册地和税收户管地均在"+zhName, "Registered and paying tax in "+enName),
		Expr:  "registered_district == params.district && tax_district == params.district",
		Gap:   &rules.GapSpec{Text: txt("注册地和纳税地须均在"+zhName, "Both the registered and the tax district must be "+enName)}}
}

func enterprise(ref string) rules.CriterionSpec {
	return rules.CriterionSpec{ID: "is_enterprise", Reference: ref, Label: txt("申报主体为企业", "The applicant is an enterprise"),
		Expr: `kind == "enterprise"`}
}

// share is a criterion "part / whole >= params.name" with its gap.
func share(id, zh, en, ref, part, whole, paramName, gapZh, gapEn string) rules.CriterionSpec {
	return rules.CriterionSpec{ID: id, Label: txt(zh, en), Reference: ref,
		Expr: whole + " > 0 && " + part + " / " + whole + " >= params." + paramName,
		Gap: &rules.GapSpec{Field: part, Target: "min_part(params." + paramName + ", " + whole + ")",
			Show: map[string]rules.ShowSpec{
				"share":    {Expr: whole + " > 0 ? " + part + " / " + whole + " : 0", Format: rules.FormatPercent},
				"required": {Expr: "params." + paramName, Format: rules.FormatPercent}},
			Text: txt(gapZh, gapEn)}}
}

// atLeast is a criterion "field >= params.name" with its gap.
func atLeast(id, zh, en, ref, field, paramName, gapZh, gapEn string) rules.CriterionSpec {
	return rules.CriterionSpec{ID: id, Label: txt(zh, en), Reference: ref,
		Expr: field + " >= params." + paramName,
		Gap:  &rules.GapSpec{Field: field, Target: "params." + paramName, Text: txt(gapZh, gapEn)}}
}

// certified is a criterion "one of params.name in certifications".
func certified(id, zh, en, ref, paramName, gapZh, gapEn string) rules.CriterionSpec {
	return rules.CriterionSpec{ID: id, Label: txt(zh, en), Reference: ref,
		Expr: "any_in(certifications, params." + paramName + ")",
		Gap:  &rules.GapSpec{Text: txt(gapZh, gapEn)}}
}

// demoCase is a rule set case as of 1 June 2026.
func demoCase(name string, profile map[string]any, status rules.Status, criteria map[string]rules.Status, amount any) rules.Case {
	c := rules.Case{Name: name, AsOf: "2026-06-01", Profile: profile, Expect: rules.Expect{Status: status, Criteria: criteria}}
	if amount != nil {
		c.Expect.Amount = raw(amount)
	}
	return c
}

// with copies a profile with some fields changed (nil removes one).
func with(base map[string]any, kv ...any) map[string]any {
	m := make(map[string]any, len(base)+len(kv)/2)
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
		} else {
			m[kv[i].(string)] = kv[i+1]
		}
	}
	return m
}

// firm is a sample profile the cases vary.
func firm(district string) map[string]any {
	return map[string]any{
		"kind": "enterprise", "registered_district": district, "tax_district": district, "founded_on": "2021-05-20",
		"employees": 48, "rd_staff": 16, "revenue_yuan": 36500000, "total_assets_yuan": 21000000, "rd_expense_yuan": 2750000,
		"revenue_3y_yuan": 88000000, "rd_expense_3y_yuan": 6300000, "high_tech_revenue_yuan": 26800000,
		"invention_patents": 2, "other_ip": 11, "industry": "I6513", "tech_field": "electronic_information",
		"certifications": []any{"scitech_sme"}, "innovation_score": 72, "major_incident_last_year": false,
	}
}

type demoProgram struct {
	owner string // key of the owning agency in named
	prog  programs.Program
	spec  rules.Spec
}

func demoPrograms(year int) []demoProgram {
	opens := fmt.Sprintf("%d-01-01", year)
	closes := fmt.Sprintf("%d-12-31", year+1)
	yuan := func(y int64) *int64 { f := y * 100; return &f }
	ja := firm("jingan")
	jaRef := jinganMeasures
	jaFund := func(p *programs.Program) {
		p.Level, p.FundNameZh, p.FundNameEn, p.FundCode = "district", "静安区科技创新专项资金", "Jing'an science and technology innovation special fund", "JA-STI"
		p.OpensOn, p.ClosesOn = &opens, &closes
		// Recipients keep operating in Jing'an for five years after
		// payment; one who leaves early repays pro rata (illustrative).
		p.ObligationYears, p.ClawbackProRata, p.YieldsToHigher = 5, true, true
	}
	var out []demoProgram
	add := func(owner string, p programs.Program, s rules.Spec, fund func(*programs.Program)) {
		if fund != nil {
			fund(&p)
		}
		if p.OpensOn == nil {
			p.OpensOn, p.ClosesOn = &opens, &closes
		}
		p.Status = programs.Published
		s.Slug, s.Title, s.Description, s.Reference = p.Slug, txt(p.TitleZh, p.TitleEn), txt(p.SummaryZh, p.SummaryEn), p.LegalReference
		out = append(out, demoProgram{owner: owner, prog: p, spec: s})
	}

	add("agency-jingan", programs.Program{Slug: "jingan-small-micro-scitech",
		TitleZh: "静安区小微科技企业扶持", TitleEn: "Jing'an support for small and micro sci-tech enterprises",
		SummaryZh:      "支持在静安注册并纳税的小微科技型企业加大研发投入：按上年度研发费用的10%给予资助，最高30万元（示意）。获资助企业须在静安持续经营五年。",
		SummaryEn:      "Supports small and micro sci-tech enterprises registered and paying tax in Jing'an that invest in R&D: 10% of last year's R&D expense, at most 300,000 yuan (illustrative). Recipients must keep operating in Jing'an for five years.",
		LegalReference: jaRef + illustrative, BudgetFen: yuan(20_000_000),
		RequiredDocuments: []programs.Document{{Zh: "申报书", En: "Application form"}, {Zh: "上年度研发费用专项审计报告", En: "Special audit of last year's R&D expense"}, {Zh: "科技型中小企业入库证明", En: "Sci-tech SME registration"}}},
		rules.Spec{
			Parameters: []rules.ParamSpec{
				districtParam("jingan", jaRef),
				param("eligible_certifications", "strings", "", "认可的资质", "Accepted certifications", []string{"scitech_sme"}, jaRef),
				param("max_employees", "number", rules.FormatCount, "职工人数上限", "Most employees", 100, jaRef+illustrative),
				param("max_revenue_yuan", "number", rules.FormatYuan, "年销售收入上限(元)", "Most revenue (yuan)", 50_000_000, jaRef+illustrative),
				param("min_rd_share", "number", rules.FormatPercent, "研发费用占销售收入最低比例", "Least R&D share of revenue", 0.03, jaRef+illustrative),
				param("grant_share", "number", rules.FormatPercent, "资助比例", "Grant share of R&D expense", 0.1, jaRef+illustrative),
				param("cap_yuan", "number", rules.FormatYuan, "资助上限(元)", "Grant cap (yuan)", 300_000, jaRef+illustrative),
			},
			Criteria: []rules.CriterionSpec{
				enterprise(jaRef), inDistrict("静安区", "Jing'an", jaRef),
				certified("scitech_sme", "已入库科技型中小企业", "Registered as a sci-tech SME", jaRef, "eligible_certifications",
					"须先通过科技型中小企业评价并取得入库编号", "Needs to pass the sci-tech SME evaluation first"),
				{ID: "small_or_micro", Label: txt("小微企业：职工不超过100人且年销售收入不超过5000万元", "Small or micro: at most 100 employees and 50 million yuan revenue"),
					Reference: jaRef + illustrative, Expr: "employees <= params.max_employees && revenue_yuan <= params.max_revenue_yuan"},
				share("rd_share", "研发费用占销售收入不低于3%", "R&D expense at least 3% of revenue", jaRef, "rd_expense_yuan", "revenue_yuan", "min_rd_share",
					"研发费用占比 {share}，需达到 {required}：约需再增加研发费用 {delta} 元", "R&D share {share}, needs {required}: about {delta} yuan more R&D expense"),
			},
			Amount: &rules.AmountSpec{Label: txt("资助金额(元)", "Grant (yuan)"), Reference: jaRef + illustrative,
				Expr: "int(min(round(rd_expense_yuan * params.grant_share), params.cap_yuan))"},
			Cases: []rules.Case{
				demoCase("a Jing'an sci-tech SME", ja, rules.Eligible, nil, 275000),
				demoCase("taxed in Xuhui", with(ja, "tax_district", "xuhui"), rules.Ineligible, map[string]rules.Status{"registered_and_taxed": rules.NotMet}, nil),
				demoCase("large R&D: the cap", with(ja, "rd_expense_yuan", 5000000, "rd_expense_3y_yuan", 9000000), rules.Eligible, nil, 300000),
				demoCase("no certification", with(ja, "certifications", []any{}), rules.Ineligible, map[string]rules.Status{"scitech_sme": rules.NotMet}, nil),
				demoCase("employees unknown", with(ja, "employees", nil, "rd_staff", nil), rules.Unknown, map[string]rules.Status{"small_or_micro": rules.Unknown}, nil),
			},
		}, jaFund)

	add("agency-jingan", programs.Program{Slug: "jingan-little-giant",
		TitleZh: "静安区科技小巨人企业配套支持", TitleEn: "Jing'an support for sci-tech little giants",
		SummaryZh:      "对在静安注册并纳税、具备高新技术企业资格、研发投入和发明专利达到要求的成长型科技企业给予一次性配套支持100万元（示意）。获资助企业须在静安持续经营五年。",
		SummaryEn:      "A one-off grant of 1 million yuan (illustrative) to growing high-tech enterprises registered and paying tax in Jing'an with enough R&D and invention patents. Recipients must keep operating in Jing'an for five years.",
		LegalReference: jaRef + illustrative, BudgetFen: yuan(10_000_000),
		RequiredDocuments: []programs.Document{{Zh: "申报书", En: "Application form"}, {Zh: "高新技术企业证书", En: "HNTE certificate"}, {Zh: "近三年财务审计报告", En: "Audited statements for three years"}}},
		rules.Spec{
			Parameters: []rules.ParamSpec{
				districtParam("jingan", jaRef),
				param("hnte", "strings", "", "高新技术企业资格", "High-tech enterprise certificate", []string{"hnte"}, jaRef),
				param("min_revenue_yuan", "number", rules.FormatYuan, "年销售收入下限(元)", "Least revenue (yuan)", 20_000_000, jaRef+illustrative),
				param("min_rd_share_3y", "number", rules.FormatPercent, "近三年研发费用占比下限", "Least three-year R&D share", 0.05, jaRef+illustrative),
				param("min_invention_patents", "number", rules.FormatCount, "发明专利数下限", "Least invention patents", 3, jaRef+illustrative),
				param("grant_yuan", "number", rules.FormatYuan, "配套支持金额(元)", "Grant (yuan)", 1_000_000, jaRef+illustrative),
			},
			Criteria: []rules.CriterionSpec{
				enterprise(jaRef), inDistrict("静安区", "Jing'an", jaRef),
				certified("hnte", "具备高新技术企业资格", "Holds a high-tech enterprise certificate", jaRef, "hnte",
					"须先取得高新技术企业资格", "Needs a high-tech enterprise certificate first"),
				atLeast("revenue", "年销售收入不低于2000万元", "Revenue at least 20 million yuan", jaRef+illustrative, "revenue_yuan", "min_revenue_yuan",
					"年销售收入 {current} 元，需达到 {target} 元：还差 {delta} 元", "Revenue {current} yuan, needs {target}: {delta} yuan short"),
				share("rd_share_3y", "近三年研发费用占销售收入不低于5%", "R&D at least 5% of revenue over three years", jaRef+illustrative, "rd_expense_3y_yuan", "revenue_3y_yuan", "min_rd_share_3y",
					"近三年研发费用占比 {share}，需达到 {required}：约需再增加 {delta} 元", "Three-year R&D share {share}, needs {required}: about {delta} yuan more"),
				atLeast("invention_patents", "拥有发明专利不少于3件", "At least 3 invention patents", jaRef+illustrative, "invention_patents", "min_invention_patents",
					"发明专利 {current} 件，需 {target} 件：还差 {delta} 件", "{current} invention patents, needs {target}: {delta} more"),
			},
			Amount: &rules.AmountSpec{Label: txt("配套支持金额(元)", "Grant (yuan)"), Reference: jaRef + illustrative, Expr: "int(params.grant_yuan)"},
			Cases: []rules.Case{
				demoCase("a high-tech little giant", with(ja, "certifications", []any{"hnte", "scitech_sme"}, "invention_patents", 4, "rd_expense_3y_yuan", 6300000),
					rules.Eligible, nil, 1000000),
				demoCase("no certificate, two patents", ja, rules.Ineligible, map[string]rules.Status{"hnte": rules.NotMet, "invention_patents": rules.NotMet, "rd_share_3y": rules.Met}, nil),
			},
		}, jaFund)

	add("agency-jingan", programs.Program{Slug: "jingan-excellent-innovation",
		TitleZh: "静安区优秀创新企业奖励", TitleEn: "Jing'an excellent innovation enterprise award",
		SummaryZh:      "奖励创新能力突出、高新技术产品收入占比高的静安企业，每家20万元（示意）。",
		SummaryEn:      "Rewards Jing'an enterprises with outstanding innovation ability and a high share of high-tech revenue: 200,000 yuan each (illustrative).",
		LegalReference: jaRef + illustrative, BudgetFen: yuan(4_000_000),
		RequiredDocuments: []programs.Document{{Zh: "申报书", En: "Application form"}, {Zh: "高新技术产品（服务）收入专项审计报告", En: "Special audit of high-tech revenue"}}},
		rules.Spec{
			Parameters: []rules.ParamSpec{
				districtParam("jingan", jaRef),
				param("min_score", "number", rules.FormatCount, "创新能力评分下限", "Least innovation score", 80, jaRef+illustrative),
				param("min_high_tech_share", "number", rules.FormatPercent, "高新技术产品收入占比下限", "Least high-tech share of revenue", 0.6, jaRef+illustrative),
				param("min_invention_patents", "number", rules.FormatCount, "发明专利数下限", "Least invention patents", 2, jaRef+illustrative),
				param("award_yuan", "number", rules.FormatYuan, "奖励金额(元)", "Award (yuan)", 200_000, jaRef+illustrative),
			},
			Criteria: []rules.CriterionSpec{
				enterprise(jaRef), inDistrict("静安区", "Jing'an", jaRef),
				atLeast("innovation_score", "创新能力评分不低于80分", "Innovation score at least 80", jaRef+illustrative, "innovation_score", "min_score",
					"创新能力评分 {current} 分，需达到 {target} 分：还差 {delta} 分", "Innovation score {current}, needs {target}: {delta} points short"),
				share("high_tech_share", "高新技术产品(服务)收入占比不低于60%", "High-tech revenue at least 60% of revenue", jaRef+illustrative, "high_tech_revenue_yuan", "revenue_yuan", "min_high_tech_share",
					"高新技术产品收入占比 {share}，需达到 {required}：约需再增加 {delta} 元", "High-tech revenue {share} of revenue, needs {required}: about {delta} yuan more"),
				atLeast("invention_patents", "拥有发明专利不少于2件", "At least 2 invention patents", jaRef+illustrative, "invention_patents", "min_invention_patents",
					"发明专利 {current} 件，需 {target} 件：还差 {delta} 件", "{current} invention patents, needs {target}: {delta} more"),
			},
			Amount: &rules.AmountSpec{Label: txt("奖励金额(元)", "Award (yuan)"), Reference: jaRef + illustrative, Expr: "int(params.award_yuan)"},
			Cases: []rules.Case{
				demoCase("score 85", with(ja, "innovation_score", 85), rules.Eligible, nil, 200000),
				demoCase("score 72: eight points short", ja, rules.Ineligible, map[string]rules.Status{"innovation_score": rules.NotMet, "high_tech_share": rules.Met}, nil),
			},
		}, jaFund)

	add("agency-jingan", programs.Program{Slug: "jingan-invention-patent-award",
		TitleZh: "静安区发明专利资助", TitleEn: "Jing'an invention patent award",
		SummaryZh:      "对静安企业拥有的发明专利按每件5000元给予资助，每家每年最高10万元（示意；以当年新授权件数核定）。",
		SummaryEn:      "5,000 yuan per invention patent a Jing'an enterprise holds, at most 100,000 yuan a year (illustrative; granted on the patents newly granted in the year).",
		LegalReference: jaRef + illustrative, BudgetFen: yuan(3_000_000),
		RequiredDocuments: []programs.Document{{Zh: "发明专利证书", En: "Invention patent certificates"}, {Zh: "专利缴费凭证", En: "Patent fee receipts"}}},
		rules.Spec{
			Parameters: []rules.ParamSpec{
				districtParam("jingan", jaRef),
				param("min_invention_patents", "number", rules.FormatCount, "发明专利数下限", "Least invention patents", 1, jaRef),
				param("per_patent_yuan", "number", rules.FormatYuan, "每件资助(元)", "Per patent (yuan)", 5_000, jaRef+illustrative),
				param("cap_yuan", "number", rules.FormatYuan, "每年上限(元)", "Yearly cap (yuan)", 100_000, jaRef+illustrative),
			},
			Criteria: []rules.CriterionSpec{
				enterprise(jaRef), inDistrict("静安区", "Jing'an", jaRef),
				atLeast("invention_patents", "拥有发明专利", "Holds an invention patent", jaRef, "invention_patents", "min_invention_patents",
					"尚无发明专利，需至少 {target} 件", "No invention patent; needs at least {target}"),
			},
			Amount: &rules.AmountSpec{Label: txt("资助金额(元)", "Award (yuan)"), Reference: jaRef + illustrative,
				Expr: "int(min(invention_patents * params.per_patent_yuan, params.cap_yuan))"},
			Cases: []rules.Case{
				demoCase("two patents", ja, rules.Eligible, nil, 10000),
				demoCase("forty patents: the cap", with(ja, "invention_patents", 40), rules.Eligible, nil, 100000),
				demoCase("none", with(ja, "invention_patents", 0), rules.Ineligible, map[string]rules.Status{"invention_patents": rules.NotMet}, nil),
			},
		}, jaFund)

	add("agency-jingan", programs.Program{Slug: "jingan-ip-pledge-interest",
		TitleZh: "静安区知识产权质押融资贴息", TitleEn: "Jing'an interest subsidy for IP-pledge loans",
		SummaryZh:      "对以知识产权质押取得银行贷款并按期付息的静安中小企业，按实际支付利息的50%给予贴息，每家每年最高50万元（示意）。金额按申报时提交的付息凭证核定。",
		SummaryEn:      "Jing'an SMEs that borrow against pledged IP and pay interest on time get 50% of the interest paid back, at most 500,000 yuan a year (illustrative). The amount is set from the interest receipts sent with the application.",
		LegalReference: jaRef + illustrative, BudgetFen: yuan(5_000_000),
		RequiredDocuments: []programs.Document{{Zh: "知识产权质押登记通知书", En: "IP pledge registration notice"}, {Zh: "借款合同", En: "Loan contract"}, {Zh: "付息凭证", En: "Interest payment receipts"}}},
		rules.Spec{
			Parameters: []rules.ParamSpec{
				districtParam("jingan", jaRef),
				param("min_ip_items", "number", rules.FormatCount, "知识产权数下限", "Least IP items", 1, jaRef),
				param("max_employees", "number", rules.FormatCount, "职工人数上限", "Most employees", 500, jaRef+illustrative),
			},
			Criteria: []rules.CriterionSpec{
				enterprise(jaRef), inDistrict("静安区", "Jing'an", jaRef),
				{ID: "owns_ip", Label: txt("拥有可质押的知识产权", "Owns IP that can be pledged"), Reference: jaRef,
					Expr: "invention_patents + other_ip >= params.min_ip_items || invention_patents >= params.min_ip_items || other_ip >= params.min_ip_items",
					Gap:  &rules.GapSpec{Text: txt("尚无可质押的知识产权", "Owns no IP to pledge")}},
				{ID: "sme", Label: txt("中小企业：职工不超过500人", "An SME: at most 500 employees"), Reference: jaRef + illustrative,
					Expr: "employees <= params.max_employees"},
			},
			Cases: []rules.Case{
				demoCase("an SME with patents", ja, rules.Eligible, nil, nil),
				demoCase("no IP", with(ja, "invention_patents", 0, "other_ip", 0), rules.Ineligible, map[string]rules.Status{"owns_ip": rules.NotMet}, nil),
			},
		}, jaFund)

	add("agency-jingan", programs.Program{Slug: "jingan-patent-insurance",
		TitleZh: "静安区专利保险补贴", TitleEn: "Jing'an patent insurance subsidy",
		SummaryZh:      "对投保专利执行保险、侵权责任保险等险种的静安企业，按实际保费的50%给予补贴，每家每年最高2万元（示意）。",
		SummaryEn:      "Jing'an enterprises insuring their patents (enforcement, infringement liability) get 50% of the premium paid, at most 20,000 yuan a year (illustrative).",
		LegalReference: jaRef + illustrative, BudgetFen: yuan(1_000_000),
		RequiredDocuments: []programs.Document{{Zh: "保险合同", En: "Insurance policy"}, {Zh: "保费发票", En: "Premium invoice"}, {Zh: "专利证书", En: "Patent certificates"}}},
		rules.Spec{
			Parameters: []rules.ParamSpec{
				districtParam("jingan", jaRef),
				param("min_patents", "number", rules.FormatCount, "专利数下限", "Least patents", 1, jaRef),
			},
			Criteria: []rules.CriterionSpec{
				enterprise(jaRef), inDistrict("静安区", "Jing'an", jaRef),
				{ID: "owns_patent", Label: txt("拥有有效专利", "Holds a patent in force"), Reference: jaRef,
					Expr: "invention_patents >= params.min_patents || other_ip >= params.min_patents",
					Gap:  &rules.GapSpec{Text: txt("尚无可投保的专利", "Holds no patent to insure")}},
			},
			Cases: []rules.Case{
				demoCase("patents", ja, rules.Eligible, nil, nil),
				demoCase("registered elsewhere", with(ja, "registered_district", "putuo"), rules.Ineligible, map[string]rules.Status{"registered_and_taxed": rules.NotMet}, nil),
			},
		}, jaFund)

	xh := firm("xuhui")
	xhRef := xuhuiMeasures
	xhFund := func(p *programs.Program) {
		p.Level, p.FundNameZh, p.FundNameEn, p.FundCode = "district", "徐汇区科技创新专项资金", "Xuhui science and technology innovation fund", "XH-STI"
	}
	add("agency-xuhui", programs.Program{Slug: "xuhui-sme-loan-risk",
		TitleZh: "徐汇区中小企业贷款风险补偿", TitleEn: "Xuhui SME loan risk compensation",
		SummaryZh:      "合作银行向符合条件的徐汇科技型中小企业发放贷款，发生损失时由风险补偿资金池按约定比例分担（示意）。企业经资格确认后向合作银行申请贷款。",
		SummaryEn:      "Partner banks lend to eligible Xuhui sci-tech SMEs; the risk pool shares a defaulted loan's loss in agreed proportions (illustrative). Enterprises confirm eligibility here, then apply to a partner bank.",
		LegalReference: xhRef + illustrative, BudgetFen: yuan(50_000_000),
		RequiredDocuments: []programs.Document{{Zh: "贷款申请书", En: "Loan application"}, {Zh: "上年度财务报表", En: "Last year's financial statements"}}},
		rules.Spec{
			Parameters: []rules.ParamSpec{
				districtParam("xuhui", xhRef),
				param("certs", "strings", "", "认可的资质", "Accepted certifications", []string{"hnte", "scitech_sme"}, xhRef),
				param("max_employees", "number", rules.FormatCount, "职工人数上限", "Most employees", 500, xhRef+illustrative),
				param("max_revenue_yuan", "number", rules.FormatYuan, "年销售收入上限(元)", "Most revenue (yuan)", 200_000_000, xhRef+illustrative),
			},
			Criteria: []rules.CriterionSpec{
				enterprise(xhRef), inDistrict("徐汇区", "Xuhui", xhRef),
				certified("scitech", "高新技术企业或科技型中小企业", "A high-tech enterprise or a sci-tech SME", xhRef, "certs",
					"须具备高新技术企业资格或科技型中小企业入库编号", "Needs an HNTE certificate or a sci-tech SME registration"),
				{ID: "sme_size", Label: txt("中小企业：职工不超过500人且年销售收入不超过2亿元", "An SME: at most 500 employees and 200 million yuan revenue"), Reference: xhRef + illustrative,
					Expr: "employees <= params.max_employees && revenue_yuan <= params.max_revenue_yuan"},
				{ID: "no_major_incident", Label: txt("上一年无重大事故或违法行为", "No major incident or violation last year"), Reference: xhRef, Expr: "!major_incident_last_year"},
			},
			Cases: []rules.Case{
				demoCase("a Xuhui sci-tech SME", xh, rules.Eligible, nil, nil),
				demoCase("a violation", with(xh, "major_incident_last_year", true), rules.Ineligible, map[string]rules.Status{"no_major_incident": rules.NotMet}, nil),
			},
		}, xhFund)

	add("agency-xuhui", programs.Program{Slug: "xuhui-incubator-angel",
		TitleZh: "徐汇区在孵企业天使投资支持", TitleEn: "Xuhui angel support for incubator firms",
		SummaryZh:      "徐汇区天使投资引导基金对在孵的初创科技企业进行天使投资，单个项目最高100万元（示意）。",
		SummaryEn:      "The Xuhui angel guiding fund invests in young tech start-ups in incubators, at most 1 million yuan per project (illustrative).",
		LegalReference: xhRef + illustrative, BudgetFen: yuan(50_000_000),
		RequiredDocuments: []programs.Document{{Zh: "商业计划书", En: "Business plan"}, {Zh: "孵化器入驻协议", En: "Incubator tenancy agreement"}}},
		rules.Spec{
			Parameters: []rules.ParamSpec{
				districtParam("xuhui", xhRef),
				param("max_years", "number", rules.FormatCount, "成立年限上限(年)", "Most years since founding", 3, xhRef+illustrative),
				param("max_employees", "number", rules.FormatCount, "职工人数上限", "Most employees", 50, xhRef+illustrative),
				param("min_rd_staff_share", "number", rules.FormatPercent, "科技人员占比下限", "Least R&D staff share", 0.3, xhRef+illustrative),
				param("investment_yuan", "number", rules.FormatYuan, "天使投资上限(元)", "Most investment (yuan)", 1_000_000, xhRef+illustrative),
			},
			Criteria: []rules.CriterionSpec{
				enterprise(xhRef),
				{ID: "registered_in_xuhui", Label: txt("注册在徐汇区", "Registered in Xuhui"), Reference: xhRef, Expr: "registered_district == params.district"},
				{ID: "young", Label: txt("成立不满3年", "Founded less than 3 years ago"), Reference: xhRef + illustrative,
					Expr: "full_years(founded_on, as_of) < params.max_years",
					Gap: &rules.GapSpec{Show: map[string]rules.ShowSpec{"founded": {Expr: "founded_on", Format: rules.FormatDate}},
						Text: txt("成立于 {founded}，已超过3年", "Founded on {founded}, more than 3 years ago")}},
				{ID: "small", Label: txt("职工不超过50人", "At most 50 employees"), Reference: xhRef + illustrative, Expr: "employees <= params.max_employees"},
				share("rd_staff_share", "科技人员占比不低于30%", "R&D staff at least 30%", xhRef+illustrative, "rd_staff", "employees", "min_rd_staff_share",
					"科技人员占比 {share}，需达到 {required}：需再增加科技人员 {delta} 人", "R&D staff {share}, needs {required}: {delta} more R&D staff"),
			},
			Amount: &rules.AmountSpec{Label: txt("天使投资上限(元)", "Angel investment, at most (yuan)"), Reference: xhRef + illustrative, Expr: "int(params.investment_yuan)"},
			Cases: []rules.Case{
				demoCase("a two-year-old start-up", with(xh, "founded_on", "2024-09-01", "employees", 20, "rd_staff", 9), rules.Eligible, nil, 1000000),
				demoCase("five years old", xh, rules.Ineligible, map[string]rules.Status{"young": rules.NotMet}, nil),
			},
		}, xhFund)

	mh := firm("minhang")
	mhRef := minhangMeasure
	add("agency-minhang", programs.Program{Slug: "minhang-neo-bay-fund",
		TitleZh: "闵行区大零号湾科技创新专项资金", TitleEn: "Minhang Greater Neo Bay special fund",
		SummaryZh:      "支持在闵行注册并纳税、从事集成电路、人工智能、生物医药等硬科技领域的初创和成长型企业加大研发投入：按上年度研发费用的20%给予支持，最高200万元（示意）。",
		SummaryEn:      "Supports young hard-tech firms registered and paying tax in Minhang (integrated circuits, AI, biomedicine and the like) that invest in R&D: 20% of last year's R&D expense, at most 2 million yuan (illustrative).",
		LegalReference: mhRef + illustrative, BudgetFen: yuan(100_000_000),
		RequiredDocuments: []programs.Document{{Zh: "申报书", En: "Application form"}, {Zh: "研发费用专项审计报告", En: "Special audit of R&D expense"}}},
		rules.Spec{
			Parameters: []rules.ParamSpec{
				districtParam("minhang", mhRef),
				param("fields", "strings", "", "支持的技术领域", "Supported fields", []string{"electronic_information", "biomedicine", "advanced_manufacturing", "new_materials"}, mhRef),
				param("max_years", "number", rules.FormatCount, "成立年限上限(年)", "Most years since founding", 10, mhRef+illustrative),
				param("min_rd_share", "number", rules.FormatPercent, "研发费用占比下限", "Least R&D share", 0.05, mhRef+illustrative),
				param("support_share", "number", rules.FormatPercent, "支持比例", "Support share of R&D expense", 0.2, mhRef+illustrative),
				param("cap_yuan", "number", rules.FormatYuan, "支持上限(元)", "Cap (yuan)", 2_000_000, mhRef+illustrative),
			},
			Criteria: []rules.CriterionSpec{
				enterprise(mhRef), inDistrict("闵行区", "Minhang", mhRef),
				{ID: "hard_tech_field", Label: txt("属于支持的硬科技领域", "In a supported hard-tech field"), Reference: mhRef, Expr: "tech_field in params.fields"},
				{ID: "young", Label: txt("成立不满10年", "Founded less than 10 years ago"), Reference: mhRef + illustrative, Expr: "full_years(founded_on, as_of) < params.max_years"},
				share("rd_share", "研发费用占销售收入不低于5%", "R&D expense at least 5% of revenue", mhRef+illustrative, "rd_expense_yuan", "revenue_yuan", "min_rd_share",
					"研发费用占比 {share}，需达到 {required}：约需再增加研发费用 {delta} 元", "R&D share {share}, needs {required}: about {delta} yuan more R&D expense"),
			},
			Amount: &rules.AmountSpec{Label: txt("支持金额(元)", "Support (yuan)"), Reference: mhRef + illustrative,
				Expr: "int(min(round(rd_expense_yuan * params.support_share), params.cap_yuan))"},
			Cases: []rules.Case{
				demoCase("a Minhang software firm", mh, rules.Eligible, nil, 550000),
				demoCase("low R&D", with(mh, "rd_expense_yuan", 1000000), rules.Ineligible, map[string]rules.Status{"rd_share": rules.NotMet}, nil),
			},
		}, func(p *programs.Program) {
			p.Level, p.FundNameZh, p.FundNameEn, p.FundCode = "district", "大零号湾科技创新专项资金", "Greater Neo Bay innovation special fund", "MH-NEOBAY"
		})
	return out
}

// SeedPrograms saves the demo's district programs that are missing, owned
// by the demo's district agencies. It is idempotent and leaves programs
// that exist (edited or not) alone.
func SeedPrograms(ctx context.Context, d *db.DB, reg *registry.Service) error {
	ctx = audit.WithActor(ctx, audit.Actor{Email: "demo-seed"})
	svc := &programs.Service{DB: d, Registry: reg}
	agencies := map[string]int64{}
	for _, s := range named {
		if s.kind != "agency" {
			continue
		}
		var id int64
		err := d.Read.QueryRowContext(ctx, `SELECT id FROM orgs WHERE name_zh = $1 AND kind = 'agency'`, s.zh).Scan(&id)
		if err != nil {
			return apperr.Wrap(err, "demo agency "+s.key)
		}
		agencies[s.key] = id
	}
	for _, dp := range demoPrograms(time.Now().In(shanghai).Year()) {
		id := agencies[dp.owner]
		dp.prog.OwnerOrgID = &id
		b, err := json.Marshal(dp.spec)
		if err != nil {
			return err
		}
		dp.prog.RuleSet = b
		if _, err := svc.Ensure(ctx, dp.prog); err != nil {
			return fmt.Errorf("demo program %s: %w", dp.prog.Slug, err)
		}
	}
	return nil
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()
