// Package notify tells people what happened: a notice in the platform for
// each recipient and, for each with an e-mail address, one mail in the
// outbox in the recipient's language, written in the same transaction as
// the change that caused it. The outbox is drained by Drain (rainforest
// mail) through an SMTP server.
package notify

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/i18n"
)

// Text is a message in both languages.
type Text struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// In returns the text in lang (Chinese unless lang is "en").
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.En
	}
	return t.Zh
}

// T builds a Text from a catalog key formatted in both languages.
func T(key string, args ...any) Text {
	return Text{Zh: i18n.T("zh", key, args...), En: i18n.T("en", key, args...)}
}

// Message is what to tell.
type Message struct {
	// Kind names the sort of notice, e.g. "program.eligible".
	Kind string
	// Key, when set, makes the message reach each user at most once: a
	// second message with the same key to the same user is dropped.
	Key   string
	Title Text
	Body  Text
	// Link is a path in the platform, e.g. "/programs/scitech-sme".
	Link string
}

func (m Message) check() error {
	var fs []apperr.FieldError
	if strings.TrimSpace(m.Kind) == "" {
		fs = append(fs, apperr.FieldError{Field: "kind", Message: "required"})
	}
	if strings.TrimSpace(m.Title.Zh) == "" || strings.TrimSpace(m.Title.En) == "" {
		fs = append(fs, apperr.FieldError{Field: "title", Message: "required in both languages"})
	}
	if m.Link != "" && !strings.HasPrefix(m.Link, "/") {
		fs = append(fs, apperr.FieldError{Field: "link", Message: "must be a path in the platform"})
	}
	if len(fs) > 0 {
		return apperr.Fields(fs)
	}
	return nil
}

// Notifier writes notices and outbox mail.
type Notifier struct {
	DB *db.DB
}

type recipient struct {
	id     int64
	email  string
	locale string
}

// ToUser tells one user, inside tx. It returns how many notices were
// written (0 when the user is disabled or already had the keyed message).
func (n *Notifier) ToUser(ctx context.Context, tx *sql.Tx, userID int64, m Message) (int, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	rs, err := recipients(ctx, tx, `SELECT id, email, locale FROM users WHERE id = $1 AND NOT disabled`, userID)
	if err != nil {
		return 0, err
	}
	return n.write(ctx, tx, 0, rs, m)
}

// ToOrg tells every member (owners and members) of an organization, inside
// tx: one notice per member and one outbox mail per member with an e-mail
// address. It returns how many notices were written.
func (n *Notifier) ToOrg(ctx context.Context, tx *sql.Tx, orgID int64, m Message) (int, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	rs, err := recipients(ctx, tx, `SELECT u.id, u.email, u.locale FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = $1 AND NOT u.disabled ORDER BY u.id`, orgID)
	if err != nil {
		return 0, err
	}
	return n.write(ctx, tx, orgID, rs, m)
}

func recipients(ctx context.Context, tx *sql.Tx, q string, id int64) ([]recipient, error) {
	rows, err := tx.QueryContext(ctx, q, id)
	return db.Collect(rows, err, "notice recipients", func(s interface{ Scan(...any) error }) (recipient, error) {
		var r recipient
		err := s.Scan(&r.id, &r.email, &r.locale)
		return r, err
	})
}

func (n *Notifier) write(ctx context.Context, tx *sql.Tx, orgID int64, rs []recipient, m Message) (int, error) {
	now := n.DB.Now()
	var org any
	if orgID != 0 {
		org = orgID
	}
	written := 0
	for _, r := range rs {
		if m.Key != "" {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM notices WHERE user_id = $1 AND dedupe_key = $2`, r.id, m.Key).Scan(&one)
			if err == nil {
				continue
			}
			if err != sql.ErrNoRows {
				return written, apperr.Wrap(err, "notice dedupe")
			}
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO notices (user_id, org_id, kind, dedupe_key, title_zh, title_en, body_zh, body_en, link, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			r.id, org, m.Kind, m.Key, m.Title.Zh, m.Title.En, m.Body.Zh, m.Body.En, m.Link, now).Scan(&id)
		if err != nil {
			return written, apperr.Wrap(err, "notice insert")
		}
		written++
		if strings.TrimSpace(r.email) == "" {
			continue
		}
		lang := r.locale
		if !i18n.Valid(lang) {
			lang = "zh"
		}
		body := m.Body.In(lang)
		if m.Link != "" {
			body += "\n\n" + i18n.T(lang, "notify.mail.link") + " " + m.Link
		}
		body += "\n\n" + i18n.T(lang, "notify.mail.footer") + "\n"
		if _, err := tx.ExecContext(ctx, `INSERT INTO mail_outbox (notice_id, user_id, to_addr, lang, subject, body, next_attempt_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, r.id, r.email, lang, m.Title.In(lang), body, now, now); err != nil {
			return written, apperr.Wrap(err, "outbox insert")
		}
	}
	return written, nil
}

// Notice is one notice as its recipient sees it.
type Notice struct {
	ID        int64      `json:"id"`
	OrgID     *int64     `json:"org_id"`
	Kind      string     `json:"kind"`
	Title     Text       `json:"title"`
	Body      Text       `json:"body"`
	Link      string     `json:"link"`
	ReadAt    *time.Time `json:"read_at"`
	CreatedAt time.Time  `json:"created_at"`
}

// List returns a user's notices, unread first, newest first within each,
// at most limit (1..200) of them, and the number unread.
func (n *Notifier) List(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]Notice, int64, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := `SELECT id, org_id, kind, title_zh, title_en, body_zh, body_en, link, read_at, created_at FROM notices WHERE user_id = $1`
	if unreadOnly {
		q += ` AND read_at IS NULL`
	}
	q += ` ORDER BY CASE WHEN read_at IS NULL THEN 0 ELSE 1 END, id DESC LIMIT $2`
	rows, err := n.DB.Read.QueryContext(ctx, q, userID, limit)
	items, err := db.Collect(rows, err, "notices", func(s interface{ Scan(...any) error }) (Notice, error) {
		var x Notice
		var org sql.NullInt64
		var read db.Time
		var created db.Time
		err := s.Scan(&x.ID, &org, &x.Kind, &x.Title.Zh, &x.Title.En, &x.Body.Zh, &x.Body.En, &x.Link, &read, &created)
		if org.Valid {
			x.OrgID = &org.Int64
		}
		if read.Valid {
			t := read.Time
			x.ReadAt = &t
		}
		x.CreatedAt = created.Time
		return x, err
	})
	if err != nil {
		return nil, 0, err
	}
	unread, err := n.Unread(ctx, userID)
	return items, unread, err
}

// Unread counts a user's unread notices.
func (n *Notifier) Unread(ctx context.Context, userID int64) (int64, error) {
	var c int64
	err := n.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&c)
	return c, apperr.Wrap(err, "unread notices")
}

// MarkRead marks one of the user's notices read; another user's notice is
// not found. Marking a read notice again changes nothing.
func (n *Notifier) MarkRead(ctx context.Context, userID, id int64) error {
	return n.DB.Tx(ctx, func(tx *sql.Tx) error {
		var owner int64
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM notices WHERE id = $1`, id).Scan(&owner)
		if err == sql.ErrNoRows || (err == nil && owner != userID) {
			return apperr.New(apperr.NotFound, "no notice %d", id)
		}
		if err != nil {
			return apperr.Wrap(err, "notice")
		}
		_, err = tx.ExecContext(ctx, `UPDATE notices SET read_at = $1 WHERE id = $2 AND read_at IS NULL`, n.DB.Now(), id)
		return apperr.Wrap(err, "notice read")
	})
}

// MarkAllRead marks every unread notice of the user read and returns how
// many there were.
func (n *Notifier) MarkAllRead(ctx context.Context, userID int64) (int64, error) {
	var c int64
	err := n.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notices SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL`, n.DB.Now(), userID)
		if err != nil {
			return apperr.Wrap(err, "notices read")
		}
		c, err = res.RowsAffected()
		return err
	})
	return c, err
}
