package servicedesk

import (
	"embed"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/programs"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the module's page templates.
func Templates() fs.FS { return ui.Templates(templateFS) }

// Pages serves the module's HTML pages.
type Pages struct {
	S  *Service
	UI *ui.Renderer
}

// Text is the countdown in words, in lang: the working time left, or by
// how much it is overdue.
func (c *Countdown) Text(lang string) string {
	m := c.LeftMinutes
	if m < 0 {
		m = -m
	}
	h, min := m/60, m%60
	if c.Overdue {
		return i18n.T(lang, "desk.overdue_by", h, min)
	}
	return i18n.T(lang, "desk.left", h, min)
}

type homeData struct {
	Requests  []Request
	Topics    []string
	States    []string
	Query     Query
	Orgs      []auth.Membership
	Staff     bool
	Promises  int
	Form      RequestInput
	FormError *ui.FormError
}

func (pg *Pages) home(w http.ResponseWriter, r *http.Request, status int, form RequestInput, ferr error) {
	p := auth.From(r.Context())
	if p == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	q, err := queryOf(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := homeData{Topics: Topics, States: States, Query: q, Form: form, Staff: p.IsAdmin() || len(p.OfficerDistricts()) > 0}
	if d.Requests, err = pg.S.List(r.Context(), p, q); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	for _, m := range p.Memberships {
		if m.OrgKind == "enterprise" {
			d.Orgs = append(d.Orgs, m)
		}
	}
	if d.Staff {
		ps, err := pg.S.Promises(r.Context(), p, true)
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		d.Promises = len(ps)
	}
	if ferr != nil {
		d.FormError = ui.FormErrorOf(ferr)
	}
	pg.UI.Render(w, r, status, "desk_home", ui.NewPage(r, "desk.title", d))
}

// Home is GET /desk: the ask form and the caller's requests with their
// countdowns (an enterprise), or the queue with filters (officers).
func (pg *Pages) Home(w http.ResponseWriter, r *http.Request) {
	pg.home(w, r, http.StatusOK, RequestInput{}, nil)
}

func formInt(f url.Values, name string) (int64, error) {
	s := strings.TrimSpace(f.Get(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, apperr.Field(name, "must be a whole number")
	}
	return n, nil
}

// Ask is POST /desk/requests.
func (pg *Pages) Ask(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	f := r.PostForm
	in := RequestInput{Topic: f.Get("topic"), Title: f.Get("title"), Body: f.Get("body")}
	var err error
	if in.OrgID, err = formInt(f, "org_id"); err != nil {
		pg.home(w, r, http.StatusUnprocessableEntity, in, err)
		return
	}
	req, err := pg.S.Create(r.Context(), auth.From(r.Context()), in)
	if apperr.CodeOf(err) == apperr.Invalid {
		pg.home(w, r, http.StatusUnprocessableEntity, in, err)
		return
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, link(req.ID)+"?flash=flash.desk_filed", http.StatusSeeOther)
}

type requestData struct {
	View
	Flow interface {
		StateLabel(name, lang string) string
		ActionLabel(action, lang string) string
	}
	MaxFileMiB int
}

// Request is GET /desk/requests/{id}: the thread, countdown, files,
// actions and rating.
func (pg *Pages) Request(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	v, err := pg.S.View(r.Context(), auth.From(r.Context()), id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "desk_request", ui.NewPage(r, "desk.request", requestData{View: v, Flow: pg.S.flow, MaxFileMiB: MaxFileSize >> 20}))
}

// Act is POST /desk/requests/{id}/act.
func (pg *Pages) Act(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	if _, err := pg.S.Act(r.Context(), auth.From(r.Context()), id, r.PostForm.Get("action"), r.PostForm.Get("comment")); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, link(id)+"?flash=flash.desk_saved", http.StatusSeeOther)
}

// Rate is POST /desk/requests/{id}/rate.
func (pg *Pages) Rate(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	stars, err := formInt(r.PostForm, "stars")
	if err == nil {
		_, err = pg.S.Rate(r.Context(), auth.From(r.Context()), id, RatingInput{Stars: int(stars), Comment: r.PostForm.Get("comment")})
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, link(id)+"?flash=flash.desk_rated", http.StatusSeeOther)
}

// Upload is POST /desk/requests/{id}/files.
func (pg *Pages) Upload(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	if err := pg.S.CanAttach(r.Context(), p, id); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	_, name, data, err := programs.ReadUpload(r)
	if err == nil {
		_, err = pg.S.AddFile(r.Context(), p, id, name, data)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, link(id)+"?flash=flash.desk_attached", http.StatusSeeOther)
}

type noticesData struct {
	Notices   []Notice
	Staff     bool
	Districts []string
	Form      NoticeInput
	Preview   *Preview
	FormError *ui.FormError
}

func (pg *Pages) notices(w http.ResponseWriter, r *http.Request, status int, form NoticeInput, pv *Preview, ferr error) {
	p := auth.From(r.Context())
	ns, err := pg.S.Notices(r.Context(), p)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := noticesData{Notices: ns, Staff: p.IsAdmin() || len(p.OfficerDistricts()) > 0, Districts: p.OfficerDistricts(), Form: form, Preview: pv}
	if p.IsAdmin() {
		d.Districts = append([]string{""}, pg.districts(r)...)
	}
	if ferr != nil {
		d.FormError = ui.FormErrorOf(ferr)
	}
	pg.UI.Render(w, r, status, "desk_notices", ui.NewPage(r, "desk.notices", d))
}

func (pg *Pages) districts(r *http.Request) []string {
	st, err := pg.S.Settings(r.Context(), auth.From(r.Context()))
	if err != nil {
		return nil
	}
	var ds []string
	for _, rt := range st.Routes {
		if len(ds) == 0 || ds[len(ds)-1] != rt.District {
			ds = append(ds, rt.District)
		}
	}
	return ds
}

// Notices is GET /desk/notices: the notices and, for officers, the
// compose form.
func (pg *Pages) Notices(w http.ResponseWriter, r *http.Request) {
	pg.notices(w, r, http.StatusOK, NoticeInput{Rule: `registered_district == "xuhui" && "hnte" in certifications`}, nil, nil)
}

func noticeForm(f url.Values) NoticeInput {
	return NoticeInput{District: f.Get("district"), TitleZh: f.Get("title_zh"), TitleEn: f.Get("title_en"), BodyZh: f.Get("body_zh"), BodyEn: f.Get("body_en"), Rule: f.Get("rule")}
}

// Preview is POST /desk/notices/preview: the reach of the rule in the
// form (the "preview" fragment for htmx).
func (pg *Pages) Preview(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	in := noticeForm(r.PostForm)
	pv, err := pg.S.PreviewNotice(r.Context(), auth.From(r.Context()), in.Rule, in.District)
	if err != nil && apperr.CodeOf(err) != apperr.Invalid {
		pg.UI.Error(w, r, err)
		return
	}
	status := http.StatusOK
	if err != nil {
		status = http.StatusUnprocessableEntity
		pg.notices(w, r, status, in, nil, err)
		return
	}
	pg.notices(w, r, status, in, &pv, nil)
}

// CreateNotice is POST /desk/notices.
func (pg *Pages) CreateNotice(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	in := noticeForm(r.PostForm)
	n, err := pg.S.CreateNotice(r.Context(), auth.From(r.Context()), in)
	if apperr.CodeOf(err) == apperr.Invalid {
		pg.notices(w, r, http.StatusUnprocessableEntity, in, nil, err)
		return
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/desk/notices/"+strconv.FormatInt(n.ID, 10)+"?flash=flash.desk_drafted", http.StatusSeeOther)
}

type noticeData struct {
	Notice     Notice
	Staff      bool
	Preview    *Preview
	Recipients []OrgBrief
}

// Notice is GET /desk/notices/{id}: the notice, its reach now (a draft)
// or its recipients (published).
func (pg *Pages) Notice(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	n, err := pg.S.GetNotice(r.Context(), p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := noticeData{Notice: n, Staff: p.IsAdmin() || p.OfficerFor(n.District) || (n.District == "" && len(p.OfficerDistricts()) > 0)}
	if d.Staff && n.State == "draft" {
		pv, err := pg.S.PreviewNotice(r.Context(), p, n.Rule, n.District)
		if err == nil {
			d.Preview = &pv
		}
	}
	if d.Staff && n.State == "published" {
		if d.Recipients, err = pg.S.Recipients(r.Context(), p, id); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "desk_notice", ui.NewPage(r, "desk.notice", d))
}

// Publish is POST /desk/notices/{id}/publish.
func (pg *Pages) Publish(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	if _, err := pg.S.PublishNotice(r.Context(), auth.From(r.Context()), id); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/desk/notices/"+strconv.FormatInt(id, 10)+"?flash=flash.desk_published", http.StatusSeeOther)
}

type visitsData struct {
	Visits    []Visit
	Promises  []Promise
	Form      VisitInput
	FormError *ui.FormError
	Rows      []int
}

func (pg *Pages) visits(w http.ResponseWriter, r *http.Request, status int, form VisitInput, ferr error) {
	p := auth.From(r.Context())
	vs, err := pg.S.Visits(r.Context(), p)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	ps, err := pg.S.Promises(r.Context(), p, false)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := visitsData{Visits: vs, Promises: ps, Form: form, Rows: []int{0, 1, 2}}
	if d.Form.VisitedOn == "" {
		d.Form.VisitedOn = pg.S.today()
	}
	if ferr != nil {
		d.FormError = ui.FormErrorOf(ferr)
	}
	pg.UI.Render(w, r, status, "desk_visits", ui.NewPage(r, "desk.visits", d))
}

// Visits is GET /desk/visits: the visits, the open promises (overdue
// first) and the form to record a visit.
func (pg *Pages) Visits(w http.ResponseWriter, r *http.Request) {
	pg.visits(w, r, http.StatusOK, VisitInput{}, nil)
}

// CreateVisit is POST /desk/visits.
func (pg *Pages) CreateVisit(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	f := r.PostForm
	in := VisitInput{VisitedOn: f.Get("visited_on"), Participants: f.Get("participants"), Issues: f.Get("issues")}
	var err error
	if in.OrgID, err = formInt(f, "org_id"); err != nil {
		pg.visits(w, r, http.StatusUnprocessableEntity, in, err)
		return
	}
	whats, owners, dues := f["promise_what"], f["promise_owner"], f["promise_due_on"]
	for i, what := range whats {
		if strings.TrimSpace(what) == "" {
			continue
		}
		pr := PromiseInput{What: what}
		if i < len(owners) {
			pr.Owner = owners[i]
		}
		if i < len(dues) {
			pr.DueOn = dues[i]
		}
		in.Promises = append(in.Promises, pr)
	}
	v, err := pg.S.CreateVisit(r.Context(), auth.From(r.Context()), in)
	if apperr.CodeOf(err) == apperr.Invalid {
		pg.visits(w, r, http.StatusUnprocessableEntity, in, err)
		return
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/desk/visits/"+strconv.FormatInt(v.ID, 10)+"?flash=flash.desk_visit_saved", http.StatusSeeOther)
}

// Visit is GET /desk/visits/{id}.
func (pg *Pages) Visit(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	v, err := pg.S.GetVisit(r.Context(), auth.From(r.Context()), id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "desk_visit", ui.NewPage(r, "desk.visit", v))
}

// Done is POST /desk/promises/{id}/done.
func (pg *Pages) Done(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	pr, err := pg.S.DonePromise(r.Context(), auth.From(r.Context()), id, strings.TrimSpace(r.PostForm.Get("note")))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	back := "/desk/visits"
	if r.PostForm.Get("back") == "visit" {
		back = "/desk/visits/" + strconv.FormatInt(pr.VisitID, 10)
	}
	http.Redirect(w, r, back+"?flash=flash.desk_promise_done", http.StatusSeeOther)
}

type settingsData struct {
	Settings
	Admin    bool
	Holidays []Holiday
}

// Settings is GET /desk/settings: routing, service levels, lead officers
// and the holiday table; administrators edit them.
func (pg *Pages) Settings(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	st, err := pg.S.Settings(r.Context(), p)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	hs, err := pg.S.Holidays(r.Context())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "desk_settings", ui.NewPage(r, "desk.settings", settingsData{Settings: st, Admin: p.IsAdmin(), Holidays: hs}))
}

// SaveRoute is POST /desk/settings/routes.
func (pg *Pages) SaveRoute(w http.ResponseWriter, r *http.Request) {
	pg.saveSetting(w, r, func(p *auth.Principal, f url.Values) error {
		in := RouteInput{District: f.Get("district"), Topic: f.Get("topic"), GroupZh: f.Get("group_zh"), GroupEn: f.Get("group_en")}
		var err error
		if in.AgencyOrgID, err = formInt(f, "agency_org_id"); err == nil {
			_, err = pg.S.SetRoute(r.Context(), p, in)
		}
		return err
	})
}

// saveSetting serves a posted settings form: do saves it for the
// signed-in user, then the settings page shows again with the flash, or
// the error page answers.
func (pg *Pages) saveSetting(w http.ResponseWriter, r *http.Request, do func(p *auth.Principal, f url.Values) error) {
	if !pg.UI.Form(w, r) {
		return
	}
	if err := do(auth.From(r.Context()), r.PostForm); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/desk/settings?flash=flash.desk_saved", http.StatusSeeOther)
}

// SaveLevel is POST /desk/settings/levels.
func (pg *Pages) SaveLevel(w http.ResponseWriter, r *http.Request) {
	pg.saveSetting(w, r, func(p *auth.Principal, f url.Values) error {
		amount, err := formInt(f, "amount")
		if err == nil {
			_, err = pg.S.SetLevel(r.Context(), p, f.Get("topic"), LevelInput{Amount: int(amount), Unit: f.Get("unit")})
		}
		return err
	})
}

// SaveLead is POST /desk/settings/leads.
func (pg *Pages) SaveLead(w http.ResponseWriter, r *http.Request) {
	pg.saveSetting(w, r, func(p *auth.Principal, f url.Values) error {
		uid, err := formInt(f, "user_id")
		if err == nil {
			_, err = pg.S.SetLead(r.Context(), p, LeadInput{District: f.Get("district"), UserID: uid, Lead: f.Get("lead") == "1"})
		}
		return err
	})
}

// Figures is GET /desk/figures: requests by district, topic and month,
// on-time share and mean rating.
func (pg *Pages) Figures(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	fs, err := pg.S.Figures(r.Context(), auth.From(r.Context()), FigureFilter{District: v.Get("district"), From: v.Get("from"), To: v.Get("to")})
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "desk_figures", ui.NewPage(r, "desk.figures", fs))
}

// SaveHoliday is POST /desk/settings/holidays: set a day, or delete it
// (delete=1).
func (pg *Pages) SaveHoliday(w http.ResponseWriter, r *http.Request) {
	pg.saveSetting(w, r, func(p *auth.Principal, f url.Values) error {
		if f.Get("delete") == "1" {
			return pg.S.DeleteHoliday(r.Context(), p, strings.TrimSpace(f.Get("day")))
		}
		_, err := pg.S.SetHoliday(r.Context(), p, strings.TrimSpace(f.Get("day")), HolidayInput{Working: f.Get("working") == "1",
			NameZh: f.Get("name_zh"), NameEn: f.Get("name_en"), Reference: f.Get("reference")})
		return err
	})
}
