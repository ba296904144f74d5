package instruments

import (
	"cmp"
	"context"
	"database/sql"
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
)

// feeClass is internal for the owner's members, sme for certified
// sci-tech SMEs, external otherwise.
func feeClass(ctx context.Context, q calendar.Querier, owner int64, org *int64) (string, error) {
	if org == nil {
		return "external", nil
	}
	if *org == owner {
		return "internal", nil
	}
	var certs string
	if err := q.QueryRowContext(ctx, `SELECT certifications FROM orgs WHERE id = $1`, *org).Scan(&certs); err != nil {
		return "", apperr.Wrap(err, "org")
	}
	if slices.Contains(strings.Fields(certs), "scitech_sme") {
		return "sme", nil
	}
	return "external", nil
}

// Series is a recurring booking's outcome.
type Series struct {
	Booked  []Booking       `json:"booked"`
	Skipped []calendar.Skip `json:"skipped"`
}

// Book asks for an instrument. A request within the instrument's
// automatic-approval length, by a user who needs no training or has it,
// is approved at once; others wait for the owner. Self-service use of an
// instrument that requires training needs a valid training record.
func (s *Service) Book(ctx context.Context, p *auth.Principal, id int64, in BookInput) (Series, error) {
	if p == nil {
		return Series{}, apperr.New(apperr.Unauthorized, "sign in to book")
	}
	i, err := load(ctx, s.DB.Read, id)
	if err != nil {
		return Series{}, err
	}
	if i.Status != "active" {
		return Series{}, apperr.New(apperr.NotFound, "no instrument %d", id)
	}
	in.Purpose = strings.TrimSpace(in.Purpose)
	var fs fieldErrs
	fs.Block("purpose", in.Purpose, 1000)
	if in.Samples < 0 || in.Samples > 10000 {
		fs.Add("samples", "must be from 0 to 10000")
	}
	if i.FeeUnit == "sample" && in.Samples == 0 {
		fs.Add("samples", "this instrument charges per sample: say how many")
	}
	if err := apperr.Fields(fs); err != nil {
		return Series{}, err
	}
	if in.OrgID == nil {
		if ids := p.OrgIDs(); len(ids) == 1 {
			in.OrgID = &ids[0]
		}
	} else if !p.IsAdmin() && p.RoleIn(*in.OrgID) == "" {
		return Series{}, apperr.Field("org_id", "must be an organization you belong to").WithCode(apperr.Forbidden)
	}
	class, err := feeClass(ctx, s.DB.Read, i.OwnerOrgID, in.OrgID)
	if err != nil {
		return Series{}, err
	}
	mode := "operator"
	trained := false
	if !i.OperatorRequired {
		mode = "self"
	}
	if i.TrainingRequired && member(p, i.OwnerOrgID) {
		trained = true // the owner's staff operate it
	} else if i.TrainingRequired {
		if trained, err = s.trained(ctx, s.DB.Read, id, p.UserID); err != nil {
			return Series{}, err
		}
		if mode == "self" && !trained {
			return Series{}, apperr.New(apperr.Forbidden, "self-service use of this instrument needs a valid training record; ask the owner for training")
		}
	}
	minutes := int(in.End.Sub(in.Start).Minutes())
	status := calendar.Pending
	if i.AutoApproveMinutes > 0 && minutes <= i.AutoApproveMinutes && (!i.TrainingRequired || trained) {
		status = calendar.Approved
	}
	estimate := i.Charge(class, minutes, in.Samples)
	uid := p.UserID
	req := calendar.Request{ResourceID: i.ResourceID, Start: in.Start, End: in.End, Status: status, UserID: &uid, OrgID: in.OrgID}
	now := s.DB.Now()
	record := func(tx *sql.Tx, b calendar.Booking) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO instrument_bookings (booking_id, instrument_id, user_id, org_id, fee_class, mode, purpose, samples, estimate_fen,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`, b.ID, id, uid, in.OrgID, class, mode, in.Purpose, in.Samples, estimate, now); err != nil {
			return apperr.Wrap(err, "instrument booking")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: i.OwnerOrgID, Action: "book", Entity: "instrument_booking", EntityID: strconv.FormatInt(b.ID, 10),
			After: map[string]any{"instrument_id": id, "starts_at": b.Start, "ends_at": b.End, "status": b.Status, "fee_class": class}})
	}
	var ids []int64
	var skipped []calendar.Skip
	if in.Recurrence == nil {
		// Many clients book at once: their transactions are grouped.
		err = s.DB.TxGrouped(ctx, func(tx *sql.Tx) error {
			b, err := calendar.Book(ctx, tx, s.DB, req)
			if err != nil {
				return err
			}
			ids = append(ids, b.ID)
			return record(tx, b)
		})
	} else {
		var sr calendar.Series
		sr, err = calendar.BookSeries(ctx, s.DB, req, *in.Recurrence, in.SkipConflicts)
		if err == nil {
			err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
				for _, b := range sr.Booked {
					ids = append(ids, b.ID)
					if err := record(tx, b); err != nil {
						return err
					}
				}
				return nil
			})
			skipped = sr.Skipped
		}
	}
	if err != nil {
		return Series{}, err
	}
	out := Series{Booked: []Booking{}, Skipped: skipped}
	if out.Skipped == nil {
		out.Skipped = []calendar.Skip{}
	}
	for _, bid := range ids {
		b, err := s.getBooking(ctx, s.DB.Read, bid)
		if err != nil {
			return out, err
		}
		out.Booked = append(out.Booked, b)
	}
	if status == calendar.Pending && s.Notifier != nil && len(ids) > 0 {
		err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
			_, err := s.Notifier.ToOrg(ctx, tx, i.OwnerOrgID, notify.Message{Kind: "instrument.request",
				Title: notify.Text{Zh: "新的预约申请：" + i.NameZh, En: "New booking request: " + cmp.Or(i.NameEn, i.NameZh)},
				Body:  notify.Text{Zh: out.Booked[0].Start.In(shanghai).Format("2006-01-02 15:04"), En: out.Booked[0].Start.In(shanghai).Format("2006-01-02 15:04")},
				Link:  "/instruments/queue"})
			return err
		})
	}
	return out, err
}

const bookingCols = `c.id, b.instrument_id, i.name_zh, i.name_en, i.owner_org_id, b.user_id, u.name, b.org_id, COALESCE(o.name_zh, ''), c.starts_at, c.ends_at,
	c.status, b.fee_class, b.mode, b.purpose, b.samples, b.estimate_fen, b.actual_minutes, b.charge_fen, b.created_at, i.location`

const bookingFrom = ` FROM instrument_bookings b JOIN calendar_bookings c ON c.id = b.booking_id JOIN instruments i ON i.id = b.instrument_id
	JOIN users u ON u.id = b.user_id LEFT JOIN orgs o ON o.id = b.org_id`

func scanBooking(r scanner) (Booking, error) {
	var b Booking
	var org, mins, charge sql.NullInt64
	err := r.Scan(&b.ID, &b.InstrumentID, &b.InstrumentZh, &b.InstrumentEn, &b.OwnerOrgID, &b.UserID, &b.UserName, &org, &b.OrgName, &b.Start, &b.End,
		&b.Status, &b.FeeClass, &b.Mode, &b.Purpose, &b.Samples, &b.EstimateFen, &mins, &charge, &b.CreatedAt, &b.Location)
	if org.Valid {
		b.OrgID = &org.Int64
	}
	if mins.Valid {
		m := int(mins.Int64)
		b.ActualMinutes = &m
	}
	if charge.Valid {
		b.ChargeFen = &charge.Int64
	}
	b.Start, b.End = b.Start.UTC(), b.End.UTC()
	return b, err
}

func (s *Service) getBooking(ctx context.Context, q calendar.Querier, id int64) (Booking, error) {
	b, err := scanBooking(q.QueryRowContext(ctx, `SELECT `+bookingCols+bookingFrom+` WHERE b.booking_id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, apperr.New(apperr.NotFound, "no booking %d", id)
	}
	return b, apperr.Wrap(err, "booking")
}

// Booking returns a booking to its booker, the booker's organization, the
// owner's members and administrators.
func (s *Service) Booking(ctx context.Context, p *auth.Principal, id int64) (Booking, error) {
	if p == nil {
		return Booking{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	b, err := s.getBooking(ctx, s.DB.Read, id)
	if err != nil {
		return b, err
	}
	if !mayRead(p, &b) {
		return Booking{}, apperr.New(apperr.NotFound, "no booking %d", id)
	}
	return b, nil
}

func mayRead(p *auth.Principal, b *Booking) bool {
	return p != nil && (p.UserID == b.UserID || member(p, b.OwnerOrgID) || (b.OrgID != nil && p.RoleIn(*b.OrgID) != ""))
}

// BookingQuery filters bookings: the user's own (default) or an owner's
// queue (Owner set), by status.
type BookingQuery struct {
	Owner  bool
	Status string
}

// Bookings lists bookings: the user's, or the instruments of the user's
// organizations (Owner).
func (s *Service) Bookings(ctx context.Context, p *auth.Principal, q BookingQuery) ([]Booking, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	valid := []string{calendar.Pending, calendar.Approved, calendar.CheckedIn, calendar.Completed, calendar.Cancelled, calendar.Rejected, calendar.NoShow}
	if q.Status != "" && !slices.Contains(valid, q.Status) {
		return nil, apperr.Field("status", "must be one of %s", strings.Join(valid, ", "))
	}
	var args db.Args
	where := []string{}
	if q.Owner {
		orgs := p.OrgIDs()
		if len(orgs) == 0 {
			return []Booking{}, nil
		}
		where = append(where, `i.owner_org_id IN (`+db.List(&args, orgs)+`)`)
	} else {
		where = append(where, `b.user_id = `+args.Add(p.UserID))
	}
	if q.Status != "" {
		where = append(where, `c.status = `+args.Add(q.Status))
	}
	order := ` ORDER BY c.starts_at DESC LIMIT 500`
	if q.Owner {
		order = ` ORDER BY c.starts_at LIMIT 500`
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+bookingCols+bookingFrom+` WHERE `+strings.Join(where, " AND ")+order, args...)
	bs, err := db.Collect(rows, err, "bookings", func(r interface{ Scan(...any) error }) (Booking, error) { return scanBooking(r) })
	if bs == nil {
		bs = []Booking{}
	}
	return bs, err
}

// ActInput is an action on a booking: approve, reject, cancel, check_in,
// complete (with the actual minutes and samples), no_show.
type ActInput struct {
	Action        string `json:"action"`
	ActualMinutes int    `json:"actual_minutes"`
	Samples       *int   `json:"samples"`
	Comment       string `json:"comment"`
}

// Act moves a booking: the owner's members approve, reject, complete and
// mark no-shows; the booker (or the owner) cancels and checks in. Late
// cancellations and no-shows are charged by the instrument's rules; a
// completed use by its actual duration or samples.
func (s *Service) Act(ctx context.Context, p *auth.Principal, id int64, in ActInput) (Booking, error) {
	if p == nil {
		return Booking{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	var b Booking
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = s.getBooking(ctx, tx, id)
		if err != nil {
			return err
		}
		if !mayRead(p, &b) {
			return apperr.New(apperr.NotFound, "no booking %d", id)
		}
		i, err := load(ctx, tx, b.InstrumentID)
		if err != nil {
			return err
		}
		owner, booker := member(p, b.OwnerOrgID), p.UserID == b.UserID
		now := s.DB.Now()
		var to string
		var charge *int64
		var minutes *int
		switch in.Action {
		case "approve", "reject":
			if !owner {
				return apperr.New(apperr.Forbidden, "the instrument's owner decides on requests")
			}
			to = map[string]string{"approve": calendar.Approved, "reject": calendar.Rejected}[in.Action]
		case "cancel":
			if !owner && !booker {
				return apperr.New(apperr.Forbidden, "the booker cancels")
			}
			to = calendar.Cancelled
			if b.Status == calendar.Approved && now.After(b.Start.Add(-time.Duration(i.CancelFreeHours)*time.Hour)) {
				c := b.EstimateFen * int64(i.LateCancelPct) / 100
				charge = &c
			}
		case "check_in":
			if !owner && !booker {
				return apperr.New(apperr.Forbidden, "the booker or the owner checks in")
			}
			if now.Before(b.Start.Add(-30*time.Minute)) || !now.Before(b.End) {
				return apperr.New(apperr.Conflict, "check-in opens 30 minutes before the start and closes at the end")
			}
			to = calendar.CheckedIn
		case "complete":
			if !owner {
				return apperr.New(apperr.Forbidden, "the instrument's owner records the use")
			}
			if in.ActualMinutes < 1 || in.ActualMinutes > 14*1440 {
				return apperr.Field("actual_minutes", "must be the minutes used, from 1")
			}
			samples := b.Samples
			if in.Samples != nil {
				if *in.Samples < 0 || *in.Samples > 10000 {
					return apperr.Field("samples", "must be from 0 to 10000")
				}
				samples = *in.Samples
			}
			to = calendar.Completed
			c := i.Charge(b.FeeClass, in.ActualMinutes, samples)
			charge, minutes = &c, &in.ActualMinutes
			if _, err := tx.ExecContext(ctx, `UPDATE instrument_bookings SET samples = $1 WHERE booking_id = $2`, samples, id); err != nil {
				return apperr.Wrap(err, "samples")
			}
		case "no_show":
			if !owner {
				return apperr.New(apperr.Forbidden, "the instrument's owner records a no-show")
			}
			if now.Before(b.Start.Add(15 * time.Minute)) {
				return apperr.New(apperr.Conflict, "a no-show is recorded from 15 minutes after the start")
			}
			to = calendar.NoShow
			c := b.EstimateFen * int64(i.NoShowPct) / 100
			charge = &c
		default:
			return apperr.Field("action", "must be approve, reject, cancel, check_in, complete or no_show")
		}
		if _, err := calendar.SetStatus(ctx, tx, s.DB, id, to); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE instrument_bookings SET charge_fen = COALESCE($1, charge_fen), actual_minutes = COALESCE($2, actual_minutes), updated_at = $3
			WHERE booking_id = $4`, charge, minutes, now, id); err != nil {
			return apperr.Wrap(err, "booking charge")
		}
		if err := audit.Record(ctx, tx, now, audit.Change{OrgID: b.OwnerOrgID, Action: in.Action, Entity: "instrument_booking", EntityID: strconv.FormatInt(id, 10),
			Before: map[string]any{"status": b.Status}, After: map[string]any{"status": to, "charge_fen": charge, "actual_minutes": minutes, "comment": in.Comment}}); err != nil {
			return err
		}
		if s.Notifier != nil && (in.Action == "approve" || in.Action == "reject") {
			_, err := s.Notifier.ToUser(ctx, tx, b.UserID, notify.Message{Kind: "instrument." + in.Action,
				Title: notify.Text{Zh: map[string]string{"approve": "预约已批准：", "reject": "预约未获批准："}[in.Action] + i.NameZh,
					En: map[string]string{"approve": "Booking approved: ", "reject": "Booking declined: "}[in.Action] + cmp.Or(i.NameEn, i.NameZh)},
				Body: notify.Text{Zh: b.Start.In(shanghai).Format("2006-01-02 15:04") + " " + in.Comment, En: b.Start.In(shanghai).Format("2006-01-02 15:04") + " " + in.Comment},
				Link: "/instruments/bookings"})
			return err
		}
		return nil
	})
	if err != nil {
		return Booking{}, err
	}
	return s.getBooking(ctx, s.DB.Read, id)
}

// Availability is an instrument's free time in [from, to), public.
func (s *Service) Availability(ctx context.Context, id int64, from, to time.Time) ([]calendar.Interval, error) {
	i, err := load(ctx, s.DB.Read, id)
	if err != nil {
		return nil, err
	}
	iv, err := calendar.Availability(ctx, s.DB.Read, i.ResourceID, from, to)
	if iv == nil && err == nil {
		iv = []calendar.Interval{}
	}
	return iv, err
}
