package workflow_test

import (
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/ledger"
	"rainforest/internal/kernel/workflow"
)

// The workflow and the ledger composed as the programs module will: an
// approval and its budget hold commit together, and a disbursement and its
// settlement too. Two hundred officers approve two hundred applications at
// once against a budget that fits exactly one hundred: one hundred are
// approved and reserved, the other hundred stay under review, untouched.
func TestApprovalsReserveTheBudget(t *testing.T) {
	e := newEnv(t)
	l := ledger.New(e.d)
	const grant, fits, apps = 200_000_00, 100, 200
	var budget, fund, expense ledger.Account
	err := e.d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if budget, err = l.OpenAccount(ctx, tx, ledger.Account{Code: "budget:program:7", NameZh: "小巨人培育专项预算", NameEn: "Little giant budget", Type: ledger.Asset, Kind: "budget", NonNegative: true}); err != nil {
			return err
		}
		if fund, err = l.OpenAccount(ctx, tx, ledger.Account{Code: "fund:jingan", NameZh: "静安区科技发展基金", NameEn: "Jing'an S&T fund", Type: ledger.Equity}); err != nil {
			return err
		}
		if expense, err = l.OpenAccount(ctx, tx, ledger.Account{Code: "expense:grants", NameZh: "资助支出", NameEn: "Grants", Type: ledger.Expense}); err != nil {
			return err
		}
		if _, err = l.Post(ctx, tx, ledger.Entry{Key: "appropriate:7", Description: "年度预算", Postings: []ledger.Posting{{AccountID: budget.ID, Amount: grant * fits}, {AccountID: fund.ID, Amount: -grant * fits}}}); err != nil {
			return err
		}
		for id := int64(1); id <= apps; id++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO wf_applications (id, org_id, state, documents, amount_fen) VALUES ($1, $2, 'under_review', 1, $3)`, id, enterpriseOrg, grant); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	approve := func(id int64) error {
		return e.d.Tx(ctx, func(tx *sql.Tx) error {
			s := e.load(t, tx, id)
			if _, err := e.m.Apply(ctx, tx, s, "approve", officer, ""); err != nil {
				return err
			}
			_, err := l.Reserve(ctx, tx, ledger.HoldRequest{Key: fmt.Sprintf("approve:%d", id), AccountID: budget.ID, Amount: s.Value.AmountFen,
				Description: "批准后预留", Ref: ledger.Ref{Entity: "program_application", ID: strconv.FormatInt(id, 10)}, OrgID: s.OrgID})
			return err
		})
	}
	var approved, refused atomic.Int64
	var wg sync.WaitGroup
	for id := int64(1); id <= apps; id++ {
		wg.Go(func() {
			err := approve(id)
			switch {
			case err == nil:
				approved.Add(1)
			case apperr.CodeOf(err) == apperr.Conflict:
				refused.Add(1)
			default:
				t.Errorf("approve %d: %v", id, err)
			}
		})
	}
	wg.Wait()
	if approved.Load() != fits || refused.Load() != apps-fits {
		t.Fatalf("%d approved, %d refused; want %d and %d", approved.Load(), refused.Load(), fits, apps-fits)
	}
	counts := map[string]int{}
	rows, err := e.d.Read.QueryContext(ctx, `SELECT state, COUNT(*) FROM wf_applications GROUP BY state`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		var n int
		rows.Scan(&s, &n)
		counts[s] = n
	}
	rows.Close()
	if counts["approved"] != fits || counts["under_review"] != apps-fits {
		t.Fatalf("states = %v", counts)
	}
	if b, _ := l.Balance(ctx, e.d.Read, budget.ID); b.Available != 0 || b.Held != grant*fits {
		t.Fatalf("budget = %+v, want all of it held", b)
	}

	// Disburse every approved application, concurrently, by the system.
	for id := int64(1); id <= apps; id++ {
		wg.Go(func() {
			err := e.d.Tx(ctx, func(tx *sql.Tx) error {
				s := e.load(t, tx, id)
				if s.State != "approved" {
					return nil
				}
				if _, err := e.m.Apply(ctx, tx, s, "disburse", workflow.System, ""); err != nil {
					return err
				}
				h, err := l.HoldByKey(ctx, tx, fmt.Sprintf("approve:%d", id))
				if err != nil {
					return err
				}
				_, err = l.Settle(ctx, tx, h.ID, ledger.Entry{Key: fmt.Sprintf("disburse:%d", id), Description: "拨付", Ref: h.Ref,
					Postings: []ledger.Posting{{AccountID: expense.ID, Amount: h.Amount}, {AccountID: budget.ID, Amount: -h.Amount}}})
				return err
			})
			if err != nil {
				t.Errorf("disburse %d: %v", id, err)
			}
		})
	}
	wg.Wait()
	if b, _ := l.Balance(ctx, e.d.Read, budget.ID); b.Balance != 0 || b.Held != 0 {
		t.Fatalf("budget after disbursement = %+v, want exactly zero", b)
	}
	if _, err := l.Verify(ctx, e.d.Read); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := e.d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM workflow_transitions WHERE entity = 'program_application' AND action = 'disburse'`).Scan(&n); err != nil || n != fits {
		t.Fatalf("%d disbursements recorded (%v), want %d", n, err, fits)
	}
}
