package transfer

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// readImportUpload reads the import form (see tabular.ReadUpload) with
// the field kind.
func readImportUpload(w http.ResponseWriter, r *http.Request) (importUpload, error) {
	u, fs, err := tabular.ReadUpload(w, r, MaxImportSize, "kind")
	if err != nil {
		return importUpload{}, err
	}
	up := importUpload{Name: u.Name, Data: u.Data, Format: u.Format, DryRun: u.DryRun, SkipInvalid: u.SkipInvalid}
	up.Kind = strings.TrimSpace(u.Fields["kind"])
	if ImportColumnsOf(up.Kind) == nil {
		fs = append(fs, apperr.FieldError{Field: "kind", Message: oneOf(ImportKinds)})
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
