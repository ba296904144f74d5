// Package talent is module M8's work permits for foreign talent: the
// points table of the classification standard as versioned data, the
// one-window application the employer files for a foreign talent (document
// checklist, officers' review through the workflow engine, the permit with
// its class and validity, the hand-off to the residence procedure), renewal
// reminders, re-scoring when a new table takes effect, and the report of
// permits by class and month.
package talent

import (
	"time"

	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
)

// Service is the work-permit module.
type Service struct {
	DB       *db.DB
	Notifier *notify.Notifier
}

var shanghai = time.FixedZone("CST", 8*3600)

// today is the current day in Shanghai, at midnight UTC.
func (s *Service) today() time.Time {
	y, m, d := s.DB.Now().In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
