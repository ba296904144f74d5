package transfer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/tabular"
)

// MaxImportSize bounds an uploaded import file.
const MaxImportSize = 16 << 20

// importUpload is a read import form.
type importUpload struct {
	Name        string
	Data        []byte
	Format      tabular.Format
	Kind        string
	DryRun      bool
	SkipInvalid bool
}

func formBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "false", "off", "no":
		return false, nil
	case "1", "true", "on", "yes":
		return true, nil
	}
	return false, errors.New("must be true or false")
}

// readImportUpload reads multipart/form-data with the part "file" and the
// fields kind, dry_run, skip_invalid and format (by default from the
// file's name); the fields may also come in the query string.
func readImportUpload(w http.ResponseWriter, r *http.Request) (importUpload, error) {
	var up importUpload
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return up, &apperr.Error{Code: apperr.Unsupported, Message: "send the file as multipart/form-data",
			Fields: []apperr.FieldError{{Field: "file", Message: "send the file as multipart/form-data"}}}
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportSize+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return up, apperr.New(apperr.Malformed, "unreadable multipart body")
	}
	fields := map[string]string{}
	for _, k := range []string{"kind", "dry_run", "skip_invalid", "format"} {
		fields[k] = r.URL.Query().Get(k)
	}
	tooLarge := apperr.New(apperr.TooLarge, "file: larger than %d MiB", MaxImportSize>>20)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return up, tooLarge
		}
		if err != nil {
			return up, apperr.New(apperr.Malformed, "unreadable multipart body")
		}
		switch name := part.FormName(); name {
		case "kind", "dry_run", "skip_invalid", "format":
			b, err := io.ReadAll(io.LimitReader(part, 64))
			if err != nil {
				return up, apperr.New(apperr.Malformed, "unreadable multipart body")
			}
			fields[name] = string(b)
		case "file":
			if up.Data != nil {
				return up, apperr.Field("file", "send one file at a time")
			}
			up.Name = part.FileName()
			up.Data, err = io.ReadAll(io.LimitReader(part, MaxImportSize+1))
			if errors.As(err, &mb) || len(up.Data) > MaxImportSize {
				return up, tooLarge
			}
			if err != nil {
				return up, apperr.New(apperr.Malformed, "unreadable multipart body")
			}
			if up.Data == nil {
				up.Data = []byte{}
			}
		}
		part.Close()
	}
	var fs fieldErrs
	if up.Data == nil {
		fs.add("file", "is required")
	}
	for name, dst := range map[string]*bool{"dry_run": &up.DryRun, "skip_invalid": &up.SkipInvalid} {
		v, err := formBool(fields[name])
		if err != nil {
			fs.add(name, err.Error())
		}
		*dst = v
	}
	if up.Name == "" {
		up.Name = "upload"
	}
	up.Name = clip(strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, up.Name))
	f, err := tabular.FormatOf(fields["format"], up.Name)
	if err != nil {
		fs.add("format", "must be csv or xlsx (or the file's name must end in .csv or .xlsx)")
	}
	up.Format = f
	up.Kind = strings.TrimSpace(fields["kind"])
	if ImportColumnsOf(up.Kind) == nil {
		fs.add("kind", oneOf(ImportKinds))
	}
	return up, apperr.Fields(fs)
}

// runImport runs an uploaded file for p.
func (s *Service) runImport(r *http.Request, p *auth.Principal, up importUpload) (*ImportReport, error) {
	im := &Importer{S: s, Principal: p, Kind: up.Kind, Format: up.Format, Name: up.Name, DryRun: up.DryRun, SkipInvalid: up.SkipInvalid}
	return im.Import(r.Context(), bytes.NewReader(up.Data))
}

// importProblem is the problem details of a file with bad rows, with the
// report.
type importProblem struct {
	httpx.Problem
	Report *ImportReport `json:"report"`
}

// maxProblemErrors bounds the errors listed in a problem's errors member;
// the report holds them all.
const maxProblemErrors = 100

// Import is POST /api/v1/transfer/import: a CSV or XLSX file of
// achievements or needs (kind) as multipart/form-data. 200 with the report when the rows were
// applied (or checked, for a dry run); 422 with the report when the file
// has errors and nothing was written.
func (a *API) Import(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	// Who may import is settled before the body is read.
	if err := MayImport(p); err != nil {
		httpx.Error(w, r, err)
		return
	}
	up, err := readImportUpload(w, r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	rep, err := a.S.runImport(r, p, up)
	if err != nil && rep != nil && apperr.CodeOf(err) == apperr.Invalid {
		ae := apperr.As(err)
		for _, e := range rep.AllErrors() {
			if len(ae.Fields) == maxProblemErrors {
				break
			}
			field := e.Field
			if field == "" {
				field = "file"
			}
			ae.Fields = append(ae.Fields, apperr.FieldError{Field: field, Message: fmt.Sprintf("%s: %s", rep.Pos(e), e.Message)})
		}
		prob := importProblem{Problem: httpx.ProblemFor(r, ae), Report: rep}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(prob.Status)
		_ = json.NewEncoder(w).Encode(prob)
		return
	}
	reply(w, r, http.StatusOK, rep, err)
}

// ImportTemplate is GET /api/v1/transfer/import/template?kind=&format=:
// the import file's bilingual header and a sample row, as a download.
func (a *API) ImportTemplate(w http.ResponseWriter, r *http.Request) {
	kind := r.URL.Query().Get("kind")
	if kind == "" {
		kind = ImportAchievements
	}
	if ImportColumnsOf(kind) == nil {
		httpx.Error(w, r, apperr.Field("kind", "%s", oneOf(ImportKinds)))
		return
	}
	f := tabular.Format(strings.ToLower(r.URL.Query().Get("format")))
	if f == "" {
		f = tabular.CSV
	}
	if f != tabular.CSV && f != tabular.XLSX {
		httpx.Error(w, r, apperr.Field("format", "must be csv or xlsx"))
		return
	}
	var buf bytes.Buffer
	if err := tabular.Write(&buf, f, Template(kind)); err != nil {
		httpx.Error(w, r, apperr.Wrap(err, "template"))
		return
	}
	ct := "text/csv; charset=utf-8"
	if f == tabular.XLSX {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="transfer-`+kind+`-template.`+string(f)+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}
