package ip

import (
	"context"
	"net/http"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
)

// API serves the marketplace's JSON endpoints; routes are listed in app.
type API struct {
	S *Service
}

func (a *API) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, status, v)
}

func (a *API) withID(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, p *auth.Principal, id int64) (any, error)) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	v, err := fn(r.Context(), auth.From(r.Context()), id)
	a.reply(w, r, http.StatusOK, v, err)
}

// ListAssets is GET /api/v1/ip/assets: the assets of the caller's
// organizations, or of one (?org_id=).
func (a *API) ListAssets(w http.ResponseWriter, r *http.Request) {
	var org int64
	if v := r.URL.Query().Get("org_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			httpx.Error(w, r, apperr.Field("org_id", "must be an organization id"))
			return
		}
		org = id
	}
	as, err := a.S.Assets(r.Context(), auth.From(r.Context()), org)
	if as != nil {
		for i := range as {
			as[i].Confidential = nil
		}
	}
	a.reply(w, r, http.StatusOK, map[string]any{"items": as}, err)
}

// CreateAsset is POST /api/v1/ip/assets.
func (a *API) CreateAsset(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var in AssetInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	as, err := a.S.CreateAsset(r.Context(), p, in)
	a.reply(w, r, http.StatusCreated, as, err)
}

// GetAsset is GET /api/v1/ip/assets/{id}: public, with the confidential
// details for those who may read them.
func (a *API) GetAsset(w http.ResponseWriter, r *http.Request) {
	a.withID(w, r, func(ctx context.Context, p *auth.Principal, id int64) (any, error) { return a.S.Asset(ctx, p, id) })
}

// SetOwnerShare is PUT /api/v1/ip/owners/{id}/inventor-share.
func (a *API) SetOwnerShare(w http.ResponseWriter, r *http.Request) {
	var in struct {
		InventorSharePct *float64 `json:"inventor_share_pct"`
	}
	id, err := httpx.PathID(r, "id")
	if err == nil {
		_, err = httpx.User(r)
	}
	if err == nil {
		err = httpx.Decode(w, r, &in)
	}
	if err == nil && in.InventorSharePct == nil {
		err = apperr.Field("inventor_share_pct", "is required")
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	pct, err := a.S.SetOwnerShare(r.Context(), auth.From(r.Context()), id, *in.InventorSharePct)
	a.reply(w, r, http.StatusOK, map[string]any{"org_id": id, "inventor_share_pct": pct}, err)
}

// GetOwnerShare is GET /api/v1/ip/owners/{id}/inventor-share: public.
func (a *API) GetOwnerShare(w http.ResponseWriter, r *http.Request) {
	a.withID(w, r, func(ctx context.Context, p *auth.Principal, id int64) (any, error) {
		bp, err := a.S.OwnerShare(ctx, a.S.DB.Read, id)
		return map[string]any{"org_id": id, "inventor_share_pct": bpPct(bp)}, err
	})
}

// ParseCatalog reads the catalog's query parameters.
func ParseCatalog(r *http.Request) (CatalogQuery, error) {
	v := r.URL.Query()
	q := CatalogQuery{Text: v.Get("q"), Type: v["type"], Subtype: v["subtype"], Kind: v["kind"], District: v["district"],
		Field: v["field"], PriceBand: v["price_band"], Limit: 20}
	for _, f := range []struct {
		name string
		dst  *int
		max  int
	}{{"limit", &q.Limit, 100}, {"offset", &q.Offset, 10000}} {
		if s := v.Get(f.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > f.max || (f.name == "limit" && n == 0) {
				return q, apperr.Field(f.name, "must be a whole number up to %d", f.max)
			}
			*f.dst = n
		}
	}
	return q, nil
}

// Catalog is GET /api/v1/ip/listings: search the active listings (q,
// type, subtype, kind, district, field, price_band, limit, offset).
func (a *API) Catalog(w http.ResponseWriter, r *http.Request) {
	q, err := ParseCatalog(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	res, err := a.S.Catalog(r.Context(), auth.From(r.Context()), q)
	a.reply(w, r, http.StatusOK, res, err)
}

// MyListings is GET /api/v1/ip/my/listings.
func (a *API) MyListings(w http.ResponseWriter, r *http.Request) {
	ls, err := a.S.MyListings(r.Context(), auth.From(r.Context()))
	a.reply(w, r, http.StatusOK, map[string]any{"items": ls}, err)
}

// CreateListing is POST /api/v1/ip/listings.
func (a *API) CreateListing(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var in ListingInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	l, err := a.S.CreateListing(r.Context(), p, in)
	a.reply(w, r, http.StatusCreated, l, err)
}

// GetListing is GET /api/v1/ip/listings/{id}.
func (a *API) GetListing(w http.ResponseWriter, r *http.Request) {
	a.withID(w, r, func(ctx context.Context, p *auth.Principal, id int64) (any, error) { return a.S.Listing(ctx, p, id) })
}

// PatchListing is PATCH /api/v1/ip/listings/{id}: the asking price
// ({"price_yuan": n} or {"price_yuan": null} for negotiable).
func (a *API) PatchListing(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PriceYuan *int64 `json:"price_yuan"`
	}
	m, err := httpx.DecodeObject(w, r)
	if err == nil {
		if _, ok := m["price_yuan"]; !ok || len(m) != 1 {
			err = apperr.Field("price_yuan", "is the one member a listing's patch takes")
		}
	}
	if err == nil {
		if raw := m["price_yuan"]; string(raw) != "null" {
			var v int64
			if e := jsonInt(raw, &v); e != nil {
				err = apperr.Field("price_yuan", "must be a whole number of yuan or null")
			} else {
				in.PriceYuan = &v
			}
		}
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	a.withID(w, r, func(ctx context.Context, p *auth.Principal, id int64) (any, error) {
		return a.S.Reprice(ctx, p, id, in.PriceYuan)
	})
}

// RenewListing is POST /api/v1/ip/listings/{id}/renew.
func (a *API) RenewListing(w http.ResponseWriter, r *http.Request) {
	a.withID(w, r, func(ctx context.Context, p *auth.Principal, id int64) (any, error) { return a.S.Renew(ctx, p, id) })
}

// WithdrawListing is POST /api/v1/ip/listings/{id}/withdraw.
func (a *API) WithdrawListing(w http.ResponseWriter, r *http.Request) {
	a.withID(w, r, func(ctx context.Context, p *auth.Principal, id int64) (any, error) { return a.S.Withdraw(ctx, p, id) })
}

// GetConfidential is GET /api/v1/ip/listings/{id}/confidential.
func (a *API) GetConfidential(w http.ResponseWriter, r *http.Request) {
	a.withID(w, r, func(ctx context.Context, p *auth.Principal, id int64) (any, error) {
		return a.S.Confidential(ctx, p, id)
	})
}

// Express is POST /api/v1/ip/listings/{id}/interest: {"buyer_org_id",
// "message"}.
func (a *API) Express(w http.ResponseWriter, r *http.Request) {
	var in struct {
		BuyerOrgID int64  `json:"buyer_org_id"`
		Message    string `json:"message"`
	}
	id, err := httpx.PathID(r, "id")
	if err == nil {
		_, err = httpx.User(r)
	}
	if err == nil {
		err = httpx.Decode(w, r, &in)
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	d, err := a.S.Express(r.Context(), auth.From(r.Context()), id, in.BuyerOrgID, in.Message)
	a.reply(w, r, http.StatusCreated, d, err)
}

// MyDeals is GET /api/v1/ip/deals.
func (a *API) MyDeals(w http.ResponseWriter, r *http.Request) {
	ds, err := a.S.MyDeals(r.Context(), auth.From(r.Context()))
	a.reply(w, r, http.StatusOK, map[string]any{"items": ds}, err)
}

// GetDeal is GET /api/v1/ip/deals/{id}: the deal room with the actions
// the caller may take and the history.
func (a *API) GetDeal(w http.ResponseWriter, r *http.Request) {
	a.withID(w, r, func(ctx context.Context, p *auth.Principal, id int64) (any, error) { return a.S.View(ctx, p, id) })
}

// PostMessage is POST /api/v1/ip/deals/{id}/messages: {"body",
// "amount_yuan"} — an offer or counter-offer when amount_yuan is set.
func (a *API) PostMessage(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body       string `json:"body"`
		AmountYuan *int64 `json:"amount_yuan"`
	}
	id, err := httpx.PathID(r, "id")
	if err == nil {
		_, err = httpx.User(r)
	}
	if err == nil {
		err = httpx.Decode(w, r, &in)
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	d, err := a.S.Post(r.Context(), auth.From(r.Context()), id, in.Body, in.AmountYuan)
	a.reply(w, r, http.StatusCreated, d, err)
}

// DealAction is POST /api/v1/ip/deals/{id}/{action} for admit, accept,
// close, decline and withdraw: {"comment"}.
func (a *API) DealAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Comment string `json:"comment"`
		}
		id, err := httpx.PathID(r, "id")
		if err == nil {
			_, err = httpx.User(r)
		}
		if err == nil && r.ContentLength != 0 {
			err = httpx.Decode(w, r, &in)
		}
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		d, err := a.S.Act(r.Context(), auth.From(r.Context()), id, action, in.Comment)
		a.reply(w, r, http.StatusOK, d, err)
	}
}

// Statistics is GET /api/v1/ip/stats: public figures.
func (a *API) Statistics(w http.ResponseWriter, r *http.Request) {
	st, err := a.S.Statistics(r.Context())
	a.reply(w, r, http.StatusOK, st, err)
}

// PatchAsset is PATCH /api/v1/ip/assets/{id}: status, titles, abstracts,
// field and the confidential details, for the asset's owners.
func (a *API) PatchAsset(w http.ResponseWriter, r *http.Request) {
	var in AssetPatch
	id, err := httpx.PathID(r, "id")
	if err == nil {
		_, err = httpx.User(r)
	}
	if err == nil {
		err = httpx.Decode(w, r, &in)
	}
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	as, err := a.S.UpdateAsset(r.Context(), auth.From(r.Context()), id, in)
	a.reply(w, r, http.StatusOK, as, err)
}
