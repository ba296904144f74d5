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
	items, err := s.page(ctx, prog.ID, lang, spec, f)
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

// page decodes a program's stored blocks from the cursor on, keeps the
// pairs the filter asks for and names their enterprises, until it has one
// item more than the limit (or no block is left).
func (s *Service) page(ctx context.Context, programID int64, lang string, spec *rules.Spec, f Filter) ([]Item, error) {
	items := []Item{}
	from := blockOf(f.After)
	var buf []row
	for len(items) <= f.Limit {
		// A few blocks at a time, in order.
		rows, err := s.DB.Read.QueryContext(ctx, `SELECT block, data FROM match_blocks WHERE program_id = $1 AND block >= $2 ORDER BY block LIMIT 8`, programID, from)
		if err != nil {
			return nil, apperr.Wrap(err, "matches")
		}
		var cands []row
		n := 0
		for rows.Next() {
			var block int64
			var data []byte
			if err := rows.Scan(&block, &data); err != nil {
				rows.Close()
				return nil, apperr.Wrap(err, "matches")
			}
			n++
			from = block + 1
			if buf, err = decodeBlock(buf[:0], block, data); err != nil {
				rows.Close()
				return nil, apperr.Wrap(err, "matches")
			}
			for _, r := range buf {
				if r.org <= f.After || (f.Status != "" && r.status() != f.Status) {
					continue
				}
				cands = append(cands, r)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, apperr.Wrap(err, "matches")
		}
		for len(cands) > 0 && len(items) <= f.Limit {
			k := min(len(cands), 500)
			got, err := s.named(ctx, cands[:k], lang, spec, f.District)
			if err != nil {
				return nil, err
			}
			items = append(items, got...)
			cands = cands[k:]
		}
		if n < 8 {
			break
		}
	}
	return items, nil
}

// named turns decoded pairs into items with their enterprises' names,
// leaving out organizations gone from the registry or outside district.
func (s *Service) named(ctx context.Context, rs []row, lang string, spec *rules.Spec, district string) ([]Item, error) {
	ids := make([]int64, len(rs))
	for i := range rs {
		ids[i] = rs[i].org
	}
	var a db.Args
	q := `SELECT id, name_zh, name_en, registered_district FROM orgs WHERE id IN (` + db.List(&a, ids) + `)`
	if district != "" {
		q += ` AND registered_district = ` + a.Add(district)
	}
	type named struct {
		zh, en string
		dist   *string
	}
	rows, err := s.DB.Read.QueryContext(ctx, q, a...)
	if err != nil {
		return nil, apperr.Wrap(err, "matches")
	}
	names := make(map[int64]named, len(rs))
	for rows.Next() {
		var id int64
		var n named
		if err := rows.Scan(&id, &n.zh, &n.en, &n.dist); err != nil {
			rows.Close()
			return nil, apperr.Wrap(err, "matches")
		}
		names[id] = n
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, apperr.Wrap(err, "matches")
	}
	var out []Item
	for _, r := range rs {
		n, ok := names[r.org]
		if !ok {
			continue
		}
		it := Item{OrgID: r.org, Name: n.zh, District: n.dist, Status: r.status(), Met: r.met, NotMet: r.notMet, Unknown: r.unknown}
		if lang == "en" && n.en != "" {
			it.Name = n.en
		}
		if r.amount >= 0 {
			v := r.amount
			it.AmountYuan = &v
		}
		it.Missing = rules.FieldNames(r.fields)
		if it.Missing == nil {
			it.Missing = []string{}
		}
		it.Criteria = make([]CriterionStatus, len(r.outcomes))
		for i := range r.outcomes {
			c := CriterionStatus{ID: strconv.Itoa(i + 1), Status: statusWords[r.outcomes[i]]}
			if spec != nil && i < len(spec.Criteria) {
				c.ID, c.Label = spec.Criteria[i].ID, spec.Criteria[i].Label.In(lang)
			}
			it.Criteria[i] = c
		}
		out = append(out, it)
	}
	return out, nil
}
