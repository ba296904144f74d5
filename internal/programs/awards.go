package programs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/ledger"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/workflow"
)

// Award statuses.
const (
	AwardReserved   = "reserved"
	AwardPaid       = "paid"
	AwardCancelled  = "cancelled"
	AwardClawedBack = "clawed_back"
)

// Award is the money an approved application brings: reserved on the
// program's budget when approved, paid when disbursed.
type Award struct {
	ID                 int64     `json:"id"`
	ApplicationID      int64     `json:"application_id"`
	ProgramID          int64     `json:"program_id"`
	ProgramSlug        string    `json:"program_slug"`
	OrgID              int64     `json:"org_id"`
	FundKey            string    `json:"fund_key"`
	ProjectKey         string    `json:"project_key"`
	AmountFen          int64     `json:"amount_fen"`
	Status             string    `json:"status"`
	HoldID             *int64    `json:"hold_id"`
	JournalID          *int64    `json:"journal_id"`
	ApprovedAt         time.Time `json:"approved_at"`
	PaidOn             *string   `json:"paid_on"`
	RegisteredDistrict *string   `json:"registered_district"`
	TaxDistrict        *string   `json:"tax_district"`
	ObligationUntil    *string   `json:"obligation_until"`
}

const awardCols = `w.id, w.application_id, w.program_id, p.slug, w.org_id, w.fund_key, w.project_key, w.amount_fen, w.status, w.hold_id, w.journal_id,
	w.approved_at, w.paid_on, w.registered_district, w.tax_district, w.obligation_until`

func scanAward(row interface{ Scan(...any) error }) (Award, error) {
	var w Award
	var hold, journal sql.NullInt64
	var paid, until db.Date
	var reg, tax sql.NullString
	err := row.Scan(&w.ID, &w.ApplicationID, &w.ProgramID, &w.ProgramSlug, &w.OrgID, &w.FundKey, &w.ProjectKey, &w.AmountFen, &w.Status, &hold, &journal,
		&w.ApprovedAt, &paid, &reg, &tax, &until)
	if err != nil {
		return w, err
	}
	if hold.Valid {
		w.HoldID = &hold.Int64
	}
	if journal.Valid {
		w.JournalID = &journal.Int64
	}
	if reg.Valid {
		w.RegisteredDistrict = &reg.String
	}
	if tax.Valid {
		w.TaxDistrict = &tax.String
	}
	w.PaidOn, w.ObligationUntil = paid.Ptr(), until.Ptr()
	return w, nil
}

func (s *Service) awardOf(ctx context.Context, q workflow.Querier, appID int64) (Award, error) {
	w, err := scanAward(q.QueryRowContext(ctx, `SELECT `+awardCols+` FROM awards w JOIN programs p ON p.id = w.program_id WHERE w.application_id = $1`, appID))
	if errors.Is(err, sql.ErrNoRows) {
		return w, apperr.New(apperr.NotFound, "application %d has no award", appID)
	}
	if err != nil {
		return w, apperr.Wrap(err, "load award")
	}
	return w, nil
}

// FundKey names the fiscal fund a program draws on: its fund code, or the
// program itself when it has none. An enterprise is funded once per fund
// and project.
func FundKey(prog *Program) string {
	if c := strings.TrimSpace(prog.FundCode); c != "" {
		return "fund:" + strings.ToLower(c)
	}
	return "program:" + prog.Slug
}

// BudgetCode is the ledger code of a program's budget account (an asset
// that never goes below zero).
func BudgetCode(programID int64) string { return "budget:program:" + strconv.FormatInt(programID, 10) }

// earlier is an award that stands in an application's way.
type earlier struct {
	id        int64
	slug      string
	amountFen int64
	at        time.Time
}

func (e earlier) describe() string {
	return fmt.Sprintf("award %d of program %s (%s yuan, approved %s)", e.id, e.slug, ledger.Yuan(e.amountFen), e.at.In(shanghai).Format(time.DateOnly))
}

func firstAward(ctx context.Context, q workflow.Querier, where string, args ...any) (*earlier, error) {
	var e earlier
	err := q.QueryRowContext(ctx, `SELECT w.id, p.slug, w.amount_fen, w.approved_at FROM awards w JOIN programs p ON p.id = w.program_id
		WHERE w.status <> 'cancelled' AND `+where+` ORDER BY w.id LIMIT 1`, args...).Scan(&e.id, &e.slug, &e.amountFen, &e.at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Wrap(err, "earlier awards")
	}
	return &e, nil
}

// doubleFunding is the 409 that names the earlier award.
func doubleFunding(field, why string, e *earlier) error {
	msg := why + ": " + e.describe()
	return &apperr.Error{Code: apperr.Conflict, Message: msg, Fields: []apperr.FieldError{{Field: field, Message: msg}}}
}

// checkStacking refuses an application that would fund the same
// enterprise twice: the same fund for the same project; a program declared
// not to stack with one the enterprise already holds an award of (either
// side may declare it); or a district program that yields to a state or
// municipal award for the same project.
func (s *Service) checkStacking(ctx context.Context, q workflow.Querier, a *Application, prog *Program) error {
	e, err := firstAward(ctx, q, `w.fund_key = $1 AND w.org_id = $2 AND w.project_key = $3 AND w.application_id <> $4`, FundKey(prog), a.OrgID, a.ProjectKey, a.ID)
	if err != nil {
		return err
	}
	if e != nil {
		return doubleFunding("project_title", "the same fund already supports this project of the enterprise", e)
	}
	var args db.Args
	cond := `w.org_id = ` + args.Add(a.OrgID) + ` AND w.application_id <> ` + args.Add(a.ID) + ` AND (p.excludes LIKE ` + args.Add(`%"`+likeEscape(prog.Slug)+`"%`) + ` ESCAPE '\'`
	if len(prog.Excludes) > 0 {
		cond += ` OR p.slug IN (` + db.List(&args, prog.Excludes) + `)`
	}
	cond += `)`
	if e, err = firstAward(ctx, q, cond, args...); err != nil {
		return err
	}
	if e != nil {
		return doubleFunding("program", "the program does not stack with an award the enterprise holds", e)
	}
	if prog.YieldsToHigher && prog.Level == "district" {
		e, err = firstAward(ctx, q, `w.org_id = $1 AND w.project_key = $2 AND w.application_id <> $3 AND p.level IN ('state', 'municipal')`, a.OrgID, a.ProjectKey, a.ID)
		if err != nil {
			return err
		}
		if e != nil {
			return doubleFunding("project_title", "a state or municipal award for the same project prevails over this district program", e)
		}
	}
	return nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// budgetAccounts opens a program's budget account and tops it up to the
// program's budget from its appropriation, idempotently: the appropriation
// journals are keyed by the total they bring the budget to.
func (s *Service) budgetAccounts(ctx context.Context, tx *sql.Tx, prog *Program) (ledger.Account, error) {
	l := ledger.New(s.DB)
	budget, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: BudgetCode(prog.ID), NameZh: "项目预算：" + prog.TitleZh, NameEn: "Program budget: " + prog.TitleEn,
		Type: ledger.Asset, Kind: "budget", NonNegative: true})
	if err != nil {
		return budget, err
	}
	if prog.BudgetFen == nil {
		return budget, nil
	}
	ref := ledger.Ref{Entity: "program_budget", ID: strconv.FormatInt(prog.ID, 10)}
	js, err := l.Journals(ctx, tx, ref)
	if err != nil {
		return budget, err
	}
	var funded int64
	for _, j := range js {
		for _, p := range j.Postings {
			if p.AccountID == budget.ID {
				funded += p.Amount
			}
		}
	}
	delta := *prog.BudgetFen - funded
	if delta == 0 {
		return budget, nil
	}
	src, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: "appropriation:program:" + strconv.FormatInt(prog.ID, 10), NameZh: "财政拨款：" + prog.TitleZh,
		NameEn: "Appropriation: " + prog.TitleEn, Type: ledger.Equity, Kind: "appropriation"})
	if err != nil {
		return budget, err
	}
	_, err = l.Post(ctx, tx, ledger.Entry{
		Key:         "programs:budget:" + strconv.FormatInt(prog.ID, 10) + ":" + strconv.FormatInt(*prog.BudgetFen, 10) + ":" + strconv.Itoa(len(js)),
		Description: "Budget of program " + prog.Slug + " set to " + ledger.Yuan(*prog.BudgetFen) + " yuan",
		Ref:         ref,
		Postings:    []ledger.Posting{{AccountID: budget.ID, Amount: delta}, {AccountID: src.ID, Amount: -delta}},
	})
	if err != nil && delta < 0 && apperr.CodeOf(err) == apperr.Conflict {
		// A budget cut below what is already committed keeps the budget
		// as it is; approvals are refused once it is spent.
		err = nil
	}
	if err != nil {
		return budget, err
	}
	return l.Account(ctx, tx, budget.ID)
}

// BudgetAccount opens a program's budget account inside tx, funded up to
// its budget, for the other modules that pay from it (the finance
// module's interest subsidies).
func (s *Service) BudgetAccount(ctx context.Context, tx *sql.Tx, prog *Program) (ledger.Account, error) {
	return s.budgetAccounts(ctx, tx, prog)
}

// reserveAward writes the award of an approval and sets its amount aside
// on the program's budget: a budget is never overspent, also when many
// officers approve at once (the ledger's conditional update decides).
func (s *Service) reserveAward(ctx context.Context, tx *sql.Tx, a *Application, prog *Program, amountFen int64, p *auth.Principal) error {
	budget, err := s.budgetAccounts(ctx, tx, prog)
	if err != nil {
		return err
	}
	now := s.DB.Now()
	var awardID int64
	err = tx.QueryRowContext(ctx, `INSERT INTO awards (application_id, program_id, org_id, fund_key, project_key, amount_fen, status, approved_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'reserved', $7, $7, $7) RETURNING id`,
		a.ID, prog.ID, a.OrgID, FundKey(prog), a.ProjectKey, amountFen, now).Scan(&awardID)
	if db.IsUniqueViolation(err) {
		// A concurrent approval of the same project won the race.
		e, ferr := firstAward(ctx, tx, `w.fund_key = $1 AND w.org_id = $2 AND w.project_key = $3`, FundKey(prog), a.OrgID, a.ProjectKey)
		if ferr == nil && e != nil {
			return doubleFunding("project_title", "the same fund already supports this project of the enterprise", e)
		}
		return apperr.New(apperr.Conflict, "the same fund already supports this project of the enterprise")
	}
	if err != nil {
		return apperr.Wrap(err, "insert award")
	}
	hold, err := ledger.New(s.DB).Reserve(ctx, tx, ledger.HoldRequest{
		Key:         "programs:award:" + strconv.FormatInt(awardID, 10),
		AccountID:   budget.ID,
		Amount:      amountFen,
		Description: fmt.Sprintf("Award for application %d (%s)", a.ID, prog.Slug),
		Ref:         ledger.Ref{Entity: "program_application", ID: strconv.FormatInt(a.ID, 10)},
		OrgID:       a.OrgID,
	})
	if apperr.CodeOf(err) == apperr.Conflict {
		msg := fmt.Sprintf("the budget of program %s cannot cover %s yuan: %s yuan of %s remain available", prog.Slug, ledger.Yuan(amountFen), ledger.Yuan(budget.Available()), ledger.Yuan(budget.Balance))
		return &apperr.Error{Code: apperr.Conflict, Message: msg, Fields: []apperr.FieldError{{Field: "amount_yuan", Message: msg}}}
	}
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE awards SET hold_id = $1 WHERE id = $2`, hold.ID, awardID)
	return apperr.Wrap(err, "award hold")
}

// cancelAward releases a revoked approval's hold.
func (s *Service) cancelAward(ctx context.Context, tx *sql.Tx, a *Application) error {
	w, err := s.awardOf(ctx, tx, a.ID)
	if err != nil {
		return err
	}
	if w.Status != AwardReserved {
		return apperr.New(apperr.Conflict, "award %d is %s and cannot be cancelled", w.ID, w.Status)
	}
	if w.HoldID != nil {
		if _, err := ledger.New(s.DB).Release(ctx, tx, *w.HoldID); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE awards SET status = 'cancelled', version = version + 1, updated_at = $1 WHERE id = $2`, s.DB.Now(), w.ID)
	return apperr.Wrap(err, "cancel award")
}

// payAward settles the award's hold into the program's grants expense and
// records where the recipient is registered and pays tax, and until when
// it must stay.
func (s *Service) payAward(ctx context.Context, tx *sql.Tx, a *Application, prog *Program) error {
	w, err := s.awardOf(ctx, tx, a.ID)
	if err != nil {
		return err
	}
	if w.Status != AwardReserved || w.HoldID == nil {
		return apperr.New(apperr.Conflict, "award %d is %s and cannot be paid", w.ID, w.Status)
	}
	l := ledger.New(s.DB)
	budget, err := l.AccountByCode(ctx, tx, BudgetCode(prog.ID))
	if err != nil {
		return err
	}
	grants, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: "grants:program:" + strconv.FormatInt(prog.ID, 10), NameZh: "资助支出：" + prog.TitleZh,
		NameEn: "Grants paid: " + prog.TitleEn, Type: ledger.Expense, Kind: "grants"})
	if err != nil {
		return err
	}
	today := s.today().Format(time.DateOnly)
	j, err := l.Settle(ctx, tx, *w.HoldID, ledger.Entry{
		Key:         "programs:disburse:" + strconv.FormatInt(w.ID, 10),
		Description: fmt.Sprintf("Disbursement of award %d (%s)", w.ID, prog.Slug),
		Ref:         ledger.Ref{Entity: "program_application", ID: strconv.FormatInt(a.ID, 10)},
		EffectiveOn: today,
		OrgID:       a.OrgID,
		Postings:    []ledger.Posting{{AccountID: grants.ID, Amount: w.AmountFen}, {AccountID: budget.ID, Amount: -w.AmountFen}},
	})
	if err != nil {
		return err
	}
	org, err := s.orgOf(ctx, a.OrgID)
	if err != nil {
		return err
	}
	var until any
	if prog.ObligationYears > 0 {
		until = s.today().AddDate(prog.ObligationYears, 0, 0).Format(time.DateOnly)
	}
	_, err = tx.ExecContext(ctx, `UPDATE awards SET status = 'paid', journal_id = $1, paid_on = $2, registered_district = $3, tax_district = $4,
		obligation_until = $5, version = version + 1, updated_at = $6 WHERE id = $7`,
		j.ID, today, db.Nullable(org.RegisteredDistrict), db.Nullable(org.TaxDistrict), until, s.DB.Now(), w.ID)
	return apperr.Wrap(err, "pay award")
}

// tellApplicant notifies the applicant's members of a decision.
func (s *Service) tellApplicant(ctx context.Context, tx *sql.Tx, a *Application, prog *Program, state, comment string) error {
	if s.Notifier == nil {
		return nil
	}
	switch state {
	case AppReturned, AppApproved, AppRejected, AppDisbursed:
	default:
		return nil
	}
	_, err := s.Notifier.ToOrg(ctx, tx, a.OrgID, notify.Message{
		Kind:  "application." + state,
		Title: notify.Text{Zh: "申报" + stateZh(state) + "：" + prog.TitleZh, En: "Application " + strings.ReplaceAll(state, "_", " ") + ": " + prog.TitleEn},
		Body:  notify.Text{Zh: a.ProjectTitle + "\n" + comment, En: a.ProjectTitle + "\n" + comment},
		Link:  "/applications/" + strconv.FormatInt(a.ID, 10),
	})
	return err
}

func stateZh(state string) string {
	if st, ok := Applications.State(state); ok {
		return st.LabelZh
	}
	return state
}
