package programs

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-pdf/fpdf"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ledger"
)

// The letter's fonts (see letterfont/README.md), stored compressed: Droid
// Sans Fallback Full (Apache License 2.0) for Chinese, which has no Latin
// letters, and DejaVu Sans (Bitstream Vera licence) for Latin script,
// digits and punctuation. The PDF embeds only the glyphs a letter uses.
var (
	//go:embed letterfont/DroidSansFallbackFull.ttf.gz
	cjkFontGz []byte
	//go:embed letterfont/DejaVuSans.ttf.gz
	latinFontGz []byte

	letterFontOnce     sync.Once
	cjkFont, latinFont []byte
	letterFontErr      error
)

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// loadLetterFonts returns the fonts for one document: copies of the
// unpacked files, because fpdf writes into a font's bytes while it cuts
// the glyphs a document uses, and documents are made concurrently.
func loadLetterFonts() (cjk, latin []byte, err error) {
	letterFontOnce.Do(func() {
		var e1, e2 error
		cjkFont, e1 = gunzip(cjkFontGz)
		latinFont, e2 = gunzip(latinFontGz)
		letterFontErr = errors.Join(e1, e2)
	})
	if letterFontErr != nil {
		return nil, nil, letterFontErr
	}
	return bytes.Clone(cjkFont), bytes.Clone(latinFont), nil
}

// PrintFonts are the letter's TrueType fonts (Chinese, Latin), a copy
// for each document, and the test of which a rune is set in, for other
// printed documents.
func PrintFonts() (cjkTTF, latinTTF []byte, isCJK func(rune) bool, err error) {
	cjkTTF, latinTTF, err = loadLetterFonts()
	return cjkTTF, latinTTF, cjk, err
}

// cjk reports whether r is set in the Chinese font: ideographs, CJK
// punctuation, kana and full-width forms; everything else is Latin.
func cjk(r rune) bool {
	return r >= 0x2E80 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF || r >= 0xFE30 && r <= 0xFE4F ||
		r >= 0xFF00 && r <= 0xFFEF || r >= 0x20000 && r <= 0x3FFFF
}

// token is a unit of line breaking: one Chinese character, a Latin word
// or a run of spaces.
type token struct {
	text  string
	cjk   bool
	space bool
	w     float64
}

// noLineStart is the punctuation a line must not start with.
const noLineStart = "，。、：；！？）」』”’》〉%,.:;!?)]"

// typesetter lays paragraphs out in two fonts, breaking lines between
// Chinese characters and at spaces (a Latin word longer than the line
// is broken between letters).
type typesetter struct {
	pdf  *fpdf.Fpdf
	size float64
}

func (ts *typesetter) font(isCJK bool) {
	if isCJK {
		ts.pdf.SetFont("cjk", "", ts.size)
	} else {
		ts.pdf.SetFont("latin", "", ts.size)
	}
}

func (ts *typesetter) width(t token) float64 {
	ts.font(t.cjk)
	return ts.pdf.GetStringWidth(t.text)
}

func (ts *typesetter) tokens(text string) []token {
	var out []token
	var word []rune
	flush := func() {
		if len(word) > 0 {
			t := token{text: string(word)}
			t.w = ts.width(t)
			out = append(out, t)
			word = word[:0]
		}
	}
	for _, r := range text {
		switch {
		case r == ' ' || r == '\t' || r == '\r' || r < 0x20 || r == 0x7f:
			flush()
			t := token{text: " ", space: true}
			t.w = ts.width(t)
			out = append(out, t)
		case cjk(r):
			flush()
			t := token{text: string(r), cjk: true}
			t.w = ts.width(t)
			out = append(out, t)
		default:
			word = append(word, r)
		}
	}
	flush()
	return out
}

// closing reports whether a token is punctuation a line must not start
// with.
func closing(t token) bool {
	if t.space || t.text == "" {
		return false
	}
	for _, r := range t.text {
		if !strings.ContainsRune(noLineStart, r) {
			return false
		}
	}
	return true
}

// lineWidth is the width of a line's tokens.
func lineWidth(line []token) float64 {
	var w float64
	for _, t := range line {
		w += t.w
	}
	return w
}

// breakLines breaks text (at the current size) into lines at most avail
// wide: between Chinese characters, at spaces, and inside a Latin word
// only when it is longer than a line. Closing punctuation stays with what
// it closes, even a little past the margin; spaces at the ends of lines
// are dropped; a newline starts a new line.
func (ts *typesetter) breakLines(text string, avail float64) [][]token {
	var lines [][]token
	for _, para := range strings.Split(text, "\n") {
		var line []token
		var lw float64
		emit := func() {
			for len(line) > 0 && line[len(line)-1].space {
				line = line[:len(line)-1]
			}
			lines = append(lines, line)
			line, lw = nil, 0
		}
		queue := ts.tokens(para)
		for len(queue) > 0 {
			t := queue[0]
			queue = queue[1:]
			switch {
			case t.space && len(line) == 0:
				// No space at the start of a line.
			case lw+t.w <= avail || len(line) > 0 && closing(t):
				line = append(line, t)
				lw += t.w
			case !t.cjk && !t.space && t.w > avail:
				// A word longer than a line: as much of it as fits here.
				rs := []rune(t.text)
				n := 1
				for n < len(rs) && lw+ts.width(token{text: string(rs[:n+1])}) <= avail {
					n++
				}
				head, tail := token{text: string(rs[:n])}, token{text: string(rs[n:])}
				head.w, tail.w = ts.width(head), ts.width(tail)
				if len(line) > 0 && lw+head.w > avail {
					emit()
					queue = append([]token{t}, queue...)
					continue
				}
				line = append(line, head)
				emit()
				if tail.text != "" {
					queue = append([]token{tail}, queue...)
				}
			default:
				emit()
				if !t.space {
					line = append(line, t)
					lw = t.w
				}
			}
		}
		if len(line) > 0 || para == "" {
			emit()
		}
	}
	return lines
}

// paragraph sets text at size in lines of height lh, aligned "L", "C" or
// "R" between the margins.
func (ts *typesetter) paragraph(text string, size, lh float64, align string) {
	ts.size = size
	left, _, right, _ := ts.pdf.GetMargins()
	pw, _ := ts.pdf.GetPageSize()
	avail := pw - left - right
	for _, line := range ts.breakLines(text, avail) {
		lw := lineWidth(line)
		x := left
		switch align {
		case "C":
			x = left + (avail-lw)/2
		case "R":
			x = left + avail - lw
		}
		ts.pdf.SetX(x)
		for i := 0; i < len(line); {
			j := i
			var run strings.Builder
			var w float64
			for ; j < len(line) && line[j].cjk == line[i].cjk; j++ {
				run.WriteString(line[j].text)
				w += line[j].w
			}
			ts.font(line[i].cjk)
			ts.pdf.CellFormat(w, lh, run.String(), "", 0, "L", false, 0, "")
			i = j
		}
		ts.pdf.Ln(lh)
	}
}

// Decided application states: a letter exists for these only.
var decidedStates = []string{"approved", "rejected", "disbursed"}

// Letter is what a decision letter says.
type Letter struct {
	Lang          string
	Reference     string
	AgencyZh      string
	AgencyEn      string
	ApplicantZh   string
	ApplicantEn   string
	USCC          string
	ProgramZh     string
	ProgramEn     string
	Project       string
	Approved      bool
	AmountFen     int64
	Reason        string
	DecidedOn     string
	ApplicationID int64
}

// LetterReference is the reference number of an application's letter:
// RF-{year of the decision}-{program id}-{application id}.
func LetterReference(year int, programID, applicationID int64) string {
	return fmt.Sprintf("RF-%d-%d-%06d", year, programID, applicationID)
}

// DecisionLetter loads what the letter of application id says, for the
// organization's members and the officers of the program's agency (and
// administrators), once the application is decided. lang is "zh" or
// "en"; empty means the applicant's language (the locale of the account
// that created the application, Chinese if none).
func (s *Service) DecisionLetter(ctx context.Context, p *auth.Principal, id int64, lang string) (Letter, error) {
	if p == nil {
		return Letter{}, apperr.New(apperr.Unauthorized, "sign in to read a decision letter")
	}
	if lang != "" && !i18n.Valid(lang) {
		return Letter{}, apperr.Field("lang", "must be zh or en")
	}
	var (
		l                    Letter
		orgID, programID     int64
		owner                *int64
		state, creatorLocale string
		agencyZh, agencyEn   *string
		requested, amount    *int64
		decided              db.Time
		awardFen             *int64
	)
	err := s.DB.Read.QueryRowContext(ctx, `SELECT a.id, a.org_id, a.program_id, a.state, a.project_title, a.decision_reason, a.requested_fen, a.amount_fen, a.decided_at,
			o.name_zh, o.name_en, o.uscc, p.title_zh, p.title_en, p.owner_org_id, ow.name_zh, ow.name_en, COALESCE(u.locale, ''),
			(SELECT w.amount_fen FROM awards w WHERE w.application_id = a.id AND w.status <> 'cancelled')
		FROM applications a
		JOIN orgs o ON o.id = a.org_id
		JOIN programs p ON p.id = a.program_id
		LEFT JOIN orgs ow ON ow.id = p.owner_org_id
		LEFT JOIN users u ON u.id = a.created_by
		WHERE a.id = $1`, id).Scan(&l.ApplicationID, &orgID, &programID, &state, &l.Project, &l.Reason, &requested, &amount, &decided,
		&l.ApplicantZh, &l.ApplicantEn, &l.USCC, &l.ProgramZh, &l.ProgramEn, &owner, &agencyZh, &agencyEn, &creatorLocale, &awardFen)
	if errors.Is(err, sql.ErrNoRows) {
		return Letter{}, apperr.New(apperr.NotFound, "no application %d", id)
	}
	if err != nil {
		return Letter{}, apperr.Wrap(err, "decision letter")
	}
	prog := Program{OwnerOrgID: owner}
	if p.RoleIn(orgID) == "" && !CanEdit(p, &prog) {
		return Letter{}, apperr.New(apperr.NotFound, "no application %d", id)
	}
	decidedState := false
	for _, s := range decidedStates {
		decidedState = decidedState || s == state
	}
	if !decidedState {
		return Letter{}, apperr.New(apperr.Conflict, "application %d is %s: a decision letter exists once it is approved or rejected", id, state)
	}
	l.Lang = lang
	if l.Lang == "" {
		l.Lang = "zh"
		if creatorLocale == "en" {
			l.Lang = "en"
		}
	}
	l.Approved = state != "rejected"
	switch {
	case awardFen != nil:
		l.AmountFen = *awardFen
	case amount != nil:
		l.AmountFen = *amount
	case requested != nil:
		l.AmountFen = *requested
	}
	at := decided.Time
	if !decided.Valid {
		at = s.DB.Now()
	}
	at = at.In(shanghai)
	l.DecidedOn = at.Format(time.DateOnly)
	l.Reference = LetterReference(at.Year(), programID, id)
	l.AgencyZh, l.AgencyEn = "Rainforest 科技创新服务平台", "Rainforest science and technology innovation platform"
	if agencyZh != nil {
		l.AgencyZh = *agencyZh
		if agencyEn != nil {
			l.AgencyEn = *agencyEn
		}
	}
	return l, nil
}

// PDF renders the letter as an A4 PDF document.
func (l *Letter) PDF() ([]byte, error) {
	cjkTTF, latinTTF, err := loadLetterFonts()
	if err != nil {
		return nil, apperr.Wrap(err, "letter fonts")
	}
	en := l.Lang == "en"
	pick := func(zh, e string) string {
		if en && e != "" {
			return e
		}
		if zh == "" {
			return e
		}
		return zh
	}
	t := func(key string, args ...any) string { return i18n.T(l.Lang, key, args...) }
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(25, 25, 25)
	pdf.SetAutoPageBreak(true, 30)
	pdf.AddUTF8FontFromBytes("cjk", "", cjkTTF)
	pdf.AddUTF8FontFromBytes("latin", "", latinTTF)
	pdf.SetTitle(t("letter.title")+" "+l.Reference, true)
	pdf.SetAuthor(pick(l.AgencyZh, l.AgencyEn), true)
	pdf.SetCreator("Rainforest", true)
	decided, _ := time.ParseInLocation(time.DateOnly, l.DecidedOn, shanghai)
	pdf.SetCreationDate(decided)
	pdf.SetModificationDate(decided)
	pdf.AddPage()
	ts := &typesetter{pdf: pdf}
	applicant, program := pick(l.ApplicantZh, l.ApplicantEn), pick(l.ProgramZh, l.ProgramEn)

	ts.paragraph(pick(l.AgencyZh, l.AgencyEn), 15, 8, "C")
	pdf.Ln(2)
	ts.paragraph(t("letter.title"), 20, 11, "C")
	ts.paragraph(t("letter.reference")+" "+l.Reference, 10.5, 6, "C")
	pdf.Ln(6)
	for _, f := range [][2]string{
		{t("letter.applicant"), applicant},
		{t("letter.uscc"), l.USCC},
		{t("letter.program"), program},
		{t("letter.project"), l.Project},
		{t("letter.application"), strconv.FormatInt(l.ApplicationID, 10)},
	} {
		ts.paragraph(f[0]+" "+f[1], 12, 7, "L")
	}
	pdf.Ln(5)
	if l.Approved {
		ts.paragraph(t("letter.approved_body", applicant, program, ledger.Yuan(l.AmountFen)), 12, 7.5, "L")
	} else {
		ts.paragraph(t("letter.rejected_body", applicant, program), 12, 7.5, "L")
		reason := strings.TrimSpace(l.Reason)
		if reason == "" {
			reason = t("letter.no_reason")
		}
		pdf.Ln(2)
		ts.paragraph(t("letter.reason")+" "+reason, 12, 7.5, "L")
	}
	pdf.Ln(4)
	ts.paragraph(t("letter.closing"), 12, 7.5, "L")
	pdf.Ln(14)
	ts.paragraph(pick(l.AgencyZh, l.AgencyEn), 12, 7, "R")
	ts.paragraph(t("letter.date")+" "+l.DecidedOn, 12, 7, "R")

	// The footer, at the foot of the last page.
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetY(-28)
	pdf.SetTextColor(90, 90, 90)
	ts.paragraph(t("letter.footer", l.Reference), 8.5, 4.5, "L")

	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, apperr.Wrap(err, "letter pdf")
	}
	return b.Bytes(), nil
}

// Letter is GET /api/v1/applications/{id}/letter.pdf?lang=zh|en: the
// decision letter of a decided application as a PDF.
func (a *API) Letter(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	l, err := a.S.DecisionLetter(r.Context(), p, id, r.URL.Query().Get("lang"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	b, err := l.PDF()
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s-%s.pdf"`, l.Reference, l.Lang))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
