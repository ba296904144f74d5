package registry

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ui"
)

// parkName names a park in lang, falling back to its Chinese name.
func parkName(lang string, p Park) string {
	if lang == "en" && p.NameEn != "" {
		return p.NameEn
	}
	return p.NameZh
}

// parkGroup is the parks of one district, for an optgroup or a list.
type parkGroup struct {
	District string
	Options  []ui.Option
}

// parkGroups groups the parks by district, in the order of the districts,
// with current selected.
func parkGroups(lang string, ds []District, ps []Park, current int64) []parkGroup {
	var out []parkGroup
	for _, d := range ds {
		g := parkGroup{District: districtName(lang, ds, d.Slug)}
		for _, p := range ps {
			if p.District == d.Slug {
				g.Options = append(g.Options, ui.Option{Value: strconv.FormatInt(p.ID, 10), Label: parkName(lang, p), Selected: p.ID == current})
			}
		}
		if len(g.Options) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// ParkCounts counts the organizations of each park.
func (s *Service) ParkCounts(ctx context.Context) (map[int64]int64, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT park_id, COUNT(*) FROM orgs WHERE park_id IS NOT NULL GROUP BY park_id`)
	if err != nil {
		return nil, apperr.Wrap(err, "count by park")
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, apperr.Wrap(err, "count by park")
		}
		out[id] = n
	}
	return out, apperr.Wrap(rows.Err(), "count by park")
}

type parkRow struct {
	Park
	Name string
	Orgs int64
}

type parkDistrict struct {
	Name  string
	Parks []parkRow
}

type adminParksData struct {
	Districts []parkDistrict
	Total     int
	// The add form: its values and errors.
	New       Park
	Choices   []ui.Option
	Form      *ui.FormError
	FieldErrs map[string]string
}

func (pg *Pages) adminParksData(ctx context.Context, lang string, in Park, fe *ui.FormError) (adminParksData, error) {
	ds, err := pg.S.Districts(ctx)
	if err != nil {
		return adminParksData{}, err
	}
	ps, err := pg.S.Parks(ctx)
	if err != nil {
		return adminParksData{}, err
	}
	counts, err := pg.S.ParkCounts(ctx)
	if err != nil {
		return adminParksData{}, err
	}
	slugs := make([]string, len(ds))
	for i, d := range ds {
		slugs[i] = d.Slug
	}
	data := adminParksData{New: in, Total: len(ps), Form: fe, FieldErrs: map[string]string{},
		Choices: ui.Options(slugs, func(s string) string { return districtName(lang, ds, s) }, in.District)}
	for _, d := range ds {
		pd := parkDistrict{Name: districtName(lang, ds, d.Slug)}
		for _, p := range ps {
			if p.District == d.Slug {
				pd.Parks = append(pd.Parks, parkRow{Park: p, Name: parkName(lang, p), Orgs: counts[p.ID]})
			}
		}
		if len(pd.Parks) > 0 {
			data.Districts = append(data.Districts, pd)
		}
	}
	if fe != nil {
		for k, v := range fe.Fields {
			switch {
			case k == "slug" && strings.HasPrefix(v, "must be lower-case"):
				data.FieldErrs[k] = i18n.T(lang, "parks.slug_hint")
			case atMost.MatchString(v):
				data.FieldErrs[k] = i18n.T(lang, "fielderr.too_long", atMost.FindStringSubmatch(v)[1])
			default:
				data.FieldErrs[k] = ui.FieldMessage(lang, v, nil)
			}
		}
	}
	return data, nil
}

// adminOnly lets administrators through; the public is sent to sign in.
func adminOnly(r *http.Request) (*auth.Principal, error) {
	p := auth.From(r.Context())
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	if !p.IsAdmin() {
		return nil, apperr.New(apperr.Forbidden, "only administrators manage parks")
	}
	return p, nil
}

// AdminParks is GET /admin/parks: the parks by district, and a form to
// add one.
func (pg *Pages) AdminParks(w http.ResponseWriter, r *http.Request) {
	if _, err := adminOnly(r); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	data, err := pg.adminParksData(r.Context(), ui.Lang(r.Context()), Park{}, nil)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "admin_parks", ui.NewPage(r, "parks.title", data))
}

// SaveAdminPark is POST /admin/parks: add a park.
func (pg *Pages) SaveAdminPark(w http.ResponseWriter, r *http.Request) {
	if _, err := adminOnly(r); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	f := r.PostForm
	in := Park{Slug: f.Get("slug"), NameZh: f.Get("name_zh"), NameEn: f.Get("name_en"), District: f.Get("district")}
	_, err := pg.S.CreatePark(r.Context(), in)
	if err == nil {
		http.Redirect(w, r, "/admin/parks?flash=flash.park_created", http.StatusSeeOther)
		return
	}
	fe := ui.FormErrorOf(err)
	if fe == nil {
		pg.UI.Error(w, r, err)
		return
	}
	data, derr := pg.adminParksData(r.Context(), ui.Lang(r.Context()), in, fe)
	if derr != nil {
		pg.UI.Error(w, r, derr)
		return
	}
	pg.UI.Render(w, r, http.StatusUnprocessableEntity, "admin_parks", ui.NewPage(r, "parks.title", data))
}
