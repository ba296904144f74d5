package events

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/calendar"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
)

const regCols = `r.id, r.event_id, r.user_id, u.name, u.email, r.org_id, COALESCE(o.name_zh, ''), r.side, r.status, r.code, r.checked_in_at, r.created_at,
	CASE WHEN r.status = 'waitlisted' THEN (SELECT COUNT(*) FROM event_registrations w WHERE w.event_id = r.event_id AND w.status = 'waitlisted' AND w.seq <= r.seq) ELSE 0 END,
	e.title_zh, e.title_en, e.starts_at, e.status`

const regFrom = ` FROM event_registrations r JOIN users u ON u.id = r.user_id JOIN events e ON e.id = r.event_id LEFT JOIN orgs o ON o.id = r.org_id`

func scanReg(s scanner) (Registration, error) {
	var r Registration
	var org sql.NullInt64
	var in db.Time
	err := s.Scan(&r.ID, &r.EventID, &r.UserID, &r.Name, &r.Email, &org, &r.OrgName, &r.Side, &r.Status, &r.Code, &in, &r.CreatedAt, &r.Position,
		&r.EventTitleZh, &r.EventTitleEn, &r.EventStart, &r.EventStatus)
	if org.Valid {
		r.OrgID = &org.Int64
	}
	r.CheckedInAt = in.Ptr()
	r.CreatedAt, r.EventStart = r.CreatedAt.UTC(), r.EventStart.UTC()
	return r, err
}

func (s *Service) registrations(ctx context.Context, q calendar.Querier, where string, args ...any) ([]Registration, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+regCols+regFrom+where+` ORDER BY r.seq`, args...)
	return db.Collect(rows, err, "registrations", func(r interface{ Scan(...any) error }) (Registration, error) { return scanReg(r) })
}

func (s *Service) registration(ctx context.Context, q calendar.Querier, id int64) (Registration, error) {
	rs, err := s.registrations(ctx, q, ` WHERE r.id = $1`, id)
	if err != nil {
		return Registration{}, err
	}
	if len(rs) == 0 {
		return Registration{}, apperr.New(apperr.NotFound, "no registration %d", id)
	}
	return rs[0], nil
}

// refusal is a 409 or 422 naming the field and, first in the message, a
// machine-readable reason.
func refusal(code apperr.Code, field, reason, msg string) *apperr.Error {
	return apperr.Field(field, "%s: %s", reason, msg).WithCode(code)
}

// orgKinds are the kinds of organization a side or an audience needs.
var orgKinds = map[string][]string{
	"enterprises": {"enterprise"},
	"investors":   {"investor", "bank"},
	Startup:       {"enterprise"},
	Investor:      {"investor", "bank"},
}

// Register gives the caller a place at a published event within its
// registration window: a seat while there are seats, else the end of the
// waitlist. The event's row is taken first, so that concurrent
// registrations queue and the seats are never exceeded.
func (s *Service) Register(ctx context.Context, p *auth.Principal, id int64, in RegisterInput) (Registration, error) {
	if p == nil {
		return Registration{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	in.Side = strings.TrimSpace(in.Side)
	now := s.DB.Now()
	var regID int64
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var seq int
		if err := tx.QueryRowContext(ctx, `UPDATE events SET reg_seq = reg_seq + 1 WHERE id = $1 RETURNING reg_seq`, id).Scan(&seq); errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no event %d", id)
		} else if err != nil {
			return apperr.Wrap(err, "lock event")
		}
		e, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case e.Status == "draft":
			return apperr.New(apperr.NotFound, "no event %d", id)
		case e.Status != "published":
			return refusal(apperr.Conflict, "event_id", "not_open", "the event is "+e.Status)
		case now.Before(e.RegOpens):
			return refusal(apperr.Conflict, "event_id", "registration_not_open", "registration opens at "+e.RegOpens.In(Shanghai).Format("2006-01-02 15:04"))
		case !now.Before(e.RegCloses):
			return refusal(apperr.Conflict, "event_id", "registration_closed", "registration closed at "+e.RegCloses.In(Shanghai).Format("2006-01-02 15:04"))
		}
		// Who the place is for: an organization of the caller's where the
		// audience or the matchmaking side needs one.
		need := ""
		if e.Kind == "matchmaking" {
			if in.Side != Investor && in.Side != Startup {
				return apperr.Field("side", "must be investor or startup at a matchmaking event")
			}
			need = in.Side
		} else if in.Side != "" {
			return apperr.Field("side", "is for matchmaking events only")
		}
		if e.Audience != "signed_in" && need == "" {
			need = e.Audience
		}
		if in.OrgID != nil {
			if p.RoleIn(*in.OrgID) == "" {
				return apperr.Field("org_id", "must be an organization you belong to")
			}
		} else if need != "" {
			return apperr.Field("org_id", "is required: register for your organization")
		}
		if need != "" {
			var kind string
			if err := tx.QueryRowContext(ctx, `SELECT kind FROM orgs WHERE id = $1`, *in.OrgID).Scan(&kind); err != nil {
				return apperr.Wrap(err, "org")
			}
			ok := false
			for _, k := range orgKinds[need] {
				ok = ok || k == kind
			}
			if !ok {
				field, why := "org_id", "audience"
				if e.Kind == "matchmaking" {
					field = "side"
				}
				return refusal(apperr.Invalid, field, why, "this place is for "+strings.Join(orgKinds[need], " or ")+" organizations, not "+kind)
			}
		}
		var dup int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_registrations WHERE event_id = $1 AND user_id = $2 AND status <> 'cancelled'`, id, p.UserID).Scan(&dup); err != nil {
			return apperr.Wrap(err, "registration")
		}
		if dup > 0 {
			return refusal(apperr.Conflict, "event_id", "already_registered", "you are registered for this event already")
		}
		status := Waitlisted
		if e.SeatsTaken >= e.Capacity && in.NoWaitlist {
			return refusal(apperr.Conflict, "event_id", "full", "all "+strconv.Itoa(e.Capacity)+" seats are taken")
		}
		if e.SeatsTaken < e.Capacity {
			status = Registered
			if _, err := tx.ExecContext(ctx, `UPDATE events SET seats_taken = seats_taken + 1 WHERE id = $1`, id); err != nil {
				return apperr.Wrap(err, "seats")
			}
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO event_registrations (event_id, user_id, org_id, side, status, seq, code, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`, id, p.UserID, in.OrgID, in.Side, status, seq, token(), now).Scan(&regID)
		if db.IsUniqueViolation(err) {
			return refusal(apperr.Conflict, "event_id", "already_registered", "you are registered for this event already")
		}
		if err != nil {
			return apperr.Wrap(err, "insert registration")
		}
		r, err := s.registration(ctx, tx, regID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: e.OrganiserOrgID, Action: "register", Entity: "event_registration",
			EntityID: strconv.FormatInt(regID, 10), After: r})
	})
	if err != nil {
		return Registration{}, err
	}
	return s.registration(ctx, s.DB.Read, regID)
}

// promote lets up to n of the waitlist in, first come first served,
// telling each.
func (s *Service) promote(ctx context.Context, tx *sql.Tx, eventID int64, n int) error {
	if n <= 0 {
		return nil
	}
	var title string
	if err := tx.QueryRowContext(ctx, `SELECT title_zh FROM events WHERE id = $1`, eventID).Scan(&title); err != nil {
		return apperr.Wrap(err, "event")
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, user_id FROM event_registrations WHERE event_id = $1 AND status = 'waitlisted' ORDER BY seq LIMIT $2`, eventID, n)
	first, err := db.Collect(rows, err, "waitlist", func(r interface{ Scan(...any) error }) ([2]int64, error) {
		var v [2]int64
		return v, r.Scan(&v[0], &v[1])
	})
	if err != nil {
		return err
	}
	now := s.DB.Now()
	for _, w := range first {
		if _, err := tx.ExecContext(ctx, `UPDATE event_registrations SET status = 'registered', updated_at = $1 WHERE id = $2`, now, w[0]); err != nil {
			return apperr.Wrap(err, "promote")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET seats_taken = seats_taken + 1 WHERE id = $1`, eventID); err != nil {
			return apperr.Wrap(err, "seats")
		}
		if _, err := s.Notifier.ToUser(ctx, tx, w[1], notify.Message{Kind: "event.promoted", Key: "event.promoted." + strconv.FormatInt(w[0], 10),
			Title: notify.T("events.notice.promoted", title), Body: notify.T("events.notice.promoted_body"), Link: "/events/" + strconv.FormatInt(eventID, 10)}); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Change{Action: "promote", Entity: "event_registration", EntityID: strconv.FormatInt(w[0], 10),
			Before: map[string]string{"status": Waitlisted}, After: map[string]string{"status": Registered}}); err != nil {
			return err
		}
	}
	return nil
}

// CancelRegistration gives a place up: the registrant or the organiser,
// before check-in. A seat freed goes to the first of the waitlist, who is
// told.
func (s *Service) CancelRegistration(ctx context.Context, p *auth.Principal, eventID, regID int64) (Registration, error) {
	if p == nil {
		return Registration{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		e, err := lock(ctx, tx, eventID)
		if err != nil {
			return err
		}
		r, err := s.registration(ctx, tx, regID)
		if err != nil {
			return err
		}
		if r.EventID != eventID || (r.UserID != p.UserID && !e.manage(p)) {
			return apperr.New(apperr.NotFound, "no registration %d at event %d", regID, eventID)
		}
		switch {
		case r.Status == Cancelled:
			return refusal(apperr.Conflict, "registration_id", "cancelled", "the registration is cancelled already")
		case r.CheckedInAt != nil:
			return refusal(apperr.Conflict, "registration_id", "checked_in", "the registrant has checked in")
		case e.Status == "closed" || e.Status == "cancelled":
			return refusal(apperr.Conflict, "event_id", "not_open", "the event is "+e.Status)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE event_registrations SET status = 'cancelled', updated_at = $1 WHERE id = $2`, now, regID); err != nil {
			return apperr.Wrap(err, "cancel registration")
		}
		if err := s.clearMeetings(ctx, tx, eventID, regID); err != nil {
			return err
		}
		if r.Status == Registered {
			if _, err := tx.ExecContext(ctx, `UPDATE events SET seats_taken = seats_taken - 1 WHERE id = $1`, eventID); err != nil {
				return apperr.Wrap(err, "seats")
			}
			if err := s.promote(ctx, tx, eventID, 1); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: e.OrganiserOrgID, Action: "cancel", Entity: "event_registration", EntityID: strconv.FormatInt(regID, 10),
			Before: r, After: map[string]string{"status": Cancelled}})
	})
	if err != nil {
		return Registration{}, err
	}
	return s.registration(ctx, s.DB.Read, regID)
}

// CheckInWindow is how long before the start check-in opens.
const CheckInWindow = 24 * time.Hour

// CheckIn records the arrival of a registered person: the organiser, by
// registration, user or code, from a day before the start to a day after
// the end. Someone not registered (unknown, waitlisted or cancelled) is
// refused with the reason.
func (s *Service) CheckIn(ctx context.Context, p *auth.Principal, eventID int64, in CheckInInput) (Registration, error) {
	if p == nil {
		return Registration{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	in.Code = strings.TrimSpace(in.Code)
	given := 0
	for _, b := range []bool{in.RegistrationID != 0, in.UserID != 0, in.Code != ""} {
		if b {
			given++
		}
	}
	if given != 1 {
		return Registration{}, apperr.Field("registration_id", "give one of registration_id, user_id or code")
	}
	now := s.DB.Now()
	var regID int64
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		e, err := lockManaged(ctx, tx, p, eventID, "the organiser checks people in")
		if err != nil {
			return err
		}
		if e.Status != "published" && e.Status != "closed" {
			return refusal(apperr.Conflict, "event_id", "not_open", "the event is "+e.Status)
		}
		if now.Before(e.Start.Add(-CheckInWindow)) || now.After(e.End.Add(CheckInWindow)) {
			return refusal(apperr.Conflict, "event_id", "outside_check_in", "check-in runs from a day before the start to a day after the end")
		}
		field, where, arg := "registration_id", ` WHERE r.event_id = $1 AND r.id = $2`, any(in.RegistrationID)
		switch {
		case in.UserID != 0:
			field, where, arg = "user_id", ` WHERE r.event_id = $1 AND r.user_id = $2 AND r.status <> 'cancelled'`, in.UserID
		case in.Code != "":
			field, where, arg = "code", ` WHERE r.event_id = $1 AND r.code = $2`, in.Code
		}
		rs, err := s.registrations(ctx, tx, where, eventID, arg)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return refusal(apperr.Invalid, field, "not_registered", "nobody with this "+strings.ReplaceAll(field, "_", " ")+" is registered for this event")
		}
		r := rs[0]
		switch {
		case r.Status == Waitlisted:
			return refusal(apperr.Conflict, field, "waitlisted", "on the waitlist (place "+strconv.Itoa(r.Position)+"), not registered")
		case r.Status == Cancelled:
			return refusal(apperr.Conflict, field, "cancelled", "the registration was cancelled")
		case r.CheckedInAt != nil:
			return refusal(apperr.Conflict, field, "already_checked_in", "checked in at "+r.CheckedInAt.In(Shanghai).Format("2006-01-02 15:04"))
		}
		regID = r.ID
		if _, err := tx.ExecContext(ctx, `UPDATE event_registrations SET checked_in_at = $1, updated_at = $1 WHERE id = $2`, now, r.ID); err != nil {
			return apperr.Wrap(err, "check in")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: e.OrganiserOrgID, Action: "check_in", Entity: "event_registration", EntityID: strconv.FormatInt(r.ID, 10),
			After: map[string]any{"checked_in_at": now}})
	})
	if err != nil {
		return Registration{}, err
	}
	return s.registration(ctx, s.DB.Read, regID)
}

// Registrants lists an event's registrations, the waitlist in order and
// cancellations last: the organiser.
func (s *Service) Registrants(ctx context.Context, p *auth.Principal, eventID int64) ([]Registration, error) {
	e, err := s.Get(ctx, p, eventID)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	if !e.Manage {
		return nil, apperr.New(apperr.Forbidden, "the organiser sees the registrants")
	}
	rs, err := s.registrations(ctx, s.DB.Read, ` WHERE r.event_id = $1`, eventID)
	if err != nil {
		return nil, err
	}
	rank := map[string]int{Registered: 0, Waitlisted: 1, Cancelled: 2}
	out := make([]Registration, 0, len(rs))
	for k := 0; k < 3; k++ {
		for _, r := range rs {
			if rank[r.Status] == k {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// Mine lists the caller's registrations (cancelled ones too), the
// latest event first.
func (s *Service) Mine(ctx context.Context, p *auth.Principal) ([]Registration, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+regCols+regFrom+` WHERE r.user_id = $1 ORDER BY e.starts_at DESC, r.id DESC LIMIT 500`, p.UserID)
	return db.Collect(rows, err, "my registrations", func(r interface{ Scan(...any) error }) (Registration, error) { return scanReg(r) })
}
