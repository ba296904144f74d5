// Package demo seeds the demo city: the districts' science and technology
// commissions, universities, institutes, service providers, banks,
// investors, incubators and a couple of hundred enterprises, with the demo
// accounts. Seeding is idempotent: a database that already has the demo
// administrator is left as it is.
package demo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/registry"
)

// Password is the password of every demo account.
const Password = "demo"

// Account is a demo login.
type Account struct {
	Email   string
	Name    string
	Role    string // platform role
	Org     string // USCC key of the organization (see orgs), "" for none
	OrgRole string
	What    string
}

// Accounts are the demo logins, printed at start in demo mode.
var Accounts = []Account{
	{"admin@demo.local", "平台管理员 Platform Admin", auth.RoleAdmin, "", "", "platform administrator"},
	{"officer.jingan@demo.local", "静安科委 王敏 Wang Min", auth.RoleOfficer, "agency-jingan", auth.OrgMember, "officer, Jing'an Science and Technology Commission"},
	{"officer.xuhui@demo.local", "徐汇科委 李强 Li Qiang", auth.RoleOfficer, "agency-xuhui", auth.OrgMember, "officer, Xuhui Science and Technology Commission"},
	{"enterprise@demo.local", "云杉软件 陈静 Chen Jing", "", "yunshan", auth.OrgOwner, "owner of Yunshan Software, a Jing'an software SME"},
	{"university@demo.local", "复旦技术转移 赵磊 Zhao Lei", "", "fudan", auth.OrgMember, "technology transfer office, Fudan University"},
	{"bank@demo.local", "上海银行 周婷 Zhou Ting", "", "bank-bos-jingan", auth.OrgMember, "sci-tech loans, Bank of Shanghai Jing'an branch"},
	{"lab@demo.local", "计量院 孙伟 Sun Wei", "", "simt", auth.OrgOwner, "shared-instrument lab, Shanghai Institute of Measurement and Testing Technology"},
	{"broker@demo.local", "技术交易所 刘洋 Liu Yang", "", "tech-exchange", auth.OrgMember, "technology broker, Shanghai Technology Exchange"},
	{"incubator@demo.local", "杨浦创业中心 吴芳 Wu Fang", "", "yangpu-center", auth.OrgOwner, "operator of the Yangpu Technology Entrepreneurship Center's incubators"},
	{"talent@demo.local", "Anna Müller", "", "", "", "foreign chief engineer looking for a work permit and a talent flat"},
	{"investor@demo.local", "徐汇天使 吴昊 Wu Hao", "", "xuhui-angel", auth.OrgMember, "fund manager, Xuhui Angel Investment Guiding Fund"},
}

type park struct{ slug, zh, en, district string }

var parks = []park{
	{"caohejing", "漕河泾新兴技术开发区", "Caohejing Hi-Tech Park", "xuhui"},
	{"zizhu", "紫竹国家高新技术产业开发区", "Zizhu Hi-Tech Industrial Park", "minhang"},
	{"neo-bay", "大零号湾科技创新策源功能区", "Greater Neo Bay Innovation Zone", "minhang"},
	{"zhangjiang", "张江科学城", "Zhangjiang Science City", "pudong"},
	{"shibei", "市北高新技术服务业园区", "Shibei Hi-Tech Park", "jingan"},
	{"wujiaochang", "杨浦五角场创新创业集聚区", "Wujiaochang Innovation Cluster, Yangpu", "yangpu"},
}

// seedOrg is an organization of the demo written by hand.
type seedOrg struct {
	key, zh, en, kind, district, park string
	authType                          string // USCC positions 1-2
	industry, field                   string
	founded                           string
	certs                             []string
	desc                              string
}

var named = []seedOrg{
	// Government agencies: the districts' science and technology commissions.
	{"agency-xuhui", "上海市徐汇区科学技术委员会", "Xuhui District Science and Technology Commission", "agency", "xuhui", "", "11", "S9221", "", "", nil, ""},
	{"agency-minhang", "上海市闵行区科学技术委员会", "Minhang District Science and Technology Commission", "agency", "minhang", "", "11", "S9221", "", "", nil, ""},
	{"agency-jingan", "上海市静安区科学技术委员会", "Jing'an District Science and Technology Commission", "agency", "jingan", "", "11", "S9221", "", "", nil, ""},
	{"agency-yangpu", "上海市杨浦区科学技术委员会", "Yangpu District Science and Technology Commission", "agency", "yangpu", "", "11", "S9221", "", "", nil, ""},
	{"agency-pudong", "上海市浦东新区科技和经济委员会", "Pudong New Area Science, Technology and Economy Commission", "agency", "pudong", "", "11", "S9221", "", "", nil, ""},
	// Universities.
	{"fudan", "复旦大学", "Fudan University", "university", "yangpu", "wujiaochang", "12", "P8341", "", "1905-09-14", nil, "综合性研究型大学 A comprehensive research university"},
	{"sjtu", "上海交通大学", "Shanghai Jiao Tong University", "university", "minhang", "neo-bay", "12", "P8341", "", "1896-04-08", nil, "研究型大学，大零号湾的源头 A research university at the heart of Greater Neo Bay"},
	{"tongji", "同济大学", "Tongji University", "university", "yangpu", "wujiaochang", "12", "P8341", "", "1907-10-01", nil, "以工程、建筑和城市规划见长 Known for engineering, architecture and urban planning"},
	{"ecust", "华东理工大学", "East China University of Science and Technology", "university", "xuhui", "", "12", "P8341", "", "1952-10-16", nil, ""},
	{"ecnu", "华东师范大学", "East China Normal University", "university", "minhang", "zizhu", "12", "P8341", "", "1951-10-16", nil, ""},
	{"sufe", "上海财经大学", "Shanghai University of Finance and Economics", "university", "yangpu", "", "12", "P8341", "", "1917-09-01", nil, ""},
	// Institutes.
	{"sioc", "中国科学院上海有机化学研究所", "Shanghai Institute of Organic Chemistry, CAS", "institute", "xuhui", "", "12", "M7320", "new_materials", "1950-05-01", nil, ""},
	{"simm", "中国科学院上海药物研究所", "Shanghai Institute of Materia Medica, CAS", "institute", "pudong", "zhangjiang", "12", "M7340", "biomedicine", "1932-01-01", nil, ""},
	{"sim", "中国科学院上海微系统与信息技术研究所", "Shanghai Institute of Microsystem and Information Technology, CAS", "institute", "changning", "", "12", "M7320", "electronic_information", "1928-01-01", nil, ""},
	{"simt", "上海市计量测试技术研究院", "Shanghai Institute of Measurement and Testing Technology", "institute", "xuhui", "caohejing", "12", "M7450", "high_tech_services", "1958-01-01", nil, "大型科学仪器共享服务 Large scientific instruments shared with enterprises"},
	{"sitri", "上海产业技术研究院", "Shanghai Industrial Technology Research Institute", "institute", "pudong", "zhangjiang", "12", "M7320", "electronic_information", "2012-01-01", nil, ""},
	{"sict", "上海市计算技术研究所", "Shanghai Institute of Computing Technology", "institute", "jingan", "shibei", "12", "M7320", "electronic_information", "1960-01-01", nil, ""},
	// Service providers: IP agencies, exchanges, testing.
	{"tech-exchange", "上海技术交易所", "Shanghai Technology Exchange", "service", "yangpu", "", "91", "M7520", "high_tech_services", "1993-01-01", nil, "技术交易服务 Technology transaction services"},
	{"ip-exchange", "上海知识产权交易中心", "Shanghai Intellectual Property Exchange Center", "service", "pudong", "", "91", "M7520", "high_tech_services", "2010-01-01", nil, ""},
	{"patent-office", "上海专利商标事务所有限公司", "Shanghai Patent & Trademark Law Office", "service", "xuhui", "", "91", "L7250", "high_tech_services", "1981-01-01", nil, "专利与商标代理 Patent and trademark agency"},
	{"xuhui-ip", "上海徐汇知识产权服务中心有限公司", "Xuhui IP Services Center", "service", "xuhui", "caohejing", "91", "L7250", "high_tech_services", "2016-03-01", nil, ""},
	{"jingan-ip", "上海静安知识产权运营有限公司", "Jing'an IP Operations Co.", "service", "jingan", "shibei", "91", "L7250", "high_tech_services", "2018-06-01", nil, ""},
	{"lab-test", "上海华测检测技术有限公司", "Shanghai Huace Testing Co.", "service", "minhang", "", "91", "M7452", "high_tech_services", "2008-01-01", nil, ""},
	// Banks.
	{"bank-bos-jingan", "上海银行股份有限公司静安支行", "Bank of Shanghai, Jing'an Branch", "bank", "jingan", "", "91", "J6621", "", "1995-12-29", nil, "科技型中小企业信贷 Loans for sci-tech SMEs"},
	{"bank-spdb-tech", "上海浦东发展银行科技支行", "SPD Bank Technology Branch", "bank", "pudong", "zhangjiang", "91", "J6621", "", "2011-01-01", nil, ""},
	{"bank-srcb-xuhui", "上海农村商业银行徐汇支行", "Shanghai Rural Commercial Bank, Xuhui Branch", "bank", "xuhui", "", "91", "J6621", "", "2005-08-25", nil, ""},
	{"bank-cmb-minhang", "招商银行上海闵行支行", "China Merchants Bank, Shanghai Minhang Branch", "bank", "minhang", "", "91", "J6621", "", "1997-01-01", nil, ""},
	{"bank-bocom-yangpu", "交通银行上海杨浦支行", "Bank of Communications, Shanghai Yangpu Branch", "bank", "yangpu", "", "91", "J6621", "", "1987-04-01", nil, ""},
	// Investors.
	{"stvc", "上海科技创业投资（集团）有限公司", "Shanghai Science and Technology Venture Capital Group", "investor", "huangpu", "", "91", "J6760", "", "1993-01-01", nil, ""},
	{"xuhui-angel", "上海徐汇天使投资引导基金", "Xuhui Angel Investment Guiding Fund", "investor", "xuhui", "", "91", "J6760", "", "2016-01-01", nil, "5000 万元天使基金支持孵化企业 A 50 million yuan angel fund for incubator firms"},
	{"minhang-guide", "闵行区科技创新引导基金", "Minhang Innovation Guiding Fund", "investor", "minhang", "neo-bay", "91", "J6760", "", "2019-01-01", nil, ""},
	{"yangpu-vc", "杨浦科技创业投资有限公司", "Yangpu Sci-Tech Venture Investment", "investor", "yangpu", "", "91", "J6760", "", "2009-01-01", nil, ""},
	{"zhangjiang-vc", "张江科技创业投资有限公司", "Zhangjiang Technology Venture Investment", "investor", "pudong", "zhangjiang", "91", "J6760", "", "2004-01-01", nil, ""},
	// Incubators and maker spaces.
	{"fudan-park", "复旦科技园创业中心", "Fudan Science Park Incubator", "incubator", "yangpu", "wujiaochang", "91", "M7540", "", "2000-01-01", nil, ""},
	{"tongji-park", "同济科技园孵化器", "Tongji Science Park Incubator", "incubator", "yangpu", "wujiaochang", "91", "M7540", "", "2003-01-01", nil, ""},
	{"yangpu-center", "杨浦科技创业中心", "Yangpu Technology Entrepreneurship Center", "incubator", "yangpu", "wujiaochang", "91", "M7540", "", "1997-01-01", nil, ""},
	{"chj-center", "漕河泾创业中心", "Caohejing Venture Center", "incubator", "xuhui", "caohejing", "91", "M7540", "", "1988-01-01", nil, ""},
	{"neo-bay-hub", "大零号湾众创空间", "Greater Neo Bay Maker Space", "incubator", "minhang", "neo-bay", "91", "M7540", "", "2018-01-01", nil, ""},
	{"sjtu-park", "上海交大科技园孵化器", "SJTU Science Park Incubator", "incubator", "minhang", "zizhu", "91", "M7540", "", "2001-01-01", nil, ""},
	{"zj-895", "张江895创业营", "Zhangjiang 895 Startup Camp", "incubator", "pudong", "zhangjiang", "91", "M7540", "", "2014-01-01", nil, ""},
	{"shibei-hub", "市北高新创客空间", "Shibei Maker Space", "incubator", "jingan", "shibei", "91", "M7540", "", "2015-01-01", nil, ""},
	// The demo enterprise and a few named ones.
	{"yunshan", "上海云杉软件科技有限公司", "Shanghai Yunshan Software Technology Co., Ltd.", "enterprise", "jingan", "shibei", "91", "I6513", "electronic_information", "2019-05-20", []string{"scitech_sme"}, "面向制造业的工业软件与数据平台 Industrial software and data platforms for manufacturers"},
}

// Word lists for the generated enterprises.
var (
	cores = []struct{ zh, en string }{
		{"芯源", "Xinyuan"}, {"瑞康", "Ruikang"}, {"智擎", "Zhiqing"}, {"蓝海", "Lanhai"}, {"星途", "Xingtu"},
		{"微光", "Weiguang"}, {"华创", "Huachuang"}, {"博远", "Boyuan"}, {"启明", "Qiming"}, {"天衡", "Tianheng"},
		{"景曜", "Jingyao"}, {"云帆", "Yunfan"}, {"极智", "Jizhi"}, {"同创", "Tongchuang"}, {"鼎新", "Dingxin"},
		{"和光", "Heguang"}, {"凌云", "Lingyun"}, {"若水", "Ruoshui"}, {"深瞳", "Shentong"}, {"青禾", "Qinghe"},
		{"恒析", "Hengxi"}, {"量准", "Liangzhun"}, {"翼展", "Yizhan"}, {"晶格", "Jingge"}, {"绿源", "Lüyuan"},
	}
	sectors = []struct {
		zh, en, industry, field string
	}{
		{"信息科技", "Information Technology", "I6513", "electronic_information"},
		{"软件", "Software", "I6511", "electronic_information"},
		{"集成电路设计", "IC Design", "I6520", "electronic_information"},
		{"人工智能科技", "AI Technology", "I6531", "electronic_information"},
		{"生物医药", "Biopharma", "C2710", "biomedicine"},
		{"医疗器械", "Medical Devices", "C3581", "biomedicine"},
		{"新材料科技", "New Materials", "C2659", "new_materials"},
		{"智能装备", "Intelligent Equipment", "C3491", "advanced_manufacturing"},
		{"机器人", "Robotics", "C3491", "advanced_manufacturing"},
		{"新能源科技", "New Energy", "C3841", "new_energy"},
		{"环境技术", "Environmental Technology", "N7721", "resources_environment"},
		{"航天科技", "Aerospace Technology", "C3742", "aerospace"},
		{"检测技术服务", "Testing Services", "M7452", "high_tech_services"},
	}
	districts = []string{"jingan", "xuhui", "minhang", "yangpu", "pudong", "jingan", "xuhui", "changning", "jiading", "putuo"}
	parkOf    = map[string][]string{"xuhui": {"caohejing"}, "minhang": {"zizhu", "neo-bay"}, "pudong": {"zhangjiang"}, "jingan": {"shibei"}, "yangpu": {"wujiaochang"}}
)

// GeneratedEnterprises is how many enterprises the demo adds to the named ones.
const GeneratedEnterprises = 180

// Seeded reports whether the demo is already in the database.
func Seeded(ctx context.Context, d *db.DB) (bool, error) {
	var n int
	err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = $1`, Accounts[0].Email).Scan(&n)
	return n > 0, apperr.Wrap(err, "demo check")
}

// Seed writes the demo city in one transaction, unless it is there.
func Seed(ctx context.Context, d *db.DB, reg *registry.Service) (created bool, err error) {
	if ok, err := Seeded(ctx, d); err != nil || ok {
		if err == nil {
			// A city seeded before the district programs existed gets them.
			err = SeedPrograms(ctx, d, reg)
		}
		if err == nil {
			err = SeedHousing(ctx, d)
		}
		return false, err
	}
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return false, err
	}
	ctx = audit.WithActor(ctx, audit.Actor{Email: "demo-seed"})
	now := d.Now()
	// Parks first, committed, so that profile validation sees them.
	parkIDs := map[string]int64{}
	for _, p := range parks {
		pk, err := reg.CreatePark(ctx, registry.Park{Slug: p.slug, NameZh: p.zh, NameEn: p.en, District: p.district})
		if apperr.CodeOf(err) == apperr.Invalid { // left by an interrupted seed
			var id int64
			if err := d.Read.QueryRowContext(ctx, `SELECT id FROM parks WHERE slug = $1`, p.slug).Scan(&id); err != nil {
				return false, apperr.Wrap(err, "demo park")
			}
			pk.ID = id
		} else if err != nil {
			return false, err
		}
		parkIDs[p.slug] = pk.ID
	}
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		orgIDs := map[string]int64{}
		rng := rand.New(rand.NewPCG(2026, 11))
		seq := uint64(10000001)
		add := func(s seedOrg, o registry.Org) error {
			seq += 7
			o.USCC = registry.SynthUSCC(s.authType, s.district, seq)
			o.NameZh, o.NameEn, o.Kind = s.zh, s.en, s.kind
			o.RegisteredDistrict, o.TaxDistrict = ptr(s.district), ptr(s.district)
			if s.park != "" {
				o.ParkID = ptr(parkIDs[s.park])
			}
			if s.founded != "" {
				o.FoundedOn = ptr(s.founded)
			}
			if s.industry != "" {
				o.Industry = ptr(s.industry)
			}
			if s.field != "" {
				o.TechField = ptr(s.field)
			}
			if s.certs != nil {
				o.Certifications = s.certs
			}
			if s.desc != "" {
				o.DescriptionZh, o.DescriptionEn = splitDesc(s.desc)
			}
			if _, err := reg.Prepare(ctx, &o); err != nil {
				return fmt.Errorf("demo org %s: %w", s.key, err)
			}
			if err := reg.Insert(ctx, tx, &o); err != nil {
				return fmt.Errorf("demo org %s: %w", s.key, err)
			}
			orgIDs[s.key] = o.ID
			return nil
		}
		for _, s := range named {
			o := registry.NewOrg()
			if s.key == "yunshan" {
				fillYunshan(&o)
			} else if s.kind == "enterprise" || s.kind == "service" {
				fillProfile(rng, &o, 1)
			}
			if err := add(s, o); err != nil {
				return err
			}
		}
		for i := 0; i < GeneratedEnterprises; i++ {
			c := cores[i%len(cores)]
			sec := sectors[(i/len(cores)+i)%len(sectors)]
			dist := districts[rng.IntN(len(districts))]
			s := seedOrg{
				key: fmt.Sprintf("gen-%d", i), kind: "enterprise", district: dist, authType: "91",
				zh:       "上海" + c.zh + sec.zh + "有限公司",
				en:       "Shanghai " + c.en + " " + sec.en + " Co., Ltd.",
				industry: sec.industry, field: sec.field,
				founded: fmt.Sprintf("%d-%02d-%02d", 2003+rng.IntN(22), 1+rng.IntN(12), 1+rng.IntN(28)),
			}
			if i >= len(cores)*len(sectors)/len(cores) && i/len(cores) > 0 {
				s.zh = fmt.Sprintf("上海%s%s%s有限公司", c.zh, []string{"", "智联", "领航", "精工", "未来", "创新", "数字"}[i/len(cores)%7], sec.zh)
				s.en = fmt.Sprintf("Shanghai %s %s%s Co., Ltd.", c.en, []string{"", "Connect ", "Pilot ", "Precision ", "Future ", "Innovation ", "Digital "}[i/len(cores)%7], sec.en)
			}
			if ps := parkOf[dist]; len(ps) > 0 && rng.IntN(2) == 0 {
				s.park = ps[rng.IntN(len(ps))]
			}
			o := registry.NewOrg()
			fillProfile(rng, &o, 1+rng.IntN(4))
			if err := add(s, o); err != nil {
				return err
			}
		}
		for _, a := range Accounts {
			u := auth.User{Email: a.Email, Name: a.Name, PlatformRole: a.Role, CreatedAt: now}
			if err := auth.InsertUserTx(ctx, tx, &u, hash); err != nil {
				return err
			}
			if a.Org != "" {
				if err := auth.AddMemberTx(ctx, tx, u.ID, orgIDs[a.Org], a.OrgRole, now); err != nil {
					return err
				}
			}
			if a.Email == "talent@demo.local" {
				if _, err := tx.ExecContext(ctx, `INSERT INTO people (org_id, name_zh, name_en, title, email, user_id, created_at, updated_at)
					VALUES ($1, '安娜·穆勒', 'Anna Müller', 'Chief Engineer', $2, $3, $4, $4)`, orgIDs["gen-3"], a.Email, u.ID, now); err != nil {
					return apperr.Wrap(err, "demo person")
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO people (org_id, name_zh, name_en, title, email, phone, created_at, updated_at)
			VALUES ($1, '陈静', 'Chen Jing', '创始人、总经理 Founder and CEO', 'enterprise@demo.local', '021-5555 0101', $2, $2)`, orgIDs["yunshan"], now); err != nil {
			return apperr.Wrap(err, "demo person")
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "seed", Entity: "demo", EntityID: "demo",
			After: map[string]any{"organizations": len(orgIDs), "accounts": len(Accounts), "parks": len(parks)}})
	})
	reg.Changed()
	if err == nil {
		err = SeedPrograms(ctx, d, reg)
	}
	if err == nil {
		err = SeedHousing(ctx, d)
	}
	return err == nil, err
}

func ptr[T any](v T) *T { return &v }

func splitDesc(s string) (zh, en string) {
	for i, r := range s {
		if r < 0x2E80 && r != ' ' && r != '，' && (r >= 'A' && r <= 'Z') {
			return trim(s[:i]), trim(s[i:])
		}
	}
	return s, ""
}

func trim(s string) string {
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

// fillYunshan gives the demo enterprise a complete profile of a Jing'an
// software SME, a certified sci-tech SME whose figures already pass the
// high-tech enterprise pre-check.
func fillYunshan(o *registry.Org) {
	p := o.Private
	p.Employees, p.RDStaff = ptr[int64](48), ptr[int64](9)
	p.RevenueYuan, p.TotalAssetsYuan = ptr[int64](36_500_000), ptr[int64](21_000_000)
	p.RDExpenseYuan = ptr[int64](2_750_000)
	p.Revenue3yYuan, p.RDExpense3yYuan, p.RDExpenseDomestic3yYuan = ptr[int64](88_000_000), ptr[int64](6_300_000), ptr[int64](6_300_000)
	p.HighTechRevenueYuan = ptr[int64](26_800_000)
	p.InnovationScore = ptr[int64](72)
	p.MajorIncidentLastYear = ptr(false)
	o.InventionPatents, o.OtherIP = ptr[int64](2), ptr[int64](11)
	o.Website = "https://yunshan.example.cn"
}

// fillProfile draws a plausible profile; size 1 is micro, 4 medium-large.
func fillProfile(rng *rand.Rand, o *registry.Org, size int) {
	p := o.Private
	emp := int64([]int{8, 30, 120, 420, 1500}[size] + rng.IntN([]int{12, 60, 200, 600, 2000}[size]))
	p.Employees = &emp
	p.RDStaff = ptr(emp * int64(8+rng.IntN(30)) / 100)
	rev := emp * int64(300_000+rng.IntN(900_000))
	p.RevenueYuan = &rev
	p.TotalAssetsYuan = ptr(rev * int64(50+rng.IntN(100)) / 100)
	rd := rev * int64(2+rng.IntN(12)) / 100
	p.RDExpenseYuan = &rd
	p.Revenue3yYuan = ptr(rev * int64(220+rng.IntN(60)) / 100)
	p.RDExpense3yYuan = ptr(rd * int64(220+rng.IntN(60)) / 100)
	p.RDExpenseDomestic3yYuan = ptr(*p.RDExpense3yYuan * int64(85+rng.IntN(16)) / 100)
	p.HighTechRevenueYuan = ptr(rev * int64(30+rng.IntN(65)) / 100)
	p.InnovationScore = ptr(int64(40 + rng.IntN(60)))
	p.MajorIncidentLastYear = ptr(rng.IntN(40) == 0)
	o.InventionPatents = ptr(int64(rng.IntN(3 + size*6)))
	o.OtherIP = ptr(int64(rng.IntN(5 + size*10)))
	// Leave some figures unknown, as real profiles are.
	if rng.IntN(8) == 0 {
		p.RDExpenseDomestic3yYuan = nil
	}
	if rng.IntN(10) == 0 {
		p.HighTechRevenueYuan = nil
	}
	var certs []string
	if emp < 500 && rng.IntN(3) > 0 {
		certs = append(certs, "scitech_sme")
	}
	if *p.InnovationScore > 60 && rng.IntN(2) == 0 {
		certs = append(certs, "hnte")
	}
	if size >= 2 && rng.IntN(4) == 0 {
		certs = append(certs, "specialized_sophisticated")
		if rng.IntN(3) == 0 {
			certs = append(certs, "little_giant")
		}
	}
	o.Certifications = certs
	if o.Certifications == nil {
		o.Certifications = []string{}
	}
}
