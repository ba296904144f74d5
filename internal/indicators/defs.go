package indicators

import (
	"context"
)

// orgArea is the district of an organization o, or "unassigned".
const orgArea = `COALESCE(NULLIF(o.registered_district, ''), 'unassigned')`

// Definitions are the indicators the platform computes, in the order the
// dashboards show them. Each reads its module's tables with one grouped
// query: area, month, value.
func Definitions() []*Definition {
	return append([]*Definition{
		{
			ID: "hnte-enterprises", Module: "registry", Kind: Snapshot, Dimension: ByDistrict, Unit: "count", Scale: 1,
			TitleZh: "高新技术企业", TitleEn: "High and new technology enterprises",
			DefinitionZh: "登记为企业、资质认定含高新技术企业（hnte）的组织数，按注册区；当月为实时数，往月为月末时的数。",
			DefinitionEn: "Organizations of kind enterprise whose certifications include hnte, by registered district; the current month live, past months as they stood when the month ended.",
			Tables:       []string{"orgs"}, Changes: []string{"org:create", "org:import", "org:generate"}, Hooked: true, cert: "hnte",
			compute: certified("hnte"),
		},
		{
			ID: "scitech-smes", Module: "registry", Kind: Snapshot, Dimension: ByDistrict, Unit: "count", Scale: 1,
			TitleZh: "科技型中小企业", TitleEn: "Sci-tech SMEs",
			DefinitionZh: "登记为企业、资质认定含科技型中小企业（scitech_sme）的组织数，按注册区；当月为实时数，往月为月末时的数。",
			DefinitionEn: "Organizations of kind enterprise whose certifications include scitech_sme, by registered district; the current month live, past months as they stood when the month ended.",
			Tables:       []string{"orgs"}, Changes: []string{"org:create", "org:import", "org:generate"}, Hooked: true, cert: "scitech_sme",
			compute: certified("scitech_sme"),
		},
		{
			ID: "invention-patents", Module: "ip", Kind: Stock, Dimension: ByDistrict, Unit: "count", Scale: 1,
			TitleZh: "有效发明专利", TitleEn: "Invention patents in force",
			DefinitionZh: "知识产权库中类型为发明专利、状态为已授权的专利数，按权利人注册区，截至月末登记在平台上的。",
			DefinitionEn: "IP assets of kind patent, subtype invention, status granted, by the owner's registered district, recorded on the platform by the end of the month.",
			Tables:       []string{"ip_assets", "orgs"}, Changes: []string{"ip_asset", "org"},
			compute: func(ctx context.Context, c *calc) ([]Point, error) {
				return c.stock(ctx, `SELECT `+orgArea+`, `+c.tsMonth("a.created_at")+`, COUNT(*) FROM ip_assets a JOIN orgs o ON o.id = a.owner_org_id
					WHERE a.kind = 'patent' AND a.subtype = 'invention' AND a.status = 'granted' GROUP BY 1, 2`)
			},
		},
		{
			ID: "invention-patents-per-10k", Module: "ip", Kind: Ratio, Dimension: ByDistrict, Unit: "per_10k", Scale: 100,
			TitleZh: "每万人口发明专利拥有量", TitleEn: "Invention patents per 10,000 residents",
			DefinitionZh: "有效发明专利数 ÷ 常住人口 × 10000，保留两位小数；人口取该月所在年份或之前最近一年的参考数据（全市为各区之和）。",
			DefinitionEn: "Invention patents in force ÷ resident population × 10,000, to two decimals; the population is the reference figure of the period's year or the latest before it (the city: the sum of its districts).",
			Tables:       []string{"ip_assets", "orgs", "indicator_populations"}, Changes: []string{"indicator_population"}, After: []string{"invention-patents"},
			compute: perTenThousand("invention-patents"),
		},
		{
			ID: "tech-contract-turnover", Module: "transfer", Kind: Flow, Dimension: ByDistrict, Unit: "yuan", Scale: 100,
			TitleZh: "技术合同成交额", TitleEn: "Technology contract turnover",
			DefinitionZh: "已登记技术合同的合同金额，按卖方所在区和签订月份。",
			DefinitionEn: "Value of registered technology contracts, by the seller's district and the month signed.",
			Tables:       []string{"transfer_contracts"}, Changes: []string{"transfer_contract"},
			compute: func(ctx context.Context, c *calc) ([]Point, error) {
				return c.grouped(ctx, `SELECT COALESCE(NULLIF(seller_district, ''), 'unassigned'), `+c.dateMonth("signed_on")+`, SUM(value_fen)
					FROM transfer_contracts WHERE status = 'registered' GROUP BY 1, 2`)
			},
		},
		{
			ID: "tech-contract-exports", Module: "transfer", Kind: Flow, Dimension: ByRegion, Unit: "yuan", Scale: 100,
			TitleZh: "技术合同成交额（按买方地区）", TitleEn: "Technology contract turnover by buyer region",
			DefinitionZh: "上海卖方已登记技术合同的合同金额，按买方地区（上海、江苏、浙江、安徽、其他省市、境外）和签订月份；输出长三角三省的即江苏、浙江、安徽三栏。",
			DefinitionEn: "Value of registered technology contracts sold from Shanghai, by the buyer's region (Shanghai, Jiangsu, Zhejiang, Anhui, other provinces, abroad) and the month signed; exports to the three delta provinces are the Jiangsu, Zhejiang and Anhui columns.",
			Tables:       []string{"transfer_contracts"}, Changes: []string{"transfer_contract"},
			compute: func(ctx context.Context, c *calc) ([]Point, error) {
				return c.grouped(ctx, `SELECT buyer_region, `+c.dateMonth("signed_on")+`, SUM(value_fen)
					FROM transfer_contracts WHERE status = 'registered' AND seller_region = 'shanghai' GROUP BY 1, 2`)
			},
		},
		{
			ID: "ip-transaction-value", Module: "ip", Kind: Flow, Dimension: ByDistrict, Unit: "yuan", Scale: 100,
			TitleZh: "知识产权交易额", TitleEn: "IP transaction value",
			DefinitionZh: "已成交（closed）知识产权交易的成交价，按卖方注册区和成交月份。",
			DefinitionEn: "Price of closed IP deals, by the seller's registered district and the month closed.",
			Tables:       []string{"ip_deals", "orgs"}, Changes: []string{"ip_deal", "org"},
			compute: func(ctx context.Context, c *calc) ([]Point, error) {
				return c.grouped(ctx, `SELECT `+orgArea+`, `+c.tsMonth("d.closed_at")+`, SUM(d.price_fen) FROM ip_deals d JOIN orgs o ON o.id = d.seller_org_id
					WHERE d.state = 'closed' AND d.closed_at IS NOT NULL AND d.price_fen IS NOT NULL GROUP BY 1, 2`)
			},
		},
		{
			ID: "instruments-shared", Module: "instruments", Kind: Stock, Dimension: ByDistrict, Unit: "count", Scale: 1,
			TitleZh: "共享大型仪器", TitleEn: "Instruments shared",
			DefinitionZh: "在用（active）的共享仪器数，按仪器所在区（长三角其他地区的计入“未注明区”），截至月末已上架的。",
			DefinitionEn: "Active shared instruments, by the instrument's district (those elsewhere in the delta count as district not given), listed by the end of the month.",
			Tables:       []string{"instruments"}, Changes: []string{"instrument"},
			compute: func(ctx context.Context, c *calc) ([]Point, error) {
				return c.stock(ctx, `SELECT COALESCE(NULLIF(district, ''), 'unassigned'), `+c.tsMonth("created_at")+`, COUNT(*) FROM instruments
					WHERE status = 'active' GROUP BY 1, 2`)
			},
		},
		{
			ID: "instrument-outside-hours", Module: "instruments", Kind: Flow, Dimension: ByDistrict, Unit: "hours", Scale: 60,
			TitleZh: "仪器对外服务机时", TitleEn: "Instrument hours used by outside users",
			DefinitionZh: "已完成预约中外部用户（非所有单位内部收费类）的实际使用时长，按仪器所在区和开始月份。",
			DefinitionEn: "Actual minutes of completed bookings by users outside the owner (fee class other than internal), in hours, by the instrument's district and the month the booking started.",
			Tables:       []string{"instrument_bookings", "calendar_bookings", "instruments"}, Changes: []string{"instrument_booking", "instrument"},
			compute: func(ctx context.Context, c *calc) ([]Point, error) {
				return c.grouped(ctx, `SELECT COALESCE(NULLIF(i.district, ''), 'unassigned'), `+c.tsMonth("cb.starts_at")+`, SUM(b.actual_minutes)
					FROM instrument_bookings b JOIN calendar_bookings cb ON cb.id = b.booking_id JOIN instruments i ON i.id = b.instrument_id
					WHERE cb.status = 'completed' AND b.fee_class <> 'internal' AND b.actual_minutes IS NOT NULL GROUP BY 1, 2`)
			},
		},
		{
			ID: "vouchers-issued", Module: "vouchers", Kind: Flow, Dimension: ByDistrict, Unit: "yuan", Scale: 100,
			TitleZh: "创新券发放额", TitleEn: "Innovation vouchers issued",
			DefinitionZh: "发放的创新券面额，按持券企业注册区和发放月份。",
			DefinitionEn: "Face value of innovation vouchers issued, by the holder's registered district and the month issued.",
			Tables:       []string{"vouchers", "orgs"}, Changes: []string{"voucher", "org"},
			compute: func(ctx context.Context, c *calc) ([]Point, error) {
				return c.grouped(ctx, `SELECT `+orgArea+`, `+c.tsMonth("v.created_at")+`, SUM(v.face_fen) FROM vouchers v JOIN orgs o ON o.id = v.org_id GROUP BY 1, 2`)
			},
		},
		{
			ID: "vouchers-redeemed", Module: "vouchers", Kind: Flow, Dimension: ByDistrict, Unit: "yuan", Scale: 100,
			TitleZh: "创新券兑付额", TitleEn: "Innovation vouchers redeemed",
			DefinitionZh: "创新券兑付中由券支付的金额，按持券企业注册区和兑付月份。",
			DefinitionEn: "The voucher part of redemptions, by the holder's registered district and the month redeemed.",
			Tables:       []string{"voucher_redemptions", "vouchers", "orgs"}, Changes: []string{"voucher", "org"},
			compute: func(ctx context.Context, c *calc) ([]Point, error) {
				return c.grouped(ctx, `SELECT `+orgArea+`, r.month, SUM(r.voucher_fen) FROM voucher_redemptions r JOIN vouchers v ON v.id = r.voucher_id
					JOIN orgs o ON o.id = v.org_id GROUP BY 1, 2`)
			},
		},
		{
			ID: "loans-granted", Module: "finance", Kind: Flow, Dimension: ByDistrict, Unit: "yuan", Scale: 100,
			TitleZh: "科技信贷放款额", TitleEn: "Sci-tech loans granted",
			DefinitionZh: "已放款贷款的本金，按借款企业注册区和放款月份。",
			DefinitionEn: "Principal of loans disbursed, by the borrower's registered district and the month disbursed.",
			Tables:       []string{"loans", "orgs"}, Changes: []string{"loan", "org"},
			compute: func(ctx context.Context, c *calc) ([]Point, error) {
				return c.grouped(ctx, `SELECT `+orgArea+`, `+c.dateMonth("l.disbursed_on")+`, SUM(l.amount_fen) FROM loans l JOIN orgs o ON o.id = l.org_id
					WHERE l.disbursed_on IS NOT NULL GROUP BY 1, 2`)
			},
		},
		{
			ID: "risk-pool-usage", Module: "finance", Kind: Flow, Dimension: ByDistrict, Unit: "yuan", Scale: 100,
			TitleZh: "风险补偿资金池代偿额", TitleEn: "Risk-compensation pool payouts",
			DefinitionZh: "已支付的风险补偿代偿额（经账簿过账），按借款企业注册区和过账月份。",
			DefinitionEn: "Paid risk-pool claims (posted through the ledger), by the borrower's registered district and the month posted.",
			Tables:       []string{"pool_claims", "loans", "orgs", "ledger_journals"}, Changes: []string{"pool_claim", "org"},
			compute: func(ctx context.Context, c *calc) ([]Point, error) {
				return c.grouped(ctx, `SELECT `+orgArea+`, `+c.dateMonth("j.effective_on")+`, SUM(pc.claim_fen) FROM pool_claims pc
					JOIN loans l ON l.id = pc.loan_id JOIN orgs o ON o.id = l.org_id JOIN ledger_journals j ON j.id = pc.journal_id
					WHERE pc.state = 'paid' GROUP BY 1, 2`)
			},
		},
		{
			ID: "program-money-committed", Module: "programs", Kind: Flow, Dimension: ByDistrict, Unit: "yuan", Scale: 100,
			TitleZh: "专项资金承诺额", TitleEn: "Program money committed",
			DefinitionZh: "批准的资助（未撤销的，含已支付和已追回的）金额，在账簿上预留，按获资助企业批准时的注册区和批准月份。",
			DefinitionEn: "Awards approved (not cancelled; paid and clawed back included), reserved on the ledger, by the recipient's registered district at approval and the month approved.",
			Tables:       []string{"awards"}, Changes: []string{"award", "program_application", "grant_batch"},
			compute: func(ctx context.Context, c *calc) ([]Point, error) {
				return c.grouped(ctx, `SELECT COALESCE(registered_district, 'unassigned'), `+c.tsMonth("approved_at")+`, SUM(amount_fen) FROM awards
					WHERE status <> 'cancelled' GROUP BY 1, 2`)
			},
		},
		{
			ID: "program-money-paid", Module: "programs", Kind: Flow, Dimension: ByDistrict, Unit: "yuan", Scale: 100,
			TitleZh: "专项资金拨付额", TitleEn: "Program money paid",
			DefinitionZh: "已经账簿拨付的资助金额（含其后追回的），按获资助企业拨付时的注册区和拨付月份。",
			DefinitionEn: "Awards paid through the ledger (including those clawed back later), by the recipient's registered district at payment and the month paid.",
			Tables:       []string{"awards"}, Changes: []string{"award", "program_application", "grant_batch"},
			compute: func(ctx context.Context, c *calc) ([]Point, error) {
				return c.grouped(ctx, `SELECT COALESCE(registered_district, 'unassigned'), `+c.dateMonth("paid_on")+`, SUM(amount_fen) FROM awards
					WHERE journal_id IS NOT NULL AND paid_on IS NOT NULL GROUP BY 1, 2`)
			},
		},
	}, deskAndTalent...)
}

// certified counts the enterprises holding a certification, now.
func certified(cert string) func(ctx context.Context, c *calc) ([]Point, error) {
	return func(ctx context.Context, c *calc) ([]Point, error) {
		rows, err := c.q.QueryContext(ctx, `SELECT COALESCE(NULLIF(registered_district, ''), 'unassigned'), COUNT(*) FROM orgs
			WHERE kind = 'enterprise' AND (' ' || certifications || ' ') LIKE $1 GROUP BY 1`, "% "+cert+" %")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		// The city's row even when nobody holds it: the hook adds to it.
		ps := []Point{{Area: City, Period: c.month}}
		for rows.Next() {
			p := Point{Period: c.month}
			if err := rows.Scan(&p.Area, &p.Value); err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		return ps, rows.Err()
	}
}
