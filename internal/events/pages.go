package events

import (
	"embed"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ui"
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

type listData struct {
	Q       ListQuery
	Page    Page
	Kinds   []string
	Prev    int
	Next    int
	HasMore bool
}

// List is GET /events: search and the upcoming (or past) events.
func (pg *Pages) List(w http.ResponseWriter, r *http.Request) {
	q, err := ParseList(r.URL.Query())
	var res Page
	if err == nil {
		res, err = pg.S.List(r.Context(), q)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := listData{Q: q, Page: res, Kinds: Kinds, Prev: max(q.Offset-q.Limit, 0), Next: q.Offset + q.Limit, HasMore: q.Offset+q.Limit < res.Total}
	pg.UI.Render(w, r, http.StatusOK, "events_list", ui.NewPage(r, "events.list", d))
}

// Day is a day of the month view.
type Day struct {
	Date    time.Time
	InMonth bool
	Today   bool
	Events  []Event
}

type calendarData struct {
	Month      time.Time
	Prev, Next string
	Weeks      [][]Day
	Weekdays   []string
}

// Calendar is GET /events/calendar?month=YYYY-MM: the month's events laid
// out by day, weeks from Monday.
func (pg *Pages) Calendar(w http.ResponseWriter, r *http.Request) {
	month := r.URL.Query().Get("month")
	now := pg.S.DB.Now().In(Shanghai)
	if month == "" {
		month = now.Format("2006-01")
	}
	from, to, err := MonthRange(month)
	var res Page
	if err == nil {
		res, err = pg.S.List(r.Context(), ListQuery{Month: month, Limit: 100, Kind: r.URL.Query()["kind"], District: r.URL.Query()["district"]})
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := calendarData{Month: from, Prev: from.AddDate(0, -1, 0).Format("2006-01"), Next: to.Format("2006-01")}
	lang := ui.Lang(r.Context())
	for i := range 7 {
		d.Weekdays = append(d.Weekdays, i18n.T(lang, "events.weekday."+strconv.Itoa((i+1)%7)))
	}
	start := from.AddDate(0, 0, -((int(from.Weekday()) + 6) % 7))
	today := now.Format("2006-01-02")
	for day := start; day.Before(to) || (day.Weekday() != time.Monday); day = day.AddDate(0, 0, 1) {
		if day.Weekday() == time.Monday {
			d.Weeks = append(d.Weeks, nil)
		}
		cell := Day{Date: day, InMonth: day.Month() == from.Month(), Today: day.Format("2006-01-02") == today}
		for _, e := range res.Items {
			if e.Start.In(Shanghai).Format("2006-01-02") == day.Format("2006-01-02") {
				cell.Events = append(cell.Events, e)
			}
		}
		d.Weeks[len(d.Weeks)-1] = append(d.Weeks[len(d.Weeks)-1], cell)
	}
	pg.UI.Render(w, r, http.StatusOK, "events_calendar", ui.NewPage(r, "events.calendar", d))
}

type eventData struct {
	E       Event
	Orgs    []auth.Membership
	CanJoin bool
	Open    bool
}

// Event is GET /events/{id}: details, my status, register or cancel.
func (pg *Pages) Event(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	e, err := pg.S.Get(r.Context(), p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	now := pg.S.DB.Now()
	d := eventData{E: e, Open: e.Status == "published" && !now.Before(e.RegOpens) && now.Before(e.RegCloses)}
	if p != nil {
		d.Orgs = p.Memberships
		d.CanJoin = d.Open && e.Mine == nil
	}
	pg.UI.Render(w, r, http.StatusOK, "events_event", ui.NewPage(r, "events.event", d))
}

func formID(f string, v string) (*int64, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 1 {
		return nil, apperr.Field(f, "must be a number")
	}
	return &n, nil
}

// Register is POST /events/{id}/register.
func (pg *Pages) Register(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	org, err := formID("org_id", r.PostForm.Get("org_id"))
	var reg Registration
	if err == nil {
		reg, err = pg.S.Register(r.Context(), auth.From(r.Context()), id, RegisterInput{OrgID: org, Side: r.PostForm.Get("side")})
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	flash := "flash.events_registered"
	if reg.Status == Waitlisted {
		flash = "flash.events_waitlisted"
	}
	http.Redirect(w, r, "/events/"+strconv.FormatInt(id, 10)+"?flash="+flash, http.StatusSeeOther)
}

// Cancel is POST /events/{id}/cancel-registration (registration_id).
func (pg *Pages) Cancel(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	reg, err := formID("registration_id", r.PostForm.Get("registration_id"))
	if err == nil && reg == nil {
		err = apperr.Field("registration_id", "is required")
	}
	if err == nil {
		_, err = pg.S.CancelRegistration(r.Context(), auth.From(r.Context()), id, *reg)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	back := "/events/" + strconv.FormatInt(id, 10)
	if r.PostForm.Get("back") == "manage" {
		back += "/manage"
	}
	http.Redirect(w, r, back+"?flash=flash.events_cancelled", http.StatusSeeOther)
}

type mineData struct {
	Registrations []Registration
	Organised     []Event
	Feed          string
}

// Mine is GET /events/mine: my registrations, my events, my feed.
func (pg *Pages) Mine(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	rs, err := pg.S.Mine(r.Context(), p)
	var es []Event
	if err == nil {
		es, err = pg.S.Organised(r.Context(), p)
	}
	var t string
	if err == nil {
		t, err = pg.S.FeedToken(r.Context(), p)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "events_mine", ui.NewPage(r, "events.mine", mineData{Registrations: rs, Organised: es, Feed: "/ical/event-feeds/" + t + ".ics"}))
}

type formData struct {
	E         Event
	Orgs      []auth.Membership
	Kinds     []string
	Audiences []string
	Districts []string
	Start     string
	End       string
	RegOpens  string
	RegCloses string
}

const formTime = "2006-01-02T15:04"

func (pg *Pages) form(r *http.Request, e Event) formData {
	p := auth.From(r.Context())
	d := formData{E: e, Kinds: Kinds, Audiences: Audiences, Districts: p.OfficerDistricts()}
	if p != nil {
		d.Orgs = p.Memberships
	}
	for _, x := range []struct {
		t   time.Time
		dst *string
	}{{e.Start, &d.Start}, {e.End, &d.End}, {e.RegOpens, &d.RegOpens}, {e.RegCloses, &d.RegCloses}} {
		if !x.t.IsZero() {
			*x.dst = x.t.In(Shanghai).Format(formTime)
		}
	}
	return d
}

// New is GET /events/new: the form of a new event.
func (pg *Pages) New(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	if p == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	e := Event{Kind: "roadshow", Audience: "signed_in", Capacity: 100, MeetingMinutes: 20}
	if ds := p.OfficerDistricts(); len(ds) > 0 {
		e.District = ds[0]
	} else if len(p.Memberships) > 0 {
		e.District = p.Memberships[0].District
	}
	pg.UI.Render(w, r, http.StatusOK, "events_new", ui.NewPage(r, "events.new", pg.form(r, e)))
}

// parseForm reads the event form.
func parseForm(r *http.Request) (Input, error) {
	f := r.PostForm
	in := Input{Kind: f.Get("kind"), TitleZh: f.Get("title_zh"), TitleEn: f.Get("title_en"), DescriptionZh: f.Get("description_zh"), DescriptionEn: f.Get("description_en"),
		Venue: f.Get("venue"), OnlineURL: f.Get("online_url"), District: f.Get("district"), Audience: f.Get("audience")}
	org, err := formID("organiser_org_id", f.Get("organiser_org_id"))
	if err != nil {
		return in, err
	}
	if org != nil {
		in.OrganiserOrgID = *org
	}
	for _, x := range []struct {
		name string
		dst  *int
	}{{"capacity", &in.Capacity}, {"meeting_minutes", &in.MeetingMinutes}} {
		if s := strings.TrimSpace(f.Get(x.name)); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return in, apperr.Field(x.name, "must be a whole number")
			}
			*x.dst = n
		}
	}
	for _, x := range []struct {
		name string
		dst  *time.Time
	}{{"starts_at", &in.Start}, {"ends_at", &in.End}} {
		t, err := time.ParseInLocation(formTime, strings.TrimSpace(f.Get(x.name)), Shanghai)
		if err != nil {
			return in, apperr.Field(x.name, "must be a date and time")
		}
		*x.dst = t
	}
	for _, x := range []struct {
		name string
		dst  **time.Time
	}{{"reg_opens_at", &in.RegOpens}, {"reg_closes_at", &in.RegCloses}} {
		if s := strings.TrimSpace(f.Get(x.name)); s != "" {
			t, err := time.ParseInLocation(formTime, s, Shanghai)
			if err != nil {
				return in, apperr.Field(x.name, "must be a date and time")
			}
			*x.dst = &t
		}
	}
	if v := f.Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return in, apperr.Field("version", "must be a whole number")
		}
		in.Version = &n
	}
	return in, nil
}

// Create is POST /events: a draft from the form.
func (pg *Pages) Create(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	in, err := parseForm(r)
	var e Event
	if err == nil {
		e, err = pg.S.Save(r.Context(), auth.From(r.Context()), 0, in)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/events/"+strconv.FormatInt(e.ID, 10)+"/manage?flash=flash.events_saved", http.StatusSeeOther)
}

// Edit is POST /events/{id}/edit.
func (pg *Pages) Edit(w http.ResponseWriter, r *http.Request) {
	pg.eventForm(w, r, "manage", "flash.events_saved", func(p *auth.Principal, id int64, _ url.Values) error {
		in, err := parseForm(r)
		if err == nil {
			_, err = pg.S.Save(r.Context(), p, id, in)
		}
		return err
	})
}

// eventForm serves a form posted to /events/{id}/…: do acts for the
// signed-in user on the event, then its page (manage or matchmaking)
// shows with the flash, or the error page answers.
func (pg *Pages) eventForm(w http.ResponseWriter, r *http.Request, page, flash string, do func(p *auth.Principal, id int64, f url.Values) error) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	if err := do(auth.From(r.Context()), id, r.PostForm); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/events/"+strconv.FormatInt(id, 10)+"/"+page+"?flash="+flash, http.StatusSeeOther)
}

type manageData struct {
	formData
	Registrants []Registration
	CheckedIn   int
	Now         time.Time
}

// Manage is GET /events/{id}/manage: the organiser's page: the form,
// the status, the registrants with check-in.
func (pg *Pages) Manage(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	rs, err := pg.S.Registrants(r.Context(), p, id)
	var e Event
	if err == nil {
		e, err = pg.S.Get(r.Context(), p, id)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := manageData{formData: pg.form(r, e), Registrants: rs, Now: pg.S.DB.Now()}
	if !strings.Contains(","+strings.Join(d.Districts, ",")+",", ","+e.District+",") {
		d.Districts = append(d.Districts, e.District)
	}
	for _, x := range rs {
		if x.CheckedInAt != nil {
			d.CheckedIn++
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "events_manage", ui.NewPage(r, "events.manage", d))
}

// Status is POST /events/{id}/status (action, reason).
func (pg *Pages) Status(w http.ResponseWriter, r *http.Request) {
	pg.eventForm(w, r, "manage", "flash.events_status", func(p *auth.Principal, id int64, f url.Values) error {
		_, err := pg.S.SetStatus(r.Context(), p, id, StatusInput{Action: f.Get("action"), Reason: f.Get("reason")})
		return err
	})
}

// CheckIn is POST /events/{id}/check-in (registration_id or code).
func (pg *Pages) CheckIn(w http.ResponseWriter, r *http.Request) {
	pg.eventForm(w, r, "manage", "flash.events_checked_in", func(p *auth.Principal, id int64, f url.Values) error {
		in := CheckInInput{Code: f.Get("code")}
		reg, err := formID("registration_id", f.Get("registration_id"))
		if reg != nil {
			in.RegistrationID = *reg
		}
		if err == nil {
			_, err = pg.S.CheckIn(r.Context(), p, id, in)
		}
		return err
	})
}

// GridRow is an investor's row of the grid: a cell per slot.
type GridRow struct {
	Investor Participant
	Cells    []*Meeting
}

type matchData struct {
	E      Event
	Grid   *Grid
	Rows   []GridRow
	Mine   *MySchedule
	Wanted map[int64]int
}

// Matchmaking is GET /events/{id}/matchmaking: the organiser's grid and
// pairing, a participant's preferences and schedule.
func (pg *Pages) Matchmaking(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	if p == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	e, err := pg.S.Get(r.Context(), p, id)
	if err == nil && e.Kind != "matchmaking" {
		err = apperr.New(apperr.NotFound, "no matchmaking at event %d", id)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := matchData{E: e, Wanted: map[int64]int{}}
	if e.Manage {
		g, err := pg.S.Grid(r.Context(), p, id)
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		d.Grid = &g
		for _, inv := range g.Investors {
			row := GridRow{Investor: inv, Cells: make([]*Meeting, len(g.Slots))}
			for i := range g.Meetings {
				if m := &g.Meetings[i]; m.InvestorID == inv.RegistrationID && m.Slot < len(row.Cells) {
					row.Cells[m.Slot] = m
				}
			}
			d.Rows = append(d.Rows, row)
		}
	}
	if e.Mine != nil && e.Mine.Status == Registered {
		s, err := pg.S.Schedule(r.Context(), p, id)
		if err == nil {
			d.Mine = &s
			for i, t := range s.Me.Wants {
				d.Wanted[t] = i + 1
			}
		} else if apperr.CodeOf(err) != apperr.NotFound {
			pg.UI.Error(w, r, err)
			return
		}
	}
	if d.Grid == nil && d.Mine == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Forbidden, "registered investors and startups and the organiser see the matchmaking"))
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "events_matchmaking", ui.NewPage(r, "events.matchmaking", d))
}

// Preferences is POST /events/{id}/preferences: the ranks given to the
// other side's participants (rank_<registration id>, 1 first; empty
// leaves one out).
func (pg *Pages) Preferences(w http.ResponseWriter, r *http.Request) {
	pg.eventForm(w, r, "matchmaking", "flash.events_saved", func(p *auth.Principal, id int64, f url.Values) error {
		type ranked struct {
			id   int64
			rank int
		}
		var rs []ranked
		for k, vs := range f {
			reg, found := strings.CutPrefix(k, "rank_")
			if !found || len(vs) == 0 || strings.TrimSpace(vs[0]) == "" {
				continue
			}
			n, err1 := strconv.ParseInt(reg, 10, 64)
			rank, err2 := strconv.Atoi(strings.TrimSpace(vs[0]))
			if err1 != nil || err2 != nil || rank < 1 {
				return apperr.Field("targets", "ranks are whole numbers from 1")
			}
			rs = append(rs, ranked{n, rank})
		}
		for i := 1; i < len(rs); i++ {
			for j := i; j > 0 && (rs[j].rank < rs[j-1].rank || rs[j].rank == rs[j-1].rank && rs[j].id < rs[j-1].id); j-- {
				rs[j], rs[j-1] = rs[j-1], rs[j]
			}
		}
		in := PreferencesInput{Targets: []int64{}}
		for _, x := range rs {
			in.Targets = append(in.Targets, x.id)
		}
		_, err := pg.S.SetPreferences(r.Context(), p, id, in)
		return err
	})
}

// Pair is POST /events/{id}/pairing: the organiser runs the pairing.
func (pg *Pages) Pair(w http.ResponseWriter, r *http.Request) {
	pg.eventForm(w, r, "matchmaking", "flash.events_paired", func(p *auth.Principal, id int64, f url.Values) error {
		in := PairInput{OnlyPreferred: f.Get("only_preferred") != ""}
		if s := strings.TrimSpace(f.Get("meeting_minutes")); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return apperr.Field("meeting_minutes", "must be a whole number")
			}
			in.MeetingMinutes = n
		}
		_, err := pg.S.Pair(r.Context(), p, id, in)
		return err
	})
}
