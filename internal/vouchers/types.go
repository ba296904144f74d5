// Package vouchers is module M6, innovation vouchers: programs funded from
// a ledger budget, vouchers issued to eligible enterprises on application
// or automatically, redemption at accepted providers that splits an order
// between the voucher, a subsidy and the enterprise's own payment
// (idempotent by the client's key), the providers' monthly settlements,
// and the reconciliation of budget, vouchers outstanding and money paid.
package vouchers

import (
	"context"
	"database/sql"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/text"
)

// Categories are the kinds of service a voucher may pay for.
var Categories = []string{"instrument", "testing", "design", "software", "ip_service", "consulting", "technology_transfer"}

// Regions are where providers are: Shanghai and the three other provinces
// of the Yangtze River Delta.
var Regions = []string{"shanghai", "jiangsu", "zhejiang", "anhui"}

// Program is a voucher program.
type Program struct {
	ID             int64     `json:"id"`
	Slug           string    `json:"slug"`
	OwnerOrgID     int64     `json:"owner_org_id"`
	OwnerName      string    `json:"owner_name"`
	NameZh         string    `json:"name_zh"`
	NameEn         string    `json:"name_en"`
	DescriptionZh  string    `json:"description_zh"`
	DescriptionEn  string    `json:"description_en"`
	Eligibility    string    `json:"eligibility"`
	FaceFen        int64     `json:"face_fen"`
	VoucherShareBP int64     `json:"voucher_share_bp"`
	SubsidyShareBP int64     `json:"subsidy_share_bp"`
	ValidityDays   int       `json:"validity_days"`
	Categories     []string  `json:"categories"`
	Regions        []string  `json:"regions"`
	AutoIssue      bool      `json:"auto_issue"`
	BudgetFen      int64     `json:"budget_fen"`
	Status         string    `json:"status"`
	Version        int       `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// ProgramInput creates or replaces a program.
type ProgramInput struct {
	Slug          string `json:"slug"`
	OwnerOrgID    int64  `json:"owner_org_id"`
	NameZh        string `json:"name_zh"`
	NameEn        string `json:"name_en"`
	DescriptionZh string `json:"description_zh"`
	DescriptionEn string `json:"description_en"`
	// Eligibility is the slug of a program of the programs module whose
	// rules decide who may hold the vouchers; empty for every enterprise.
	Eligibility string `json:"eligibility"`
	FaceYuan    int64  `json:"face_yuan"`
	// VoucherSharePct is the most of an order the voucher pays, and
	// SubsidySharePct what the budget adds, in percent (two decimals).
	VoucherSharePct float64  `json:"voucher_share_pct"`
	SubsidySharePct float64  `json:"subsidy_share_pct"`
	ValidityDays    int      `json:"validity_days"`
	Categories      []string `json:"categories"`
	Regions         []string `json:"regions"`
	AutoIssue       bool     `json:"auto_issue"`
	BudgetYuan      int64    `json:"budget_yuan"`
	Version         *int     `json:"version,omitempty"`
}

// Voucher is one enterprise's voucher with its balance.
type Voucher struct {
	ID          int64        `json:"id"`
	ProgramID   int64        `json:"program_id"`
	ProgramZh   string       `json:"program_name_zh"`
	ProgramEn   string       `json:"program_name_en"`
	OrgID       int64        `json:"org_id"`
	OrgName     string       `json:"org_name"`
	FaceFen     int64        `json:"face_fen"`
	BalanceFen  int64        `json:"balance_fen"`
	ExpiresOn   string       `json:"expires_on"`
	Status      string       `json:"status"`
	Channel     string       `json:"channel"`
	CreatedAt   time.Time    `json:"created_at"`
	Redemptions []Redemption `json:"redemptions,omitempty"`
}

// Provider is an organization that accepts vouchers.
type Provider struct {
	OrgID      int64    `json:"org_id"`
	Name       string   `json:"name"`
	NameEn     string   `json:"name_en"`
	Region     string   `json:"region"`
	Categories []string `json:"categories"`
	Active     bool     `json:"active"`
}

// ProviderInput registers or changes a provider.
type ProviderInput struct {
	Region     string   `json:"region"`
	Categories []string `json:"categories"`
	Active     *bool    `json:"active"`
}

// RedeemInput pays part of an order with a voucher.
type RedeemInput struct {
	ProviderOrgID int64  `json:"provider_org_id"`
	OrderRef      string `json:"order_ref"`
	OrderFen      int64  `json:"order_fen"`
	// VoucherFen is the part the voucher pays; nil is the most it may.
	VoucherFen *int64 `json:"voucher_fen"`
}

// Split is how an order is paid.
type Split struct {
	OrderFen   int64 `json:"order_fen"`
	VoucherFen int64 `json:"voucher_fen"`
	SubsidyFen int64 `json:"subsidy_fen"`
	OwnFen     int64 `json:"own_fen"`
}

// Redemption is a paid order.
type Redemption struct {
	ID             int64  `json:"id"`
	VoucherID      int64  `json:"voucher_id"`
	OrgID          int64  `json:"org_id"`
	OrgName        string `json:"org_name"`
	ProviderOrgID  int64  `json:"provider_org_id"`
	ProviderName   string `json:"provider_name"`
	ProviderRegion string `json:"provider_region"`
	OrderRef       string `json:"order_ref"`
	Split
	Month        string    `json:"month"`
	SettlementID *int64    `json:"settlement_id"`
	JournalID    int64     `json:"journal_id"`
	CreatedAt    time.Time `json:"created_at"`
	// Replayed: the key had been used; this is the earlier redemption.
	Replayed bool `json:"replayed,omitempty"`
}

// Settlement is a provider's monthly statement.
type Settlement struct {
	ID             int64     `json:"id"`
	ProviderOrgID  int64     `json:"provider_org_id"`
	ProviderName   string    `json:"provider_name"`
	ProviderRegion string    `json:"provider_region"`
	Month          string    `json:"month"`
	Redemptions    int       `json:"redemptions"`
	VoucherFen     int64     `json:"voucher_fen"`
	SubsidyFen     int64     `json:"subsidy_fen"`
	JournalID      int64     `json:"journal_id"`
	CreatedAt      time.Time `json:"created_at"`
}

// fieldErrs collects an input's field errors.
type fieldErrs = text.Errors

// set checks a list against the allowed values, keeping their order.
func setOf(f *fieldErrs, field string, in, allowed []string) []string {
	var out []string
	for i, v := range in {
		v = strings.TrimSpace(v)
		if !slices.Contains(allowed, v) {
			f.Add(field+"["+strconv.Itoa(i)+"]", "must be one of "+strings.Join(allowed, ", "))
			return nil
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		f.Add(field, "needs at least one of "+strings.Join(allowed, ", "))
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(allowed, a) - slices.Index(allowed, b) })
	return out
}

// pctBP turns a percentage with at most two decimals into hundredths of a
// percent.
func pctBP(p float64, min int64) (int64, bool) {
	bp := int64(p*100 + 0.5)
	if d := p*100 - float64(bp); d > 1e-6 || d < -1e-6 || bp < min || bp > 10000 {
		return 0, false
	}
	return bp, true
}

var slugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// maxYuan bounds amounts well within the ledger's limits.
const maxYuan = 10_000_000_000

// normalize checks a program input, naming every wrong field.
func (in *ProgramInput) normalize() (Program, error) {
	for _, p := range []*string{&in.Slug, &in.NameZh, &in.NameEn, &in.DescriptionZh, &in.DescriptionEn, &in.Eligibility} {
		*p = strings.TrimSpace(*p)
	}
	var fs fieldErrs
	if !slugRe.MatchString(in.Slug) {
		fs.Add("slug", "must be 2 to 63 characters of a-z, 0-9 and -")
	}
	if in.OwnerOrgID < 1 {
		fs.Add("owner_org_id", "is required")
	}
	fs.Line("name_zh", in.NameZh, true, 200)
	fs.Line("name_en", in.NameEn, false, 300)
	fs.Block("description_zh", in.DescriptionZh, 5000)
	fs.Block("description_en", in.DescriptionEn, 8000)
	if in.Eligibility != "" && !slugRe.MatchString(in.Eligibility) {
		fs.Add("eligibility", "must be the slug of a program")
	}
	if in.FaceYuan < 1 || in.FaceYuan > 10_000_000 {
		fs.Add("face_yuan", "must be a whole number of yuan from 1 to 10,000,000")
	}
	vs, ok := pctBP(in.VoucherSharePct, 1)
	if !ok {
		fs.Add("voucher_share_pct", "must be a percentage above 0 and at most 100, with at most two decimals")
	}
	ss, ok := pctBP(in.SubsidySharePct, 0)
	if !ok {
		fs.Add("subsidy_share_pct", "must be a percentage from 0 to 100, with at most two decimals")
	} else if vs+ss > 10000 {
		fs.Add("subsidy_share_pct", "with the voucher's share must not exceed 100%")
	}
	if in.ValidityDays < 1 || in.ValidityDays > 1100 {
		fs.Add("validity_days", "must be from 1 to 1100 days")
	}
	cats := setOf(&fs, "categories", in.Categories, Categories)
	regs := setOf(&fs, "regions", in.Regions, Regions)
	if in.BudgetYuan < 0 || in.BudgetYuan > maxYuan {
		fs.Add("budget_yuan", "must be a whole number of yuan from 0 to 10,000,000,000")
	}
	return Program{Slug: in.Slug, OwnerOrgID: in.OwnerOrgID, NameZh: in.NameZh, NameEn: in.NameEn, DescriptionZh: in.DescriptionZh,
		DescriptionEn: in.DescriptionEn, Eligibility: in.Eligibility, FaceFen: in.FaceYuan * 100, VoucherShareBP: vs, SubsidyShareBP: ss,
		ValidityDays: in.ValidityDays, Categories: cats, Regions: regs, AutoIssue: in.AutoIssue, BudgetFen: in.BudgetYuan * 100}, apperr.Fields(fs)
}

// SplitOrder divides an order: the voucher pays what is asked (or the
// most it may: its share of the order, within the balance), the budget
// adds its subsidy share (rounded down, within what is left), the
// enterprise pays the rest. It refuses a spent voucher, and a voucher
// part over the share or the balance, naming voucher_fen.
func SplitOrder(order, balance, voucherBP, subsidyBP int64, ask *int64) (Split, error) {
	if order < 1 || order > maxYuan*100 {
		return Split{}, apperr.Field("order_fen", "must be a whole number of fen from 1 to 1,000,000,000,000")
	}
	if balance <= 0 {
		return Split{}, apperr.New(apperr.Conflict, "the voucher is spent: its balance is nothing")
	}
	most := order * voucherBP / 10000
	v := min(most, balance)
	if ask != nil {
		switch {
		case *ask < 0:
			return Split{}, apperr.Field("voucher_fen", "must not be negative")
		case *ask > most:
			return Split{}, apperr.Field("voucher_fen", "is more than the voucher may pay of this order (%s)", yuan(most))
		case *ask > balance:
			return Split{}, apperr.Field("voucher_fen", "is more than the voucher's balance (%s)", yuan(balance)).WithCode(apperr.Conflict)
		}
		v = *ask
	}
	s := min(order*subsidyBP/10000, order-v)
	return Split{OrderFen: order, VoucherFen: v, SubsidyFen: s, OwnFen: order - v - s}, nil
}

func yuan(fen int64) string {
	return "¥" + plainYuan(fen)
}

// querier is a *sql.Tx or a *sql.DB.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// FaceYuan, BudgetYuan, VoucherPct and SubsidyPct are the program's terms
// as its form writes them.
func (p Program) FaceYuan() int64   { return p.FaceFen / 100 }
func (p Program) BudgetYuan() int64 { return p.BudgetFen / 100 }
func (p Program) VoucherPct() string {
	return strconv.FormatFloat(float64(p.VoucherShareBP)/100, 'f', -1, 64)
}
func (p Program) SubsidyPct() string {
	return strconv.FormatFloat(float64(p.SubsidyShareBP)/100, 'f', -1, 64)
}

// plainYuan writes fen as yuan with two decimals and no symbol, as the
// checkout form reads it back.
func plainYuan(fen int64) string {
	return strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(fen%100/10, 10) + strconv.FormatInt(fen%10, 10)
}

// OrderText and VoucherText are the amounts for the confirmation form.
func (in RedeemInput) OrderText() string { return plainYuan(in.OrderFen) }
func (s Split) VoucherText() string      { return plainYuan(s.VoucherFen) }

// Total is what the settlement paid.
func (s Settlement) Total() int64 { return s.VoucherFen + s.SubsidyFen }
