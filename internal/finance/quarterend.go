package finance

import (
	"cmp"
	"context"
	"database/sql"
	"log/slog"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/periodic"
)

// QuarterEndGrace is how many days after a quarter's end the schedule
// waits before it runs the quarter end of every active scheme: the banks
// record a quarter's repayments in its first days.
const QuarterEndGrace = 15

// Who ran a quarter end.
const (
	RunByOfficer  = "officer"
	RunBySchedule = "schedule"
)

// QuarterRunRecord is one recorded quarter-end run of a scheme.
type QuarterRunRecord struct {
	ID       int64     `json:"id"`
	SchemeID int64     `json:"scheme_id"`
	Quarter  string    `json:"quarter"`
	Origin   string    `json:"origin"`
	RunBy    string    `json:"run_by,omitempty"`
	Claimed  int       `json:"claimed"`
	Skipped  int       `json:"skipped"`
	RunAt    time.Time `json:"run_at"`
}

// startRun records that a run of a scheme's quarter begins. The
// schedule's run of a scheme and quarter is taken once: a second start is
// refused by the unique index, and ok is false.
func (s *Service) startRun(ctx context.Context, sc Scheme, quarter, origin string, by int64) (id int64, ok bool, err error) {
	var runBy any
	if by != 0 {
		runBy = by
	}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO subsidy_quarter_runs (scheme_id, quarter, origin, run_by, claimed, skipped, run_at)
			VALUES ($1, $2, $3, $4, 0, 0, $5) RETURNING id`, sc.ID, quarter, origin, runBy, s.DB.Now()).Scan(&id)
	})
	if db.IsUniqueViolation(err) {
		return 0, false, nil
	}
	return id, err == nil, apperr.Wrap(err, "record quarter-end run")
}

// endRun records what a run did, audits it and, for the schedule's, tells
// the scheme's agency.
func (s *Service) endRun(ctx context.Context, id int64, sc Scheme, run QuarterRun, origin string) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE subsidy_quarter_runs SET claimed = $1, skipped = $2 WHERE id = $3`, len(run.Claimed), len(run.Skipped), id); err != nil {
			return apperr.Wrap(err, "record quarter-end run")
		}
		if err := audit.Record(ctx, tx, s.DB.Now(), audit.Change{OrgID: sc.OwnerOrgID, Action: "quarter_end", Entity: "subsidy_scheme",
			EntityID: strconv.FormatInt(sc.ID, 10), After: map[string]any{"quarter": run.Quarter, "origin": origin, "claimed": len(run.Claimed), "skipped": len(run.Skipped)}}); err != nil {
			return err
		}
		if origin != RunBySchedule || s.Notifier == nil {
			return nil
		}
		_, err := s.Notifier.ToOrg(ctx, tx, sc.OwnerOrgID, notify.Message{Kind: "finance.subsidy.quarter_end",
			Key:   "finance.subsidy.quarter_end:" + strconv.FormatInt(sc.ID, 10) + ":" + run.Quarter,
			Title: notify.Text{Zh: "贴息季末申报已生成：" + sc.NameZh + " " + run.Quarter, En: "Quarter-end subsidy claims filed: " + cmp.Or(sc.NameEn, sc.NameZh) + " " + run.Quarter},
			Body: notify.Text{Zh: "新申请 " + strconv.Itoa(len(run.Claimed)) + " 笔，跳过 " + strconv.Itoa(len(run.Skipped)) + " 笔",
				En: strconv.Itoa(len(run.Claimed)) + " claims filed, " + strconv.Itoa(len(run.Skipped)) + " loans skipped"},
			Link: "/finance/subsidies"})
		return err
	})
}

// DueQuarter is the quarter the schedule runs on a day: the last one that
// ended QuarterEndGrace days or more before it.
func DueQuarter(today time.Time) string {
	_, from, _, _ := ParseQuarter(QuarterOf(today.AddDate(0, 0, -QuarterEndGrace)))
	return QuarterOf(from.AddDate(0, 0, -1))
}

// RunDueQuarters is the daily schedule: for every active scheme covering
// the due quarter (DueQuarter) whose schedule has not run it, the quarter
// end is run and recorded, and the agency told. Officers' own runs of the
// quarter do not stop it (claims already filed are skipped, so it files
// only what is missing). It returns the runs recorded.
func (s *Service) RunDueQuarters(ctx context.Context) ([]QuarterRunRecord, error) {
	q := DueQuarter(s.today())
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id FROM subsidy_schemes WHERE status = 'active' AND from_quarter <= $1
		AND NOT EXISTS (SELECT 1 FROM subsidy_quarter_runs r WHERE r.scheme_id = subsidy_schemes.id AND r.quarter = $1 AND r.origin = 'schedule')
		ORDER BY id`, q)
	ids, err := db.Collect(rows, err, "due schemes", func(r interface{ Scan(...any) error }) (int64, error) {
		var x int64
		return x, r.Scan(&x)
	})
	if err != nil {
		return nil, err
	}
	var out []QuarterRunRecord
	for _, id := range ids {
		sc, err := loadScheme(ctx, s.DB.Read, id)
		if err != nil {
			return out, err
		}
		// The run is taken before it runs, so that of several processes
		// one runs it; a run cut short is finished by an officer's.
		rid, ok, err := s.startRun(ctx, sc, q, RunBySchedule, 0)
		if err != nil || !ok {
			if err != nil {
				return out, err
			}
			continue
		}
		run, err := s.runQuarter(ctx, sc, q)
		if err != nil {
			return out, err
		}
		if err := s.endRun(ctx, rid, sc, run, RunBySchedule); err != nil {
			return out, err
		}
		out = append(out, QuarterRunRecord{ID: rid, SchemeID: sc.ID, Quarter: q, Origin: RunBySchedule, Claimed: len(run.Claimed), Skipped: len(run.Skipped), RunAt: s.DB.Now()})
	}
	return out, nil
}

// QuarterRuns lists a scheme's recorded runs, newest first: for the
// officers of its agency and administrators.
func (s *Service) QuarterRuns(ctx context.Context, p *auth.Principal, schemeID int64) ([]QuarterRunRecord, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	sc, err := loadScheme(ctx, s.DB.Read, schemeID)
	if err != nil {
		return nil, err
	}
	if !runs(p, sc.OwnerOrgID) {
		return nil, apperr.New(apperr.Forbidden, "officers of the program's agency see its quarter-end runs")
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT r.id, r.scheme_id, r.quarter, r.origin, COALESCE(u.name, ''), r.claimed, r.skipped, r.run_at
		FROM subsidy_quarter_runs r LEFT JOIN users u ON u.id = r.run_by WHERE r.scheme_id = $1 ORDER BY r.id DESC LIMIT 200`, schemeID)
	return db.Collect(rows, err, "quarter-end runs", func(r interface{ Scan(...any) error }) (QuarterRunRecord, error) {
		var x QuarterRunRecord
		var at db.Time
		err := r.Scan(&x.ID, &x.SchemeID, &x.Quarter, &x.Origin, &x.RunBy, &x.Claimed, &x.Skipped, &at)
		x.RunAt = at.Time
		return x, err
	})
}

// Worker runs the schedule at start and then every interval until ctx
// ends.
func (s *Service) Worker(ctx context.Context, every time.Duration, log *slog.Logger) {
	periodic.Every(ctx, every, log, "subsidy quarter ends", func(ctx context.Context) error {
		done, err := s.RunDueQuarters(ctx)
		if err == nil && len(done) > 0 {
			log.Info("subsidy quarter ends", "schemes", len(done), "quarter", done[0].Quarter)
		}
		return err
	})
}
