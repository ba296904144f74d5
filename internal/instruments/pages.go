package instruments

import (
	"embed"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/calendar"
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

type facetLink struct {
	Label, Href string
	Count       int
	Selected    bool
}

type facetGroup struct {
	Label string
	Links []facetLink
}

type catalogData struct {
	Q      string
	Page   CatalogPage
	Facets []facetGroup
	Snips  map[int64]template.HTML
}

// Catalog is GET /instruments.
func (pg *Pages) Catalog(w http.ResponseWriter, r *http.Request) {
	q, err := ParseCatalog(r.URL.Query())
	var res CatalogPage
	if err == nil {
		res, err = pg.S.Catalog(r.Context(), q)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	lang := ui.Lang(r.Context())
	d := catalogData{Q: q.Text, Page: res, Snips: map[int64]template.HTML{}}
	for _, it := range res.Items {
		if s := it.Snippets["capabilities"]; s != "" {
			d.Snips[it.ID] = template.HTML(s) // the engine escapes the text and adds only <mark>
		}
	}
	vals := r.URL.Query()
	for _, name := range []string{"category", "region", "fee_unit"} {
		g := facetGroup{Label: i18n.T(lang, "instr.f."+name)}
		for _, fc := range res.Facets[name] {
			v := url.Values{}
			for k, vs := range vals {
				v[k] = slices.Clone(vs)
			}
			v.Del("offset")
			sel := slices.Contains(vals[name], fc.Value)
			if sel {
				v.Del(name)
			} else {
				v.Set(name, fc.Value)
			}
			g.Links = append(g.Links, facetLink{Label: i18n.T(lang, "instr."+name+"."+fc.Value), Href: "/instruments?" + v.Encode(), Count: fc.Count, Selected: sel})
		}
		d.Facets = append(d.Facets, g)
	}
	pg.UI.Render(w, r, http.StatusOK, "instruments_catalog", ui.NewPage(r, "instr.catalog", d))
}

// Day is a day of an instrument's free time.
type Day struct {
	Date string
	Free []calendar.Interval
}

// WeekRow is a day of the week grid: a cell an hour, free, part (some of
// it free), busy or closed.
type WeekRow struct {
	Date  string
	Cells []string
}

type instrumentData struct {
	I       Instrument
	Days    []Day
	Hours   []int
	Week    []WeekRow
	Orgs    []auth.Membership
	Owner   bool
	Default string // a datetime-local value for the form
}

// Instrument is GET /instruments/{id}: details, the week's free time, the
// booking form.
func (pg *Pages) Instrument(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	i, err := pg.S.Instrument(r.Context(), p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	from, to, err := ParseRange(r.URL.Query(), pg.S.DB.Now())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	// What has passed is not free.
	free, err := pg.S.Availability(r.Context(), id, maxT(from, pg.S.DB.Now()), to)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := instrumentData{I: i, Owner: member(p, i.OwnerOrgID)}
	if p != nil {
		d.Orgs = p.Memberships
	}
	loc := i.Calendar.Location()
	for _, f := range free {
		day := f.Start.In(loc).Format("2006-01-02 (Mon)")
		if len(d.Days) == 0 || d.Days[len(d.Days)-1].Date != day {
			d.Days = append(d.Days, Day{Date: day})
		}
		d.Days[len(d.Days)-1].Free = append(d.Days[len(d.Days)-1].Free, calendar.Interval{Start: f.Start.In(loc), End: f.End.In(loc)})
	}
	if len(free) > 0 {
		d.Default = free[0].Start.In(loc).Format("2006-01-02T15:04")
	}
	d.Hours, d.Week = weekGrid(i.Calendar, free, from, to, pg.S.DB.Now())
	pg.UI.Render(w, r, http.StatusOK, "instruments_instrument", ui.NewPage(r, "instr.instrument", d))
}

func localTime(field, s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(s), shanghai)
	if err != nil {
		return t, apperr.Field(field, "must be a date and time")
	}
	return t, nil
}

// Book is POST /instruments/{id}/book.
func (pg *Pages) Book(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	f := r.PostForm
	in := BookInput{Purpose: f.Get("purpose")}
	var err error
	if in.Start, err = localTime("starts_at", f.Get("starts_at")); err == nil {
		in.End, err = localTime("ends_at", f.Get("ends_at"))
	}
	if err == nil && f.Get("samples") != "" {
		if in.Samples, err = strconv.Atoi(f.Get("samples")); err != nil {
			err = apperr.Field("samples", "must be a whole number")
		}
	}
	if err == nil && f.Get("org_id") != "" {
		var o int64
		if o, err = strconv.ParseInt(f.Get("org_id"), 10, 64); err == nil {
			in.OrgID = &o
		} else {
			err = apperr.Field("org_id", "must be an organization")
		}
	}
	if err == nil && f.Get("weekly_until") != "" {
		in.Recurrence = &calendar.Rule{Freq: "weekly", Until: f.Get("weekly_until")}
		in.SkipConflicts = f.Get("skip_conflicts") != ""
	}
	var res Series
	if err == nil {
		res, err = pg.S.Book(r.Context(), auth.From(r.Context()), id, in)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	flash := "flash.instr_booked"
	if len(res.Skipped) > 0 {
		flash = "flash.instr_booked_skipped"
	}
	http.Redirect(w, r, "/instruments/bookings?flash="+flash, http.StatusSeeOther)
}

type bookingsData struct {
	Bookings []Booking
	Owner    bool
	Status   string
	Feed     string
}

// MyBookings is GET /instruments/bookings.
func (pg *Pages) MyBookings(w http.ResponseWriter, r *http.Request) { pg.bookings(w, r, false) }

// Queue is GET /instruments/queue: the owner's requests and bookings.
func (pg *Pages) Queue(w http.ResponseWriter, r *http.Request) { pg.bookings(w, r, true) }

func (pg *Pages) bookings(w http.ResponseWriter, r *http.Request, owner bool) {
	p := auth.From(r.Context())
	st := r.URL.Query().Get("status")
	if owner && st == "" && r.URL.Query().Get("all") == "" {
		st = calendar.Pending
	}
	bs, err := pg.S.Bookings(r.Context(), p, BookingQuery{Owner: owner, Status: st})
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := bookingsData{Bookings: bs, Owner: owner, Status: st}
	if !owner {
		f, err := pg.S.Feeds(r.Context(), p)
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		d.Feed = "/ical/users/" + f.User + ".ics"
	}
	title := "instr.my_bookings"
	if owner {
		title = "instr.queue"
	}
	pg.UI.Render(w, r, http.StatusOK, "instruments_bookings", ui.NewPage(r, title, d))
}

// Act is POST /instrument-bookings/{id}/act.
func (pg *Pages) Act(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	f := r.PostForm
	in := ActInput{Action: f.Get("action"), Comment: f.Get("comment")}
	if s := f.Get("actual_minutes"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			pg.UI.Error(w, r, apperr.Field("actual_minutes", "must be a whole number of minutes"))
			return
		}
		in.ActualMinutes = n
	}
	if _, err := pg.S.Act(r.Context(), auth.From(r.Context()), id, in); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	back := "/instruments/bookings"
	if f.Get("back") == "queue" {
		back = "/instruments/queue"
	}
	http.Redirect(w, r, back+"?flash=flash.instr_done", http.StatusSeeOther)
}

type mineData struct {
	Instruments []Instrument
	Use         []Use
	Month       string
	Orgs        []auth.Membership
	Categories  []string
	Regions     []string
	Feeds       map[int64]string
}

// Mine is GET /instruments/mine: the owner's instruments, the form to
// list one, trainings, utilisation and feeds.
func (pg *Pages) Mine(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	is, err := pg.S.Mine(r.Context(), p)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	month := r.URL.Query().Get("month")
	use, err := pg.S.Utilisation(r.Context(), p, month)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	f, err := pg.S.Feeds(r.Context(), p)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if month == "" {
		month = pg.S.DB.Now().In(shanghai).Format("2006-01")
	}
	pg.UI.Render(w, r, http.StatusOK, "instruments_mine", ui.NewPage(r, "instr.mine", mineData{Instruments: is, Use: use, Month: month, Orgs: p.Memberships,
		Categories: Categories, Regions: Regions, Feeds: f.Instruments}))
}

// Create is POST /instruments: the listing form (weekday hours 09:00 to
// 17:00 unless given as "HH:MM-HH:MM").
func (pg *Pages) Create(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	f := r.PostForm
	in := Input{NameZh: f.Get("name_zh"), NameEn: f.Get("name_en"), Category: f.Get("category"), Make: f.Get("make"), Model: f.Get("model"),
		Location: f.Get("location"), Region: f.Get("region"), CapabilitiesZh: f.Get("capabilities_zh"), CapabilitiesEn: f.Get("capabilities_en"),
		FeeUnit: f.Get("fee_unit"), OperatorRequired: f.Get("operator_required") != "", TrainingRequired: f.Get("training_required") != "", CancelFreeHours: 24,
		LateCancelPct: 50, NoShowPct: 100}
	var err error
	ints := []struct {
		name string
		dst  *int
	}{{"auto_approve_minutes", &in.AutoApproveMinutes}, {"slot_minutes", &in.SlotMinutes}, {"max_minutes", &in.MaxMinutes}}
	for _, x := range ints {
		if s := strings.TrimSpace(f.Get(x.name)); s != "" {
			if *x.dst, err = strconv.Atoi(s); err != nil {
				pg.UI.Error(w, r, apperr.Field(x.name, "must be a whole number"))
				return
			}
		}
	}
	in.OwnerOrgID, _ = strconv.ParseInt(f.Get("owner_org_id"), 10, 64)
	for _, x := range []struct {
		name string
		dst  *int64
	}{{"fee_internal_yuan", &in.FeeInternalFen}, {"fee_external_yuan", &in.FeeExternalFen}, {"fee_sme_yuan", &in.FeeSMEFen}} {
		y, err := strconv.ParseInt(strings.TrimSpace(f.Get(x.name)), 10, 64)
		if err != nil {
			pg.UI.Error(w, r, apperr.Field(x.name, "must be a whole number of yuan"))
			return
		}
		*x.dst = y * 100
	}
	if s := strings.TrimSpace(f.Get("hours")); s != "" {
		a, b, ok := strings.Cut(s, "-")
		start, e1 := time.Parse("15:04", strings.TrimSpace(a))
		end, e2 := time.Parse("15:04", strings.TrimSpace(b))
		if !ok || e1 != nil || e2 != nil {
			pg.UI.Error(w, r, apperr.Field("opening_hours", "write the weekday hours as 09:00-17:00"))
			return
		}
		for wd := time.Monday; wd <= time.Friday; wd++ {
			in.Hours = append(in.Hours, calendar.Hours{Weekday: wd, Start: start.Hour()*60 + start.Minute(), End: end.Hour()*60 + end.Minute()})
		}
	}
	i, err := pg.S.Save(r.Context(), auth.From(r.Context()), 0, in)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/instruments/"+strconv.FormatInt(i.ID, 10)+"?flash=flash.instr_listed", http.StatusSeeOther)
}

// Train is POST /instruments/{id}/trainings (a user's e-mail).
func (pg *Pages) Train(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	var user int64
	if err := pg.S.DB.Read.QueryRowContext(r.Context(), `SELECT id FROM users WHERE email = $1`, strings.TrimSpace(strings.ToLower(r.PostForm.Get("email")))).Scan(&user); err != nil {
		pg.UI.Error(w, r, apperr.Field("email", "is not a user of the platform"))
		return
	}
	if err := pg.S.Train(r.Context(), auth.From(r.Context()), id, user); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/instruments/mine?flash=flash.instr_trained", http.StatusSeeOther)
}

// Sharing is GET /instruments/sharing: the city's sharing indicators.
func (pg *Pages) Sharing(w http.ResponseWriter, r *http.Request) {
	ind, err := pg.S.CityIndicators(r.Context(), r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "instruments_sharing", ui.NewPage(r, "instr.sharing", map[string]any{"I": ind, "Regions": Regions}))
}

// UploadPhoto is POST /instruments/{id}/photo (a multipart form).
func (pg *Pages) UploadPhoto(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	f, _, err := r.FormFile("photo")
	if err != nil {
		pg.UI.Error(w, r, apperr.Field("photo", "choose an image file"))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPhoto+1))
	if err == nil {
		err = pg.S.SetPhoto(r.Context(), auth.From(r.Context()), id, data)
	}
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/instruments/"+strconv.FormatInt(id, 10)+"?flash=flash.instr_done", http.StatusSeeOther)
}

// weekGrid lays the free intervals over the hours the resource opens in
// [from, to): each cell is free, part, busy or closed (past hours too).
func weekGrid(r *calendar.Resource, free []calendar.Interval, from, to, now time.Time) ([]int, []WeekRow) {
	loc := r.Location()
	first, last := 24, 0
	for _, h := range r.Hours {
		first, last = min(first, h.Start/60), max(last, (h.End+59)/60)
	}
	if first >= last {
		return nil, nil
	}
	var hours []int
	for h := first; h < last; h++ {
		hours = append(hours, h)
	}
	var rows []WeekRow
	f := from.In(loc)
	for day := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc); day.Before(to); day = day.AddDate(0, 0, 1) {
		row := WeekRow{Date: day.Format("01-02 Mon")}
		for _, h := range hours {
			s, e := time.Date(day.Year(), day.Month(), day.Day(), h, 0, 0, 0, loc), time.Date(day.Year(), day.Month(), day.Day(), h+1, 0, 0, 0, loc)
			open := r.Open(s, e) || r.Open(s, s.Add(30*time.Minute)) || r.Open(s.Add(30*time.Minute), e)
			var freeMin time.Duration
			for _, iv := range free {
				if lo, hi := maxT(iv.Start, s), minT(iv.End, e); hi.After(lo) {
					freeMin += hi.Sub(lo)
				}
			}
			switch {
			case !open || !e.After(now):
				row.Cells = append(row.Cells, "closed")
			case freeMin >= time.Hour:
				row.Cells = append(row.Cells, "free")
			case freeMin > 0:
				row.Cells = append(row.Cells, "part")
			default:
				row.Cells = append(row.Cells, "busy")
			}
		}
		rows = append(rows, row)
	}
	return hours, rows
}

func maxT(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minT(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
