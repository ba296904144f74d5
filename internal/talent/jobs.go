package talent

import (
	"context"
	"database/sql"
	"log/slog"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/periodic"
)

// ReminderDays are the days before a permit's expiry when the employer and
// the talent are reminded to renew it.
var ReminderDays = []int{60, 30}

// Remind sends the renewal reminders due today: for every valid permit
// expiring within 60 (then 30) days, one notice (in-app and e-mail) to the
// employer's members and the holder. A reminder's key makes it reach each
// user once however often this runs. It returns the notices written.
func (s *Service) Remind(ctx context.Context) (int, error) {
	if s.Notifier == nil {
		return 0, nil
	}
	today := s.today()
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+permitCols+` FROM talent_permits WHERE status = 'valid' AND valid_to >= $1 AND valid_to <= $2 ORDER BY id`,
		today.Format(time.DateOnly), today.AddDate(0, 0, ReminderDays[0]).Format(time.DateOnly))
	ps, err := collectPermits(rows, err, today)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, pm := range ps {
		to, _ := time.Parse(time.DateOnly, pm.ValidTo)
		left := int(to.Sub(today).Hours() / 24)
		// The nearest threshold reached: one reminder per threshold.
		mark := 0
		for _, d := range ReminderDays {
			if left <= d {
				mark = d
			}
		}
		if mark == 0 {
			continue
		}
		err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
			m := notify.Message{Kind: "talent.permit.expiry", Key: "talent.permit.expiry:" + strconv.FormatInt(pm.ID, 10) + ":" + strconv.Itoa(mark),
				Title: notify.T("talent.notice.expiry", pm.HolderName, pm.ValidTo), Body: notify.T("talent.notice.expiry.body", pm.Number, pm.ValidTo, left),
				Link: "/talent/applications/" + strconv.FormatInt(pm.ApplicationID, 10)}
			n, err := s.Notifier.ToOrg(ctx, tx, pm.EmployerOrgID, m)
			if err != nil {
				return err
			}
			if pm.UserID != 0 {
				k, err := s.Notifier.ToUser(ctx, tx, pm.UserID, m)
				if err != nil {
					return err
				}
				n += k
			}
			sent += n
			if n == 0 {
				return nil
			}
			return audit.Record(ctx, tx, s.DB.Now(), audit.Change{OrgID: pm.EmployerOrgID, Action: "remind", Entity: "work_permit",
				EntityID: strconv.FormatInt(pm.ID, 10), After: map[string]any{"days_before": mark, "days_left": left, "notices": n}})
		})
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// Daily is the module's daily task: the renewal reminders due today, and
// the re-scoring of the open applications, so that a table version whose
// effective date has come takes effect on them.
func (s *Service) Daily(ctx context.Context) (int, RescoreResult, error) {
	n, err := s.Remind(ctx)
	if err != nil {
		return n, RescoreResult{}, err
	}
	res, err := s.rescore(ctx, "", nil)
	return n, res, err
}

// Worker runs Daily at start and then every period, until ctx ends.
func (s *Service) Worker(ctx context.Context, every time.Duration, log *slog.Logger) {
	periodic.Every(ctx, every, log, "work permits daily task", func(ctx context.Context) error {
		n, res, err := s.Daily(ctx)
		if err == nil && (n > 0 || res.Changed > 0) {
			log.Info("work permits daily task", "notices", n, "rescored", res.Scored, "changed", res.Changed, "ms", res.Millis)
		}
		return err
	})
}

// MonthClass is one cell of the report: permits granted in a month, by
// class.
type MonthClass struct {
	Month string `json:"month"` // YYYY-MM
	A     int    `json:"a"`
	B     int    `json:"b"`
	C     int    `json:"c"`
	Total int    `json:"total"`
}

// Report is the permits granted by class and month, with the open
// applications by state: aggregate counts only.
type Report struct {
	Months  []MonthClass   `json:"months"`
	Classes map[string]int `json:"classes"`
	Open    map[string]int `json:"open"`
	Valid   int            `json:"valid"`
	// Peak is the largest month's total (at least 1), for the chart.
	Peak int `json:"peak"`
}

// Report counts the permits by the month they start and their class, over
// the last months (1 to 120, default 24).
func (s *Service) Report(ctx context.Context, months int) (Report, error) {
	if months == 0 {
		months = 24
	}
	if months < 1 || months > 120 {
		return Report{}, apperr.Field("months", "must be from 1 to 120")
	}
	today := s.today()
	since := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1-months, 0)
	r := Report{Months: []MonthClass{}, Classes: map[string]int{"A": 0, "B": 0, "C": 0}, Open: map[string]int{}, Peak: 1}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT valid_from, class FROM talent_permits WHERE valid_from >= $1`, since.Format(time.DateOnly))
	type rc struct {
		from  db.Date
		class string
	}
	got, err := db.Collect(rows, err, "permits by month", func(x interface{ Scan(...any) error }) (rc, error) {
		var v rc
		return v, x.Scan(&v.from, &v.class)
	})
	if err != nil {
		return r, err
	}
	byMonth := map[string]*MonthClass{}
	for m := since; !m.After(today); m = m.AddDate(0, 1, 0) {
		k := m.Format("2006-01")
		r.Months = append(r.Months, MonthClass{Month: k})
	}
	for i := range r.Months {
		byMonth[r.Months[i].Month] = &r.Months[i]
	}
	for _, v := range got {
		mc := byMonth[v.from.String[:7]]
		if mc == nil {
			continue
		}
		switch v.class {
		case ClassA:
			mc.A++
		case ClassB:
			mc.B++
		case ClassC:
			mc.C++
		}
		mc.Total++
		r.Peak = max(r.Peak, mc.Total)
		r.Classes[v.class]++
	}
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM talent_permits WHERE status = 'valid' AND valid_to >= $1`, today.Format(time.DateOnly)).Scan(&r.Valid); err != nil {
		return r, apperr.Wrap(err, "valid permits")
	}
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT state, COUNT(*) FROM talent_applications WHERE state IN ('submitted', 'under_review', 'returned') GROUP BY state`)
	type sc struct {
		state string
		n     int
	}
	open, err := db.Collect(rows, err, "open applications", func(x interface{ Scan(...any) error }) (sc, error) {
		var v sc
		return v, x.Scan(&v.state, &v.n)
	})
	for _, o := range open {
		r.Open[o.state] = o.n
	}
	return r, err
}
