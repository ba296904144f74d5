package programs

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ui"
)

// appForm is the application form's values and errors.
type appForm struct {
	Program   row
	Orgs      []ui.Option
	OrgID     string
	Title     string
	Summary   string
	Requested string
	Errors    map[string]string
	Problem   string
}

// myEnterprises are the enterprises p belongs to.
func myEnterprises(p *auth.Principal, lang string) []ui.Option {
	var out []ui.Option
	for _, m := range p.Memberships {
		if m.OrgKind == "enterprise" {
			out = append(out, ui.Option{Value: strconv.FormatInt(m.OrgID, 10), Label: m.OrgName})
		}
	}
	return out
}

// fieldErrors maps an error's fields to messages in lang.
func fieldErrors(lang string, err error) (map[string]string, string) {
	ae := apperr.As(err)
	out := map[string]string{}
	for _, f := range ae.Fields {
		out[f.Field] = ui.FieldMessage(lang, f.Message, nil)
	}
	if len(ae.Fields) == 0 {
		return out, ae.Message
	}
	return out, ""
}

func (pg *Pages) applyPage(w http.ResponseWriter, r *http.Request, status int, f appForm) {
	page := ui.NewPage(r, "", f)
	page.Title = i18n.T(ui.Lang(r.Context()), "app.new") + " · " + f.Program.Title
	pg.UI.Render(w, r, status, "application_new", page)
}

// Apply is GET /programs/{slug}/apply: the form of a new application.
func (pg *Pages) Apply(w http.ResponseWriter, r *http.Request) {
	ctx, lang, u := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	if u == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in to apply"))
		return
	}
	prog, err := pg.S.Get(ctx, u, r.PathValue("slug"))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	f := appForm{Program: pg.rowOf(lang, u, pg.ownerNames(ctx, lang, []Program{prog}), prog), Orgs: myEnterprises(u, lang)}
	if len(f.Orgs) == 0 {
		pg.UI.Error(w, r, apperr.New(apperr.Forbidden, "only members of an enterprise apply to programs"))
		return
	}
	f.OrgID = r.URL.Query().Get("org")
	pg.applyPage(w, r, http.StatusOK, f)
}

// CreateApp is POST /programs/{slug}/apply: saves the draft and goes to
// it.
func (pg *Pages) CreateApp(w http.ResponseWriter, r *http.Request) {
	ctx, lang, u := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	if u == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in to apply"))
		return
	}
	prog, err := pg.S.Get(ctx, u, r.PathValue("slug"))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	f := appForm{Program: pg.rowOf(lang, u, pg.ownerNames(ctx, lang, []Program{prog}), prog), Orgs: myEnterprises(u, lang),
		OrgID: r.PostForm.Get("org_id"), Title: r.PostForm.Get("project_title"), Summary: r.PostForm.Get("summary"), Requested: r.PostForm.Get("requested_yuan")}
	in := AppInput{Program: prog.Slug, ProjectTitle: f.Title, Summary: f.Summary}
	var bad []apperr.FieldError
	if n, err := strconv.ParseInt(f.OrgID, 10, 64); err == nil {
		in.OrgID = n
	} else {
		bad = append(bad, apperr.FieldError{Field: "org_id", Message: "is required"})
	}
	if in.RequestedYuan, err = formYuan(r.PostForm, "requested_yuan"); err != nil {
		bad = append(bad, apperr.As(err).Fields...)
	}
	err = apperr.Fields(bad)
	var a Application
	if err == nil {
		a, err = pg.S.CreateApplication(ctx, u, in)
	}
	if err != nil {
		f.Errors, f.Problem = fieldErrors(lang, err)
		pg.applyPage(w, r, httpx.Status(apperr.CodeOf(err)), f)
		return
	}
	http.Redirect(w, r, "/applications/"+strconv.FormatInt(a.ID, 10)+"?flash=flash.app_created", http.StatusSeeOther)
}

type appData struct {
	App       Application
	Title     string
	Owner     string
	Documents []docRow
	Others    []File
	Snapshot  *Outcome
	CanEdit   bool
	CanAttach bool
	Decided   bool
	Requested string
	Errors    map[string]string
	Problem   string
	Form      url.Values
}

type docRow struct {
	N     int
	Label string
	Files []File
}

func (pg *Pages) appPage(w http.ResponseWriter, r *http.Request, status int, id int64, fail error, form url.Values) {
	ctx, lang, u := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	a, err := pg.S.GetApplication(ctx, u, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	prog := a.Program
	d := appData{App: a, Title: prog.Title(lang), Form: form}
	d.Owner = pg.ownerNames(ctx, lang, []Program{*prog})[ownerOf(prog)]
	for i, doc := range prog.RequiredDocuments {
		dr := docRow{N: i + 1, Label: pick(lang, doc.Zh, doc.En)}
		for _, f := range a.Files {
			if f.Document == strconv.Itoa(i+1) {
				dr.Files = append(dr.Files, f)
			}
		}
		d.Documents = append(d.Documents, dr)
	}
	for _, f := range a.Files {
		if n, err := strconv.Atoi(f.Document); err != nil || n < 1 || n > len(prog.RequiredDocuments) {
			d.Others = append(d.Others, f)
		}
	}
	if s := a.Snapshot(); s != nil {
		o := s.Zh
		if lang == "en" {
			o = s.En
		}
		d.Snapshot = &o
	}
	mine := u.RoleIn(a.OrgID) != ""
	d.CanEdit = mine && (a.State == AppDraft || a.State == AppReturned)
	d.CanAttach = d.CanEdit
	d.Decided = a.State == AppApproved || a.State == AppRejected || a.State == AppDisbursed
	if a.RequestedFen != nil {
		d.Requested = strconv.FormatInt(*a.RequestedFen/100, 10)
	}
	if fail != nil {
		d.Errors, d.Problem = fieldErrors(lang, fail)
		if d.Problem == "" {
			d.Problem = apperr.As(fail).Message
		}
	}
	page := ui.NewPage(r, "", d)
	page.Title = a.ProjectTitle + " · " + d.Title
	pg.UI.Render(w, r, status, "application", page)
}

func pathApp(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, apperr.New(apperr.NotFound, "no application %q", r.PathValue("id"))
	}
	return id, nil
}

// Application is GET /applications/{id}.
func (pg *Pages) Application(w http.ResponseWriter, r *http.Request) {
	id, err := pathApp(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.appPage(w, r, http.StatusOK, id, nil, nil)
}

// afterPost redirects on success and shows the application with the error
// otherwise; errors that hide the application are shown as they are.
func (pg *Pages) afterPost(w http.ResponseWriter, r *http.Request, id int64, err error, flash string) {
	if err == nil {
		http.Redirect(w, r, "/applications/"+strconv.FormatInt(id, 10)+"?flash="+flash, http.StatusSeeOther)
		return
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.Conflict, apperr.TooLarge, apperr.Unsupported, apperr.Forbidden:
		pg.appPage(w, r, httpx.Status(apperr.CodeOf(err)), id, err, r.PostForm)
	default:
		pg.UI.Error(w, r, err)
	}
}

// EditApp is POST /applications/{id}/edit.
func (pg *Pages) EditApp(w http.ResponseWriter, r *http.Request) {
	id, err := pathApp(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	in := AppInput{ProjectTitle: r.PostForm.Get("project_title"), Summary: r.PostForm.Get("summary")}
	if in.RequestedYuan, err = formYuan(r.PostForm, "requested_yuan"); err != nil {
		pg.afterPost(w, r, id, err, "")
		return
	}
	in.Version = formVersion(r.PostForm)
	_, err = pg.S.UpdateApplication(r.Context(), auth.From(r.Context()), id, in)
	pg.afterPost(w, r, id, err, "flash.app_saved")
}

// ActApp is POST /applications/{id}/act: one transition.
func (pg *Pages) ActApp(w http.ResponseWriter, r *http.Request) {
	id, err := pathApp(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	in := ActInput{Comment: r.PostForm.Get("comment")}
	if in.AmountYuan, err = formYuan(r.PostForm, "amount_yuan"); err != nil {
		pg.afterPost(w, r, id, err, "")
		return
	}
	in.Version = formVersion(r.PostForm)
	_, err = pg.S.Act(r.Context(), auth.From(r.Context()), id, r.PostForm.Get("action"), in)
	pg.afterPost(w, r, id, err, "flash.app_done")
}

// UploadApp is POST /applications/{id}/files.
func (pg *Pages) UploadApp(w http.ResponseWriter, r *http.Request) {
	id, err := pathApp(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	u := auth.From(r.Context())
	if err := pg.S.CanAttach(r.Context(), u, id); err != nil {
		pg.afterPost(w, r, id, err, "")
		return
	}
	document, name, data, err := ReadUpload(r)
	if err == nil {
		_, err = pg.S.AddFile(r.Context(), u, id, document, name, data)
	}
	pg.afterPost(w, r, id, err, "flash.app_attached")
}

// FileApp is GET /applications/{id}/files/{file}.
func (pg *Pages) FileApp(w http.ResponseWriter, r *http.Request) {
	id, err := pathApp(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	fid, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil || fid < 1 {
		pg.UI.Error(w, r, apperr.New(apperr.NotFound, "no file %q", r.PathValue("file")))
		return
	}
	f, data, err := pg.S.FileContent(r.Context(), auth.From(r.Context()), id, fid)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	ServeFile(w, f, data)
}

// DeleteFileApp is POST /applications/{id}/files/{file}/delete.
func (pg *Pages) DeleteFileApp(w http.ResponseWriter, r *http.Request) {
	id, err := pathApp(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	fid, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil || fid < 1 {
		pg.UI.Error(w, r, apperr.New(apperr.NotFound, "no file %q", r.PathValue("file")))
		return
	}
	_ = r.ParseForm()
	err = pg.S.DeleteFile(r.Context(), auth.From(r.Context()), id, fid)
	pg.afterPost(w, r, id, err, "flash.app_detached")
}

type listData struct {
	Page      AppPage
	Filter    AppFilter
	States    []ui.Option
	Programs  []ui.Option
	OrgID     int64
	OrgName   string
	Queue     bool
	Bulk      *BulkOutcome
	Problem   string
	NextQuery string
}

func (pg *Pages) listPage(w http.ResponseWriter, r *http.Request, status int, d listData) {
	ctx, lang, u := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	pgOut, err := pg.S.ListApplications(ctx, u, d.Filter)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d.Page = pgOut
	for _, s := range AppStates {
		d.States = append(d.States, ui.Option{Value: s, Label: Applications.StateLabel(s, lang)})
	}
	if d.Queue {
		ps, err := pg.S.List(ctx, u, Filter{})
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		for _, p := range ps {
			if CanEdit(u, &p) {
				d.Programs = append(d.Programs, ui.Option{Value: p.Slug, Label: p.Title(lang)})
			}
		}
	}
	if d.Page.NextCursor != nil {
		q := r.URL.Query()
		q.Set("cursor", strconv.FormatInt(*d.Page.NextCursor, 10))
		d.NextQuery = q.Encode()
	}
	title := i18n.T(lang, "app.queue")
	if !d.Queue {
		title = i18n.T(lang, "app.mine") + " · " + d.OrgName
	}
	page := ui.NewPage(r, "", d)
	page.Title = title
	pg.UI.Render(w, r, status, "applications", page)
}

// Queue is GET /applications: the officer's queue with filters and bulk
// actions.
func (pg *Pages) Queue(w http.ResponseWriter, r *http.Request) {
	if auth.From(r.Context()) == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	f, err := appFilterOf(r.URL.Query())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.listPage(w, r, http.StatusOK, listData{Filter: f, Queue: true})
}

// BulkApp is POST /applications/bulk: the queue's bulk action.
func (pg *Pages) BulkApp(w http.ResponseWriter, r *http.Request) {
	u := auth.From(r.Context())
	if u == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	in := ActInput{Comment: r.PostForm.Get("comment")}
	f, _ := appFilterOf(r.URL.Query())
	d := listData{Filter: f, Queue: true}
	amount, err := formYuan(r.PostForm, "amount_yuan")
	in.AmountYuan = amount
	var out BulkOutcome
	if err == nil {
		out, err = pg.S.Bulk(r.Context(), u, ids, r.PostForm.Get("action"), in)
	}
	status := http.StatusOK
	if err != nil {
		d.Problem = apperr.As(err).Message
		status = httpx.Status(apperr.CodeOf(err))
	} else {
		d.Bulk = &out
	}
	pg.listPage(w, r, status, d)
}

// ForOrgApps is GET /orgs/{id}/applications: an organization's
// applications.
func (pg *Pages) ForOrgApps(w http.ResponseWriter, r *http.Request) {
	ctx, lang, u := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	if u == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		pg.UI.Error(w, r, apperr.New(apperr.NotFound, "no organization %q", r.PathValue("id")))
		return
	}
	f, err := appFilterOf(r.URL.Query())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	f.OrgID = id
	o, err := pg.S.Registry.Get(ctx, u, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.listPage(w, r, http.StatusOK, listData{Filter: f, OrgID: id, OrgName: pick(lang, o.NameZh, o.NameEn)})
}

type grantsData struct {
	Program row
	Batches []GrantBatch
	Batch   *GrantBatch
	Problem string
}

// Grants is GET /programs/{slug}/grants: a program's apply-free grant
// batches, with the button proposing a new one.
func (pg *Pages) Grants(w http.ResponseWriter, r *http.Request) {
	pg.grantsPage(w, r, http.StatusOK, "")
}

func (pg *Pages) grantsPage(w http.ResponseWriter, r *http.Request, status int, problem string) {
	ctx, lang, u := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	prog, bs, err := pg.S.GrantBatches(ctx, u, r.PathValue("slug"))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := grantsData{Program: pg.rowOf(lang, u, pg.ownerNames(ctx, lang, []Program{prog}), prog), Batches: bs, Problem: problem}
	page := ui.NewPage(r, "", d)
	page.Title = i18n.T(lang, "grant.title") + " · " + d.Program.Title
	pg.UI.Render(w, r, status, "grants", page)
}

// ProposeGrantsPage is POST /programs/{slug}/grants.
func (pg *Pages) ProposeGrantsPage(w http.ResponseWriter, r *http.Request) {
	b, err := pg.S.ProposeGrants(r.Context(), auth.From(r.Context()), r.PathValue("slug"))
	if err != nil {
		if apperr.CodeOf(err) == apperr.Conflict {
			pg.grantsPage(w, r, http.StatusConflict, apperr.As(err).Message)
			return
		}
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/grant-batches/"+strconv.FormatInt(b.ID, 10)+"?flash=flash.grant_proposed", http.StatusSeeOther)
}

func (pg *Pages) batchPage(w http.ResponseWriter, r *http.Request, status int, id int64, problem string) {
	ctx, lang, u := r.Context(), ui.Lang(r.Context()), auth.From(r.Context())
	b, err := pg.S.GrantBatch(ctx, u, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	prog, err := pg.S.Get(ctx, u, b.ProgramSlug)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := grantsData{Program: pg.rowOf(lang, u, pg.ownerNames(ctx, lang, []Program{prog}), prog), Batch: &b, Problem: problem}
	page := ui.NewPage(r, "", d)
	page.Title = i18n.T(lang, "grant.batch", b.ID) + " · " + d.Program.Title
	pg.UI.Render(w, r, status, "grant_batch", page)
}

// GrantBatchPage is GET /grant-batches/{id}.
func (pg *Pages) GrantBatchPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathApp(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.batchPage(w, r, http.StatusOK, id, "")
}

func (pg *Pages) decideGrantsPage(w http.ResponseWriter, r *http.Request, approve bool) {
	id, err := pathApp(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	_, err = pg.S.DecideGrants(r.Context(), auth.From(r.Context()), id, approve, r.PostForm.Get("reason"), formVersion(r.PostForm))
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Conflict || c == apperr.Invalid {
			pg.batchPage(w, r, httpx.Status(c), id, apperr.As(err).Message)
		} else {
			pg.UI.Error(w, r, err)
		}
		return
	}
	flash := "flash.grant_discarded"
	if approve {
		flash = "flash.grant_approved"
	}
	http.Redirect(w, r, "/grant-batches/"+strconv.FormatInt(id, 10)+"?flash="+flash, http.StatusSeeOther)
}

// ApproveGrantsPage is POST /grant-batches/{id}/approve.
func (pg *Pages) ApproveGrantsPage(w http.ResponseWriter, r *http.Request) {
	pg.decideGrantsPage(w, r, true)
}

// DiscardGrantsPage is POST /grant-batches/{id}/discard.
func (pg *Pages) DiscardGrantsPage(w http.ResponseWriter, r *http.Request) {
	pg.decideGrantsPage(w, r, false)
}

// formYuan reads an optional whole number of yuan from a form.
func formYuan(form url.Values, field string) (*int64, error) {
	v := strings.ReplaceAll(strings.TrimSpace(form.Get(field)), ",", "")
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, apperr.Field(field, "must be a whole number of yuan")
	}
	return &n, nil
}

// formVersion reads the version a form was rendered with, if any.
func formVersion(form url.Values) *int {
	if n, err := strconv.Atoi(form.Get("version")); err == nil {
		return &n
	}
	return nil
}
