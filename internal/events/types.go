// Package events is module M9's events: roadshows, competitions,
// angel-investment matchmaking, salons and training, organised by an
// organization's members or by a district's officers; registration with a
// waitlist that never lets more people in than the capacity, check-in by
// the organiser, iCalendar entries and feeds, and for matchmaking events
// the pairing of investors and startups into meetings on the calendar
// engine, where no participant is ever in two meetings at once.
package events

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/text"
)

// Kinds of event.
var Kinds = []string{"roadshow", "competition", "matchmaking", "salon", "training"}

// Audiences: who may register.
var Audiences = []string{"signed_in", "enterprises", "investors"}

// Statuses of an event: draft → published → closed, or cancelled from
// draft or published.
var Statuses = []string{"draft", "published", "closed", "cancelled"}

// Sides of a matchmaking registration.
const (
	Investor = "investor"
	Startup  = "startup"
)

// Registration statuses.
const (
	Registered = "registered"
	Waitlisted = "waitlisted"
	Cancelled  = "cancelled"
)

// Shanghai is the time zone events are shown and laid out in.
var Shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// Event is an event.
type Event struct {
	ID             int64     `json:"id"`
	OrganiserOrgID int64     `json:"organiser_org_id"`
	OrganiserName  string    `json:"organiser_name"`
	Kind           string    `json:"kind"`
	TitleZh        string    `json:"title_zh"`
	TitleEn        string    `json:"title_en"`
	DescriptionZh  string    `json:"description_zh"`
	DescriptionEn  string    `json:"description_en"`
	Venue          string    `json:"venue"`
	OnlineURL      string    `json:"online_url"`
	District       string    `json:"district"`
	DistrictZh     string    `json:"district_name_zh"`
	DistrictEn     string    `json:"district_name_en"`
	Start          time.Time `json:"starts_at"`
	End            time.Time `json:"ends_at"`
	Capacity       int       `json:"capacity"`
	RegOpens       time.Time `json:"reg_opens_at"`
	RegCloses      time.Time `json:"reg_closes_at"`
	Audience       string    `json:"audience"`
	MeetingMinutes int       `json:"meeting_minutes"`
	Status         string    `json:"status"`
	CancelReason   string    `json:"cancel_reason"`
	SeatsTaken     int       `json:"seats_taken"`
	Waitlisted     int       `json:"waitlisted"`
	Version        int       `json:"version"`
	// Manage says whether the caller may edit the event and see its
	// registrants; Mine is the caller's live registration.
	Manage   bool              `json:"manage"`
	Mine     *Registration     `json:"my_registration,omitempty"`
	Snippets map[string]string `json:"snippets,omitempty"`
}

// Input creates or replaces an event. Times are RFC 3339; the
// registration window defaults to now until the start.
type Input struct {
	OrganiserOrgID int64      `json:"organiser_org_id"`
	Kind           string     `json:"kind"`
	TitleZh        string     `json:"title_zh"`
	TitleEn        string     `json:"title_en"`
	DescriptionZh  string     `json:"description_zh"`
	DescriptionEn  string     `json:"description_en"`
	Venue          string     `json:"venue"`
	OnlineURL      string     `json:"online_url"`
	District       string     `json:"district"`
	Start          time.Time  `json:"starts_at"`
	End            time.Time  `json:"ends_at"`
	Capacity       int        `json:"capacity"`
	RegOpens       *time.Time `json:"reg_opens_at,omitempty"`
	RegCloses      *time.Time `json:"reg_closes_at,omitempty"`
	Audience       string     `json:"audience"`
	MeetingMinutes int        `json:"meeting_minutes"`
	Version        *int       `json:"version,omitempty"`
}

// MaxCapacity is the largest capacity an event may have.
const MaxCapacity = 100_000

// Normalize trims the input, fills the defaults (the registration window
// opens at now and closes at the start; everyone signed in; 20-minute
// meetings) and checks it, naming every wrong field. It reads nothing but
// the input and now.
func (in *Input) Normalize(now time.Time) error {
	for _, p := range []*string{&in.Kind, &in.TitleZh, &in.TitleEn, &in.Venue, &in.OnlineURL, &in.District, &in.Audience} {
		*p = strings.TrimSpace(*p)
	}
	in.DescriptionZh, in.DescriptionEn = strings.TrimSpace(in.DescriptionZh), strings.TrimSpace(in.DescriptionEn)
	in.District = strings.ToLower(in.District)
	var fs text.Errors
	if in.OrganiserOrgID < 1 {
		fs.Add("organiser_org_id", "is required")
	}
	if !slices.Contains(Kinds, in.Kind) {
		fs.Add("kind", "must be one of "+strings.Join(Kinds, ", "))
	}
	fs.Line("title_zh", in.TitleZh, true, 200)
	fs.Line("title_en", in.TitleEn, false, 300)
	fs.Block("description_zh", in.DescriptionZh, 5000)
	fs.Block("description_en", in.DescriptionEn, 8000)
	fs.Line("venue", in.Venue, false, 300)
	if in.OnlineURL != "" {
		u, err := url.Parse(in.OnlineURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.OnlineURL) > 500 || strings.ContainsAny(in.OnlineURL, " \t\r\n<>\"") {
			fs.Add("online_url", "must be an http or https address of at most 500 characters")
		}
	}
	if in.Venue == "" && in.OnlineURL == "" {
		fs.Add("venue", "give a venue or an online link")
	}
	if in.District == "" || len(in.District) > 40 || strings.ContainsFunc(in.District, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r == '-' || r == '_') }) {
		fs.Add("district", "is required: a district such as xuhui")
	}
	switch {
	case in.Start.IsZero():
		fs.Add("starts_at", "is required")
	case in.Start.Year() < 2000 || in.Start.Year() > 2100:
		fs.Add("starts_at", "must be a time from 2000 to 2100")
	case in.Start.Truncate(time.Minute) != in.Start:
		fs.Add("starts_at", "must be a whole minute")
	}
	switch {
	case in.End.IsZero():
		fs.Add("ends_at", "is required")
	case !in.End.After(in.Start):
		fs.Add("ends_at", "must be after starts_at")
	case in.End.Sub(in.Start) > 14*24*time.Hour:
		fs.Add("ends_at", "an event lasts at most 14 days")
	case in.End.Truncate(time.Minute) != in.End:
		fs.Add("ends_at", "must be a whole minute")
	}
	if in.Capacity < 1 || in.Capacity > MaxCapacity {
		fs.Add("capacity", "must be a whole number from 1 to 100000")
	}
	opens, closes := now, in.Start
	if in.RegOpens != nil {
		opens = *in.RegOpens
	}
	if in.RegCloses != nil {
		closes = *in.RegCloses
	}
	opens, closes = opens.UTC().Truncate(time.Microsecond), closes.UTC().Truncate(time.Microsecond)
	in.RegOpens, in.RegCloses = &opens, &closes
	if !in.End.IsZero() && in.End.After(in.Start) {
		switch {
		case closes.After(in.End):
			fs.Add("reg_closes_at", "the registration window must close by the end of the event")
		case !closes.After(opens):
			fs.Add("reg_closes_at", "must be after reg_opens_at")
		}
	}
	if in.Audience == "" {
		in.Audience = "signed_in"
	}
	if !slices.Contains(Audiences, in.Audience) {
		fs.Add("audience", "must be one of "+strings.Join(Audiences, ", "))
	}
	if in.MeetingMinutes == 0 {
		in.MeetingMinutes = 20
	}
	if in.MeetingMinutes < 5 || in.MeetingMinutes > 240 {
		fs.Add("meeting_minutes", "must be from 5 to 240")
	} else if in.Kind == "matchmaking" && in.End.After(in.Start) && in.End.Sub(in.Start) < time.Duration(in.MeetingMinutes)*time.Minute {
		fs.Add("meeting_minutes", "a matchmaking event must last at least one meeting")
	}
	in.Start, in.End = in.Start.UTC(), in.End.UTC()
	return apperr.Fields(fs)
}

// Registration is a user's place at an event.
type Registration struct {
	ID      int64  `json:"id"`
	EventID int64  `json:"event_id"`
	UserID  int64  `json:"user_id"`
	Name    string `json:"user_name"`
	Email   string `json:"email,omitempty"`
	OrgID   *int64 `json:"org_id"`
	OrgName string `json:"org_name"`
	Side    string `json:"side"`
	Status  string `json:"status"`
	// Position is the place in the waitlist (1 first), 0 when not
	// waitlisted.
	Position    int        `json:"waitlist_position"`
	Code        string     `json:"code,omitempty"`
	CheckedInAt *time.Time `json:"checked_in_at"`
	CreatedAt   time.Time  `json:"created_at"`
	// The event, for lists of one's registrations.
	EventTitleZh string    `json:"event_title_zh,omitempty"`
	EventTitleEn string    `json:"event_title_en,omitempty"`
	EventStart   time.Time `json:"event_starts_at"`
	EventStatus  string    `json:"event_status,omitempty"`
}

// RegisterInput asks for a place: for an organization of the caller's
// where the audience or the side needs one.
type RegisterInput struct {
	OrgID *int64 `json:"org_id"`
	Side  string `json:"side"`
	// NoWaitlist refuses a full event (409, reason full) instead of
	// putting the caller on the waitlist.
	NoWaitlist bool `json:"no_waitlist"`
}

// CheckInInput names whom to check in: a registration, a user, or the
// registration's code.
type CheckInInput struct {
	RegistrationID int64  `json:"registration_id"`
	UserID         int64  `json:"user_id"`
	Code           string `json:"code"`
}

// StatusInput moves an event: publish, close or cancel (with a reason).
type StatusInput struct {
	Action string `json:"action"`
	Reason string `json:"reason"`
}

// CheckedInText is the check-in time in Shanghai, or "".
func (r Registration) CheckedInText() string {
	if r.CheckedInAt == nil {
		return ""
	}
	return r.CheckedInAt.In(Shanghai).Format("2006-01-02 15:04")
}
