package talent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/text"
	"rainforest/internal/kernel/workflow"
	"rainforest/internal/programs"
)

// Limits of documents.
const (
	// MaxDocumentSize is the largest document: 10 MiB.
	MaxDocumentSize = 10 << 20
	// MaxDocuments is the most documents one application holds.
	MaxDocuments = 40
)

// Document is an uploaded document of the checklist (without its bytes).
type Document struct {
	ID          int64     `json:"id"`
	Item        string    `json:"item"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// ChecklistItem is one item of an application's document checklist.
type ChecklistItem struct {
	Item      string     `json:"item"`
	LabelZh   string     `json:"label_zh"`
	LabelEn   string     `json:"label_en"`
	Required  bool       `json:"required"`
	Documents []Document `json:"documents"`
}

var docLabels = map[string][2]string{
	"passport":           {"护照（个人资料页）", "Passport (personal data page)"},
	"degree":             {"最高学位证书（经认证）", "Highest degree certificate, authenticated"},
	"no_criminal_record": {"无犯罪记录证明", "Certificate of no criminal record"},
	"health":             {"体检证明", "Health certificate"},
	"contract":           {"劳动合同或聘用意向书", "Employment contract or letter of intent"},
	"cv":                 {"工作经历证明及简历", "Curriculum vitae with proof of work experience"},
	"photo":              {"近期证件照", "Recent photograph"},
	"talent_program":     {"人才计划入选证明", "Proof of selection for the talent program"},
	"achievement":        {"国际公认专业成就证明", "Proof of the internationally recognised achievement"},
	"salary":             {"薪酬证明（纳税或合同）", "Proof of salary (tax or contract)"},
	"previous_permit":    {"原工作许可证", "The permit being renewed"},
	"other":              {"其他材料", "Other documents"},
}

// DocumentItems are the checklist's items in order.
var DocumentItems = []string{"passport", "degree", "no_criminal_record", "health", "contract", "cv", "photo", "talent_program", "achievement",
	"salary", "previous_permit", "other"}

// DocumentLabel names a checklist item.
func DocumentLabel(item, lang string) string { return pick(docLabels[item], lang) }

// required lists the items an application needs before it is submitted:
// the base list (a renewal: passport, contract, health certificate, photo
// and the permit renewed), and the proof of every class-A criterion
// claimed.
func required(kind string, p *Profile, t *Points) []string {
	var out []string
	if kind == "renewal" {
		out = []string{"passport", "health", "contract", "photo", "previous_permit"}
	} else {
		out = []string{"passport", "degree", "no_criminal_record", "health", "contract", "cv", "photo"}
	}
	if p.NationalTalentProgram {
		out = append(out, "talent_program")
	}
	if p.RecognisedAchievement {
		out = append(out, "achievement")
	}
	if t != nil && p.SalaryYuan >= t.LocalAverageSalaryYuan*int64(t.ClassASalaryMultiple) {
		out = append(out, "salary")
	}
	return out
}

func listDocuments(ctx context.Context, q Querier, appID int64) ([]Document, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, item, name, content_type, size, sha256, created_at FROM talent_documents WHERE application_id = $1 ORDER BY id`, appID)
	return db.Collect(rows, err, "documents", func(r interface{ Scan(...any) error }) (Document, error) {
		var d Document
		return d, r.Scan(&d.ID, &d.Item, &d.Name, &d.ContentType, &d.Size, &d.SHA256, &d.CreatedAt)
	})
}

// tableFor returns the table an application's score used, if any.
func tableFor(ctx context.Context, q Querier, a *Application) (*Points, error) {
	if a.ScoreTableID == nil {
		return nil, nil
	}
	t, err := scanTable(q.QueryRowContext(ctx, `SELECT `+tableCols+` FROM talent_point_tables WHERE id = $1`, *a.ScoreTableID))
	if err != nil {
		return nil, apperr.Wrap(err, "points table")
	}
	return &t.Points, nil
}

func (s *Service) checklist(ctx context.Context, q Querier, a *Application) ([]ChecklistItem, error) {
	docs, err := listDocuments(ctx, q, a.ID)
	if err != nil {
		return nil, err
	}
	t, err := tableFor(ctx, q, a)
	if err != nil {
		return nil, err
	}
	req := required(a.Kind, &a.profile, t)
	var out []ChecklistItem
	for _, it := range DocumentItems {
		c := ChecklistItem{Item: it, LabelZh: docLabels[it][0], LabelEn: docLabels[it][1], Required: contains(req, it), Documents: []Document{}}
		for _, d := range docs {
			if d.Item == it {
				c.Documents = append(c.Documents, d)
			}
		}
		if c.Required || len(c.Documents) > 0 || it == "other" {
			out = append(out, c)
		}
	}
	return out, nil
}

// documentsGuard refuses to submit an application that lacks a required
// document, naming the first missing item ("documents.passport").
func documentsGuard(ctx context.Context, q workflow.Querier, s workflow.Subject[*appSubject]) error {
	a := s.Value.a
	docs, err := listDocuments(ctx, q, a.ID)
	if err != nil {
		return err
	}
	t, err := tableFor(ctx, q, a)
	if err != nil {
		return err
	}
	var fs text.Errors
	for _, it := range required(a.Kind, &a.profile, t) {
		found := false
		for _, d := range docs {
			found = found || d.Item == it
		}
		if !found {
			fs.Add("documents."+it, "is missing: "+docLabels[it][1]+" ("+docLabels[it][0]+")")
		}
	}
	return apperr.Fields(fs)
}

// sniff tells what a document is from its bytes: PDF, PNG or JPEG (photo:
// PNG or JPEG only), or "".
func sniff(item string, data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")) && item != "photo":
		return "application/pdf"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	}
	return ""
}

// mayAttach: the employer's members and the talent, while the application
// is a draft or returned for changes.
func mayAttach(p *auth.Principal, a *Application) error {
	if !mayRead(p, a) {
		return apperr.New(apperr.NotFound, "no work-permit application %d", a.ID)
	}
	if p.RoleIn(a.EmployerOrgID) == "" && !isTalent(p, a) {
		return apperr.New(apperr.Forbidden, "the employer and the talent add the documents")
	}
	if a.State != Draft && a.State != Returned {
		return apperr.New(apperr.Conflict, "documents are added to a draft or a returned application, not a %s one", a.State)
	}
	return nil
}

// CanAttach settles who may upload before the body is read.
func (s *Service) CanAttach(ctx context.Context, p *auth.Principal, appID int64) error {
	if p == nil {
		return apperr.New(apperr.Unauthorized, "sign in")
	}
	a, err := loadApp(ctx, s.DB.Read, appID)
	if err != nil {
		return err
	}
	return mayAttach(p, &a)
}

// AddDocument stores a document of the checklist: type judged from the
// bytes (PDF, PNG, JPEG), at most MaxDocumentSize.
func (s *Service) AddDocument(ctx context.Context, p *auth.Principal, appID int64, item, name string, data []byte) (Document, error) {
	if p == nil {
		return Document{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	item = strings.TrimSpace(item)
	if !contains(DocumentItems, item) {
		return Document{}, apperr.Field("document", "must be one of %s", strings.Join(DocumentItems, ", "))
	}
	name, err := programs.CleanFileName(name)
	if err != nil {
		return Document{}, err
	}
	if len(data) == 0 {
		return Document{}, apperr.Field("file", "is empty")
	}
	if len(data) > MaxDocumentSize {
		return Document{}, apperr.New(apperr.TooLarge, "file: larger than %d MiB", MaxDocumentSize>>20)
	}
	ct := sniff(item, data)
	if ct == "" {
		if item == "photo" {
			return Document{}, apperr.Field("file", "a photo must be a PNG or JPEG image")
		}
		return Document{}, apperr.Field("file", "must be a PDF, PNG or JPEG file")
	}
	sum := sha256.Sum256(data)
	d := Document{Item: item, Name: name, ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: s.DB.Now()}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		a, err := loadApp(ctx, tx, appID)
		if err != nil {
			return err
		}
		if err := mayAttach(p, &a); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM talent_documents WHERE application_id = $1`, appID).Scan(&n); err != nil {
			return apperr.Wrap(err, "documents")
		}
		if n >= MaxDocuments {
			return apperr.Field("file", "an application holds at most %d documents", MaxDocuments).WithCode(apperr.Conflict)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO talent_documents (application_id, item, name, content_type, size, sha256, content, uploaded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, appID, item, name, ct, d.Size, d.SHA256, data, p.UserID, d.CreatedAt).Scan(&d.ID); err != nil {
			return apperr.Wrap(err, "insert document")
		}
		return audit.Record(ctx, tx, d.CreatedAt, audit.Change{OrgID: a.EmployerOrgID, Action: "document", Entity: "work_permit_application",
			EntityID: strconv.FormatInt(appID, 10), After: map[string]any{"document_id": d.ID, "item": item, "size": d.Size, "sha256": d.SHA256}})
	})
	return d, err
}

// DocumentContent returns a document and its bytes: those who read the
// personal data.
func (s *Service) DocumentContent(ctx context.Context, p *auth.Principal, appID, docID int64) (Document, []byte, error) {
	if p == nil {
		return Document{}, nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	a, err := loadApp(ctx, s.DB.Read, appID)
	if err != nil {
		return Document{}, nil, err
	}
	if !mayReadPersonal(p, &a) {
		return Document{}, nil, apperr.New(apperr.NotFound, "no document %d", docID)
	}
	var d Document
	var data []byte
	err = s.DB.Read.QueryRowContext(ctx, `SELECT id, item, name, content_type, size, sha256, created_at, content FROM talent_documents WHERE id = $1 AND application_id = $2`,
		docID, appID).Scan(&d.ID, &d.Item, &d.Name, &d.ContentType, &d.Size, &d.SHA256, &d.CreatedAt, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil, apperr.New(apperr.NotFound, "no document %d", docID)
	}
	return d, data, apperr.Wrap(err, "document")
}
