package programs_test

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/programs"
)

// FuzzSniffType: whatever the bytes, the attachment type is one of the
// accepted ones or none, and a type is only given to content that starts
// as that type does. Seeds in testdata/fuzz/FuzzSniffType.
func FuzzSniffType(f *testing.F) {
	f.Add([]byte("%PDF-1.7\n"))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Add([]byte("hello, 你好\n"))
	f.Add([]byte("MZ\x90\x00"))
	accepted := map[string]bool{"": true, programs.TypePDF: true, programs.TypePNG: true, programs.TypeJPEG: true,
		programs.TypeText: true, programs.TypeDOCX: true, programs.TypeXLSX: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		ct := programs.SniffType(data)
		if !accepted[ct] {
			t.Fatalf("type %q is not an accepted one", ct)
		}
		switch ct {
		case programs.TypePDF:
			if !bytes.HasPrefix(data, []byte("%PDF-")) {
				t.Fatalf("%q called a PDF", data)
			}
		case programs.TypeText:
			if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
				t.Fatalf("%q called text", data)
			}
		case programs.TypeDOCX, programs.TypeXLSX:
			if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
				t.Fatalf("%q called an office file", data)
			}
		}
	})
}

// FuzzProjectKey: the key is letters and digits only, lower-case, and the
// same for a title however it is spaced, punctuated or cased.
func FuzzProjectKey(f *testing.F) {
	f.Add("智能仓储 系统（二期）")
	f.Add("Cloud-Storage Engine")
	f.Add("ＡＢＣ１２３")
	f.Fuzz(func(t *testing.T, title string) {
		k := programs.ProjectKey(title)
		for _, r := range k {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				t.Fatalf("%q: key %q holds %q", title, k, r)
			}
		}
		if programs.ProjectKey(k) != k {
			t.Fatalf("%q: key %q is not stable", title, k)
		}
		if programs.ProjectKey(" "+strings.ToUpper(title)+" - ") != programs.ProjectKey(strings.ToUpper(title)) {
			t.Fatalf("%q: spacing changes the key", title)
		}
	})
}

// FuzzReadUpload: any multipart body gives a file, or a 4xx naming what
// is wrong, never a panic.
func FuzzReadUpload(f *testing.F) {
	f.Add("1", "a.pdf", []byte("%PDF-1.4"), "")
	f.Add("", "", []byte{}, "--x\r\n")
	f.Fuzz(func(t *testing.T, document, name string, data []byte, raw string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("document", document)
		if w, err := mw.CreateFormFile("file", name); err == nil {
			_, _ = w.Write(data)
		}
		_ = mw.Close()
		body := buf.String()
		if raw != "" {
			body = raw
		}
		r := httptest.NewRequest("POST", "/api/v1/applications/1/files", strings.NewReader(body))
		r.Header.Set("Content-Type", mw.FormDataContentType())
		_, _, got, err := programs.ReadUpload(r)
		if err != nil {
			if c := apperr.CodeOf(err); c == apperr.Internal {
				t.Fatalf("internal error on bad input: %v", err)
			}
			return
		}
		if raw == "" && !bytes.Equal(got, data) {
			t.Fatalf("file changed: %q != %q", got, data)
		}
	})
}
