package talent

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/text"
)

// Job is one line of the talent's work history.
type Job struct {
	From     string `json:"from"`
	To       string `json:"to"` // "" : to date
	Employer string `json:"employer"`
	Role     string `json:"role"`
}

// Profile is the foreign talent as the application describes them: the
// personal data (passport, birth date, nationality, history, salary) and
// the facts the points and the direct criteria are computed from.
type Profile struct {
	Name        string `json:"name"`
	NameZh      string `json:"name_zh"`
	JobTitle    string `json:"job_title"`
	Nationality string `json:"nationality"`
	PassportNo  string `json:"passport_no"`
	BirthDate   string `json:"birth_date"`
	// Education is one of EducationLevels; GraduationDate is the day the
	// highest degree or certificate was awarded.
	Education           string `json:"education"`
	GraduationDate      string `json:"graduation_date"`
	ChineseTaughtDegree bool   `json:"chinese_taught_degree"`
	FormerChinese       bool   `json:"former_chinese"`
	// HSK is the Chinese proficiency level passed, 0 for none.
	HSK int `json:"hsk"`
	// WorkYears are the years of experience relevant to the post.
	WorkYears   int   `json:"work_years"`
	WorkHistory []Job `json:"work_history"`
	// SalaryYuan is the annual salary paid in China, in yuan.
	SalaryYuan    int64  `json:"salary_yuan"`
	MonthsInChina int    `json:"months_in_china"`
	WorkLocation  string `json:"work_location"`
	// The conditions of the "other" item.
	TopUniversity  bool `json:"top_university"`
	Fortune500     bool `json:"fortune500"`
	OwnsIP         bool `json:"owns_ip"`
	FiveYearsChina bool `json:"five_years_china"`
	// The class-A direct criteria the employer claims (each needs its
	// proof in the document checklist).
	NationalTalentProgram bool `json:"national_talent_program"`
	RecognisedAchievement bool `json:"recognised_achievement"`
	// ProvincialBonus claims the province's encouragement bonus.
	ProvincialBonus bool `json:"provincial_bonus"`
}

// withdrawn are ISO 3166-1 alpha-3 codes that have been withdrawn (the
// language package still knows them as historical regions).
var withdrawn = map[string]bool{"ANT": true, "BUR": true, "BYS": true, "CSK": true, "DDR": true, "DHY": true, "HVO": true, "NHB": true,
	"NTZ": true, "RHO": true, "SCG": true, "SUN": true, "TMP": true, "VDR": true, "YMD": true, "YUG": true, "ZAR": true, "AFI": true,
	"ATB": true, "ATN": true, "CTE": true, "GEL": true, "JTN": true, "MID": true, "PCI": true, "PCZ": true, "PHI": true, "WAK": true, "FXX": true}

// Nationality checks an ISO 3166-1 alpha-3 country code (upper-cased) and
// returns it, or "" if it is not one.
func Nationality(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 3 || withdrawn[code] {
		return ""
	}
	for i := 0; i < 3; i++ {
		if code[i] < 'A' || code[i] > 'Z' {
			return ""
		}
	}
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() || r.IsPrivateUse() || r.ISO3() != code {
		return ""
	}
	return code
}

// PassportNo normalises a passport number (spaces and hyphens removed,
// upper case) and checks its form: 6 to 9 letters and digits with at least
// one digit, the document-number field of a machine-readable passport
// (ICAO 9303). It returns "" for a number of another form.
func PassportNo(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ' ' || r == '-':
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			return ""
		}
	}
	n := b.String()
	if len(n) < 6 || len(n) > 9 || !strings.ContainsAny(n, "0123456789") {
		return ""
	}
	return n
}

// maxSalaryYuan is an absurd annual salary: one billion yuan.
const maxSalaryYuan = 1_000_000_000

// Check normalises p and validates it as of today (the day the
// application is written): dates real and in order (born at least 18 years
// before today and not in the future, graduated after birth and not in the
// future), codes known, numbers in range. Field names are the JSON names
// under prefix.
func (p *Profile) Check(today time.Time, prefix string) error {
	var fs text.Errors
	f := func(s string) string { return prefix + s }
	for _, s := range []*string{&p.Name, &p.NameZh, &p.JobTitle, &p.Education, &p.WorkLocation, &p.BirthDate, &p.GraduationDate} {
		*s = strings.TrimSpace(*s)
	}
	fs.Line(f("name"), p.Name, true, 200)
	fs.Line(f("name_zh"), p.NameZh, false, 100)
	fs.Line(f("job_title"), p.JobTitle, true, 200)
	if n := Nationality(p.Nationality); n == "" {
		fs.Add(f("nationality"), "must be an ISO 3166-1 alpha-3 country code (DEU, USA, JPN…)")
	} else if n == "CHN" {
		fs.Add(f("nationality"), "a Chinese national needs no foreigner's work permit")
	} else {
		p.Nationality = n
	}
	if n := PassportNo(p.PassportNo); n == "" {
		fs.Add(f("passport_no"), "must be 6 to 9 letters and digits, with at least one digit")
	} else {
		p.PassportNo = n
	}
	day := today.Format(time.DateOnly)
	birth, err := time.Parse(time.DateOnly, p.BirthDate)
	switch {
	case err != nil:
		fs.Add(f("birth_date"), "must be a date YYYY-MM-DD")
	case p.BirthDate > day:
		fs.Add(f("birth_date"), "is in the future")
	case Age(birth, today) < 18:
		fs.Add(f("birth_date"), "a work permit needs the talent to be at least 18")
	case Age(birth, today) > 100:
		fs.Add(f("birth_date"), "is more than 100 years ago")
	}
	if !contains(EducationLevels, p.Education) {
		fs.Add(f("education"), "must be one of "+strings.Join(EducationLevels, ", "))
	}
	if p.GraduationDate == "" {
		if p.Education != "other" {
			fs.Add(f("graduation_date"), "is required for a degree or certificate")
		}
	} else if g, err := time.Parse(time.DateOnly, p.GraduationDate); err != nil {
		fs.Add(f("graduation_date"), "must be a date YYYY-MM-DD")
	} else if p.GraduationDate > day {
		fs.Add(f("graduation_date"), "is in the future")
	} else if err == nil && p.BirthDate != "" && !g.After(birth) && !birth.IsZero() {
		fs.Add(f("graduation_date"), "is before the date of birth")
	}
	if p.HSK < 0 || p.HSK > 6 {
		fs.Add(f("hsk"), "must be an HSK level from 0 (none) to 6")
	}
	if p.WorkYears < 0 || p.WorkYears > 70 {
		fs.Add(f("work_years"), "must be from 0 to 70")
	} else if !birth.IsZero() && p.WorkYears > Age(birth, today) {
		fs.Add(f("work_years"), "is more than the talent's age")
	}
	if p.SalaryYuan < 0 {
		fs.Add(f("salary_yuan"), "must not be negative")
	} else if p.SalaryYuan > maxSalaryYuan {
		fs.Add(f("salary_yuan"), "must be at most 1,000,000,000 yuan a year")
	}
	if p.MonthsInChina < 0 || p.MonthsInChina > 12 {
		fs.Add(f("months_in_china"), "must be from 0 to 12")
	}
	if p.WorkLocation == "" {
		p.WorkLocation = "other"
	}
	if !contains(Locations, p.WorkLocation) {
		fs.Add(f("work_location"), "must be one of "+strings.Join(Locations, ", "))
	}
	if len(p.WorkHistory) > 30 {
		fs.Add(f("work_history"), "at most 30 entries")
	}
	for i := range p.WorkHistory {
		if i >= 30 {
			break
		}
		j := &p.WorkHistory[i]
		at := f("work_history[" + strconv.Itoa(i) + "]")
		j.Employer, j.Role, j.From, j.To = strings.TrimSpace(j.Employer), strings.TrimSpace(j.Role), strings.TrimSpace(j.From), strings.TrimSpace(j.To)
		fs.Line(at+".employer", j.Employer, true, 200)
		fs.Line(at+".role", j.Role, false, 200)
		from, err := time.Parse(time.DateOnly, j.From)
		switch {
		case err != nil:
			fs.Add(at+".from", "must be a date YYYY-MM-DD")
		case j.From > day:
			fs.Add(at+".from", "is in the future")
		case !birth.IsZero() && !from.After(birth):
			fs.Add(at+".from", "is before the date of birth")
		}
		if j.To != "" {
			if _, err := time.Parse(time.DateOnly, j.To); err != nil {
				fs.Add(at+".to", "must be a date YYYY-MM-DD or empty (to date)")
			} else if j.To < j.From {
				fs.Add(at+".to", "is before from")
			} else if j.To > day {
				fs.Add(at+".to", "is in the future")
			}
		}
	}
	if p.WorkHistory == nil {
		p.WorkHistory = []Job{}
	}
	return apperr.Fields(fs)
}
