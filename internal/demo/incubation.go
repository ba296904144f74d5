package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"rainforest/internal/incubation"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
)

type demoCarrier struct {
	operator, stage, zh, en, district, level, address string
	area, desks, offices                              int
	seedYuan                                          int64
	fields, services                                  []string
	desc                                              string
}

var demoCarriers = []demoCarrier{
	{"yangpu-center", "public_space", "五角场创新创业众创空间", "Wujiaochang Public Innovation Space", "yangpu", "municipal", "杨浦区国定东路 200 号", 2400, 60, 0, 0,
		[]string{"electronic_information", "high_tech_services"}, []string{"workspace", "mentoring", "training", "policy"}, "开放工位、创业沙龙和导师问诊，团队可按月入驻。 Open desks, founders' evenings and mentors' office hours, by the month."},
	{"yangpu-center", "nursery", "杨浦科技创业苗圃", "Yangpu Startup Nursery", "yangpu", "district", "杨浦区政立路 485 号", 1800, 40, 4, 2_000_000,
		[]string{"electronic_information", "new_materials"}, []string{"workspace", "mentoring", "ip", "policy"}, "为未注册的创业团队提供一年的预孵化。 A year of pre-incubation for teams not yet incorporated."},
	{"yangpu-center", "incubator", "杨浦科技创业中心孵化器", "Yangpu Technology Entrepreneurship Center Incubator", "yangpu", "national", "杨浦区国泰路 11 号", 12000, 30, 12, 20_000_000,
		[]string{"electronic_information", "biomedicine", "advanced_manufacturing"}, []string{"workspace", "mentoring", "financing", "ip", "legal_finance", "lab"}, "国家级科技企业孵化器，提供种子基金和公共实验室。 A national-level incubator with a seed fund and shared labs."},
	{"yangpu-center", "accelerator", "杨浦创新加速器", "Yangpu Innovation Accelerator", "yangpu", "municipal", "杨浦区大学路 248 号", 9000, 0, 15, 50_000_000,
		[]string{"electronic_information", "advanced_manufacturing"}, []string{"workspace", "financing", "market", "talent"}, "面向已获融资企业的加速计划。 An acceleration programme for funded companies."},
	{"yangpu-center", "maker_space", "杨浦创客空间", "Yangpu Maker Space", "yangpu", "none", "杨浦区长阳路 1687 号", 1500, 25, 0, 0,
		[]string{"advanced_manufacturing", "new_materials"}, []string{"workspace", "lab", "training"}, "激光切割机、三维打印机和电子工作台。 Laser cutters, 3D printers and electronics benches."},
	{"chj-center", "public_space", "徐汇众创空间", "Xuhui Public Innovation Space", "xuhui", "district", "徐汇区宜山路 900 号", 2000, 50, 0, 0,
		[]string{"high_tech_services", "electronic_information"}, []string{"workspace", "mentoring", "policy"}, "徐汇区的开放创新空间。 Xuhui's open innovation space."},
	{"chj-center", "nursery", "漕河泾创业苗圃", "Caohejing Startup Nursery", "xuhui", "municipal", "徐汇区桂平路 680 号", 1600, 30, 3, 3_000_000,
		[]string{"electronic_information", "biomedicine"}, []string{"workspace", "mentoring", "ip"}, "漕河泾开发区的创业苗圃。 The startup nursery of the Caohejing park."},
	{"chj-center", "incubator", "漕河泾创业中心孵化器", "Caohejing Venture Center Incubator", "xuhui", "national", "徐汇区宜州路 180 号", 15000, 20, 15, 30_000_000,
		[]string{"electronic_information", "biomedicine", "new_energy"}, []string{"workspace", "mentoring", "financing", "ip", "legal_finance", "lab", "market"}, "国家级孵化器，徐汇天使基金合作载体。 A national incubator working with the Xuhui angel fund."},
	{"chj-center", "accelerator", "漕河泾科创加速器", "Caohejing Accelerator", "xuhui", "municipal", "徐汇区田林路 487 号", 8000, 0, 12, 40_000_000,
		[]string{"electronic_information", "advanced_manufacturing"}, []string{"workspace", "financing", "market"}, "成长期科技企业的加速器。 An accelerator for growing technology firms."},
	{"ecust", "university_park", "华东理工大学科技园", "ECUST Science Park", "xuhui", "national", "徐汇区梅陇路 130 号", 10000, 20, 10, 10_000_000,
		[]string{"new_materials", "biomedicine", "resources_environment"}, []string{"workspace", "lab", "ip", "talent"}, "依托华东理工大学的大学科技园。 The university science park of ECUST."},
}

var teamWords = [][2]string{{"智能传感", "Smart Sensing"}, {"柔性电子", "Flexible Electronics"}, {"医疗影像", "Medical Imaging"}, {"工业视觉", "Machine Vision"},
	{"储能材料", "Energy Storage"}, {"合成生物", "Synthetic Biology"}, {"低空物流", "Drone Logistics"}, {"数字孪生", "Digital Twin"}, {"语音交互", "Voice AI"},
	{"精密光学", "Precision Optics"}, {"氢能", "Hydrogen"}, {"碳足迹", "Carbon Footprint"}}

// SeedIncubation lists the demo carriers of Yangpu and Xuhui at each stage
// of the chain, with four years of history: teams and companies admitted,
// desks and offices leased, departures as graduated, moved or closed, and
// the demo enterprise, Yunshan, a graduated tenant of the Yangpu incubator
// that raised a pre-A round there. incubator@demo.local runs the Yangpu
// centre's carriers and is a member of the Caohejing centre. It does
// nothing when the Yangpu centre has carriers already.
func SeedIncubation(ctx context.Context, d *db.DB, svc *incubation.Service) error {
	orgs := map[string]int64{}
	for key, zh := range map[string]string{"yangpu-center": "杨浦科技创业中心", "chj-center": "漕河泾创业中心", "ecust": "华东理工大学", "yunshan": "上海云杉软件科技有限公司"} {
		var id int64
		if err := d.Read.QueryRowContext(ctx, `SELECT id FROM orgs WHERE name_zh = $1`, zh).Scan(&id); err != nil {
			return apperr.Wrap(err, "demo incubation "+key)
		}
		orgs[key] = id
	}
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM incubation_carriers WHERE operator_org_id = $1`, orgs["yangpu-center"]).Scan(&n); err != nil || n > 0 {
		return apperr.Wrap(err, "demo incubation")
	}
	as := &auth.Service{DB: d}
	op, err := ensureOperator(ctx, d, as, orgs)
	if err != nil {
		return err
	}
	principal := func(email string) (*auth.Principal, error) {
		var id int64
		if err := d.Read.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
			return nil, apperr.Wrap(err, "demo incubation "+email)
		}
		return as.Principal(ctx, id)
	}
	admin, err := principal("admin@demo.local")
	if err != nil {
		return err
	}
	ent, err := principal("enterprise@demo.local")
	if err != nil {
		return err
	}
	talent, err := principal("talent@demo.local")
	if err != nil {
		return err
	}
	// Companies of each district not otherwise used, as tenants.
	companies := map[string][]int64{}
	for _, dist := range []string{"yangpu", "xuhui"} {
		rows, err := d.Read.QueryContext(ctx, `SELECT id FROM orgs WHERE kind = 'enterprise' AND registered_district = $1 AND id <> $2 ORDER BY id`, dist, orgs["yunshan"])
		ids, err := db.Collect(rows, err, "demo companies", func(r interface{ Scan(...any) error }) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
		if err != nil {
			return err
		}
		companies[dist] = ids
	}
	y, m, dd := d.Now().In(time.FixedZone("CST", 8*3600)).Date()
	today := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	rng := rand.New(rand.NewPCG(9, 2026))
	carriers := make([]incubation.Carrier, len(demoCarriers))
	for i, c := range demoCarriers {
		if carriers[i], err = svc.SaveCarrier(ctx, admin, 0, incubation.CarrierInput{OperatorOrgID: orgs[c.operator], Stage: c.stage, NameZh: c.zh, NameEn: c.en,
			District: c.district, Address: c.address, Level: c.level, AreaM2: c.area, Desks: c.desks, Offices: c.offices, Fields: c.fields, Services: c.services,
			SeedFundYuan: c.seedYuan, DescriptionZh: splitZh(c.desc), DescriptionEn: splitEn(c.desc)}); err != nil {
			return fmt.Errorf("demo carrier %s: %w", c.zh, err)
		}
	}
	teamSeq := 0
	for _, c := range carriers {
		teams := c.Stage == "public_space" || c.Stage == "nursery" || c.Stage == "maker_space"
		// The university's park has no operator account in the demo.
		runner := op
		if c.OperatorOrgID == orgs["ecust"] {
			runner = admin
		}
		for k := range 8 + rng.IntN(7) {
			admitted := today.AddDate(-4, 0, 10+rng.IntN(4*365-40))
			in := incubation.ApplyInput{Plan: "入驻计划 Incubation plan"}
			applicant := admin
			if teams || k%3 == 0 {
				w := teamWords[teamSeq%len(teamWords)]
				teamSeq++
				t, err := svc.RegisterTeam(ctx, op, incubation.TeamInput{Name: fmt.Sprintf("%s团队 %s team %02d", w[0], w[1], teamSeq), Members: "创始人、合伙人 Founders",
					Field: c.Fields[rng.IntN(len(c.Fields))], Project: w[0] + " " + w[1]})
				if err != nil {
					return err
				}
				in.TeamID, applicant = t.ID, op
			} else {
				pool := companies[c.District]
				if len(pool) == 0 {
					continue
				}
				in.OrgID, companies[c.District] = pool[0], pool[1:]
			}
			ten, err := admit(ctx, svc, applicant, runner, c.ID, in, day(admitted))
			if err != nil {
				return fmt.Errorf("demo tenancy at %s: %w", c.NameZh, err)
			}
			// Who has left: most of those admitted two years ago or more.
			var left time.Time
			age := today.Sub(admitted).Hours() / 24 / 365
			if (age > 2 && rng.IntN(10) < 7) || (age > 1 && rng.IntN(10) < 3) {
				left = admitted.AddDate(0, 6+rng.IntN(24), rng.IntN(28))
				if !left.Before(today) {
					left = today.AddDate(0, 0, -1-rng.IntN(20))
				}
			}
			end := admitted.AddDate(2, 0, 0)
			if !left.IsZero() {
				end = left
			} else if end.Before(today) {
				end = today.AddDate(0, 6, 0)
			}
			space, units := "desk", 1+rng.IntN(3)
			if c.Desks == 0 || (c.Offices > 0 && !teams && rng.IntN(2) == 0) {
				space, units = "office", 1
			}
			if _, err := svc.Lease(ctx, runner, ten, incubation.LeaseInput{Space: space, Units: units, StartsOn: day(admitted), EndsOn: day(end)}); err != nil && apperr.CodeOf(err) != apperr.Conflict {
				return fmt.Errorf("demo lease: %w", err)
			}
			if !left.IsZero() {
				exit := []string{"graduated", "graduated", "moved", "closed", "closed"}[rng.IntN(5)]
				ex := incubation.ExitInput{Exit: exit, LeftOn: day(left)}
				if in.TeamID != 0 && exit == "graduated" && len(companies[c.District]) > 0 {
					ex.BecameOrgID, companies[c.District] = companies[c.District][0], companies[c.District][1:]
				}
				if _, err := svc.Leave(ctx, runner, ten, ex); err != nil {
					return fmt.Errorf("demo departure: %w", err)
				}
			}
		}
	}
	// Yunshan: admitted to the Yangpu incubator three and a half years
	// ago, raised a pre-A round a year later, graduated last year.
	inc := carriers[2]
	admitted := today.AddDate(-3, -6, 0)
	ten, err := admit(ctx, svc, ent, op, inc.ID, incubation.ApplyInput{OrgID: orgs["yunshan"], Plan: "实验室数据管理 SaaS 的产品化 Productising a lab-data SaaS", DesksWanted: 4}, day(admitted))
	if err != nil {
		return fmt.Errorf("demo Yunshan: %w", err)
	}
	left := today.AddDate(-1, -2, 0)
	if _, err := svc.Lease(ctx, op, ten, incubation.LeaseInput{Space: "office", Units: 1, StartsOn: day(admitted), EndsOn: day(left)}); err != nil && apperr.CodeOf(err) != apperr.Conflict {
		return err
	}
	if _, err := svc.Invest(ctx, ent, ten, incubation.InvestmentInput{Round: "pre_a", AmountYuan: 8_000_000, Investor: "上海徐汇天使投资引导基金", InvestedOn: day(admitted.AddDate(1, 0, 0))}); err != nil {
		return fmt.Errorf("demo investment: %w", err)
	}
	if _, err := svc.Leave(ctx, op, ten, incubation.ExitInput{Exit: "graduated", LeftOn: day(left)}); err != nil {
		return err
	}
	// Waiting in the queues: Anna's team at the Xuhui public space, a
	// Yangpu company invited to an interview at the accelerator.
	t, err := svc.RegisterTeam(ctx, talent, incubation.TeamInput{Name: "Anna's Photonics Team 光子团队", Members: "Anna Müller, 王磊", Field: "electronic_information",
		Project: "硅光芯片测试 Silicon-photonics test rigs"})
	if err != nil {
		return err
	}
	if _, err := svc.Apply(ctx, talent, carriers[5].ID, incubation.ApplyInput{TeamID: t.ID, Plan: "需要四个工位做样机 Four desks for prototypes", DesksWanted: 4}); err != nil {
		return err
	}
	if pool := companies["yangpu"]; len(pool) > 0 {
		a, err := svc.Apply(ctx, admin, carriers[3].ID, incubation.ApplyInput{OrgID: pool[0], Plan: "A 轮后扩张 Scaling after series A", OfficesWanted: 2})
		if err != nil {
			return err
		}
		if _, err := svc.Act(ctx, op, a.ID, incubation.ActInput{Action: "invite", Comment: "请准备路演材料 Please bring your pitch deck"}); err != nil {
			return err
		}
	}
	return nil
}

// admit files an application and admits it on day.
func admit(ctx context.Context, svc *incubation.Service, applicant, op *auth.Principal, carrier int64, in incubation.ApplyInput, day string) (int64, error) {
	a, err := svc.Apply(ctx, applicant, carrier, in)
	if err != nil {
		return 0, err
	}
	v, err := svc.Act(ctx, op, a.ID, incubation.ActInput{Action: "admit", AdmittedOn: day})
	if err != nil {
		return 0, err
	}
	if v.TenancyID == nil {
		return 0, errors.New("admitted without a tenancy")
	}
	return *v.TenancyID, nil
}

// ensureOperator returns incubator@demo.local, creating the account in a
// demo seeded before it existed, as owner of the Yangpu centre and member
// of the Caohejing centre.
func ensureOperator(ctx context.Context, d *db.DB, as *auth.Service, orgs map[string]int64) (*auth.Principal, error) {
	var uid int64
	err := d.Read.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1`, "incubator@demo.local").Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		hash, herr := auth.HashPassword(Password)
		if herr != nil {
			return nil, herr
		}
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			u := auth.User{Email: "incubator@demo.local", Name: "杨浦创业中心 吴芳 Wu Fang", CreatedAt: d.Now()}
			if err := auth.InsertUserTx(ctx, tx, &u, hash); err != nil {
				return err
			}
			uid = u.ID
			return auth.AddMemberTx(ctx, tx, u.ID, orgs["yangpu-center"], auth.OrgOwner, d.Now())
		})
	}
	if err != nil {
		return nil, apperr.Wrap(err, "demo operator")
	}
	if err := as.SetMembership(ctx, uid, orgs["chj-center"], auth.OrgMember); err != nil {
		return nil, err
	}
	return as.Principal(ctx, uid)
}

func splitZh(s string) string { zh, _ := splitDesc(s); return zh }
func splitEn(s string) string { _, en := splitDesc(s); return en }
