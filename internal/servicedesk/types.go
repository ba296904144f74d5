package servicedesk

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/text"
	"rainforest/internal/kernel/workflow"
)

// Topics are the fixed list a request is filed under; their labels are
// the catalog's desk.topic.NAME.
var Topics = []string{"programs", "ip", "transfer", "instruments_vouchers", "finance", "talent", "incubation", "registration", "other"}

// Request states.
const (
	Open               = "open"
	AwaitingEnterprise = "awaiting_enterprise"
	Answered           = "answered"
	Closed             = "closed"
	Withdrawn          = "withdrawn"
)

// States lists the request states in their order.
var States = []string{Open, AwaitingEnterprise, Answered, Closed, Withdrawn}

// Units of a service level.
const (
	UnitHours = "hours"
	UnitDays  = "days"
)

// Limits of what a request holds.
const (
	MaxTitle   = 120
	MaxBody    = 5000
	MaxComment = 1000
	// MaxFileSize is the largest attachment of a request: 5 MiB.
	MaxFileSize = 5 << 20
	// MaxFiles is the most attachments one request holds.
	MaxFiles = 5
	// ReopenDays is how long after closing the enterprise may reopen.
	ReopenDays = 7
	// MaxLevel is the highest escalation level.
	MaxLevel = 3
	// MaxRule is the longest targeting rule, in bytes.
	MaxRule = 2000
)

// DefaultLevel is the service level of a topic without a setting: three
// working days.
var DefaultLevel = Level{Amount: 3, Unit: UnitDays, Default: true}

// Request is an enterprise's question or difficulty.
type Request struct {
	ID              int64      `json:"id"`
	OrgID           int64      `json:"org_id"`
	OrgName         string     `json:"org_name"`
	District        string     `json:"district"`
	Topic           string     `json:"topic"`
	AgencyOrgID     *int64     `json:"agency_org_id"`
	AgencyName      string     `json:"agency_name"`
	Title           string     `json:"title"`
	Body            string     `json:"body"`
	State           string     `json:"state"`
	FirstDueAt      time.Time  `json:"first_due_at"`
	DueAt           *time.Time `json:"due_at"`
	RespondedAt     *time.Time `json:"responded_at"`
	ClosedAt        *time.Time `json:"closed_at"`
	Cycle           int        `json:"cycle"`
	EscalationLevel int        `json:"escalation_level"`
	EscalatedAt     *time.Time `json:"escalated_at"`
	Rating          *int       `json:"rating"`
	RatingComment   string     `json:"rating_comment"`
	RatedAt         *time.Time `json:"rated_at"`
	// Countdown is set while the request waits for an officer.
	Countdown *Countdown `json:"countdown"`
	Version   int        `json:"version"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// File is an attachment of a request, without its content.
type File struct {
	ID          int64     `json:"id"`
	RequestID   int64     `json:"request_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// View is a request with its thread, files and what the caller may do.
type View struct {
	Request
	Files   []File            `json:"files"`
	History []workflow.Record `json:"history"`
	Actions []workflow.Option `json:"actions"`
	// CanRate: the caller may rate the answer now.
	CanRate bool `json:"can_rate"`
	// ReopenUntil is the last moment a closed request may be reopened.
	ReopenUntil *time.Time `json:"reopen_until"`
	// Member: the caller belongs to the requesting enterprise.
	Member bool `json:"member"`
}

// RequestInput is a new request.
type RequestInput struct {
	OrgID int64  `json:"org_id"`
	Topic string `json:"topic"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

// Check validates a request's own fields: a topic of the list, a title
// of one line, a body of text; it trims them in place.
func (in *RequestInput) Check() error {
	in.Topic = strings.TrimSpace(in.Topic)
	in.Title = strings.TrimSpace(in.Title)
	in.Body = strings.TrimSpace(in.Body)
	var fs text.Errors
	if !slices.Contains(Topics, in.Topic) {
		fs.Add("topic", "must be one of "+strings.Join(Topics, ", "))
	}
	fs.Line("title", in.Title, true, MaxTitle)
	if in.Body == "" {
		fs.Add("body", "is required")
	} else {
		fs.Block("body", in.Body, MaxBody)
	}
	return apperr.Fields(fs)
}

// RatingInput rates an answer.
type RatingInput struct {
	Stars   int    `json:"stars"`
	Comment string `json:"comment"`
}

// Check validates a rating: 1 to 5 stars and a comment of text.
func (in *RatingInput) Check() error {
	in.Comment = strings.TrimSpace(in.Comment)
	var fs text.Errors
	if in.Stars < 1 || in.Stars > 5 {
		fs.Add("stars", "must be a whole number from 1 to 5")
	}
	fs.Block("comment", in.Comment, MaxComment)
	return apperr.Fields(fs)
}

// LevelInput sets a topic's service level.
type LevelInput struct {
	Amount int    `json:"amount"`
	Unit   string `json:"unit"`
}

// Check validates a service level: a positive amount of hours (at most a
// working year) or days (at most 250).
func (in *LevelInput) Check() error {
	var fs text.Errors
	switch in.Unit {
	case UnitHours:
		if in.Amount > 2000 {
			fs.Add("amount", "must be at most 2000 working hours")
		}
	case UnitDays:
		if in.Amount > 250 {
			fs.Add("amount", "must be at most 250 working days")
		}
	default:
		fs.Add("unit", "must be hours or days")
	}
	if in.Amount <= 0 {
		fs = append(text.Errors{{Field: "amount", Message: "must be greater than zero"}}, fs...)
	}
	return apperr.Fields(fs)
}

// Route sends a district's topic to an agency.
type Route struct {
	District    string    `json:"district"`
	Topic       string    `json:"topic"`
	AgencyOrgID int64     `json:"agency_org_id"`
	AgencyName  string    `json:"agency_name"`
	GroupZh     string    `json:"group_zh"`
	GroupEn     string    `json:"group_en"`
	Default     bool      `json:"default"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// RouteInput sets a route.
type RouteInput struct {
	District    string `json:"district"`
	Topic       string `json:"topic"`
	AgencyOrgID int64  `json:"agency_org_id"`
	GroupZh     string `json:"group_zh"`
	GroupEn     string `json:"group_en"`
}

// Check validates a route's own fields.
func (in *RouteInput) Check() error {
	in.District = strings.TrimSpace(in.District)
	in.GroupZh, in.GroupEn = strings.TrimSpace(in.GroupZh), strings.TrimSpace(in.GroupEn)
	var fs text.Errors
	if in.District == "" {
		fs.Add("district", "is required")
	}
	if !slices.Contains(Topics, in.Topic) {
		fs.Add("topic", "must be one of "+strings.Join(Topics, ", "))
	}
	if in.AgencyOrgID <= 0 {
		fs.Add("agency_org_id", "is required")
	}
	fs.Line("group_zh", in.GroupZh, false, 80)
	fs.Line("group_en", in.GroupEn, false, 80)
	return apperr.Fields(fs)
}

// LeadInput makes a user a lead officer of a district, or not.
type LeadInput struct {
	District string `json:"district"`
	UserID   int64  `json:"user_id"`
	Lead     bool   `json:"lead"`
}

// Lead is a lead officer of a district.
type Lead struct {
	District string `json:"district"`
	UserID   int64  `json:"user_id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
}

// Settings are the routing table, the service levels and the leads.
type Settings struct {
	Topics []string `json:"topics"`
	Routes []Route  `json:"routes"`
	Levels []Level  `json:"levels"`
	Leads  []Lead   `json:"leads"`
}

// Notice is a policy notice.
type Notice struct {
	ID       int64  `json:"id"`
	District string `json:"district"`
	TitleZh  string `json:"title_zh"`
	TitleEn  string `json:"title_en"`
	BodyZh   string `json:"body_zh"`
	BodyEn   string `json:"body_en"`
	Rule     string `json:"rule"`
	State    string `json:"state"`
	Reach    int    `json:"reach"`
	// Pending is how many of the recipient enterprises are still to be
	// told (a delivery in progress).
	Pending     int        `json:"pending"`
	PublishedAt *time.Time `json:"published_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

// NoticeInput is a notice to draft.
type NoticeInput struct {
	District string `json:"district"`
	TitleZh  string `json:"title_zh"`
	TitleEn  string `json:"title_en"`
	BodyZh   string `json:"body_zh"`
	BodyEn   string `json:"body_en"`
	Rule     string `json:"rule"`
}

// Check validates a notice's texts; the rule is compiled separately.
func (in *NoticeInput) Check() error {
	in.District = strings.TrimSpace(in.District)
	in.TitleZh, in.TitleEn = strings.TrimSpace(in.TitleZh), strings.TrimSpace(in.TitleEn)
	in.BodyZh, in.BodyEn = strings.TrimSpace(in.BodyZh), strings.TrimSpace(in.BodyEn)
	in.Rule = strings.TrimSpace(in.Rule)
	var fs text.Errors
	fs.Line("title_zh", in.TitleZh, true, MaxTitle)
	fs.Line("title_en", in.TitleEn, true, MaxTitle)
	for _, b := range []struct{ f, v string }{{"body_zh", in.BodyZh}, {"body_en", in.BodyEn}} {
		if b.v == "" {
			fs.Add(b.f, "is required")
		} else {
			fs.Block(b.f, b.v, MaxBody)
		}
	}
	if msg := checkRuleText(in.Rule); msg != "" {
		fs.Add("rule", msg)
	}
	return apperr.Fields(fs)
}

func checkRuleText(r string) string {
	switch {
	case r == "":
		return "is required"
	case !utf8.ValidString(r):
		return "must be valid UTF-8"
	case len(r) > MaxRule:
		return "must be at most 2000 bytes"
	}
	return text.Block(r)
}

// Preview is how many enterprises a rule reaches, with a few of them.
type Preview struct {
	Reach  int        `json:"reach"`
	Sample []OrgBrief `json:"sample"`
	// Skipped counts enterprises whose profile could not be evaluated.
	Skipped int `json:"skipped"`
}

// OrgBrief names an organization.
type OrgBrief struct {
	ID     int64  `json:"id"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
}

// Visit is a company visit by officers.
type Visit struct {
	ID           int64     `json:"id"`
	OrgID        int64     `json:"org_id"`
	OrgName      string    `json:"org_name"`
	District     string    `json:"district"`
	VisitedOn    string    `json:"visited_on"`
	Participants string    `json:"participants"`
	Issues       string    `json:"issues"`
	Promises     []Promise `json:"promises"`
	CreatedAt    time.Time `json:"created_at"`
}

// Promise is what was promised at a visit, with its owner and due date.
type Promise struct {
	ID        int64      `json:"id"`
	VisitID   int64      `json:"visit_id"`
	OrgID     int64      `json:"org_id"`
	OrgName   string     `json:"org_name"`
	What      string     `json:"what"`
	Owner     string     `json:"owner"`
	DueOn     string     `json:"due_on"`
	DoneAt    *time.Time `json:"done_at"`
	Note      string     `json:"note"`
	Overdue   bool       `json:"overdue"`
	CreatedAt time.Time  `json:"created_at"`
}

// VisitInput records a visit.
type VisitInput struct {
	OrgID        int64          `json:"org_id"`
	VisitedOn    string         `json:"visited_on"`
	Participants string         `json:"participants"`
	Issues       string         `json:"issues"`
	Promises     []PromiseInput `json:"promises"`
}

// PromiseInput is one promise of a visit.
type PromiseInput struct {
	What  string `json:"what"`
	Owner string `json:"owner"`
	DueOn string `json:"due_on"`
}

// Check validates a visit: a day not in the future, participants, issues
// as text, and each promise with what, owner and a due day.
func (in *VisitInput) Check(today string) error {
	in.VisitedOn = strings.TrimSpace(in.VisitedOn)
	in.Participants, in.Issues = strings.TrimSpace(in.Participants), strings.TrimSpace(in.Issues)
	var fs text.Errors
	if in.OrgID <= 0 {
		fs.Add("org_id", "is required")
	}
	if d, err := time.Parse(time.DateOnly, in.VisitedOn); err != nil {
		fs.Add("visited_on", "must be a day, YYYY-MM-DD")
	} else if d.Format(time.DateOnly) > today {
		fs.Add("visited_on", "must not be in the future")
	}
	if in.Participants == "" {
		fs.Add("participants", "is required")
	} else {
		fs.Block("participants", in.Participants, 500)
	}
	fs.Block("issues", in.Issues, MaxBody)
	if len(in.Promises) > 20 {
		fs.Add("promises", "at most 20 promises per visit")
	}
	for i := range in.Promises {
		p := &in.Promises[i]
		p.What, p.Owner, p.DueOn = strings.TrimSpace(p.What), strings.TrimSpace(p.Owner), strings.TrimSpace(p.DueOn)
		at := "promises[" + strconv.Itoa(i) + "]."
		fs.Line(at+"what", p.What, true, 300)
		fs.Line(at+"owner", p.Owner, true, 80)
		if _, err := time.Parse(time.DateOnly, p.DueOn); err != nil {
			fs.Add(at+"due_on", "must be a day, YYYY-MM-DD")
		}
	}
	return apperr.Fields(fs)
}

// Query filters the request list.
type Query struct {
	Topic   string
	State   string
	Overdue bool
	OrgID   int64
	Limit   int
}

// Check validates a query's filters.
func (q *Query) Check() error {
	var fs text.Errors
	if q.Topic != "" && !slices.Contains(Topics, q.Topic) {
		fs.Add("topic", "must be one of "+strings.Join(Topics, ", "))
	}
	if q.State != "" && !slices.Contains(States, q.State) {
		fs.Add("state", "must be one of "+strings.Join(States, ", "))
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 200
	}
	return apperr.Fields(fs)
}

// Stars is the rating, 0 when not rated.
func (r Request) Stars() int {
	if r.Rating == nil {
		return 0
	}
	return *r.Rating
}

func (in LevelInput) toLevel() Level { return Level{Amount: in.Amount, Unit: in.Unit} }
