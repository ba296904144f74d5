package demo

import (
	"context"
	"fmt"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/programs"
)

// demoPDF is a one-page PDF standing for the documents of the demo's
// applications.
var demoPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// SeedApplications gives the demo enterprise a history with the
// district's programs, through the programs module as its users would:
// one application paid (its five-year duty running), one waiting in the
// Jing'an officers' queue, one draft. It does nothing when the enterprise
// has applied before. The platform's own tests start without it.
func SeedApplications(ctx context.Context, d *db.DB, svc *programs.Service) error {
	var orgID, agencyID, entUser, offUser int64
	for _, q := range []struct {
		dst   *int64
		query string
		arg   string
	}{
		{&orgID, `SELECT id FROM orgs WHERE name_zh = $1`, "上海云杉软件科技有限公司"},
		{&agencyID, `SELECT id FROM orgs WHERE name_zh = $1`, "上海市静安区科学技术委员会"},
		{&entUser, `SELECT id FROM users WHERE email = $1`, "enterprise@demo.local"},
		{&offUser, `SELECT id FROM users WHERE email = $1`, "officer.jingan@demo.local"},
	} {
		if err := d.Read.QueryRowContext(ctx, q.query, q.arg).Scan(q.dst); err != nil {
			return apperr.Wrap(err, "demo applications")
		}
	}
	var n int
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM applications WHERE org_id = $1`, orgID).Scan(&n); err != nil || n > 0 {
		return apperr.Wrap(err, "demo applications")
	}
	ent := &auth.Principal{UserID: entUser, Email: "enterprise@demo.local",
		Memberships: []auth.Membership{{OrgID: orgID, Role: auth.OrgOwner, OrgKind: "enterprise", District: "jingan"}}}
	off := &auth.Principal{UserID: offUser, Email: "officer.jingan@demo.local", Role: auth.RoleOfficer,
		Memberships: []auth.Membership{{OrgID: agencyID, Role: auth.OrgMember, OrgKind: "agency", District: "jingan"}}}
	steps := []struct {
		program, title string
		actions        []string
	}{
		{"jingan-small-micro-scitech", "云杉工业数据平台研发投入 Yunshan industrial data platform R&D", []string{"submit", "start_review", "approve", "disburse"}},
		{"jingan-invention-patent-award", "2026年新授权发明专利 Invention patents granted in 2026", []string{"submit"}},
		{"jingan-patent-insurance", "发明专利保险 Invention patent insurance", nil},
	}
	for _, st := range steps {
		prog, err := svc.Get(ctx, ent, st.program)
		if err != nil || !prog.Open {
			continue // a program the demo does not have, or closed this year
		}
		actx := audit.WithActor(ctx, audit.Actor{UserID: entUser, Email: ent.Email})
		a, err := svc.CreateApplication(actx, ent, programs.AppInput{Program: st.program, OrgID: orgID, ProjectTitle: st.title,
			Summary: "云杉软件面向制造业的工业数据平台。Industrial data platform for manufacturers."})
		if err != nil {
			return fmt.Errorf("demo application %s: %w", st.program, err)
		}
		for i := range prog.RequiredDocuments {
			if _, err := svc.AddFile(actx, ent, a.ID, fmt.Sprint(i+1), fmt.Sprintf("document-%d.pdf", i+1), demoPDF); err != nil {
				return fmt.Errorf("demo application %s: %w", st.program, err)
			}
		}
		for _, act := range st.actions {
			p, who := ent, ent.Email
			if act != "submit" {
				p, who = off, off.Email
			}
			if _, err := svc.Act(audit.WithActor(ctx, audit.Actor{UserID: p.UserID, Email: who}), p, a.ID, act, programs.ActInput{}); err != nil {
				// A profile the rules do not accept leaves the application
				// where it is: the demo shows what the rules decided.
				break
			}
		}
	}
	return nil
}
