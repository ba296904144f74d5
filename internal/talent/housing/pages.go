package housing

import (
	"context"
	"embed"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
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

// District is a district's slug and name.
type District struct {
	Slug, NameZh, NameEn string
}

// Districts lists the city's districts.
func (s *Service) Districts(ctx context.Context) ([]District, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT slug, name_zh, name_en FROM districts ORDER BY slug`)
	return db.Collect(rows, err, "districts", func(r interface{ Scan(...any) error }) (District, error) {
		var d District
		err := r.Scan(&d.Slug, &d.NameZh, &d.NameEn)
		return d, err
	})
}

// names maps the districts' slugs to their names in the page's language.
func (pg *Pages) names(r *http.Request) (map[string]string, []District, error) {
	ds, err := pg.S.Districts(r.Context())
	m := map[string]string{}
	for _, d := range ds {
		m[d.Slug] = d.NameZh
		if ui.Lang(r.Context()) == "en" {
			m[d.Slug] = d.NameEn
		}
	}
	return m, ds, err
}

func formInt(r *http.Request, name string) (int, error) {
	s := strings.TrimSpace(r.PostForm.Get(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, apperr.Field(name, "must be a whole number")
	}
	return n, nil
}

func (pg *Pages) redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	http.Redirect(w, r, to+"?flash=flash."+flash, http.StatusSeeOther)
}

// post serves a form posted to a path with an {id}: do acts for the
// signed-in user and names the page to go to with the flash, or the error
// page answers.
func (pg *Pages) post(w http.ResponseWriter, r *http.Request, flash string, do func(p *auth.Principal, id int64) (to string, err error)) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	pg.postNew(w, r, flash, func(p *auth.Principal) (string, error) { return do(p, id) })
}

// postNew is post for a path without an {id}.
func (pg *Pages) postNew(w http.ResponseWriter, r *http.Request, flash string, do func(p *auth.Principal) (to string, err error)) {
	if !pg.UI.Form(w, r) {
		return
	}
	to, err := do(auth.From(r.Context()))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.redirect(w, r, to, flash)
}

type homeData struct {
	Buildings []Building
	Rounds    []Round
	Names     map[string]string
	Districts []District
	District  string
	// Officer lists the districts the user manages.
	Officer []string
	Today   string
}

// Home is GET /talent/housing: the buildings by district with their free
// units, the rounds, and the officers' forms.
func (pg *Pages) Home(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	district := r.URL.Query().Get("district")
	bs, err := pg.S.Buildings(r.Context(), district)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	rs, err := pg.S.Rounds(r.Context())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	names, ds, err := pg.names(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := homeData{Buildings: bs, Rounds: rs, Names: names, Districts: ds, District: district, Today: pg.S.today().Format("2006-01-02")}
	if p.IsAdmin() {
		for _, x := range ds {
			d.Officer = append(d.Officer, x.Slug)
		}
	} else {
		d.Officer = p.OfficerDistricts()
	}
	pg.UI.Render(w, r, http.StatusOK, "housing_home", ui.NewPage(r, "housing.title", d))
}

// CreateBuilding is POST /talent/housing/buildings.
func (pg *Pages) CreateBuilding(w http.ResponseWriter, r *http.Request) {
	pg.postNew(w, r, "housing_saved", func(p *auth.Principal) (string, error) {
		f := r.PostForm
		in := BuildingInput{NameZh: f.Get("name_zh"), NameEn: f.Get("name_en"), District: f.Get("district"), Address: f.Get("address")}
		b, err := pg.S.CreateBuilding(r.Context(), p, in)
		return "/talent/housing/buildings/" + idStr(b.ID), err
	})
}

type buildingData struct {
	BuildingView
	Names   map[string]string
	Officer bool
}

// Building is GET /talent/housing/buildings/{id}.
func (pg *Pages) Building(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	b, err := pg.S.Building(r.Context(), id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	names, _, err := pg.names(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "housing_building", ui.NewPage(r, "housing.building", buildingData{b, names, officer(auth.From(r.Context()), b.District)}))
}

// AddUnit is POST /talent/housing/buildings/{id}/units.
func (pg *Pages) AddUnit(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "housing_saved", func(p *auth.Principal, id int64) (string, error) {
		in := UnitInput{Number: r.PostForm.Get("number"), Status: r.PostForm.Get("status")}
		var err error
		if in.Rooms, err = formInt(r, "rooms"); err == nil {
			var rent int
			if rent, err = formInt(r, "monthly_rent_yuan"); err == nil {
				in.RentYuan = int64(rent)
				if in.AreaM2, err = strconv.ParseFloat(strings.TrimSpace(r.PostForm.Get("area_m2")), 64); err != nil {
					err = apperr.Field("area_m2", "must be a number")
				}
			}
		}
		if err == nil {
			_, err = pg.S.AddUnit(r.Context(), p, id, in)
		}
		return "/talent/housing/buildings/" + idStr(id), err
	})
}

// UnitStatus is POST /talent/housing/units/{id}/status.
func (pg *Pages) UnitStatus(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "housing_saved", func(p *auth.Principal, id int64) (string, error) {
		u, err := pg.S.SetUnitStatus(r.Context(), p, id, r.PostForm.Get("status"))
		return "/talent/housing/buildings/" + idStr(u.BuildingID), err
	})
}

// CreateRound is POST /talent/housing/rounds.
func (pg *Pages) CreateRound(w http.ResponseWriter, r *http.Request) {
	pg.postNew(w, r, "housing_saved", func(p *auth.Principal) (string, error) {
		f := r.PostForm
		in := RoundInput{NameZh: f.Get("name_zh"), NameEn: f.Get("name_en"), District: f.Get("district"), OpensOn: f.Get("opens_on"), ClosesOn: f.Get("closes_on")}
		var err error
		for _, x := range []struct {
			name string
			dst  *int
		}{{"offer_days", &in.OfferDays}, {"term_months", &in.TermMonths}, {"max_years", &in.MaxYears}} {
			if *x.dst, err = formInt(r, x.name); err != nil {
				return "", err
			}
		}
		if b, err := formInt(r, "building_id"); err != nil {
			return "", err
		} else if b > 0 {
			id := int64(b)
			in.BuildingID = &id
		}
		rd, err := pg.S.CreateRound(r.Context(), p, in)
		return "/talent/housing/rounds/" + idStr(rd.ID), err
	})
}

type roundData struct {
	RoundView
	Names    map[string]string
	Building *Building
	Open     bool
	Mine     *Application
	Today    string
}

// Round is GET /talent/housing/rounds/{id}: the apply form while the
// window is open; for the district's officers the applications in
// allocation order with their scores, the run, and the waitlist.
func (pg *Pages) Round(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	p := auth.From(r.Context())
	v, err := pg.S.RoundView(r.Context(), p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	names, _, err := pg.names(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	today := pg.S.today().Format("2006-01-02")
	d := roundData{RoundView: v, Names: names, Open: v.State == "open" && today >= v.OpensOn && today <= v.ClosesOn, Today: today}
	if v.BuildingID != nil {
		b, err := loadBuilding(r.Context(), pg.S.DB.Read, *v.BuildingID)
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		d.Building = &b
	}
	if p != nil {
		mine, err := pg.S.applications(r.Context(), pg.S.DB.Read, `a.round_id = $1 AND a.user_id = $2`, id, p.UserID)
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		if len(mine) > 0 {
			d.Mine = &mine[0]
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "housing_round", ui.NewPage(r, "housing.round", d))
}

// Apply is POST /talent/housing/rounds/{id}/apply.
func (pg *Pages) Apply(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "housing_applied", func(p *auth.Principal, id int64) (string, error) {
		in := ApplyInput{MoveInOn: r.PostForm.Get("move_in_on")}
		for _, x := range []struct {
			name string
			dst  **int
		}{{"months_in_district", &in.MonthsInDistrict}, {"household_size", &in.HouseholdSize}, {"rooms", &in.Rooms}} {
			if strings.TrimSpace(r.PostForm.Get(x.name)) == "" {
				continue
			}
			n, err := formInt(r, x.name)
			if err != nil {
				return "", err
			}
			*x.dst = &n
		}
		_, err := pg.S.Apply(r.Context(), p, id, in)
		return "/talent/housing/mine", err
	})
}

// Allocate is POST /talent/housing/rounds/{id}/allocate.
func (pg *Pages) Allocate(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "housing_allocated", func(p *auth.Principal, id int64) (string, error) {
		_, err := pg.S.Allocate(r.Context(), p, id)
		return "/talent/housing/rounds/" + idStr(id), err
	})
}

type mineData struct {
	Mine
	Names map[string]string
	Today string
}

// Mine is GET /talent/housing/mine: the talent's applications with their
// scores, offers and tenancies.
func (pg *Pages) Mine(w http.ResponseWriter, r *http.Request) {
	m, err := pg.S.Mine(r.Context(), auth.From(r.Context()))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	names, _, err := pg.names(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "housing_mine", ui.NewPage(r, "housing.mine", mineData{m, names, pg.S.today().Format("2006-01-02")}))
}

// Withdraw is POST /talent/housing/applications/{id}/withdraw.
func (pg *Pages) Withdraw(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "housing_saved", func(p *auth.Principal, id int64) (string, error) {
		_, err := pg.S.Withdraw(r.Context(), p, id)
		return "/talent/housing/mine", err
	})
}

// Accept is POST /talent/housing/offers/{id}/accept.
func (pg *Pages) Accept(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "housing_accepted", func(p *auth.Principal, id int64) (string, error) {
		_, err := pg.S.Accept(r.Context(), p, id)
		return "/talent/housing/mine", err
	})
}

// Decline is POST /talent/housing/offers/{id}/decline.
func (pg *Pages) Decline(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "housing_declined", func(p *auth.Principal, id int64) (string, error) {
		_, err := pg.S.Decline(r.Context(), p, id)
		return "/talent/housing/mine", err
	})
}

// back is where a tenancy form returns: the officer's report or the
// talent's page.
func back(r *http.Request) string {
	if r.PostForm.Get("back") == "occupancy" {
		return "/talent/housing/occupancy"
	}
	return "/talent/housing/mine"
}

// Renew is POST /talent/housing/tenancies/{id}/renew.
func (pg *Pages) Renew(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "housing_renewed", func(p *auth.Principal, id int64) (string, error) {
		_, err := pg.S.Renew(r.Context(), p, id)
		return back(r), err
	})
}

// MoveOut is POST /talent/housing/tenancies/{id}/move-out.
func (pg *Pages) MoveOut(w http.ResponseWriter, r *http.Request) {
	pg.post(w, r, "housing_moved_out", func(p *auth.Principal, id int64) (string, error) {
		_, err := pg.S.MoveOut(r.Context(), p, id, MoveOutInput{On: r.PostForm.Get("on")})
		return back(r), err
	})
}

// Sweep is POST /talent/housing/sweep.
func (pg *Pages) Sweep(w http.ResponseWriter, r *http.Request) {
	pg.postNew(w, r, "housing_saved", func(p *auth.Principal) (string, error) {
		_, err := pg.S.Sweep(r.Context(), p)
		return "/talent/housing/occupancy", err
	})
}

type occupancyData struct {
	Occupancy
	Names     map[string]string
	Tenancies []Tenancy
	Officer   bool
	Today     string
}

// Occupancy is GET /talent/housing/occupancy: the report by district and
// building; officers also see their district's tenancies.
func (pg *Pages) Occupancy(w http.ResponseWriter, r *http.Request) {
	o, err := pg.S.Occupancy(r.Context())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	names, _, err := pg.names(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := occupancyData{Occupancy: o, Names: names, Today: pg.S.today().Format("2006-01-02")}
	if p := auth.From(r.Context()); p.IsAdmin() || len(p.OfficerDistricts()) > 0 {
		d.Officer = true
		if d.Tenancies, err = pg.S.Tenancies(r.Context(), p, r.URL.Query().Get("district")); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "housing_occupancy", ui.NewPage(r, "housing.occupancy", d))
}
