// Package opendata publishes the platform's awards as open data in the
// 360Giving Data Standard (https://standard.threesixtygiving.org/): a JSON
// package with one grant per paid award.
//
// Identifiers:
//
//   - Grants are "360G-rainforest-award-{id}": the 360Giving grant
//     identifier is a publisher prefix (360G-…) followed by the publisher's
//     own id. An installation that registers with 360Giving sets its own
//     prefix with Exporter.Prefix.
//   - Recipient and funding organizations are "CN-USCI-{code}", the
//     org-id.guide list of China's unified social credit identifiers. A
//     funder without an organization in the registry (the national
//     programs the platform carries itself) is named by the program:
//     "{prefix}-funder-{slug}".
//
// Amounts are yuan with two decimals (the ledger's integer fen divided
// exactly, never through floating point); dates are full date-times in
// China's time zone, which every version of the schema accepts.
package opendata

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/db"
)

// Version is the 360Giving schema version the package declares.
const Version = "1.4"

// DefaultPrefix is the grant identifier prefix of the platform.
const DefaultPrefix = "360G-rainforest"

// License is the licence the data is published under.
const License = "https://creativecommons.org/licenses/by/4.0/"

var china = time.FixedZone("CST", 8*3600)

// Package is a 360Giving data package.
type Package struct {
	Version     string    `json:"version"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Identifier  string    `json:"identifier"`
	Issued      string    `json:"issued"`
	Modified    string    `json:"modified"`
	License     string    `json:"license"`
	Publisher   Publisher `json:"publisher"`
	Grants      []Grant   `json:"grants"`
}

// Publisher names who publishes the package.
type Publisher struct {
	Name    string `json:"name"`
	Website string `json:"website,omitempty"`
}

// Grant is one grant of the package.
type Grant struct {
	ID                    string         `json:"id"`
	Title                 string         `json:"title"`
	Description           string         `json:"description"`
	Currency              string         `json:"currency"`
	AmountAppliedFor      *json.Number   `json:"amountAppliedFor,omitempty"`
	AmountAwarded         json.Number    `json:"amountAwarded"`
	AmountDisbursed       json.Number    `json:"amountDisbursed"`
	AwardDate             string         `json:"awardDate"`
	URL                   string         `json:"url,omitempty"`
	PlannedDates          []Event        `json:"plannedDates,omitempty"`
	RecipientOrganization []Organization `json:"recipientOrganization"`
	FundingOrganization   []Organization `json:"fundingOrganization"`
	GrantProgramme        []Programme    `json:"grantProgramme"`
	BeneficiaryLocation   []Location     `json:"beneficiaryLocation,omitempty"`
	FromOpenCall          string         `json:"fromOpenCall"`
	DateModified          string         `json:"dateModified"`
}

// Event is a date range of a grant.
type Event struct {
	StartDate   string `json:"startDate"`
	EndDate     string `json:"endDate,omitempty"`
	Description string `json:"description,omitempty"`
}

// Organization is a recipient or a funder.
type Organization struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	AlternateName string     `json:"alternateName,omitempty"`
	Department    string     `json:"department,omitempty"`
	Location      []Location `json:"location,omitempty"`
}

// Programme is the program that made the grant.
type Programme struct {
	Code        string `json:"code"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
}

// Location is a district of Shanghai.
type Location struct {
	Name        string `json:"name"`
	CountryCode string `json:"countryCode"`
	GeoCode     string `json:"geoCode,omitempty"`
	GeoCodeType string `json:"geoCodeType,omitempty"`
}

// divisionCodes are the administrative division codes (GB/T 2260) of
// Shanghai's districts, by the registry's district slug.
var divisionCodes = map[string]string{
	"huangpu": "310101", "xuhui": "310104", "changning": "310105", "jingan": "310106",
	"putuo": "310107", "hongkou": "310109", "yangpu": "310110", "minhang": "310112",
	"baoshan": "310113", "jiading": "310114", "pudong": "310115", "jinshan": "310116",
	"songjiang": "310117", "qingpu": "310118", "fengxian": "310120", "chongming": "310151",
}

// Exporter builds the package from the database.
type Exporter struct {
	DB *db.DB
	// Prefix is the grant identifier prefix (DefaultPrefix if empty).
	Prefix string
	// BaseURL, when set, is where the platform serves its pages; grants
	// and programmes then link to them.
	BaseURL string
	// Publisher is who publishes (a default name if empty).
	Publisher Publisher
}

// Yuan writes fen as a decimal number of yuan with two decimals.
func Yuan(fen int64) json.Number {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return json.Number(fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100))
}

func dateTime(day string) string {
	t, err := time.ParseInLocation(time.DateOnly, day, china)
	if err != nil {
		return day
	}
	return t.Format(time.RFC3339)
}

func both(zh, en string) string {
	switch {
	case en == "" || en == zh:
		return zh
	case zh == "":
		return en
	}
	return zh + " / " + en
}

// row is one paid award with what the grant tells of it.
type row struct {
	award, app, program                     int64
	amount                                  int64
	requested                               *int64
	approved, updated                       db.Time
	paidOn, until                           db.Date
	district                                *string
	origin, project, summary                string
	orgUSCC, orgZh, orgEn                   string
	slug, progZh, progEn, progSumZh, fundZh string
	fundEn                                  string
	ownerUSCC, ownerZh, ownerEn             *string
	distZh, distEn                          *string
}

// Build returns the package of every paid award, oldest first.
func (x *Exporter) Build(ctx context.Context) (Package, error) {
	prefix := x.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	pub := x.Publisher
	if pub.Name == "" {
		pub.Name = "Rainforest 科技创新服务平台 / Rainforest science and technology innovation platform"
	}
	if pub.Website == "" && x.BaseURL != "" {
		pub.Website = x.BaseURL + "/"
	}
	now := x.DB.Now().In(china)
	rows, err := x.DB.Read.QueryContext(ctx, `SELECT a.id, a.application_id, a.program_id, a.amount_fen, ap.requested_fen, a.approved_at, a.updated_at, a.paid_on, a.obligation_until,
			a.registered_district, ap.origin, ap.project_title, ap.summary, o.uscc, o.name_zh, o.name_en,
			p.slug, p.title_zh, p.title_en, p.summary_zh, p.fund_name_zh, p.fund_name_en, ow.uscc, ow.name_zh, ow.name_en, d.name_zh, d.name_en
		FROM awards a
		JOIN applications ap ON ap.id = a.application_id
		JOIN orgs o ON o.id = a.org_id
		JOIN programs p ON p.id = a.program_id
		LEFT JOIN orgs ow ON ow.id = p.owner_org_id
		LEFT JOIN districts d ON d.slug = a.registered_district
		WHERE a.status = 'paid'
		ORDER BY a.id`)
	rs, err := db.Collect(rows, err, "360giving awards", func(sc interface{ Scan(...any) error }) (row, error) {
		var r row
		err := sc.Scan(&r.award, &r.app, &r.program, &r.amount, &r.requested, &r.approved, &r.updated, &r.paidOn, &r.until,
			&r.district, &r.origin, &r.project, &r.summary, &r.orgUSCC, &r.orgZh, &r.orgEn,
			&r.slug, &r.progZh, &r.progEn, &r.progSumZh, &r.fundZh, &r.fundEn, &r.ownerUSCC, &r.ownerZh, &r.ownerEn, &r.distZh, &r.distEn)
		return r, err
	})
	if err != nil {
		return Package{}, err
	}
	pkg := Package{
		Version:     Version,
		Title:       "Rainforest awards 资助发放记录",
		Description: "Awards paid by the support programs on the Rainforest platform, one grant per award, in yuan. 平台各扶持项目已拨付的资助，每笔资助一条记录，金额单位为元。",
		Identifier:  prefix + "-awards-" + now.Format("20060102"),
		Issued:      now.Format(time.RFC3339),
		Modified:    now.Format(time.RFC3339),
		License:     License,
		Publisher:   pub,
		Grants:      make([]Grant, 0, len(rs)),
	}
	for _, r := range rs {
		pkg.Grants = append(pkg.Grants, x.grant(prefix, r))
	}
	return pkg, nil
}

func (x *Exporter) grant(prefix string, r row) Grant {
	prog := both(r.progZh, r.progEn)
	desc := r.summary
	if strings.TrimSpace(desc) == "" {
		desc = prog
	} else {
		desc = prog + ": " + desc
	}
	g := Grant{
		ID:              prefix + "-award-" + strconv.FormatInt(r.award, 10),
		Title:           r.project,
		Description:     desc,
		Currency:        "CNY",
		AmountAwarded:   Yuan(r.amount),
		AmountDisbursed: Yuan(r.amount),
		AwardDate:       r.approved.Time.In(china).Format(time.RFC3339),
		FromOpenCall:    "Yes",
		DateModified:    r.updated.Time.In(china).Format(time.RFC3339),
	}
	if r.origin == "auto" {
		g.FromOpenCall = "No" // an apply-free grant proposed from the data
	}
	if r.requested != nil {
		n := Yuan(*r.requested)
		g.AmountAppliedFor = &n
	}
	if r.paidOn.Valid {
		ev := Event{StartDate: dateTime(r.paidOn.String), Description: "Paid; the recipient stays registered and tax-paying in the district until the end date. 拨付日；受资助单位须在结束日前留在本区注册和纳税。"}
		if r.until.Valid {
			ev.EndDate = dateTime(r.until.String)
		} else {
			ev.Description = "Paid. 拨付日。"
		}
		g.PlannedDates = []Event{ev}
	}
	recipient := Organization{ID: "CN-USCI-" + r.orgUSCC, Name: r.orgZh, AlternateName: r.orgEn}
	if r.district != nil {
		loc := location(*r.district, r.distZh, r.distEn)
		recipient.Location = []Location{loc}
		g.BeneficiaryLocation = []Location{loc}
	}
	g.RecipientOrganization = []Organization{recipient}
	funder := Organization{ID: prefix + "-funder-" + r.slug, Name: "国家扶持项目 / National programme", Department: both(r.fundZh, r.fundEn)}
	if r.ownerUSCC != nil && *r.ownerUSCC != "" {
		funder.ID, funder.Name = "CN-USCI-"+*r.ownerUSCC, *r.ownerZh
		if r.ownerEn != nil {
			funder.AlternateName = *r.ownerEn
		}
	}
	g.FundingOrganization = []Organization{funder}
	pg := Programme{Code: r.slug, Title: prog, Description: r.progSumZh}
	if x.BaseURL != "" {
		pg.URL = x.BaseURL + "/programs/" + r.slug
	}
	g.GrantProgramme = []Programme{pg}
	return g
}

func location(slug string, zh, en *string) Location {
	name := slug
	if zh != nil {
		name = *zh
		if en != nil && *en != "" {
			name = both(*zh, *en)
		}
	}
	loc := Location{Name: "上海市 " + name, CountryCode: "CN"}
	if code, ok := divisionCodes[slug]; ok {
		loc.GeoCode, loc.GeoCodeType = code, "GB/T 2260"
	}
	return loc
}
