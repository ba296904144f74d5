// Package instruments is module M5, shared scientific instruments: a
// catalog across owners and the four provinces of the delta, fees per
// hour or per sample for internal, external and SME users, booking through
// the calendar engine with approval (or automatic approval by length and
// training), check-in, actual use and the charge, cancellation and
// no-show rules, iCalendar feeds, and the owners' and the city's sharing
// figures.
package instruments

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/calendar"
	"rainforest/internal/kernel/text"
)

// Categories of instrument.
var Categories = []string{"electron_microscopy", "spectroscopy", "chromatography", "mass_spectrometry", "xray", "nmr", "thermal_analysis",
	"mechanical_testing", "surface_analysis", "computing", "other"}

// Regions are where instruments are.
var Regions = []string{"shanghai", "jiangsu", "zhejiang", "anhui"}

// Instrument is a shared instrument.
type Instrument struct {
	ID                 int64              `json:"id"`
	OwnerOrgID         int64              `json:"owner_org_id"`
	OwnerName          string             `json:"owner_name"`
	ResourceID         int64              `json:"resource_id"`
	NameZh             string             `json:"name_zh"`
	NameEn             string             `json:"name_en"`
	Category           string             `json:"category"`
	Make               string             `json:"make"`
	Model              string             `json:"model"`
	Location           string             `json:"location"`
	Region             string             `json:"region"`
	District           string             `json:"district"`
	PurchaseValueFen   int64              `json:"purchase_value_fen"`
	CapabilitiesZh     string             `json:"capabilities_zh"`
	CapabilitiesEn     string             `json:"capabilities_en"`
	PhotoURL           string             `json:"photo_url"`
	FeeUnit            string             `json:"fee_unit"`
	FeeInternalFen     int64              `json:"fee_internal_fen"`
	FeeExternalFen     int64              `json:"fee_external_fen"`
	FeeSMEFen          int64              `json:"fee_sme_fen"`
	OperatorRequired   bool               `json:"operator_required"`
	TrainingRequired   bool               `json:"training_required"`
	AutoApproveMinutes int                `json:"auto_approve_minutes"`
	CancelFreeHours    int                `json:"cancel_free_hours"`
	LateCancelPct      int                `json:"late_cancel_pct"`
	NoShowPct          int                `json:"no_show_pct"`
	Status             string             `json:"status"`
	Version            int                `json:"version"`
	Calendar           *calendar.Resource `json:"calendar,omitempty"`
	Snippets           map[string]string  `json:"snippets,omitempty"`
}

// Input creates or replaces an instrument; fees in fen per hour or per
// sample.
type Input struct {
	OwnerOrgID         int64            `json:"owner_org_id"`
	NameZh             string           `json:"name_zh"`
	NameEn             string           `json:"name_en"`
	Category           string           `json:"category"`
	Make               string           `json:"make"`
	Model              string           `json:"model"`
	Location           string           `json:"location"`
	Region             string           `json:"region"`
	PurchaseValueYuan  int64            `json:"purchase_value_yuan"`
	CapabilitiesZh     string           `json:"capabilities_zh"`
	CapabilitiesEn     string           `json:"capabilities_en"`
	PhotoURL           string           `json:"photo_url"`
	FeeUnit            string           `json:"fee_unit"`
	FeeInternalFen     int64            `json:"fee_internal_fen"`
	FeeExternalFen     int64            `json:"fee_external_fen"`
	FeeSMEFen          int64            `json:"fee_sme_fen"`
	OperatorRequired   bool             `json:"operator_required"`
	TrainingRequired   bool             `json:"training_required"`
	AutoApproveMinutes int              `json:"auto_approve_minutes"`
	CancelFreeHours    int              `json:"cancel_free_hours"`
	LateCancelPct      int              `json:"late_cancel_pct"`
	NoShowPct          int              `json:"no_show_pct"`
	SlotMinutes        int              `json:"slot_minutes"`
	MinMinutes         int              `json:"min_minutes"`
	MaxMinutes         int              `json:"max_minutes"`
	TimeZone           string           `json:"time_zone"`
	Hours              []calendar.Hours `json:"opening_hours"`
	Status             string           `json:"status"`
	Version            *int             `json:"version,omitempty"`
}

// Booking is an instrument booking.
type Booking struct {
	ID            int64     `json:"id"`
	InstrumentID  int64     `json:"instrument_id"`
	InstrumentZh  string    `json:"instrument_name_zh"`
	InstrumentEn  string    `json:"instrument_name_en"`
	OwnerOrgID    int64     `json:"owner_org_id"`
	UserID        int64     `json:"user_id"`
	UserName      string    `json:"user_name"`
	OrgID         *int64    `json:"org_id"`
	OrgName       string    `json:"org_name"`
	Start         time.Time `json:"starts_at"`
	End           time.Time `json:"ends_at"`
	Status        string    `json:"status"`
	FeeClass      string    `json:"fee_class"`
	Mode          string    `json:"mode"`
	Purpose       string    `json:"purpose"`
	Samples       int       `json:"samples"`
	EstimateFen   int64     `json:"estimate_fen"`
	ActualMinutes *int      `json:"actual_minutes"`
	ChargeFen     *int64    `json:"charge_fen"`
	CreatedAt     time.Time `json:"created_at"`
	Location      string    `json:"location"`
}

// BookInput asks for a booking.
type BookInput struct {
	Start   time.Time `json:"starts_at"`
	End     time.Time `json:"ends_at"`
	OrgID   *int64    `json:"org_id"`
	Purpose string    `json:"purpose"`
	Samples int       `json:"samples"`
	// Recurrence, when set, books a series; SkipConflicts leaves out the
	// dates already taken instead of refusing the whole series.
	Recurrence    *calendar.Rule `json:"recurrence,omitempty"`
	SkipConflicts bool           `json:"skip_conflicts"`
}

// fieldErrs collects an input's field errors.
type fieldErrs = text.Errors

const maxFee = 10_000_000_00 // ten million yuan an hour or a sample, in fen

func (in *Input) normalize() (calendar.Resource, error) {
	for _, p := range []*string{&in.NameZh, &in.NameEn, &in.Category, &in.Make, &in.Model, &in.Location, &in.Region, &in.CapabilitiesZh, &in.CapabilitiesEn, &in.PhotoURL, &in.FeeUnit, &in.Status} {
		*p = strings.TrimSpace(*p)
	}
	var fs fieldErrs
	if in.OwnerOrgID < 1 {
		fs.Add("owner_org_id", "is required")
	}
	fs.Line("name_zh", in.NameZh, true, 200)
	fs.Line("name_en", in.NameEn, false, 300)
	if !slices.Contains(Categories, in.Category) {
		fs.Add("category", "must be one of "+strings.Join(Categories, ", "))
	}
	fs.Line("make", in.Make, false, 100)
	fs.Line("model", in.Model, false, 100)
	fs.Line("location", in.Location, false, 300)
	if in.Region == "" {
		in.Region = "shanghai"
	}
	if !slices.Contains(Regions, in.Region) {
		fs.Add("region", "must be one of "+strings.Join(Regions, ", "))
	}
	if in.PurchaseValueYuan < 0 || in.PurchaseValueYuan > 100_000_000_000 {
		fs.Add("purchase_value_yuan", "must be a whole number of yuan, not negative")
	}
	fs.Block("capabilities_zh", in.CapabilitiesZh, 5000)
	fs.Block("capabilities_en", in.CapabilitiesEn, 8000)
	if in.PhotoURL != "" && (!strings.HasPrefix(in.PhotoURL, "/") || strings.HasPrefix(in.PhotoURL, "//")) {
		fs.Add("photo_url", "must be a path on the platform; upload the photo to /api/v1/instruments/{id}/photo")
	}
	if in.FeeUnit != "hour" && in.FeeUnit != "sample" {
		fs.Add("fee_unit", "must be hour or sample")
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"fee_internal_fen", in.FeeInternalFen}, {"fee_external_fen", in.FeeExternalFen}, {"fee_sme_fen", in.FeeSMEFen}} {
		if f.v < 0 || f.v > maxFee {
			fs.Add(f.name, "must be an amount in fen from 0 to 1,000,000,000")
		}
	}
	if in.AutoApproveMinutes < 0 || in.AutoApproveMinutes > 14*1440 {
		fs.Add("auto_approve_minutes", "must be from 0 (never) to 20160")
	}
	if in.CancelFreeHours < 0 || in.CancelFreeHours > 720 {
		fs.Add("cancel_free_hours", "must be from 0 to 720")
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"late_cancel_pct", in.LateCancelPct}, {"no_show_pct", in.NoShowPct}} {
		if f.v < 0 || f.v > 100 {
			fs.Add(f.name, "must be a percentage from 0 to 100")
		}
	}
	if in.Status == "" {
		in.Status = "active"
	}
	if in.Status != "active" && in.Status != "retired" {
		fs.Add("status", "must be active or retired")
	}
	if in.SlotMinutes == 0 {
		in.SlotMinutes = 30
	}
	if in.MinMinutes == 0 {
		in.MinMinutes = in.SlotMinutes
	}
	if in.MaxMinutes == 0 {
		in.MaxMinutes = 8 * 60
	}
	if in.Hours == nil {
		for wd := time.Monday; wd <= time.Friday; wd++ {
			in.Hours = append(in.Hours, calendar.Hours{Weekday: wd, Start: 9 * 60, End: 17 * 60})
		}
	}
	r := calendar.Resource{OwnerOrgID: &in.OwnerOrgID, Name: in.NameZh, TimeZone: in.TimeZone, SlotMinutes: in.SlotMinutes, MinMinutes: in.MinMinutes,
		MaxMinutes: in.MaxMinutes, Hours: in.Hours}
	if err := r.Validate(); err != nil {
		fs = append(fs, apperr.As(err).Fields...)
	}
	return r, apperr.Fields(fs)
}

// Fee is the rate of a fee class.
func (i *Instrument) Fee(class string) int64 {
	switch class {
	case "internal":
		return i.FeeInternalFen
	case "sme":
		return i.FeeSMEFen
	}
	return i.FeeExternalFen
}

// Charge is the fee of a use: per started quarter hour at the hourly
// rate, or per sample.
func (i *Instrument) Charge(class string, minutes, samples int) int64 {
	rate := i.Fee(class)
	if i.FeeUnit == "sample" {
		return rate * int64(samples)
	}
	quarters := (int64(minutes) + 14) / 15
	return (rate*quarters + 2) / 4
}

// ChargeText is the charge in yuan with two decimals, for the voucher
// checkout; "" when there is none.
func (b Booking) ChargeText() string {
	if b.ChargeFen == nil {
		return ""
	}
	f := *b.ChargeFen
	return strconv.FormatInt(f/100, 10) + "." + strconv.FormatInt(f%100/10, 10) + strconv.FormatInt(f%10, 10)
}

// Unpaid says whether the booking has a charge to pay.
func (b Booking) Unpaid() bool { return b.ChargeFen != nil && *b.ChargeFen > 0 }

// EndClock is the end's time of day in Shanghai.
func (b Booking) EndClock() string { return b.End.In(time.FixedZone("CST", 8*3600)).Format("15:04") }
