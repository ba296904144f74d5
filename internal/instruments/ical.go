package instruments

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/ical"
)

// Event is one VEVENT of a feed (the kernel's iCalendar writer).
type Event = ical.Event

// EscapeText escapes a TEXT value (RFC 5545 3.3.11).
func EscapeText(s string) string { return ical.EscapeText(s) }

// Calendar writes a VCALENDAR with the events.
func Calendar(name string, events []Event) string { return ical.Calendar("Instruments", name, events) }

func icalStatus(st string) string {
	switch st {
	case "pending":
		return "TENTATIVE"
	case "cancelled", "rejected", "no_show":
		return "CANCELLED"
	}
	return "CONFIRMED"
}

// feedEvents turns bookings into events.
func feedEvents(bs []Booking, host string, now time.Time, withWho bool) []Event {
	out := make([]Event, 0, len(bs))
	for _, b := range bs {
		sum := b.InstrumentZh
		if b.InstrumentEn != "" {
			sum += " / " + b.InstrumentEn
		}
		if withWho {
			sum += " — " + cmp.Or(b.OrgName, b.UserName)
		}
		out = append(out, Event{UID: "booking-" + strconv.FormatInt(b.ID, 10) + "@" + host, Start: b.Start, End: b.End, Summary: sum, Location: b.Location, Status: icalStatus(b.Status), Stamp: now})
	}
	return out
}

// InstrumentFeed is the iCalendar of an instrument's bookings (from 30
// days ago), for its secret token.
func (s *Service) InstrumentFeed(ctx context.Context, id int64, token, host string) (string, error) {
	i, err := load(ctx, s.DB.Read, id)
	if err != nil {
		return "", err
	}
	var want string
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT ical_token FROM instruments WHERE id = $1`, id).Scan(&want); err != nil {
		return "", apperr.Wrap(err, "feed")
	}
	if token == "" || token != want {
		return "", apperr.New(apperr.NotFound, "no such feed")
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+bookingCols+bookingFrom+` WHERE b.instrument_id = $1 AND c.ends_at > $2 ORDER BY c.starts_at LIMIT 2000`,
		id, s.DB.Now().AddDate(0, 0, -30))
	bs, err := db.Collect(rows, err, "feed", func(r interface{ Scan(...any) error }) (Booking, error) { return scanBooking(r) })
	if err != nil {
		return "", err
	}
	return Calendar(i.NameZh, feedEvents(bs, host, s.DB.Now(), true)), nil
}

// UserFeed is the iCalendar of a user's bookings, for the user's token.
func (s *Service) UserFeed(ctx context.Context, token, host string) (string, error) {
	var user int64
	err := s.DB.Read.QueryRowContext(ctx, `SELECT user_id FROM instrument_user_feeds WHERE token = $1`, token).Scan(&user)
	if errors.Is(err, sql.ErrNoRows) || token == "" {
		return "", apperr.New(apperr.NotFound, "no such feed")
	}
	if err != nil {
		return "", apperr.Wrap(err, "feed")
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+bookingCols+bookingFrom+` WHERE b.user_id = $1 AND c.ends_at > $2 ORDER BY c.starts_at LIMIT 2000`,
		user, s.DB.Now().AddDate(0, 0, -30))
	bs, err := db.Collect(rows, err, "feed", func(r interface{ Scan(...any) error }) (Booking, error) { return scanBooking(r) })
	if err != nil {
		return "", err
	}
	return Calendar("我的仪器预约 My instrument bookings", feedEvents(bs, host, s.DB.Now(), false)), nil
}

// FeedTokens are the secret feed addresses the user may subscribe to.
type FeedTokens struct {
	User        string           `json:"user"`
	Instruments map[int64]string `json:"instruments"`
}

// Feeds returns (creating if needed) the user's feed token, and the
// tokens of the instruments the user's organizations own.
func (s *Service) Feeds(ctx context.Context, p *auth.Principal) (FeedTokens, error) {
	if p == nil {
		return FeedTokens{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	out := FeedTokens{Instruments: map[int64]string{}}
	err := s.DB.Read.QueryRowContext(ctx, `SELECT token FROM instrument_user_feeds WHERE user_id = $1`, p.UserID).Scan(&out.User)
	if errors.Is(err, sql.ErrNoRows) {
		out.User = token()
		err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO instrument_user_feeds (user_id, token) VALUES ($1, $2)`, p.UserID, out.User)
			if db.IsUniqueViolation(err) {
				return tx.QueryRowContext(ctx, `SELECT token FROM instrument_user_feeds WHERE user_id = $1`, p.UserID).Scan(&out.User)
			}
			return err
		})
	}
	if err != nil {
		return out, apperr.Wrap(err, "feed token")
	}
	if orgs := p.OrgIDs(); len(orgs) > 0 {
		var args db.Args
		rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, ical_token FROM instruments WHERE owner_org_id IN (`+db.List(&args, orgs)+`)`, args...)
		if err != nil {
			return out, apperr.Wrap(err, "feeds")
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var t string
			if err := rows.Scan(&id, &t); err != nil {
				return out, apperr.Wrap(err, "feeds")
			}
			out.Instruments[id] = t
		}
		return out, apperr.Wrap(rows.Err(), "feeds")
	}
	return out, nil
}
