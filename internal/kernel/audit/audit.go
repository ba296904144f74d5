// Package audit records every change: who, when, what, before and after.
// The table is append-only (triggers refuse updates and deletes).
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
)

type ctxKey int

const (
	actorKey ctxKey = iota
	requestKey
)

// Actor is who is acting in a request, as the log names them.
type Actor struct {
	UserID int64
	Email  string
}

// WithActor returns ctx carrying the acting user.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFrom returns the acting user, zero for the system.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey).(Actor)
	return a
}

// WithRequestID returns ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestKey, id)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestKey).(string)
	return s
}

// Entry is one recorded change.
type Entry struct {
	ID          int64           `json:"id"`
	At          time.Time       `json:"at"`
	ActorUserID *int64          `json:"actor_user_id"`
	ActorEmail  string          `json:"actor_email"`
	OrgID       *int64          `json:"org_id"`
	Action      string          `json:"action"`
	Entity      string          `json:"entity"`
	EntityID    string          `json:"entity_id"`
	Before      json.RawMessage `json:"before"`
	After       json.RawMessage `json:"after"`
	RequestID   string          `json:"request_id,omitempty"`
}

// Change describes a change to record. Before and After are marshalled to
// JSON; nil means "did not exist".
type Change struct {
	OrgID    int64 // the organization the change concerns, 0 if none
	Action   string
	Entity   string
	EntityID string
	Before   any
	After    any
}

// Record appends a change inside the caller's transaction, so that the
// change and its record commit or fail together.
func Record(ctx context.Context, tx *sql.Tx, now time.Time, c Change) error {
	a := ActorFrom(ctx)
	var actor, org any
	if a.UserID != 0 {
		actor = a.UserID
	}
	if c.OrgID != 0 {
		org = c.OrgID
	}
	before, err := marshal(c.Before)
	if err != nil {
		return err
	}
	after, err := marshal(c.After)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor_user_id, actor_email, org_id, action, entity, entity_id, before_json, after_json, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		now, actor, a.Email, org, c.Action, c.Entity, c.EntityID, before, after, RequestID(ctx))
	return apperr.Wrap(err, "audit record")
}

func marshal(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, apperr.Wrap(err, "audit marshal")
	}
	return string(b), nil
}

// Filter selects entries. OrgIDs, when not nil, restricts to those
// organizations (an empty non-nil slice selects nothing).
type Filter struct {
	OrgIDs   []int64
	Entity   string
	EntityID string
	Before   int64 // cursor: entries with id below this
	Limit    int
}

// List returns entries newest first, and the cursor for the next page.
func List(ctx context.Context, d *db.DB, f Filter) ([]Entry, int64, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.OrgIDs != nil && len(f.OrgIDs) == 0 {
		return []Entry{}, 0, nil
	}
	q := `SELECT id, at, actor_user_id, actor_email, org_id, action, entity, entity_id, before_json, after_json, request_id FROM audit_log WHERE 1=1`
	var args db.Args
	arg := args.Add
	if f.OrgIDs != nil {
		q += ` AND org_id IN (` + db.List(&args, f.OrgIDs) + `)`
	}
	if f.Entity != "" {
		q += ` AND entity = ` + arg(f.Entity)
	}
	if f.EntityID != "" {
		q += ` AND entity_id = ` + arg(f.EntityID)
	}
	if f.Before > 0 {
		q += ` AND id < ` + arg(f.Before)
	}
	q += ` ORDER BY id DESC LIMIT ` + arg(f.Limit+1)
	rows, err := d.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, apperr.Wrap(err, "audit list")
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		var e Entry
		var actor, org sql.NullInt64
		var before, after sql.NullString
		if err := rows.Scan(&e.ID, &e.At, &actor, &e.ActorEmail, &org, &e.Action, &e.Entity, &e.EntityID, &before, &after, &e.RequestID); err != nil {
			return nil, 0, apperr.Wrap(err, "audit scan")
		}
		if actor.Valid {
			e.ActorUserID = &actor.Int64
		}
		if org.Valid {
			e.OrgID = &org.Int64
		}
		if before.Valid {
			e.Before = json.RawMessage(before.String)
		}
		if after.Valid {
			e.After = json.RawMessage(after.String)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, apperr.Wrap(err, "audit rows")
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}
