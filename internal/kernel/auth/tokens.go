package auth

import (
	"context"
	"database/sql"
	"errors"
	"time"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/text"
)

// Token is an API token as its owner sees it: a name and dates, never the
// secret nor any part of it.
type Token struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// CheckTokenName validates the name a user gives a token.
func CheckTokenName(name string) error {
	if msg := text.Line(name); msg != "" {
		return apperr.Field("name", "%s", msg)
	}
	if utf8.RuneCountInString(name) > 100 {
		return apperr.Field("name", "must be at most 100 characters")
	}
	return nil
}

// Tokens lists a user's live tokens (not revoked, not expired), newest
// first.
func (s *Service) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, name, created_at, expires_at FROM api_tokens
		WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) ORDER BY id DESC`, userID, s.DB.Now())
	if err != nil {
		return nil, apperr.Wrap(err, "tokens")
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var exp db.Time
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt, &exp); err != nil {
			return nil, apperr.Wrap(err, "tokens scan")
		}
		t.ExpiresAt = exp.Ptr()
		out = append(out, t)
	}
	return out, apperr.Wrap(rows.Err(), "tokens")
}

// RevokeToken revokes one of the user's own live tokens. Someone else's
// token, a revoked one and one that does not exist are all "not found".
func (s *Service) RevokeToken(ctx context.Context, userID, id int64) error {
	now := s.DB.Now()
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, `SELECT name FROM api_tokens WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`, id, userID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no token %d", id)
		}
		if err != nil {
			return apperr.Wrap(err, "get token")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, now, id); err != nil {
			return apperr.Wrap(err, "revoke token")
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "revoke", Entity: "api_token", EntityID: itoa(id),
			Before: map[string]any{"user_id": userID, "name": name},
			After:  map[string]any{"user_id": userID, "name": name, "revoked_at": now}})
	})
}
