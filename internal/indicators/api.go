package indicators

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
)

// API serves the module's JSON endpoints and exports; routes are listed
// in app.
type API struct {
	S *Service
}

// List is GET /api/v1/indicators: the definitions and their freshness.
func (a *API) List(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		st, err := a.S.States(r.Context())
		return map[string]any{"items": a.S.List(), "refresh": st}, err
	})
}

// splitFormat takes an export's format from the path's extension or
// ?format= (json by default).
func splitFormat(r *http.Request, name string) (string, string, error) {
	v := r.PathValue(name)
	format := r.URL.Query().Get("format")
	for _, ext := range []string{"csv", "xlsx", "json", "pdf"} {
		if base, ok := strings.CutSuffix(v, "."+ext); ok {
			if format != "" && format != ext {
				return "", "", apperr.Field("format", "the path asks for %s", ext)
			}
			return base, ext, nil
		}
	}
	return v, format, nil
}

// Get is GET /api/v1/indicators/{id}?district=&from=&to=&format=: the
// series as JSON, or {id}.csv / {id}.xlsx (or ?format=) as a table.
func (a *API) Get(w http.ResponseWriter, r *http.Request) {
	id, format, err := splitFormat(r, "id")
	if err == nil && format != "" && format != "json" && format != "csv" && format != "xlsx" {
		err = apperr.Field("format", "must be json, csv or xlsx")
	}
	var se *Series
	if err == nil {
		q := r.URL.Query()
		se, err = a.S.Series(r.Context(), id, Query{From: q.Get("from"), To: q.Get("to"), Area: q.Get("district")})
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	a.export(w, r, se, format)
}

func (a *API) export(w http.ResponseWriter, r *http.Request, se *Series, format string) {
	name := fmt.Sprintf("%s_%s_%s", se.Indicator.ID, se.From, se.To)
	var b bytes.Buffer
	switch format {
	case "csv":
		if err := se.WriteCSV(&b); err != nil {
			httpx.Error(w, r, apperr.Wrap(err, "csv"))
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	case "xlsx":
		if err := se.WriteXLSX(&b); err != nil {
			httpx.Error(w, r, apperr.Wrap(err, "xlsx"))
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
	default:
		httpx.JSON(w, http.StatusOK, se)
		return
	}
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

// Report is GET /api/v1/indicators/report/{month}.pdf?lang=: the monthly
// report.
func (a *API) Report(w http.ResponseWriter, r *http.Request) {
	month, format, err := splitFormat(r, "month")
	if err == nil && format != "pdf" && format != "" {
		err = apperr.Field("format", "the report is a PDF")
	}
	var b []byte
	if err == nil {
		b, err = a.S.Report(r.Context(), month, r.URL.Query().Get("lang"))
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="indicators-`+month+`.pdf"`)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// RefreshInput asks for a full recomputation rather than the changed
// indicators only.
type RefreshInput struct {
	Full bool `json:"full"`
}

// Refresh is POST /api/v1/indicators/refresh (officers, administrators).
func (a *API) Refresh(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, in RefreshInput) (RefreshResult, error) {
		return a.S.RefreshNow(r.Context(), p, in.Full)
	})
}

// Populations is GET /api/v1/indicator-populations: public reference data.
func (a *API) Populations(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, false, false, http.StatusOK, func(_ *auth.Principal, _ int64, _ httpx.NoBody) (map[string]any, error) {
		ps, err := a.S.Populations(r.Context())
		return map[string]any{"items": ps}, err
	})
}

// PutPopulation is PUT /api/v1/indicator-populations/{district}/{year}
// (administrators).
func (a *API) PutPopulation(w http.ResponseWriter, r *http.Request) {
	httpx.Call(w, r, true, false, http.StatusOK, func(p *auth.Principal, _ int64, in PopulationInput) (Population, error) {
		if err := adminOnly(p); err != nil {
			return Population{}, err
		}
		year, err := ParseYear(r.PathValue("year"))
		if err != nil {
			return Population{}, err
		}
		return a.S.SavePopulation(r.Context(), p, r.PathValue("district"), year, in)
	})
}

// DeletePopulation is DELETE /api/v1/indicator-populations/{district}/{year}
// (administrators).
func (a *API) DeletePopulation(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err == nil {
		err = adminOnly(p)
	}
	var year int
	if err == nil {
		year, err = ParseYear(r.PathValue("year"))
	}
	if err == nil {
		err = a.S.DeletePopulation(r.Context(), p, r.PathValue("district"), year)
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
