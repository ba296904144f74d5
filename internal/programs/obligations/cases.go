package obligations

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/ledger"
	"rainforest/internal/kernel/workflow"
)

// Case is a clawback case as the API shows it.
type Case struct {
	ID               int64      `json:"id"`
	AwardID          int64      `json:"award_id"`
	ApplicationID    int64      `json:"application_id"`
	OrgID            int64      `json:"org_id"`
	OrgNameZh        string     `json:"org_name_zh"`
	OrgNameEn        string     `json:"org_name_en"`
	USCC             string     `json:"uscc"`
	ProgramID        int64      `json:"program_id"`
	ProgramSlug      string     `json:"program_slug"`
	ProgramTitleZh   string     `json:"program_title_zh"`
	ProgramTitleEn   string     `json:"program_title_en"`
	ProgramOwnerID   *int64     `json:"-"`
	Reason           string     `json:"reason"`
	District         string     `json:"district"`
	RegisteredBefore *string    `json:"registered_before"`
	RegisteredAfter  *string    `json:"registered_after"`
	TaxBefore        *string    `json:"tax_before"`
	TaxAfter         *string    `json:"tax_after"`
	PaidOn           string     `json:"paid_on"`
	ObligationUntil  string     `json:"obligation_until"`
	LeftOn           string     `json:"left_on"`
	AwardFen         int64      `json:"award_fen"`
	ProRata          bool       `json:"pro_rata"`
	ObligationDays   int        `json:"obligation_days"`
	ServedDays       int        `json:"served_days"`
	AmountDueFen     int64      `json:"amount_due_fen"`
	DueOn            string     `json:"due_on"`
	Status           string     `json:"status"`
	Notes            string     `json:"notes"`
	WaiveReason      string     `json:"waive_reason"`
	JournalID        *int64     `json:"journal_id"`
	RepaidOn         *string    `json:"repaid_on"`
	Version          int        `json:"version"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	ClosedAt         *time.Time `json:"-"`
}

// Name is the recipient's name in lang.
func (c *Case) Name(lang string) string { return pick(lang, c.OrgNameZh, c.OrgNameEn) }

// Title is the program's title in lang.
func (c *Case) Title(lang string) string { return pick(lang, c.ProgramTitleZh, c.ProgramTitleEn) }

func pick(lang, zh, en string) string {
	if lang == "en" && en != "" || zh == "" {
		return en
	}
	return zh
}

func (c *Case) subject() workflow.Subject[Case] {
	return workflow.Subject[Case]{ID: c.ID, State: c.Status, OrgID: c.OrgID, Value: *c}
}

const caseCols = `c.id, c.award_id, a.application_id, c.org_id, o.name_zh, o.name_en, o.uscc, c.program_id, p.slug, p.title_zh, p.title_en, p.owner_org_id,
	c.reason, c.district, c.registered_before, c.registered_after, c.tax_before, c.tax_after, a.paid_on, a.obligation_until, c.left_on,
	c.award_fen, c.pro_rata, c.obligation_days, c.served_days, c.amount_due_fen, c.due_on, c.status, c.notes, c.waive_reason,
	c.journal_id, c.repaid_on, c.version, c.created_at, c.updated_at`

const caseFrom = ` FROM clawback_cases c JOIN awards a ON a.id = c.award_id JOIN orgs o ON o.id = c.org_id JOIN programs p ON p.id = c.program_id`

func scanCase(sc interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var paid, until, left, due, repaid db.Date
	var created, updated db.Time
	err := sc.Scan(&c.ID, &c.AwardID, &c.ApplicationID, &c.OrgID, &c.OrgNameZh, &c.OrgNameEn, &c.USCC, &c.ProgramID, &c.ProgramSlug, &c.ProgramTitleZh, &c.ProgramTitleEn, &c.ProgramOwnerID,
		&c.Reason, &c.District, &c.RegisteredBefore, &c.RegisteredAfter, &c.TaxBefore, &c.TaxAfter, &paid, &until, &left,
		&c.AwardFen, &c.ProRata, &c.ObligationDays, &c.ServedDays, &c.AmountDueFen, &due, &c.Status, &c.Notes, &c.WaiveReason,
		&c.JournalID, &repaid, &c.Version, &created, &updated)
	c.PaidOn, c.ObligationUntil, c.LeftOn, c.DueOn, c.RepaidOn = paid.String, until.String, left.String, due.String, repaid.Ptr()
	c.CreatedAt, c.UpdatedAt = created.Time, updated.Time
	return c, err
}

func (s *Service) get(ctx context.Context, q ledger.Querier, id int64) (Case, error) {
	c, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseCols+caseFrom+` WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.New(apperr.NotFound, "no clawback case %d", id)
	}
	return c, apperr.Wrap(err, "clawback case")
}

// CanManage reports whether p acts on c: administrators and the officers
// of the program's agency.
func CanManage(p *auth.Principal, c *Case) bool { return canManage(p, c.ProgramOwnerID) }

// canSee: those who manage the case, the recipient's members, and the
// officers of the award's district.
func canSee(p *auth.Principal, c *Case) bool {
	return CanManage(p, c) || p.RoleIn(c.OrgID) != "" || p.OfficerFor(c.District)
}

// Get returns a case for those who may see it.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (Case, error) {
	if p == nil {
		return Case{}, apperr.New(apperr.Unauthorized, "sign in to see a clawback case")
	}
	c, err := s.get(ctx, s.DB.Read, id)
	if err != nil {
		return Case{}, err
	}
	if !canSee(p, &c) {
		return Case{}, apperr.New(apperr.NotFound, "no clawback case %d", id)
	}
	return c, nil
}

// Detail is a case with its history and the actions p may take.
type Detail struct {
	Case
	History []workflow.Record `json:"history"`
	Actions []workflow.Option `json:"actions"`
}

// Detail returns a case with its history and p's actions.
func (s *Service) Detail(ctx context.Context, p *auth.Principal, id int64) (Detail, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return Detail{}, err
	}
	h, err := s.machine.History(ctx, s.DB.Read, id)
	if err != nil {
		return Detail{}, err
	}
	acts, err := s.machine.Available(ctx, s.DB.Read, c.subject(), p)
	if err != nil {
		return Detail{}, err
	}
	return Detail{Case: c, History: h, Actions: acts}, nil
}

// Filter selects cases for the officers' list.
type Filter struct {
	Status  string
	Program int64
	After   int64 // id cursor
	Limit   int
}

// List returns the cases of the programs p manages (every case for
// administrators), oldest open first within each state.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) (CaseList, error) {
	if p == nil {
		return CaseList{}, apperr.New(apperr.Unauthorized, "sign in to see clawback cases")
	}
	if !p.IsAdmin() && !p.IsOfficer() {
		return CaseList{}, apperr.New(apperr.Forbidden, "only officers and administrators see clawback cases")
	}
	var fs []apperr.FieldError
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		fs = append(fs, apperr.FieldError{Field: "status", Message: "must be one of open, agreed, waived, repaid"})
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	if f.Limit < 1 || f.Limit > 500 {
		fs = append(fs, apperr.FieldError{Field: "limit", Message: "must be between 1 and 500"})
	}
	if err := apperr.Fields(fs); err != nil {
		return CaseList{}, err
	}
	out := CaseList{Items: []Case{}}
	var a db.Args
	q := `SELECT ` + caseCols + caseFrom + ` WHERE c.id > ` + a.Add(f.After)
	if !p.IsAdmin() {
		var owners []string
		for _, m := range p.Memberships {
			if m.OrgKind == "agency" {
				owners = append(owners, a.Add(m.OrgID))
			}
		}
		if len(owners) == 0 {
			return out, nil
		}
		q += ` AND p.owner_org_id IN (` + strings.Join(owners, ", ") + `)`
	}
	if f.Status != "" {
		q += ` AND c.status = ` + a.Add(f.Status)
	}
	if f.Program != 0 {
		q += ` AND c.program_id = ` + a.Add(f.Program)
	}
	q += ` ORDER BY c.id LIMIT ` + a.Add(f.Limit+1)
	rows, err := s.DB.Read.QueryContext(ctx, q, a...)
	cs, err := db.Collect(rows, err, "clawback cases", scanCase)
	if err != nil {
		return CaseList{}, err
	}
	if len(cs) > f.Limit {
		cs = cs[:f.Limit]
		c := strconv.FormatInt(cs[f.Limit-1].ID, 10)
		out.NextCursor = &c
	}
	if len(cs) > 0 {
		out.Items = cs
	}
	return out, nil
}

// CaseList is a page of cases.
type CaseList struct {
	Items      []Case  `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// Change is the officers' edit of an open or agreed case.
type Change struct {
	Notes *string `json:"notes"`
	DueOn *string `json:"due_on"`
	// Version, when given, must be the case's current version.
	Version *int `json:"version"`
}

// MaxNotes is the longest notes text, in characters.
const MaxNotes = 4000

func checkText(field, v string, max int) *apperr.FieldError {
	if !utf8.ValidString(v) {
		return &apperr.FieldError{Field: field, Message: "must be valid UTF-8"}
	}
	if utf8.RuneCountInString(v) > max {
		return &apperr.FieldError{Field: field, Message: "at most " + strconv.Itoa(max) + " characters"}
	}
	for _, r := range v {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f {
			return &apperr.FieldError{Field: field, Message: "must not contain control characters"}
		}
	}
	return nil
}

func checkDate(field, v string) *apperr.FieldError {
	t, err := time.Parse(time.DateOnly, v)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return &apperr.FieldError{Field: field, Message: "must be a date YYYY-MM-DD between 2000 and 2100"}
	}
	return nil
}

// Validate checks a change.
func (ch *Change) Validate() error {
	var fs []apperr.FieldError
	if ch.Notes != nil {
		if fe := checkText("notes", *ch.Notes, MaxNotes); fe != nil {
			fs = append(fs, *fe)
		}
	}
	if ch.DueOn != nil {
		if fe := checkDate("due_on", *ch.DueOn); fe != nil {
			fs = append(fs, *fe)
		}
	}
	return apperr.Fields(fs)
}

// mutate loads a case for update inside tx and checks p manages it and
// the version.
func (s *Service) mutate(ctx context.Context, tx *sql.Tx, p *auth.Principal, id int64, version *int) (Case, error) {
	if p == nil {
		return Case{}, apperr.New(apperr.Unauthorized, "sign in to act on a clawback case")
	}
	c, err := s.get(ctx, tx, id)
	if err != nil {
		return Case{}, err
	}
	if !CanManage(p, &c) {
		return Case{}, apperr.New(apperr.Forbidden, "only officers of the program's agency and administrators act on its clawback cases")
	}
	if version != nil && *version != c.Version {
		return Case{}, apperr.New(apperr.Conflict, "the clawback case changed meanwhile (version %d, not %d); reload it", c.Version, *version)
	}
	return c, nil
}

// Update changes the notes or the due date of a case that is not closed.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, ch Change) (Case, error) {
	if err := ch.Validate(); err != nil {
		return Case{}, err
	}
	var out Case
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.mutate(ctx, tx, p, id, ch.Version)
		if err != nil {
			return err
		}
		if c.Status == Waived || c.Status == Repaid {
			return apperr.New(apperr.Conflict, "the clawback case is closed (%s)", c.Status)
		}
		after := c
		if ch.Notes != nil {
			after.Notes = strings.TrimSpace(*ch.Notes)
		}
		if ch.DueOn != nil {
			after.DueOn = *ch.DueOn
		}
		now := s.DB.Now()
		r, err := tx.ExecContext(ctx, `UPDATE clawback_cases SET notes = $1, due_on = $2, version = version + 1, updated_at = $3 WHERE id = $4 AND version = $5`,
			after.Notes, after.DueOn, now, id, c.Version)
		if err != nil {
			return apperr.Wrap(err, "update clawback case")
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "the clawback case changed meanwhile; reload it")
		}
		if out, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: c.OrgID, Action: "clawback_case.update", Entity: "clawback_case", EntityID: strconv.FormatInt(id, 10), Before: c, After: out})
	})
	return out, err
}

// Action is an officer's decision on a case.
type Action struct {
	// Comment is recorded in the case's history; it is the reason of a
	// waiver and required for it.
	Comment string `json:"comment"`
	// DueOn, for agree, is the agreed date of repayment.
	DueOn *string `json:"due_on"`
	// PaidOn, for repay, is the day the money was received (today if
	// empty).
	PaidOn  *string `json:"paid_on"`
	Version *int    `json:"version"`
}

func (a *Action) validate(action string) error {
	var fs []apperr.FieldError
	if a.DueOn != nil {
		if action != "agree" {
			fs = append(fs, apperr.FieldError{Field: "due_on", Message: "is only for agree"})
		} else if fe := checkDate("due_on", *a.DueOn); fe != nil {
			fs = append(fs, *fe)
		}
	}
	if a.PaidOn != nil {
		if action != "repay" {
			fs = append(fs, apperr.FieldError{Field: "paid_on", Message: "is only for repay"})
		} else if fe := checkDate("paid_on", *a.PaidOn); fe != nil {
			fs = append(fs, *fe)
		}
	}
	return apperr.Fields(fs)
}

// Actions lists the actions of the case workflow.
var Actions = []string{"agree", "waive", "repay"}

// Act takes an action on a case: agree (optionally with a new due date),
// waive (the comment is the reason, required) or repay (posts the amount
// due through the ledger and marks the award clawed_back). Repaying a
// case that was already repaid returns it unchanged.
func (s *Service) Act(ctx context.Context, p *auth.Principal, id int64, action string, in Action) (Detail, error) {
	if !slices.Contains(Actions, action) {
		return Detail{}, apperr.Field("action", "must be one of agree, waive, repay")
	}
	if err := in.validate(action); err != nil {
		return Detail{}, err
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		c, err := s.mutate(ctx, tx, p, id, in.Version)
		if err != nil {
			return err
		}
		if action == "repay" && c.Status == Repaid && in.Version == nil {
			return nil // a retried repayment: already booked
		}
		rec, err := s.machine.Apply(ctx, tx, c.subject(), action, p, in.Comment)
		if err != nil {
			return err
		}
		now := s.DB.Now()
		switch action {
		case "agree":
			if in.DueOn != nil {
				_, err = tx.ExecContext(ctx, `UPDATE clawback_cases SET due_on = $1 WHERE id = $2`, *in.DueOn, id)
			}
		case "waive":
			_, err = tx.ExecContext(ctx, `UPDATE clawback_cases SET waive_reason = $1 WHERE id = $2`, rec.Comment, id)
		case "repay":
			err = s.repay(ctx, tx, c, in.PaidOn, now)
		}
		if err != nil {
			return apperr.Wrap(err, "clawback "+action)
		}
		after, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: c.OrgID, Action: "clawback_case." + action, Entity: "clawback_case", EntityID: strconv.FormatInt(id, 10), Before: c, After: after})
	})
	if err != nil {
		return Detail{}, err
	}
	return s.Detail(ctx, p, id)
}

// Account codes of the repayments.
const (
	// FundAccount receives repayments of programs without a budget account.
	FundAccount = "fund:clawbacks"
	// ReceiptsAccount is the cash side of a repayment into a
	// credit-normal budget; RecoveriesAccount the income side of one into
	// a debit-normal budget.
	ReceiptsAccount   = "cash:clawbacks"
	RecoveriesAccount = "income:clawbacks"
)

// BudgetCode is the ledger code of a program's budget account.
func BudgetCode(programID int64) string { return "budget:program:" + strconv.FormatInt(programID, 10) }

// RepayKey is the idempotency key of a case's repayment journal.
func RepayKey(caseID int64) string { return "obligations:repay:" + strconv.FormatInt(caseID, 10) }

// repay books the amount due back into the program's budget (or the
// clawback fund when the program has no budget account), whatever the
// budget account's type: its balance rises by the amount, and the other
// side is cash received (credit-normal budget) or recovered income
// (debit-normal budget). It marks the award clawed_back.
func (s *Service) repay(ctx context.Context, tx *sql.Tx, c Case, paidOn *string, now time.Time) error {
	day := now.In(china).Format(time.DateOnly)
	if paidOn != nil {
		day = *paidOn
	}
	if c.AmountDueFen > 0 {
		dest, err := s.Ledger.AccountByCode(ctx, tx, BudgetCode(c.ProgramID))
		if apperr.CodeOf(err) == apperr.NotFound {
			dest, err = s.Ledger.EnsureAccount(ctx, tx, ledger.Account{Code: FundAccount, NameZh: "追回的资助资金", NameEn: "Recovered grant funds", Type: ledger.Asset, Kind: "fund", NonNegative: true})
		}
		if err != nil {
			return err
		}
		other := ledger.Account{Code: RecoveriesAccount, NameZh: "追回资助收入", NameEn: "Grant recoveries", Type: ledger.Income, Kind: "income"}
		if dest.Type.Sign() < 0 {
			other = ledger.Account{Code: ReceiptsAccount, NameZh: "追回款项", NameEn: "Repayments received", Type: ledger.Asset, Kind: "cash"}
		}
		counter, err := s.Ledger.EnsureAccount(ctx, tx, other)
		if err != nil {
			return err
		}
		amt := c.AmountDueFen * dest.Type.Sign()
		j, err := s.Ledger.Post(ctx, tx, ledger.Entry{
			Key:         RepayKey(c.ID),
			Description: "Clawback of award " + strconv.FormatInt(c.AwardID, 10) + " (" + c.ProgramSlug + ")",
			Ref:         ledger.Ref{Entity: "clawback_case", ID: strconv.FormatInt(c.ID, 10)},
			EffectiveOn: day,
			OrgID:       c.OrgID,
			Postings:    []ledger.Posting{{AccountID: dest.ID, Amount: amt}, {AccountID: counter.ID, Amount: -amt}},
		})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE clawback_cases SET journal_id = $1 WHERE id = $2`, j.ID, c.ID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE clawback_cases SET repaid_on = $1 WHERE id = $2`, day, c.ID); err != nil {
		return err
	}
	r, err := tx.ExecContext(ctx, `UPDATE awards SET status = 'clawed_back', version = version + 1, updated_at = $1 WHERE id = $2 AND status = 'paid'`, now, c.AwardID)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return apperr.New(apperr.Conflict, "award %d is no longer paid", c.AwardID)
	}
	return audit.Record(ctx, tx, now, audit.Change{OrgID: c.OrgID, Action: "award.clawed_back", Entity: "award", EntityID: strconv.FormatInt(c.AwardID, 10),
		Before: map[string]any{"status": "paid"}, After: map[string]any{"status": "clawed_back", "clawback_case": c.ID, "repaid_fen": c.AmountDueFen}})
}
