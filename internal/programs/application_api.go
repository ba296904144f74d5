package programs

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
)

// appFilterOf reads the list filters of a query string.
func appFilterOf(q url.Values) (AppFilter, error) {
	f := AppFilter{Program: q.Get("program"), State: q.Get("state"), Origin: q.Get("origin"), Query: q.Get("q")}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"org_id", &f.OrgID}, {"cursor", &f.Cursor}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return f, apperr.Field(p.name, "must be a positive integer")
			}
			*p.dst = n
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return f, apperr.Field("limit", "must be an integer")
		}
		f.Limit = n
	}
	return f, nil
}

// ListApplications is GET /api/v1/applications: the review queue of the
// programs the caller's agency owns (administrators: all), with filters.
func (a *API) ListApplications(w http.ResponseWriter, r *http.Request) {
	f, err := appFilterOf(r.URL.Query())
	if err == nil {
		var pg AppPage
		if pg, err = a.S.ListApplications(r.Context(), auth.From(r.Context()), f); err == nil {
			httpx.JSON(w, http.StatusOK, pg)
			return
		}
	}
	httpx.Error(w, r, err)
}

// OrgApplications is GET /api/v1/orgs/{id}/applications: an
// organization's applications, for its members and the officers of the
// programs applied to.
func (a *API) OrgApplications(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, err := appFilterOf(r.URL.Query())
	if err == nil {
		f.OrgID = id
		var pg AppPage
		if pg, err = a.S.ListApplications(r.Context(), auth.From(r.Context()), f); err == nil {
			httpx.JSON(w, http.StatusOK, pg)
			return
		}
	}
	httpx.Error(w, r, err)
}

// CreateApplication is POST /api/v1/applications: a draft.
func (a *API) CreateApplication(w http.ResponseWriter, r *http.Request) {
	var in AppInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	app, err := a.S.CreateApplication(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/applications/"+strconv.FormatInt(app.ID, 10))
	httpx.JSON(w, http.StatusCreated, app)
}

// GetApplication is GET /api/v1/applications/{id}.
func (a *API) GetApplication(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		var app Application
		if app, err = a.S.GetApplication(r.Context(), auth.From(r.Context()), id); err == nil {
			httpx.JSON(w, http.StatusOK, app)
			return
		}
	}
	httpx.Error(w, r, err)
}

// PatchApplication is PATCH /api/v1/applications/{id}: a draft's or a
// returned application's title, summary and request.
func (a *API) PatchApplication(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var in AppInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if in.Program != "" || in.OrgID != 0 {
		httpx.Error(w, r, apperr.Field("program", "an application's program and organization do not change"))
		return
	}
	app, err := a.S.UpdateApplication(r.Context(), auth.From(r.Context()), id, in)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, app)
}

// transitionInput is the body of a transition.
type transitionInput struct {
	Action string `json:"action"`
	ActInput
}

// Transition is POST /api/v1/applications/{id}/transitions: submit,
// withdraw, start_review, return, approve, reject, revoke or disburse.
func (a *API) Transition(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var in transitionInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if in.Action == "" {
		httpx.Error(w, r, apperr.Field("action", "is required"))
		return
	}
	app, err := a.S.Act(r.Context(), auth.From(r.Context()), id, in.Action, in.ActInput)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, app)
}

// bulkInput is the body of a bulk action.
type bulkInput struct {
	IDs        []int64 `json:"ids"`
	Action     string  `json:"action"`
	Comment    string  `json:"comment"`
	AmountYuan *int64  `json:"amount_yuan,omitempty"`
}

// Bulk is POST /api/v1/applications/bulk: one action on many
// applications, each in its own transaction; the answer says what became
// of each.
func (a *API) Bulk(w http.ResponseWriter, r *http.Request) {
	var in bulkInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	res, err := a.S.Bulk(r.Context(), auth.From(r.Context()), in.IDs, in.Action, ActInput{Comment: in.Comment, AmountYuan: in.AmountYuan})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, res)
}

// UploadFile is POST /api/v1/applications/{id}/files: multipart/form-data
// with a part "file" and an optional "document" (the number of the
// program's required document it is).
func (a *API) UploadFile(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	// Who may attach is settled before the body is read.
	if err := a.S.CanAttach(r.Context(), auth.From(r.Context()), id); err != nil {
		httpx.Error(w, r, err)
		return
	}
	document, name, data, err := ReadUpload(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, err := a.S.AddFile(r.Context(), auth.From(r.Context()), id, document, name, data)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, f)
}

// ReadUpload reads the multipart form of an upload: the file's name and
// bytes (at most MaxFileSize) and the "document" field.
func ReadUpload(r *http.Request) (document, name string, data []byte, err error) {
	mt, _, perr := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if perr != nil || mt != "multipart/form-data" {
		return "", "", nil, &apperr.Error{Code: apperr.Unsupported, Message: "send the file as multipart/form-data",
			Fields: []apperr.FieldError{{Field: "file", Message: "send the file as multipart/form-data"}}}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", "", nil, apperr.New(apperr.Malformed, "unreadable multipart body")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				return "", "", nil, apperr.New(apperr.TooLarge, "file: larger than %d MiB", MaxFileSize>>20)
			}
			return "", "", nil, apperr.New(apperr.Malformed, "unreadable multipart body")
		}
		switch part.FormName() {
		case "document", "csrf":
			b, err := io.ReadAll(io.LimitReader(part, 1024))
			if err != nil {
				return "", "", nil, apperr.New(apperr.Malformed, "unreadable multipart body")
			}
			if part.FormName() == "document" {
				document = strings.TrimSpace(string(b))
			}
		case "file":
			if data != nil {
				return "", "", nil, apperr.Field("file", "send one file at a time")
			}
			name = part.FileName()
			data, err = io.ReadAll(io.LimitReader(part, MaxFileSize+1))
			if err != nil {
				var mb *http.MaxBytesError
				if errors.As(err, &mb) {
					return "", "", nil, apperr.New(apperr.TooLarge, "file: larger than %d MiB", MaxFileSize>>20)
				}
				return "", "", nil, apperr.New(apperr.Malformed, "unreadable multipart body")
			}
			if len(data) > MaxFileSize {
				return "", "", nil, apperr.New(apperr.TooLarge, "file: larger than %d MiB", MaxFileSize>>20)
			}
			if data == nil {
				data = []byte{}
			}
		}
		part.Close()
	}
	if data == nil {
		return "", "", nil, apperr.Field("file", "is required")
	}
	return document, name, data, nil
}

// DownloadFile is GET /api/v1/applications/{id}/files/{file}: the bytes,
// as an attachment, never rendered inline.
func (a *API) DownloadFile(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	fid, err := httpx.PathID(r, "file")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, data, err := a.S.FileContent(r.Context(), auth.From(r.Context()), id, fid)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	ServeFile(w, f, data)
}

// ServeFile writes an attachment for download.
func ServeFile(w http.ResponseWriter, f File, data []byte) {
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// DeleteFile is DELETE /api/v1/applications/{id}/files/{file}.
func (a *API) DeleteFile(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	fid, err := httpx.PathID(r, "file")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if err := a.S.DeleteFile(r.Context(), auth.From(r.Context()), id, fid); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ProposeGrants is POST /api/v1/programs/{ref}/grant-batches: a proposal
// of apply-free awards from the registry's data.
func (a *API) ProposeGrants(w http.ResponseWriter, r *http.Request) {
	b, err := a.S.ProposeGrants(r.Context(), auth.From(r.Context()), r.PathValue("ref"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/grant-batches/"+strconv.FormatInt(b.ID, 10))
	httpx.JSON(w, http.StatusCreated, b)
}

// ListGrants is GET /api/v1/programs/{ref}/grant-batches.
func (a *API) ListGrants(w http.ResponseWriter, r *http.Request) {
	_, bs, err := a.S.GrantBatches(r.Context(), auth.From(r.Context()), r.PathValue("ref"))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": bs})
}

// GetGrants is GET /api/v1/grant-batches/{id}.
func (a *API) GetGrants(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err == nil {
		var b GrantBatch
		if b, err = a.S.GrantBatch(r.Context(), auth.From(r.Context()), id); err == nil {
			httpx.JSON(w, http.StatusOK, b)
			return
		}
	}
	httpx.Error(w, r, err)
}

type decideInput struct {
	Reason  string `json:"reason"`
	Version *int   `json:"version,omitempty"`
}

func (a *API) decideGrants(w http.ResponseWriter, r *http.Request, approve bool) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var in decideInput
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	b, err := a.S.DecideGrants(r.Context(), auth.From(r.Context()), id, approve, in.Reason, in.Version)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, b)
}

// ApproveGrants is POST /api/v1/grant-batches/{id}/approve.
func (a *API) ApproveGrants(w http.ResponseWriter, r *http.Request) { a.decideGrants(w, r, true) }

// DiscardGrants is POST /api/v1/grant-batches/{id}/discard.
func (a *API) DiscardGrants(w http.ResponseWriter, r *http.Request) { a.decideGrants(w, r, false) }
