// Package ip is module M3, the IP marketplace: assets (patents, trademarks,
// copyrights) with owners and inventors, listings for transfer, licence or
// pledge in a bilingual searchable catalog, deals from an expression of
// interest to a closed deal whose payment and inventor shares go through
// the ledger, and statistics.
package ip

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rainforest/internal/ip/ipnum"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/text"
	"rainforest/internal/registry"
)

// Asset kinds and their subtypes.
var (
	AssetKinds        = []string{"patent", "trademark", "copyright"}
	PatentTypes       = []string{"invention", "utility_model", "design"}
	CopyrightTypes    = []string{"software", "work"}
	PatentStatuses    = []string{"filed", "granted", "lapsed"}
	ListingKinds      = []string{"transfer", "exclusive_licence", "non_exclusive_licence", "pledge"}
	ListingStatuses   = []string{"active", "expired", "withdrawn", "closed"}
	PriceBands        = []string{"negotiable", "lt_100k", "100k_1m", "1m_10m", "ge_10m"}
	MaxInventors      = 50
	MaxDocuments      = 20
	MaxInventorShare  = int64(7000) // 70% in hundredths of a percent
	DefaultListingFor = 365         // days a new listing runs
	RenewFor          = 180         // days a renewal adds
)

// Inventor is one inventor (or author) of an asset.
type Inventor struct {
	ID       int64  `json:"id"`
	PersonID *int64 `json:"person_id"`
	NameZh   string `json:"name_zh"`
	NameEn   string `json:"name_en"`
	// SharePct is the contribution in percent with up to two decimals.
	SharePct float64 `json:"share_pct"`
	ShareBP  int64   `json:"-"`
}

// Document is a confidential document's name and reference.
type Document struct {
	Name string `json:"name"`
	Ref  string `json:"ref"`
}

// Confidential is what the owner shows only to buyers it admits.
type Confidential struct {
	Claims    string     `json:"claims"`
	KnowHow   string     `json:"know_how"`
	Documents []Document `json:"documents"`
}

// Asset is an item of intellectual property.
type Asset struct {
	ID         int64      `json:"id"`
	OwnerOrgID int64      `json:"owner_org_id"`
	CoOwners   []int64    `json:"co_owner_org_ids"`
	Kind       string     `json:"kind"`
	Subtype    string     `json:"subtype"`
	Number     string     `json:"number"`
	NiceClass  *int64     `json:"nice_class"`
	Status     string     `json:"status"`
	TitleZh    string     `json:"title_zh"`
	TitleEn    string     `json:"title_en"`
	AbstractZh string     `json:"abstract_zh"`
	AbstractEn string     `json:"abstract_en"`
	Field      string     `json:"field"`
	FiledOn    *string    `json:"filed_on"`
	Inventors  []Inventor `json:"inventors"`
	// Confidential is present only for those allowed to see it.
	Confidential *Confidential `json:"confidential,omitempty"`
	Version      int           `json:"version"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
}

// AssetInput is what creating an asset takes.
type AssetInput struct {
	OwnerOrgID int64   `json:"owner_org_id"`
	CoOwners   []int64 `json:"co_owner_org_ids"`
	Kind       string  `json:"kind"`
	Subtype    string  `json:"subtype"`
	Number     string  `json:"number"`
	NiceClass  *int64  `json:"nice_class"`
	Status     string  `json:"status"`
	TitleZh    string  `json:"title_zh"`
	TitleEn    string  `json:"title_en"`
	AbstractZh string  `json:"abstract_zh"`
	AbstractEn string  `json:"abstract_en"`
	Field      string  `json:"field"`
	FiledOn    *string `json:"filed_on"`
	Inventors  []struct {
		PersonID *int64  `json:"person_id"`
		NameZh   string  `json:"name_zh"`
		NameEn   string  `json:"name_en"`
		SharePct float64 `json:"share_pct"`
	} `json:"inventors"`
	Claims    string     `json:"claims"`
	KnowHow   string     `json:"know_how"`
	Documents []Document `json:"documents"`
}

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

// pctToBP turns a percentage with at most two decimals into hundredths of
// a percent; ok is false for more decimals, NaN or out of range.
func pctToBP(p float64) (int64, bool) {
	if !(p > 0 && p <= 100) {
		return 0, false
	}
	bp := int64(p*100 + 0.5)
	if d := p*100 - float64(bp); d > 1e-6 || d < -1e-6 {
		return 0, false
	}
	return bp, true
}

func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// normalize trims the input's texts and checks it; the number is parsed
// and replaced by its canonical form. It names every wrong field.
func (in *AssetInput) normalize() error {
	var fs fieldErrs
	for _, p := range []*string{&in.Kind, &in.Subtype, &in.Status, &in.TitleZh, &in.TitleEn, &in.AbstractZh, &in.AbstractEn, &in.Field} {
		*p = strings.TrimSpace(*p)
	}
	if in.OwnerOrgID < 1 {
		fs.add("owner_org_id", "is required: the organization that owns the asset")
	}
	switch in.Kind {
	case "patent":
		if in.Subtype != "" && !slices.Contains(PatentTypes, in.Subtype) {
			fs.add("subtype", oneOf(PatentTypes))
		}
		if in.Status == "" {
			in.Status = "filed"
		}
		if !slices.Contains(PatentStatuses, in.Status) {
			fs.add("status", oneOf(PatentStatuses))
		}
		if in.NiceClass != nil {
			fs.add("nice_class", "is for trademarks only")
		}
		if p, err := ipnum.ParsePatent(in.Number); err != nil {
			fs.add("number", err.Error())
		} else {
			in.Number = p.Number
			if in.Subtype == "" {
				in.Subtype = string(p.Type)
			} else if in.Subtype != string(p.Type) {
				fs.add("number", "type digit "+string(p.TypeDigit)+" is a "+strings.ReplaceAll(string(p.Type), "_", " ")+" number, not a "+strings.ReplaceAll(in.Subtype, "_", " "))
			}
		}
	case "trademark":
		if in.Subtype != "" {
			fs.add("subtype", "must be empty for a trademark")
		}
		if in.NiceClass == nil || !ipnum.NiceClassOK(int(*in.NiceClass)) {
			fs.add("nice_class", "must be a Nice class from 1 to 45")
		}
		if in.Status == "" {
			in.Status = "registered"
		}
		if in.Status != "registered" && in.Status != "filed" && in.Status != "lapsed" {
			fs.add("status", "must be one of filed, registered, lapsed")
		}
		if n, err := ipnum.ParseTrademark(in.Number); err != nil {
			fs.add("number", err.Error())
		} else {
			in.Number = n
		}
	case "copyright":
		if !slices.Contains(CopyrightTypes, in.Subtype) {
			fs.add("subtype", oneOf(CopyrightTypes))
		} else if n, err := ipnum.ParseCopyright(ipnum.CopyrightKind(in.Subtype), in.Number); err != nil {
			fs.add("number", err.Error())
		} else {
			in.Number = n
		}
		if in.NiceClass != nil {
			fs.add("nice_class", "is for trademarks only")
		}
		if in.Status == "" {
			in.Status = "registered"
		}
		if in.Status != "registered" {
			fs.add("status", "must be registered")
		}
	default:
		fs.add("kind", oneOf(AssetKinds))
	}
	fs.line("title_zh", in.TitleZh, true, 200)
	fs.line("title_en", in.TitleEn, true, 300)
	fs.block("abstract_zh", in.AbstractZh, 4000)
	fs.block("abstract_en", in.AbstractEn, 8000)
	fs.block("claims", in.Claims, 20000)
	fs.block("know_how", in.KnowHow, 20000)
	if in.Field != "" && !slices.Contains(registry.TechFields, in.Field) {
		fs.add("field", oneOf(registry.TechFields))
	}
	if in.FiledOn != nil && !validDate(*in.FiledOn) {
		fs.add("filed_on", "must be a date YYYY-MM-DD")
	}
	if len(in.CoOwners) > 10 {
		fs.add("co_owner_org_ids", "must have at most 10 organizations")
	}
	for i, c := range in.CoOwners {
		if c < 1 || c == in.OwnerOrgID || slices.Index(in.CoOwners, c) < i {
			fs.add("co_owner_org_ids["+strconv.Itoa(i)+"]", "must be another organization, once")
		}
	}
	if len(in.Documents) > MaxDocuments {
		fs.add("documents", "must have at most "+strconv.Itoa(MaxDocuments)+" documents")
	}
	for i, d := range in.Documents {
		fs.line("documents["+strconv.Itoa(i)+"].name", strings.TrimSpace(d.Name), true, 200)
		fs.line("documents["+strconv.Itoa(i)+"].ref", strings.TrimSpace(d.Ref), false, 500)
	}
	if in.Kind == "patent" && len(in.Inventors) == 0 {
		fs.add("inventors", "a patent needs at least one inventor")
	}
	if len(in.Inventors) > MaxInventors {
		fs.add("inventors", "must have at most "+strconv.Itoa(MaxInventors)+" inventors")
	}
	bps := make([]int64, 0, len(in.Inventors))
	sharesOK := true
	for i := range in.Inventors {
		inv := &in.Inventors[i]
		pre := "inventors[" + strconv.Itoa(i) + "]"
		inv.NameZh, inv.NameEn = strings.TrimSpace(inv.NameZh), strings.TrimSpace(inv.NameEn)
		fs.line(pre+".name_zh", inv.NameZh, true, 100)
		fs.line(pre+".name_en", inv.NameEn, false, 200)
		bp, ok := pctToBP(inv.SharePct)
		if !ok {
			fs.add(pre+".share_pct", "must be more than 0 and at most 100, with at most two decimals")
			sharesOK = false
		}
		bps = append(bps, bp)
	}
	if sharesOK && len(bps) > 0 {
		if _, err := ipnum.CheckShares(bps); err != nil {
			fs.add("inventors", "contribution percentages must sum to 100")
		}
	}
	return apperr.Fields(fs)
}

// Listing offers an asset.
type Listing struct {
	ID         int64     `json:"id"`
	AssetID    int64     `json:"asset_id"`
	OwnerOrgID int64     `json:"owner_org_id"`
	OwnerName  string    `json:"owner_name"`
	Kind       string    `json:"kind"`
	PriceFen   *int64    `json:"price_fen"`
	Negotiable bool      `json:"negotiable"`
	TitleZh    string    `json:"title_zh"`
	TitleEn    string    `json:"title_en"`
	SummaryZh  string    `json:"summary_zh"`
	SummaryEn  string    `json:"summary_en"`
	District   string    `json:"district"`
	Field      string    `json:"field"`
	Status     string    `json:"status"`
	ExpiresOn  string    `json:"expires_on"`
	Renewals   int       `json:"renewals"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Asset is the listed asset as the reader may see it.
	Asset *Asset `json:"asset,omitempty"`
	// Snippets are the search's highlighted extracts (catalog only).
	Snippets map[string]string `json:"snippets,omitempty"`
}

// PriceBand is the catalog's price facet of a listing.
func PriceBand(fen *int64) string {
	if fen == nil {
		return "negotiable"
	}
	y := *fen / 100
	switch {
	case y < 100_000:
		return "lt_100k"
	case y < 1_000_000:
		return "100k_1m"
	case y < 10_000_000:
		return "1m_10m"
	}
	return "ge_10m"
}

// ListingInput is what creating or changing a listing takes.
type ListingInput struct {
	AssetID int64  `json:"asset_id"`
	Kind    string `json:"kind"`
	// PriceYuan is the asking price in whole yuan; null or absent with
	// Negotiable true for a negotiable price.
	PriceYuan  *int64  `json:"price_yuan"`
	Negotiable bool    `json:"negotiable"`
	TitleZh    string  `json:"title_zh"`
	TitleEn    string  `json:"title_en"`
	SummaryZh  string  `json:"summary_zh"`
	SummaryEn  string  `json:"summary_en"`
	ExpiresOn  *string `json:"expires_on"`
}

// MaxPriceYuan bounds asking prices and offers (ten billion yuan).
const MaxPriceYuan = 10_000_000_000

func (in *ListingInput) normalize(today string) error {
	var fs fieldErrs
	in.Kind, in.TitleZh, in.TitleEn = strings.TrimSpace(in.Kind), strings.TrimSpace(in.TitleZh), strings.TrimSpace(in.TitleEn)
	if in.AssetID < 1 {
		fs.add("asset_id", "is required")
	}
	if !slices.Contains(ListingKinds, in.Kind) {
		fs.add("kind", oneOf(ListingKinds))
	}
	switch {
	case in.PriceYuan == nil && !in.Negotiable:
		fs.add("price_yuan", "is required unless the price is negotiable")
	case in.PriceYuan != nil && in.Negotiable:
		fs.add("price_yuan", "must be empty when the price is negotiable")
	case in.PriceYuan != nil && (*in.PriceYuan < 1 || *in.PriceYuan > MaxPriceYuan):
		fs.add("price_yuan", "must be a whole number of yuan from 1 to 10,000,000,000")
	}
	fs.line("title_zh", in.TitleZh, false, 200)
	fs.line("title_en", in.TitleEn, false, 300)
	fs.block("summary_zh", in.SummaryZh, 4000)
	fs.block("summary_en", in.SummaryEn, 8000)
	if in.ExpiresOn != nil {
		if !validDate(*in.ExpiresOn) {
			fs.add("expires_on", "must be a date YYYY-MM-DD")
		} else if *in.ExpiresOn <= today {
			fs.add("expires_on", "must be after today")
		}
	}
	return apperr.Fields(fs)
}

// Deal is one buyer's negotiation over one listing.
type Deal struct {
	ID               int64      `json:"id"`
	ListingID        int64      `json:"listing_id"`
	SellerOrgID      int64      `json:"seller_org_id"`
	BuyerOrgID       int64      `json:"buyer_org_id"`
	SellerName       string     `json:"seller_name"`
	BuyerName        string     `json:"buyer_name"`
	ListingTitleZh   string     `json:"listing_title_zh"`
	ListingTitleEn   string     `json:"listing_title_en"`
	State            string     `json:"state"`
	PriceFen         *int64     `json:"price_fen"`
	InventorShareBP  int64      `json:"-"`
	InventorSharePct float64    `json:"inventor_share_pct"`
	InventorShareFen int64      `json:"inventor_share_fen"`
	JournalID        *int64     `json:"journal_id"`
	Version          int        `json:"version"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	ClosedAt         *time.Time `json:"closed_at"`
	Messages         []Message  `json:"messages,omitempty"`
	Payouts          []Payout   `json:"payouts,omitempty"`
}

// Message is a line of a deal room: a message, or an offer when it has an
// amount.
type Message struct {
	ID           int64     `json:"id"`
	Side         string    `json:"side"`
	AuthorUserID *int64    `json:"author_user_id"`
	AmountFen    *int64    `json:"amount_fen"`
	Body         string    `json:"body"`
	CreatedAt    time.Time `json:"created_at"`
}

// Payout is an inventor's part of a closed deal.
type Payout struct {
	InventorID int64   `json:"inventor_id"`
	NameZh     string  `json:"name_zh"`
	NameEn     string  `json:"name_en"`
	SharePct   float64 `json:"share_pct"`
	AmountFen  int64   `json:"amount_fen"`
	AccountID  int64   `json:"account_id"`
}

func bpPct(bp int64) float64 { return float64(bp) / 100 }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// jsonInt decodes a JSON integer.
func jsonInt(raw json.RawMessage, v *int64) error {
	return json.Unmarshal(raw, v)
}

// AskingYuan is the asking price in whole yuan, 0 when negotiable.
func (l Listing) AskingYuan() int64 {
	if l.PriceFen == nil {
		return 0
	}
	return *l.PriceFen / 100
}
