package indicators

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

// Chart is a chart and the accessible table that holds its figures: the
// script draws the chart from the table.
type Chart struct {
	ID      string
	Kind    string // bar or line
	Caption string
	Head    []string
	Rows    []ChartRow
}

// ChartRow is a labelled row of figures.
type ChartRow struct {
	Label string
	Cells []ChartCell
}

// ChartCell is a figure as shown and as the chart reads it.
type ChartCell struct {
	Text  string
	Value string
}

// Block is one indicator on a dashboard.
type Block struct {
	Def    *Definition
	Title  string
	Text   string
	Unit   string
	City   string // the city's figure of the month
	Series *Series
	ByArea Chart
	Trend  Chart
	Table  Chart
}

type dashboardData struct {
	Month, From, To string
	Months          []string
	District        string
	Districts       []Area
	Blocks          []Block
	Empty           bool
	RefreshedAt     *time.Time
	States          []State
	Officer         bool
	Reports         []string
	CanRefresh      bool
	Populations     []Population
	IsAdmin         bool
	Definitions     []*Definition
	Indicator       *Block
}

// AreaName is a district's name in the page's language.
func (d *dashboardData) AreaName(lang, slug string) string {
	for _, a := range d.Districts {
		if a.Slug == slug {
			return pick(lang, a.NameZh, a.NameEn)
		}
	}
	return slug
}

func lang(r *http.Request) string { return ui.Lang(r.Context()) }

func pick(lang, zh, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return zh
}

// block lays an indicator out for a page: the month's figure by area
// (bars), the city's last months (line), and, when full, every area over
// every month.
func block(lang string, se *Series, full bool, withArea string) Block {
	def := se.Indicator
	b := Block{Def: def, Title: pick(lang, def.TitleZh, def.TitleEn), Text: pick(lang, def.DefinitionZh, def.DefinitionEn),
		Unit: i18n.T(lang, "indicators.unit."+def.Unit), Series: se}
	last := len(se.Periods) - 1
	b.City = def.Display(se.City.Values[last])
	cell := func(v int64) ChartCell {
		return ChartCell{Text: def.Display(v), Value: strconv.FormatFloat(def.Float(v), 'f', -1, 64)}
	}
	month := se.Periods[last]
	b.ByArea = Chart{ID: "bar-" + def.ID, Kind: "bar", Caption: i18n.T(lang, "indicators.by_area_caption", b.Title, month, b.Unit),
		Head: []string{i18n.T(lang, "indicators.area"), month}}
	for _, r := range se.Rows {
		b.ByArea.Rows = append(b.ByArea.Rows, ChartRow{Label: pick(lang, r.NameZh, r.NameEn), Cells: []ChartCell{cell(r.Values[last])}})
	}
	b.Trend = Chart{ID: "line-" + def.ID, Kind: "line", Caption: i18n.T(lang, "indicators.trend_caption", b.Title, se.From, se.To, b.Unit),
		Head: []string{i18n.T(lang, "indicators.month"), i18n.T(lang, "indicators.city")}}
	var extra *Row
	if withArea != "" && len(se.Rows) > 0 && se.Rows[0].Slug == withArea {
		extra = &se.Rows[0]
		b.Trend.Head = append(b.Trend.Head, pick(lang, extra.NameZh, extra.NameEn))
	}
	for j, p := range se.Periods {
		row := ChartRow{Label: p, Cells: []ChartCell{cell(se.City.Values[j])}}
		if extra != nil {
			row.Cells = append(row.Cells, cell(extra.Values[j]))
		}
		b.Trend.Rows = append(b.Trend.Rows, row)
	}
	if full {
		b.Table = Chart{ID: "table-" + def.ID, Caption: i18n.T(lang, "indicators.table_caption", b.Title, se.From, se.To, b.Unit),
			Head: append([]string{i18n.T(lang, "indicators.area")}, se.Periods...)}
		add := func(r Row) {
			row := ChartRow{Label: pick(lang, r.NameZh, r.NameEn)}
			for _, v := range r.Values {
				row.Cells = append(row.Cells, cell(v))
			}
			b.Table.Rows = append(b.Table.Rows, row)
		}
		add(se.City)
		for _, r := range se.Rows {
			add(r)
		}
	}
	return b
}

// dashboard reads the cache for a page.
func (pg *Pages) dashboard(r *http.Request, month, district string, full bool) (*dashboardData, error) {
	s := pg.S
	now := MonthOf(s.DB.Now())
	if month == "" {
		month = now
	}
	if _, err := ParseMonth("month", month); err != nil {
		return nil, err
	}
	if month > now {
		return nil, apperr.Field("month", "must not be after this month")
	}
	ds, err := s.Areas(r.Context(), ByDistrict)
	if err != nil {
		return nil, err
	}
	if district != "" && (district == Unassigned || areaIndex(ds, district) < 0) {
		return nil, apperr.Field("district", "no district %q", district)
	}
	all, err := s.Dashboard(r.Context(), Query{From: AddMonths(month, -11), To: month, Area: district})
	if err != nil {
		return nil, err
	}
	d := &dashboardData{Month: month, From: AddMonths(month, -11), To: month, District: district, Empty: true}
	for _, a := range ds {
		if a.Slug != Unassigned {
			d.Districts = append(d.Districts, a)
		}
	}
	for i := 0; i < 12; i++ {
		d.Months = append(d.Months, AddMonths(now, -i))
	}
	for _, se := range all {
		d.Blocks = append(d.Blocks, block(lang(r), se, full, district))
		for _, v := range se.City.Values {
			d.Empty = d.Empty && v == 0
		}
		if se.RefreshedAt != nil && (d.RefreshedAt == nil || se.RefreshedAt.Before(*d.RefreshedAt)) {
			d.RefreshedAt = se.RefreshedAt
		}
	}
	return d, nil
}

// Dashboard is GET /indicators?month=: the public dashboard.
func (pg *Pages) Dashboard(w http.ResponseWriter, r *http.Request) {
	d, err := pg.dashboard(r, r.URL.Query().Get("month"), "", false)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	p := auth.From(r.Context())
	d.CanRefresh = staff(p) == nil
	pg.UI.Render(w, r, http.StatusOK, "indicators", ui.NewPage(r, "indicators.title", d))
}

// Officer is GET /indicators/officer?district=&month=: every indicator for
// the officer's district (first) against the city, every area over the
// months, and the refresher's state.
func (pg *Pages) Officer(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	if err := staff(p); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	district := r.URL.Query().Get("district")
	if _, set := r.URL.Query()["district"]; !set {
		if ds := p.OfficerDistricts(); len(ds) > 0 {
			district = ds[0]
		}
	}
	d, err := pg.dashboard(r, r.URL.Query().Get("month"), district, true)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d.Officer, d.CanRefresh = true, true
	if d.States, err = pg.S.States(r.Context()); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "indicators_officer", ui.NewPage(r, "indicators.officer_title", d))
}

// Indicator is GET /indicators/{id}?from=&to=&district=: one indicator,
// every area over the months asked.
func (pg *Pages) Indicator(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	se, err := pg.S.Series(r.Context(), r.PathValue("id"), Query{From: q.Get("from"), To: q.Get("to"), Area: q.Get("district")})
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	b := block(lang(r), se, true, q.Get("district"))
	d := &dashboardData{From: se.From, To: se.To, District: q.Get("district"), Indicator: &b, RefreshedAt: se.RefreshedAt}
	if d.Districts, err = pg.S.Areas(r.Context(), se.Indicator.Dimension); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "indicators_indicator", ui.NewPage(r, "", d))
}

// OpenData is GET /indicators/open-data: every export in one place.
func (pg *Pages) OpenData(w http.ResponseWriter, r *http.Request) {
	now := MonthOf(pg.S.DB.Now())
	d := &dashboardData{Definitions: pg.S.List(), Month: now}
	for i := 0; i < 12; i++ {
		d.Reports = append(d.Reports, AddMonths(now, -i))
	}
	pg.UI.Render(w, r, http.StatusOK, "indicators_opendata", ui.NewPage(r, "indicators.opendata_title", d))
}

// Populations is GET /indicators/populations: the reference data, with
// the administrators' form.
func (pg *Pages) Populations(w http.ResponseWriter, r *http.Request) {
	pg.populations(w, r, http.StatusOK, nil, url.Values{})
}

func (pg *Pages) populations(w http.ResponseWriter, r *http.Request, status int, formErr error, form url.Values) {
	ps, err := pg.S.Populations(r.Context())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	ds, err := pg.S.Areas(r.Context(), ByDistrict)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := &dashboardData{Populations: ps, IsAdmin: auth.From(r.Context()).IsAdmin()}
	for _, a := range ds {
		if a.Slug != Unassigned {
			d.Districts = append(d.Districts, a)
		}
	}
	page := ui.NewPage(r, "indicators.populations_title", map[string]any{"D": d, "Form": form, "Error": formError(formErr)})
	pg.UI.Render(w, r, status, "indicators_populations", page)
}

// formError is the field errors of a refused form, by field.
func formError(err error) map[string]string {
	if err == nil {
		return nil
	}
	out := map[string]string{}
	ae := apperr.As(err)
	for _, f := range ae.Fields {
		out[f.Field] = f.Message
	}
	if len(out) == 0 {
		out["_"] = ae.Message
	}
	return out
}

// SavePopulation is POST /indicators/populations (administrators): add or
// replace a figure, or delete one (action=delete).
func (pg *Pages) SavePopulation(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	if err := adminOnly(p); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if !pg.UI.Form(w, r) {
		return
	}
	f := r.PostForm
	year, err := ParseYear(strings.TrimSpace(f.Get("year")))
	if err == nil && f.Get("action") == "delete" {
		err = pg.S.DeletePopulation(r.Context(), p, f.Get("district"), year)
		if err != nil && apperr.CodeOf(err) != apperr.Invalid {
			pg.UI.Error(w, r, err)
			return
		}
	} else if err == nil {
		n, perr := strconv.ParseInt(strings.TrimSpace(f.Get("population")), 10, 64)
		if perr != nil {
			err = apperr.Field("population", "must be a whole number")
		} else {
			_, err = pg.S.SavePopulation(r.Context(), p, f.Get("district"), year, PopulationInput{Population: n, Source: f.Get("source")})
		}
	}
	if err != nil {
		if apperr.CodeOf(err) != apperr.Invalid {
			pg.UI.Error(w, r, err)
			return
		}
		pg.populations(w, r, http.StatusUnprocessableEntity, err, f)
		return
	}
	http.Redirect(w, r, "/indicators/populations?flash=flash.indicators_saved", http.StatusSeeOther)
}

// Refresh is POST /indicators/refresh (officers, administrators): a pass
// now, then back to the page it came from.
func (pg *Pages) Refresh(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	if _, err := pg.S.RefreshNow(r.Context(), auth.From(r.Context()), r.PostForm.Get("full") == "1"); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	back := "/indicators/officer"
	if r.PostForm.Get("back") == "public" {
		back = "/indicators"
	}
	http.Redirect(w, r, back+"?flash=flash.indicators_refreshed", http.StatusSeeOther)
}
