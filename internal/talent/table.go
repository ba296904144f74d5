package talent

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/text"
)

// Bracket is one band of a numeric item: values v with From <= v < To
// (To nil: no upper end) earn Points.
type Bracket struct {
	From   int  `json:"from"`
	To     *int `json:"to"`
	Points int  `json:"points"`
}

// RangeItem is an item scored by brackets over a number.
type RangeItem struct {
	Max      int       `json:"max"`
	Brackets []Bracket `json:"brackets"`
}

// ChoiceItem is an item scored by a code (education level, work location).
type ChoiceItem struct {
	Max    int            `json:"max"`
	Points map[string]int `json:"points"`
}

// FlagItem earns Points when any of its conditions holds.
type FlagItem struct {
	Max    int `json:"max"`
	Points int `json:"points"`
}

// ProvincialItem is the bonus a province sets (0 to Max) for the talents
// it encourages.
type ProvincialItem struct {
	Max        int    `json:"max"`
	Points     int    `json:"points"`
	ProvinceZh string `json:"province_zh"`
	ProvinceEn string `json:"province_en"`
}

// Points is the content of a table version: every item's brackets and
// maximum, the cap of the total, the class thresholds and the parameters
// of the direct criteria.
type Points struct {
	// TotalMax caps the total (120).
	TotalMax int `json:"total_max"`
	// ClassAMin and ClassBMin are the thresholds (85, 60).
	ClassAMin int `json:"class_a_min"`
	ClassBMin int `json:"class_b_min"`
	// LocalAverageSalaryYuan is the local average annual salary the salary
	// criteria multiply.
	LocalAverageSalaryYuan int64 `json:"local_average_salary_yuan"`
	// ClassASalaryMultiple (6) and ClassBSalaryMultiple (4): a salary of
	// at least that many times the local average is a direct criterion.
	ClassASalaryMultiple int `json:"class_a_salary_multiple"`
	ClassBSalaryMultiple int `json:"class_b_salary_multiple"`
	// ClassBMinYears: a bachelor's degree and that many years' relevant
	// experience are a class-B criterion (2).
	ClassBMinYears int `json:"class_b_min_years"`
	// Salary brackets are in 10,000 yuan a year.
	Salary    RangeItem  `json:"salary"`
	Education ChoiceItem `json:"education"`
	WorkYears RangeItem  `json:"work_years"`
	// MonthsInChina: months worked in China per year.
	MonthsInChina RangeItem `json:"months_in_china"`
	// Chinese brackets are over the HSK level (a Chinese-taught degree or
	// a former Chinese nationality counts as level 6).
	Chinese  RangeItem  `json:"chinese"`
	Location ChoiceItem `json:"location"`
	// Age brackets are over whole years on the scoring day.
	Age        RangeItem      `json:"age"`
	Other      FlagItem       `json:"other"`
	Provincial ProvincialItem `json:"provincial"`
}

// Table is one version of the points table.
type Table struct {
	ID            int64     `json:"id"`
	EffectiveFrom string    `json:"effective_from"`
	NameZh        string    `json:"name_zh"`
	NameEn        string    `json:"name_en"`
	LegalRef      string    `json:"legal_ref"`
	Points        Points    `json:"points"`
	CreatedAt     time.Time `json:"created_at"`
}

// TableInput adds a version.
type TableInput struct {
	EffectiveFrom string `json:"effective_from"`
	NameZh        string `json:"name_zh"`
	NameEn        string `json:"name_en"`
	LegalRef      string `json:"legal_ref"`
	Points        Points `json:"points"`
}

// Education levels (the standard pairs degrees with skill certificates).
var EducationLevels = []string{"doctorate", "top_skill", "master", "technician", "bachelor", "senior_worker", "other"}

// Degrees are the levels that are a bachelor's degree or above, for the
// class-B criterion.
var Degrees = []string{"doctorate", "master", "bachelor"}

// Locations are the work-location codes: the western region, the
// north-east old industrial base, a national poverty county, elsewhere.
var Locations = []string{"western", "northeast", "poverty_county", "other"}

func ip(v int) *int { return &v }

// Standard2017 is the 2017 classification standard (foreigners' work
// permits, classes A, B and C) as RULES.md gives it. The local average
// salary is Shanghai's 2016 average annual wage of employees (85,582
// yuan); Shanghai's provincial bonus is not in the reference text and is
// 0 until an administrator sets it in a new version.
func Standard2017() TableInput {
	return TableInput{
		EffectiveFrom: "2017-04-01",
		NameZh:        "外国人来华工作分类标准（2017 年试行）",
		NameEn:        "Classification standard for foreigners working in China (2017, trial)",
		LegalRef:      "外国人来华工作分类标准（试行）, 2017; third-party copies",
		Points: Points{
			TotalMax: 120, ClassAMin: 85, ClassBMin: 60,
			LocalAverageSalaryYuan: 85582, ClassASalaryMultiple: 6, ClassBSalaryMultiple: 4, ClassBMinYears: 2,
			Salary: RangeItem{Max: 20, Brackets: []Bracket{{0, ip(5), 0}, {5, ip(7), 5}, {7, ip(15), 8}, {15, ip(25), 11},
				{25, ip(35), 14}, {35, ip(45), 17}, {45, nil, 20}}},
			Education: ChoiceItem{Max: 20, Points: map[string]int{"doctorate": 20, "top_skill": 20, "master": 15, "technician": 15,
				"bachelor": 10, "senior_worker": 10, "other": 0}},
			WorkYears:     RangeItem{Max: 20, Brackets: workYears()},
			MonthsInChina: RangeItem{Max: 15, Brackets: []Bracket{{0, ip(3), 0}, {3, ip(6), 5}, {6, ip(9), 10}, {9, nil, 15}}},
			Chinese: RangeItem{Max: 5, Brackets: []Bracket{{0, ip(1), 0}, {1, ip(2), 1}, {2, ip(3), 2}, {3, ip(4), 3}, {4, ip(5), 4},
				{5, nil, 5}}},
			Location: ChoiceItem{Max: 10, Points: map[string]int{"western": 10, "northeast": 10, "poverty_county": 10, "other": 0}},
			Age: RangeItem{Max: 15, Brackets: []Bracket{{18, ip(26), 10}, {26, ip(46), 15}, {46, ip(56), 10}, {56, ip(61), 5},
				{61, nil, 0}}},
			Other:      FlagItem{Max: 5, Points: 5},
			Provincial: ProvincialItem{Max: 10, Points: 0, ProvinceZh: "上海市", ProvinceEn: "Shanghai"},
		},
	}
}

// workYears: under 2 years 0; 2 years 5, plus 1 per extra year up to 20.
func workYears() []Bracket {
	bs := []Bracket{{0, ip(2), 0}}
	for y := 2; y < 17; y++ {
		bs = append(bs, Bracket{y, ip(y + 1), 5 + y - 2})
	}
	return append(bs, Bracket{17, nil, 20})
}

// rangeSpec is what a numeric item must cover.
type rangeSpec struct {
	key   string
	low   int // the first bracket starts here
	limit int // a bound above this is absurd
}

var rangeSpecs = []rangeSpec{{"salary", 0, 100000}, {"work_years", 0, 70}, {"months_in_china", 0, 12}, {"chinese", 0, 6}, {"age", 18, 120}}

func (p *Points) rangeItem(key string) *RangeItem {
	switch key {
	case "salary":
		return &p.Salary
	case "work_years":
		return &p.WorkYears
	case "months_in_china":
		return &p.MonthsInChina
	case "chinese":
		return &p.Chinese
	case "age":
		return &p.Age
	}
	return nil
}

// Check validates a version's content; field names are JSON paths under
// "points" ("points.salary.brackets[2].from").
func (p *Points) Check() error {
	var fs text.Errors
	f := func(s string) string { return "points." + s }
	if p.TotalMax < 1 || p.TotalMax > 1000 {
		fs.Add(f("total_max"), "must be from 1 to 1000")
	}
	if p.ClassBMin < 1 || p.ClassBMin >= p.ClassAMin {
		fs.Add(f("class_b_min"), "must be at least 1 and below class_a_min")
	}
	if p.ClassAMin > p.TotalMax {
		fs.Add(f("class_a_min"), "must not exceed total_max")
	}
	if p.LocalAverageSalaryYuan < 1 || p.LocalAverageSalaryYuan > 100_000_000 {
		fs.Add(f("local_average_salary_yuan"), "must be from 1 to 100,000,000 yuan")
	}
	if p.ClassASalaryMultiple < 1 || p.ClassASalaryMultiple > 100 {
		fs.Add(f("class_a_salary_multiple"), "must be from 1 to 100")
	}
	if p.ClassBSalaryMultiple < 1 || p.ClassBSalaryMultiple >= p.ClassASalaryMultiple {
		fs.Add(f("class_b_salary_multiple"), "must be at least 1 and below class_a_salary_multiple")
	}
	if p.ClassBMinYears < 0 || p.ClassBMinYears > 70 {
		fs.Add(f("class_b_min_years"), "must be from 0 to 70")
	}
	sum := 0
	checkMax := func(key string, max int) {
		sum += max
		if max < 0 || max > p.TotalMax {
			fs.Add(f(key+".max"), "must be from 0 to total_max")
		}
	}
	for _, rs := range rangeSpecs {
		it := p.rangeItem(rs.key)
		checkMax(rs.key, it.Max)
		if len(it.Brackets) == 0 || len(it.Brackets) > 100 {
			fs.Add(f(rs.key+".brackets"), "must have from 1 to 100 brackets")
			continue
		}
		for i, b := range it.Brackets {
			at := f(rs.key + ".brackets[" + strconv.Itoa(i) + "]")
			switch {
			case i == 0 && b.From != rs.low:
				fs.Add(at+".from", "the first bracket must start at "+strconv.Itoa(rs.low))
			case i > 0 && it.Brackets[i-1].To != nil && b.From != *it.Brackets[i-1].To:
				fs.Add(at+".from", "must equal the previous bracket's end: brackets in order, without gaps or overlaps")
			}
			last := i == len(it.Brackets)-1
			switch {
			case last && b.To != nil:
				fs.Add(at+".to", "the last bracket must be open (null)")
			case !last && b.To == nil:
				fs.Add(at+".to", "only the last bracket may be open")
			case b.To != nil && (*b.To <= b.From || *b.To > rs.limit):
				fs.Add(at+".to", "must be above from and at most "+strconv.Itoa(rs.limit))
			}
			if b.Points < 0 || b.Points > it.Max {
				fs.Add(at+".points", "must be from 0 to the item's max ("+strconv.Itoa(it.Max)+")")
			}
		}
	}
	checkChoice := func(key string, it *ChoiceItem, codes []string) {
		checkMax(key, it.Max)
		for k := range it.Points {
			if !contains(codes, k) {
				fs.Add(f(key+".points."+k), "is not a known code")
			}
		}
		for _, c := range codes {
			v, ok := it.Points[c]
			if !ok {
				fs.Add(f(key+".points."+c), "is required")
			} else if v < 0 || v > it.Max {
				fs.Add(f(key+".points."+c), "must be from 0 to the item's max ("+strconv.Itoa(it.Max)+")")
			}
		}
	}
	checkChoice("education", &p.Education, EducationLevels)
	if e := p.Education.Points; e["doctorate"] < e["master"] || e["master"] < e["bachelor"] || e["bachelor"] < e["other"] {
		fs.Add(f("education.points"), "degrees must be ordered: doctorate ≥ master ≥ bachelor ≥ other")
	}
	checkChoice("location", &p.Location, Locations)
	checkMax("other", p.Other.Max)
	if p.Other.Points < 0 || p.Other.Points > p.Other.Max {
		fs.Add(f("other.points"), "must be from 0 to the item's max")
	}
	checkMax("provincial", p.Provincial.Max)
	if p.Provincial.Points < 0 || p.Provincial.Points > p.Provincial.Max {
		fs.Add(f("provincial.points"), "must be from 0 to the item's max")
	}
	fs.Line(f("provincial.province_zh"), p.Provincial.ProvinceZh, true, 50)
	fs.Line(f("provincial.province_en"), p.Provincial.ProvinceEn, true, 80)
	if sum < p.TotalMax {
		fs.Add(f("total_max"), fmt.Sprintf("the items' maxima sum to %d: total_max cannot be reached", sum))
	}
	return apperr.Fields(fs)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (in *TableInput) check() error {
	var fs text.Errors
	if _, err := time.Parse(time.DateOnly, in.EffectiveFrom); err != nil {
		fs.Add("effective_from", "must be a date YYYY-MM-DD")
	}
	fs.Line("name_zh", in.NameZh, true, 200)
	fs.Line("name_en", in.NameEn, true, 300)
	fs.Line("legal_ref", in.LegalRef, false, 500)
	if err := apperr.Fields(fs); err != nil {
		return err
	}
	return in.Points.Check()
}

const tableCols = `id, effective_from, name_zh, name_en, legal_ref, data, created_at`

func scanTable(r interface{ Scan(...any) error }) (Table, error) {
	var t Table
	var eff db.Date
	var data string
	if err := r.Scan(&t.ID, &eff, &t.NameZh, &t.NameEn, &t.LegalRef, &data, &t.CreatedAt); err != nil {
		return t, err
	}
	t.EffectiveFrom = eff.String
	return t, json.Unmarshal([]byte(data), &t.Points)
}

// Tables lists every version, oldest first.
func Tables(ctx context.Context, q Querier) ([]Table, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+tableCols+` FROM talent_point_tables ORDER BY effective_from, id`)
	return db.Collect(rows, err, "points tables", scanTable)
}

// InForce returns the version in force on day (the latest whose effective
// date is not after it) from tables ordered oldest first, or nil.
func InForce(tables []Table, day string) *Table {
	var t *Table
	for i := range tables {
		if tables[i].EffectiveFrom <= day {
			t = &tables[i]
		}
	}
	return t
}

// Table returns one version.
func (s *Service) Table(ctx context.Context, id int64) (Table, error) {
	t, err := scanTable(s.DB.Read.QueryRowContext(ctx, `SELECT `+tableCols+` FROM talent_point_tables WHERE id = $1`, id))
	if err == sql.ErrNoRows {
		return t, apperr.New(apperr.NotFound, "no points table %d", id)
	}
	return t, apperr.Wrap(err, "points table")
}

// insertTable writes a checked version.
func insertTable(ctx context.Context, tx *sql.Tx, in TableInput, by any, now time.Time) (int64, error) {
	data, err := json.Marshal(in.Points)
	if err != nil {
		return 0, apperr.Wrap(err, "points table")
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO talent_point_tables (effective_from, name_zh, name_en, legal_ref, data, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, in.EffectiveFrom, in.NameZh, in.NameEn, in.LegalRef, string(data), by, now).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, apperr.Field("effective_from", "a version already takes effect on that day").WithCode(apperr.Conflict)
	}
	return id, apperr.Wrap(err, "insert points table")
}
