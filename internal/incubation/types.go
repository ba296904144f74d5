// Package incubation is module M9: carriers along the chain public space →
// nursery → incubator → accelerator (and maker spaces and university
// science parks) with their space and services; teams and companies that
// apply (an admission workflow), are admitted, lease desks or offices
// within the carrier's capacity, report the investment they raise and
// leave as graduated, moved or closed; the carriers' figures computed from
// these records (occupancy, teams served, survival, graduation and
// incubation success rates, investment raised) per carrier, district and
// city; and the open programs the tenant companies qualify for.
package incubation

import (
	"slices"
	"strings"
	"time"

	"rainforest/internal/kernel/text"
	"rainforest/internal/registry"
)

// Stages of the incubation chain, in order.
var Stages = []string{"public_space", "nursery", "incubator", "accelerator", "maker_space", "university_park"}

// Levels of recognition.
var Levels = []string{"national", "municipal", "district", "none"}

// Services a carrier may offer.
var Services = []string{"workspace", "mentoring", "financing", "ip", "legal_finance", "policy", "training", "lab", "market", "talent"}

// Fields are the technology fields a carrier focuses on (the eight
// supported high-tech fields).
var Fields = registry.TechFields

// Exits are how a tenancy ends.
var Exits = []string{"graduated", "moved", "closed"}

// Rounds of investment.
var Rounds = []string{"seed", "angel", "pre_a", "series_a", "series_b", "series_c_plus", "strategic"}

// Spaces a lease takes.
var Spaces = []string{"desk", "office"}

// Carrier is an incubation carrier.
type Carrier struct {
	ID            int64     `json:"id"`
	OperatorOrgID int64     `json:"operator_org_id"`
	OperatorName  string    `json:"operator_name"`
	Stage         string    `json:"stage"`
	NameZh        string    `json:"name_zh"`
	NameEn        string    `json:"name_en"`
	District      string    `json:"district"`
	Address       string    `json:"address"`
	Level         string    `json:"level"`
	AreaM2        int       `json:"area_m2"`
	Desks         int       `json:"desks"`
	Offices       int       `json:"offices"`
	Fields        []string  `json:"fields"`
	Services      []string  `json:"services"`
	SeedFundFen   int64     `json:"seed_fund_fen"`
	DescriptionZh string    `json:"description_zh"`
	DescriptionEn string    `json:"description_en"`
	Status        string    `json:"status"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	// Snippets are the search's extracts, in a catalog search.
	Snippets map[string]string `json:"snippets,omitempty"`
}

// CarrierInput creates or replaces a carrier.
type CarrierInput struct {
	OperatorOrgID int64    `json:"operator_org_id"`
	Stage         string   `json:"stage"`
	NameZh        string   `json:"name_zh"`
	NameEn        string   `json:"name_en"`
	District      string   `json:"district"`
	Address       string   `json:"address"`
	Level         string   `json:"level"`
	AreaM2        int      `json:"area_m2"`
	Desks         int      `json:"desks"`
	Offices       int      `json:"offices"`
	Fields        []string `json:"fields"`
	Services      []string `json:"services"`
	SeedFundYuan  int64    `json:"seed_fund_yuan"`
	DescriptionZh string   `json:"description_zh"`
	DescriptionEn string   `json:"description_en"`
	Status        string   `json:"status"`
	Version       *int     `json:"version,omitempty"`
}

const (
	maxArea     = 10_000_000
	maxUnits    = 100_000
	maxYuan     = 1_000_000_000_000 // a trillion yuan
	maxListSize = 16
)

// Validate checks and normalises a carrier's input; the district is
// checked against the registry's districts by the service. Every field at
// fault is named.
func (in *CarrierInput) Validate() error {
	for _, p := range []*string{&in.Stage, &in.NameZh, &in.NameEn, &in.District, &in.Address, &in.Level, &in.DescriptionZh, &in.DescriptionEn, &in.Status} {
		*p = strings.TrimSpace(*p)
	}
	var fs text.Errors
	if in.OperatorOrgID < 1 {
		fs.Add("operator_org_id", "is required")
	}
	if !slices.Contains(Stages, in.Stage) {
		fs.Add("stage", "must be one of "+strings.Join(Stages, ", "))
	}
	fs.Line("name_zh", in.NameZh, true, 200)
	fs.Line("name_en", in.NameEn, false, 300)
	fs.Line("district", in.District, true, 40)
	fs.Line("address", in.Address, false, 300)
	if in.Level == "" {
		in.Level = "none"
	}
	if !slices.Contains(Levels, in.Level) {
		fs.Add("level", "must be one of "+strings.Join(Levels, ", "))
	}
	if in.AreaM2 <= 0 || in.AreaM2 > maxArea {
		fs.Add("area_m2", "must be a positive number of square metres, at most 10,000,000")
	}
	switch {
	case in.Desks < 0 || in.Desks > maxUnits:
		fs.Add("desks", "must be from 0 to 100,000")
	case in.Offices < 0 || in.Offices > maxUnits:
		fs.Add("offices", "must be from 0 to 100,000")
	case in.Desks+in.Offices <= 0:
		fs.Add("desks", "capacity must be positive: give the desks or the offices the carrier has")
	}
	in.Fields = normList(in.Fields)
	for _, f := range in.Fields {
		if !slices.Contains(Fields, f) {
			fs.Add("fields", "must be among "+strings.Join(Fields, ", "))
			break
		}
	}
	in.Services = normList(in.Services)
	for _, s := range in.Services {
		if !slices.Contains(Services, s) {
			fs.Add("services", "must be among "+strings.Join(Services, ", "))
			break
		}
	}
	if len(in.Fields) > maxListSize {
		fs.Add("fields", "at most 16")
	}
	if len(in.Services) > maxListSize {
		fs.Add("services", "at most 16")
	}
	if in.SeedFundYuan < 0 || in.SeedFundYuan > maxYuan {
		fs.Add("seed_fund_yuan", "must be a whole number of yuan, not negative")
	}
	fs.Block("description_zh", in.DescriptionZh, 5000)
	fs.Block("description_en", in.DescriptionEn, 8000)
	if in.Status == "" {
		in.Status = "active"
	}
	if in.Status != "active" && in.Status != "closed" {
		fs.Add("status", "must be active or closed")
	}
	return fieldsErr(fs)
}

// normList trims, drops empties and duplicates, keeping the order.
func normList(xs []string) []string {
	out := []string{}
	for _, x := range xs {
		x = strings.TrimSpace(x)
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// Team is a team of founders, not yet a company.
type Team struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	LeaderUserID int64     `json:"leader_user_id"`
	LeaderEmail  string    `json:"leader_email"`
	Members      string    `json:"members"`
	Field        string    `json:"field"`
	Project      string    `json:"project"`
	CreatedAt    time.Time `json:"created_at"`
}

// TeamInput registers a team.
type TeamInput struct {
	Name    string `json:"name"`
	Members string `json:"members"`
	Field   string `json:"field"`
	Project string `json:"project"`
}

// Validate checks a team.
func (in *TeamInput) Validate() error {
	in.Name, in.Members, in.Field, in.Project = strings.TrimSpace(in.Name), strings.TrimSpace(in.Members), strings.TrimSpace(in.Field), strings.TrimSpace(in.Project)
	var fs text.Errors
	fs.Line("name", in.Name, true, 200)
	fs.Block("members", in.Members, 2000)
	if in.Field != "" && !slices.Contains(Fields, in.Field) {
		fs.Add("field", "must be one of "+strings.Join(Fields, ", "))
	}
	fs.Block("project", in.Project, 5000)
	return fieldsErr(fs)
}

// Application is an application to a carrier.
type Application struct {
	ID              int64     `json:"id"`
	CarrierID       int64     `json:"carrier_id"`
	CarrierZh       string    `json:"carrier_name_zh"`
	CarrierEn       string    `json:"carrier_name_en"`
	OperatorOrgID   int64     `json:"operator_org_id"`
	District        string    `json:"district"`
	TeamID          *int64    `json:"team_id"`
	OrgID           *int64    `json:"org_id"`
	ApplicantName   string    `json:"applicant_name"`
	ApplicantUserID *int64    `json:"applicant_user_id"`
	TeamLeaderID    int64     `json:"-"`
	Plan            string    `json:"plan"`
	DesksWanted     int       `json:"desks_wanted"`
	OfficesWanted   int       `json:"offices_wanted"`
	State           string    `json:"state"`
	TenancyID       *int64    `json:"tenancy_id"`
	Version         int       `json:"version"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// ApplyInput applies to a carrier as a team or as a company.
type ApplyInput struct {
	TeamID        int64  `json:"team_id"`
	OrgID         int64  `json:"org_id"`
	Plan          string `json:"plan"`
	DesksWanted   int    `json:"desks_wanted"`
	OfficesWanted int    `json:"offices_wanted"`
}

// Validate checks an application's input.
func (in *ApplyInput) Validate() error {
	in.Plan = strings.TrimSpace(in.Plan)
	var fs text.Errors
	switch {
	case in.TeamID < 0:
		fs.Add("team_id", "must be a team id")
	case in.OrgID < 0:
		fs.Add("org_id", "must be an organization id")
	case (in.TeamID == 0) == (in.OrgID == 0):
		fs.Add("org_id", "apply either as a team (team_id) or as a company (org_id)")
	}
	if in.Plan == "" {
		fs.Add("plan", "is required")
	}
	fs.Block("plan", in.Plan, 5000)
	if in.DesksWanted < 0 || in.DesksWanted > maxUnits {
		fs.Add("desks_wanted", "must be from 0 to 100,000")
	}
	if in.OfficesWanted < 0 || in.OfficesWanted > maxUnits {
		fs.Add("offices_wanted", "must be from 0 to 100,000")
	}
	return fieldsErr(fs)
}

// ActInput is an admission action: invite (to an interview), admit (with
// the admission date), reject (with a comment), withdraw.
type ActInput struct {
	Action     string `json:"action"`
	Comment    string `json:"comment"`
	AdmittedOn string `json:"admitted_on"`
}

// Tenancy is a team's or company's stay at a carrier.
type Tenancy struct {
	ID            int64        `json:"id"`
	CarrierID     int64        `json:"carrier_id"`
	CarrierZh     string       `json:"carrier_name_zh"`
	CarrierEn     string       `json:"carrier_name_en"`
	OperatorOrgID int64        `json:"operator_org_id"`
	District      string       `json:"district"`
	ApplicationID *int64       `json:"application_id"`
	TeamID        *int64       `json:"team_id"`
	OrgID         *int64       `json:"org_id"`
	Name          string       `json:"name"`
	AdmittedOn    string       `json:"admitted_on"`
	LeftOn        *string      `json:"left_on"`
	Exit          *string      `json:"exit"`
	BecameOrgID   *int64       `json:"became_org_id"`
	BecameName    string       `json:"became_name,omitempty"`
	Leases        []Lease      `json:"leases"`
	Investments   []Investment `json:"investments"`
	// Programs are the open programs the tenant company qualifies for
	// today (current tenants that are registry organizations).
	Programs    []ProgramMatch `json:"programs,omitempty"`
	TeamLeader  int64          `json:"-"`
	InvestedFen int64          `json:"invested_fen"`
}

// Current reports whether the tenancy has not ended.
func (t Tenancy) Current() bool { return t.LeftOn == nil }

// Lease is space a tenancy takes, both days included.
type Lease struct {
	ID        int64  `json:"id"`
	TenancyID int64  `json:"tenancy_id"`
	Space     string `json:"space"`
	Units     int    `json:"units"`
	StartsOn  string `json:"starts_on"`
	EndsOn    string `json:"ends_on"`
}

// LeaseInput leases space to a tenancy.
type LeaseInput struct {
	Space    string `json:"space"`
	Units    int    `json:"units"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
}

// Validate checks a lease's input: a known space, at least one unit, two
// dates, the end not before the start.
func (in *LeaseInput) Validate() error {
	in.Space, in.StartsOn, in.EndsOn = strings.TrimSpace(in.Space), strings.TrimSpace(in.StartsOn), strings.TrimSpace(in.EndsOn)
	var fs text.Errors
	if !slices.Contains(Spaces, in.Space) {
		fs.Add("space", "must be desk or office")
	}
	if in.Units < 1 || in.Units > maxUnits {
		fs.Add("units", "must be from 1 to 100,000")
	}
	s, err1 := parseDate(in.StartsOn)
	if err1 != nil {
		fs.Add("starts_on", "must be a date (YYYY-MM-DD)")
	}
	e, err2 := parseDate(in.EndsOn)
	if err2 != nil {
		fs.Add("ends_on", "must be a date (YYYY-MM-DD)")
	}
	if err1 == nil && err2 == nil && e.Before(s) {
		fs.Add("ends_on", "must not be before starts_on")
	}
	if err1 == nil && err2 == nil && e.Sub(s) > 20*366*24*time.Hour {
		fs.Add("ends_on", "a lease is at most twenty years")
	}
	return fieldsErr(fs)
}

// ExitInput ends a tenancy.
type ExitInput struct {
	Exit        string `json:"exit"`
	LeftOn      string `json:"left_on"`
	BecameOrgID int64  `json:"became_org_id"`
}

// Investment is investment a tenant raised.
type Investment struct {
	ID         int64  `json:"id"`
	TenancyID  int64  `json:"tenancy_id"`
	Round      string `json:"round"`
	AmountFen  int64  `json:"amount_fen"`
	Investor   string `json:"investor"`
	InvestedOn string `json:"invested_on"`
}

// InvestmentInput reports an investment.
type InvestmentInput struct {
	Round      string `json:"round"`
	AmountYuan int64  `json:"amount_yuan"`
	Investor   string `json:"investor"`
	InvestedOn string `json:"invested_on"`
}

// Validate checks an investment's input (the dates against the tenancy
// and today are the service's).
func (in *InvestmentInput) Validate() error {
	in.Round, in.Investor, in.InvestedOn = strings.TrimSpace(in.Round), strings.TrimSpace(in.Investor), strings.TrimSpace(in.InvestedOn)
	var fs text.Errors
	if !slices.Contains(Rounds, in.Round) {
		fs.Add("round", "must be one of "+strings.Join(Rounds, ", "))
	}
	if in.AmountYuan < 1 || in.AmountYuan > maxYuan {
		fs.Add("amount_yuan", "must be a positive whole number of yuan")
	}
	fs.Line("investor", in.Investor, true, 300)
	if _, err := parseDate(in.InvestedOn); err != nil {
		fs.Add("invested_on", "must be a date (YYYY-MM-DD)")
	}
	return fieldsErr(fs)
}

// Note is an officer's annotation of a carrier.
type Note struct {
	ID          int64     `json:"id"`
	CarrierID   int64     `json:"carrier_id"`
	AuthorEmail string    `json:"author_email"`
	Body        string    `json:"body"`
	CreatedAt   time.Time `json:"created_at"`
}

// ProgramMatch is an open program a tenant company qualifies for.
type ProgramMatch struct {
	Slug       string `json:"slug"`
	TitleZh    string `json:"title_zh"`
	TitleEn    string `json:"title_en"`
	AmountYuan *int64 `json:"amount_yuan"`
}

// Title is the program's title in lang.
func (m ProgramMatch) Title(lang string) string {
	if lang == "en" && m.TitleEn != "" {
		return m.TitleEn
	}
	return m.TitleZh
}

// parseDate reads YYYY-MM-DD.
func parseDate(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

// SeedFundYuan is the seed fund in whole yuan.
func (c Carrier) SeedFundYuan() int64 { return c.SeedFundFen / 100 }
