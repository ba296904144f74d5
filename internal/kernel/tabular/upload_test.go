package tabular

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"rainforest/internal/kernel/apperr"
)

func uploadRequest(t *testing.T, query string, fields map[string]string, name string, data []byte) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if data != nil {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
	}
	mw.Close()
	r := httptest.NewRequest("POST", "/import"+query, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func TestReadUpload(t *testing.T) {
	r := uploadRequest(t, "?kind=needs", map[string]string{"dry_run": "yes"}, "ab.xlsx", []byte("x"))
	up, fs, err := ReadUpload(httptest.NewRecorder(), r, 1<<20, "kind")
	if err != nil || len(fs) != 0 {
		t.Fatalf("good upload: %v %v", err, fs)
	}
	if up.Name != "ab.xlsx" || up.Format != XLSX || !up.DryRun || up.SkipInvalid || up.Fields["kind"] != "needs" || string(up.Data) != "x" {
		t.Errorf("read %+v", up)
	}

	r = uploadRequest(t, "", map[string]string{"skip_invalid": "maybe", "format": "pdf"}, "a.csv", nil)
	_, fs, err = ReadUpload(httptest.NewRecorder(), r, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, f := range fs {
		named[f.Field] = true
	}
	if !named["file"] || !named["skip_invalid"] || !named["format"] || len(fs) != 3 {
		t.Errorf("field errors %v", fs)
	}

	r = uploadRequest(t, "", nil, "big.csv", bytes.Repeat([]byte("a"), 2<<20))
	if _, _, err = ReadUpload(httptest.NewRecorder(), r, 1<<20); apperr.CodeOf(err) != apperr.TooLarge {
		t.Errorf("too large: %v", err)
	}

	r = httptest.NewRequest("POST", "/import", bytes.NewReader([]byte("a,b")))
	r.Header.Set("Content-Type", "text/csv")
	var ae *apperr.Error
	if _, _, err = ReadUpload(httptest.NewRecorder(), r, 1<<20); !errors.As(err, &ae) || ae.Code != apperr.Unsupported {
		t.Errorf("not multipart: %v", err)
	}
}
