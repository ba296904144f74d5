package servicedesk

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/programs"
)

const fileCols = `id, request_id, name, content_type, size, sha256, created_at`

func scanFile(sc interface{ Scan(...any) error }) (File, error) {
	var f File
	err := sc.Scan(&f.ID, &f.RequestID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.CreatedAt)
	f.CreatedAt = f.CreatedAt.UTC()
	return f, err
}

func (s *Service) files(ctx context.Context, id int64) ([]File, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+fileCols+` FROM desk_files WHERE request_id = $1 ORDER BY id`, id)
	return db.Collect(rows, err, "request files", scanFile)
}

// CanAttach reports whether p may attach a file to request id now: its
// enterprise's members while it is not closed or withdrawn.
func (s *Service) CanAttach(ctx context.Context, p *auth.Principal, id int64) error {
	r, err := s.loadFor(ctx, s.DB.Read, p, id)
	if err != nil {
		return err
	}
	return canAttach(p, &r)
}

func canAttach(p *auth.Principal, r *Request) error {
	if p.RoleIn(r.OrgID) == "" {
		return apperr.New(apperr.Forbidden, "only the enterprise's members attach files")
	}
	if r.State == Closed || r.State == Withdrawn {
		return apperr.New(apperr.Conflict, "files are attached to a request in progress, not one that is %s", r.State)
	}
	return nil
}

// AddFile attaches data to a request: at most MaxFiles files of
// MaxFileSize, of the types the programs module accepts, judged from the
// content (PDF, PNG, JPEG, UTF-8 text, DOCX, XLSX).
func (s *Service) AddFile(ctx context.Context, p *auth.Principal, id int64, name string, data []byte) (File, error) {
	if len(data) == 0 {
		return File{}, apperr.Field("file", "is empty")
	}
	if len(data) > MaxFileSize {
		return File{}, apperr.New(apperr.TooLarge, "file: larger than %d MiB", MaxFileSize>>20)
	}
	ct := programs.SniffType(data)
	if ct == "" {
		return File{}, &apperr.Error{Code: apperr.Unsupported, Message: "file: must be a PDF, PNG, JPEG, plain text (UTF-8), DOCX or XLSX file",
			Fields: []apperr.FieldError{{Field: "file", Message: "must be a PDF, PNG, JPEG, plain text (UTF-8), DOCX or XLSX file"}}}
	}
	name, err := programs.CleanFileName(name)
	if err != nil {
		return File{}, err
	}
	sum := sha256.Sum256(data)
	f := File{RequestID: id, Name: name, ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		r, err := s.loadFor(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := canAttach(p, &r); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM desk_files WHERE request_id = $1`, id).Scan(&n); err != nil {
			return apperr.Wrap(err, "count files")
		}
		if n >= MaxFiles {
			return apperr.Field("file", "a request holds at most %d files", MaxFiles)
		}
		f.CreatedAt = s.DB.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO desk_files (request_id, name, content_type, size, sha256, data, uploaded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, id, f.Name, f.ContentType, f.Size, f.SHA256, data, p.UserID, f.CreatedAt).Scan(&f.ID); err != nil {
			return apperr.Wrap(err, "insert file")
		}
		return audit.Record(ctx, tx, f.CreatedAt, audit.Change{OrgID: r.OrgID, Action: "desk_request.attach", Entity: "desk_request", EntityID: strconv.FormatInt(id, 10), After: f})
	})
	return f, err
}

// FileContent returns an attachment and its bytes to those who see the
// request.
func (s *Service) FileContent(ctx context.Context, p *auth.Principal, id, fileID int64) (File, []byte, error) {
	if _, err := s.loadFor(ctx, s.DB.Read, p, id); err != nil {
		return File{}, nil, err
	}
	var data []byte
	f, err := scanFileData(s.DB.Read.QueryRowContext(ctx, `SELECT `+fileCols+`, data FROM desk_files WHERE id = $1 AND request_id = $2`, fileID, id), &data)
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, nil, apperr.New(apperr.NotFound, "no file %d", fileID)
	}
	return f, data, apperr.Wrap(err, "file")
}

func scanFileData(row *sql.Row, data *[]byte) (File, error) {
	var f File
	err := row.Scan(&f.ID, &f.RequestID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.CreatedAt, data)
	return f, err
}
