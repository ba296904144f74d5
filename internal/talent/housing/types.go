package housing

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/kernel/text"
)

// Permit is a person's foreign-talent work permit as this module reads it:
// the class (a, b or c), the employer and the validity.
type Permit struct {
	Class         string
	EmployerOrgID int64
	ValidFrom     string // YYYY-MM-DD
	ValidTo       string // YYYY-MM-DD
}

// Permits gives the work permits of a user; the work-permit module answers
// it, wired in the application.
type Permits interface {
	PermitsOf(ctx context.Context, userID int64) ([]Permit, error)
}

// Building is a talent-apartment building.
type Building struct {
	ID            int64     `json:"id"`
	NameZh        string    `json:"name_zh"`
	NameEn        string    `json:"name_en"`
	District      string    `json:"district"`
	Address       string    `json:"address"`
	OperatorOrgID *int64    `json:"operator_org_id"`
	OperatorName  string    `json:"operator_name,omitempty"`
	Units         int       `json:"units"`
	Free          int       `json:"free_units"`
	CreatedAt     time.Time `json:"created_at"`
}

// Unit is a flat of a building.
type Unit struct {
	ID         int64   `json:"id"`
	BuildingID int64   `json:"building_id"`
	Number     string  `json:"number"`
	Rooms      int     `json:"rooms"`
	AreaM2     float64 `json:"area_m2"`
	RentFen    int64   `json:"monthly_rent_fen"`
	Status     string  `json:"status"`
}

// Unit statuses.
const (
	Available   = "available"
	Offered     = "offered"
	Occupied    = "occupied"
	Maintenance = "maintenance"
)

// Round is one allocation round of a building or of a district's
// buildings, with its application window.
type Round struct {
	ID           int64      `json:"id"`
	NameZh       string     `json:"name_zh"`
	NameEn       string     `json:"name_en"`
	District     string     `json:"district"`
	BuildingID   *int64     `json:"building_id"`
	OpensOn      string     `json:"opens_on"`
	ClosesOn     string     `json:"closes_on"`
	OfferDays    int        `json:"offer_days"`
	TermMonths   int        `json:"term_months"`
	MaxYears     int        `json:"max_years"`
	State        string     `json:"state"`
	AllocatedAt  *time.Time `json:"allocated_at"`
	Applications int        `json:"applications"`
	CreatedAt    time.Time  `json:"created_at"`
}

// Application is a talent's application in a round with its score.
type Application struct {
	ID               int64         `json:"id"`
	RoundID          int64         `json:"round_id"`
	UserID           int64         `json:"user_id"`
	PersonName       string        `json:"person_name"`
	EmployerOrgID    int64         `json:"employer_org_id"`
	EmployerName     string        `json:"employer_name"`
	TalentClass      string        `json:"talent_class"`
	MonthsInDistrict int           `json:"months_in_district"`
	HouseholdSize    int           `json:"household_size"`
	Rooms            int           `json:"rooms"`
	MoveInOn         string        `json:"move_in_on"`
	Score            float64       `json:"score"`
	Result           *rules.Result `json:"result"`
	State            string        `json:"state"`
	WaitlistPos      *int          `json:"waitlist_pos"`
	CreatedAt        time.Time     `json:"created_at"`
}

// Application states.
const (
	Submitted  = "submitted"
	AppOffered = "offered"
	Waitlisted = "waitlisted"
	Housed     = "housed"
	Declined   = "declined"
	Lapsed     = "lapsed"
	Withdrawn  = "withdrawn"
)

// Offer is a unit offered to an application, open until it expires.
type Offer struct {
	ID            int64      `json:"id"`
	ApplicationID int64      `json:"application_id"`
	UserID        int64      `json:"user_id"`
	Unit          Unit       `json:"unit"`
	BuildingZh    string     `json:"building_name_zh"`
	BuildingEn    string     `json:"building_name_en"`
	State         string     `json:"state"`
	ExpiresOn     string     `json:"expires_on"`
	CreatedAt     time.Time  `json:"created_at"`
	DecidedAt     *time.Time `json:"decided_at"`
}

// Tenancy is a talent's lease of a unit.
type Tenancy struct {
	ID            int64   `json:"id"`
	Unit          Unit    `json:"unit"`
	BuildingZh    string  `json:"building_name_zh"`
	BuildingEn    string  `json:"building_name_en"`
	District      string  `json:"district"`
	ApplicationID *int64  `json:"application_id"`
	UserID        int64   `json:"user_id"`
	TenantName    string  `json:"tenant_name"`
	StartOn       string  `json:"start_on"`
	EndOn         string  `json:"end_on"`
	MaxEndOn      string  `json:"max_end_on"`
	TermMonths    int     `json:"term_months"`
	Renewed       bool    `json:"renewed"`
	State         string  `json:"state"`
	MovedOutOn    *string `json:"moved_out_on"`
}

// BuildingInput creates a building.
type BuildingInput struct {
	NameZh        string `json:"name_zh"`
	NameEn        string `json:"name_en"`
	District      string `json:"district"`
	Address       string `json:"address"`
	OperatorOrgID *int64 `json:"operator_org_id"`
}

// UnitInput adds a unit to a building.
type UnitInput struct {
	Number   string  `json:"number"`
	Rooms    int     `json:"rooms"`
	AreaM2   float64 `json:"area_m2"`
	RentYuan int64   `json:"monthly_rent_yuan"`
	Status   string  `json:"status"`
}

// RoundInput opens a round.
type RoundInput struct {
	NameZh     string `json:"name_zh"`
	NameEn     string `json:"name_en"`
	District   string `json:"district"`
	BuildingID *int64 `json:"building_id"`
	OpensOn    string `json:"opens_on"`
	ClosesOn   string `json:"closes_on"`
	OfferDays  int    `json:"offer_days"`
	TermMonths int    `json:"term_months"`
	MaxYears   int    `json:"max_years"`
}

// ApplyInput is a talent's application: the facts the score reads that
// the platform does not hold (the class comes from the work permit, the
// certifications from the employer's registry entry).
type ApplyInput struct {
	EmployerOrgID    int64  `json:"employer_org_id"`
	MonthsInDistrict *int   `json:"months_in_district"`
	HouseholdSize    *int   `json:"household_size"`
	Rooms            *int   `json:"rooms"`
	MoveInOn         string `json:"move_in_on"`
}

// MoveOutInput ends a tenancy on a day (today when empty).
type MoveOutInput struct {
	On string `json:"on"`
}

// StatusInput sets a unit's status (available or maintenance).
type StatusInput struct {
	Status string `json:"status"`
}

func line(fs *text.Errors, name, v string, required bool, max int) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && required:
		fs.Add(name, "is required")
	case len([]rune(v)) > max:
		fs.Add(name, "is too long")
	default:
		if msg := text.Line(v); msg != "" {
			fs.Add(name, msg)
		}
	}
	return v
}

// day parses a YYYY-MM-DD day.
func day(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil || t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t, true
}

func (in *BuildingInput) check() error {
	var fs text.Errors
	in.NameZh = line(&fs, "name_zh", in.NameZh, true, 200)
	in.NameEn = line(&fs, "name_en", in.NameEn, false, 200)
	in.Address = line(&fs, "address", in.Address, false, 300)
	in.District = strings.ToLower(line(&fs, "district", in.District, true, 40))
	if in.OperatorOrgID != nil && *in.OperatorOrgID < 1 {
		fs.Add("operator_org_id", "must be an organization id")
	}
	return apperr.Fields(fs)
}

func (in *UnitInput) check() error {
	var fs text.Errors
	in.Number = line(&fs, "number", in.Number, true, 20)
	if in.Rooms < 1 || in.Rooms > 10 {
		fs.Add("rooms", "must be between 1 and 10")
	}
	if math.IsNaN(in.AreaM2) || in.AreaM2 <= 0 || in.AreaM2 > 1000 {
		fs.Add("area_m2", "must be more than 0 and at most 1000")
	}
	if in.RentYuan < 0 || in.RentYuan > 1_000_000 {
		fs.Add("monthly_rent_yuan", "must be between 0 and 1,000,000")
	}
	switch in.Status {
	case "":
		in.Status = Available
	case Available, Maintenance:
	default:
		fs.Add("status", "must be available or maintenance")
	}
	return apperr.Fields(fs)
}

func (in *RoundInput) check() error {
	var fs text.Errors
	in.NameZh = line(&fs, "name_zh", in.NameZh, true, 200)
	in.NameEn = line(&fs, "name_en", in.NameEn, false, 200)
	in.District = strings.ToLower(line(&fs, "district", in.District, true, 40))
	opens, ok1 := day(in.OpensOn)
	if !ok1 {
		fs.Add("opens_on", "must be a date YYYY-MM-DD")
	}
	closes, ok2 := day(in.ClosesOn)
	if !ok2 {
		fs.Add("closes_on", "must be a date YYYY-MM-DD")
	}
	if ok1 && ok2 && closes.Before(opens) {
		fs.Add("closes_on", "is before opens_on")
	}
	in.OpensOn, in.ClosesOn = opens.Format(time.DateOnly), closes.Format(time.DateOnly)
	if in.OfferDays == 0 {
		in.OfferDays = 7
	}
	if in.OfferDays < 1 || in.OfferDays > 60 {
		fs.Add("offer_days", "must be between 1 and 60")
	}
	if in.TermMonths == 0 {
		in.TermMonths = 12
	}
	if in.TermMonths < 1 || in.TermMonths > 120 {
		fs.Add("term_months", "must be between 1 and 120")
	}
	if in.MaxYears == 0 {
		in.MaxYears = 3
	}
	if in.MaxYears < 1 || in.MaxYears > 20 {
		fs.Add("max_years", "must be between 1 and 20")
	} else if in.MaxYears*12 < in.TermMonths {
		fs.Add("max_years", "is shorter than the first term")
	}
	if in.BuildingID != nil && *in.BuildingID < 1 {
		fs.Add("building_id", "must be a building id")
	}
	return apperr.Fields(fs)
}

// check validates an application against today.
func (in *ApplyInput) check(today time.Time) error {
	var fs text.Errors
	switch {
	case in.MonthsInDistrict == nil:
		fs.Add("months_in_district", "is required")
	case *in.MonthsInDistrict < 0:
		fs.Add("months_in_district", "must not be negative")
	case *in.MonthsInDistrict > 1200:
		fs.Add("months_in_district", "must be at most 1200")
	}
	switch {
	case in.HouseholdSize == nil:
		fs.Add("household_size", "is required")
	case *in.HouseholdSize <= 0:
		fs.Add("household_size", "must be at least 1")
	case *in.HouseholdSize > 20:
		fs.Add("household_size", "must be at most 20")
	}
	switch {
	case in.Rooms == nil:
		fs.Add("rooms", "is required")
	case *in.Rooms < 1 || *in.Rooms > 10:
		fs.Add("rooms", "must be between 1 and 10")
	}
	if t, ok := day(in.MoveInOn); !ok {
		fs.Add("move_in_on", "must be a date YYYY-MM-DD")
	} else if t.Before(today) {
		fs.Add("move_in_on", "is in the past")
	} else {
		in.MoveInOn = t.Format(time.DateOnly)
	}
	if in.EmployerOrgID < 0 {
		fs.Add("employer_org_id", "must be an organization id")
	}
	return apperr.Fields(fs)
}

func resultJSON(r *rules.Result) string {
	b, _ := json.Marshal(r)
	return string(b)
}
