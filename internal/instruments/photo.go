package instruments

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
)

// MaxPhoto is the largest photo, in bytes; it fits the platform's request
// limit with a form around it.
const MaxPhoto = 768 << 10

// SetPhoto stores an instrument's photo (PNG or JPEG, judged from its
// content): the owner's members.
func (s *Service) SetPhoto(ctx context.Context, p *auth.Principal, id int64, data []byte) error {
	if p == nil {
		return apperr.New(apperr.Unauthorized, "sign in")
	}
	i, err := load(ctx, s.DB.Read, id)
	if err != nil {
		return err
	}
	if !member(p, i.OwnerOrgID) {
		return apperr.New(apperr.Forbidden, "the owner's members set its photo")
	}
	if len(data) == 0 {
		return apperr.Field("photo", "is empty")
	}
	if len(data) > MaxPhoto {
		return apperr.New(apperr.TooLarge, "the photo is larger than %d bytes", MaxPhoto)
	}
	ct := http.DetectContentType(data)
	if ct != "image/png" && ct != "image/jpeg" {
		return apperr.New(apperr.Unsupported, "the photo must be a PNG or JPEG image, not %s", ct)
	}
	now := s.DB.Now()
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM instrument_photos WHERE instrument_id = $1`, id); err != nil {
			return apperr.Wrap(err, "photo")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO instrument_photos (instrument_id, content_type, data, updated_at) VALUES ($1, $2, $3, $4)`, id, ct, data, now); err != nil {
			return apperr.Wrap(err, "photo")
		}
		url := "/instruments/" + strconv.FormatInt(id, 10) + "/photo"
		if _, err := tx.ExecContext(ctx, `UPDATE instruments SET photo_url = $1, version = version + 1, updated_at = $2 WHERE id = $3`, url, now, id); err != nil {
			return apperr.Wrap(err, "photo")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: i.OwnerOrgID, Action: "photo", Entity: "instrument", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"content_type": ct, "bytes": len(data)}})
	})
}

// Photo returns an active instrument's photo.
func (s *Service) Photo(ctx context.Context, id int64) (string, []byte, error) {
	var ct string
	var data []byte
	err := s.DB.Read.QueryRowContext(ctx, `SELECT p.content_type, p.data FROM instrument_photos p JOIN instruments i ON i.id = p.instrument_id
		WHERE p.instrument_id = $1 AND i.status = 'active'`, id).Scan(&ct, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, apperr.New(apperr.NotFound, "no photo")
	}
	return ct, data, apperr.Wrap(err, "photo")
}
