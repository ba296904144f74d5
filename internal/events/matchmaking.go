package events

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/calendar"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
)

// Pair is a possible meeting of an investor and a startup (registration
// ids) with how much they asked for it.
type Pair struct {
	Investor, Startup int64
	// Preference is mutual, investor (only the investor asked), startup,
	// or none.
	Preference string
	// Rank is the sum of the ranks given (lower first).
	Rank int
}

var prefOrder = map[string]int{"mutual": 0, "investor": 1, "startup": 1, "none": 2}

// Schedule places pairs into slots 0..slots-1 so that no investor and no
// startup has two meetings in one slot and no pair meets twice. Pairs go
// in order of preference (mutual first, then one-sided, then the rest,
// lower ranks first): a pair is placed whenever both still have a free
// slot, moving earlier meetings to other slots along an alternating path
// when their free slots differ (bipartite edge colouring, so that a pair
// is left out only when one of them is already in every slot). It returns
// the slot of each pair, -1 for those left out.
func Schedule(pairs []Pair, slots int) []int {
	order := make([]int, len(pairs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		x, y := pairs[a], pairs[b]
		return cmp.Or(cmp.Compare(prefOrder[x.Preference], prefOrder[y.Preference]), cmp.Compare(x.Rank, y.Rank),
			cmp.Compare(x.Investor, y.Investor), cmp.Compare(x.Startup, y.Startup))
	})
	// Nodes: investors then startups; at[node][slot] is the pair there.
	node := map[[2]int64]int{}
	id := func(side, reg int64) int {
		k := [2]int64{side, reg}
		if n, ok := node[k]; ok {
			return n
		}
		node[k] = len(node)
		return node[k]
	}
	ends := make([][2]int, len(pairs))
	for i, p := range pairs {
		ends[i] = [2]int{id(0, p.Investor), id(1, p.Startup)}
	}
	at := make([][]int, len(node))
	deg := make([]int, len(node))
	for n := range at {
		at[n] = slices.Repeat([]int{-1}, max(slots, 0))
	}
	out := slices.Repeat([]int{-1}, len(pairs))
	seen := map[[2]int64]bool{}
	free := func(n int) int {
		for c, e := range at[n] {
			if e < 0 {
				return c
			}
		}
		return -1
	}
	for _, i := range order {
		k := [2]int64{pairs[i].Investor, pairs[i].Startup}
		u, v := ends[i][0], ends[i][1]
		if seen[k] || slots <= 0 || deg[u] >= slots || deg[v] >= slots {
			continue
		}
		seen[k] = true
		a, b := free(u), free(v)
		if at[v][a] >= 0 {
			// Walk the path from v whose edges alternate a, b and swap
			// the two along it; in a bipartite graph it cannot reach u,
			// so a becomes free at v and stays free at u.
			var path []int
			x, c := v, a
			for at[x][c] >= 0 {
				e := at[x][c]
				path = append(path, e)
				x = ends[e][0] + ends[e][1] - x
				if c == a {
					c = b
				} else {
					c = a
				}
			}
			for _, e := range path {
				at[ends[e][0]][out[e]], at[ends[e][1]][out[e]] = -1, -1
			}
			for _, e := range path {
				if out[e] == a {
					out[e] = b
				} else {
					out[e] = a
				}
			}
			for _, e := range path {
				at[ends[e][0]][out[e]], at[ends[e][1]][out[e]] = e, e
			}
		}
		out[i] = a
		at[u][a], at[v][a] = i, i
		deg[u]++
		deg[v]++
	}
	return out
}

// Participant is a registered investor or startup of a matchmaking event.
type Participant struct {
	RegistrationID int64   `json:"registration_id"`
	UserID         int64   `json:"user_id"`
	Name           string  `json:"name"`
	OrgName        string  `json:"org_name"`
	Side           string  `json:"side"`
	Wants          []int64 `json:"wants"`
}

// Meeting is a meeting in a slot.
type Meeting struct {
	ID          int64     `json:"id"`
	Slot        int       `json:"slot"`
	Table       int       `json:"table"`
	InvestorID  int64     `json:"investor_registration_id"`
	StartupID   int64     `json:"startup_registration_id"`
	Investor    string    `json:"investor"`
	Startup     string    `json:"startup"`
	Preference  string    `json:"preference"`
	Start       time.Time `json:"starts_at"`
	End         time.Time `json:"ends_at"`
	InvestorBkg int64     `json:"investor_booking_id"`
	StartupBkg  int64     `json:"startup_booking_id"`
}

// Slot is a meeting slot.
type Slot struct {
	Index int       `json:"index"`
	Start time.Time `json:"starts_at"`
	End   time.Time `json:"ends_at"`
}

// Grid is the organiser's view of a matchmaking event.
type Grid struct {
	EventID        int64         `json:"event_id"`
	MeetingMinutes int           `json:"meeting_minutes"`
	Slots          []Slot        `json:"slots"`
	Investors      []Participant `json:"investors"`
	Startups       []Participant `json:"startups"`
	Meetings       []Meeting     `json:"meetings"`
	// Mutual counts the mutual wishes and MutualMet those with a meeting.
	Mutual    int `json:"mutual"`
	MutualMet int `json:"mutual_met"`
}

// MaxSlots bounds the slots of one event.
const MaxSlots = 200

func slotsOf(e Event, minutes int) []Slot {
	var out []Slot
	d := time.Duration(minutes) * time.Minute
	for s := e.Start; !s.Add(d).After(e.End) && len(out) < MaxSlots; s = s.Add(d) {
		out = append(out, Slot{Index: len(out), Start: s, End: s.Add(d)})
	}
	return out
}

func (s *Service) participants(ctx context.Context, q calendar.Querier, eventID int64) ([]Participant, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.user_id, u.name, COALESCE(o.name_zh, ''), r.side FROM event_registrations r JOIN users u ON u.id = r.user_id
		LEFT JOIN orgs o ON o.id = r.org_id WHERE r.event_id = $1 AND r.status = 'registered' AND r.side <> '' ORDER BY r.seq`, eventID)
	ps, err := db.Collect(rows, err, "participants", func(r interface{ Scan(...any) error }) (Participant, error) {
		var p Participant
		return p, r.Scan(&p.RegistrationID, &p.UserID, &p.Name, &p.OrgName, &p.Side)
	})
	if err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT p.registration_id, p.target_id FROM event_preferences p JOIN event_registrations r ON r.id = p.registration_id
		WHERE r.event_id = $1 ORDER BY p.registration_id, p.rank`, eventID)
	prefs, err := db.Collect(rows, err, "preferences", func(r interface{ Scan(...any) error }) ([2]int64, error) {
		var v [2]int64
		return v, r.Scan(&v[0], &v[1])
	})
	if err != nil {
		return nil, err
	}
	for i := range ps {
		ps[i].Wants = []int64{}
		for _, pr := range prefs {
			if pr[0] == ps[i].RegistrationID {
				ps[i].Wants = append(ps[i].Wants, pr[1])
			}
		}
	}
	return ps, nil
}

// PreferencesInput lists the other side's registrations the caller wants
// to meet, first the most wanted.
type PreferencesInput struct {
	Targets []int64 `json:"targets"`
}

// SetPreferences replaces the caller's wishes at a matchmaking event
// (registered investors and startups, before the event starts).
func (s *Service) SetPreferences(ctx context.Context, p *auth.Principal, eventID int64, in PreferencesInput) (Participant, error) {
	if p == nil {
		return Participant{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if len(in.Targets) > 50 {
		return Participant{}, apperr.Field("targets", "at most 50")
	}
	now := s.DB.Now()
	var me Participant
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		e, err := lock(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if e.Status == "draft" && !e.manage(p) {
			return apperr.New(apperr.NotFound, "no event %d", eventID)
		}
		if e.Kind != "matchmaking" {
			return refusal(apperr.Conflict, "event_id", "not_matchmaking", "only matchmaking events take preferences")
		}
		if !now.Before(e.Start) || e.Status != "published" {
			return refusal(apperr.Conflict, "event_id", "not_open", "preferences are stated before a published event starts")
		}
		ps, err := s.participants(ctx, tx, eventID)
		if err != nil {
			return err
		}
		byID := map[int64]Participant{}
		found := false
		for _, x := range ps {
			byID[x.RegistrationID] = x
			if x.UserID == p.UserID {
				me, found = x, true
			}
		}
		if !found {
			return refusal(apperr.Forbidden, "event_id", "not_registered", "registered investors and startups state preferences")
		}
		seen := map[int64]bool{}
		for i, t := range in.Targets {
			f := "targets[" + strconv.Itoa(i) + "]"
			o, ok := byID[t]
			switch {
			case !ok:
				return apperr.Field(f, "is not a registered participant of this event")
			case o.Side == me.Side:
				return apperr.Field(f, "is on your side; choose from the other")
			case seen[t]:
				return apperr.Field(f, "is listed twice")
			}
			seen[t] = true
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM event_preferences WHERE registration_id = $1`, me.RegistrationID); err != nil {
			return apperr.Wrap(err, "preferences")
		}
		for i, t := range in.Targets {
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_preferences (registration_id, target_id, rank) VALUES ($1, $2, $3)`, me.RegistrationID, t, i+1); err != nil {
				return apperr.Wrap(err, "preferences")
			}
		}
		me.Wants = append([]int64{}, in.Targets...)
		return audit.Record(ctx, tx, now, audit.Change{OrgID: e.OrganiserOrgID, Action: "preferences", Entity: "event_registration",
			EntityID: strconv.FormatInt(me.RegistrationID, 10), Before: map[string]any{"wants": byID[me.RegistrationID].Wants}, After: map[string]any{"wants": in.Targets}})
	})
	return me, err
}

// PairInput runs the pairing: meetings of MeetingMinutes (the event's by
// default); OnlyPreferred leaves out pairs nobody asked for.
type PairInput struct {
	MeetingMinutes int  `json:"meeting_minutes"`
	OnlyPreferred  bool `json:"only_preferred"`
}

func pairsOf(ps []Participant) []Pair {
	rank := map[[2]int64]int{}
	for _, p := range ps {
		for i, t := range p.Wants {
			rank[[2]int64{p.RegistrationID, t}] = i + 1
		}
	}
	var out []Pair
	for _, inv := range ps {
		if inv.Side != Investor {
			continue
		}
		for _, st := range ps {
			if st.Side != Startup {
				continue
			}
			a, b := rank[[2]int64{inv.RegistrationID, st.RegistrationID}], rank[[2]int64{st.RegistrationID, inv.RegistrationID}]
			pr := Pair{Investor: inv.RegistrationID, Startup: st.RegistrationID, Rank: a + b, Preference: "none"}
			switch {
			case a > 0 && b > 0:
				pr.Preference = "mutual"
			case a > 0:
				pr.Preference = Investor
			case b > 0:
				pr.Preference = Startup
			}
			out = append(out, pr)
		}
	}
	return out
}

// Pair lays out the meetings of a matchmaking event (the organiser,
// before it starts), replacing an earlier pairing: each participant is a
// resource of the calendar engine and each meeting a booking on the
// investor's and one on the startup's, so that the engine refuses anyone
// in two meetings at once.
func (s *Service) Pair(ctx context.Context, p *auth.Principal, eventID int64, in PairInput) (Grid, error) {
	if p == nil {
		return Grid{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if in.MeetingMinutes != 0 && (in.MeetingMinutes < 5 || in.MeetingMinutes > 240) {
		return Grid{}, apperr.Field("meeting_minutes", "must be from 5 to 240")
	}
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		e, err := lockManaged(ctx, tx, p, eventID, "the organiser runs the pairing")
		if err != nil {
			return err
		}
		if e.Kind != "matchmaking" {
			return refusal(apperr.Conflict, "event_id", "not_matchmaking", "only matchmaking events pair investors and startups")
		}
		if e.Status != "published" {
			return refusal(apperr.Conflict, "event_id", "not_open", "the event is "+e.Status)
		}
		if !now.Before(e.Start) {
			return refusal(apperr.Conflict, "event_id", "event_started", "the pairing is run before the event starts")
		}
		if in.MeetingMinutes == 0 {
			in.MeetingMinutes = e.MeetingMinutes
		}
		slots := slotsOf(e, in.MeetingMinutes)
		if len(slots) == 0 {
			return apperr.Field("meeting_minutes", "longer than the event")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET meeting_minutes = $1 WHERE id = $2`, in.MeetingMinutes, eventID); err != nil {
			return apperr.Wrap(err, "event")
		}
		if err := s.clearMeetings(ctx, tx, eventID, 0); err != nil {
			return err
		}
		ps, err := s.participants(ctx, tx, eventID)
		if err != nil {
			return err
		}
		resource := map[int64]int64{}
		for _, x := range ps {
			if resource[x.RegistrationID], err = s.ensureResource(ctx, tx, e, x.RegistrationID, in.MeetingMinutes); err != nil {
				return err
			}
		}
		pairs := pairsOf(ps)
		if in.OnlyPreferred {
			pairs = slices.DeleteFunc(pairs, func(x Pair) bool { return x.Preference == "none" })
		}
		placed := Schedule(pairs, len(slots))
		tables := map[int]int{}
		met := map[int64]bool{}
		for i, slot := range placed {
			if slot < 0 {
				continue
			}
			x, sl := pairs[i], slots[slot]
			tables[slot]++
			var bk [2]int64
			for j, reg := range []int64{x.Investor, x.Startup} {
				b, err := calendar.Book(ctx, tx, s.DB, calendar.Request{ResourceID: resource[reg], Start: sl.Start, End: sl.End, Status: calendar.Approved,
					OrgID: &e.OrganiserOrgID})
				if err != nil {
					return err
				}
				bk[j] = b.ID
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_meetings (event_id, slot, table_no, investor_id, startup_id, investor_booking_id, startup_booking_id,
				preference, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				eventID, slot, tables[slot], x.Investor, x.Startup, bk[0], bk[1], x.Preference, sl.Start, sl.End); err != nil {
				return apperr.Wrap(err, "meeting")
			}
			met[x.Investor], met[x.Startup] = true, true
		}
		for _, x := range ps {
			if !met[x.RegistrationID] {
				continue
			}
			if _, err := s.Notifier.ToUser(ctx, tx, x.UserID, notify.Message{Kind: "event.schedule", Title: notify.T("events.notice.schedule", e.TitleZh),
				Body: notify.T("events.notice.schedule_body"), Link: "/events/" + strconv.FormatInt(eventID, 10) + "/matchmaking"}); err != nil {
				return err
			}
		}
		n := 0
		for _, sl := range placed {
			if sl >= 0 {
				n++
			}
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: e.OrganiserOrgID, Action: "pair", Entity: "event", EntityID: strconv.FormatInt(eventID, 10),
			After: map[string]any{"meetings": n, "slots": len(slots), "meeting_minutes": in.MeetingMinutes, "only_preferred": in.OnlyPreferred}})
	})
	if err != nil {
		return Grid{}, err
	}
	return s.Grid(ctx, p, eventID)
}

// ensureResource gives a participant a calendar resource open all week
// whose bookings last exactly one meeting.
func (s *Service) ensureResource(ctx context.Context, tx *sql.Tx, e Event, reg int64, minutes int) (int64, error) {
	var id sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT resource_id FROM event_registrations WHERE id = $1`, reg).Scan(&id); err != nil {
		return 0, apperr.Wrap(err, "participant")
	}
	r := calendar.Resource{ID: id.Int64, OwnerOrgID: &e.OrganiserOrgID, Name: "event " + strconv.FormatInt(e.ID, 10) + " participant " + strconv.FormatInt(reg, 10),
		TimeZone: "Asia/Shanghai", SlotMinutes: 1, MinMinutes: minutes, MaxMinutes: minutes}
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		r.Hours = append(r.Hours, calendar.Hours{Weekday: wd, Start: 0, End: 1440})
	}
	if id.Valid {
		return id.Int64, calendar.Redefine(ctx, tx, s.DB.Now(), &r)
	}
	if err := calendar.Define(ctx, tx, s.DB.Now(), &r); err != nil {
		return 0, err
	}
	_, err := tx.ExecContext(ctx, `UPDATE event_registrations SET resource_id = $1 WHERE id = $2`, r.ID, reg)
	return r.ID, apperr.Wrap(err, "participant resource")
}

// clearMeetings cancels the bookings of an event's meetings (those of one
// registration when reg is not 0) and removes the meetings.
func (s *Service) clearMeetings(ctx context.Context, tx *sql.Tx, eventID, reg int64) error {
	q, args := `SELECT id, investor_booking_id, startup_booking_id FROM event_meetings WHERE event_id = $1`, []any{eventID}
	if reg != 0 {
		q, args = q+` AND (investor_id = $2 OR startup_id = $2)`, append(args, reg)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	ms, err := db.Collect(rows, err, "meetings", func(r interface{ Scan(...any) error }) ([3]int64, error) {
		var v [3]int64
		return v, r.Scan(&v[0], &v[1], &v[2])
	})
	if err != nil {
		return err
	}
	for _, m := range ms {
		for _, b := range m[1:] {
			if _, err := calendar.Cancel(ctx, tx, s.DB, b); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM event_meetings WHERE id = $1`, m[0]); err != nil {
			return apperr.Wrap(err, "meeting")
		}
	}
	return nil
}

func (s *Service) meetings(ctx context.Context, q calendar.Querier, eventID, reg int64) ([]Meeting, error) {
	query := `SELECT m.id, m.slot, m.table_no, m.investor_id, m.startup_id, COALESCE(oi.name_zh, ui.name), COALESCE(os.name_zh, us.name), m.preference,
		m.starts_at, m.ends_at, m.investor_booking_id, m.startup_booking_id
		FROM event_meetings m
		JOIN event_registrations ri ON ri.id = m.investor_id JOIN users ui ON ui.id = ri.user_id LEFT JOIN orgs oi ON oi.id = ri.org_id
		JOIN event_registrations rs ON rs.id = m.startup_id JOIN users us ON us.id = rs.user_id LEFT JOIN orgs os ON os.id = rs.org_id
		WHERE m.event_id = $1`
	args := []any{eventID}
	if reg != 0 {
		query, args = query+` AND (m.investor_id = $2 OR m.startup_id = $2)`, append(args, reg)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY m.slot, m.table_no`, args...)
	return db.Collect(rows, err, "meetings", func(r interface{ Scan(...any) error }) (Meeting, error) {
		var m Meeting
		err := r.Scan(&m.ID, &m.Slot, &m.Table, &m.InvestorID, &m.StartupID, &m.Investor, &m.Startup, &m.Preference, &m.Start, &m.End, &m.InvestorBkg, &m.StartupBkg)
		m.Start, m.End = m.Start.UTC(), m.End.UTC()
		return m, err
	})
}

// Grid is the organiser's view: the slots, both sides with their wishes,
// and the meetings.
func (s *Service) Grid(ctx context.Context, p *auth.Principal, eventID int64) (Grid, error) {
	if p == nil {
		return Grid{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	e, err := s.Get(ctx, p, eventID)
	if err != nil {
		return Grid{}, err
	}
	if !e.Manage {
		return Grid{}, apperr.New(apperr.Forbidden, "the organiser sees the grid")
	}
	if e.Kind != "matchmaking" {
		return Grid{}, refusal(apperr.Conflict, "event_id", "not_matchmaking", "only matchmaking events have a grid")
	}
	g := Grid{EventID: eventID, MeetingMinutes: e.MeetingMinutes, Slots: slotsOf(e, e.MeetingMinutes)}
	ps, err := s.participants(ctx, s.DB.Read, eventID)
	if err != nil {
		return g, err
	}
	g.Investors, g.Startups = []Participant{}, []Participant{}
	for _, x := range ps {
		if x.Side == Investor {
			g.Investors = append(g.Investors, x)
		} else {
			g.Startups = append(g.Startups, x)
		}
	}
	if g.Meetings, err = s.meetings(ctx, s.DB.Read, eventID, 0); err != nil {
		return g, err
	}
	for _, pr := range pairsOf(ps) {
		if pr.Preference == "mutual" {
			g.Mutual++
			for _, m := range g.Meetings {
				if m.InvestorID == pr.Investor && m.StartupID == pr.Startup {
					g.MutualMet++
				}
			}
		}
	}
	if g.Slots == nil {
		g.Slots = []Slot{}
	}
	return g, nil
}

// MySchedule is a participant's view: the other side to choose from, the
// wishes stated and the meetings.
type MySchedule struct {
	Me       Participant   `json:"me"`
	Others   []Participant `json:"others"`
	Meetings []Meeting     `json:"meetings"`
}

// Schedule returns the caller's meetings at a matchmaking event.
func (s *Service) Schedule(ctx context.Context, p *auth.Principal, eventID int64) (MySchedule, error) {
	if p == nil {
		return MySchedule{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	e, err := s.Get(ctx, p, eventID)
	if err != nil {
		return MySchedule{}, err
	}
	if e.Kind != "matchmaking" {
		return MySchedule{}, refusal(apperr.Conflict, "event_id", "not_matchmaking", "only matchmaking events have schedules")
	}
	ps, err := s.participants(ctx, s.DB.Read, eventID)
	if err != nil {
		return MySchedule{}, err
	}
	out := MySchedule{Others: []Participant{}, Meetings: []Meeting{}}
	found := false
	for _, x := range ps {
		if x.UserID == p.UserID {
			out.Me, found = x, true
		}
	}
	if !found {
		return out, refusal(apperr.NotFound, "event_id", "not_registered", "you are not a registered participant of this event")
	}
	for _, x := range ps {
		if x.Side != out.Me.Side {
			x.Wants = nil
			out.Others = append(out.Others, x)
		}
	}
	out.Meetings, err = s.meetings(ctx, s.DB.Read, eventID, out.Me.RegistrationID)
	return out, err
}
