// Package finance is module M7, sci-tech finance: banks' loan products,
// loan applications with the enterprise's consent to share named parts of
// its profile (every read logged), the bank's workflow with the repayment
// schedule, IP pledges that encumber assets until released, and
// risk-compensation pools that share a defaulted principal loss by their
// parameters, paid through the ledger.
package finance

import (
	"context"
	"database/sql"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/text"
)

// Rules decides eligibility through the rules engine (the programs
// module's programs); the app wires it.
type Rules interface {
	Check(ctx context.Context, ref string) error
	Eligible(ctx context.Context, orgID int64, ref string) (status, reasonZh, reasonEn string, err error)
}

// Scopes are the parts of its profile an enterprise may share with a bank.
var Scopes = []string{"profile", "financials", "ip"}

// Product is a bank's loan product.
type Product struct {
	ID             int64     `json:"id"`
	BankOrgID      int64     `json:"bank_org_id"`
	BankName       string    `json:"bank_name"`
	NameZh         string    `json:"name_zh"`
	NameEn         string    `json:"name_en"`
	DescriptionZh  string    `json:"description_zh"`
	DescriptionEn  string    `json:"description_en"`
	MinFen         int64     `json:"min_fen"`
	MaxFen         int64     `json:"max_fen"`
	MinMonths      int       `json:"min_months"`
	MaxMonths      int       `json:"max_months"`
	RateBP         int       `json:"rate_bp"`
	CollateralFree bool      `json:"collateral_free"`
	IPPledge       bool      `json:"ip_pledge"`
	Eligibility    string    `json:"eligibility"`
	PoolID         *int64    `json:"pool_id"`
	Status         string    `json:"status"`
	Version        int       `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
}

// ProductInput creates or replaces a product; amounts in whole yuan.
type ProductInput struct {
	BankOrgID      int64   `json:"bank_org_id"`
	NameZh         string  `json:"name_zh"`
	NameEn         string  `json:"name_en"`
	DescriptionZh  string  `json:"description_zh"`
	DescriptionEn  string  `json:"description_en"`
	MinYuan        int64   `json:"min_yuan"`
	MaxYuan        int64   `json:"max_yuan"`
	MinMonths      int     `json:"min_months"`
	MaxMonths      int     `json:"max_months"`
	RatePct        float64 `json:"rate_pct"`
	CollateralFree bool    `json:"collateral_free"`
	IPPledge       bool    `json:"ip_pledge"`
	Eligibility    string  `json:"eligibility"`
	PoolID         *int64  `json:"pool_id"`
	Status         string  `json:"status"`
}

// Loan is a loan application and, once disbursed, the loan.
type Loan struct {
	ID             int64         `json:"id"`
	ProductID      int64         `json:"product_id"`
	ProductZh      string        `json:"product_name_zh"`
	ProductEn      string        `json:"product_name_en"`
	BankOrgID      int64         `json:"bank_org_id"`
	BankName       string        `json:"bank_name"`
	OrgID          int64         `json:"org_id"`
	OrgName        string        `json:"org_name"`
	AmountFen      int64         `json:"amount_fen"`
	Months         int           `json:"months"`
	RateBP         int           `json:"rate_bp"`
	Purpose        string        `json:"purpose"`
	State          string        `json:"state"`
	DisbursedOn    *string       `json:"disbursed_on"`
	OutstandingFen int64         `json:"outstanding_fen"`
	Version        int           `json:"version"`
	CreatedAt      time.Time     `json:"created_at"`
	Consent        *Consent      `json:"consent,omitempty"`
	Schedule       []Installment `json:"schedule,omitempty"`
	// Repayments are the bank's records, the evidence interest subsidies
	// are paid on.
	Repayments []Repayment `json:"repayments,omitempty"`
	Pledges    []Pledge    `json:"pledges,omitempty"`
}

// Repayment is one repayment the bank recorded, split into its interest
// and principal parts.
type Repayment struct {
	PaidOn       string `json:"paid_on"`
	AmountFen    int64  `json:"amount_fen"`
	InterestFen  int64  `json:"interest_fen"`
	PrincipalFen int64  `json:"principal_fen"`
}

// LoanInput applies for a loan.
type LoanInput struct {
	ProductID  int64  `json:"product_id"`
	OrgID      int64  `json:"org_id"`
	AmountYuan int64  `json:"amount_yuan"`
	Months     int    `json:"months"`
	Purpose    string `json:"purpose"`
	// Scopes are what the bank may read of the enterprise's profile.
	Scopes []string `json:"consent_scopes"`
	// AssetIDs are IP assets of the enterprise to pledge.
	AssetIDs []int64 `json:"pledge_asset_ids"`
}

// Consent is what a borrower shares with the bank.
type Consent struct {
	Scopes      []string   `json:"scopes"`
	GrantedAt   time.Time  `json:"granted_at"`
	WithdrawnAt *time.Time `json:"withdrawn_at"`
	Reads       []Read     `json:"reads"`
}

// Read is one logged read of shared data.
type Read struct {
	UserID int64     `json:"user_id"`
	Email  string    `json:"email"`
	Scopes []string  `json:"scopes"`
	At     time.Time `json:"at"`
}

// Installment is one line of the repayment schedule.
type Installment struct {
	N            int     `json:"n"`
	DueOn        string  `json:"due_on"`
	PrincipalFen int64   `json:"principal_fen"`
	InterestFen  int64   `json:"interest_fen"`
	PaidFen      int64   `json:"paid_fen"`
	PaidOn       *string `json:"paid_on"`
}

// Pledge is an IP asset pledged for a loan.
type Pledge struct {
	AssetID int64  `json:"asset_id"`
	Number  string `json:"number"`
	Title   string `json:"title"`
	State   string `json:"state"`
}

// fieldErrs collects an input's field errors.
type fieldErrs = text.Errors

// maxYuan is the largest amount a loan or pool may have: ten billion yuan.
const maxYuan = 10_000_000_000

func (in *ProductInput) normalize() (Product, error) {
	for _, p := range []*string{&in.NameZh, &in.NameEn, &in.DescriptionZh, &in.DescriptionEn, &in.Eligibility, &in.Status} {
		*p = strings.TrimSpace(*p)
	}
	var fs fieldErrs
	if in.BankOrgID < 1 {
		fs.Add("bank_org_id", "is required")
	}
	fs.Line("name_zh", in.NameZh, true, 200)
	fs.Line("name_en", in.NameEn, false, 300)
	fs.Block("description_zh", in.DescriptionZh, 5000)
	fs.Block("description_en", in.DescriptionEn, 8000)
	if in.MinYuan < 1 || in.MinYuan > maxYuan {
		fs.Add("min_yuan", "must be a whole number of yuan from 1 to 10,000,000,000")
	}
	if in.MaxYuan < in.MinYuan || in.MaxYuan > maxYuan {
		fs.Add("max_yuan", "must be at least min_yuan and at most 10,000,000,000")
	}
	if in.MinMonths < 1 || in.MinMonths > 360 {
		fs.Add("min_months", "must be from 1 to 360")
	}
	if in.MaxMonths < in.MinMonths || in.MaxMonths > 360 {
		fs.Add("max_months", "must be at least min_months and at most 360")
	}
	bp := math.Round(in.RatePct * 100)
	if !(in.RatePct >= 0 && in.RatePct <= 36) || math.Abs(in.RatePct*100-bp) > 1e-6 {
		fs.Add("rate_pct", "must be an annual rate from 0 to 36 percent with at most two decimals")
	}
	if in.Status == "" {
		in.Status = "active"
	}
	if in.Status != "active" && in.Status != "withdrawn" {
		fs.Add("status", "must be active or withdrawn")
	}
	return Product{BankOrgID: in.BankOrgID, NameZh: in.NameZh, NameEn: in.NameEn, DescriptionZh: in.DescriptionZh, DescriptionEn: in.DescriptionEn,
		MinFen: in.MinYuan * 100, MaxFen: in.MaxYuan * 100, MinMonths: in.MinMonths, MaxMonths: in.MaxMonths, RateBP: int(bp),
		CollateralFree: in.CollateralFree, IPPledge: in.IPPledge, Eligibility: in.Eligibility, PoolID: in.PoolID, Status: in.Status}, apperr.Fields(fs)
}

// checkLoan checks an application against its product.
func (in *LoanInput) check(p *Product) error {
	in.Purpose = strings.TrimSpace(in.Purpose)
	var fs fieldErrs
	if in.AmountYuan*100 < p.MinFen || in.AmountYuan*100 > p.MaxFen || in.AmountYuan > maxYuan {
		fs.Add("amount_yuan", "must be from "+yuanText(p.MinFen)+" to "+yuanText(p.MaxFen)+" for this product")
	}
	if in.Months < p.MinMonths || in.Months > p.MaxMonths {
		fs.Add("months", "must be from "+strconv.Itoa(p.MinMonths)+" to "+strconv.Itoa(p.MaxMonths)+" for this product")
	}
	fs.Block("purpose", in.Purpose, 2000)
	if in.Purpose == "" {
		fs.Add("purpose", "is required")
	}
	var scopes []string
	for i, s := range in.Scopes {
		if !slices.Contains(Scopes, s) {
			fs.Add("consent_scopes["+strconv.Itoa(i)+"]", "must be one of "+strings.Join(Scopes, ", "))
			break
		}
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	if !slices.Contains(scopes, "profile") {
		fs.Add("consent_scopes", "must include profile: the bank needs to know who applies")
	}
	slices.SortFunc(scopes, func(a, b string) int { return slices.Index(Scopes, a) - slices.Index(Scopes, b) })
	in.Scopes = scopes
	seen := map[int64]bool{}
	for i, a := range in.AssetIDs {
		if a < 1 || seen[a] {
			fs.Add("pledge_asset_ids["+strconv.Itoa(i)+"]", "must be a distinct asset id")
		}
		seen[a] = true
	}
	if p.IPPledge && len(in.AssetIDs) == 0 {
		fs.Add("pledge_asset_ids", "this product is an IP pledge loan: pledge at least one asset")
	}
	if !p.IPPledge && len(in.AssetIDs) > 0 {
		fs.Add("pledge_asset_ids", "this product takes no pledge")
	}
	return apperr.Fields(fs)
}

func yuanText(fen int64) string { return strconv.FormatInt(fen/100, 10) + " yuan" }

// Schedule computes equal monthly installments (annuity) of a loan at an
// annual rate in basis points: interest on the outstanding principal each
// month, rounded to the fen, and the last installment takes the rounding
// so that the principal parts sum exactly to the amount.
func Schedule(amount int64, months, rateBP int, first time.Time) []Installment {
	r := float64(rateBP) / 10000 / 12
	var pay float64
	if r == 0 {
		pay = float64(amount) / float64(months)
	} else {
		pay = float64(amount) * r / (1 - math.Pow(1+r, -float64(months)))
	}
	out := make([]Installment, months)
	left := amount
	for i := range months {
		interest := int64(math.Round(float64(left) * r))
		principal := int64(math.Round(pay)) - interest
		if i == months-1 || principal > left {
			principal = left
		}
		if principal < 0 {
			principal = 0
		}
		left -= principal
		out[i] = Installment{N: i + 1, DueOn: first.AddDate(0, i, 0).Format(time.DateOnly), PrincipalFen: principal, InterestFen: interest}
	}
	return out
}

// querier is a *sql.Tx or a *sql.DB.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type scanner interface{ Scan(...any) error }

// Rate writes an annual rate in basis points as a percentage ("3.85").
func Rate(bp int) string { return strconv.FormatFloat(float64(bp)/100, 'f', 2, 64) }

// RateText and the like are for the pages.
func (p Product) RateText() string { return Rate(p.RateBP) }
func (l Loan) RateText() string    { return Rate(l.RateBP) }

// ShareText is a share in basis points as a percentage.
func ShareText(bp int64) string { return strconv.FormatFloat(float64(bp)/100, 'f', -1, 64) }
