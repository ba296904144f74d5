package ip

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/registry"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the marketplace's page templates.
func Templates() fs.FS { return ui.Templates(templateFS) }

// Pages serves the marketplace's HTML pages.
type Pages struct {
	S  *Service
	UI *ui.Renderer
}

// facetLink is one value of a facet on the catalog page.
type facetLink struct {
	Label, Href string
	Count       int
	Selected    bool
}

type facetGroup struct {
	Name, Label string
	Links       []facetLink
}

type catalogData struct {
	Q          string
	Result     CatalogResult
	Facets     []facetGroup
	DidYouMean string
	Prev, Next string
	From, To   int
	// Snips are the search's extracts (escaped by the engine, matches
	// in <mark>) by listing id.
	Snips map[int64]template.HTML
}

// label names a value of a filter in lang; districts by their names.
func label(lang string, districts map[string]string, filter, value string) string {
	switch filter {
	case "district":
		if value == "" {
			return i18n.T(lang, "ip.none")
		}
		if n, ok := districts[value]; ok {
			return n
		}
		return value
	case "field":
		if value == "" {
			return i18n.T(lang, "ip.none")
		}
		return i18n.T(lang, "tech."+value)
	}
	return i18n.T(lang, "ip."+filter+"."+value)
}

// districtNames maps district slugs to their names in lang.
func (pg *Pages) districtNames(r *http.Request, lang string) (map[string]string, error) {
	ds, err := pg.S.Registry.Districts(r.Context())
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(ds))
	for _, d := range ds {
		if lang == "en" {
			m[d.Slug] = d.NameEn
		} else {
			m[d.Slug] = d.NameZh
		}
	}
	return m, nil
}

// Catalog is GET /ip: the public catalog with search and facets.
func (pg *Pages) Catalog(w http.ResponseWriter, r *http.Request) {
	lang := ui.Lang(r.Context())
	q, err := ParseCatalog(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	res, err := pg.S.Catalog(r.Context(), auth.From(r.Context()), q)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	names, err := pg.districtNames(r, lang)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := catalogData{Q: q.Text, Result: res, DidYouMean: res.DidYouMean, From: q.Offset + 1, To: q.Offset + len(res.Items)}
	d.Snips = map[int64]template.HTML{}
	for _, it := range res.Items {
		snip := it.Snippets["abstract"]
		if snip == "" {
			snip = it.Snippets["parties"]
		}
		if snip != "" {
			d.Snips[it.ID] = template.HTML(snip) // the engine escapes the text and adds only <mark>
		}
	}
	vals := r.URL.Query()
	for _, name := range []string{"type", "kind", "price_band", "district", "field"} {
		g := facetGroup{Name: name, Label: i18n.T(lang, "ip.f."+name)}
		for _, fc := range res.Facets[name] {
			v := cloneValues(vals)
			v.Del("offset")
			sel := false
			for _, x := range vals[name] {
				if x == fc.Value {
					sel = true
				}
			}
			if sel {
				v.Del(name)
			} else {
				v.Set(name, fc.Value)
			}
			g.Links = append(g.Links, facetLink{Label: label(lang, names, name, fc.Value), Href: "/ip?" + v.Encode(), Count: fc.Count, Selected: sel})
		}
		d.Facets = append(d.Facets, g)
	}
	if q.Offset > 0 {
		v := cloneValues(vals)
		v.Set("offset", strconv.Itoa(max(0, q.Offset-q.Limit)))
		d.Prev = "/ip?" + v.Encode()
	}
	if q.Offset+len(res.Items) < res.Total {
		v := cloneValues(vals)
		v.Set("offset", strconv.Itoa(q.Offset+q.Limit))
		d.Next = "/ip?" + v.Encode()
	}
	pg.UI.Render(w, r, http.StatusOK, "ip_catalog", ui.NewPage(r, "ip.catalog", d))
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

type listingData struct {
	L        Listing
	Owner    bool
	Buyers   []auth.Membership
	MyDeals  []Deal
	Inventor []Inventor
}

func (pg *Pages) pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		pg.UI.Error(w, r, apperr.New(apperr.NotFound, "no such page"))
		return 0, false
	}
	return id, true
}

// Listing is GET /ip/listings/{id}.
func (pg *Pages) Listing(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok {
		return
	}
	u := auth.From(r.Context())
	l, err := pg.S.Listing(r.Context(), u, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := listingData{L: l, Owner: member(u, l.OwnerOrgID)}
	if u != nil && !d.Owner {
		for _, m := range u.Memberships {
			if m.OrgID != l.OwnerOrgID {
				d.Buyers = append(d.Buyers, m)
			}
		}
		ds, err := pg.S.MyDeals(r.Context(), u)
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		for _, x := range ds {
			if x.ListingID == id {
				d.MyDeals = append(d.MyDeals, x)
			}
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "ip_listing", ui.NewPage(r, "ip.listing", d))
}

func (pg *Pages) form(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return false
	}
	return true
}

// Express is POST /ip/listings/{id}/interest.
func (pg *Pages) Express(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok || !pg.form(w, r) {
		return
	}
	buyer, _ := strconv.ParseInt(r.PostForm.Get("buyer_org_id"), 10, 64)
	d, err := pg.S.Express(r.Context(), auth.From(r.Context()), id, buyer, r.PostForm.Get("message"))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/ip/deals/"+strconv.FormatInt(d.ID, 10)+"?flash=flash.ip_interest", http.StatusSeeOther)
}

// Renew is POST /ip/listings/{id}/renew.
func (pg *Pages) Renew(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok {
		return
	}
	if _, err := pg.S.Renew(r.Context(), auth.From(r.Context()), id); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/ip/listings/"+strconv.FormatInt(id, 10)+"?flash=flash.ip_renewed", http.StatusSeeOther)
}

// Withdraw is POST /ip/listings/{id}/withdraw.
func (pg *Pages) Withdraw(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok {
		return
	}
	if _, err := pg.S.Withdraw(r.Context(), auth.From(r.Context()), id); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/ip/mine?flash=flash.ip_withdrawn", http.StatusSeeOther)
}

type mineData struct {
	Assets   []Asset
	Listings []Listing
	Deals    []Deal
	Orgs     []auth.Membership
	Owners   []ownerShare
	Kinds    []string
	Listing  []string
	Fields   []string
	// StatusesOf lists the legal statuses an asset of a kind can take.
	StatusesOf map[string][]string
}

type ownerShare struct {
	OrgID int64
	Name  string
	Pct   float64
}

// Mine is GET /ip/mine: the assets, listings and deals of the user's
// organizations, with the forms to record an asset and list one.
func (pg *Pages) Mine(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), auth.From(r.Context())
	if u == nil {
		pg.UI.Error(w, r, apperr.New(apperr.Unauthorized, "sign in"))
		return
	}
	as, err := pg.S.Assets(ctx, u, 0)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	ls, err := pg.S.MyListings(ctx, u)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	ds, err := pg.S.MyDeals(ctx, u)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d := mineData{Assets: as, Listings: ls, Deals: ds, Orgs: u.Memberships, Kinds: AssetKinds, Listing: ListingKinds, Fields: registry.TechFields,
		StatusesOf: map[string][]string{"patent": PatentStatuses, "trademark": {"filed", "registered", "lapsed"}, "copyright": {"registered"}}}
	for _, m := range u.Memberships {
		if (m.OrgKind == "university" || m.OrgKind == "institute") && m.Role == "owner" {
			bp, err := pg.S.OwnerShare(ctx, pg.S.DB.Read, m.OrgID)
			if err != nil {
				pg.UI.Error(w, r, err)
				return
			}
			d.Owners = append(d.Owners, ownerShare{OrgID: m.OrgID, Name: m.OrgName, Pct: bpPct(bp)})
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "ip_mine", ui.NewPage(r, "ip.mine", d))
}

// CreateAsset is POST /ip/assets: the asset form. Inventors come one per
// line as "name, English name, percent".
func (pg *Pages) CreateAsset(w http.ResponseWriter, r *http.Request) {
	if !pg.form(w, r) {
		return
	}
	f := r.PostForm
	in := AssetInput{Kind: f.Get("kind"), Subtype: f.Get("subtype"), Number: f.Get("number"), TitleZh: f.Get("title_zh"), TitleEn: f.Get("title_en"),
		AbstractZh: f.Get("abstract_zh"), AbstractEn: f.Get("abstract_en"), Field: f.Get("field"), Status: f.Get("status"),
		Claims: f.Get("claims"), KnowHow: f.Get("know_how")}
	in.OwnerOrgID, _ = strconv.ParseInt(f.Get("owner_org_id"), 10, 64)
	if s := strings.TrimSpace(f.Get("nice_class")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			pg.UI.Error(w, r, apperr.Field("nice_class", "must be a Nice class from 1 to 45"))
			return
		}
		in.NiceClass = &n
	}
	if s := strings.TrimSpace(f.Get("filed_on")); s != "" {
		in.FiledOn = &s
	}
	for i, line := range strings.Split(strings.TrimSpace(f.Get("inventors")), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(strings.ReplaceAll(line, "，", ","), ",")
		if len(parts) < 2 {
			pg.UI.Error(w, r, apperr.Field("inventors["+strconv.Itoa(i)+"]", "write name, English name, percent"))
			return
		}
		pct, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(parts[len(parts)-1]), "%"), 64)
		if err != nil {
			pg.UI.Error(w, r, apperr.Field("inventors["+strconv.Itoa(i)+"].share_pct", "must be a percentage"))
			return
		}
		inv := struct {
			PersonID *int64  `json:"person_id"`
			NameZh   string  `json:"name_zh"`
			NameEn   string  `json:"name_en"`
			SharePct float64 `json:"share_pct"`
		}{NameZh: parts[0], SharePct: pct}
		if len(parts) > 2 {
			inv.NameEn = parts[1]
		}
		in.Inventors = append(in.Inventors, inv)
	}
	if _, err := pg.S.CreateAsset(r.Context(), auth.From(r.Context()), in); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/ip/mine?flash=flash.ip_asset_created", http.StatusSeeOther)
}

// CreateListing is POST /ip/listings.
func (pg *Pages) CreateListing(w http.ResponseWriter, r *http.Request) {
	if !pg.form(w, r) {
		return
	}
	f := r.PostForm
	in := ListingInput{Kind: f.Get("kind"), SummaryZh: f.Get("summary_zh"), SummaryEn: f.Get("summary_en"), Negotiable: f.Get("negotiable") != ""}
	in.AssetID, _ = strconv.ParseInt(f.Get("asset_id"), 10, 64)
	if s := strings.TrimSpace(f.Get("price_yuan")); s != "" && !in.Negotiable {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			pg.UI.Error(w, r, apperr.Field("price_yuan", "must be a whole number of yuan"))
			return
		}
		in.PriceYuan = &n
	}
	l, err := pg.S.CreateListing(r.Context(), auth.From(r.Context()), in)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/ip/listings/"+strconv.FormatInt(l.ID, 10)+"?flash=flash.ip_listed", http.StatusSeeOther)
}

// SetShare is POST /ip/owners/{id}/inventor-share.
func (pg *Pages) SetShare(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok || !pg.form(w, r) {
		return
	}
	pct, err := strconv.ParseFloat(strings.TrimSpace(r.PostForm.Get("inventor_share_pct")), 64)
	if err != nil {
		pg.UI.Error(w, r, apperr.Field("inventor_share_pct", "must be a number from 0 to 70"))
		return
	}
	if _, err := pg.S.SetOwnerShare(r.Context(), auth.From(r.Context()), id, pct); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/ip/mine?flash=flash.ip_share_set", http.StatusSeeOther)
}

// Deal is GET /ip/deals/{id}: the deal room.
func (pg *Pages) Deal(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok {
		return
	}
	v, err := pg.S.View(r.Context(), auth.From(r.Context()), id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "ip_deal", ui.NewPage(r, "ip.deal", v))
}

// PostMessage is POST /ip/deals/{id}/messages.
func (pg *Pages) PostMessage(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok || !pg.form(w, r) {
		return
	}
	var amount *int64
	if s := strings.TrimSpace(r.PostForm.Get("amount_yuan")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			pg.UI.Error(w, r, apperr.Field("amount_yuan", "must be a whole number of yuan"))
			return
		}
		amount = &n
	}
	if _, err := pg.S.Post(r.Context(), auth.From(r.Context()), id, r.PostForm.Get("body"), amount); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/ip/deals/"+strconv.FormatInt(id, 10)+"?flash=flash.ip_posted", http.StatusSeeOther)
}

// Act is POST /ip/deals/{id}/act: the action named by the form.
func (pg *Pages) Act(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok || !pg.form(w, r) {
		return
	}
	if _, err := pg.S.Act(r.Context(), auth.From(r.Context()), id, r.PostForm.Get("action"), r.PostForm.Get("comment")); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/ip/deals/"+strconv.FormatInt(id, 10)+"?flash=flash.ip_done", http.StatusSeeOther)
}

// Stats is GET /ip/stats.
func (pg *Pages) Stats(w http.ResponseWriter, r *http.Request) {
	st, err := pg.S.Statistics(r.Context())
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	names, err := pg.districtNames(r, ui.Lang(r.Context()))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	for i := range st.ByDistrict {
		st.ByDistrict[i].Key = label(ui.Lang(r.Context()), names, "district", st.ByDistrict[i].Key)
	}
	for i := range st.ByType {
		st.ByType[i].Key = label(ui.Lang(r.Context()), names, "type", st.ByType[i].Key)
	}
	pg.UI.Render(w, r, http.StatusOK, "ip_stats", ui.NewPage(r, "ip.stats", st))
}

// SaveAsset is POST /ip/assets/{id}: the legal status from the page.
func (pg *Pages) SaveAsset(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok || !pg.form(w, r) {
		return
	}
	st := r.PostForm.Get("status")
	in := AssetPatch{Status: &st}
	if v := r.PostForm.Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			pg.UI.Error(w, r, apperr.Field("version", "must be a whole number"))
			return
		}
		in.Version = &n
	}
	if _, err := pg.S.UpdateAsset(r.Context(), auth.From(r.Context()), id, in); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/ip/mine?flash=flash.ip_done", http.StatusSeeOther)
}

// Reprice is POST /ip/listings/{id}/price: a new asking price, or empty
// for negotiable.
func (pg *Pages) Reprice(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.pathID(w, r)
	if !ok || !pg.form(w, r) {
		return
	}
	var yuan *int64
	if s := strings.TrimSpace(r.PostForm.Get("price_yuan")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			pg.UI.Error(w, r, apperr.Field("price_yuan", "must be a whole number of yuan"))
			return
		}
		yuan = &n
	}
	if _, err := pg.S.Reprice(r.Context(), auth.From(r.Context()), id, yuan); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/ip/listings/"+strconv.FormatInt(id, 10)+"?flash=flash.ip_done", http.StatusSeeOther)
}
