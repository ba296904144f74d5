package programs_test

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"

	"rainforest/internal/app/apptest"
	"rainforest/internal/programs"
)

var streamRe = regexp.MustCompile(`(?s)<<([^>]*?/FlateDecode[^>]*?)>>\s*stream\r?\n`)

// pdfText extracts the text a PDF shows: every string of a Tj operator in
// its compressed content streams, decoded from the UTF-16BE codes the
// letter's Unicode font uses. It also reports whether a TrueType font
// program is embedded.
func pdfText(t *testing.T, b []byte) (string, bool) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) || !bytes.Contains(b[len(b)-40:], []byte("%%EOF")) {
		t.Fatalf("not a PDF: %q…", b[:min(len(b), 20)])
	}
	var text strings.Builder
	for _, m := range streamRe.FindAllSubmatchIndex(b, -1) {
		start := m[1]
		end := bytes.Index(b[start:], []byte("endstream"))
		if end < 0 {
			t.Fatal("stream without end")
		}
		zr, err := zlib.NewReader(bytes.NewReader(b[start : start+end]))
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		data, err := io.ReadAll(zr)
		if err != nil && len(data) == 0 {
			t.Fatalf("stream: %v", err)
		}
		if !bytes.Contains(data, []byte("Tj")) {
			continue
		}
		// Strings between ( and )Tj with the PDF escapes.
		for i := 0; i < len(data); i++ {
			if data[i] != '(' {
				continue
			}
			var s []byte
			j := i + 1
			for ; j < len(data) && data[j] != ')'; j++ {
				if data[j] == '\\' && j+1 < len(data) {
					j++
					switch data[j] {
					case 'n':
						s = append(s, '\n')
					case 'r':
						s = append(s, '\r')
					case 't':
						s = append(s, '\t')
					default:
						s = append(s, data[j])
					}
					continue
				}
				s = append(s, data[j])
			}
			if !bytes.HasPrefix(data[j:], []byte(")Tj")) || len(s)%2 != 0 {
				i = j
				continue
			}
			u := make([]uint16, len(s)/2)
			for k := range u {
				u[k] = uint16(s[2*k])<<8 | uint16(s[2*k+1])
			}
			text.WriteString(string(utf16.Decode(u)))
			text.WriteByte(' ') // one string per line
			i = j
		}
	}
	return text.String(), bytes.Contains(b, []byte("/FontFile2"))
}

func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

type letterFixture struct {
	e                           *apptest.Env
	approved, rejected, pending int64
	org, program                int64
}

func newLetterFixture(t *testing.T) *letterFixture {
	e := apptest.New(t)
	f := &letterFixture{e: e}
	d := e.App.DB
	if err := d.Read.QueryRow(`SELECT m.org_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'enterprise@demo.local'`).Scan(&f.org); err != nil {
		t.Fatal(err)
	}
	if err := d.Read.QueryRow(`SELECT id FROM programs WHERE slug = 'jingan-little-giant'`).Scan(&f.program); err != nil {
		t.Fatal(err)
	}
	var owner int64
	if err := d.Read.QueryRow(`SELECT id FROM users WHERE email = 'enterprise@demo.local'`).Scan(&owner); err != nil {
		t.Fatal(err)
	}
	now := d.Now()
	add := func(key, state, reason string, amount any) int64 {
		var id int64
		if err := d.Write.QueryRow(`INSERT INTO applications (program_id, org_id, project_title, project_key, requested_fen, amount_fen, state, decision_reason, created_by, created_at, updated_at, decided_at)
			VALUES ($1, $2, $3, $4, 5000000, $5, $6, $7, $8, $9, $9, $9) RETURNING id`, f.program, f.org, "云杉工业软件平台 "+key, key, amount, state, reason, owner, now).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	f.approved = add("a", "approved", "", int64(1_234_567))
	f.rejected = add("r", "rejected", "研发投入占比未达到 4% 的要求", nil)
	f.pending = add("p", "under_review", "", nil)
	if _, err := d.Write.Exec(`INSERT INTO awards (application_id, program_id, org_id, fund_key, project_key, amount_fen, status, approved_at, created_at, updated_at)
		VALUES ($1, $2, $3, 'jingan-fund', 'a', 1234567, 'reserved', $4, $4, $4)`, f.approved, f.program, f.org, now); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *letterFixture) get(t *testing.T, id int64, query, email string) apptest.Response {
	t.Helper()
	tok := ""
	if email != "" {
		tok = f.e.Token(email)
	}
	return f.e.Do("GET", fmt.Sprintf("/api/v1/applications/%d/letter.pdf%s", id, query), tok, nil)
}

// TestDecisionLetter: the letter of an approved and of a rejected
// application, in Chinese (the applicant's language) and in English, is a
// PDF with the embedded font and the agency, applicant, credit code,
// program, project, decision, date and reference in its text.
func TestDecisionLetter(t *testing.T) {
	f := newLetterFixture(t)
	var uscc, year string
	if err := f.e.App.DB.Read.QueryRow(`SELECT uscc FROM orgs WHERE id = $1`, f.org).Scan(&uscc); err != nil {
		t.Fatal(err)
	}
	l, err := f.e.App.Programs.DecisionLetter(t.Context(), nil, f.approved, "")
	if err == nil {
		t.Fatal("a letter for the anonymous")
	}
	_ = l
	year = f.e.App.DB.Now().Format("2006")
	ref := programs.LetterReference(0, f.program, f.approved)
	ref = strings.Replace(ref, "RF-0-", "RF-"+year+"-", 1)
	for _, c := range []struct {
		id    int64
		query string
		want  []string
	}{
		{f.approved, "", []string{"资助申请决定书", "上海市静安区科学技术委员会", "上海云杉软件科技有限公司", uscc, "云杉工业软件平台 a", "决定予以资助", "12,345.67", ref, "日期："}},
		{f.approved, "?lang=en", []string{"Decision on an application for support", "Jing'an District Science and Technology Commission", uscc, "support it with an amount of CNY 12,345.67", ref}},
		{f.rejected, "?lang=zh", []string{"不予资助", "研发投入占比未达到 4% 的要求"}},
		{f.rejected, "?lang=en", []string{"not to support it", "Reason:", "研发投入占比未达到 4% 的要求"}},
	} {
		r := f.get(t, c.id, c.query, "enterprise@demo.local")
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("%d%s: %d %s %.200s", c.id, c.query, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		text, embedded := pdfText(t, r.Body)
		if !embedded {
			t.Errorf("%d%s: no embedded font", c.id, c.query)
		}
		// Lines break where a space was, or inside a Chinese phrase:
		// compare without any white space.
		for _, w := range c.want {
			if !strings.Contains(squeeze(text), squeeze(w)) {
				t.Errorf("%d%s: the letter lacks %q; it says %q", c.id, c.query, w, text)
			}
		}
		if len(r.Body) > 200_000 {
			t.Errorf("%d%s: %d bytes; the font should be subset", c.id, c.query, len(r.Body))
		}
	}
}

// TestDecisionLetterAccess: the organization's members and the program's
// officers only, decided applications only, a known language only.
func TestDecisionLetterAccess(t *testing.T) {
	f := newLetterFixture(t)
	for _, c := range []struct {
		id     int64
		query  string
		email  string
		status int
	}{
		{f.approved, "", "", http.StatusUnauthorized},
		{f.approved, "", "officer.jingan@demo.local", http.StatusOK},
		{f.approved, "", "admin@demo.local", http.StatusOK},
		{f.approved, "", "officer.xuhui@demo.local", http.StatusNotFound},
		{f.approved, "", "university@demo.local", http.StatusNotFound},
		{f.approved, "", "bank@demo.local", http.StatusNotFound},
		{f.pending, "", "enterprise@demo.local", http.StatusConflict},
		{f.approved, "?lang=fr", "enterprise@demo.local", http.StatusUnprocessableEntity},
		{999999, "", "enterprise@demo.local", http.StatusNotFound},
	} {
		r := f.get(t, c.id, c.query, c.email)
		if r.Status != c.status {
			t.Errorf("%d%s as %q: %d, want %d: %.300s", c.id, c.query, c.email, r.Status, c.status, r.Body)
		}
		if c.status != http.StatusOK && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%d%s as %q: %s", c.id, c.query, c.email, r.Header.Get("Content-Type"))
		}
	}
}

// BenchmarkLetterPDF renders an approved application's letter in Chinese
// and in English from a loaded Letter (fonts parsed and subset each time).
func BenchmarkLetterPDF(b *testing.B) {
	l := programs.Letter{Reference: "RF-2026-5-000001", AgencyZh: "上海市静安区科学技术委员会", AgencyEn: "Jing'an District Science and Technology Commission",
		ApplicantZh: "上海云杉软件科技有限公司", ApplicantEn: "Shanghai Yunshan Software Technology Co., Ltd.", USCC: "91310106100002951W",
		ProgramZh: "静安区科技小巨人企业配套支持", ProgramEn: "Jing'an support for sci-tech little giants", Project: "云杉工业软件平台",
		Approved: true, AmountFen: 123456789, DecidedOn: "2026-11-23", ApplicationID: 1}
	for _, lang := range []string{"zh", "en"} {
		l.Lang = lang
		b.Run(lang, func(b *testing.B) {
			var n int
			for b.Loop() {
				pdf, err := l.PDF()
				if err != nil {
					b.Fatal(err)
				}
				n = len(pdf)
			}
			b.ReportMetric(float64(n), "bytes/letter")
		})
	}
}

// TestDecisionLetterApplicantLanguage: without ?lang= the letter is in the
// language of the account that applied.
func TestDecisionLetterApplicantLanguage(t *testing.T) {
	f := newLetterFixture(t)
	if _, err := f.e.App.DB.Write.Exec(`UPDATE users SET locale = 'en' WHERE email = 'enterprise@demo.local'`); err != nil {
		t.Fatal(err)
	}
	// An officer reading it gets it in the applicant's language too.
	r := f.get(t, f.approved, "", "officer.jingan@demo.local")
	text, _ := pdfText(t, r.Body)
	if r.Status != http.StatusOK || !strings.Contains(squeeze(text), squeeze("Decision on an application for support")) {
		t.Fatalf("%d: %q", r.Status, text)
	}
	r = f.get(t, f.approved, "?lang=zh", "officer.jingan@demo.local")
	if text, _ := pdfText(t, r.Body); !strings.Contains(text, "资助申请决定书") {
		t.Fatalf("?lang=zh: %q", text)
	}
}

// TestPrintFontsCopies: every document gets its own copy of the fonts.
// fpdf writes into a font's bytes while it subsets it (appending to a
// slice of the file for glyphs past the metrics table), so documents made
// at the same time on shared bytes race, and a document could change the
// fonts of the next.
func TestPrintFontsCopies(t *testing.T) {
	c1, l1, _, err := programs.PrintFonts()
	if err != nil {
		t.Fatal(err)
	}
	c2, l2, _, err := programs.PrintFonts()
	if err != nil {
		t.Fatal(err)
	}
	if len(c1) == 0 || len(l1) == 0 || !bytes.Equal(c1, c2) || !bytes.Equal(l1, l2) {
		t.Fatal("the fonts differ between documents")
	}
	if &c1[0] == &c2[0] || &l1[0] == &l2[0] {
		t.Error("two documents share the fonts' bytes")
	}
}
