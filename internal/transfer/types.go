// Package transfer is module M4, technology transfer: achievements that
// universities, institutes and enterprises can supply, needs that
// enterprises want solved, ranked matching both ways with its reasons,
// brokers' cases from introduction to contract, and the
// technology-contract registry with its turnover by year and region.
package transfer

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/text"
	"rainforest/internal/registry"
)

// Modes are the ways a technology changes hands.
var Modes = []string{"transfer", "licence", "equity", "joint_development"}

// NeedStatuses and AchievementStatuses are the states of each.
var (
	AchievementStatuses = []string{"published", "withdrawn"}
	NeedStatuses        = []string{"open", "solved", "withdrawn", "expired"}
)

// ContractKinds are the five kinds of technology contract.
var ContractKinds = []string{"development", "transfer", "licensing", "consulting", "service"}

// Regions are where a contract's buyer is: Shanghai, the three other
// provinces of the Yangtze River Delta, elsewhere in China, abroad.
var Regions = []string{"shanghai", "jiangsu", "zhejiang", "anhui", "other", "abroad"}

// Delta are the regions a Shanghai seller "exports" to within the delta.
var Delta = []string{"jiangsu", "zhejiang", "anhui"}

// Achievement is a technology on offer.
type Achievement struct {
	ID         int64     `json:"id"`
	OwnerOrgID int64     `json:"owner_org_id"`
	OwnerName  string    `json:"owner_name"`
	OwnerEn    string    `json:"owner_name_en"`
	TitleZh    string    `json:"title_zh"`
	TitleEn    string    `json:"title_en"`
	SummaryZh  string    `json:"summary_zh"`
	SummaryEn  string    `json:"summary_en"`
	Keywords   string    `json:"keywords"`
	Field      string    `json:"field"`
	TRL        int       `json:"trl"`
	Modes      []string  `json:"modes"`
	PriceFen   *int64    `json:"price_fen"`
	Negotiable bool      `json:"negotiable"`
	District   string    `json:"district"`
	Status     string    `json:"status"`
	AssetIDs   []int64   `json:"asset_ids"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Snippets are the search's extracts when the achievement comes from
	// a search.
	Snippets map[string]string `json:"snippets,omitempty"`
}

// Need is a problem an organization wants solved.
type Need struct {
	ID         int64             `json:"id"`
	OwnerOrgID int64             `json:"owner_org_id"`
	OwnerName  string            `json:"owner_name"`
	OwnerEn    string            `json:"owner_name_en"`
	TitleZh    string            `json:"title_zh"`
	TitleEn    string            `json:"title_en"`
	ProblemZh  string            `json:"problem_zh"`
	ProblemEn  string            `json:"problem_en"`
	Keywords   string            `json:"keywords"`
	Field      string            `json:"field"`
	MinTRL     int               `json:"min_trl"`
	Modes      []string          `json:"modes"`
	BudgetFen  *int64            `json:"budget_fen"`
	Deadline   *string           `json:"deadline"`
	District   string            `json:"district"`
	Status     string            `json:"status"`
	Version    int               `json:"version"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
	Snippets   map[string]string `json:"snippets,omitempty"`
}

// AchievementInput creates or replaces an achievement.
type AchievementInput struct {
	OwnerOrgID int64    `json:"owner_org_id"`
	TitleZh    string   `json:"title_zh"`
	TitleEn    string   `json:"title_en"`
	SummaryZh  string   `json:"summary_zh"`
	SummaryEn  string   `json:"summary_en"`
	Keywords   string   `json:"keywords"`
	Field      string   `json:"field"`
	TRL        int      `json:"trl"`
	Modes      []string `json:"modes"`
	// PriceYuan is the asking price in whole yuan; nil is negotiable.
	PriceYuan *int64  `json:"price_yuan"`
	AssetIDs  []int64 `json:"asset_ids"`
	// Status is published (the default) or withdrawn.
	Status  string `json:"status"`
	Version *int   `json:"version,omitempty"`
}

// NeedInput creates or replaces a need.
type NeedInput struct {
	OwnerOrgID int64    `json:"owner_org_id"`
	TitleZh    string   `json:"title_zh"`
	TitleEn    string   `json:"title_en"`
	ProblemZh  string   `json:"problem_zh"`
	ProblemEn  string   `json:"problem_en"`
	Keywords   string   `json:"keywords"`
	Field      string   `json:"field"`
	MinTRL     int      `json:"min_trl"`
	Modes      []string `json:"modes"`
	// BudgetYuan in whole yuan; nil is an open budget.
	BudgetYuan *int64  `json:"budget_yuan"`
	Deadline   *string `json:"deadline"`
	// Status is open (the default), solved or withdrawn.
	Status  string `json:"status"`
	Version *int   `json:"version,omitempty"`
}

// maxYuan keeps prices within what fen in an int64 and the forms hold.
const maxYuan = 100_000_000_000

type fieldErrs []apperr.FieldError

func (f *fieldErrs) add(field, msg string) {
	*f = append(*f, apperr.FieldError{Field: field, Message: msg})
}

func (f *fieldErrs) line(field, v string, required bool, max int) {
	switch {
	case v == "" && required:
		f.add(field, "is required")
	case text.Line(v) != "":
		f.add(field, text.Line(v))
	case utf8.RuneCountInString(v) > max:
		f.add(field, "must be at most "+strconv.Itoa(max)+" characters of text")
	}
}

func (f *fieldErrs) block(field, v string, max int) {
	switch {
	case text.Block(v) != "":
		f.add(field, text.Block(v))
	case utf8.RuneCountInString(v) > max:
		f.add(field, "must be at most "+strconv.Itoa(max)+" characters of text")
	}
}

func oneOf(vs []string) string { return "must be one of " + strings.Join(vs, ", ") }

// modes checks and orders a list of trade modes.
func (f *fieldErrs) modes(field string, in []string) []string {
	var out []string
	for i, m := range in {
		m = strings.TrimSpace(m)
		if !slices.Contains(Modes, m) {
			f.add(field+"["+strconv.Itoa(i)+"]", oneOf(Modes))
			return nil
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		f.add(field, "needs at least one of "+strings.Join(Modes, ", "))
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(Modes, a) - slices.Index(Modes, b) })
	return out
}

func (f *fieldErrs) yuan(field string, v *int64) *int64 {
	if v == nil {
		return nil
	}
	if *v < 1 || *v > maxYuan {
		f.add(field, "must be a whole number of yuan from 1 to 100,000,000,000, or empty for negotiable")
		return nil
	}
	fen := *v * 100
	return &fen
}

func trimAll(ps ...*string) {
	for _, p := range ps {
		*p = strings.TrimSpace(*p)
	}
}

// normalize trims and checks an achievement's input, naming every wrong
// field; it returns the price in fen.
func (in *AchievementInput) normalize() (*int64, error) {
	trimAll(&in.TitleZh, &in.TitleEn, &in.SummaryZh, &in.SummaryEn, &in.Keywords, &in.Field, &in.Status)
	var fs fieldErrs
	if in.OwnerOrgID < 1 {
		fs.add("owner_org_id", "is required")
	}
	fs.line("title_zh", in.TitleZh, true, 200)
	fs.line("title_en", in.TitleEn, false, 300)
	fs.block("summary_zh", in.SummaryZh, 5000)
	fs.block("summary_en", in.SummaryEn, 8000)
	fs.line("keywords", in.Keywords, false, 300)
	if !slices.Contains(registry.TechFields, in.Field) {
		fs.add("field", oneOf(registry.TechFields))
	}
	if in.TRL < 1 || in.TRL > 9 {
		fs.add("trl", "must be a technology readiness level from 1 to 9")
	}
	in.Modes = fs.modes("modes", in.Modes)
	price := fs.yuan("price_yuan", in.PriceYuan)
	if in.Status == "" {
		in.Status = "published"
	}
	if !slices.Contains(AchievementStatuses, in.Status) {
		fs.add("status", oneOf(AchievementStatuses))
	}
	if len(in.AssetIDs) > 50 {
		fs.add("asset_ids", "must list at most 50 assets")
	}
	seen := map[int64]bool{}
	for i, a := range in.AssetIDs {
		if a < 1 || seen[a] {
			fs.add("asset_ids["+strconv.Itoa(i)+"]", "must be a distinct asset id")
		}
		seen[a] = true
	}
	return price, apperr.Fields(fs)
}

// normalize trims and checks a need's input; it returns the budget in fen.
func (in *NeedInput) normalize(today string) (*int64, error) {
	trimAll(&in.TitleZh, &in.TitleEn, &in.ProblemZh, &in.ProblemEn, &in.Keywords, &in.Field, &in.Status)
	var fs fieldErrs
	if in.OwnerOrgID < 1 {
		fs.add("owner_org_id", "is required")
	}
	fs.line("title_zh", in.TitleZh, true, 200)
	fs.line("title_en", in.TitleEn, false, 300)
	fs.block("problem_zh", in.ProblemZh, 5000)
	fs.block("problem_en", in.ProblemEn, 8000)
	fs.line("keywords", in.Keywords, false, 300)
	if !slices.Contains(registry.TechFields, in.Field) {
		fs.add("field", oneOf(registry.TechFields))
	}
	if in.MinTRL == 0 {
		in.MinTRL = 1
	}
	if in.MinTRL < 1 || in.MinTRL > 9 {
		fs.add("min_trl", "must be a technology readiness level from 1 to 9")
	}
	in.Modes = fs.modes("modes", in.Modes)
	budget := fs.yuan("budget_yuan", in.BudgetYuan)
	if in.Deadline != nil {
		d := strings.TrimSpace(*in.Deadline)
		switch {
		case d == "":
			in.Deadline = nil
		case !validDate(d):
			fs.add("deadline", "must be a date (YYYY-MM-DD)")
		case d < today:
			fs.add("deadline", "must not be in the past")
		default:
			in.Deadline = &d
		}
	}
	if in.Status == "" {
		in.Status = "open"
	}
	if in.Status != "open" && in.Status != "solved" && in.Status != "withdrawn" {
		fs.add("status", oneOf([]string{"open", "solved", "withdrawn"}))
	}
	return budget, apperr.Fields(fs)
}

func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

func joinModes(m []string) string { return strings.Join(m, ",") }

func splitModes(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// Maturity is the achievement's maturity band (lab, pilot, market).
func (a Achievement) Maturity() string { return Maturity(a.TRL) }

// PriceYuan is the asking price in whole yuan, 0 when negotiable.
func (a Achievement) PriceYuan() int64 {
	if a.PriceFen == nil {
		return 0
	}
	return *a.PriceFen / 100
}

// BudgetYuan is the budget in whole yuan, 0 when open.
func (n Need) BudgetYuan() int64 {
	if n.BudgetFen == nil {
		return 0
	}
	return *n.BudgetFen / 100
}
