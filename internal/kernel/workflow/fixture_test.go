package workflow_test

import (
	"context"
	"database/sql"
	"testing"

	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/kernel/workflow"
)

// The program-application workflow of the programs module, as a fixture
// that proves the engine fits it: draft → submitted → under review →
// approved or rejected (with reasons) → disbursed; returned for changes;
// withdrawn.

// application is what the module would load with the state.
type application struct {
	ApplicantOrg int64
	District     string
	Documents    int
	AmountFen    int64
}

// roles: the applicant's members, the officers of the program's district.
func rolesOf(p *auth.Principal, s workflow.Subject[*application]) []string {
	var rs []string
	if p.RoleIn(s.Value.ApplicantOrg) != "" {
		rs = append(rs, "applicant")
	}
	if p.OfficerFor(s.Value.District) {
		rs = append(rs, "officer")
	}
	return rs
}

var documentsAttached = func(ctx context.Context, q workflow.Querier, s workflow.Subject[*application]) error {
	if s.Value.Documents == 0 {
		return workflow.Refuse("documents_missing", "缺少申报材料", "required documents are missing")
	}
	return nil
}

func applicationDef() workflow.Definition[*application] {
	return workflow.Definition[*application]{
		Name:    "program_application",
		LabelZh: "项目申报",
		LabelEn: "program application",
		Initial: "draft",
		States: []workflow.State{
			{Name: "draft", LabelZh: "草稿", LabelEn: "Draft"},
			{Name: "submitted", LabelZh: "已提交", LabelEn: "Submitted"},
			{Name: "under_review", LabelZh: "审核中", LabelEn: "Under review"},
			{Name: "returned", LabelZh: "退回修改", LabelEn: "Returned for changes"},
			{Name: "approved", LabelZh: "已批准", LabelEn: "Approved"},
			{Name: "rejected", LabelZh: "未通过", LabelEn: "Rejected", Terminal: true},
			{Name: "withdrawn", LabelZh: "已撤回", LabelEn: "Withdrawn", Terminal: true},
			{Name: "disbursed", LabelZh: "已拨付", LabelEn: "Disbursed", Terminal: true},
		},
		Transitions: []workflow.Transition[*application]{
			{Action: "submit", LabelZh: "提交", LabelEn: "submit", From: []string{"draft", "returned"}, To: "submitted", Roles: []string{"applicant"}, Guard: documentsAttached},
			{Action: "withdraw", LabelZh: "撤回", LabelEn: "withdraw", From: []string{"draft", "submitted", "returned"}, To: "withdrawn", Roles: []string{"applicant"}},
			{Action: "start_review", LabelZh: "开始审核", LabelEn: "start review", From: []string{"submitted"}, To: "under_review", Roles: []string{"officer"}},
			{Action: "return", LabelZh: "退回修改", LabelEn: "return for changes", From: []string{"under_review"}, To: "returned", Roles: []string{"officer"}, Comment: workflow.CommentRequired},
			{Action: "approve", LabelZh: "批准", LabelEn: "approve", From: []string{"under_review"}, To: "approved", Roles: []string{"officer"}},
			{Action: "reject", LabelZh: "不予通过", LabelEn: "reject", From: []string{"under_review"}, To: "rejected", Roles: []string{"officer"}, Comment: workflow.CommentRequired},
			{Action: "disburse", LabelZh: "拨付", LabelEn: "disburse", From: []string{"approved"}, To: "disbursed", Roles: []string{"officer", workflow.RoleSystem}},
		},
		Store:   workflow.Store{Table: "wf_applications", VersionColumn: "version", UpdatedColumn: "updated_at"},
		RolesOf: rolesOf,
	}
}

const enterpriseOrg = 501

var (
	ctx       = context.Background()
	applicant = &auth.Principal{UserID: 11, Email: "enterprise@example.test", Memberships: []auth.Membership{{OrgID: enterpriseOrg, Role: "owner", OrgKind: "enterprise", District: "jingan"}}}
	stranger  = &auth.Principal{UserID: 12, Email: "other@example.test", Memberships: []auth.Membership{{OrgID: 777, Role: "owner", OrgKind: "enterprise", District: "jingan"}}}
	officer   = &auth.Principal{UserID: 21, Email: "officer.jingan@example.test", Role: auth.RoleOfficer, Memberships: []auth.Membership{{OrgID: 900, Role: "member", OrgKind: "agency", District: "jingan"}}}
	officerXH = &auth.Principal{UserID: 22, Email: "officer.xuhui@example.test", Role: auth.RoleOfficer, Memberships: []auth.Membership{{OrgID: 901, Role: "member", OrgKind: "agency", District: "xuhui"}}}
)

// env is a database with the module's table and the machine.
type env struct {
	d *db.DB
	m *workflow.Machine[*application]
}

func newEnv(t testing.TB) *env {
	t.Helper()
	d := dbtest.Open(t)
	ts := "TIMESTAMP"
	if d.Dialect == db.Postgres {
		ts = "TIMESTAMPTZ"
	}
	if _, err := d.Write.ExecContext(ctx, `CREATE TABLE wf_applications (
		id BIGINT PRIMARY KEY,
		org_id BIGINT NOT NULL,
		state TEXT NOT NULL,
		documents INTEGER NOT NULL DEFAULT 0,
		amount_fen BIGINT NOT NULL DEFAULT 0,
		version INTEGER NOT NULL DEFAULT 1,
		updated_at `+ts+`)`); err != nil {
		t.Fatal(err)
	}
	m, err := workflow.New(d, applicationDef())
	if err != nil {
		t.Fatal(err)
	}
	return &env{d: d, m: m}
}

// create inserts application id in the initial state, as the module
// would, recording the first line of its history.
func (e *env) create(t testing.TB, id int64, documents int, amount int64) {
	t.Helper()
	err := e.d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO wf_applications (id, org_id, state, documents, amount_fen, updated_at) VALUES ($1, $2, 'draft', $3, $4, $5)`, id, enterpriseOrg, documents, amount, e.d.Now()); err != nil {
			return err
		}
		_, err := e.m.Begin(ctx, tx, e.load(t, tx, id), applicant, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// load reads the subject the way a module does, through q.
func (e *env) load(t testing.TB, q workflow.Querier, id int64) workflow.Subject[*application] {
	t.Helper()
	s := workflow.Subject[*application]{ID: id, Value: &application{District: "jingan"}}
	if err := q.QueryRowContext(ctx, `SELECT org_id, state, documents, amount_fen FROM wf_applications WHERE id = $1`, id).Scan(&s.Value.ApplicantOrg, &s.State, &s.Value.Documents, &s.Value.AmountFen); err != nil {
		t.Fatal(err)
	}
	s.OrgID = s.Value.ApplicantOrg
	return s
}

// apply loads the record and applies action in one transaction.
func (e *env) apply(t testing.TB, id int64, action string, p *auth.Principal, comment string) (workflow.Record, error) {
	t.Helper()
	var rec workflow.Record
	actx := audit.WithActor(ctx, audit.Actor{UserID: userID(p), Email: email(p)})
	err := e.d.Tx(actx, func(tx *sql.Tx) error {
		var err error
		rec, err = e.m.Apply(actx, tx, e.load(t, tx, id), action, p, comment)
		return err
	})
	return rec, err
}

func userID(p *auth.Principal) int64 {
	if p == nil {
		return 0
	}
	return p.UserID
}

func email(p *auth.Principal) string {
	if p == nil {
		return ""
	}
	return p.Email
}
