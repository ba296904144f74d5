package talent

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
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

type homeData struct {
	Applications []Application
	Permits      []PermitSummary
	Employers    []auth.Membership
	Officer      bool
	Admin        bool
}

// Home is GET /talent: the employer's and the talent's applications and
// permits, with the links each role uses.
func (pg *Pages) Home(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	d := homeData{Officer: p.IsOfficer(), Admin: p.IsAdmin()}
	if p != nil {
		var err error
		if d.Applications, err = pg.S.List(r.Context(), p, Query{Mine: true}); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		if d.Permits, err = pg.S.MyPermits(r.Context(), p); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		for _, m := range p.Memberships {
			if m.OrgKind != "agency" {
				d.Employers = append(d.Employers, m)
			}
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "talent_home", ui.NewPage(r, "talent.title", d))
}

type formData struct {
	ID        int64
	In        ApplicationInput
	History   string
	Employers []auth.Membership
	Levels    []string
	Locations []string
}

func (pg *Pages) employers(p *auth.Principal) []auth.Membership {
	var out []auth.Membership
	if p != nil {
		for _, m := range p.Memberships {
			if m.OrgKind != "agency" {
				out = append(out, m)
			}
		}
	}
	return out
}

// New is GET /talent/applications/new: the application form.
func (pg *Pages) New(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	if p == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	d := formData{In: ApplicationInput{Profile: Profile{MonthsInChina: 12, WorkLocation: "other", Education: "bachelor"}}, Employers: pg.employers(p),
		Levels: EducationLevels, Locations: Locations}
	pg.UI.Render(w, r, http.StatusOK, "talent_form", ui.NewPage(r, "talent.new", d))
}

// Edit is GET /talent/applications/{id}/edit.
func (pg *Pages) Edit(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	a, err := pg.S.Get(r.Context(), p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if a.Profile == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Forbidden, "the employer's owners change the personal data"))
		return
	}
	d := formData{ID: id, In: ApplicationInput{EmployerOrgID: a.EmployerOrgID, Profile: *a.Profile}, Employers: pg.employers(p), Levels: EducationLevels, Locations: Locations}
	if a.TalentUserID != nil {
		_ = pg.S.DB.Read.QueryRowContext(r.Context(), `SELECT email FROM users WHERE id = $1`, *a.TalentUserID).Scan(&d.In.TalentEmail)
	}
	var lines []string
	for _, j := range a.Profile.WorkHistory {
		lines = append(lines, strings.Join([]string{j.From, j.To, j.Employer, j.Role}, " | "))
	}
	d.History = strings.Join(lines, "\n")
	pg.UI.Render(w, r, http.StatusOK, "talent_form", ui.NewPage(r, "talent.edit", d))
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

// readForm reads the application form; the work history is one job a
// line: from | to | employer | role.
func readForm(f url.Values) (ApplicationInput, error) {
	in := ApplicationInput{TalentEmail: f.Get("talent_email"), Profile: Profile{Name: f.Get("name"), NameZh: f.Get("name_zh"), JobTitle: f.Get("job_title"),
		Nationality: f.Get("nationality"), PassportNo: f.Get("passport_no"), BirthDate: f.Get("birth_date"), Education: f.Get("education"),
		GraduationDate: f.Get("graduation_date"), WorkLocation: f.Get("work_location"), ChineseTaughtDegree: f.Get("chinese_taught_degree") != "",
		FormerChinese: f.Get("former_chinese") != "", TopUniversity: f.Get("top_university") != "", Fortune500: f.Get("fortune500") != "",
		OwnsIP: f.Get("owns_ip") != "", FiveYearsChina: f.Get("five_years_china") != "", NationalTalentProgram: f.Get("national_talent_program") != "",
		RecognisedAchievement: f.Get("recognised_achievement") != "", ProvincialBonus: f.Get("provincial_bonus") != ""}}
	var org, hsk, years, salary, months int64
	var err error
	for _, x := range []struct {
		name string
		dst  *int64
	}{{"employer_org_id", &org}, {"hsk", &hsk}, {"work_years", &years}, {"salary_yuan", &salary}, {"months_in_china", &months}} {
		if *x.dst, err = formInt(f, x.name); err != nil {
			return in, err
		}
	}
	in.EmployerOrgID, in.HSK, in.WorkYears, in.SalaryYuan, in.MonthsInChina = org, int(hsk), int(years), salary, int(months)
	for i, line := range strings.Split(f.Get("work_history"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "|")
		if len(parts) < 3 || len(parts) > 4 {
			return in, apperr.Field("work_history["+strconv.Itoa(i)+"]", "write one job a line: from | to | employer | role")
		}
		j := Job{From: parts[0], To: parts[1], Employer: parts[2]}
		if len(parts) == 4 {
			j.Role = parts[3]
		}
		in.WorkHistory = append(in.WorkHistory, j)
	}
	return in, nil
}

// Create is POST /talent/applications.
func (pg *Pages) Create(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	in, err := readForm(r.PostForm)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	a, err := pg.S.Create(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/talent/applications/"+strconv.FormatInt(a.ID, 10)+"?flash=flash.talent_saved", http.StatusSeeOther)
}

// Update is POST /talent/applications/{id}.
func (pg *Pages) Update(w http.ResponseWriter, r *http.Request) {
	pg.appForm(w, r, func(p *auth.Principal, id int64, f url.Values) error {
		in, err := readForm(f)
		if err == nil {
			_, err = pg.S.Update(r.Context(), p, id, in)
		}
		return err
	})
}

// appForm serves a form posted to /talent/applications/{id}/…: do acts
// for the signed-in user, then the application shows with the flash, or
// the error page answers.
func (pg *Pages) appForm(w http.ResponseWriter, r *http.Request, do func(p *auth.Principal, id int64, f url.Values) error) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	if err := do(auth.From(r.Context()), id, r.PostForm); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/talent/applications/"+strconv.FormatInt(id, 10)+"?flash=flash.talent_saved", http.StatusSeeOther)
}

type appData struct {
	View
	Employer  bool
	Officer   bool
	Talent    bool
	Items     []string
	NextYears string
	Residence []string
	CanUpload bool
}

// Application is GET /talent/applications/{id}: the case, the
// item-by-item score, the checklist, the actions, the residence step and
// the history.
func (pg *Pages) Application(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	if p == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	v, err := pg.S.View(r, p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := appData{View: v, Employer: p.RoleIn(v.EmployerOrgID) != "", Officer: p.IsOfficer(), Talent: isTalent(p, &v.Application), Items: DocumentItems,
		NextYears: pg.S.today().AddDate(2, 0, -1).Format(time.DateOnly)}
	d.CanUpload = mayAttach(p, &v.Application) == nil
	next := map[string][]string{"handed_off": {"accepted", "refused"}, "accepted": {"issued", "refused"}}
	d.Residence = next[v.ResidenceState]
	pg.UI.Render(w, r, http.StatusOK, "talent_application", ui.NewPage(r, "talent.application", d))
}

// Act is POST /talent/applications/{id}/act.
func (pg *Pages) Act(w http.ResponseWriter, r *http.Request) {
	pg.appForm(w, r, func(p *auth.Principal, id int64, f url.Values) error {
		in := ActInput{Action: f.Get("action"), Comment: f.Get("comment"), Class: f.Get("class"), ValidFrom: f.Get("valid_from"), ValidTo: f.Get("valid_to")}
		_, err := pg.S.Act(r.Context(), p, id, in)
		return err
	})
}

// Upload is POST /talent/applications/{id}/documents (multipart).
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
	item, name, data, err := programs.ReadUpload(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if _, err := pg.S.AddDocument(r.Context(), p, id, item, name, data); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/talent/applications/"+strconv.FormatInt(id, 10)+"?flash=flash.talent_saved#checklist", http.StatusSeeOther)
}

// Download is GET /talent/applications/{id}/documents/{doc}.
func (pg *Pages) Download(w http.ResponseWriter, r *http.Request) {
	(&API{S: pg.S}).Download(w, r)
}

// Residence is POST /talent/applications/{id}/residence.
func (pg *Pages) Residence(w http.ResponseWriter, r *http.Request) {
	pg.appForm(w, r, func(p *auth.Principal, id int64, f url.Values) error {
		_, err := pg.S.SetResidence(r.Context(), p, id, f.Get("state"))
		return err
	})
}

// Renew is POST /talent/permits/{id}/renew.
func (pg *Pages) Renew(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	a, err := pg.S.Renew(r.Context(), auth.From(r.Context()), id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/talent/applications/"+strconv.FormatInt(a.ID, 10)+"?flash=flash.talent_saved", http.StatusSeeOther)
}

type queueData struct {
	Applications []Application
	State        string
	States       []string
}

// Queue is GET /talent/queue: the officers' queue (everyone else sees
// their own).
func (pg *Pages) Queue(w http.ResponseWriter, r *http.Request) {
	st := r.URL.Query().Get("state")
	if st == "" && r.URL.Query().Get("all") == "" {
		st = Submitted
	}
	if st == "all" {
		st = ""
	}
	ls, err := pg.S.List(r.Context(), auth.From(r.Context()), Query{State: st})
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "talent_queue", ui.NewPage(r, "talent.queue",
		queueData{Applications: ls, State: st, States: []string{Submitted, UnderReview, Returned, Draft, Approved, Rejected, Withdrawn}}))
}

type tablesData struct {
	TablesView
	Current  *Table
	Draft    string
	NextDate string
	Admin    bool
	Result   string
}

// Tables is GET /talent/tables: the table in force item by item, the
// versions, and the administrators' form for a new version.
func (pg *Pages) Tables(w http.ResponseWriter, r *http.Request) {
	v, err := pg.S.tablesView(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := tablesData{TablesView: v, Admin: auth.From(r.Context()).IsAdmin(), NextDate: pg.S.today().AddDate(0, 1, 0).Format(time.DateOnly)}
	for i := range v.Items {
		if v.InForce != nil && v.Items[i].ID == *v.InForce {
			d.Current = &v.Items[i]
		}
	}
	if sel := r.URL.Query().Get("id"); sel != "" {
		for i := range v.Items {
			if strconv.FormatInt(v.Items[i].ID, 10) == sel {
				d.Current = &v.Items[i]
			}
		}
	}
	if d.Current != nil {
		b, _ := json.MarshalIndent(d.Current.Points, "", "  ")
		d.Draft = string(b)
	}
	d.Result = r.URL.Query().Get("changed")
	pg.UI.Render(w, r, http.StatusOK, "talent_tables", ui.NewPage(r, "talent.tables", d))
}

// AddTable is POST /talent/tables: the points as JSON.
func (pg *Pages) AddTable(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	f := r.PostForm
	in := TableInput{EffectiveFrom: f.Get("effective_from"), NameZh: f.Get("name_zh"), NameEn: f.Get("name_en"), LegalRef: f.Get("legal_ref")}
	dec := json.NewDecoder(strings.NewReader(f.Get("points")))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in.Points); err != nil {
		pg.UI.Error(w, r, apperr.Field("points", "is not a points table in JSON: %s", err.Error()))
		return
	}
	_, res, err := pg.S.AddTable(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/talent/tables?flash=flash.talent_saved&changed="+strconv.Itoa(res.Changed), http.StatusSeeOther)
}

// Rescore is POST /talent/rescore.
func (pg *Pages) Rescore(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	res, err := pg.S.Rescore(r.Context(), auth.From(r.Context()), r.PostForm.Get("as_of"))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/talent/tables?flash=flash.talent_rescored&changed="+strconv.Itoa(res.Changed), http.StatusSeeOther)
}

type reportData struct {
	Report
	// Quotas are the class-C quotas by year; Admin may set them, for
	// Year by default.
	Quotas []Quota
	Admin  bool
	Year   int
}

// Report is GET /talent/report: permits by class and month, and the
// class-C quotas with the administrators' form.
func (pg *Pages) Report(w http.ResponseWriter, r *http.Request) {
	rep, err := pg.S.Report(r.Context(), 0)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	qs, err := pg.S.Quotas(r.Context())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := reportData{Report: rep, Quotas: qs, Admin: auth.From(r.Context()).IsAdmin(), Year: pg.S.today().Year()}
	pg.UI.Render(w, r, http.StatusOK, "talent_report", ui.NewPage(r, "talent.report", d))
}

// SetQuota is POST /talent/quotas: a year's class-C quota.
func (pg *Pages) SetQuota(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	year, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("year")))
	if err != nil {
		pg.UI.Error(w, r, apperr.Field("year", "must be a year"))
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("quota")))
	if err != nil {
		pg.UI.Error(w, r, apperr.Field("quota", "must be a whole number"))
		return
	}
	if _, err := pg.S.SetQuota(r.Context(), auth.From(r.Context()), year, QuotaInput{Quota: &n}); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/talent/report?flash=flash.talent_quota", http.StatusSeeOther)
}

// Helpers for the templates.

// EducationText and the like name codes in the page's language.
func (a Application) EducationText(lang string) string {
	return EducationLabel(a.profile.Education, lang)
}

// BasisText says what decided the class.
func (a Application) BasisText(lang string) string {
	if a.ScoreBasis == BasisPoints || a.ScoreBasis == "" {
		if lang == "en" {
			return "by points"
		}
		return "按积分"
	}
	return CriterionLabel(a.ScoreBasis, lang)
}

// StateText names a state.
func StateText(state, lang string) string { return Applications.StateLabel(state, lang) }

// StateLabel names the application's state.
func (a Application) StateLabel(lang string) string { return StateText(a.State, lang) }

// Upper is the item's maximum for the bar.
func (i ItemScore) Pct() int {
	if i.Max == 0 {
		return 0
	}
	return i.Points * 100 / i.Max
}

// To shows a bracket's end.
func (b Bracket) ToText() string {
	if b.To == nil {
		return "∞"
	}
	return strconv.Itoa(*b.To)
}

// Keys lists a choice item's codes in order.
func (c ChoiceItem) Rows(codes []string) []ChoiceRow {
	var out []ChoiceRow
	for _, k := range codes {
		out = append(out, ChoiceRow{Code: k, Points: c.Points[k]})
	}
	return out
}

// ChoiceRow is one code of a choice item.
type ChoiceRow struct {
	Code   string
	Points int
}

// LevelsOf and LocationsOf are the codes in order for the templates.
func (p Points) EducationRows() []ChoiceRow { return p.Education.Rows(EducationLevels) }

// LocationRows are the work-location codes with their points.
func (p Points) LocationRows() []ChoiceRow { return p.Location.Rows(Locations) }
