package talent

import (
	"strings"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
)

func std() *Table {
	in := Standard2017()
	return &Table{ID: 1, EffectiveFrom: in.EffectiveFrom, Points: in.Points}
}

func TestStandard2017IsValid(t *testing.T) {
	in := Standard2017()
	if err := in.check(); err != nil {
		t.Fatalf("the 2017 standard does not pass its own checks: %v", err)
	}
	sum := 0
	p := in.Points
	for _, m := range []int{p.Salary.Max, p.Education.Max, p.WorkYears.Max, p.MonthsInChina.Max, p.Chinese.Max, p.Location.Max, p.Age.Max, p.Other.Max, p.Provincial.Max} {
		sum += m
	}
	if sum != 120 || p.TotalMax != 120 {
		t.Errorf("item maxima sum to %d, cap %d; want 120 and 120", sum, p.TotalMax)
	}
}

// Each item's brackets as RULES.md gives them, value by value.
func TestItemsByRules(t *testing.T) {
	tb := std()
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	base := Profile{BirthDate: "1990-06-01", Education: "other", WorkLocation: "other"} // 36 years old
	item := func(mod func(*Profile), key string) int {
		p := base
		mod(&p)
		sc := Evaluate(tb, &p, day)
		for _, it := range sc.Items {
			if it.Key == key {
				if it.LabelZh == "" || it.LabelEn == "" || it.BracketZh == "" || it.BracketEn == "" || it.ValueZh == "" || it.ValueEn == "" {
					t.Errorf("%s: texts missing in a language: %+v", key, it)
				}
				return it.Points
			}
		}
		t.Fatalf("no item %s", key)
		return 0
	}
	for _, c := range []struct {
		yuan int64
		want int
	}{{450000, 20}, {449999, 17}, {350000, 17}, {349999, 14}, {250000, 14}, {150000, 11}, {149999, 8}, {70000, 8}, {69999, 5}, {50000, 5}, {49999, 0}, {0, 0}, {9_000_000, 20}} {
		if got := item(func(p *Profile) { p.SalaryYuan = c.yuan }, "salary"); got != c.want {
			t.Errorf("salary %d yuan: %d points, want %d", c.yuan, got, c.want)
		}
	}
	for lvl, want := range map[string]int{"doctorate": 20, "top_skill": 20, "master": 15, "technician": 15, "bachelor": 10, "senior_worker": 10, "other": 0} {
		if got := item(func(p *Profile) { p.Education = lvl }, "education"); got != want {
			t.Errorf("education %s: %d, want %d", lvl, got, want)
		}
	}
	for y, want := range map[int]int{0: 0, 1: 0, 2: 5, 3: 6, 10: 13, 16: 19, 17: 20, 30: 20} {
		if got := item(func(p *Profile) { p.WorkYears = y }, "work_years"); got != want {
			t.Errorf("work years %d: %d, want %d", y, got, want)
		}
	}
	for m, want := range map[int]int{12: 15, 9: 15, 8: 10, 6: 10, 5: 5, 3: 5, 2: 0, 0: 0} {
		if got := item(func(p *Profile) { p.MonthsInChina = m }, "months_in_china"); got != want {
			t.Errorf("months %d: %d, want %d", m, got, want)
		}
	}
	for h, want := range map[int]int{0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 5} {
		if got := item(func(p *Profile) { p.HSK = h }, "chinese"); got != want {
			t.Errorf("HSK %d: %d, want %d", h, got, want)
		}
	}
	if got := item(func(p *Profile) { p.ChineseTaughtDegree = true }, "chinese"); got != 5 {
		t.Errorf("Chinese-taught degree: %d, want 5", got)
	}
	if got := item(func(p *Profile) { p.FormerChinese = true }, "chinese"); got != 5 {
		t.Errorf("former Chinese national: %d, want 5", got)
	}
	for loc, want := range map[string]int{"western": 10, "northeast": 10, "poverty_county": 10, "other": 0} {
		if got := item(func(p *Profile) { p.WorkLocation = loc }, "location"); got != want {
			t.Errorf("location %s: %d, want %d", loc, got, want)
		}
	}
	// Ages on 2026-06-01: born 2008-06-01 is 18, born 2008-06-02 is 17.
	for birth, want := range map[string]int{"2008-06-01": 10, "2000-06-02": 10, "2000-06-01": 15, "1981-06-01": 15, "1980-06-02": 15,
		"1980-06-01": 10, "1971-06-01": 10, "1970-06-02": 10, "1970-06-01": 5, "1966-06-01": 5, "1965-06-02": 5, "1965-06-01": 0, "1940-01-01": 0} {
		if got := item(func(p *Profile) { p.BirthDate = birth }, "age"); got != want {
			t.Errorf("born %s: %d age points, want %d", birth, got, want)
		}
	}
	for name, mod := range map[string]func(*Profile){"top university": func(p *Profile) { p.TopUniversity = true }, "fortune 500": func(p *Profile) { p.Fortune500 = true },
		"owns IP": func(p *Profile) { p.OwnsIP = true }, "five years": func(p *Profile) { p.FiveYearsChina = true }} {
		if got := item(mod, "other"); got != 5 {
			t.Errorf("other (%s): %d, want 5", name, got)
		}
	}
	if got := item(func(p *Profile) { p.TopUniversity, p.OwnsIP = true, true }, "other"); got != 5 {
		t.Errorf("other with two conditions: %d, want 5 (the item's max)", got)
	}
	if got := item(func(*Profile) {}, "other"); got != 0 {
		t.Errorf("other with none: %d", got)
	}
}

func TestClasses(t *testing.T) {
	tb := std()
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	avg := tb.Points.LocalAverageSalaryYuan
	// 36 years old (15), doctorate (20), 10 years (13), 12 months (15),
	// salary 300,000 (14): 77 points.
	strong := Profile{BirthDate: "1990-01-01", Education: "doctorate", WorkYears: 10, MonthsInChina: 12, SalaryYuan: 300000, WorkLocation: "other"}
	for _, c := range []struct {
		name      string
		mod       func(*Profile)
		total     int
		class     string
		criterion string
	}{
		{"77 points, no criterion", func(*Profile) {}, 77, "B", ""},
		{"85 points exactly", func(p *Profile) { p.HSK = 3; p.OwnsIP = true }, 85, "A", ""},
		{"84 points", func(p *Profile) { p.HSK = 2; p.OwnsIP = true }, 84, "B", ""},
		{"national talent program", func(p *Profile) { p.NationalTalentProgram = true }, 77, "A", "national_talent_program"},
		{"recognised achievement", func(p *Profile) { p.RecognisedAchievement = true }, 77, "A", "recognised_achievement"},
		{"salary six times the average", func(p *Profile) { p.SalaryYuan = 6 * avg }, 77 - 14 + 20, "A", "salary_6x"},
		{"salary just under six times", func(p *Profile) { p.SalaryYuan = 6*avg - 1 }, 77 - 14 + 20, "B", ""},
		{"60 points", func(p *Profile) {
			p.Education = "other"
			p.WorkYears = 1
			p.SalaryYuan = 150000
			p.MonthsInChina = 12
			p.HSK = 5
			p.OwnsIP = true
			p.WorkLocation = "western"
		}, 11 + 15 + 15 + 5 + 10 + 5, "B", ""},
		{"bachelor with two years", func(p *Profile) { p.Education = "bachelor"; p.WorkYears = 2; p.SalaryYuan = 60000; p.MonthsInChina = 2 }, 10 + 5 + 15 + 5, "B", "degree_experience"},
		{"bachelor with one year", func(p *Profile) { p.Education = "bachelor"; p.WorkYears = 1; p.SalaryYuan = 60000; p.MonthsInChina = 2 }, 10 + 15 + 5, "C", ""},
		{"senior worker with two years is no degree", func(p *Profile) {
			p.Education = "senior_worker"
			p.WorkYears = 2
			p.SalaryYuan = 60000
			p.MonthsInChina = 2
		}, 10 + 5 + 15 + 5, "C", ""},
		{"salary four times the average", func(p *Profile) { p.Education = "other"; p.WorkYears = 0; p.MonthsInChina = 2; p.SalaryYuan = 4 * avg }, 14 + 15, "B", "salary_4x"},
	} {
		p := strong
		c.mod(&p)
		sc := Evaluate(tb, &p, day)
		if sc.Total != c.total || sc.Class != c.class || sc.Criterion != c.criterion {
			t.Errorf("%s: total %d class %s criterion %q; want %d %s %q", c.name, sc.Total, sc.Class, sc.Criterion, c.total, c.class, c.criterion)
		}
		wantBasis := BasisPoints
		if c.criterion != "" {
			wantBasis = BasisCriterion
		}
		if sc.Basis != wantBasis {
			t.Errorf("%s: basis %s, want %s", c.name, sc.Basis, wantBasis)
		}
	}
}

func TestTotalCapped(t *testing.T) {
	tb := std()
	tb.Points.Provincial.Points = 10
	tb.Points.TotalMax = 110
	p := Profile{BirthDate: "1990-01-01", Education: "doctorate", WorkYears: 20, MonthsInChina: 12, SalaryYuan: 500000, HSK: 6, WorkLocation: "western",
		OwnsIP: true, ProvincialBonus: true}
	sc := Evaluate(tb, &p, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	if sc.Sum != 120 || sc.Total != 110 {
		t.Errorf("sum %d total %d, want 120 capped at 110", sc.Sum, sc.Total)
	}
}

func TestTableCheck(t *testing.T) {
	for _, c := range []struct {
		name  string
		mod   func(*Points)
		field string
	}{
		{"gap", func(p *Points) { p.Salary.Brackets[2].From = 8 }, "points.salary.brackets[2].from"},
		{"overlap", func(p *Points) { p.MonthsInChina.Brackets[1].From = 2 }, "points.months_in_china.brackets[1].from"},
		{"not starting at 0", func(p *Points) { p.WorkYears.Brackets[0].From = 1 }, "points.work_years.brackets[0].from"},
		{"age not from 18", func(p *Points) { p.Age.Brackets[0].From = 16 }, "points.age.brackets[0].from"},
		{"closed last", func(p *Points) { p.Chinese.Brackets[5].To = ip(7) }, "points.chinese.brackets[5].to"},
		{"open middle", func(p *Points) { p.Salary.Brackets[3].To = nil }, "points.salary.brackets[3].to"},
		{"empty bracket", func(p *Points) { p.Salary.Brackets[1].To = ip(5) }, "points.salary.brackets[1].to"},
		{"over the max", func(p *Points) { p.Salary.Brackets[6].Points = 21 }, "points.salary.brackets[6].points"},
		{"negative", func(p *Points) { p.Age.Brackets[4].Points = -1 }, "points.age.brackets[4].points"},
		{"education over max", func(p *Points) { p.Education.Points["master"] = 25 }, "points.education.points.master"},
		{"education unordered", func(p *Points) { p.Education.Points["master"] = 5 }, "points.education.points"},
		{"unknown location", func(p *Points) { p.Location.Points["mars"] = 1 }, "points.location.points.mars"},
		{"missing location", func(p *Points) { delete(p.Location.Points, "western") }, "points.location.points.western"},
		{"thresholds", func(p *Points) { p.ClassBMin = 90 }, "points.class_b_min"},
		{"average salary", func(p *Points) { p.LocalAverageSalaryYuan = 0 }, "points.local_average_salary_yuan"},
		{"multiples", func(p *Points) { p.ClassBSalaryMultiple = 6 }, "points.class_b_salary_multiple"},
		{"provincial over max", func(p *Points) { p.Provincial.Points = 11 }, "points.provincial.points"},
		{"maxima cannot reach the cap", func(p *Points) {
			p.Salary.Max = 10
			p.Salary.Brackets[6].Points = 10
			p.Salary.Brackets[5].Points = 10
			p.Salary.Brackets[4].Points = 10
			p.Salary.Brackets[3].Points = 10
		}, "points.total_max"},
	} {
		in := Standard2017()
		c.mod(&in.Points)
		err := in.check()
		if !hasField(err, c.field) {
			t.Errorf("%s: %v, want a field error on %s", c.name, err, c.field)
		}
	}
}

func hasField(err error, field string) bool {
	e, ok := err.(*apperr.Error)
	if !ok {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

func TestProfileCheck(t *testing.T) {
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	good := func() Profile {
		return Profile{Name: "Anna Müller", JobTitle: "Chief Engineer", Nationality: "deu", PassportNo: "c01x 00t47", BirthDate: "1985-04-02",
			Education: "doctorate", GraduationDate: "2012-07-15", HSK: 4, WorkYears: 12, SalaryYuan: 650000, MonthsInChina: 12,
			WorkHistory: []Job{{From: "2012-09-01", To: "2020-12-31", Employer: "Siemens AG", Role: "Engineer"}}}
	}
	p := good()
	if err := p.Check(today, ""); err != nil {
		t.Fatalf("a good profile: %v", err)
	}
	if p.Nationality != "DEU" || p.PassportNo != "C01X00T47" || p.WorkLocation != "other" {
		t.Errorf("normalised: %q %q %q", p.Nationality, p.PassportNo, p.WorkLocation)
	}
	for _, c := range []struct {
		name  string
		mod   func(*Profile)
		field string
	}{
		{"born in the future", func(p *Profile) { p.BirthDate = "2027-01-01" }, "birth_date"},
		{"under 18", func(p *Profile) {
			p.BirthDate = "2010-01-01"
			p.GraduationDate = "2025-01-01"
			p.WorkYears = 0
			p.WorkHistory = nil
		}, "birth_date"},
		{"not a date", func(p *Profile) { p.BirthDate = "1985-02-30" }, "birth_date"},
		{"graduated before birth", func(p *Profile) { p.GraduationDate = "1980-06-01" }, "graduation_date"},
		{"graduated in the future", func(p *Profile) { p.GraduationDate = "2030-06-01" }, "graduation_date"},
		{"negative salary", func(p *Profile) { p.SalaryYuan = -1 }, "salary_yuan"},
		{"absurd salary", func(p *Profile) { p.SalaryYuan = 2_000_000_000 }, "salary_yuan"},
		{"unknown nationality", func(p *Profile) { p.Nationality = "ABC" }, "nationality"},
		{"alpha-2 nationality", func(p *Profile) { p.Nationality = "DE" }, "nationality"},
		{"withdrawn code", func(p *Profile) { p.Nationality = "YUG" }, "nationality"},
		{"private-use code", func(p *Profile) { p.Nationality = "XXX" }, "nationality"},
		{"Chinese national", func(p *Profile) { p.Nationality = "CHN" }, "nationality"},
		{"passport too short", func(p *Profile) { p.PassportNo = "A123" }, "passport_no"},
		{"passport too long", func(p *Profile) { p.PassportNo = "A1234567890" }, "passport_no"},
		{"passport symbols", func(p *Profile) { p.PassportNo = "C01X$0T47" }, "passport_no"},
		{"passport no digit", func(p *Profile) { p.PassportNo = "ABCDEFGH" }, "passport_no"},
		{"HSK 7", func(p *Profile) { p.HSK = 7 }, "hsk"},
		{"13 months", func(p *Profile) { p.MonthsInChina = 13 }, "months_in_china"},
		{"work years beyond age", func(p *Profile) { p.WorkYears = 60 }, "work_years"},
		{"unknown education", func(p *Profile) { p.Education = "phd" }, "education"},
		{"unknown location", func(p *Profile) { p.WorkLocation = "moon" }, "work_location"},
		{"job before birth", func(p *Profile) { p.WorkHistory[0].From = "1980-01-01" }, "work_history[0].from"},
		{"job ends before it starts", func(p *Profile) { p.WorkHistory[0].To = "2011-01-01" }, "work_history[0].to"},
		{"no name", func(p *Profile) { p.Name = " " }, "name"},
	} {
		p := good()
		c.mod(&p)
		err := p.Check(today, "")
		if !hasField(err, c.field) {
			t.Errorf("%s: %v, want a field error on %s", c.name, err, c.field)
		}
	}
}

func TestNationality(t *testing.T) {
	for code, want := range map[string]string{"DEU": "DEU", "usa": "USA", " jpn ": "JPN", "GBR": "GBR", "FRA": "FRA", "KOR": "KOR", "ZZZ": "", "AAA": "",
		"QMA": "", "EUR": "", "12A": "", "DEUT": "", "": "", "ÄBC": ""} {
		if got := Nationality(code); got != want {
			t.Errorf("Nationality(%q) = %q, want %q", code, got, want)
		}
	}
	if !strings.Contains(PassportNo("e 1234-5678"), "E12345678") {
		t.Errorf("passport normalisation: %q", PassportNo("e 1234-5678"))
	}
}
