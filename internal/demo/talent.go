package demo

import (
	"context"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/talent"
)

// talentPDF is a minimal PDF standing in for the scanned documents.
var talentPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// talentJPEG is the head of a JPEG standing in for the photographs.
var talentJPEG = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")

// SeedTalent gives the demo work-permit applications of Yunshan's foreign
// engineers under the 2017 points table: the approved class-A permit of
// talent@demo.local (Anna Müller, chief engineer) expiring in 45 days, so
// that the renewal reminder is due; one under review; one returned for
// changes; one draft still missing documents. It does nothing when Anna
// Müller's permit exists.
func SeedTalent(ctx context.Context, d *db.DB, svc *talent.Service) error {
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM talent_permits WHERE holder_name = 'Anna Müller'`).Scan(&n); err != nil || n > 0 {
		return apperr.Wrap(err, "demo talent")
	}
	if err := svc.EnsureStandard(ctx); err != nil {
		return err
	}
	// This year's class-C quota, so that Maria Rossi's case can be granted
	// once its documents are in.
	year := d.Now().In(time.FixedZone("CST", 8*3600)).Year()
	if _, err := d.Write.ExecContext(ctx, `INSERT INTO talent_quotas (year, quota, used, updated_at) VALUES ($1, 300, 0, $2) ON CONFLICT (year) DO NOTHING`, year, d.Now()); err != nil {
		return apperr.Wrap(err, "demo talent quota")
	}
	ids := map[string]int64{}
	for _, q := range []struct{ key, query, arg string }{
		{"yunshan", `SELECT id FROM orgs WHERE name_zh = $1`, "上海云杉软件科技有限公司"},
		{"ent", `SELECT id FROM users WHERE email = $1`, "enterprise@demo.local"},
		{"officer", `SELECT id FROM users WHERE email = $1`, "officer.jingan@demo.local"},
	} {
		var v int64
		if err := d.Read.QueryRowContext(ctx, q.query, q.arg).Scan(&v); err != nil {
			return apperr.Wrap(err, "demo talent "+q.key)
		}
		ids[q.key] = v
	}
	ent := &auth.Principal{UserID: ids["ent"], Email: "enterprise@demo.local",
		Memberships: []auth.Membership{{OrgID: ids["yunshan"], Role: auth.OrgOwner, OrgKind: "enterprise", District: "jingan"}}}
	officer := &auth.Principal{UserID: ids["officer"], Email: "officer.jingan@demo.local", Role: auth.RoleOfficer}
	today := d.Now().In(time.FixedZone("CST", 8*3600))
	day := func(years, months, days int) string { return today.AddDate(years, months, days).Format(time.DateOnly) }

	type step struct {
		p  *auth.Principal
		in talent.ActInput
	}
	cases := []struct {
		in    talent.ApplicationInput
		docs  []string
		steps []step
	}{
		{talent.ApplicationInput{TalentEmail: "talent@demo.local", Profile: talent.Profile{Name: "Anna Müller", NameZh: "安娜·穆勒", JobTitle: "Chief Engineer",
			Nationality: "DEU", PassportNo: "C01X00T47", BirthDate: "1985-04-02", Education: "doctorate", GraduationDate: "2012-07-15", HSK: 3, WorkYears: 13,
			SalaryYuan: 680000, MonthsInChina: 12, TopUniversity: true, OwnsIP: true, WorkHistory: []talent.Job{
				{From: "2012-09-01", To: "2019-06-30", Employer: "Siemens AG, Munich", Role: "Software architect"},
				{From: "2019-07-01", Employer: "上海云杉软件科技有限公司", Role: "Chief Engineer"}}}},
			[]string{"passport", "degree", "no_criminal_record", "health", "contract", "cv", "photo", "salary"},
			[]step{{ent, talent.ActInput{Action: "submit"}}, {officer, talent.ActInput{Action: "review"}},
				{officer, talent.ActInput{Action: "approve", Class: "A", ValidFrom: day(0, 0, -30), ValidTo: day(0, 0, 45)}}}},
		{talent.ApplicationInput{Profile: talent.Profile{Name: "Kenji Tanaka", NameZh: "田中健二", JobTitle: "Data Platform Engineer", Nationality: "JPN",
			PassportNo: "TK4821930", BirthDate: "1991-09-14", Education: "master", GraduationDate: "2016-03-25", HSK: 4, WorkYears: 8, SalaryYuan: 320000,
			MonthsInChina: 12, WorkHistory: []talent.Job{{From: "2016-04-01", To: "2024-12-31", Employer: "Rakuten Group", Role: "Data engineer"}}}},
			[]string{"passport", "degree", "no_criminal_record", "health", "contract", "cv", "photo"},
			[]step{{ent, talent.ActInput{Action: "submit"}}, {officer, talent.ActInput{Action: "review"}}}},
		{talent.ApplicationInput{Profile: talent.Profile{Name: "Liam O'Brien", JobTitle: "Product Designer", Nationality: "IRL", PassportNo: "PX7734512",
			BirthDate: "1995-01-20", Education: "bachelor", GraduationDate: "2017-06-15", HSK: 2, WorkYears: 6, SalaryYuan: 240000, MonthsInChina: 10}},
			[]string{"passport", "degree", "no_criminal_record", "health", "contract", "cv", "photo"},
			[]step{{ent, talent.ActInput{Action: "submit"}},
				{officer, talent.ActInput{Action: "return", Comment: "学历证书需经驻外使领馆认证 The degree certificate needs the consular authentication"}}}},
		{talent.ApplicationInput{Profile: talent.Profile{Name: "Maria Rossi", JobTitle: "QA Engineer", Nationality: "ITA", PassportNo: "YA1234567",
			BirthDate: "1998-06-11", Education: "bachelor", GraduationDate: "2021-07-20", WorkYears: 1, SalaryYuan: 150000, MonthsInChina: 12}},
			[]string{"passport", "photo"}, nil},
	}
	for _, c := range cases {
		c.in.EmployerOrgID = ids["yunshan"]
		a, err := svc.Create(ctx, ent, c.in)
		if err != nil {
			return err
		}
		for _, item := range c.docs {
			data := talentPDF
			if item == "photo" {
				data = talentJPEG
			}
			if _, err := svc.AddDocument(ctx, ent, a.ID, item, item+map[bool]string{true: ".jpg", false: ".pdf"}[item == "photo"], data); err != nil {
				return err
			}
		}
		for _, s := range c.steps {
			if _, err := svc.Act(ctx, s.p, a.ID, s.in); err != nil {
				return err
			}
		}
	}
	return nil
}
