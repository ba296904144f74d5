package programs

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/text"
)

// Limits of attachments.
const (
	// MaxFileSize is the largest attachment: 10 MiB.
	MaxFileSize = 10 << 20
	// MaxFiles is the most attachments one application holds.
	MaxFiles = 20
	// MaxFileName is the longest file name kept, in characters.
	MaxFileName = 120
)

// File is an attachment of an application (without its content).
type File struct {
	ID            int64 `json:"id"`
	ApplicationID int64 `json:"application_id"`
	// Document is the number (from 1) of the program's required document
	// the file is, or "" for any other attachment.
	Document    string    `json:"document"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// Attachment types: what the content is, judged from the bytes, never from
// the name or the type the client claims.
const (
	TypePDF  = "application/pdf"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeText = "text/plain; charset=utf-8"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// SniffType tells what data is among the types attachments may be, or ""
// when it is none of them.
func SniffType(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return TypePDF
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return TypeJPEG
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return ""
		}
		for _, f := range zr.File {
			switch f.Name {
			case "word/document.xml":
				return TypeDOCX
			case "xl/workbook.xml":
				return TypeXLSX
			}
		}
		return ""
	}
	if utf8.Valid(data) && http.DetectContentType(data) == TypeText && text.Block(string(data)) == "" {
		return TypeText
	}
	return ""
}

// CleanFileName keeps the base of an uploaded file's name, valid and at
// most MaxFileName characters (its end kept), or names the field "file".
func CleanFileName(name string) (string, error) {
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, `\`, "/")))
	if name == "" || name == "." || name == "/" {
		return "", apperr.Field("file", "needs a file name")
	}
	if msg := text.Line(name); msg != "" {
		return "", apperr.Field("file", "name %s", msg)
	}
	if r := []rune(name); len(r) > MaxFileName {
		name = string(r[len(r)-MaxFileName:])
	}
	return name, nil
}

const fileCols = `id, application_id, document, name, content_type, size, sha256, created_at`

func scanFile(row interface{ Scan(...any) error }) (File, error) {
	var f File
	err := row.Scan(&f.ID, &f.ApplicationID, &f.Document, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.CreatedAt)
	return f, err
}

func (s *Service) listFiles(ctx context.Context, appID int64) ([]File, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+fileCols+` FROM application_files WHERE application_id = $1 ORDER BY id`, appID)
	return db.Collect(rows, err, "application files", scanFile)
}

// CanAttach reports whether p may attach files to application id now.
func (s *Service) CanAttach(ctx context.Context, p *auth.Principal, appID int64) error {
	a, _, err := s.loadFor(ctx, s.DB.Read, p, appID)
	if err != nil {
		return err
	}
	return canAttach(p, &a)
}

func canAttach(p *auth.Principal, a *Application) error {
	if p.RoleIn(a.OrgID) == "" {
		return apperr.New(apperr.Forbidden, "only the applicant's members attach files")
	}
	if a.State != AppDraft && a.State != AppReturned {
		return apperr.New(apperr.Conflict, "files are attached to a draft or returned application, not one that is %s", a.State)
	}
	return nil
}

// AddFile attaches data to a draft or returned application: only its
// organization's members, at most MaxFiles files of MaxFileSize, of the
// allowed types judged from the content; document is "" or the number of a
// required document of the program.
func (s *Service) AddFile(ctx context.Context, p *auth.Principal, appID int64, document, name string, data []byte) (File, error) {
	if len(data) == 0 {
		return File{}, apperr.Field("file", "is empty")
	}
	if len(data) > MaxFileSize {
		return File{}, apperr.New(apperr.TooLarge, "file: larger than %d MiB", MaxFileSize>>20)
	}
	ct := SniffType(data)
	if ct == "" {
		return File{}, &apperr.Error{Code: apperr.Unsupported, Message: "file: must be a PDF, PNG, JPEG, plain text (UTF-8), DOCX or XLSX file",
			Fields: []apperr.FieldError{{Field: "file", Message: "must be a PDF, PNG, JPEG, plain text (UTF-8), DOCX or XLSX file"}}}
	}
	name, err := CleanFileName(name)
	if err != nil {
		return File{}, err
	}
	sum := sha256.Sum256(data)
	f := File{ApplicationID: appID, Document: strings.TrimSpace(document), Name: name, ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		a, prog, err := s.loadFor(ctx, tx, p, appID)
		if err != nil {
			return err
		}
		if err := canAttach(p, &a); err != nil {
			return err
		}
		if f.Document != "" {
			n, err := strconv.Atoi(f.Document)
			if err != nil || n < 1 || n > len(prog.RequiredDocuments) {
				return apperr.Field("document", "must be the number of one of the program's %d required documents, or empty", len(prog.RequiredDocuments))
			}
		}
		var count int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM application_files WHERE application_id = $1`, appID).Scan(&count); err != nil {
			return apperr.Wrap(err, "count files")
		}
		if count >= MaxFiles {
			return apperr.Field("file", "an application holds at most %d files", MaxFiles)
		}
		f.CreatedAt = s.DB.Now()
		err = tx.QueryRowContext(ctx, `INSERT INTO application_files (application_id, document, name, content_type, size, sha256, data, uploaded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, appID, f.Document, f.Name, f.ContentType, f.Size, f.SHA256, data, p.UserID, f.CreatedAt).Scan(&f.ID)
		if err != nil {
			return apperr.Wrap(err, "insert file")
		}
		return audit.Record(ctx, tx, f.CreatedAt, audit.Change{OrgID: a.OrgID, Action: "attach", Entity: "program_application", EntityID: strconv.FormatInt(appID, 10), After: f})
	})
	return f, err
}

// FileContent returns an attachment and its bytes for those who may see
// the application.
func (s *Service) FileContent(ctx context.Context, p *auth.Principal, appID, fileID int64) (File, []byte, error) {
	if _, _, err := s.loadFor(ctx, s.DB.Read, p, appID); err != nil {
		return File{}, nil, err
	}
	var f File
	var data []byte
	err := s.DB.Read.QueryRowContext(ctx, `SELECT `+fileCols+`, data FROM application_files WHERE id = $1 AND application_id = $2`, fileID, appID).
		Scan(&f.ID, &f.ApplicationID, &f.Document, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.CreatedAt, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil, apperr.New(apperr.NotFound, "no file %d on application %d", fileID, appID)
	}
	if err != nil {
		return f, nil, apperr.Wrap(err, "read file")
	}
	return f, data, nil
}

// DeleteFile removes an attachment of a draft or returned application.
func (s *Service) DeleteFile(ctx context.Context, p *auth.Principal, appID, fileID int64) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		a, _, err := s.loadFor(ctx, tx, p, appID)
		if err != nil {
			return err
		}
		if p.RoleIn(a.OrgID) == "" {
			return apperr.New(apperr.Forbidden, "only the applicant's members remove files")
		}
		if a.State != AppDraft && a.State != AppReturned {
			return apperr.New(apperr.Conflict, "files of an application that is %s stay", a.State)
		}
		f, err := scanFile(tx.QueryRowContext(ctx, `SELECT `+fileCols+` FROM application_files WHERE id = $1 AND application_id = $2`, fileID, appID))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no file %d on application %d", fileID, appID)
		}
		if err != nil {
			return apperr.Wrap(err, "read file")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM application_files WHERE id = $1`, fileID); err != nil {
			return apperr.Wrap(err, "delete file")
		}
		return audit.Record(ctx, tx, s.DB.Now(), audit.Change{OrgID: a.OrgID, Action: "detach", Entity: "program_application", EntityID: strconv.FormatInt(appID, 10), Before: f})
	})
}
