package servicedesk

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/periodic"
)

// Escalation is one escalation the sweep made.
type Escalation struct {
	RequestID int64 `json:"request_id"`
	Level     int   `json:"level"`
	Notified  int   `json:"notified"`
}

// levelFor is the escalation level of a request overdue by over of
// working time under a service level of sla: 1 at the deadline, one more
// for each further full service level, at most MaxLevel.
func levelFor(over, sla time.Duration) int {
	if sla <= 0 {
		return 1
	}
	return min(1+int(over/sla), MaxLevel)
}

// Sweep escalates every request waiting for an officer past its deadline
// to the level it has reached: the level is recorded on the request and
// in desk_escalations (once per request, wait and level, so that a
// second sweep changes nothing), and the district's lead officers get a
// notice and a mail, all in one transaction per request.
func (s *Service) Sweep(ctx context.Context) ([]Escalation, error) {
	now := s.DB.Now()
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id FROM desk_requests WHERE state = 'open' AND due_at < $1 AND escalation_level < $2 ORDER BY id`, now, MaxLevel)
	ids, err := db.Collect(rows, err, "overdue requests", func(sc interface{ Scan(...any) error }) (int64, error) {
		var id int64
		return id, sc.Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	out := []Escalation{}
	for _, id := range ids {
		var esc *Escalation
		err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
			var e error
			esc, e = s.escalate(ctx, tx, id, now)
			return e
		})
		if err != nil {
			return out, err
		}
		if esc != nil {
			out = append(out, *esc)
		}
	}
	return out, nil
}

func (s *Service) escalate(ctx context.Context, tx *sql.Tx, id int64, now time.Time) (*Escalation, error) {
	r, err := s.load(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if r.State != Open || r.DueAt == nil || !now.After(*r.DueAt) {
		return nil, nil
	}
	lv, err := s.level(ctx, tx, r.Topic)
	if err != nil {
		return nil, err
	}
	cal, err := s.calendar(ctx, tx)
	if err != nil {
		return nil, err
	}
	level := levelFor(cal.Between(*r.DueAt, now), lv.Duration())
	if level <= r.EscalationLevel {
		return nil, nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE desk_requests SET escalation_level = $1, escalated_at = $2 WHERE id = $3 AND cycle = $4 AND escalation_level < $1 AND state = 'open'`,
		level, now, id, r.Cycle)
	if err != nil {
		return nil, apperr.Wrap(err, "escalate")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, nil
	}
	leads, err := s.leads(ctx, tx, r.District)
	if err != nil {
		return nil, err
	}
	key := "desk.escalation:" + strconv.FormatInt(id, 10) + ":" + strconv.Itoa(r.Cycle) + ":" + strconv.Itoa(level)
	notified := 0
	for _, u := range leads {
		n, err := s.Notifier.ToUser(ctx, tx, u, notify.Message{Kind: "desk.escalation", Key: key,
			Title: notify.T("desk.mail.escalation_title", level, r.Title),
			Body:  notify.T("desk.mail.escalation_body", r.OrgName, r.DueAt.In(Shanghai).Format("2006-01-02 15:04")),
			Link:  link(id)})
		if err != nil {
			return nil, err
		}
		notified += n
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO desk_escalations (request_id, cycle, level, notified, at) VALUES ($1, $2, $3, $4, $5)`,
		id, r.Cycle, level, notified, now); err != nil {
		return nil, apperr.Wrap(err, "escalation record")
	}
	if err := audit.Record(ctx, tx, now, audit.Change{OrgID: r.OrgID, Action: "desk_request.escalate", Entity: "desk_request", EntityID: strconv.FormatInt(id, 10),
		Before: map[string]any{"escalation_level": r.EscalationLevel}, After: map[string]any{"escalation_level": level, "cycle": r.Cycle, "notified": notified}}); err != nil {
		return nil, err
	}
	return &Escalation{RequestID: id, Level: level, Notified: notified}, nil
}

// Worker sweeps at once and then every interval until ctx ends, logging
// what it escalated and any error; serve runs it in the background.
func (s *Service) Worker(ctx context.Context, every time.Duration, log *slog.Logger) {
	periodic.Every(ctx, every, log, "service desk sweep", func(ctx context.Context) error {
		es, err := s.Sweep(ctx)
		if err == nil && len(es) > 0 {
			log.Info("service desk escalations", "requests", len(es))
		}
		n, derr := s.DeliverPending(ctx)
		if derr == nil && n > 0 {
			log.Info("service desk notices delivered", "notices", n)
		}
		return errors.Join(err, derr)
	})
}
