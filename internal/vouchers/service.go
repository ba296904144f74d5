package vouchers

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/ledger"
	"rainforest/internal/kernel/notify"
)

// Rules decides eligibility through the rules engine (the programs
// module's programs); the app wires it.
type Rules interface {
	// Check reports whether ref names a program the rules can evaluate.
	Check(ctx context.Context, ref string) error
	// Eligible evaluates an organization as of today: "eligible",
	// "ineligible" or "unknown", with the reason in both languages.
	Eligible(ctx context.Context, orgID int64, ref string) (status, reasonZh, reasonEn string, err error)
}

// Service is the voucher module.
type Service struct {
	DB       *db.DB
	Rules    Rules
	Notifier *notify.Notifier
}

var shanghai = time.FixedZone("CST", 8*3600)

func (s *Service) today() string { return s.DB.Now().In(shanghai).Format(time.DateOnly) }
func (s *Service) month() string { return s.DB.Now().In(shanghai).Format("2006-01") }

func (s *Service) ledger() *ledger.Ledger { return ledger.New(s.DB) }

type scanner interface{ Scan(...any) error }

const programCols = `p.id, p.slug, p.owner_org_id, o.name_zh, p.name_zh, p.name_en, p.description_zh, p.description_en, p.eligibility, p.face_fen,
	p.voucher_share_bp, p.subsidy_share_bp, p.validity_days, p.categories, p.regions, p.auto_issue, p.budget_fen, p.status, p.version, p.created_at, p.updated_at`

const programFrom = ` FROM voucher_programs p JOIN orgs o ON o.id = p.owner_org_id`

func scanProgram(r scanner) (Program, error) {
	var p Program
	var cats, regs string
	err := r.Scan(&p.ID, &p.Slug, &p.OwnerOrgID, &p.OwnerName, &p.NameZh, &p.NameEn, &p.DescriptionZh, &p.DescriptionEn, &p.Eligibility, &p.FaceFen,
		&p.VoucherShareBP, &p.SubsidyShareBP, &p.ValidityDays, &cats, &regs, &p.AutoIssue, &p.BudgetFen, &p.Status, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	p.Categories, p.Regions = strings.Split(cats, ","), strings.Split(regs, ",")
	return p, err
}

func loadProgram(ctx context.Context, q querier, id int64) (Program, error) {
	p, err := scanProgram(q.QueryRowContext(ctx, `SELECT `+programCols+programFrom+` WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "no voucher program %d", id)
	}
	return p, apperr.Wrap(err, "voucher program")
}

// manages reports whether p runs a program of owner: officers who are
// members of the owning agency, and administrators.
func manages(p *auth.Principal, owner int64) bool {
	return p.IsAdmin() || (p.IsOfficer() && p.RoleIn(owner) != "")
}

func budgetCode(id int64) string  { return "voucher:budget:" + strconv.FormatInt(id, 10) }
func voucherCode(id int64) string { return "voucher:" + strconv.FormatInt(id, 10) }
func dueCode(org int64) string    { return "voucher:due:org:" + strconv.FormatInt(org, 10) }
func paidCode(org int64) string   { return "voucher:paid:org:" + strconv.FormatInt(org, 10) }

// fund opens the program's budget account and tops it up (or cuts it, as
// far as it is unspent) to the program's budget, through appropriation
// entries.
func (s *Service) fund(ctx context.Context, tx *sql.Tx, prog *Program) (ledger.Account, error) {
	l := s.ledger()
	budget, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: budgetCode(prog.ID), NameZh: "创新券预算：" + prog.NameZh, NameEn: "Voucher budget: " + cmp.Or(prog.NameEn, prog.NameZh),
		Type: ledger.Asset, Kind: "budget", NonNegative: true, OwnerOrgID: &prog.OwnerOrgID})
	if err != nil {
		return budget, err
	}
	src, err := l.EnsureAccount(ctx, tx, ledger.Account{Code: "appropriation:voucher:" + strconv.FormatInt(prog.ID, 10), NameZh: "财政拨款：" + prog.NameZh,
		NameEn: "Appropriation: " + cmp.Or(prog.NameEn, prog.NameZh), Type: ledger.Equity, Kind: "appropriation", OwnerOrgID: &prog.OwnerOrgID})
	if err != nil {
		return budget, err
	}
	appropriated := src.Balance // equity is credit-normal: the sum appropriated
	delta := prog.BudgetFen - appropriated
	if delta == 0 {
		return budget, nil
	}
	if delta < 0 && budget.Available() < -delta {
		return budget, apperr.Field("budget_yuan", "is less than what is already issued (at least %s)", yuan(appropriated-budget.Available()))
	}
	_, err = l.Post(ctx, tx, ledger.Entry{
		Key:         "vouchers:budget:" + strconv.FormatInt(prog.ID, 10) + ":" + strconv.FormatInt(prog.BudgetFen, 10) + ":" + strconv.FormatInt(appropriated, 10),
		Description: "Budget of voucher program " + prog.Slug + " set to " + ledger.Yuan(prog.BudgetFen) + " yuan",
		Ref:         ledger.Ref{Entity: "voucher_program", ID: strconv.FormatInt(prog.ID, 10)},
		OrgID:       prog.OwnerOrgID,
		Postings:    []ledger.Posting{{AccountID: budget.ID, Amount: delta}, {AccountID: src.ID, Amount: -delta}},
	})
	if err != nil {
		return budget, err
	}
	return l.Account(ctx, tx, budget.ID)
}

// SaveProgram creates a program (id 0) or replaces one. A program that is
// open keeps its terms; only its names, descriptions and budget change.
func (s *Service) SaveProgram(ctx context.Context, p *auth.Principal, id int64, in ProgramInput) (Program, error) {
	if p == nil {
		return Program{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	prog, err := in.normalize()
	if err != nil {
		return Program{}, err
	}
	if !manages(p, prog.OwnerOrgID) {
		return Program{}, apperr.New(apperr.Forbidden, "officers of the owning agency run its voucher programs")
	}
	if prog.Eligibility != "" && s.Rules != nil {
		if err := s.Rules.Check(ctx, prog.Eligibility); err != nil {
			return Program{}, apperr.Field("eligibility", "is not a program the rules can evaluate")
		}
	}
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var before *Program
		cats, regs := strings.Join(prog.Categories, ","), strings.Join(prog.Regions, ",")
		if id == 0 {
			var dup int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM voucher_programs WHERE slug = $1`, prog.Slug).Scan(&dup); err == nil {
				return apperr.Field("slug", "is taken (program %d)", dup).WithCode(apperr.Conflict)
			} else if !errors.Is(err, sql.ErrNoRows) {
				return apperr.Wrap(err, "slug")
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO voucher_programs (slug, owner_org_id, name_zh, name_en, description_zh, description_en, eligibility,
				face_fen, voucher_share_bp, subsidy_share_bp, validity_days, categories, regions, auto_issue, budget_fen, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id`,
				prog.Slug, prog.OwnerOrgID, prog.NameZh, prog.NameEn, prog.DescriptionZh, prog.DescriptionEn, prog.Eligibility, prog.FaceFen,
				prog.VoucherShareBP, prog.SubsidyShareBP, prog.ValidityDays, cats, regs, prog.AutoIssue, prog.BudgetFen, now).Scan(&id); err != nil {
				return apperr.Wrap(err, "insert voucher program")
			}
		} else {
			old, err := loadProgram(ctx, tx, id)
			if err != nil {
				return err
			}
			if !manages(p, old.OwnerOrgID) {
				return apperr.New(apperr.Forbidden, "officers of the owning agency run its voucher programs")
			}
			if in.Version != nil && *in.Version != old.Version {
				return apperr.New(apperr.Conflict, "the program changed meanwhile (version %d, not %d)", old.Version, *in.Version)
			}
			if old.Slug != prog.Slug || old.OwnerOrgID != prog.OwnerOrgID {
				return apperr.Field("slug", "and the owner cannot change")
			}
			if old.Status != "draft" && (old.FaceFen != prog.FaceFen || old.VoucherShareBP != prog.VoucherShareBP || old.SubsidyShareBP != prog.SubsidyShareBP ||
				old.ValidityDays != prog.ValidityDays || old.Eligibility != prog.Eligibility || strings.Join(old.Categories, ",") != cats ||
				strings.Join(old.Regions, ",") != regs) {
				return apperr.Field("face_yuan", "and the other terms of an open program cannot change; only its names, descriptions and budget").WithCode(apperr.Conflict)
			}
			before = &old
			if _, err := tx.ExecContext(ctx, `UPDATE voucher_programs SET name_zh = $1, name_en = $2, description_zh = $3, description_en = $4, eligibility = $5,
				face_fen = $6, voucher_share_bp = $7, subsidy_share_bp = $8, validity_days = $9, categories = $10, regions = $11, auto_issue = $12, budget_fen = $13,
				version = version + 1, updated_at = $14 WHERE id = $15`, prog.NameZh, prog.NameEn, prog.DescriptionZh, prog.DescriptionEn, prog.Eligibility,
				prog.FaceFen, prog.VoucherShareBP, prog.SubsidyShareBP, prog.ValidityDays, cats, regs, prog.AutoIssue, prog.BudgetFen, now, id); err != nil {
				return apperr.Wrap(err, "update voucher program")
			}
		}
		after, err := loadProgram(ctx, tx, id)
		if err != nil {
			return err
		}
		if after.Status == "open" {
			if _, err := s.fund(ctx, tx, &after); err != nil {
				return err
			}
		}
		action, b := "create", any(nil)
		if before != nil {
			action, b = "update", before
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: after.OwnerOrgID, Action: action, Entity: "voucher_program", EntityID: strconv.FormatInt(id, 10), Before: b, After: after})
	})
	if err != nil {
		return Program{}, err
	}
	return loadProgram(ctx, s.DB.Read, id)
}

// SetStatus opens (funding the budget) or closes a program.
func (s *Service) SetStatus(ctx context.Context, p *auth.Principal, id int64, status string) (Program, error) {
	if p == nil {
		return Program{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		prog, err := loadProgram(ctx, tx, id)
		if err != nil {
			return err
		}
		if !manages(p, prog.OwnerOrgID) {
			return apperr.New(apperr.Forbidden, "officers of the owning agency run its voucher programs")
		}
		switch {
		case status == "open" && prog.Status == "draft", status == "closed" && prog.Status == "open":
		default:
			return apperr.New(apperr.Conflict, "a %s program cannot be %s", prog.Status, map[string]string{"open": "opened", "closed": "closed"}[status])
		}
		if _, err := tx.ExecContext(ctx, `UPDATE voucher_programs SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3`, status, now, id); err != nil {
			return apperr.Wrap(err, "program status")
		}
		prog.Status = status
		if status == "open" {
			if _, err := s.fund(ctx, tx, &prog); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: prog.OwnerOrgID, Action: status, Entity: "voucher_program", EntityID: strconv.FormatInt(id, 10),
			After: map[string]string{"status": status}})
	})
	if err != nil {
		return Program{}, err
	}
	return loadProgram(ctx, s.DB.Read, id)
}

// Program returns a program: open and closed ones to anyone, drafts to
// those who run them.
func (s *Service) Program(ctx context.Context, p *auth.Principal, id int64) (Program, error) {
	prog, err := loadProgram(ctx, s.DB.Read, id)
	if err == nil && prog.Status == "draft" && !manages(p, prog.OwnerOrgID) {
		return Program{}, apperr.New(apperr.NotFound, "no voucher program %d", id)
	}
	return prog, err
}

// Programs lists the open and closed programs, and the drafts p runs.
func (s *Service) Programs(ctx context.Context, p *auth.Principal) ([]Program, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+programCols+programFrom+` ORDER BY p.status = 'open' DESC, p.id DESC LIMIT 500`)
	ps, err := db.Collect(rows, err, "voucher programs", func(r interface{ Scan(...any) error }) (Program, error) { return scanProgram(r) })
	out := []Program{}
	for _, x := range ps {
		if x.Status != "draft" || manages(p, x.OwnerOrgID) {
			out = append(out, x)
		}
	}
	return out, err
}

const voucherCols = `v.id, v.program_id, p.name_zh, p.name_en, v.org_id, o.name_zh, v.face_fen, v.expires_on, v.status, v.channel, v.created_at, COALESCE(a.balance, 0)`

const voucherFrom = ` FROM vouchers v JOIN voucher_programs p ON p.id = v.program_id JOIN orgs o ON o.id = v.org_id
	LEFT JOIN ledger_accounts a ON a.code = 'voucher:' || CAST(v.id AS TEXT)`

func scanVoucher(r scanner) (Voucher, error) {
	var v Voucher
	var exp db.Date
	err := r.Scan(&v.ID, &v.ProgramID, &v.ProgramZh, &v.ProgramEn, &v.OrgID, &v.OrgName, &v.FaceFen, &exp, &v.Status, &v.Channel, &v.CreatedAt, &v.BalanceFen)
	v.ExpiresOn = exp.String
	return v, err
}

func loadVoucher(ctx context.Context, q querier, id int64) (Voucher, error) {
	v, err := scanVoucher(q.QueryRowContext(ctx, `SELECT `+voucherCols+voucherFrom+` WHERE v.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, apperr.New(apperr.NotFound, "no voucher %d", id)
	}
	return v, apperr.Wrap(err, "voucher")
}

// issue gives org a voucher of prog inside tx: the face value moves from
// the budget to the voucher's own account; an exhausted budget refuses.
func (s *Service) issue(ctx context.Context, tx *sql.Tx, p *auth.Principal, prog *Program, org int64, channel string) (int64, error) {
	now := s.DB.Now()
	expires := now.In(shanghai).AddDate(0, 0, prog.ValidityDays).Format(time.DateOnly)
	var id int64
	var by any
	if p != nil && p.UserID > 0 {
		by = p.UserID
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO vouchers (program_id, org_id, face_fen, expires_on, channel, issued_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, prog.ID, org, prog.FaceFen, expires, channel, by, now).Scan(&id); err != nil {
		return 0, apperr.Wrap(err, "insert voucher")
	}
	l := s.ledger()
	budget, err := s.fund(ctx, tx, prog)
	if err != nil {
		return 0, err
	}
	acct, err := l.OpenAccount(ctx, tx, ledger.Account{Code: voucherCode(id), NameZh: "创新券 " + strconv.FormatInt(id, 10), NameEn: "Voucher " + strconv.FormatInt(id, 10),
		Type: ledger.Asset, Kind: "voucher", NonNegative: true, OwnerOrgID: &org})
	if err != nil {
		return 0, err
	}
	if _, err := l.Post(ctx, tx, ledger.Entry{Key: "vouchers:issue:" + strconv.FormatInt(id, 10), Description: "Voucher issued under " + prog.Slug,
		Ref: ledger.Ref{Entity: "voucher", ID: strconv.FormatInt(id, 10)}, OrgID: org,
		Postings: []ledger.Posting{{AccountID: acct.ID, Amount: prog.FaceFen}, {AccountID: budget.ID, Amount: -prog.FaceFen}}}); err != nil {
		if apperr.CodeOf(err) == apperr.Conflict {
			return 0, apperr.New(apperr.Conflict, "the program's budget is spent: no voucher can be issued")
		}
		return 0, err
	}
	if err := audit.Record(ctx, tx, now, audit.Change{OrgID: org, Action: "issue", Entity: "voucher", EntityID: strconv.FormatInt(id, 10),
		After: map[string]any{"program_id": prog.ID, "face_fen": prog.FaceFen, "expires_on": expires, "channel": channel}}); err != nil {
		return 0, err
	}
	if s.Notifier != nil {
		if _, err := s.Notifier.ToOrg(ctx, tx, org, notify.Message{Kind: "voucher.issued", Key: "voucher.issued:" + strconv.FormatInt(id, 10),
			Title: notify.Text{Zh: "获得创新券：" + prog.NameZh + " " + yuan(prog.FaceFen), En: "Voucher received: " + cmp.Or(prog.NameEn, prog.NameZh) + " " + yuan(prog.FaceFen)},
			Body:  notify.Text{Zh: "有效期至 " + expires, En: "Valid until " + expires}, Link: "/vouchers/" + strconv.FormatInt(id, 10)}); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// eligible asks the rules for org and refuses with the reason.
func (s *Service) eligible(ctx context.Context, prog *Program, org int64) error {
	if prog.Eligibility == "" || s.Rules == nil {
		return nil
	}
	st, zh, en, err := s.Rules.Eligible(ctx, org, prog.Eligibility)
	if err != nil {
		return err
	}
	switch st {
	case "eligible":
		return nil
	case "unknown":
		return apperr.Field("org_id", "cannot be judged yet: %s (%s)", en, zh)
	}
	return apperr.Field("org_id", "is not eligible: %s (%s)", en, zh).WithCode(apperr.Forbidden)
}

// Apply issues a voucher of an open program to an organization p belongs
// to, when the rules find it eligible; one voucher per organization and
// program.
func (s *Service) Apply(ctx context.Context, p *auth.Principal, programID, org int64) (Voucher, error) {
	if p == nil {
		return Voucher{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if org == 0 {
		ids := p.OrgIDs()
		if len(ids) != 1 {
			return Voucher{}, apperr.Field("org_id", "is required: say which organization applies")
		}
		org = ids[0]
	}
	if !p.IsAdmin() && p.RoleIn(org) == "" {
		return Voucher{}, apperr.Field("org_id", "must be an organization you belong to").WithCode(apperr.Forbidden)
	}
	prog, err := loadProgram(ctx, s.DB.Read, programID)
	if err != nil {
		return Voucher{}, err
	}
	if prog.Status != "open" {
		return Voucher{}, apperr.New(apperr.Conflict, "the program is not open for applications")
	}
	if err := s.eligible(ctx, &prog, org); err != nil {
		return Voucher{}, err
	}
	var id int64
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var have int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM vouchers WHERE program_id = $1 AND org_id = $2`, prog.ID, org).Scan(&have); err == nil {
			return apperr.Field("org_id", "already holds this program's voucher %d", have).WithCode(apperr.Conflict)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return apperr.Wrap(err, "voucher")
		}
		id, err = s.issue(ctx, tx, p, &prog, org, "application")
		return err
	})
	if err != nil {
		return Voucher{}, err
	}
	return s.Voucher(ctx, p, id)
}

// IssueResult counts an automatic issue.
type IssueResult struct {
	Issued     int `json:"issued"`
	Held       int `json:"already_held"`
	Ineligible int `json:"ineligible"`
	Unknown    int `json:"unknown"`
	// BudgetSpent: the budget ran out before every eligible enterprise
	// had a voucher.
	BudgetSpent bool `json:"budget_spent"`
}

// IssueAll gives every eligible enterprise of the registry that holds
// none a voucher, each in its own transaction, until the budget is spent.
func (s *Service) IssueAll(ctx context.Context, p *auth.Principal, programID int64) (IssueResult, error) {
	var res IssueResult
	if p == nil {
		return res, apperr.New(apperr.Unauthorized, "sign in")
	}
	prog, err := loadProgram(ctx, s.DB.Read, programID)
	if err != nil {
		return res, err
	}
	if !manages(p, prog.OwnerOrgID) {
		return res, apperr.New(apperr.Forbidden, "officers of the owning agency run its voucher programs")
	}
	if prog.Status != "open" {
		return res, apperr.New(apperr.Conflict, "open the program first")
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT o.id, v.id IS NOT NULL FROM orgs o LEFT JOIN vouchers v ON v.org_id = o.id AND v.program_id = $1
		WHERE o.kind = 'enterprise' ORDER BY o.id`, prog.ID)
	type cand struct {
		id   int64
		held bool
	}
	cs, err := db.Collect(rows, err, "enterprises", func(r interface{ Scan(...any) error }) (cand, error) {
		var c cand
		return c, r.Scan(&c.id, &c.held)
	})
	if err != nil {
		return res, err
	}
	for _, c := range cs {
		if c.held {
			res.Held++
			continue
		}
		if err := s.eligible(ctx, &prog, c.id); err != nil {
			if apperr.CodeOf(err) == apperr.Forbidden {
				res.Ineligible++
				continue
			}
			if apperr.CodeOf(err) == apperr.Invalid {
				res.Unknown++
				continue
			}
			return res, err
		}
		err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
			_, err := s.issue(ctx, tx, p, &prog, c.id, "automatic")
			return err
		})
		if apperr.CodeOf(err) == apperr.Conflict {
			res.BudgetSpent = true
			break
		}
		if err != nil {
			return res, err
		}
		res.Issued++
	}
	return res, nil
}

// mayReadVoucher: the holder's members, the program's officers,
// administrators.
func (s *Service) mayReadVoucher(ctx context.Context, p *auth.Principal, v *Voucher) (bool, error) {
	if p == nil {
		return false, nil
	}
	if p.IsAdmin() || p.RoleIn(v.OrgID) != "" {
		return true, nil
	}
	var owner int64
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT owner_org_id FROM voucher_programs WHERE id = $1`, v.ProgramID).Scan(&owner); err != nil {
		return false, apperr.Wrap(err, "program")
	}
	return manages(p, owner), nil
}

// Voucher returns a voucher with its redemptions.
func (s *Service) Voucher(ctx context.Context, p *auth.Principal, id int64) (Voucher, error) {
	if p == nil {
		return Voucher{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if _, err := s.Expire(ctx); err != nil {
		return Voucher{}, err
	}
	v, err := loadVoucher(ctx, s.DB.Read, id)
	if err != nil {
		return v, err
	}
	if ok, err := s.mayReadVoucher(ctx, p, &v); err != nil || !ok {
		if err == nil {
			err = apperr.New(apperr.NotFound, "no voucher %d", id)
		}
		return Voucher{}, err
	}
	v.Redemptions, err = s.redemptions(ctx, `r.voucher_id = $1`, id)
	return v, err
}

// Vouchers lists the vouchers of p's organizations (administrators: all;
// officers: those of the programs they run), newest first.
func (s *Service) Vouchers(ctx context.Context, p *auth.Principal) ([]Voucher, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	if _, err := s.Expire(ctx); err != nil {
		return nil, err
	}
	var args db.Args
	q := `SELECT ` + voucherCols + voucherFrom
	if !p.IsAdmin() {
		orgs := p.OrgIDs()
		if len(orgs) == 0 {
			return []Voucher{}, nil
		}
		in := db.List(&args, orgs)
		q += ` WHERE v.org_id IN (` + in + `)`
		if p.IsOfficer() {
			q += ` OR p.owner_org_id IN (` + in + `)`
		}
	}
	rows, err := s.DB.Read.QueryContext(ctx, q+` ORDER BY v.id DESC LIMIT 500`, args...)
	vs, err := db.Collect(rows, err, "vouchers", func(r interface{ Scan(...any) error }) (Voucher, error) { return scanVoucher(r) })
	if vs == nil {
		vs = []Voucher{}
	}
	return vs, err
}

// Expire ends the active vouchers past their date: the unspent balance
// returns to the program's budget, in one transaction per voucher.
func (s *Service) Expire(ctx context.Context) (int, error) {
	today := s.today()
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id FROM vouchers WHERE status = 'active' AND expires_on < $1 ORDER BY id`, today)
	ids, err := db.Collect(rows, err, "expired vouchers", func(r interface{ Scan(...any) error }) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE vouchers SET status = 'expired', version = version + 1, updated_at = $1 WHERE id = $2 AND status = 'active'`, s.DB.Now(), id)
			if err != nil {
				return apperr.Wrap(err, "expire voucher")
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			n++
			v, err := loadVoucher(ctx, tx, id)
			if err != nil {
				return err
			}
			if v.BalanceFen > 0 {
				l := s.ledger()
				acct, err := l.AccountByCode(ctx, tx, voucherCode(id))
				if err != nil {
					return err
				}
				budget, err := l.AccountByCode(ctx, tx, budgetCode(v.ProgramID))
				if err != nil {
					return err
				}
				if _, err := l.Post(ctx, tx, ledger.Entry{Key: "vouchers:expire:" + strconv.FormatInt(id, 10), Description: "Unspent balance of an expired voucher returns to the budget",
					Ref: ledger.Ref{Entity: "voucher", ID: strconv.FormatInt(id, 10)}, OrgID: v.OrgID,
					Postings: []ledger.Posting{{AccountID: budget.ID, Amount: v.BalanceFen}, {AccountID: acct.ID, Amount: -v.BalanceFen}}}); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, s.DB.Now(), audit.Change{OrgID: v.OrgID, Action: "expire", Entity: "voucher", EntityID: strconv.FormatInt(id, 10),
				Before: map[string]any{"status": "active", "balance_fen": v.BalanceFen}, After: map[string]any{"status": "expired"}})
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
