package programs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/kernel/workflow"
)

// Grant batch statuses.
const (
	BatchProposed  = "proposed"
	BatchApproved  = "approved"
	BatchDiscarded = "discarded"
)

// GrantBatch is a proposal of apply-free awards for an auto-grant program:
// every enterprise the rules find eligible, with the amount they give.
type GrantBatch struct {
	ID           int64       `json:"id"`
	ProgramID    int64       `json:"program_id"`
	ProgramSlug  string      `json:"program_slug"`
	Status       string      `json:"status"`
	AsOf         string      `json:"as_of"`
	ProjectTitle string      `json:"project_title"`
	Items        int         `json:"items"`
	TotalFen     int64       `json:"total_fen"`
	Skipped      int         `json:"skipped"`
	ProposedAt   time.Time   `json:"proposed_at"`
	DecidedAt    *time.Time  `json:"decided_at"`
	Reason       string      `json:"reason"`
	Version      int         `json:"version"`
	Lines        []GrantLine `json:"lines,omitempty"`
}

// GrantLine is one enterprise of a batch.
type GrantLine struct {
	OrgID         int64  `json:"org_id"`
	OrgNameZh     string `json:"org_name_zh"`
	OrgNameEn     string `json:"org_name_en"`
	AmountFen     int64  `json:"amount_fen"`
	ApplicationID *int64 `json:"application_id"`
}

const batchCols = `b.id, b.program_id, p.slug, b.status, b.as_of, b.project_title, b.items, b.total_fen, b.skipped, b.proposed_at, b.decided_at, b.reason, b.version`

func scanBatch(row interface{ Scan(...any) error }) (GrantBatch, error) {
	var b GrantBatch
	var asOf db.Date
	var dec db.Time
	err := row.Scan(&b.ID, &b.ProgramID, &b.ProgramSlug, &b.Status, &asOf, &b.ProjectTitle, &b.Items, &b.TotalFen, &b.Skipped, &b.ProposedAt, &dec, &b.Reason, &b.Version)
	if p := asOf.Ptr(); p != nil {
		b.AsOf = *p
	}
	b.DecidedAt = dec.Ptr()
	return b, err
}

// grantProgram loads a program p may run apply-free grants of.
func (s *Service) grantProgram(ctx context.Context, q querier, p *auth.Principal, ref string) (Program, error) {
	if p == nil {
		return Program{}, apperr.New(apperr.Unauthorized, "sign in to manage grants")
	}
	prog, err := getProgram(ctx, q, ref)
	if err != nil {
		return prog, err
	}
	if !visible(p, &prog) {
		return prog, apperr.New(apperr.NotFound, "no program %q", clip(ref))
	}
	if !CanEdit(p, &prog) {
		return prog, apperr.New(apperr.Forbidden, "only officers of the owning agency and administrators run a program's grants")
	}
	return s.withOpen(prog), nil
}

// ProposeGrants evaluates every enterprise of the registry against an
// auto-grant program open today and proposes a batch: one line per
// eligible enterprise whose amount the rules give, leaving out those the
// no-double-funding rules would refuse.
func (s *Service) ProposeGrants(ctx context.Context, p *auth.Principal, ref string) (GrantBatch, error) {
	prog, err := s.grantProgram(ctx, s.DB.Read, p, ref)
	if err != nil {
		return GrantBatch{}, err
	}
	if !prog.AutoGrant {
		return GrantBatch{}, apperr.New(apperr.Conflict, "program %s is not an apply-free (auto-grant) program", prog.Slug)
	}
	if !prog.Open {
		return GrantBatch{}, apperr.New(apperr.Conflict, "program %s is not open today", prog.Slug)
	}
	rs, err := s.RuleSet(&prog)
	if err != nil {
		return GrantBatch{}, err
	}
	asOf := s.today()
	profs, ids, _, err := s.enterprises(ctx)
	if err != nil {
		return GrantBatch{}, err
	}
	b := GrantBatch{ProgramID: prog.ID, ProgramSlug: prog.Slug, Status: BatchProposed, AsOf: asOf.Format(time.DateOnly),
		ProjectTitle: fmt.Sprintf("%s（%d）", prog.TitleZh, asOf.Year())}
	if len(profs) > 0 {
		out, err := rs.EvaluateBatch(rules.NewFrame(), rules.NewBatch(profs), asOf)
		if err != nil {
			return GrantBatch{}, err
		}
		key := ProjectKey(b.ProjectTitle)
		for i := 0; i < out.N; i++ {
			if out.Status[i] != rules.Eligible || !out.AmountKnown[i] || out.Amount[i] <= 0 {
				continue
			}
			a := Application{OrgID: ids[i], ProjectKey: key}
			if err := s.checkStacking(ctx, s.DB.Read, &a, &prog); err != nil {
				if apperr.CodeOf(err) != apperr.Conflict {
					return GrantBatch{}, err
				}
				b.Skipped++
				continue
			}
			b.Lines = append(b.Lines, GrantLine{OrgID: ids[i], AmountFen: out.Amount[i] * 100})
			b.TotalFen += out.Amount[i] * 100
		}
	}
	b.Items = len(b.Lines)
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.DB.Now()
		b.ProposedAt = now
		err := tx.QueryRowContext(ctx, `INSERT INTO grant_batches (program_id, status, as_of, project_title, items, total_fen, skipped, proposed_by, proposed_at)
			VALUES ($1, 'proposed', $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			prog.ID, b.AsOf, b.ProjectTitle, b.Items, b.TotalFen, b.Skipped, userOf(p), now).Scan(&b.ID)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "program %s has a proposed batch already: approve or discard it first", prog.Slug)
		}
		if err != nil {
			return apperr.Wrap(err, "insert grant batch")
		}
		for _, l := range b.Lines {
			if _, err := tx.ExecContext(ctx, `INSERT INTO grant_batch_items (batch_id, org_id, amount_fen) VALUES ($1, $2, $3)`, b.ID, l.OrgID, l.AmountFen); err != nil {
				return apperr.Wrap(err, "insert grant line")
			}
		}
		b.Version = 1
		return audit.Record(ctx, tx, now, audit.Change{OrgID: ownerOf(&prog), Action: "propose", Entity: "grant_batch", EntityID: strconv.FormatInt(b.ID, 10),
			After: map[string]any{"program": prog.Slug, "items": b.Items, "total_fen": b.TotalFen, "skipped": b.Skipped}})
	})
	if err != nil {
		return GrantBatch{}, err
	}
	return s.GrantBatch(ctx, p, b.ID)
}

func userOf(p *auth.Principal) any {
	if p == nil || p.UserID == 0 {
		return nil
	}
	return p.UserID
}

func loadBatch(ctx context.Context, q workflow.Querier, id int64) (GrantBatch, error) {
	b, err := scanBatch(q.QueryRowContext(ctx, `SELECT `+batchCols+` FROM grant_batches b JOIN programs p ON p.id = b.program_id WHERE b.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, apperr.New(apperr.NotFound, "no grant batch %d", id)
	}
	return b, apperr.Wrap(err, "load grant batch")
}

func batchLines(ctx context.Context, q workflow.Querier, id int64) ([]GrantLine, error) {
	rows, err := q.QueryContext(ctx, `SELECT i.org_id, o.name_zh, COALESCE(o.name_en, ''), i.amount_fen, i.application_id
		FROM grant_batch_items i JOIN orgs o ON o.id = i.org_id WHERE i.batch_id = $1 ORDER BY i.id`, id)
	return db.Collect(rows, err, "grant lines", func(r interface{ Scan(...any) error }) (GrantLine, error) {
		var l GrantLine
		var app sql.NullInt64
		err := r.Scan(&l.OrgID, &l.OrgNameZh, &l.OrgNameEn, &l.AmountFen, &app)
		if app.Valid {
			l.ApplicationID = &app.Int64
		}
		return l, err
	})
}

// GrantBatch returns a batch with its lines for the program's editors.
func (s *Service) GrantBatch(ctx context.Context, p *auth.Principal, id int64) (GrantBatch, error) {
	b, err := loadBatch(ctx, s.DB.Read, id)
	if err != nil {
		return b, err
	}
	if _, err := s.grantProgram(ctx, s.DB.Read, p, strconv.FormatInt(b.ProgramID, 10)); err != nil {
		if apperr.CodeOf(err) == apperr.Forbidden {
			return GrantBatch{}, apperr.New(apperr.NotFound, "no grant batch %d", id)
		}
		return GrantBatch{}, err
	}
	b.Lines, err = batchLines(ctx, s.DB.Read, id)
	return b, err
}

// GrantBatches lists a program's batches, newest first.
func (s *Service) GrantBatches(ctx context.Context, p *auth.Principal, ref string) (Program, []GrantBatch, error) {
	prog, err := s.grantProgram(ctx, s.DB.Read, p, ref)
	if err != nil {
		return prog, nil, err
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+batchCols+` FROM grant_batches b JOIN programs p ON p.id = b.program_id WHERE b.program_id = $1 ORDER BY b.id DESC LIMIT 100`, prog.ID)
	bs, err := db.Collect(rows, err, "grant batches", scanBatch)
	return prog, bs, err
}

// DecideGrants approves or discards a proposed batch. Approval is one
// transaction: every line becomes an application of origin auto, granted
// (its award reserved on the budget) and disbursed (paid through the
// ledger), and its enterprise is told; a line the budget or the
// no-double-funding rules refuse refuses the whole batch, naming it.
func (s *Service) DecideGrants(ctx context.Context, p *auth.Principal, id int64, approve bool, reason string, version *int) (GrantBatch, error) {
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return GrantBatch{}, apperr.Field("reason", "is required to discard a batch")
	}
	if len([]rune(reason)) > workflow.MaxComment {
		return GrantBatch{}, apperr.Field("reason", "at most %d characters", workflow.MaxComment)
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		b, err := loadBatch(ctx, tx, id)
		if err != nil {
			return err
		}
		prog, err := s.grantProgram(ctx, tx, p, strconv.FormatInt(b.ProgramID, 10))
		if apperr.CodeOf(err) == apperr.Forbidden {
			return apperr.New(apperr.NotFound, "no grant batch %d", id)
		}
		if err != nil {
			return err
		}
		if b.Status != BatchProposed {
			return apperr.New(apperr.Conflict, "grant batch %d is %s already", id, b.Status)
		}
		if version != nil && *version != b.Version {
			return staleVersion(b.Version)
		}
		now := s.DB.Now()
		status := BatchDiscarded
		if approve {
			status = BatchApproved
			if !prog.Open {
				return apperr.New(apperr.Conflict, "program %s is not open today", prog.Slug)
			}
			lines, err := batchLines(ctx, tx, id)
			if err != nil {
				return err
			}
			for _, l := range lines {
				if err := s.grantLine(ctx, tx, p, &prog, &b, l); err != nil {
					return err
				}
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE grant_batches SET status = $1, decided_by = $2, decided_at = $3, reason = $4, version = version + 1
			WHERE id = $5 AND status = 'proposed'`, status, userOf(p), now, reason, id)
		if err != nil {
			return apperr.Wrap(err, "decide grant batch")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "grant batch %d was decided meanwhile", id)
		}
		action := "discard"
		if approve {
			action = "approve"
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: ownerOf(&prog), Action: action, Entity: "grant_batch", EntityID: strconv.FormatInt(id, 10),
			Before: map[string]any{"status": b.Status}, After: map[string]any{"status": status, "reason": reason}})
	})
	if err != nil {
		return GrantBatch{}, err
	}
	return s.GrantBatch(ctx, p, id)
}

// grantLine turns one line into a granted and disbursed application.
func (s *Service) grantLine(ctx context.Context, tx *sql.Tx, p *auth.Principal, prog *Program, b *GrantBatch, l GrantLine) error {
	now := s.DB.Now()
	a := Application{OrgID: l.OrgID, ProjectKey: ProjectKey(b.ProjectTitle), State: AppDraft}
	snap, asOf, err := s.snapshot(ctx, &a, prog)
	if err != nil {
		return err
	}
	raw, err := jsonString(snap)
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO applications (program_id, org_id, project_title, project_key, summary, requested_fen, state, origin, eligibility, rules_as_of, created_by, created_at, updated_at, submitted_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'draft', 'auto', $7, $8, $9, $10, $10, $10) RETURNING id`,
		prog.ID, l.OrgID, b.ProjectTitle, a.ProjectKey, fmt.Sprintf("grant batch %d", b.ID), l.AmountFen, raw, asOf, userOf(p), now).Scan(&a.ID)
	if err != nil {
		return apperr.Wrap(err, "insert granted application")
	}
	if _, err := s.machine().Begin(ctx, tx, workflow.Subject[*subject]{ID: a.ID, State: AppDraft, OrgID: l.OrgID, Value: &subject{app: &a, prog: prog, svc: s}}, p, ""); err != nil {
		return err
	}
	yuan := l.AmountFen / 100
	if err := s.act(ctx, tx, workflow.System, a.ID, ActGrant, ActInput{AmountYuan: &yuan, Comment: fmt.Sprintf("grant batch %d", b.ID)}); err != nil {
		return err
	}
	if err := s.act(ctx, tx, workflow.System, a.ID, ActDisburse, ActInput{}); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE grant_batch_items SET application_id = $1 WHERE batch_id = $2 AND org_id = $3`, a.ID, b.ID, l.OrgID)
	return apperr.Wrap(err, "grant line")
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
