package ledger

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/db"
)

// Post books e inside tx and returns the journal. If e.Key was posted
// before, it returns that journal with Replayed set and writes nothing; the
// same key with different postings is a Conflict. An unbalanced or
// malformed entry is Invalid; a posting that would take a non-negative
// account below zero (counting its holds) is a Conflict naming the
// account. On any error Post's own writes are undone and tx stays usable.
func (l *Ledger) Post(ctx context.Context, tx *sql.Tx, e Entry) (Journal, error) {
	return l.post(ctx, tx, e, release{}, 0)
}

// release frees part of an account's holds in the same update as a posting
// (Settle).
type release struct {
	accountID, amount int64
}

type acctInfo struct {
	code, nameZh, nameEn string
	typ                  Type
	currency             string
}

func (l *Ledger) post(ctx context.Context, tx *sql.Tx, e Entry, rel release, reverses int64) (Journal, error) {
	if err := e.Validate(); err != nil {
		return Journal{}, err
	}
	if e.EffectiveOn == "" {
		e.EffectiveOn = l.Today()
	}
	// A retry usually finds its journal already there: answer it with one
	// read and no savepoint.
	if prev, err := l.journalByKey(ctx, tx, e.Key); err == nil {
		return replay(prev, e)
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return Journal{}, err
	}
	var j Journal
	err := savepoint(ctx, tx, "ledger_post", func() error {
		now := l.DB.Now()
		actor := audit.ActorFrom(ctx)
		var actorID, rev any
		if actor.UserID != 0 {
			actorID = actor.UserID
		}
		if reverses != 0 {
			rev = reverses
		}
		// Claim the key first: a concurrent entry with the same key waits
		// here (PostgreSQL) or behind the single writer (SQLite) and then
		// finds the row.
		err := tx.QueryRowContext(ctx, `INSERT INTO ledger_journals (idempotency_key, description, ref_entity, ref_id, effective_on, actor_user_id, actor_email, reverses_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
			e.Key, e.Description, e.Ref.Entity, e.Ref.ID, e.EffectiveOn, actorID, actor.Email, rev, now).Scan(&j.ID)
		if errors.Is(err, sql.ErrNoRows) {
			prev, err := l.journalByKey(ctx, tx, e.Key)
			if err != nil {
				return err
			}
			j, err = replay(prev, e)
			return err
		}
		if err != nil {
			if reverses != 0 && db.IsUniqueViolation(err) {
				return apperr.New(apperr.Conflict, "journal %d has already been reversed", reverses)
			}
			return apperr.Wrap(err, "ledger insert journal")
		}

		accts, err := loadAccounts(ctx, tx, e.Postings)
		if err != nil {
			return err
		}
		cur := ""
		for i, p := range e.Postings {
			a, ok := accts[p.AccountID]
			if !ok {
				return apperr.Field(fmt.Sprintf("postings[%d].account_id", i), "no ledger account %d", p.AccountID)
			}
			if cur == "" {
				cur = a.currency
			} else if a.currency != cur {
				return apperr.Field(fmt.Sprintf("postings[%d].account_id", i), "account %s is in %s, the others in %s", a.code, a.currency, cur)
			}
		}

		// Update balances in ascending account id order, so that two
		// entries touching the same accounts lock them in the same order.
		order := make([]int, len(e.Postings))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(x, y int) int { return cmp.Compare(e.Postings[x].AccountID, e.Postings[y].AccountID) })
		for _, i := range order {
			p := e.Postings[i]
			a := accts[p.AccountID]
			delta := a.typ.Sign() * p.Amount
			var freed int64
			if p.AccountID == rel.accountID {
				freed = rel.amount
			}
			res, err := tx.ExecContext(ctx, `UPDATE ledger_accounts SET balance = balance + $1, held = held - $2, updated_at = $3
				WHERE id = $4 AND (NOT non_negative OR balance + $1 - held + $2 >= 0)`, delta, freed, now, p.AccountID)
			if err != nil {
				return apperr.Wrap(err, "ledger update balance")
			}
			if n, err := res.RowsAffected(); err != nil {
				return apperr.Wrap(err, "ledger update balance")
			} else if n == 0 {
				return insufficient(ctx, tx, fmt.Sprintf("postings[%d].amount", i), p.AccountID, -delta, freed)
			}
		}

		var args db.Args
		var b strings.Builder
		b.WriteString(`INSERT INTO ledger_postings (journal_id, account_id, amount, effective_on) VALUES `)
		for i, p := range e.Postings {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "(%s, %s, %s, %s)", args.Add(j.ID), args.Add(p.AccountID), args.Add(p.Amount), args.Add(e.EffectiveOn))
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return apperr.Wrap(err, "ledger insert postings")
		}

		j.Key, j.Description, j.Ref, j.EffectiveOn = e.Key, e.Description, e.Ref, e.EffectiveOn
		if actor.UserID != 0 {
			id := actor.UserID
			j.ActorUserID = &id
		}
		if reverses != 0 {
			j.ReversesID = &reverses
		}
		j.ActorEmail, j.CreatedAt = actor.Email, now
		j.Postings = slices.Clone(e.Postings)
		return audit.Record(ctx, tx, now, audit.Change{OrgID: e.OrgID, Action: "ledger.post", Entity: "ledger_journal", EntityID: strconv.FormatInt(j.ID, 10), After: j})
	})
	if err != nil {
		return Journal{}, err
	}
	return j, nil
}

// replay answers an entry whose key was posted before as prev.
func replay(prev Journal, e Entry) (Journal, error) {
	if !samePostings(prev.Postings, e.Postings) {
		return Journal{}, apperr.New(apperr.Conflict, "idempotency key %q was already used by journal %d with other postings", clip(e.Key), prev.ID)
	}
	prev.Replayed = true
	return prev, nil
}

func loadAccounts(ctx context.Context, q Querier, ps []Posting) (map[int64]acctInfo, error) {
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.AccountID
	}
	var args db.Args
	rows, err := q.QueryContext(ctx, `SELECT id, code, name_zh, name_en, type, currency FROM ledger_accounts WHERE id IN (`+db.List(&args, ids)+`)`, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "ledger load accounts")
	}
	defer rows.Close()
	out := make(map[int64]acctInfo, len(ids))
	for rows.Next() {
		var id int64
		var a acctInfo
		if err := rows.Scan(&id, &a.code, &a.nameZh, &a.nameEn, &a.typ, &a.currency); err != nil {
			return nil, apperr.Wrap(err, "ledger load accounts")
		}
		out[id] = a
	}
	return out, apperr.Wrap(rows.Err(), "ledger load accounts")
}

// insufficient builds the Conflict for an account that cannot give need
// fen, naming the account and what it has (counting freed, the part of
// its holds the same update would have released).
func insufficient(ctx context.Context, q Querier, field string, accountID, need, freed int64) error {
	var code, zh, en string
	var balance, held int64
	if err := q.QueryRowContext(ctx, `SELECT code, name_zh, name_en, balance, held FROM ledger_accounts WHERE id = $1`, accountID).Scan(&code, &zh, &en, &balance, &held); err != nil {
		return apperr.Wrap(err, "ledger read account")
	}
	msg := fmt.Sprintf("insufficient funds in account %s (%s / %s): %s yuan available, %s yuan needed", code, zh, en, Yuan(balance-held+freed), Yuan(need))
	return &apperr.Error{Code: apperr.Conflict, Message: msg, Fields: []apperr.FieldError{{Field: field, Message: msg}}}
}

func samePostings(a, b []Posting) bool {
	if len(a) != len(b) {
		return false
	}
	by := func(x, y Posting) int { return cmp.Compare(x.AccountID, y.AccountID) }
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, by)
	slices.SortFunc(b, by)
	return slices.Equal(a, b)
}

// Reverse posts the opposite of journal id under key: every posting
// negated, dated today, pointing back at it. A journal is reversed at most
// once; reversing with the key of an earlier reversal returns it.
func (l *Ledger) Reverse(ctx context.Context, tx *sql.Tx, id int64, key, description string) (Journal, error) {
	orig, err := l.Journal(ctx, tx, id)
	if err != nil {
		return Journal{}, err
	}
	e := Entry{Key: key, Description: description, Ref: orig.Ref}
	for _, p := range orig.Postings {
		e.Postings = append(e.Postings, Posting{AccountID: p.AccountID, Amount: -p.Amount})
	}
	return l.post(ctx, tx, e, release{}, id)
}

const journalCols = `id, idempotency_key, description, ref_entity, ref_id, effective_on, actor_user_id, actor_email, reverses_id, created_at`

func scanJournal(row interface{ Scan(...any) error }) (Journal, error) {
	var j Journal
	var actor, rev sql.NullInt64
	var on db.Date
	err := row.Scan(&j.ID, &j.Key, &j.Description, &j.Ref.Entity, &j.Ref.ID, &on, &actor, &j.ActorEmail, &rev, &j.CreatedAt)
	j.EffectiveOn = on.String
	if actor.Valid {
		j.ActorUserID = &actor.Int64
	}
	if rev.Valid {
		j.ReversesID = &rev.Int64
	}
	return j, err
}

// Journal returns journal id with its postings.
func (l *Ledger) Journal(ctx context.Context, q Querier, id int64) (Journal, error) {
	j, err := scanJournal(q.QueryRowContext(ctx, `SELECT `+journalCols+` FROM ledger_journals WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return j, apperr.New(apperr.NotFound, "no journal %d", id)
	}
	if err != nil {
		return j, apperr.Wrap(err, "ledger journal")
	}
	return j, loadPostings(ctx, q, &j)
}

// JournalByKey returns the journal posted under key.
func (l *Ledger) JournalByKey(ctx context.Context, q Querier, key string) (Journal, error) {
	return l.journalByKey(ctx, q, key)
}

func (l *Ledger) journalByKey(ctx context.Context, q Querier, key string) (Journal, error) {
	// One query for the journal and its postings: this is the path every
	// retried request takes.
	rows, err := q.QueryContext(ctx, `SELECT j.id, j.idempotency_key, j.description, j.ref_entity, j.ref_id, j.effective_on, j.actor_user_id, j.actor_email, j.reverses_id, j.created_at, p.account_id, p.amount
		FROM ledger_journals j JOIN ledger_postings p ON p.journal_id = j.id
		WHERE j.idempotency_key = $1 ORDER BY p.id`, key)
	if err != nil {
		return Journal{}, apperr.Wrap(err, "ledger journal")
	}
	defer rows.Close()
	var j Journal
	for rows.Next() {
		var p Posting
		row, err := scanJournal(scanPrefix{rows, &p})
		if err != nil {
			return Journal{}, apperr.Wrap(err, "ledger journal")
		}
		if j.ID == 0 {
			j = row
			j.Postings = []Posting{}
		}
		j.Postings = append(j.Postings, p)
	}
	if err := rows.Err(); err != nil {
		return Journal{}, apperr.Wrap(err, "ledger journal")
	}
	if j.ID == 0 {
		return j, apperr.New(apperr.NotFound, "no journal with key %q", clip(key))
	}
	return j, nil
}

// scanPrefix scans a journal row followed by a posting's two columns.
type scanPrefix struct {
	rows *sql.Rows
	p    *Posting
}

func (s scanPrefix) Scan(dest ...any) error {
	return s.rows.Scan(append(dest, &s.p.AccountID, &s.p.Amount)...)
}

// Journals lists the journals about one record, oldest first.
func (l *Ledger) Journals(ctx context.Context, q Querier, ref Ref) ([]Journal, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+journalCols+` FROM ledger_journals WHERE ref_entity = $1 AND ref_id = $2 ORDER BY id`, ref.Entity, ref.ID)
	if err != nil {
		return nil, apperr.Wrap(err, "ledger journals")
	}
	out := []Journal{}
	for rows.Next() {
		j, err := scanJournal(rows)
		if err != nil {
			rows.Close()
			return nil, apperr.Wrap(err, "ledger journals")
		}
		out = append(out, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "ledger journals")
	}
	for i := range out {
		if err := loadPostings(ctx, q, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func loadPostings(ctx context.Context, q Querier, j *Journal) error {
	rows, err := q.QueryContext(ctx, `SELECT account_id, amount FROM ledger_postings WHERE journal_id = $1 ORDER BY id`, j.ID)
	if err != nil {
		return apperr.Wrap(err, "ledger postings")
	}
	defer rows.Close()
	j.Postings = []Posting{}
	for rows.Next() {
		var p Posting
		if err := rows.Scan(&p.AccountID, &p.Amount); err != nil {
			return apperr.Wrap(err, "ledger postings")
		}
		j.Postings = append(j.Postings, p)
	}
	return apperr.Wrap(rows.Err(), "ledger postings")
}
