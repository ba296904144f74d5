package demo

import (
	"context"
	"database/sql"
	"fmt"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/talent/housing"
	"rainforest/internal/talent/residence"
)

// demoTalents are talents of Xuhui employers who apply for flats in the
// demo's open round; their accounts have no password (they cannot sign in).
var demoTalents = []struct {
	email, zh, en, born string
	months, household   int
}{
	{"talent.liming@demo.local", "李明", "Li Ming", "1988-04-12", 30, 3},
	{"talent.sarah@demo.local", "莎拉·约翰逊", "Sarah Johnson", "1990-09-03", 8, 2},
	{"talent.wangfang@demo.local", "王芳", "Wang Fang", "1993-01-20", 14, 2},
}

// SeedHousing gives the demo two Xuhui talent-apartment buildings with
// their flats; a first round, allocated, in which talent@demo.local took
// a flat (an active tenancy); an open round with three applications; and
// an application to Xuhui's Guangqi talent plan. It does nothing when the
// first building exists.
func SeedHousing(ctx context.Context, d *db.DB) error {
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM housing_buildings WHERE name_zh = '徐汇滨江人才公寓'`).Scan(&n); err != nil || n > 0 {
		return apperr.Wrap(err, "demo housing")
	}
	var agency, officerID, annaID int64
	for _, q := range []struct {
		dst   *int64
		query string
		arg   string
	}{
		{&agency, `SELECT id FROM orgs WHERE name_zh = $1`, "上海市徐汇区科学技术委员会"},
		{&officerID, `SELECT id FROM users WHERE email = $1`, "officer.xuhui@demo.local"},
		{&annaID, `SELECT id FROM users WHERE email = $1`, "talent@demo.local"},
	} {
		if err := d.Read.QueryRowContext(ctx, q.query, q.arg).Scan(q.dst); err != nil {
			return apperr.Wrap(err, "demo housing "+q.arg)
		}
	}
	rows, err := d.Read.QueryContext(ctx, `SELECT id FROM orgs WHERE registered_district = 'xuhui' AND kind IN ('enterprise', 'service')
		ORDER BY CASE WHEN certifications <> '' THEN 0 ELSE 1 END, id LIMIT 3`)
	employers, err := db.Collect(rows, err, "demo employers", func(r interface{ Scan(...any) error }) (int64, error) {
		var id int64
		err := r.Scan(&id)
		return id, err
	})
	if err != nil {
		return err
	}
	if len(employers) == 0 {
		return apperr.New(apperr.Internal, "demo housing: no Xuhui employer")
	}
	officer := &auth.Principal{UserID: officerID, Email: "officer.xuhui@demo.local", Role: auth.RoleOfficer,
		Memberships: []auth.Membership{{OrgID: agency, Role: auth.OrgMember, OrgKind: "agency", District: "xuhui"}}}
	s := &housing.Service{DB: d}
	today := s.Today()
	day := func(days int) string { return today.AddDate(0, 0, days).Format("2006-01-02") }

	binjiang, err := s.CreateBuilding(ctx, officer, housing.BuildingInput{NameZh: "徐汇滨江人才公寓", NameEn: "Xuhui Riverside Talent Apartments",
		District: "xuhui", Address: "龙腾大道 2555 号", OperatorOrgID: &agency})
	if err != nil {
		return err
	}
	caohejing, err := s.CreateBuilding(ctx, officer, housing.BuildingInput{NameZh: "漕河泾人才公寓", NameEn: "Caohejing Talent Apartments",
		District: "xuhui", Address: "宜山路 1618 号"})
	if err != nil {
		return err
	}
	for _, u := range []struct {
		b      int64
		number string
		rooms  int
		area   float64
		rent   int64
		status string
	}{
		{binjiang.ID, "1201", 2, 68.5, 4200, ""}, {binjiang.ID, "1202", 2, 64, 3900, ""}, {binjiang.ID, "1203", 1, 42, 2600, ""},
		{binjiang.ID, "1501", 3, 96, 5800, ""}, {binjiang.ID, "1502", 1, 40, 2500, housing.Maintenance}, {binjiang.ID, "1801", 2, 70, 4300, ""},
		{caohejing.ID, "301", 1, 38, 2200, ""}, {caohejing.ID, "302", 1, 38, 2200, ""}, {caohejing.ID, "501", 2, 58, 3400, ""},
		{caohejing.ID, "502", 3, 88, 5000, ""},
	} {
		if _, err := s.AddUnit(ctx, officer, u.b, housing.UnitInput{Number: u.number, Rooms: u.rooms, AreaM2: u.area, RentYuan: u.rent, Status: u.status}); err != nil {
			return err
		}
	}

	// The first round: talent@demo.local took a two-room flat on the river.
	first, err := s.CreateRound(ctx, officer, housing.RoundInput{NameZh: "徐汇滨江人才公寓首轮配租", NameEn: "Xuhui Riverside, first round",
		District: "xuhui", BuildingID: &binjiang.ID, OpensOn: day(0), ClosesOn: day(0), OfferDays: 7, TermMonths: 12, MaxYears: 3})
	if err != nil {
		return err
	}
	anna := &auth.Principal{UserID: annaID, Email: "talent@demo.local"}
	two, twoPersons, months := 2, 2, 18
	if _, err := s.Apply(ctx, anna, first.ID, housing.ApplyInput{MonthsInDistrict: &months, HouseholdSize: &twoPersons, Rooms: &two, MoveInOn: day(0)}); err != nil {
		return err
	}
	al, err := s.Allocate(ctx, officer, first.ID)
	if err != nil {
		return err
	}
	for _, o := range al.Offers {
		if _, err := s.Accept(ctx, anna, o.ID); err != nil {
			return err
		}
	}

	// The open round, with three applications.
	open, err := s.CreateRound(ctx, officer, housing.RoundInput{NameZh: "2026年第四季度徐汇区人才公寓配租", NameEn: "Xuhui talent apartments, fourth quarter 2026",
		District: "xuhui", OpensOn: day(-10), ClosesOn: day(20), OfferDays: 7, TermMonths: 12, MaxYears: 3})
	if err != nil {
		return err
	}
	now := d.Now()
	var liming *auth.Principal
	for i, t := range demoTalents {
		employer := employers[i%len(employers)]
		var uid int64
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			u := auth.User{Email: t.email, Name: t.zh + " " + t.en, CreatedAt: now}
			if err := auth.InsertUserTx(ctx, tx, &u, "!"); err != nil {
				return err
			}
			uid = u.ID
			_, err := tx.ExecContext(ctx, `INSERT INTO people (org_id, name_zh, name_en, title, email, user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
				employer, t.zh, t.en, "Engineer", t.email, uid, now)
			return apperr.Wrap(err, "demo talent")
		})
		if err != nil {
			return err
		}
		p := &auth.Principal{UserID: uid, Email: t.email}
		if i == 0 {
			liming = p
		}
		rooms := (t.household + 1) / 2
		if _, err := s.Apply(ctx, p, open.ID, housing.ApplyInput{EmployerOrgID: employer, MonthsInDistrict: &t.months, HouseholdSize: &t.household,
			Rooms: &rooms, MoveInOn: day(30)}); err != nil {
			return fmt.Errorf("demo housing application of %s: %w", t.email, err)
		}
	}

	// Li Ming applies to the Guangqi plan.
	rs := &residence.Service{DB: d}
	_, err = rs.Apply(ctx, liming, "guangqi", residence.ApplyInput{Facts: map[string]any{"born_on": demoTalents[0].born, "tech_field": "electronic_information"},
		Statement: "主持多模态大模型研发，发表论文 12 篇。Leads multimodal large-model research; 12 papers."})
	return err
}
