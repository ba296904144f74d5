package match

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/programs"
)

// Filter narrows a program's stored matches.
type Filter struct {
	Status   string // "eligible", "unknown" or "" for both
	District string // registered district
	After    int64  // org id cursor
	Limit    int
}

// Counts are a program's figures from its last match.
type Counts struct {
	Matched      bool       `json:"matched"`
	RulesVersion int        `json:"rules_version,omitempty"`
	AsOf         string     `json:"as_of,omitempty"`
	Enterprises  int64      `json:"enterprises"`
	Eligible     int64      `json:"eligible"`
	Unknown      int64      `json:"unknown"`
	Ineligible   int64      `json:"ineligible"`
	ComputedAt   *time.Time `json:"computed_at"`
}

// CriterionStatus is one criterion's stored outcome.
type CriterionStatus struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Status string `json:"status"`
}

// Item is one stored pair.
type Item struct {
	OrgID      int64             `json:"org_id"`
	Name       string            `json:"name"`
	District   *string           `json:"registered_district"`
	Status     string            `json:"status"`
	AmountYuan *int64            `json:"amount_yuan"`
	Met        int               `json:"met"`
	NotMet     int               `json:"not_met"`
	Unknown    int               `json:"unknown"`
	Criteria   []CriterionStatus `json:"criteria"`
	Missing    []string          `json:"missing_fields"`
}

// List is a program's matches.
type List struct {
	Program    string  `json:"program"`
	Counts     Counts  `json:"counts"`
	Items      []Item  `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

var statusWords = map[byte]string{'m': string(rules.Met), 'n': string(rules.NotMet), 'u': string(rules.Unknown)}

// Matches lists a program's stored eligible and unknown enterprises for
// the officers of its agency and administrators.
func (s *Service) Matches(ctx context.Context, p *auth.Principal, ref, lang string, f Filter) (List, error) {
	if p == nil {
		return List{}, apperr.New(apperr.Unauthorized, "sign in to see a program's matches")
	}
	prog, err := s.Programs.Get(ctx, p, ref)
	if err != nil {
		return List{}, err
	}
	if !programs.CanEdit(p, &prog) {
		return List{}, apperr.New(apperr.Forbidden, "only officers of the owning agency and administrators see a program's matches")
	}
	var fs []apperr.FieldError
	if f.Status != "" && f.Status != "eligible" && f.Status != "unknown" {
		fs = append(fs, apperr.FieldError{Field: "status", Message: "must be eligible or unknown"})
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 500 {
		fs = append(fs, apperr.FieldError{Field: "limit", Message: "must be between 1 and 500"})
	}
	if len(f.District) > 64 {
		fs = append(fs, apperr.FieldError{Field: "district", Message: "is too long"})
	}
	if err := apperr.Fields(fs); err != nil {
		return List{}, err
	}
	out := List{Program: prog.Slug, Items: []Item{}}
	var computed db.Time
	var asOf db.Date
	err = s.DB.Read.QueryRowContext(ctx, `SELECT rules_version, as_of, enterprises, eligible, unknown, ineligible, computed_at FROM match_programs WHERE program_id = $1`, prog.ID).
		Scan(&out.Counts.RulesVersion, &asOf, &out.Counts.Enterprises, &out.Counts.Eligible, &out.Counts.Unknown, &out.Counts.Ineligible, &computed)
	if err == nil {
		out.Counts.Matched = true
		out.Counts.AsOf = asOf.String
		out.Counts.ComputedAt = computed.Ptr()
	} else if !isNoRows(err) {
		return List{}, apperr.Wrap(err, "match counts")
	}
	var spec *rules.Spec
	if rs, err := s.Programs.RuleSet(&prog); err == nil {
		spec = rs.Spec()
	}
	var a db.Args
	q := `SELECT m.org_id, o.name_zh, o.name_en, o.registered_district, m.status, m.amount_yuan, m.met, m.not_met, m.unknown, m.outcomes, m.unknown_fields
		FROM match_results m JOIN orgs o ON o.id = m.org_id WHERE m.program_id = ` + a.Add(prog.ID) + ` AND m.org_id > ` + a.Add(f.After)
	if f.Status != "" {
		q += ` AND m.status = ` + a.Add(f.Status)
	}
	if f.District != "" {
		q += ` AND o.registered_district = ` + a.Add(f.District)
	}
	q += ` ORDER BY m.org_id LIMIT ` + a.Add(f.Limit+1)
	rows, err := s.DB.Read.QueryContext(ctx, q, a...)
	items, err := db.Collect(rows, err, "matches", func(sc interface{ Scan(...any) error }) (Item, error) {
		var it Item
		var zh, en, outcomes string
		var fields int64
		err := sc.Scan(&it.OrgID, &zh, &en, &it.District, &it.Status, &it.AmountYuan, &it.Met, &it.NotMet, &it.Unknown, &outcomes, &fields)
		it.Name = zh
		if lang == "en" && en != "" {
			it.Name = en
		}
		it.Missing = rules.FieldNames(uint64(fields))
		if it.Missing == nil {
			it.Missing = []string{}
		}
		it.Criteria = make([]CriterionStatus, len(outcomes))
		for i := range outcomes {
			c := CriterionStatus{ID: strconv.Itoa(i + 1), Status: statusWords[outcomes[i]]}
			if spec != nil && i < len(spec.Criteria) {
				c.ID, c.Label = spec.Criteria[i].ID, spec.Criteria[i].Label.In(lang)
			}
			it.Criteria[i] = c
		}
		return it, err
	})
	if err != nil {
		return List{}, err
	}
	if len(items) > f.Limit {
		items = items[:f.Limit]
		c := strconv.FormatInt(items[len(items)-1].OrgID, 10)
		out.NextCursor = &c
	}
	out.Items = items
	return out, nil
}

// API serves matching over HTTP.
type API struct {
	S *Service
}

// FilterOf reads the query of a matches request.
func FilterOf(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Status: q.Get("status"), District: q.Get("district")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return f, apperr.Field("limit", "must be a whole number")
		}
		f.Limit = n
	}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return f, apperr.Field("cursor", "must be a cursor from an earlier page")
		}
		f.After = n
	}
	return f, nil
}

// ProgramMatches is GET /api/v1/programs/{ref}/matches?status=&district=&limit=&cursor=:
// the counts of the program's last match and its eligible and unknown
// enterprises, by organization id.
func (a *API) ProgramMatches(w http.ResponseWriter, r *http.Request) {
	p, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	f, err := FilterOf(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	l, err := a.S.Matches(r.Context(), p, r.PathValue("ref"), i18n.Pick(r, p.Locale), f)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, l)
}
