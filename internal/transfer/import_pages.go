package transfer

import (
	"net/http"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/ui"
)

type importKindColumns struct {
	Kind    string
	Columns []ImportColumn
}

type importData struct {
	Kinds []importKindColumns
	// Kind is the kind chosen last.
	Kind   string
	Report *ImportReport
	// Problem is the import's refusal (a file with errors), shown above
	// the report.
	Problem string
	// Positions are the report's errors with where they are, in order.
	Positions []importPos
}

type importPos struct {
	Pos string
	ImportError
}

func newImportData(kind string) importData {
	d := importData{Kind: kind}
	if ImportColumnsOf(kind) == nil {
		d.Kind = ImportAchievements
	}
	for _, k := range ImportKinds {
		d.Kinds = append(d.Kinds, importKindColumns{Kind: k, Columns: ImportColumnsOf(k)})
	}
	return d
}

// ImportForm is GET /transfer/import: the upload form and the templates.
func (pg *Pages) ImportForm(w http.ResponseWriter, r *http.Request) {
	if err := MayImport(auth.From(r.Context())); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "transfer_import", ui.NewPage(r, "transfer.import", newImportData(r.URL.Query().Get("kind"))))
}

// Import is POST /transfer/import: runs the uploaded file and shows the
// report (422 when the file has errors and nothing was written).
func (pg *Pages) Import(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	if err := MayImport(p); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	up, err := readImportUpload(w, r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	rep, err := pg.S.runImport(r, p, up)
	status := http.StatusOK
	d := newImportData(up.Kind)
	d.Report = rep
	if err != nil {
		if rep == nil || apperr.CodeOf(err) != apperr.Invalid {
			pg.UI.Error(w, r, err)
			return
		}
		status = http.StatusUnprocessableEntity
		d.Problem = apperr.As(err).Message
	}
	for _, e := range rep.AllErrors() {
		d.Positions = append(d.Positions, importPos{Pos: rep.Pos(e), ImportError: e})
	}
	pg.UI.Render(w, r, status, "transfer_import", ui.NewPage(r, "transfer.import", d))
}
