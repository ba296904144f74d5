package workflow_test

import (
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/workflow"
)

func wantCode(t testing.TB, err error, code apperr.Code, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if apperr.CodeOf(err) != code {
		t.Fatalf("got error %v (code %s), want code %s", err, apperr.CodeOf(err), code)
	}
	for _, s := range contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

// must applies action and fails the test if it is refused.
func (e *env) must(t testing.TB, id int64, action string, p *auth.Principal, comment string) workflow.Record {
	t.Helper()
	rec, err := e.apply(t, id, action, p, comment)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	return rec
}

func TestApplicationLifecycle(t *testing.T) {
	e := newEnv(t)
	e.create(t, 1, 2, 300_000_00)
	steps := []struct {
		action  string
		actor   string
		comment string
		to      string
		role    string
	}{
		{action: "submit", actor: "applicant", to: "submitted", role: "applicant"},
		{action: "start_review", actor: "officer", to: "under_review", role: "officer"},
		{action: "return", actor: "officer", comment: "请补充近三年研发费用专项审计报告", to: "returned", role: "officer"},
		{action: "submit", actor: "applicant", comment: "已补充", to: "submitted", role: "applicant"},
		{action: "start_review", actor: "officer", to: "under_review", role: "officer"},
		{action: "approve", actor: "officer", to: "approved", role: "officer"},
		{action: "disburse", actor: "system", to: "disbursed", role: workflow.RoleSystem},
	}
	for _, s := range steps {
		p := applicant
		switch s.actor {
		case "officer":
			p = officer
		case "system":
			p = workflow.System
		}
		rec := e.must(t, 1, s.action, p, s.comment)
		if rec.To != s.to || rec.Role != s.role || rec.Action != s.action || rec.ID == 0 {
			t.Fatalf("%s: record %+v, want to %s as %s", s.action, rec, s.to, s.role)
		}
	}
	if got := e.load(t, e.d.Read, 1).State; got != "disbursed" {
		t.Fatalf("state = %q, want disbursed", got)
	}
	var version int
	if err := e.d.Read.QueryRowContext(ctx, `SELECT version FROM wf_applications WHERE id = 1`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != 1+len(steps) {
		t.Errorf("version = %d, want %d", version, 1+len(steps))
	}

	hist, err := e.m.History(ctx, e.d.Read, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"create:→draft", "submit:draft→submitted", "start_review:submitted→under_review", "return:under_review→returned", "submit:returned→submitted", "start_review:submitted→under_review", "approve:under_review→approved", "disburse:approved→disbursed"}
	if len(hist) != len(want) {
		t.Fatalf("history has %d records, want %d: %+v", len(hist), len(want), hist)
	}
	for i, h := range hist {
		if got := h.Action + ":" + h.From + "→" + h.To; got != want[i] {
			t.Errorf("history[%d] = %s, want %s", i, got, want[i])
		}
		if i > 0 && (h.ID <= hist[i-1].ID || h.At.Before(hist[i-1].At)) {
			t.Errorf("history[%d] out of order: %+v after %+v", i, h, hist[i-1])
		}
	}
	if h := hist[3]; h.Comment != "请补充近三年研发费用专项审计报告" || h.ActorEmail != officer.Email || h.ActorUserID == nil || *h.ActorUserID != officer.UserID {
		t.Errorf("return record = %+v", h)
	}
	if h := hist[7]; h.ActorUserID != nil || h.ActorEmail != "system" {
		t.Errorf("system record = %+v", h)
	}
	entries, _, err := audit.List(ctx, e.d, audit.Filter{Entity: "program_application", EntityID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) || entries[0].Action != "program_application.disburse" || entries[len(entries)-1].Action != "program_application.create" {
		t.Fatalf("audit = %d entries, newest %+v", len(entries), entries[0])
	}
	if entries[4].OrgID == nil || *entries[4].OrgID != enterpriseOrg || !strings.Contains(string(entries[4].Before), `"under_review"`) || !strings.Contains(string(entries[4].After), `"returned"`) {
		t.Errorf("audit of return = %+v", entries[4])
	}
	// A terminal state has no way out.
	_, err = e.apply(t, 1, "withdraw", applicant, "")
	wantCode(t, err, apperr.Conflict, "Disbursed")
}

func TestPermissionAndState(t *testing.T) {
	e := newEnv(t)
	e.create(t, 1, 1, 0)
	// Wrong state: Conflict, whoever asks.
	_, err := e.apply(t, 1, "approve", officer, "")
	wantCode(t, err, apperr.Conflict, "cannot approve", "Draft")
	_, err = e.apply(t, 1, "approve", applicant, "")
	wantCode(t, err, apperr.Conflict)
	// Right state, wrong person: Forbidden (Unauthorized for the anonymous).
	_, err = e.apply(t, 1, "submit", officer, "")
	wantCode(t, err, apperr.Forbidden, "may not submit")
	_, err = e.apply(t, 1, "submit", stranger, "")
	wantCode(t, err, apperr.Forbidden)
	_, err = e.apply(t, 1, "submit", workflow.System, "")
	wantCode(t, err, apperr.Forbidden)
	_, err = e.apply(t, 1, "submit", nil, "")
	wantCode(t, err, apperr.Unauthorized)
	// Unknown actions name the field.
	_, err = e.apply(t, 1, "approve'; DROP TABLE wf_applications; --", officer, "")
	wantCode(t, err, apperr.Invalid)
	if f := apperr.As(err).Fields; len(f) != 1 || f[0].Field != "action" {
		t.Errorf("fields = %+v", f)
	}
	e.must(t, 1, "submit", applicant, "")
	e.must(t, 1, "start_review", officer, "")
	_, err = e.apply(t, 1, "approve", officerXH, "")
	wantCode(t, err, apperr.Forbidden, "may not approve")
	_, err = e.apply(t, 1, "approve", applicant, "")
	wantCode(t, err, apperr.Forbidden)
	if got := e.load(t, e.d.Read, 1).State; got != "under_review" {
		t.Errorf("state = %q after refusals, want under_review", got)
	}
	if hist, _ := e.m.History(ctx, e.d.Read, 1); len(hist) != 3 {
		t.Errorf("history has %d records, want 3", len(hist))
	}
}

func TestGuardNamesTheReason(t *testing.T) {
	e := newEnv(t)
	e.create(t, 1, 0, 0)
	_, err := e.apply(t, 1, "submit", applicant, "")
	wantCode(t, err, apperr.Conflict, "cannot submit: required documents are missing")
	var r *workflow.Reason
	if !errors.As(err, &r) || r.Code != "documents_missing" || r.Text("zh") != "缺少申报材料" {
		t.Fatalf("reason = %+v", r)
	}
	if got := e.load(t, e.d.Read, 1).State; got != "draft" {
		t.Errorf("state = %q, want draft", got)
	}
}

func TestComments(t *testing.T) {
	e := newEnv(t)
	e.create(t, 1, 1, 0)
	e.must(t, 1, "submit", applicant, "")
	e.must(t, 1, "start_review", officer, "")
	_, err := e.apply(t, 1, "reject", officer, "   ")
	wantCode(t, err, apperr.Invalid, "comment", "required to reject")
	_, err = e.apply(t, 1, "reject", officer, "bad\x00byte")
	wantCode(t, err, apperr.Invalid, "control characters")
	_, err = e.apply(t, 1, "reject", officer, strings.Repeat("长", workflow.MaxComment+1))
	wantCode(t, err, apperr.Invalid, "at most")
	rec := e.must(t, 1, "reject", officer, "  研发费用占比不足 4%（实际 3.2%）\n R&D share below 4%  ")
	if rec.Comment != "研发费用占比不足 4%（实际 3.2%）\n R&D share below 4%" || rec.To != "rejected" {
		t.Errorf("record = %+v", rec)
	}
}

// Many officers press "approve" on the same application at once: exactly
// one transition happens, the others are told it changed.
func TestConcurrentDoubleApply(t *testing.T) {
	e := newEnv(t)
	e.create(t, 1, 1, 0)
	e.must(t, 1, "submit", applicant, "")
	e.must(t, 1, "start_review", officer, "")
	// Everyone read the record before anyone acted, as on a page.
	seen := e.load(t, e.d.Read, 1)
	var won, lost atomic.Int64
	var wg sync.WaitGroup
	for i := range 40 {
		action := "approve"
		if i%2 == 1 {
			action = "reject"
		}
		wg.Go(func() {
			err := e.d.Tx(ctx, func(tx *sql.Tx) error {
				_, err := e.m.Apply(ctx, tx, seen, action, officer, "decided")
				return err
			})
			switch {
			case err == nil:
				won.Add(1)
			case apperr.CodeOf(err) == apperr.Conflict && strings.Contains(err.Error(), "changed meanwhile"):
				lost.Add(1)
			default:
				t.Errorf("apply: %v", err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 || lost.Load() != 39 {
		t.Fatalf("%d won and %d lost, want 1 and 39", won.Load(), lost.Load())
	}
	hist, err := e.m.History(ctx, e.d.Read, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 4 || hist[3].From != "under_review" {
		t.Fatalf("history = %+v, want one decision", hist)
	}
	if got := e.load(t, e.d.Read, 1).State; got != hist[3].To {
		t.Errorf("state %q, history says %q", got, hist[3].To)
	}
	var version int
	if err := e.d.Read.QueryRowContext(ctx, `SELECT version FROM wf_applications WHERE id = 1`).Scan(&version); err != nil || version != 4 {
		t.Errorf("version = %d (%v), want 4", version, err)
	}
}

func TestAvailable(t *testing.T) {
	e := newEnv(t)
	e.create(t, 1, 0, 0)
	list := func(p any) string {
		t.Helper()
		pr := applicant
		switch p {
		case "officer":
			pr = officer
		case "stranger":
			pr = stranger
		}
		opts, err := e.m.Available(ctx, e.d.Read, e.load(t, e.d.Read, 1), pr)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, o := range opts {
			s := o.Action + "→" + o.To
			if !o.Enabled {
				s += "(disabled: " + o.Reason.Text("en") + " / " + o.Reason.Text("zh") + ")"
			}
			if o.CommentRequired {
				s += "(comment)"
			}
			parts = append(parts, s+" "+o.Label("zh"))
		}
		return strings.Join(parts, ", ")
	}
	if got, want := list("applicant"), "submit→submitted(disabled: required documents are missing / 缺少申报材料) 提交, withdraw→withdrawn 撤回"; got != want {
		t.Errorf("applicant in draft: %s\nwant %s", got, want)
	}
	if got := list("officer"); got != "" {
		t.Errorf("officer in draft: %s, want nothing", got)
	}
	if _, err := e.d.Write.ExecContext(ctx, `UPDATE wf_applications SET documents = 3 WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	e.must(t, 1, "submit", applicant, "")
	e.must(t, 1, "start_review", officer, "")
	if got, want := list("officer"), "return→returned(comment) 退回修改, approve→approved 批准, reject→rejected(comment) 不予通过"; got != want {
		t.Errorf("officer under review: %s\nwant %s", got, want)
	}
	if got := list("stranger"); got != "" {
		t.Errorf("stranger: %s, want nothing", got)
	}
	if e.m.StateLabel("under_review", "en") != "Under review" || e.m.StateLabel("under_review", "zh") != "审核中" || e.m.ActionLabel("return", "en") != "return for changes" || e.m.Label("zh") != "项目申报" {
		t.Error("labels")
	}
}

func TestStaleSubject(t *testing.T) {
	e := newEnv(t)
	e.create(t, 1, 1, 0)
	stale := e.load(t, e.d.Read, 1)
	e.must(t, 1, "withdraw", applicant, "")
	err := e.d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := e.m.Apply(ctx, tx, stale, "submit", applicant, "")
		return err
	})
	wantCode(t, err, apperr.Conflict, "now withdrawn, not draft")
	err = e.d.Tx(ctx, func(tx *sql.Tx) error {
		s := stale
		s.ID = 99
		_, err := e.m.Apply(ctx, tx, s, "submit", applicant, "")
		return err
	})
	wantCode(t, err, apperr.NotFound)
}

func TestDefinitionChecks(t *testing.T) {
	e := newEnv(t)
	cases := map[string]func(d *workflow.Definition[*application]){
		`table "wf_applications; DROP TABLE users" must match`: func(d *workflow.Definition[*application]) {
			d.Store.Table = "wf_applications; DROP TABLE users"
		},
		`state column "State" must match`: func(d *workflow.Definition[*application]) { d.Store.StateColumn = "State" },
		`action "approve" allows nobody`:  func(d *workflow.Definition[*application]) { d.Transitions[4].Roles = nil },
		`action "disburse" leaves terminal state "rejected"`: func(d *workflow.Definition[*application]) {
			d.Transitions[6].From = []string{"approved", "rejected"}
		},
		`state "disbursed" cannot be reached`: func(d *workflow.Definition[*application]) { d.Transitions = d.Transitions[:6] },
		`state "approved" is not terminal but has no way out`: func(d *workflow.Definition[*application]) {
			d.Transitions = d.Transitions[:6]
		},
		`initial state "new" is not declared`:             func(d *workflow.Definition[*application]) { d.Initial = "new" },
		`action "submit" goes to undeclared state "sent"`: func(d *workflow.Definition[*application]) { d.Transitions[0].To = "sent" },
		`state "draft" needs labels`:                      func(d *workflow.Definition[*application]) { d.States[0].LabelEn = "" },
		`action "submit" is declared twice from state "draft"`: func(d *workflow.Definition[*application]) {
			d.Transitions = append(d.Transitions, d.Transitions[0])
		},
		`names roles but the definition has no RolesOf`: func(d *workflow.Definition[*application]) { d.RolesOf = nil },
	}
	for want, change := range cases {
		d := applicationDef()
		change(&d)
		_, err := workflow.New(e.d, d)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error containing %s", err, want)
		}
	}
}

func TestCompareAndSet(t *testing.T) {
	e := newEnv(t)
	e.create(t, 1, 1, 0)
	st := workflow.Store{Table: "wf_applications"}
	err := e.d.Tx(ctx, func(tx *sql.Tx) error {
		return workflow.CompareAndSet(ctx, tx, st, 1, "draft", "submitted", e.d.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	err = e.d.Tx(ctx, func(tx *sql.Tx) error {
		return workflow.CompareAndSet(ctx, tx, st, 1, "draft", "submitted", e.d.Now())
	})
	wantCode(t, err, apperr.Conflict, "now submitted")
	err = e.d.Tx(ctx, func(tx *sql.Tx) error {
		return workflow.CompareAndSet(ctx, tx, workflow.Store{Table: `wf_applications" SET state = 'approved' --`}, 1, "submitted", "approved", e.d.Now())
	})
	wantCode(t, err, apperr.Internal)
	if got := e.load(t, e.d.Read, 1).State; got != "submitted" {
		t.Errorf("state = %q, want submitted", got)
	}
}
