package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/db"
)

// HoldStatus is where a hold is in its life.
type HoldStatus string

const (
	Held     HoldStatus = "held"
	Released HoldStatus = "released"
	Settled  HoldStatus = "settled"
)

// HoldRequest asks to set Amount fen of an account aside.
type HoldRequest struct {
	// Key makes Reserve idempotent, like Entry.Key (holds have their own
	// key space).
	Key         string `json:"key"`
	AccountID   int64  `json:"account_id"`
	Amount      int64  `json:"amount"`
	Description string `json:"description"`
	Ref         Ref    `json:"ref"`
	OrgID       int64  `json:"org_id,omitempty"`
}

// Hold is an amount set aside on an account.
type Hold struct {
	ID          int64      `json:"id"`
	Key         string     `json:"key"`
	AccountID   int64      `json:"account_id"`
	Amount      int64      `json:"amount"`
	Status      HoldStatus `json:"status"`
	Description string     `json:"description"`
	Ref         Ref        `json:"ref"`
	JournalID   *int64     `json:"journal_id"`
	ActorUserID *int64     `json:"actor_user_id"`
	ActorEmail  string     `json:"actor_email"`
	CreatedAt   time.Time  `json:"created_at"`
	ResolvedAt  *time.Time `json:"resolved_at"`
	// Replayed is true when nothing was written because the request had
	// been carried out before.
	Replayed bool `json:"replayed,omitempty"`
}

// Validate checks a hold request without touching the database.
func (r *HoldRequest) Validate() error {
	var fs []apperr.FieldError
	bad := func(field, format string, args ...any) {
		fs = append(fs, apperr.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if msg := checkKey(r.Key); msg != "" {
		bad("key", "%s", msg)
	}
	if r.AccountID <= 0 {
		bad("account_id", "must be a positive account id")
	}
	if r.Amount <= 0 || r.Amount > MaxAmount {
		bad("amount", "must be between 0.01 and %s yuan", Yuan(MaxAmount))
	}
	if msg := checkText(r.Description, MaxDescription, false); msg != "" {
		bad("description", "%s", msg)
	}
	if msg := checkRef(r.Ref); msg != "" {
		bad("ref", "%s", msg)
	}
	return apperr.Fields(fs)
}

// Reserve sets r.Amount aside on the account inside tx: its available
// balance falls by that much, its balance stays. On a non-negative account
// the hold must fit in the available balance, or the result is a Conflict
// naming the account. The same key again returns the first hold, whatever
// became of it since, with Replayed set.
func (l *Ledger) Reserve(ctx context.Context, tx *sql.Tx, r HoldRequest) (Hold, error) {
	if err := r.Validate(); err != nil {
		return Hold{}, err
	}
	var h Hold
	err := savepoint(ctx, tx, "ledger_hold", func() error {
		now := l.DB.Now()
		actor := audit.ActorFrom(ctx)
		var actorID any
		if actor.UserID != 0 {
			actorID = actor.UserID
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO ledger_holds (idempotency_key, account_id, amount, status, description, ref_entity, ref_id, actor_user_id, actor_email, created_at)
			VALUES ($1, $2, $3, 'held', $4, $5, $6, $7, $8, $9)
			ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
			r.Key, r.AccountID, r.Amount, r.Description, r.Ref.Entity, r.Ref.ID, actorID, actor.Email, now).Scan(&h.ID)
		if errors.Is(err, sql.ErrNoRows) {
			prev, err := l.holdWhere(ctx, tx, `idempotency_key = $1`, r.Key)
			if err != nil {
				return err
			}
			if prev.AccountID != r.AccountID || prev.Amount != r.Amount {
				return apperr.New(apperr.Conflict, "hold key %q was already used by hold %d for %s yuan on account %d", clip(r.Key), prev.ID, Yuan(prev.Amount), prev.AccountID)
			}
			prev.Replayed = true
			h = prev
			return nil
		}
		if err != nil {
			if db.IsForeignKeyViolation(err) {
				return apperr.Field("account_id", "no ledger account %d", r.AccountID)
			}
			return apperr.Wrap(err, "ledger insert hold")
		}
		res, err := tx.ExecContext(ctx, `UPDATE ledger_accounts SET held = held + $1, updated_at = $2
			WHERE id = $3 AND (NOT non_negative OR balance - held - $1 >= 0)`, r.Amount, now, r.AccountID)
		if err != nil {
			return apperr.Wrap(err, "ledger reserve")
		}
		if n, err := res.RowsAffected(); err != nil {
			return apperr.Wrap(err, "ledger reserve")
		} else if n == 0 {
			return insufficient(ctx, tx, "amount", r.AccountID, r.Amount, 0)
		}
		h = Hold{ID: h.ID, Key: r.Key, AccountID: r.AccountID, Amount: r.Amount, Status: Held, Description: r.Description, Ref: r.Ref, ActorEmail: actor.Email, CreatedAt: now}
		if actor.UserID != 0 {
			id := actor.UserID
			h.ActorUserID = &id
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: r.OrgID, Action: "ledger.hold.reserve", Entity: "ledger_hold", EntityID: strconv.FormatInt(h.ID, 10), After: h})
	})
	if err != nil {
		return Hold{}, err
	}
	return h, nil
}

// Release gives a held amount back to the account's available balance.
// Releasing a released hold returns it with Replayed set; releasing a
// settled hold is a Conflict.
func (l *Ledger) Release(ctx context.Context, tx *sql.Tx, holdID int64) (Hold, error) {
	var h Hold
	err := savepoint(ctx, tx, "ledger_release", func() error {
		now := l.DB.Now()
		var account, amount int64
		err := tx.QueryRowContext(ctx, `UPDATE ledger_holds SET status = 'released', resolved_at = $1
			WHERE id = $2 AND status = 'held' RETURNING account_id, amount`, now, holdID).Scan(&account, &amount)
		if errors.Is(err, sql.ErrNoRows) {
			prev, err := l.Hold(ctx, tx, holdID)
			if err != nil {
				return err
			}
			if prev.Status != Released {
				return apperr.New(apperr.Conflict, "hold %d is %s and cannot be released", holdID, prev.Status)
			}
			prev.Replayed = true
			h = prev
			return nil
		}
		if err != nil {
			return apperr.Wrap(err, "ledger release hold")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ledger_accounts SET held = held - $1, updated_at = $2 WHERE id = $3`, amount, now, account); err != nil {
			return apperr.Wrap(err, "ledger release hold")
		}
		if h, err = l.Hold(ctx, tx, holdID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "ledger.hold.release", Entity: "ledger_hold", EntityID: strconv.FormatInt(h.ID, 10),
			Before: map[string]any{"status": Held}, After: h})
	})
	if err != nil {
		return Hold{}, err
	}
	return h, nil
}

// Settle posts e, the disbursement for hold holdID, and frees the hold in
// the same update: e must take at most the held amount from the held
// account; any rest of the hold returns to the available balance. Settling
// again with the same entry key returns the journal with Replayed set; a
// hold already released, or settled by another entry, is a Conflict.
func (l *Ledger) Settle(ctx context.Context, tx *sql.Tx, holdID int64, e Entry) (Journal, error) {
	if err := e.Validate(); err != nil {
		return Journal{}, err
	}
	var j Journal
	err := savepoint(ctx, tx, "ledger_settle", func() error {
		now := l.DB.Now()
		var account, amount int64
		var typ Type
		// Claim the hold: a concurrent Settle or Release waits on this row
		// and then finds it no longer held.
		err := tx.QueryRowContext(ctx, `UPDATE ledger_holds SET resolved_at = $1
			WHERE id = $2 AND status = 'held' RETURNING account_id, amount`, now, holdID).Scan(&account, &amount)
		if errors.Is(err, sql.ErrNoRows) {
			prev, err := l.Hold(ctx, tx, holdID)
			if err != nil {
				return err
			}
			if prev.Status == Settled && prev.JournalID != nil {
				pj, err := l.Journal(ctx, tx, *prev.JournalID)
				if err != nil {
					return err
				}
				if pj.Key == e.Key && samePostings(pj.Postings, e.Postings) {
					pj.Replayed = true
					j = pj
					return nil
				}
				return apperr.New(apperr.Conflict, "hold %d was already settled by journal %d", holdID, pj.ID)
			}
			return apperr.New(apperr.Conflict, "hold %d is %s and cannot be settled", holdID, prev.Status)
		}
		if err != nil {
			return apperr.Wrap(err, "ledger claim hold")
		}
		if err := tx.QueryRowContext(ctx, `SELECT type FROM ledger_accounts WHERE id = $1`, account).Scan(&typ); err != nil {
			return apperr.Wrap(err, "ledger settle")
		}
		found := false
		for i, p := range e.Postings {
			if p.AccountID != account {
				continue
			}
			found = true
			take := -typ.Sign() * p.Amount
			f := fmt.Sprintf("postings[%d].amount", i)
			if take <= 0 {
				return apperr.Field(f, "must take from the held account %d, not add to it", account)
			}
			if take > amount {
				return apperr.Field(f, "takes %s yuan, more than the %s yuan held", Yuan(take), Yuan(amount))
			}
		}
		if !found {
			return apperr.Field("postings", "must include the held account %d", account)
		}
		j, err = l.post(ctx, tx, e, release{accountID: account, amount: amount}, 0)
		if err != nil {
			return err
		}
		if j.Replayed {
			return apperr.New(apperr.Conflict, "entry key %q was already used by journal %d", clip(e.Key), j.ID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ledger_holds SET status = 'settled', journal_id = $1 WHERE id = $2`, j.ID, holdID); err != nil {
			return apperr.Wrap(err, "ledger settle hold")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: e.OrgID, Action: "ledger.hold.settle", Entity: "ledger_hold", EntityID: strconv.FormatInt(holdID, 10),
			Before: map[string]any{"status": Held}, After: map[string]any{"status": Settled, "journal_id": j.ID}})
	})
	if err != nil {
		return Journal{}, err
	}
	return j, nil
}

const holdCols = `id, idempotency_key, account_id, amount, status, description, ref_entity, ref_id, journal_id, actor_user_id, actor_email, created_at, resolved_at`

func scanHold(row interface{ Scan(...any) error }) (Hold, error) {
	var h Hold
	var journal, actor sql.NullInt64
	var resolved sql.NullTime
	err := row.Scan(&h.ID, &h.Key, &h.AccountID, &h.Amount, &h.Status, &h.Description, &h.Ref.Entity, &h.Ref.ID, &journal, &actor, &h.ActorEmail, &h.CreatedAt, &resolved)
	if journal.Valid {
		h.JournalID = &journal.Int64
	}
	if actor.Valid {
		h.ActorUserID = &actor.Int64
	}
	if resolved.Valid && h.Status != Held {
		h.ResolvedAt = &resolved.Time
	}
	return h, err
}

func (l *Ledger) holdWhere(ctx context.Context, q Querier, where string, arg any) (Hold, error) {
	h, err := scanHold(q.QueryRowContext(ctx, `SELECT `+holdCols+` FROM ledger_holds WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return h, apperr.New(apperr.NotFound, "no such hold")
	}
	return h, apperr.Wrap(err, "ledger hold")
}

// Hold returns hold id.
func (l *Ledger) Hold(ctx context.Context, q Querier, id int64) (Hold, error) {
	h, err := l.holdWhere(ctx, q, `id = $1`, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return h, apperr.New(apperr.NotFound, "no hold %d", id)
	}
	return h, err
}

// HoldByKey returns the hold reserved under key.
func (l *Ledger) HoldByKey(ctx context.Context, q Querier, key string) (Hold, error) {
	h, err := l.holdWhere(ctx, q, `idempotency_key = $1`, key)
	if apperr.CodeOf(err) == apperr.NotFound {
		return h, apperr.New(apperr.NotFound, "no hold with key %q", clip(key))
	}
	return h, err
}

// Holds lists the holds about one record, oldest first.
func (l *Ledger) Holds(ctx context.Context, q Querier, ref Ref) ([]Hold, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+holdCols+` FROM ledger_holds WHERE ref_entity = $1 AND ref_id = $2 ORDER BY id`, ref.Entity, ref.ID)
	return db.Collect(rows, err, "ledger holds", scanHold)
}
