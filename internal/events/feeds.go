package events

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/ical"
)

func icalStatus(eventStatus, regStatus string) string {
	switch {
	case eventStatus == "cancelled" || regStatus == Cancelled:
		return "CANCELLED"
	case regStatus == Waitlisted:
		return "TENTATIVE"
	}
	return "CONFIRMED"
}

func eventEntry(e Event, base string, regStatus string) ical.Event {
	sum := e.TitleZh
	if e.TitleEn != "" {
		sum += " / " + e.TitleEn
	}
	loc := e.Venue
	if loc == "" {
		loc = e.OnlineURL
	}
	desc := e.DescriptionZh
	if e.DescriptionEn != "" {
		desc += "\n\n" + e.DescriptionEn
	}
	if e.OnlineURL != "" {
		desc += "\n\n" + e.OnlineURL
	}
	return ical.Event{UID: "event-" + strconv.FormatInt(e.ID, 10) + "@rainforest", Start: e.Start, End: e.End, Summary: sum, Description: desc, Location: loc,
		URL: base + "/events/" + strconv.FormatInt(e.ID, 10), Status: icalStatus(e.Status, regStatus)}
}

// EventICS is the iCalendar entry of a published, closed or cancelled
// event; base is the platform's address ("https://host").
func (s *Service) EventICS(ctx context.Context, id int64, base string) (string, error) {
	e, err := load(ctx, s.DB.Read, id)
	if err != nil {
		return "", err
	}
	if e.Status == "draft" {
		return "", apperr.New(apperr.NotFound, "no event %d", id)
	}
	ev := eventEntry(e, base, "")
	ev.Stamp = s.DB.Now()
	return ical.Calendar("Events", e.TitleZh, []ical.Event{ev}), nil
}

// UserFeed is the iCalendar of the events a user registered for (the
// waitlisted ones tentative) and of their matchmaking meetings, for the
// user's secret token.
func (s *Service) UserFeed(ctx context.Context, token, base string) (string, error) {
	var user int64
	err := s.DB.Read.QueryRowContext(ctx, `SELECT user_id FROM event_user_feeds WHERE token = $1`, token).Scan(&user)
	if errors.Is(err, sql.ErrNoRows) || token == "" {
		return "", apperr.New(apperr.NotFound, "no such feed")
	}
	if err != nil {
		return "", apperr.Wrap(err, "feed")
	}
	now := s.DB.Now()
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+eventCols+`, r.status, r.id`+eventFrom+` JOIN event_registrations r ON r.event_id = e.id
		WHERE r.user_id = $1 AND r.status <> 'cancelled' AND e.ends_at > $2 ORDER BY e.starts_at LIMIT 1000`, user, now.AddDate(0, 0, -30))
	type row struct {
		e      Event
		status string
		reg    int64
	}
	rs, err := db.Collect(rows, err, "feed", func(r interface{ Scan(...any) error }) (row, error) {
		var x row
		err := r.Scan(append(x.e.dest(), &x.status, &x.reg)...)
		x.e.utc()
		return x, err
	})
	if err != nil {
		return "", err
	}
	var out []ical.Event
	for _, x := range rs {
		ev := eventEntry(x.e, base, x.status)
		ev.Stamp = now
		out = append(out, ev)
		if x.e.Kind != "matchmaking" {
			continue
		}
		ms, err := s.meetings(ctx, s.DB.Read, x.e.ID, x.reg)
		if err != nil {
			return "", err
		}
		for _, m := range ms {
			other := m.Startup
			if m.StartupID == x.reg {
				other = m.Investor
			}
			out = append(out, ical.Event{UID: "event-meeting-" + strconv.FormatInt(m.ID, 10) + "@rainforest", Start: m.Start, End: m.End, Stamp: now,
				Summary: x.e.TitleZh + " · " + other, Location: x.e.Venue + " · 桌 Table " + strconv.Itoa(m.Table), Status: icalStatus(x.e.Status, x.status),
				URL: base + "/events/" + strconv.FormatInt(x.e.ID, 10) + "/matchmaking"})
		}
	}
	return ical.Calendar("Events", "我的活动 My events", out), nil
}

// FeedToken returns (creating if needed) the caller's feed token.
func (s *Service) FeedToken(ctx context.Context, p *auth.Principal) (string, error) {
	if p == nil {
		return "", apperr.New(apperr.Unauthorized, "sign in")
	}
	var t string
	err := s.DB.Read.QueryRowContext(ctx, `SELECT token FROM event_user_feeds WHERE user_id = $1`, p.UserID).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		t = token()
		err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO event_user_feeds (user_id, token) VALUES ($1, $2)`, p.UserID, t)
			if db.IsUniqueViolation(err) {
				return tx.QueryRowContext(ctx, `SELECT token FROM event_user_feeds WHERE user_id = $1`, p.UserID).Scan(&t)
			}
			return err
		})
	}
	return t, apperr.Wrap(err, "feed token")
}
