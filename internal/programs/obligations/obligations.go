// Package obligations follows what award recipients owe after payment: the
// duty to stay registered and tax-paying in the award's district until its
// obligation_until day, the clawback case opened when a recipient leaves
// early, and the repayment booked through the ledger.
//
// A registry change hook (OrgChanged) runs inside the transaction of every
// organization update: when the registered or tax district leaves the
// district of a paid award whose obligation still runs, it opens one
// clawback case for the award (the award id is unique in clawback_cases, so
// a second change or a concurrent one opens nothing more), records it in
// the audit log and tells the organization's members and the program's
// officers. Officers then agree the amount and due date with the
// recipient, waive the case with a reason, or record the repayment, which
// posts through the ledger back into the program's budget and marks the
// award clawed_back. Sweep marks the obligations that ran their course.
package obligations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/ledger"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/periodic"
	"rainforest/internal/kernel/workflow"
	"rainforest/internal/programs"
	"rainforest/internal/registry"
)

// Case states.
const (
	Open   = "open"
	Agreed = "agreed"
	Waived = "waived"
	Repaid = "repaid"
)

// Statuses lists the case states in order.
var Statuses = []string{Open, Agreed, Waived, Repaid}

// DueDays is how many days after leaving a case's repayment is due unless
// an officer agrees another date.
const DueDays = 30

// Service is the obligations module.
type Service struct {
	DB       *db.DB
	Programs *programs.Service
	Registry *registry.Service
	Notifier *notify.Notifier
	Ledger   *ledger.Ledger

	machine *workflow.Machine[Case]
}

// New returns the service with its case workflow checked.
func New(d *db.DB, progs *programs.Service, reg *registry.Service, n *notify.Notifier) (*Service, error) {
	s := &Service{DB: d, Programs: progs, Registry: reg, Notifier: n, Ledger: ledger.New(d)}
	m, err := workflow.New(d, definition())
	if err != nil {
		return nil, err
	}
	s.machine = m
	return s, nil
}

// Machine is the clawback case workflow, for labels and history.
func (s *Service) Machine() *workflow.Machine[Case] { return s.machine }

// RoleOfficer is the workflow role of a program's officers (and
// administrators) towards its cases.
const RoleOfficer = "officer"

func definition() workflow.Definition[Case] {
	officer := []string{RoleOfficer}
	return workflow.Definition[Case]{
		Name:    "clawback_case",
		LabelZh: "追回案件",
		LabelEn: "clawback case",
		Initial: Open,
		States: []workflow.State{
			{Name: Open, LabelZh: "待处理", LabelEn: "Open"},
			{Name: Agreed, LabelZh: "已议定", LabelEn: "Agreed"},
			{Name: Waived, LabelZh: "已豁免", LabelEn: "Waived", Terminal: true},
			{Name: Repaid, LabelZh: "已归还", LabelEn: "Repaid", Terminal: true},
		},
		Transitions: []workflow.Transition[Case]{
			{Action: "agree", LabelZh: "议定还款", LabelEn: "Agree repayment", From: []string{Open, Agreed}, To: Agreed, Roles: officer},
			{Action: "waive", LabelZh: "豁免", LabelEn: "Waive", From: []string{Open, Agreed}, To: Waived, Roles: officer, Comment: workflow.CommentRequired},
			{Action: "repay", LabelZh: "登记还款", LabelEn: "Record repayment", From: []string{Open, Agreed}, To: Repaid, Roles: officer},
		},
		Store: workflow.Store{Table: "clawback_cases", StateColumn: "status", VersionColumn: "version", UpdatedColumn: "updated_at"},
		RolesOf: func(p *auth.Principal, s workflow.Subject[Case]) []string {
			if canManage(p, s.Value.ProgramOwnerID) {
				return officer
			}
			return nil
		},
	}
}

// canManage: administrators, and officers of the agency owning the program.
func canManage(p *auth.Principal, owner *int64) bool {
	if p.IsAdmin() {
		return true
	}
	return p.IsOfficer() && owner != nil && p.RoleIn(*owner) != ""
}

// china is the platform's calendar (UTC+8, no daylight time).
var china = time.FixedZone("CST", 8*3600)

// Today is the current day in China.
func (s *Service) Today() string { return s.DB.Now().In(china).Format(time.DateOnly) }

// award is a paid award whose obligation may be running.
type award struct {
	ID, ProgramID, OrgID, AmountFen int64
	PaidOn, Until                   string
	Registered, Tax                 *string
	ProRata                         bool
	Owner                           *int64
	TitleZh, TitleEn                string
}

// Due computes what a recipient who left on leftOn owes of an award of
// amount fen paid on paidOn with an obligation to stay until the day until
// (inclusive): the whole amount, or with proRata the share of the days not
// served, rounded half up to the fen. It also returns the obligation's
// length and the days served, both in days.
func Due(amount int64, paidOn, until, leftOn string, proRata bool) (due int64, total, served int, err error) {
	p, err1 := time.Parse(time.DateOnly, paidOn)
	u, err2 := time.Parse(time.DateOnly, until)
	l, err3 := time.Parse(time.DateOnly, leftOn)
	if err := errors.Join(err1, err2, err3); err != nil {
		return 0, 0, 0, apperr.Wrap(err, "obligation dates")
	}
	if amount <= 0 || u.Before(p) {
		return 0, 0, 0, apperr.New(apperr.Invalid, "an obligation needs a positive amount and until on or after paid on")
	}
	total = int(u.Sub(p).Hours()/24) + 1
	served = max(0, min(total, int(l.Sub(p).Hours()/24)))
	if !proRata {
		return amount, total, served, nil
	}
	unserved := int64(total - served)
	// amount ≤ 10^15 fen and unserved ≤ 20 years of days: no overflow.
	due = (amount*unserved*2 + int64(total)) / (2 * int64(total))
	return due, total, served, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// OrgChanged is the registry hook: it opens a clawback case for every paid
// award of the organization whose obligation runs today and whose district
// the organization's registered or tax district has just left.
func (s *Service) OrgChanged(ctx context.Context, tx *sql.Tx, before, after registry.Org) error {
	if deref(before.RegisteredDistrict) == deref(after.RegisteredDistrict) && deref(before.TaxDistrict) == deref(after.TaxDistrict) {
		return nil
	}
	today := s.Today()
	rows, err := tx.QueryContext(ctx, `SELECT a.id, a.program_id, a.org_id, a.amount_fen, a.paid_on, a.obligation_until, a.registered_district, a.tax_district,
			p.clawback_pro_rata, p.owner_org_id, p.title_zh, p.title_en
		FROM awards a JOIN programs p ON p.id = a.program_id
		WHERE a.org_id = $1 AND a.status = 'paid' AND a.obligation_until IS NOT NULL AND a.obligation_until >= $2
			AND a.paid_on IS NOT NULL AND a.registered_district IS NOT NULL
		ORDER BY a.id`, after.ID, today)
	awards, err := db.Collect(rows, err, "running obligations", func(sc interface{ Scan(...any) error }) (award, error) {
		var a award
		var paid, until db.Date
		err := sc.Scan(&a.ID, &a.ProgramID, &a.OrgID, &a.AmountFen, &paid, &until, &a.Registered, &a.Tax, &a.ProRata, &a.Owner, &a.TitleZh, &a.TitleEn)
		a.PaidOn, a.Until = paid.String, until.String
		return a, err
	})
	if err != nil {
		return err
	}
	for _, a := range awards {
		regLeft := deref(after.RegisteredDistrict) != *a.Registered
		taxLeft := a.Tax != nil && deref(after.TaxDistrict) != *a.Tax
		if !regLeft && !taxLeft {
			continue
		}
		reason := "registered_district"
		switch {
		case regLeft && taxLeft:
			reason = "both"
		case taxLeft:
			reason = "tax_district"
		}
		if err := s.open(ctx, tx, a, reason, before, after, today); err != nil {
			return err
		}
	}
	return nil
}

// open inserts the case for a unless the award has one, with its audit
// record, its first workflow line and the notices.
func (s *Service) open(ctx context.Context, tx *sql.Tx, a award, reason string, before, after registry.Org, today string) error {
	due, total, served, err := Due(a.AmountFen, a.PaidOn, a.Until, today, a.ProRata)
	if err != nil {
		return err
	}
	t, _ := time.Parse(time.DateOnly, today)
	dueOn := t.AddDate(0, 0, DueDays).Format(time.DateOnly)
	now := s.DB.Now()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO clawback_cases (award_id, org_id, program_id, reason, district, registered_before, registered_after, tax_before, tax_after,
			left_on, award_fen, pro_rata, obligation_days, served_days, amount_due_fen, due_on, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'open', $17, $17)
		ON CONFLICT (award_id) DO NOTHING RETURNING id`,
		a.ID, a.OrgID, a.ProgramID, reason, *a.Registered, before.RegisteredDistrict, after.RegisteredDistrict, before.TaxDistrict, after.TaxDistrict,
		today, a.AmountFen, a.ProRata, total, served, due, dueOn, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the award has its case already
	}
	if err != nil {
		return apperr.Wrap(err, "open clawback case")
	}
	c, err := s.get(ctx, tx, id)
	if err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, now, audit.Change{OrgID: a.OrgID, Action: "clawback_case.open", Entity: "clawback_case", EntityID: strconv.FormatInt(id, 10), After: c}); err != nil {
		return err
	}
	if _, err := s.machine.Begin(ctx, tx, c.subject(), workflow.System, fmt.Sprintf("%s: %s → %s", reason, districtPair(before), districtPair(after))); err != nil {
		return err
	}
	yuan := ledger.Yuan(due)
	msg := notify.Message{
		Kind:  "clawback.opened",
		Key:   "clawback.opened:" + strconv.FormatInt(id, 10),
		Title: notify.Text{Zh: "追回案件：" + a.TitleZh, En: "Clawback case: " + a.TitleEn},
		Body: notify.Text{
			Zh: fmt.Sprintf("贵单位在%s前须留在%s注册和纳税；因注册地或纳税地变更，需归还 %s 元，%s 前到期。", a.Until, *a.Registered, yuan, dueOn),
			En: fmt.Sprintf("The obligation to stay registered and tax-paying in %s until %s was not kept: %s yuan is to be repaid by %s.", *a.Registered, a.Until, yuan, dueOn),
		},
		Link: "/orgs/" + strconv.FormatInt(a.OrgID, 10) + "/obligations",
	}
	if _, err := s.Notifier.ToOrg(ctx, tx, a.OrgID, msg); err != nil {
		return err
	}
	if a.Owner != nil {
		msg.Kind = "clawback.officer"
		msg.Body = notify.Text{
			Zh: fmt.Sprintf("受资助单位在义务期（至%s）内离开%s：应追回 %s 元。", a.Until, *a.Registered, yuan),
			En: fmt.Sprintf("A recipient left %s during its obligation (until %s): %s yuan is due.", *a.Registered, a.Until, yuan),
		}
		msg.Link = "/clawbacks/" + strconv.FormatInt(id, 10)
		if _, err := s.Notifier.ToOrg(ctx, tx, *a.Owner, msg); err != nil {
			return err
		}
	}
	return nil
}

func districtPair(o registry.Org) string {
	return deref(o.RegisteredDistrict) + "/" + deref(o.TaxDistrict)
}

// SweepResult says what a sweep did.
type SweepResult struct {
	Today     string  `json:"today"`
	Fulfilled []int64 `json:"fulfilled"`
}

// Sweep marks as fulfilled every paid award whose obligation ended before
// today without a clawback case, each with an audit record and a notice to
// the organization, in one transaction. Run again the same day it changes
// nothing.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	res := SweepResult{Today: s.Today(), Fulfilled: []int64{}}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res.Fulfilled = res.Fulfilled[:0]
		rows, err := tx.QueryContext(ctx, `SELECT a.id, a.org_id, a.obligation_until, p.title_zh, p.title_en FROM awards a JOIN programs p ON p.id = a.program_id
			WHERE a.status = 'paid' AND a.obligation_until IS NOT NULL AND a.obligation_until < $1 AND a.obligation_fulfilled_on IS NULL
				AND NOT EXISTS (SELECT 1 FROM clawback_cases c WHERE c.award_id = a.id)
			ORDER BY a.id`, res.Today)
		type done struct {
			id, org          int64
			until            db.Date
			titleZh, titleEn string
		}
		ds, err := db.Collect(rows, err, "ended obligations", func(sc interface{ Scan(...any) error }) (done, error) {
			var d done
			return d, sc.Scan(&d.id, &d.org, &d.until, &d.titleZh, &d.titleEn)
		})
		if err != nil {
			return err
		}
		now := s.DB.Now()
		for _, d := range ds {
			r, err := tx.ExecContext(ctx, `UPDATE awards SET obligation_fulfilled_on = $1, version = version + 1, updated_at = $2
				WHERE id = $3 AND status = 'paid' AND obligation_fulfilled_on IS NULL`, res.Today, now, d.id)
			if err != nil {
				return apperr.Wrap(err, "mark obligation fulfilled")
			}
			if n, _ := r.RowsAffected(); n == 0 {
				continue
			}
			id := strconv.FormatInt(d.id, 10)
			if err := audit.Record(ctx, tx, now, audit.Change{OrgID: d.org, Action: "award.obligation_fulfilled", Entity: "award", EntityID: id,
				Before: map[string]any{"obligation_until": d.until.String, "obligation_fulfilled_on": nil},
				After:  map[string]any{"obligation_until": d.until.String, "obligation_fulfilled_on": res.Today}}); err != nil {
				return err
			}
			if _, err := s.Notifier.ToOrg(ctx, tx, d.org, notify.Message{
				Kind:  "obligation.fulfilled",
				Key:   "obligation.fulfilled:" + id,
				Title: notify.Text{Zh: "义务期已届满：" + d.titleZh, En: "Obligation fulfilled: " + d.titleEn},
				Body:  notify.Text{Zh: "资助的留区义务已于 " + d.until.String + " 届满，无需再报告。", En: "The duty to stay in the district for this award ended on " + d.until.String + "."},
				Link:  "/orgs/" + strconv.FormatInt(d.org, 10) + "/obligations",
			}); err != nil {
				return err
			}
			res.Fulfilled = append(res.Fulfilled, d.id)
		}
		return nil
	})
	return res, err
}

// Worker sweeps at once and then every interval until ctx ends, logging
// what it marked and any error; serve runs it in the background.
func (s *Service) Worker(ctx context.Context, every time.Duration, log *slog.Logger) {
	periodic.Every(ctx, every, log, "obligations sweep", func(ctx context.Context) error {
		res, err := s.Sweep(ctx)
		if err == nil && len(res.Fulfilled) > 0 {
			log.Info("obligations fulfilled", "awards", len(res.Fulfilled), "today", res.Today)
		}
		return err
	})
}
