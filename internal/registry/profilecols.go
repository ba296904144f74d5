package registry

import (
	"database/sql"
	"strings"

	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/rules"
)

// ProfileColumns reads enterprises' rule profiles straight from rows of
// orgs, whose columns carry the rules' field names: for the loaders of
// many enterprises (city-wide matching, notice targeting), which read only
// the fields their rules read. Use one per goroutine:
//
//	pc := registry.NewProfileColumns(rs.Fields(), true)
//	rows, err := q.QueryContext(ctx, `SELECT id`+pc.Select()+` FROM orgs WHERE kind = 'enterprise'`)
//	for rows.Next() {
//		err := rows.Scan(append([]any{&id}, pc.Dest()...)...)
//		err = pc.Fill(prof)
type ProfileColumns struct {
	cols   []profileCol
	kind   int
	texts  []string
	ntexts []sql.NullString
	nums   []sql.NullInt64
	days   []db.Date
	bools  []sql.NullBool
	dest   []any
}

type colKind int

const (
	cText     colKind = iota // NOT NULL text
	cNullText                // text or NULL
	cNumber                  // integer or NULL, as a number
	cDate                    // day or NULL
	cWords                   // space-separated words, as a list
	cBool                    // boolean or NULL
)

// profileColKinds are the orgs columns of the profile fields and how
// they are stored. "kind" is not read: the loaders read enterprises.
var profileColKinds = map[string]colKind{
	"uscc": cText, "name_zh": cText, "name_en": cText,
	"registered_district": cNullText, "tax_district": cNullText, "industry": cNullText, "tech_field": cNullText,
	"park_id": cNumber, "founded_on": cDate, "employees": cNumber, "rd_staff": cNumber, "revenue_yuan": cNumber,
	"total_assets_yuan": cNumber, "rd_expense_yuan": cNumber, "revenue_3y_yuan": cNumber, "rd_expense_3y_yuan": cNumber,
	"rd_expense_domestic_3y_yuan": cNumber, "high_tech_revenue_yuan": cNumber, "invention_patents": cNumber,
	"other_ip": cNumber, "certifications": cWords, "innovation_score": cNumber, "major_incident_last_year": cBool,
}

type profileCol struct {
	name  string
	kind  colKind
	field int // index in rules.Fields
}

// NewProfileColumns reads the fields of a mask (rules.RuleSet.Fields) and,
// when checked, those rules.CheckedFields names, so that a profile
// rules.NewProfile would refuse is refused here too.
func NewProfileColumns(mask uint64, checked bool) *ProfileColumns {
	if checked {
		mask |= rules.CheckedFields()
	}
	pc := &ProfileColumns{}
	pc.kind, _ = rules.FieldIndex("kind")
	for _, n := range rules.FieldNames(mask) {
		k, ok := profileColKinds[n]
		if !ok {
			continue
		}
		i, _ := rules.FieldIndex(n)
		pc.cols = append(pc.cols, profileCol{n, k, i})
	}
	n := len(pc.cols)
	pc.texts, pc.ntexts, pc.nums = make([]string, n), make([]sql.NullString, n), make([]sql.NullInt64, n)
	pc.days, pc.bools = make([]db.Date, n), make([]sql.NullBool, n)
	for i, c := range pc.cols {
		switch c.kind {
		case cText, cWords:
			pc.dest = append(pc.dest, &pc.texts[i])
		case cNullText:
			pc.dest = append(pc.dest, &pc.ntexts[i])
		case cNumber:
			pc.dest = append(pc.dest, &pc.nums[i])
		case cDate:
			pc.dest = append(pc.dest, &pc.days[i])
		case cBool:
			pc.dest = append(pc.dest, &pc.bools[i])
		}
	}
	return pc
}

// Select is the columns for a SELECT list, each after a comma.
func (pc *ProfileColumns) Select() string {
	var b strings.Builder
	for _, c := range pc.cols {
		b.WriteString(", ")
		b.WriteString(c.name) // names from the fixed table above, never input
	}
	return b.String()
}

// Dest is where rows.Scan puts the columns of Select, in order.
func (pc *ProfileColumns) Dest() []any { return pc.dest }

// Fill lays the last scanned row out in p as an enterprise, with the
// checks of rules.NewProfile (through the typed setters, without a map).
func (pc *ProfileColumns) Fill(p *rules.Profile) error {
	p.Clear()
	err := p.SetString(pc.kind, "enterprise")
	for i, c := range pc.cols {
		if err != nil {
			return err
		}
		switch c.kind {
		case cText:
			err = p.SetString(c.field, pc.texts[i])
		case cWords:
			err = p.SetStrings(c.field, strings.Fields(pc.texts[i]))
		case cNullText:
			if pc.ntexts[i].Valid {
				err = p.SetString(c.field, pc.ntexts[i].String)
			}
		case cNumber:
			if pc.nums[i].Valid {
				err = p.SetNumber(c.field, float64(pc.nums[i].Int64))
			}
		case cDate:
			if pc.days[i].Valid {
				err = p.SetDate(c.field, pc.days[i].String)
			}
		case cBool:
			if pc.bools[i].Valid {
				err = p.SetBool(c.field, pc.bools[i].Bool)
			}
		}
	}
	if err != nil {
		return err
	}
	return p.Check()
}
