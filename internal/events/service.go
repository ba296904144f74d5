package events

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/calendar"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/search"
	"rainforest/internal/kernel/text"
)

// Service is the events module.
type Service struct {
	DB       *db.DB
	Notifier *notify.Notifier
}

// Index is the public list's search index: published and closed events
// (cancelled ones are kept with their status, drafts are not indexed).
var Index = search.Register(&search.Index{
	Name:    "events",
	Fields:  []search.Field{{Name: "title", Weight: 3}, {Name: "description", Weight: 1}, {Name: "place", Weight: 1}},
	Filters: []string{"kind", "district", "status", "month"},
})

func token() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// canOrganise: an organization's members organise for it; officers for
// their district; administrators for anyone.
func canOrganise(p *auth.Principal, org int64, district string) bool {
	return p.IsAdmin() || (p != nil && p.RoleIn(org) != "") || p.OfficerFor(district)
}

func (e *Event) manage(p *auth.Principal) bool { return canOrganise(p, e.OrganiserOrgID, e.District) }

type scanner interface{ Scan(...any) error }

const eventCols = `e.id, e.organiser_org_id, o.name_zh, e.kind, e.title_zh, e.title_en, e.description_zh, e.description_en, e.venue, e.online_url, e.district,
	e.starts_at, e.ends_at, e.capacity, e.reg_opens_at, e.reg_closes_at, e.audience, e.meeting_minutes, e.status, e.cancel_reason, e.seats_taken,
	(SELECT COUNT(*) FROM event_registrations w WHERE w.event_id = e.id AND w.status = 'waitlisted'), e.version, d.name_zh, d.name_en`

const eventFrom = ` FROM events e JOIN orgs o ON o.id = e.organiser_org_id JOIN districts d ON d.slug = e.district`

// dest lists where eventCols scan to.
func (e *Event) dest() []any {
	return []any{&e.ID, &e.OrganiserOrgID, &e.OrganiserName, &e.Kind, &e.TitleZh, &e.TitleEn, &e.DescriptionZh, &e.DescriptionEn, &e.Venue, &e.OnlineURL,
		&e.District, &e.Start, &e.End, &e.Capacity, &e.RegOpens, &e.RegCloses, &e.Audience, &e.MeetingMinutes, &e.Status, &e.CancelReason, &e.SeatsTaken,
		&e.Waitlisted, &e.Version, &e.DistrictZh, &e.DistrictEn}
}

func (e *Event) utc() {
	e.Start, e.End, e.RegOpens, e.RegCloses = e.Start.UTC(), e.End.UTC(), e.RegOpens.UTC(), e.RegCloses.UTC()
}

func scanEvent(r scanner) (Event, error) {
	var e Event
	err := r.Scan(e.dest()...)
	e.utc()
	return e, err
}

// Clock is the start's wall-clock time in Shanghai.
func (e Event) Clock() string { return e.Start.In(Shanghai).Format("15:04") }

// Clock is the slot's start in Shanghai.
func (s Slot) Clock() string { return s.Start.In(Shanghai).Format("15:04") }

// EndClock is the meeting's end in Shanghai.
func (m Meeting) EndClock() string { return m.End.In(Shanghai).Format("15:04") }

func load(ctx context.Context, q calendar.Querier, id int64) (Event, error) {
	e, err := scanEvent(q.QueryRowContext(ctx, `SELECT `+eventCols+eventFrom+` WHERE e.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, apperr.New(apperr.NotFound, "no event %d", id)
	}
	return e, apperr.Wrap(err, "event")
}

// Month is the event's month in Shanghai, YYYY-MM.
func (e *Event) Month() string { return e.Start.In(Shanghai).Format("2006-01") }

func reindex(ctx context.Context, tx *sql.Tx, id int64) error {
	e, err := load(ctx, tx, id)
	if err != nil {
		return err
	}
	if e.Status == "draft" {
		return Index.Delete(ctx, tx, id)
	}
	return Index.Put(ctx, tx, id, map[string]string{
		"title": e.TitleZh + "\n" + e.TitleEn, "description": e.DescriptionZh + "\n" + e.DescriptionEn, "place": e.Venue + "\n" + e.OrganiserName,
	}, map[string]string{"kind": e.Kind, "district": e.District, "status": e.Status, "month": e.Month()})
}

// Save creates (id 0, as a draft) or replaces an event: members of the
// organiser, officers of its district, administrators.
func (s *Service) Save(ctx context.Context, p *auth.Principal, id int64, in Input) (Event, error) {
	if p == nil {
		return Event{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	now := s.DB.Now()
	if id != 0 {
		// A replacement that leaves the registration window out keeps
		// the event's.
		if old, err := load(ctx, s.DB.Read, id); err == nil {
			if in.RegOpens == nil {
				in.RegOpens = &old.RegOpens
			}
			if in.RegCloses == nil {
				in.RegCloses = &old.RegCloses
			}
		}
	}
	if err := in.Normalize(now); err != nil {
		return Event{}, err
	}
	if !canOrganise(p, in.OrganiserOrgID, in.District) {
		return Event{}, apperr.New(apperr.Forbidden, "an organization's members organise its events; officers those of their district")
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE id = $1`, in.OrganiserOrgID).Scan(&n); err != nil {
			return apperr.Wrap(err, "organiser")
		} else if n == 0 {
			return apperr.Field("organiser_org_id", "is not an organization")
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM districts WHERE slug = $1`, in.District).Scan(&n); err != nil {
			return apperr.Wrap(err, "district")
		} else if n == 0 {
			return apperr.Field("district", "is not a district")
		}
		var before any
		if id == 0 {
			if err := tx.QueryRowContext(ctx, `INSERT INTO events (organiser_org_id, kind, title_zh, title_en, description_zh, description_en, venue, online_url,
				district, starts_at, ends_at, capacity, reg_opens_at, reg_closes_at, audience, meeting_minutes, created_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) RETURNING id`,
				in.OrganiserOrgID, in.Kind, in.TitleZh, in.TitleEn, in.DescriptionZh, in.DescriptionEn, in.Venue, in.OnlineURL, in.District, in.Start, in.End,
				in.Capacity, *in.RegOpens, *in.RegCloses, in.Audience, in.MeetingMinutes, p.UserID, now).Scan(&id); err != nil {
				return apperr.Wrap(err, "insert event")
			}
		} else {
			old, err := lock(ctx, tx, id)
			if err != nil {
				return err
			}
			if !old.manage(p) {
				return apperr.New(apperr.Forbidden, "the organiser changes its events")
			}
			if old.Status == "closed" || old.Status == "cancelled" {
				return apperr.New(apperr.Conflict, "the event is %s and can no longer change", old.Status)
			}
			if in.Version != nil && *in.Version != old.Version {
				return apperr.New(apperr.Conflict, "the event changed meanwhile (version %d, not %d)", old.Version, *in.Version)
			}
			if in.Capacity < old.SeatsTaken {
				return apperr.Field("capacity", "below_registered: %d people are registered already", old.SeatsTaken).WithCode(apperr.Conflict)
			}
			if in.Kind != old.Kind && (old.SeatsTaken > 0 || old.Waitlisted > 0) {
				return apperr.Field("kind", "people have registered; the kind cannot change").WithCode(apperr.Conflict)
			}
			before = old
			if _, err := tx.ExecContext(ctx, `UPDATE events SET organiser_org_id = $1, kind = $2, title_zh = $3, title_en = $4, description_zh = $5,
				description_en = $6, venue = $7, online_url = $8, district = $9, starts_at = $10, ends_at = $11, capacity = $12, reg_opens_at = $13,
				reg_closes_at = $14, audience = $15, meeting_minutes = $16, version = version + 1, updated_at = $17 WHERE id = $18`,
				in.OrganiserOrgID, in.Kind, in.TitleZh, in.TitleEn, in.DescriptionZh, in.DescriptionEn, in.Venue, in.OnlineURL, in.District, in.Start, in.End,
				in.Capacity, *in.RegOpens, *in.RegCloses, in.Audience, in.MeetingMinutes, now, id); err != nil {
				return apperr.Wrap(err, "update event")
			}
			// A larger capacity lets the first of the waitlist in.
			if err := s.promote(ctx, tx, id, in.Capacity-old.SeatsTaken); err != nil {
				return err
			}
		}
		return recordChange(ctx, tx, now, id, in.OrganiserOrgID, map[bool]string{true: "create", false: "update"}[before == nil], before)
	})
	if err != nil {
		return Event{}, err
	}
	return s.Get(ctx, p, id)
}

// lock reads an event inside tx after taking its row: on PostgreSQL the
// update holds the row until the transaction ends, so that registrations,
// cancellations and pairing of one event run one at a time; SQLite has
// one writer anyway.
func lock(ctx context.Context, tx *sql.Tx, id int64) (Event, error) {
	res, err := tx.ExecContext(ctx, `UPDATE events SET reg_seq = reg_seq WHERE id = $1`, id)
	if err != nil {
		return Event{}, apperr.Wrap(err, "lock event")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Event{}, apperr.New(apperr.NotFound, "no event %d", id)
	}
	return load(ctx, tx, id)
}

// recordChange indexes a changed event again and records the change, with
// the event as it now is, in the audit log.
func recordChange(ctx context.Context, tx *sql.Tx, now time.Time, id, org int64, action string, before any) error {
	if err := reindex(ctx, tx, id); err != nil {
		return err
	}
	after, err := load(ctx, tx, id)
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, now, audit.Change{OrgID: org, Action: action, Entity: "event", EntityID: strconv.FormatInt(id, 10), Before: before, After: after})
}

// lockManaged locks an event for a step its organisers take: others find
// no draft, and are told why not (forbidden) of an event they can see.
func lockManaged(ctx context.Context, tx *sql.Tx, p *auth.Principal, id int64, forbidden string) (Event, error) {
	e, err := lock(ctx, tx, id)
	if err != nil {
		return e, err
	}
	if !e.manage(p) {
		if e.Status == "draft" {
			return e, apperr.New(apperr.NotFound, "no event %d", id)
		}
		return e, apperr.New(apperr.Forbidden, "%s", forbidden)
	}
	return e, nil
}

// Get returns an event (drafts to their organisers only), with the
// caller's registration.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (Event, error) {
	e, err := load(ctx, s.DB.Read, id)
	if err != nil {
		return e, err
	}
	e.Manage = e.manage(p)
	if e.Status == "draft" && !e.Manage {
		return Event{}, apperr.New(apperr.NotFound, "no event %d", id)
	}
	if p != nil {
		rs, err := s.registrations(ctx, s.DB.Read, ` WHERE r.event_id = $1 AND r.user_id = $2 AND r.status <> 'cancelled'`, id, p.UserID)
		if err != nil {
			return e, err
		}
		if len(rs) > 0 {
			e.Mine = &rs[0]
		}
	}
	return e, nil
}

// transitions of an event's status by action.
var transitions = map[string]struct {
	from []string
	to   string
}{
	"publish": {[]string{"draft"}, "published"},
	"close":   {[]string{"published"}, "closed"},
	"cancel":  {[]string{"draft", "published"}, "cancelled"},
}

// SetStatus publishes, closes or cancels an event: the organiser.
// Cancelling needs a reason, tells every registrant (waitlist included)
// and frees the matchmaking meetings' slots.
func (s *Service) SetStatus(ctx context.Context, p *auth.Principal, id int64, in StatusInput) (Event, error) {
	if p == nil {
		return Event{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	t, ok := transitions[in.Action]
	if !ok {
		return Event{}, apperr.Field("action", "must be publish, close or cancel")
	}
	in.Reason = strings.TrimSpace(in.Reason)
	var fs text.Errors
	if in.Action == "cancel" && in.Reason == "" {
		fs.Add("reason", "is required to cancel: the registrants are told")
	}
	if len([]rune(in.Reason)) > 1000 {
		fs.Add("reason", "must be at most 1000 characters of text")
	}
	if err := apperr.Fields(fs); err != nil {
		return Event{}, err
	}
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		old, err := lockManaged(ctx, tx, p, id, "the organiser publishes, closes or cancels its events")
		if err != nil {
			return err
		}
		if !slices.Contains(t.from, old.Status) {
			return apperr.New(apperr.Conflict, "the event is %s; it cannot %s", old.Status, in.Action)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET status = $1, cancel_reason = $2, version = version + 1, updated_at = $3 WHERE id = $4`,
			t.to, in.Reason, now, id); err != nil {
			return apperr.Wrap(err, "event status")
		}
		if t.to == "cancelled" {
			if err := s.clearMeetings(ctx, tx, id, 0); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, `SELECT user_id FROM event_registrations WHERE event_id = $1 AND status <> 'cancelled' ORDER BY seq`, id)
			users, err := db.Collect(rows, err, "registrants", func(r interface{ Scan(...any) error }) (int64, error) {
				var u int64
				return u, r.Scan(&u)
			})
			if err != nil {
				return err
			}
			for _, u := range users {
				if _, err := s.Notifier.ToUser(ctx, tx, u, notify.Message{Kind: "event.cancelled", Key: "event.cancelled." + strconv.FormatInt(id, 10),
					Title: notify.T("events.notice.cancelled", old.TitleZh), Body: notify.T("events.notice.cancelled_body", in.Reason),
					Link: "/events/" + strconv.FormatInt(id, 10)}); err != nil {
					return err
				}
			}
		}
		return recordChange(ctx, tx, now, id, old.OrganiserOrgID, in.Action, old)
	})
	if err != nil {
		return Event{}, err
	}
	return s.Get(ctx, p, id)
}

// ListQuery is a search of the public list.
type ListQuery struct {
	Text     string
	Kind     []string
	District []string
	// Month (YYYY-MM) keeps the events starting in that month in
	// Shanghai; When is upcoming (the default: not yet ended), past or
	// all, when no month is given.
	Month  string
	When   string
	Limit  int
	Offset int
}

// Page is a page of the list.
type Page struct {
	Items      []Event                        `json:"items"`
	Total      int                            `json:"total"`
	Facets     map[string][]search.FacetCount `json:"facets,omitempty"`
	DidYouMean string                         `json:"did_you_mean,omitempty"`
}

// MonthRange is the month's first instant and the next month's in
// Shanghai.
func MonthRange(month string) (time.Time, time.Time, error) {
	t, err := time.ParseInLocation("2006-01", month, Shanghai)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return t, t, apperr.Field("month", "must be a month, YYYY-MM")
	}
	return t, t.AddDate(0, 1, 0), nil
}

// List searches the published and closed events: words in Chinese or
// English through the search engine (ranked), otherwise by start.
func (s *Service) List(ctx context.Context, q ListQuery) (Page, error) {
	var fs text.Errors
	for _, k := range q.Kind {
		if !slices.Contains(Kinds, k) {
			fs.Add("kind", "must be one of "+strings.Join(Kinds, ", "))
			break
		}
	}
	if q.When == "" {
		q.When = "upcoming"
	}
	if !slices.Contains([]string{"upcoming", "past", "all"}, q.When) {
		fs.Add("when", "must be upcoming, past or all")
	}
	var from, to time.Time
	if q.Month != "" {
		var err error
		if from, to, err = MonthRange(q.Month); err != nil {
			return Page{}, err
		}
	}
	if err := apperr.Fields(fs); err != nil {
		return Page{}, err
	}
	if q.Limit == 0 {
		q.Limit = 20
	}
	out := Page{Items: []Event{}}
	if strings.TrimSpace(q.Text) != "" {
		filters := map[string][]string{"status": {"published", "closed"}}
		for k, v := range map[string][]string{"kind": q.Kind, "district": q.District} {
			if len(v) > 0 {
				filters[k] = v
			}
		}
		if q.Month != "" {
			filters["month"] = []string{q.Month}
		}
		res, err := Index.Search(ctx, s.DB.Read, search.Query{Text: q.Text, Filters: filters, Facets: []string{"kind", "district"}, Limit: q.Limit, Offset: q.Offset})
		if err != nil {
			return out, err
		}
		out.Total, out.Facets, out.DidYouMean = res.Total, res.Facets, res.DidYouMean
		for _, h := range res.Hits {
			e, err := load(ctx, s.DB.Read, h.ID)
			if err != nil {
				return out, err
			}
			e.Snippets = h.Snippets
			out.Items = append(out.Items, e)
		}
		return out, nil
	}
	var args db.Args
	where := ` WHERE e.status IN ('published', 'closed')`
	if len(q.Kind) > 0 {
		where += ` AND e.kind IN (` + db.List(&args, q.Kind) + `)`
	}
	if len(q.District) > 0 {
		where += ` AND e.district IN (` + db.List(&args, q.District) + `)`
	}
	order := ` ORDER BY e.starts_at, e.id`
	switch {
	case q.Month != "":
		where += ` AND e.starts_at >= ` + args.Add(from.UTC()) + ` AND e.starts_at < ` + args.Add(to.UTC())
	case q.When == "upcoming":
		where += ` AND e.ends_at > ` + args.Add(s.DB.Now())
	case q.When == "past":
		where += ` AND e.ends_at <= ` + args.Add(s.DB.Now())
		order = ` ORDER BY e.starts_at DESC, e.id DESC`
	}
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM events e`+where, args...).Scan(&out.Total); err != nil {
		return out, apperr.Wrap(err, "events")
	}
	lim, off := args.Add(q.Limit), args.Add(q.Offset)
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+eventCols+eventFrom+where+order+` LIMIT `+lim+` OFFSET `+off, args...)
	out.Items, err = db.Collect(rows, err, "events", func(r interface{ Scan(...any) error }) (Event, error) { return scanEvent(r) })
	return out, err
}

// Organised lists the events the caller may manage: those of the
// caller's organizations and, for officers, of their districts; every
// status, the latest first.
func (s *Service) Organised(ctx context.Context, p *auth.Principal) ([]Event, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	var args db.Args
	where := ` WHERE e.organiser_org_id IN (` + db.List(&args, p.OrgIDs()) + `)`
	if ds := p.OfficerDistricts(); len(ds) > 0 {
		where += ` OR e.district IN (` + db.List(&args, ds) + `)`
	}
	if p.IsAdmin() {
		where = ``
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+eventCols+eventFrom+where+` ORDER BY e.starts_at DESC, e.id DESC LIMIT 200`, args...)
	es, err := db.Collect(rows, err, "organised events", func(r interface{ Scan(...any) error }) (Event, error) { return scanEvent(r) })
	for i := range es {
		es[i].Manage = true
	}
	return es, err
}
