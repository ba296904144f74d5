package talent

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/kernel/notify"
)

type world struct {
	t                                               *testing.T
	ctx                                             context.Context
	s                                               *Service
	clock                                           time.Time
	org, other                                      int64
	owner, member, talent, officer, admin, stranger *auth.Principal
}

func newWorld(t *testing.T) *world {
	ctx := context.Background()
	d := dbtest.Open(t)
	w := &world{t: t, ctx: ctx, clock: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
	d.Now = func() time.Time { return w.clock }
	w.s = &Service{DB: d, Notifier: &notify.Notifier{DB: d}}
	if err := w.s.EnsureStandard(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.s.EnsureStandard(ctx); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := d.Write.QueryRowContext(ctx, q, args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	w.org = exec(`INSERT INTO orgs (uscc, kind, name_zh, created_at, updated_at) VALUES ('914403001922038216', 'enterprise', '甲软件公司', $1, $1) RETURNING id`, w.clock)
	w.other = exec(`INSERT INTO orgs (uscc, kind, name_zh, created_at, updated_at) VALUES ('91310000MA1FL0XX1X', 'enterprise', '乙公司', $1, $1) RETURNING id`, w.clock)
	user := func(email, role string) *auth.Principal {
		id := exec(`INSERT INTO users (email, name, password_hash, platform_role, created_at, updated_at) VALUES ($1, $1, '', $2, $3, $3) RETURNING id`, email, role, w.clock)
		return &auth.Principal{UserID: id, Email: email, Role: role}
	}
	w.owner, w.member, w.talent = user("owner@x.cn", ""), user("member@x.cn", ""), user("anna@x.de", "")
	w.officer, w.admin, w.stranger = user("officer@gov.cn", auth.RoleOfficer), user("admin@x.cn", auth.RoleAdmin), user("other@y.cn", "")
	for _, m := range []struct {
		p    *auth.Principal
		org  int64
		role string
	}{{w.owner, w.org, auth.OrgOwner}, {w.member, w.org, auth.OrgMember}, {w.stranger, w.other, auth.OrgOwner}} {
		if _, err := d.Write.ExecContext(ctx, `INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ($1, $2, $3, $4)`, m.p.UserID, m.org, m.role, w.clock); err != nil {
			t.Fatal(err)
		}
		m.p.Memberships = append(m.p.Memberships, auth.Membership{OrgID: m.org, Role: m.role, OrgKind: "enterprise"})
	}
	return w
}

func (w *world) count(table string) int {
	var n int
	if err := w.s.DB.Read.QueryRowContext(w.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func anna() ApplicationInput {
	return ApplicationInput{TalentEmail: "anna@x.de", Profile: Profile{Name: "Anna Müller", NameZh: "安娜·穆勒", JobTitle: "Chief Engineer",
		Nationality: "DEU", PassportNo: "C01X00T47", BirthDate: "1985-04-02", Education: "doctorate", GraduationDate: "2012-07-15", HSK: 3,
		WorkYears: 12, SalaryYuan: 650000, MonthsInChina: 12, OwnsIP: true,
		WorkHistory: []Job{{From: "2012-09-01", To: "2020-12-31", Employer: "Siemens AG", Role: "Engineer"}}}}
}

func code(err error) apperr.Code {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}

var pdf = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
var jpeg = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")

func TestBadInputWritesNothing(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct {
		name  string
		mod   func(*ApplicationInput)
		field string
	}{
		{"born in the future", func(in *ApplicationInput) { in.BirthDate = "2030-01-01" }, "birth_date"},
		{"graduated before birth", func(in *ApplicationInput) { in.GraduationDate = "1984-01-01" }, "graduation_date"},
		{"negative salary", func(in *ApplicationInput) { in.SalaryYuan = -5 }, "salary_yuan"},
		{"unknown nationality", func(in *ApplicationInput) { in.Nationality = "XYZ" }, "nationality"},
		{"passport format", func(in *ApplicationInput) { in.PassportNo = "12" }, "passport_no"},
		{"unknown talent account", func(in *ApplicationInput) { in.TalentEmail = "nobody@x.de" }, "talent_email"},
	} {
		in := anna()
		c.mod(&in)
		in.EmployerOrgID = w.org
		_, err := w.s.Create(w.ctx, w.owner, in)
		if code(err) != apperr.Invalid || !hasField(err, c.field) {
			t.Errorf("%s: %v, want 422 naming %s", c.name, err, c.field)
		}
	}
	in := anna()
	in.EmployerOrgID = w.other
	if _, err := w.s.Create(w.ctx, w.owner, in); code(err) != apperr.Forbidden {
		t.Errorf("filing for another employer: %v, want forbidden", err)
	}
	if n := w.count("talent_applications"); n != 0 {
		t.Errorf("%d applications written by refused input", n)
	}
	if n := w.count("workflow_transitions"); n != 0 {
		t.Errorf("%d transitions written by refused input", n)
	}
}

func TestLifecycleAndPrivacy(t *testing.T) {
	w := newWorld(t)
	a, err := w.s.Create(w.ctx, w.member, anna())
	if err != nil {
		t.Fatal(err)
	}
	if a.State != Draft || a.ScoreClass != "A" || a.ScorePoints != 93 {
		t.Fatalf("draft: state %s, %d points class %s; want draft, 93 A", a.State, a.ScorePoints, a.ScoreClass)
	}
	// Privacy: a plain member filed it but sees the case without the
	// personal data; the owner, the talent and officers see it all;
	// another enterprise's owner does not see it at all.
	for _, c := range []struct {
		who      string
		p        *auth.Principal
		personal bool
	}{{"member", w.member, false}, {"admin", w.admin, false}, {"owner", w.owner, true}, {"talent", w.talent, true}, {"officer", w.officer, true}} {
		got, err := w.s.Get(w.ctx, c.p, a.ID)
		if err != nil {
			t.Fatalf("%s: %v", c.who, err)
		}
		if got.PersonalData != c.personal || (got.Profile != nil) != c.personal || (got.Score != nil) != c.personal || (got.Checklist != nil) != c.personal {
			t.Errorf("%s: personal data %v (profile %v, score %v), want %v", c.who, got.PersonalData, got.Profile != nil, got.Score != nil, c.personal)
		}
		if c.personal && got.Profile.PassportNo != "C01X00T47" {
			t.Errorf("%s: passport %q", c.who, got.Profile.PassportNo)
		}
	}
	if _, err := w.s.Get(w.ctx, w.stranger, a.ID); code(err) != apperr.NotFound {
		t.Errorf("stranger: %v, want not found", err)
	}
	if ls, _ := w.s.List(w.ctx, w.stranger, Query{}); len(ls) != 0 {
		t.Errorf("stranger lists %d applications", len(ls))
	}
	if ls, _ := w.s.List(w.ctx, w.talent, Query{}); len(ls) != 1 {
		t.Errorf("talent lists %d applications, want 1", len(ls))
	}
	if _, _, err := w.s.DocumentContent(w.ctx, w.member, a.ID, 1); code(err) != apperr.NotFound {
		t.Errorf("member reads a document: %v", err)
	}

	// Submitting without the documents names the first missing one.
	_, err = w.s.Act(w.ctx, w.member, a.ID, ActInput{Action: "submit"})
	if code(err) != apperr.Invalid || !hasField(err, "documents.passport") || !hasField(err, "documents.no_criminal_record") {
		t.Fatalf("submit without documents: %v", err)
	}
	for _, item := range []string{"passport", "degree", "no_criminal_record", "health", "contract", "cv", "salary"} {
		if _, err := w.s.AddDocument(w.ctx, w.owner, a.ID, item, item+".pdf", pdf); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.s.AddDocument(w.ctx, w.talent, a.ID, "photo", "me.pdf", pdf); !hasField(err, "file") {
		t.Errorf("a PDF photo: %v", err)
	}
	if _, err := w.s.AddDocument(w.ctx, w.talent, a.ID, "photo", "me.txt", []byte("hello")); !hasField(err, "file") {
		t.Errorf("a text file: %v", err)
	}
	_, err = w.s.Act(w.ctx, w.member, a.ID, ActInput{Action: "submit"})
	if !hasField(err, "documents.photo") || hasField(err, "documents.passport") {
		t.Fatalf("submit without the photo: %v", err)
	}
	if _, err := w.s.AddDocument(w.ctx, w.talent, a.ID, "photo", "me.jpg", jpeg); err != nil {
		t.Fatal(err)
	}
	// Claiming a talent program adds its proof to the checklist.
	in := anna()
	in.NationalTalentProgram = true
	if _, err := w.s.Update(w.ctx, w.member, a.ID, in); code(err) != apperr.Forbidden {
		t.Errorf("a plain member changes the personal data: %v", err)
	}
	if _, err := w.s.Update(w.ctx, w.owner, a.ID, in); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Act(w.ctx, w.member, a.ID, ActInput{Action: "submit"}); !hasField(err, "documents.talent_program") {
		t.Fatalf("submit with a talent-program claim and no proof: %v", err)
	}
	if _, err := w.s.AddDocument(w.ctx, w.member, a.ID, "talent_program", "proof.pdf", pdf); err != nil {
		t.Fatal(err)
	}
	a, err = w.s.Act(w.ctx, w.member, a.ID, ActInput{Action: "submit"})
	if err != nil {
		t.Fatal(err)
	}
	if a.State != Submitted || a.ApplicationDate == nil || *a.ApplicationDate != "2026-11-23" {
		t.Fatalf("submitted: %s %v", a.State, a.ApplicationDate)
	}
	if _, err := w.s.AddDocument(w.ctx, w.member, a.ID, "other", "late.pdf", pdf); code(err) != apperr.Conflict {
		t.Errorf("a document after submission: %v", err)
	}
	if _, err := w.s.Act(w.ctx, w.member, a.ID, ActInput{Action: "review"}); code(err) != apperr.Forbidden {
		t.Errorf("the employer reviews: %v", err)
	}
	if _, err := w.s.Act(w.ctx, w.officer, a.ID, ActInput{Action: "review"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Act(w.ctx, w.owner, a.ID, ActInput{Action: "approve"}); code(err) != apperr.Forbidden {
		t.Errorf("the employer approves without the dates: %v, want forbidden", err)
	}
	for _, c := range []struct {
		in    ActInput
		field string
	}{
		{ActInput{Action: "approve", ValidTo: "2026-11-01"}, "valid_to"},
		{ActInput{Action: "approve", ValidTo: "2032-01-01"}, "valid_to"},
		{ActInput{Action: "approve", ValidTo: "2028-11-22", Class: "D"}, "class"},
	} {
		if _, err := w.s.Act(w.ctx, w.officer, a.ID, c.in); !hasField(err, c.field) {
			t.Errorf("approve %+v: %v, want a field error on %s", c.in, err, c.field)
		}
	}
	if got, _ := w.s.Get(w.ctx, w.officer, a.ID); got.State != UnderReview || got.Permit != nil {
		t.Fatalf("refused approvals left %s with permit %v", got.State, got.Permit)
	}
	a, err = w.s.Act(w.ctx, w.officer, a.ID, ActInput{Action: "approve", ValidTo: "2027-01-07"})
	if err != nil {
		t.Fatal(err)
	}
	if a.State != Approved || a.Permit == nil || a.Permit.Class != "A" || a.ResidenceState != "handed_off" {
		t.Fatalf("approved: %s permit %+v residence %s", a.State, a.Permit, a.ResidenceState)
	}
	if !strings.HasPrefix(a.Permit.Number, "3100002026") || len(a.Permit.Number) != 18 {
		t.Errorf("permit number %q", a.Permit.Number)
	}
	ps, err := w.s.PermitsOf(w.ctx, w.s.DB.Read, w.talent.UserID)
	if err != nil || len(ps) != 1 || ps[0].Status != PermitValid || ps[0].EmployerOrgID != w.org || ps[0].ValidTo != "2027-01-07" {
		t.Fatalf("PermitsOf: %+v %v", ps, err)
	}
	// The residence step.
	if _, err := w.s.SetResidence(w.ctx, w.owner, a.ID, "accepted"); code(err) != apperr.Forbidden {
		t.Errorf("the employer moves the residence step: %v", err)
	}
	if _, err := w.s.SetResidence(w.ctx, w.officer, a.ID, "issued"); code(err) != apperr.Conflict {
		t.Errorf("issued before accepted: %v", err)
	}
	if a, err = w.s.SetResidence(w.ctx, w.officer, a.ID, "accepted"); err != nil || a.ResidenceState != "accepted" {
		t.Fatalf("residence accepted: %v %s", err, a.ResidenceState)
	}

	// Reminders: 45 days left → the 60-day reminder to the employer's two
	// members and the talent, once.
	if n, err := w.s.Remind(w.ctx); err != nil || n != 3 {
		t.Fatalf("first reminder run: %d notices, %v; want 3", n, err)
	}
	if n, err := w.s.Remind(w.ctx); err != nil || n != 0 {
		t.Fatalf("second run the same day: %d notices, %v; want 0", n, err)
	}
	w.clock = w.clock.AddDate(0, 0, 16) // 29 days left
	if n, err := w.s.Remind(w.ctx); err != nil || n != 3 {
		t.Fatalf("at 29 days: %d notices, %v; want 3", n, err)
	}
	if n, _ := w.s.Remind(w.ctx); n != 0 {
		t.Fatalf("at 29 days again: %d notices", n)
	}
	var mails int
	if err := w.s.DB.Read.QueryRowContext(w.ctx, `SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE '%Anna%'`).Scan(&mails); err != nil || mails < 6 {
		t.Errorf("%d reminder mails queued (%v); want the 6 notices' mails", mails, err)
	}

	// Renewal: from the permit, by the employer; the talent cannot.
	if _, err := w.s.Renew(w.ctx, w.talent, a.Permit.ID); code(err) != apperr.Forbidden {
		t.Errorf("the talent renews: %v", err)
	}
	r, err := w.s.Renew(w.ctx, w.member, a.Permit.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != "renewal" || r.RenewsPermitID == nil || *r.RenewsPermitID != a.Permit.ID || r.State != Draft {
		t.Fatalf("renewal: %+v", r)
	}
	if _, err := w.s.Renew(w.ctx, w.member, a.Permit.ID); code(err) != apperr.Conflict {
		t.Errorf("a second renewal: %v", err)
	}
	if _, err := w.s.Act(w.ctx, w.member, r.ID, ActInput{Action: "submit"}); !hasField(err, "documents.previous_permit") {
		t.Errorf("renewal without the previous permit: %v", err)
	}
	for _, item := range []string{"passport", "health", "contract", "previous_permit", "talent_program", "salary"} {
		if _, err := w.s.AddDocument(w.ctx, w.member, r.ID, item, item+".pdf", pdf); err != nil {
			t.Fatal(err)
		}
	}
	w.s.AddDocument(w.ctx, w.member, r.ID, "photo", "me.jpg", jpeg)
	for _, step := range []struct {
		p   *auth.Principal
		act ActInput
	}{{w.member, ActInput{Action: "submit"}}, {w.officer, ActInput{Action: "review"}}, {w.officer, ActInput{Action: "approve", ValidTo: "2029-12-31"}}} {
		if r, err = w.s.Act(w.ctx, step.p, r.ID, step.act); err != nil {
			t.Fatalf("renewal %s: %v", step.act.Action, err)
		}
	}
	ps, _ = w.s.PermitsOf(w.ctx, w.s.DB.Read, w.talent.UserID)
	if len(ps) != 2 || ps[0].Status != PermitValid || ps[1].Status != PermitSuperseded {
		t.Fatalf("after the renewal: %+v", ps)
	}
	rep, err := w.s.Report(w.ctx, 0)
	if err != nil || rep.Classes["A"] != 2 || rep.Valid != 1 {
		t.Errorf("report: %+v %v", rep, err)
	}
}

func TestRejectAndReturn(t *testing.T) {
	w := newWorld(t)
	a, err := w.s.Create(w.ctx, w.owner, anna())
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range []string{"passport", "degree", "no_criminal_record", "health", "contract", "cv", "salary"} {
		w.s.AddDocument(w.ctx, w.owner, a.ID, item, item+".pdf", pdf)
	}
	w.s.AddDocument(w.ctx, w.owner, a.ID, "photo", "p.jpg", jpeg)
	if _, err := w.s.Act(w.ctx, w.owner, a.ID, ActInput{Action: "submit"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Act(w.ctx, w.officer, a.ID, ActInput{Action: "return"}); !hasField(err, "comment") {
		t.Errorf("return without a comment: %v", err)
	}
	if a, err = w.s.Act(w.ctx, w.officer, a.ID, ActInput{Action: "return", Comment: "补充学历认证 Authenticate the degree"}); err != nil || a.State != Returned {
		t.Fatalf("return: %v %s", err, a.State)
	}
	in := anna()
	in.SalaryYuan = 700000
	if _, err := w.s.Update(w.ctx, w.owner, a.ID, in); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Act(w.ctx, w.owner, a.ID, ActInput{Action: "submit"}); err != nil {
		t.Fatal(err)
	}
	if a, err = w.s.Act(w.ctx, w.officer, a.ID, ActInput{Action: "reject", Comment: "岗位与资历不符 The post does not match"}); err != nil || a.State != Rejected {
		t.Fatalf("reject: %v %s", err, a.State)
	}
	if !strings.Contains(a.DecisionReasons, "does not match") {
		t.Errorf("reasons %q", a.DecisionReasons)
	}
	if _, err := w.s.Update(w.ctx, w.owner, a.ID, in); code(err) != apperr.Conflict {
		t.Errorf("changing a rejected application: %v", err)
	}
}

func TestAddTableAndRescore(t *testing.T) {
	w := newWorld(t)
	a, err := w.s.Create(w.ctx, w.owner, anna())
	if err != nil {
		t.Fatal(err)
	}
	in := Standard2017()
	in.EffectiveFrom, in.NameZh, in.NameEn = "2026-11-01", "2026 年版", "2026 edition"
	in.Points.Provincial.Points = 8
	if _, _, err := w.s.AddTable(w.ctx, w.officer, in); code(err) != apperr.Forbidden {
		t.Errorf("an officer adds a table: %v", err)
	}
	bad := in
	bad.EffectiveFrom = "2017-04-01"
	if _, _, err := w.s.AddTable(w.ctx, w.admin, bad); !hasField(err, "effective_from") {
		t.Errorf("same effective date: %v", err)
	}
	bad = Standard2017()
	bad.EffectiveFrom = "2026-11-01"
	bad.Points.Salary.Brackets[3].From = 16
	if _, _, err := w.s.AddTable(w.ctx, w.admin, bad); !hasField(err, "points.salary.brackets[3].from") {
		t.Errorf("a gap: %v", err)
	}
	if n := w.count("talent_point_tables"); n != 1 {
		t.Fatalf("%d tables after refusals", n)
	}
	// The draft claims the provincial bonus; a decided one would not move.
	claim := anna()
	claim.ProvincialBonus = true
	claim.OwnsIP = false
	claim.HSK = 0
	claim.SalaryYuan = 300000
	if a, err = w.s.Update(w.ctx, w.owner, a.ID, claim); err != nil || a.ScorePoints != 79 || a.ScoreClass != "B" {
		t.Fatalf("before the new table: %d %s %v", a.ScorePoints, a.ScoreClass, err)
	}
	tb, res, err := w.s.AddTable(w.ctx, w.admin, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Scored != 1 || res.Changed != 1 {
		t.Errorf("rescore on adding a table in force: %+v", res)
	}
	a, _ = w.s.Get(w.ctx, w.owner, a.ID)
	if a.ScorePoints != 87 || a.ScoreClass != "A" || *a.ScoreTableID != tb.ID || a.Score.Items[8].Points != 8 {
		t.Errorf("after the new table: %d %s table %d", a.ScorePoints, a.ScoreClass, *a.ScoreTableID)
	}
	// Re-scoring as of a day before the new version uses the old one.
	sc, err := w.s.ScoreAsOf(w.ctx, w.officer, a.ID, "2026-10-01")
	if err != nil || sc.Total != 79 || sc.TableID == tb.ID {
		t.Errorf("as of 2026-10-01: %d with table %d, %v", sc.Total, sc.TableID, err)
	}
	if _, err := w.s.ScoreAsOf(w.ctx, w.member, a.ID, "2026-10-01"); code(err) != apperr.Forbidden {
		t.Errorf("a member's item-by-item score: %v", err)
	}
	res, err = w.s.Rescore(w.ctx, w.admin, "2026-10-01")
	if err != nil || res.Changed != 1 {
		t.Fatalf("rescore as of 2026-10-01: %+v %v", res, err)
	}
	if res, _ = w.s.Rescore(w.ctx, nil, "2026-10-01"); res.Changed != 0 {
		t.Errorf("the same rescore again changed %d", res.Changed)
	}
	if _, err := w.s.Rescore(w.ctx, w.owner, ""); code(err) != apperr.Forbidden {
		t.Errorf("an owner re-scores: %v", err)
	}
}

// genApps writes n applications straight into the database, with varied
// profiles and application dates in 2026: one transaction, a prepared
// insert per row on SQLite, multi-row inserts on PostgreSQL.
func genApps(tb testing.TB, d *db.DB, n int, org int64) {
	tb.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	const cols = `INSERT INTO talent_applications (employer_org_id, name, nationality, passport_no, birth_date, education, hsk, work_years,
		salary_yuan, months_in_china, work_location, owns_ip, national_talent_program, provincial_bonus, application_date, state, created_at, updated_at) VALUES `
	row := func(i int) []any {
		birth := time.Date(1960+i%40, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		appDate := time.Date(2026, time.Month(1+i%10), 1+i%28, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		state := []string{Submitted, UnderReview, Returned, Submitted}[i%4]
		return []any{org, "Talent " + strconv.Itoa(i), "DEU", "X" + strconv.Itoa(1000000+i), birth, EducationLevels[i%len(EducationLevels)], i % 7, i % 25,
			int64(i%60) * 10000, i % 13, Locations[i%4], i%5 == 0, i%11 == 0, i%3 == 0, appDate, state, now, now}
	}
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if d.Dialect != db.Postgres {
			st, err := tx.PrepareContext(ctx, cols+`($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for i := range n {
				if _, err := st.ExecContext(ctx, row(i)...); err != nil {
					return err
				}
			}
			return nil
		}
		const per = 1000
		for start := 0; start < n; start += per {
			var args db.Args
			var vals []string
			for i := start; i < min(n, start+per); i++ {
				var ph []string
				for _, v := range row(i) {
					ph = append(ph, args.Add(v))
				}
				vals = append(vals, "("+strings.Join(ph, ", ")+")")
			}
			if _, err := tx.ExecContext(ctx, cols+strings.Join(vals, ", "), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// Re-scoring in batches writes what the plain scorer computes, across
// batch boundaries, on either engine.
func TestRescoreBatches(t *testing.T) {
	w := newWorld(t)
	const n = 1203
	genApps(t, w.s.DB, n, w.org)
	res, err := w.s.Rescore(w.ctx, nil, "")
	if err != nil || res.Scored != n || res.Changed != n {
		t.Fatalf("first scoring: %+v %v", res, err)
	}
	tables, _ := Tables(w.ctx, w.s.DB.Read)
	check := func() {
		t.Helper()
		rows, err := w.s.DB.Read.QueryContext(w.ctx, `SELECT id, application_date, birth_date, education, hsk, work_years, salary_yuan, months_in_china, work_location,
			owns_ip, national_talent_program, provincial_bonus, score_table_id, score_points, score_class, score_basis FROM talent_applications`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seen := 0
		for rows.Next() {
			var id, table int64
			var p Profile
			var ad, bd db.Date
			var points int
			var class, basis string
			if err := rows.Scan(&id, &ad, &bd, &p.Education, &p.HSK, &p.WorkYears, &p.SalaryYuan, &p.MonthsInChina, &p.WorkLocation, &p.OwnsIP,
				&p.NationalTalentProgram, &p.ProvincialBonus, &table, &points, &class, &basis); err != nil {
				t.Fatal(err)
			}
			p.BirthDate = bd.String
			tb := InForce(tables, ad.String)
			day, _ := time.Parse(time.DateOnly, ad.String)
			sc := Evaluate(tb, &p, day)
			wantBasis := BasisPoints
			if sc.Criterion != "" {
				wantBasis = sc.Criterion
			}
			if table != tb.ID || points != sc.Total || class != sc.Class || basis != wantBasis {
				t.Fatalf("application %d: table %d %d points %s %s; want %d %d %s %s", id, table, points, class, basis, tb.ID, sc.Total, sc.Class, wantBasis)
			}
			seen++
		}
		if seen != n {
			t.Fatalf("checked %d of %d", seen, n)
		}
	}
	check()
	in := Standard2017()
	in.EffectiveFrom, in.NameZh, in.NameEn = "2026-05-01", "2026 年 5 月版", "May 2026 edition"
	in.Points.Provincial.Points = 10
	in.Points.Salary.Brackets[2].Points = 10
	if _, _, err := w.s.AddTable(w.ctx, w.admin, in); err != nil {
		t.Fatal(err)
	}
	tables, _ = Tables(w.ctx, w.s.DB.Read)
	check()
}

// A version dated in the future leaves the open applications alone until
// its day; the daily task then re-scores them with it.
func TestVersionTakesEffect(t *testing.T) {
	w := newWorld(t)
	in := anna()
	in.ProvincialBonus, in.OwnsIP, in.HSK, in.SalaryYuan = true, false, 0, 300000
	a, err := w.s.Create(w.ctx, w.owner, in)
	if err != nil || a.ScorePoints != 79 {
		t.Fatalf("draft: %d %v", a.ScorePoints, err)
	}
	next := Standard2017()
	next.EffectiveFrom, next.NameZh, next.NameEn = "2026-11-24", "次日版", "Next-day edition"
	next.Points.Provincial.Points = 6
	tb, res, err := w.s.AddTable(w.ctx, w.admin, next)
	if err != nil || res.Scored != 0 {
		t.Fatalf("a version for tomorrow: %+v %v", res, err)
	}
	if _, res, _ := w.s.Daily(w.ctx); res.Changed != 0 {
		t.Errorf("the daily task before the day changed %d", res.Changed)
	}
	w.clock = w.clock.Add(-time.Hour * 48)
	if _, res, _ := w.s.Daily(w.ctx); res.Changed != 0 {
		t.Errorf("another day under the same table changed %d drafts", res.Changed)
	}
	w.clock = w.clock.Add(time.Hour * 48)
	w.clock = w.clock.AddDate(0, 0, 1)
	n, res, err := w.s.Daily(w.ctx)
	if err != nil || n != 0 || res.Changed != 1 {
		t.Fatalf("the daily task on the day: %d notices, %+v, %v", n, res, err)
	}
	a, _ = w.s.Get(w.ctx, w.owner, a.ID)
	if *a.ScoreTableID != tb.ID || a.ScorePoints != 85 || a.ScoreClass != "A" {
		t.Errorf("after the day: table %d, %d %s; want table %d, 85 A", *a.ScoreTableID, a.ScorePoints, a.ScoreClass, tb.ID)
	}
}
