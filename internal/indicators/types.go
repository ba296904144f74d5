// Package indicators is module M10: the figures of the whole ecosystem,
// computed from the platform's own records (never typed in), by district
// and month; kept in a cache that a refresher updates when their sources
// change; shown on a public and an officer dashboard with charts and
// tables; exported as CSV, XLSX and a monthly PDF report.
package indicators

import (
	"context"
	"time"
)

// Kinds of indicator.
const (
	// Flow figures add up what happened during the month.
	Flow = "flow"
	// Stock figures count what exists at the end of the month, derived
	// from when each record was created.
	Stock = "stock"
	// Snapshot figures count what exists now; the current month is kept
	// live and a past month keeps the value it had when it ended.
	Snapshot = "snapshot"
	// Ratio figures divide one indicator by reference data.
	Ratio = "ratio"
)

// Dimensions: the areas an indicator is broken down by.
const (
	ByDistrict = "district"
	ByRegion   = "region"
)

// City is the area of the whole city's figure; Unassigned that of records
// without a district.
const (
	City       = ""
	Unassigned = "unassigned"
)

// Definition is one indicator: what it counts, from which tables, and the
// query that computes it. Adding an indicator is adding one Definition.
type Definition struct {
	ID           string `json:"id"`
	TitleZh      string `json:"title_zh"`
	TitleEn      string `json:"title_en"`
	DefinitionZh string `json:"definition_zh"`
	DefinitionEn string `json:"definition_en"`
	Module       string `json:"module"`
	Kind         string `json:"kind"`
	Dimension    string `json:"dimension"`
	// Unit is count, yuan, hours or per_10k; a stored value divided by
	// Scale is the figure in its unit (fen to yuan: 100; minutes to
	// hours: 60; hundredths: 100).
	Unit  string `json:"unit"`
	Scale int64  `json:"scale"`
	// Tables are the tables the figure is computed from.
	Tables []string `json:"source_tables"`
	// Changes are the audit log entities ("entity" or "entity:action")
	// whose new entries make the figure stale.
	Changes []string `json:"-"`
	// After names the indicators this one is computed from (Ratio).
	After []string `json:"-"`
	// Hooked figures are also kept exact by the registry's change hook.
	Hooked bool `json:"-"`
	// OwnCity figures give the city's value themselves (rates), rather
	// than the sum of the areas.
	OwnCity bool `json:"-"`
	// Source computes the figures with another module's read function,
	// for a definition without a query of its own: the points up to the
	// current month.
	Source func(ctx context.Context, month string) ([]Point, error) `json:"-"`
	// cert is the certification a hooked figure counts.
	cert    string
	compute func(ctx context.Context, c *calc) ([]Point, error)
}

// Point is one figure: an area, a month, the stored value.
type Point struct {
	Area   string `json:"area"`
	Period string `json:"period"`
	Value  int64  `json:"value"`
}

// Area is a district or region with its names.
type Area struct {
	Slug   string `json:"slug"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
}

// Row is one area's values over the periods of a series.
type Row struct {
	Area
	Values []int64 `json:"values"`
	Total  int64   `json:"total"`
}

// Series is an indicator over areas and months, read from the cache.
type Series struct {
	Indicator *Definition `json:"indicator"`
	From      string      `json:"from"`
	To        string      `json:"to"`
	Periods   []string    `json:"periods"`
	// City is the whole city's row; Rows are the areas, the one asked
	// for first.
	City        Row        `json:"city"`
	Rows        []Row      `json:"rows"`
	RefreshedAt *time.Time `json:"refreshed_at"`
}

// State is what the refresher last did for an indicator.
type State struct {
	Indicator   string    `json:"indicator"`
	RefreshedAt time.Time `json:"refreshed_at"`
	FullAt      time.Time `json:"full_at"`
	AuditID     int64     `json:"audit_id"`
	Millis      int64     `json:"millis"`
}

// Population is a district's resident population in a year.
type Population struct {
	District   string    `json:"district"`
	Year       int       `json:"year"`
	Population int64     `json:"population"`
	Source     string    `json:"source"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// PopulationInput is an administrator's figure.
type PopulationInput struct {
	Population int64  `json:"population"`
	Source     string `json:"source"`
}

// RefreshResult says what a refresh recomputed.
type RefreshResult struct {
	Recomputed []string `json:"recomputed"`
	Full       bool     `json:"full"`
	Millis     int64    `json:"millis"`
}

// Regions of the technology-contract buyers.
var Regions = []Area{
	{"shanghai", "上海", "Shanghai"}, {"jiangsu", "江苏", "Jiangsu"}, {"zhejiang", "浙江", "Zhejiang"},
	{"anhui", "安徽", "Anhui"}, {"other", "其他省市", "Other provinces"}, {"abroad", "境外", "Abroad"},
}

var unassignedArea = Area{Unassigned, "未注明区", "District not given"}
