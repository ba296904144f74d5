package programs

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
)

// progCols is the column list every program query selects, in scanProgram
// order.
const progCols = `id, slug, owner_org_id, level, fund_name_zh, fund_name_en, fund_code, title_zh, title_en,
	summary_zh, summary_en, legal_reference, rule_set, rules_status, rules_failures, opens_on, closes_on,
	budget_fen, required_documents, auto_grant, status, version, created_at, updated_at, published_at, closed_at,
	excludes, yields_to_higher, obligation_years, clawback_pro_rata`

type scanner interface{ Scan(...any) error }

func scanProgram(row scanner) (Program, error) {
	var p Program
	var owner, budget sql.NullInt64
	var opens, closes db.Date
	var published, closed db.Time
	var ruleSet, failures, docs, excludes string
	err := row.Scan(&p.ID, &p.Slug, &owner, &p.Level, &p.FundNameZh, &p.FundNameEn, &p.FundCode, &p.TitleZh, &p.TitleEn,
		&p.SummaryZh, &p.SummaryEn, &p.LegalReference, &ruleSet, &p.RulesStatus, &failures, &opens, &closes,
		&budget, &docs, &p.AutoGrant, &p.Status, &p.Version, &p.CreatedAt, &p.UpdatedAt, &published, &closed,
		&excludes, &p.YieldsToHigher, &p.ObligationYears, &p.ClawbackProRata)
	if err != nil {
		return p, err
	}
	if owner.Valid {
		p.OwnerOrgID = &owner.Int64
	}
	if budget.Valid {
		p.BudgetFen = &budget.Int64
	}
	p.OpensOn, p.ClosesOn = opens.Ptr(), closes.Ptr()
	p.PublishedAt, p.ClosedAt = published.Ptr(), closed.Ptr()
	p.RuleSet = json.RawMessage(ruleSet)
	if err := json.Unmarshal([]byte(failures), &p.RulesFailures); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(docs), &p.RequiredDocuments); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(excludes), &p.Excludes); err != nil {
		return p, err
	}
	if p.Excludes == nil {
		p.Excludes = []string{}
	}
	if p.RulesFailures == nil {
		p.RulesFailures = []string{}
	}
	if p.RequiredDocuments == nil {
		p.RequiredDocuments = []Document{}
	}
	return p, nil
}

type querier interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// getProgram finds a program by id (a ref of digits) or slug.
func getProgram(ctx context.Context, q querier, ref string) (Program, error) {
	var row *sql.Row
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		row = q.QueryRowContext(ctx, `SELECT `+progCols+` FROM programs WHERE id = $1`, id)
	} else {
		row = q.QueryRowContext(ctx, `SELECT `+progCols+` FROM programs WHERE slug = $1`, ref)
	}
	p, err := scanProgram(row)
	if err == sql.ErrNoRows {
		return p, apperr.New(apperr.NotFound, "no program %q", clip(ref))
	}
	return p, apperr.Wrap(err, "get program")
}

// programValues are the written columns, in writeCols order.
const writeCols = `slug, owner_org_id, level, fund_name_zh, fund_name_en, fund_code, title_zh, title_en,
	summary_zh, summary_en, legal_reference, rule_set, rules_status, rules_failures, opens_on, closes_on,
	budget_fen, required_documents, auto_grant, status`

func programValues(p *Program) ([]any, error) {
	failures, err := json.Marshal(p.RulesFailures)
	if err != nil {
		return nil, err
	}
	docs, err := json.Marshal(p.RequiredDocuments)
	if err != nil {
		return nil, err
	}
	return []any{p.Slug, db.Nullable(p.OwnerOrgID), p.Level, p.FundNameZh, p.FundNameEn, p.FundCode, p.TitleZh, p.TitleEn,
		p.SummaryZh, p.SummaryEn, p.LegalReference, string(p.RuleSet), p.RulesStatus, string(failures), db.Nullable(p.OpensOn), db.Nullable(p.ClosesOn),
		db.Nullable(p.BudgetFen), string(docs), p.AutoGrant, p.Status}, nil
}

const insertSQL = `INSERT INTO programs (` + writeCols + `, version, created_at, updated_at, published_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 1, $21, $21, $22)`

// insertIfAbsentSQL is insertSQL that leaves an existing slug alone.
const insertIfAbsentSQL = insertSQL + ` ON CONFLICT (slug) DO NOTHING RETURNING id`

const updateSQL = `UPDATE programs SET slug = $1, owner_org_id = $2, level = $3, fund_name_zh = $4, fund_name_en = $5, fund_code = $6,
	title_zh = $7, title_en = $8, summary_zh = $9, summary_en = $10, legal_reference = $11, rule_set = $12, rules_status = $13,
	rules_failures = $14, opens_on = $15, closes_on = $16, budget_fen = $17, required_documents = $18, auto_grant = $19, status = $20,
	updated_at = $21, published_at = $22, closed_at = $23, version = version + 1
	WHERE id = $24 AND version = $25`

// writeTerms stores what a program says about stacking and obligations,
// in the transaction that writes the program.
func writeTerms(ctx context.Context, tx *sql.Tx, p *Program) error {
	ex, err := json.Marshal(p.Excludes)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE programs SET excludes = $1, yields_to_higher = $2, obligation_years = $3, clawback_pro_rata = $4 WHERE id = $5`,
		string(ex), p.YieldsToHigher, p.ObligationYears, p.ClawbackProRata, p.ID)
	return apperr.Wrap(err, "program terms")
}

func clip(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}
