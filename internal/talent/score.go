package talent

import (
	"strconv"
	"time"
)

// Items in the order of the standard.
var itemKeys = [nItems]string{"salary", "education", "work_years", "months_in_china", "chinese", "location", "age", "other", "provincial"}

const nItems = 9

var itemLabels = map[string][2]string{
	"salary":          {"在华年薪", "Annual salary in China"},
	"education":       {"学历或技能", "Education or skill"},
	"work_years":      {"相关工作年限", "Relevant work years"},
	"months_in_china": {"每年在华工作时间", "Months worked in China per year"},
	"chinese":         {"汉语水平", "Chinese"},
	"location":        {"工作地区", "Work location"},
	"age":             {"年龄", "Age"},
	"other":           {"其他加分", "Other"},
	"provincial":      {"地方鼓励性加分", "Provincial bonus"},
}

// Classes.
const (
	ClassA = "A"
	ClassB = "B"
	ClassC = "C"
)

// Bases of a class: by the points, or by a direct criterion.
const (
	BasisPoints    = "points"
	BasisCriterion = "criterion"
)

// Direct criteria.
var criterionLabels = map[string][2]string{
	"national_talent_program": {"入选国家人才计划", "Selected for a national talent program"},
	"recognised_achievement":  {"取得国际公认的专业成就", "Internationally recognised achievement"},
	"salary_6x":               {"年薪不低于当地平均工资 6 倍", "Salary at least six times the local average"},
	"degree_experience":       {"学士及以上学位且具有 2 年以上相关工作经历", "Bachelor's degree or above with two years' relevant experience"},
	"salary_4x":               {"年薪不低于当地平均工资 4 倍", "Salary at least four times the local average"},
}

// ItemScore is one item of a score, explained.
type ItemScore struct {
	Key       string `json:"key"`
	LabelZh   string `json:"label_zh"`
	LabelEn   string `json:"label_en"`
	ValueZh   string `json:"value_zh"`
	ValueEn   string `json:"value_en"`
	Points    int    `json:"points"`
	Max       int    `json:"max"`
	BracketZh string `json:"bracket_zh"`
	BracketEn string `json:"bracket_en"`
}

// Score is an application's points and class under one table version.
type Score struct {
	TableID            int64       `json:"table_id"`
	TableEffectiveFrom string      `json:"table_effective_from"`
	AsOf               string      `json:"as_of"`
	Items              []ItemScore `json:"items"`
	// Sum is the items' total before the cap; Total is capped.
	Sum   int    `json:"sum"`
	Total int    `json:"total"`
	Class string `json:"class"`
	// Basis is BasisPoints or BasisCriterion; Criterion names the direct
	// criterion that decided the class, Criteria all those that hold.
	Basis       string   `json:"basis"`
	Criterion   string   `json:"criterion,omitempty"`
	CriterionZh string   `json:"criterion_zh,omitempty"`
	CriterionEn string   `json:"criterion_en,omitempty"`
	Criteria    []string `json:"criteria"`
}

// result is the scorer's plain answer, without text: what re-scoring
// writes.
type result struct {
	points    [nItems]int
	bracket   [nItems]int // index of the bracket (range items), -1 otherwise
	sum       int
	total     int
	class     string
	criterion string
}

// Age is the whole years from birth to day.
func Age(birth, day time.Time) int {
	y := day.Year() - birth.Year()
	if day.Month() < birth.Month() || (day.Month() == birth.Month() && day.Day() < birth.Day()) {
		y--
	}
	return y
}

func bracketOf(it *RangeItem, v int64, scale int64) (int, int) {
	for i, b := range it.Brackets {
		if v >= int64(b.From)*scale && (b.To == nil || v < int64(*b.To)*scale) {
			return i, min(b.Points, it.Max)
		}
	}
	return -1, 0
}

// chineseLevel is the HSK level that counts: a Chinese-taught degree or a
// former Chinese nationality counts as the top level.
func chineseLevel(p *Profile) int64 {
	if p.ChineseTaughtDegree || p.FormerChinese {
		return 6
	}
	return int64(p.HSK)
}

func hasDegree(level string) bool {
	return level == "doctorate" || level == "master" || level == "bachelor"
}

// evaluate scores profile p, aged age, under table t: a plain function of
// the table, item by item, the total capped, then the class by points or
// by a direct criterion.
func evaluate(t *Points, p *Profile, age int) result {
	var r result
	r.bracket[0], r.points[0] = bracketOf(&t.Salary, p.SalaryYuan, 10000)
	r.bracket[1] = -1
	r.points[1] = min(t.Education.Points[p.Education], t.Education.Max)
	r.bracket[2], r.points[2] = bracketOf(&t.WorkYears, int64(p.WorkYears), 1)
	r.bracket[3], r.points[3] = bracketOf(&t.MonthsInChina, int64(p.MonthsInChina), 1)
	r.bracket[4], r.points[4] = bracketOf(&t.Chinese, chineseLevel(p), 1)
	r.bracket[5] = -1
	r.points[5] = min(t.Location.Points[p.WorkLocation], t.Location.Max)
	r.bracket[6], r.points[6] = bracketOf(&t.Age, int64(age), 1)
	r.bracket[7], r.bracket[8] = -1, -1
	if p.TopUniversity || p.Fortune500 || p.OwnsIP || p.FiveYearsChina {
		r.points[7] = min(t.Other.Points, t.Other.Max)
	}
	if p.ProvincialBonus {
		r.points[8] = min(t.Provincial.Points, t.Provincial.Max)
	}
	for _, v := range r.points {
		r.sum += v
	}
	r.total = min(r.sum, t.TotalMax)
	avg := t.LocalAverageSalaryYuan
	switch {
	case r.total >= t.ClassAMin:
		r.class = ClassA
	case p.NationalTalentProgram:
		r.class, r.criterion = ClassA, "national_talent_program"
	case p.RecognisedAchievement:
		r.class, r.criterion = ClassA, "recognised_achievement"
	case p.SalaryYuan >= avg*int64(t.ClassASalaryMultiple):
		r.class, r.criterion = ClassA, "salary_6x"
	case r.total >= t.ClassBMin:
		r.class = ClassB
	case hasDegree(p.Education) && p.WorkYears >= t.ClassBMinYears:
		r.class, r.criterion = ClassB, "degree_experience"
	case p.SalaryYuan >= avg*int64(t.ClassBSalaryMultiple):
		r.class, r.criterion = ClassB, "salary_4x"
	default:
		r.class = ClassC
	}
	return r
}

// criteria lists every direct criterion p meets under t.
func criteria(t *Points, p *Profile) []string {
	out := []string{}
	avg := t.LocalAverageSalaryYuan
	if p.NationalTalentProgram {
		out = append(out, "national_talent_program")
	}
	if p.RecognisedAchievement {
		out = append(out, "recognised_achievement")
	}
	if p.SalaryYuan >= avg*int64(t.ClassASalaryMultiple) {
		out = append(out, "salary_6x")
	}
	if hasDegree(p.Education) && p.WorkYears >= t.ClassBMinYears {
		out = append(out, "degree_experience")
	}
	if p.SalaryYuan >= avg*int64(t.ClassBSalaryMultiple) {
		out = append(out, "salary_4x")
	}
	return out
}

// Evaluate scores p under table t as of day (its age that day), item by
// item with the bracket each value fell in, in both languages.
func Evaluate(t *Table, p *Profile, day time.Time) Score {
	birth, _ := time.Parse(time.DateOnly, p.BirthDate)
	age := Age(birth, day)
	r := evaluate(&t.Points, p, age)
	sc := Score{TableID: t.ID, TableEffectiveFrom: t.EffectiveFrom, AsOf: day.Format(time.DateOnly), Sum: r.sum, Total: r.total,
		Class: r.class, Basis: BasisPoints, Criteria: criteria(&t.Points, p)}
	if r.criterion != "" {
		sc.Basis, sc.Criterion = BasisCriterion, r.criterion
		sc.CriterionZh, sc.CriterionEn = criterionLabels[r.criterion][0], criterionLabels[r.criterion][1]
	}
	pt := &t.Points
	for i, key := range itemKeys {
		it := ItemScore{Key: key, LabelZh: itemLabels[key][0], LabelEn: itemLabels[key][1], Points: r.points[i]}
		switch key {
		case "salary":
			it.Max = pt.Salary.Max
			w := strconv.FormatFloat(float64(p.SalaryYuan)/10000, 'f', -1, 64)
			it.ValueZh, it.ValueEn = w+" 万元", w+" × 10,000 yuan"
			it.BracketZh, it.BracketEn = rangeText(&pt.Salary, r.bracket[i], "万元", "× 10,000 yuan")
		case "education":
			it.Max = pt.Education.Max
			it.ValueZh, it.ValueEn = educationLabels[p.Education][0], educationLabels[p.Education][1]
			it.BracketZh, it.BracketEn = it.ValueZh, it.ValueEn
		case "work_years":
			it.Max = pt.WorkYears.Max
			it.ValueZh, it.ValueEn = strconv.Itoa(p.WorkYears)+" 年", strconv.Itoa(p.WorkYears)+" years"
			it.BracketZh, it.BracketEn = rangeText(&pt.WorkYears, r.bracket[i], "年", "years")
		case "months_in_china":
			it.Max = pt.MonthsInChina.Max
			it.ValueZh, it.ValueEn = strconv.Itoa(p.MonthsInChina)+" 个月", strconv.Itoa(p.MonthsInChina)+" months"
			it.BracketZh, it.BracketEn = rangeText(&pt.MonthsInChina, r.bracket[i], "个月", "months")
		case "chinese":
			it.Max = pt.Chinese.Max
			switch {
			case p.ChineseTaughtDegree:
				it.ValueZh, it.ValueEn = "中文授课学位（视同 HSK 最高级）", "Chinese-taught degree (counts as the top HSK level)"
			case p.FormerChinese:
				it.ValueZh, it.ValueEn = "曾为中国籍（视同 HSK 最高级）", "Former Chinese national (counts as the top HSK level)"
			case p.HSK == 0:
				it.ValueZh, it.ValueEn = "无 HSK 证书", "No HSK certificate"
			default:
				it.ValueZh, it.ValueEn = "HSK "+strconv.Itoa(p.HSK)+" 级", "HSK level "+strconv.Itoa(p.HSK)
			}
			it.BracketZh, it.BracketEn = rangeText(&pt.Chinese, r.bracket[i], "级", "(HSK level)")
		case "location":
			it.Max = pt.Location.Max
			it.ValueZh, it.ValueEn = locationLabels[p.WorkLocation][0], locationLabels[p.WorkLocation][1]
			it.BracketZh, it.BracketEn = it.ValueZh, it.ValueEn
		case "age":
			it.Max = pt.Age.Max
			it.ValueZh, it.ValueEn = strconv.Itoa(age)+" 岁", strconv.Itoa(age)+" years old"
			it.BracketZh, it.BracketEn = rangeText(&pt.Age, r.bracket[i], "岁", "years old")
		case "other":
			it.Max = pt.Other.Max
			it.ValueZh, it.ValueEn = otherText(p)
			if r.points[i] > 0 {
				it.BracketZh, it.BracketEn = "符合任一条件", "meets one of the conditions"
			} else {
				it.BracketZh, it.BracketEn = "不符合", "none of the conditions"
			}
		case "provincial":
			it.Max = pt.Provincial.Max
			if p.ProvincialBonus {
				it.ValueZh, it.ValueEn = "申请"+pt.Provincial.ProvinceZh+"鼓励性加分", "claims the bonus of "+pt.Provincial.ProvinceEn
			} else {
				it.ValueZh, it.ValueEn = "未申请", "not claimed"
			}
			it.BracketZh = pt.Provincial.ProvinceZh + "：" + strconv.Itoa(pt.Provincial.Points) + " 分"
			it.BracketEn = pt.Provincial.ProvinceEn + ": " + strconv.Itoa(pt.Provincial.Points) + " points"
		}
		sc.Items = append(sc.Items, it)
	}
	return sc
}

func rangeText(it *RangeItem, i int, zh, en string) (string, string) {
	if i < 0 {
		return "不在任何区间", "in no bracket"
	}
	b := it.Brackets[i]
	from := strconv.Itoa(b.From)
	if b.To == nil {
		return from + " " + zh + "及以上", from + " " + en + " or more"
	}
	to := strconv.Itoa(*b.To)
	return "[" + from + ", " + to + ") " + zh, "[" + from + ", " + to + ") " + en
}

func otherText(p *Profile) (string, string) {
	var zh, en string
	add := func(ok bool, z, e string) {
		if !ok {
			return
		}
		if zh != "" {
			zh, en = zh+"、", en+", "
		}
		zh, en = zh+z, en+e
	}
	add(p.TopUniversity, "世界知名高校毕业", "top overseas university")
	add(p.Fortune500, "世界 500 强企业工作经历", "Fortune Global 500 experience")
	add(p.OwnsIP, "拥有知识产权", "owns IP")
	add(p.FiveYearsChina, "连续在华工作 5 年", "five consecutive years in China")
	if zh == "" {
		return "无", "none"
	}
	return zh, en
}

var educationLabels = map[string][2]string{
	"doctorate":     {"博士", "Doctorate"},
	"top_skill":     {"最高级职业技能证书", "Top skill certificate"},
	"master":        {"硕士", "Master's"},
	"technician":    {"技师", "Technician"},
	"bachelor":      {"学士", "Bachelor's"},
	"senior_worker": {"高级工", "Senior worker"},
	"other":         {"其他", "Other"},
}

var locationLabels = map[string][2]string{
	"western":        {"西部地区", "Western region"},
	"northeast":      {"东北老工业基地", "North-east old industrial base"},
	"poverty_county": {"国家级贫困县", "National poverty county"},
	"other":          {"其他地区（如上海）", "Elsewhere (e.g. Shanghai)"},
}

// EducationLabel and the like name codes for the pages.
func EducationLabel(code, lang string) string { return pick(educationLabels[code], lang) }

// LocationLabel names a work-location code.
func LocationLabel(code, lang string) string { return pick(locationLabels[code], lang) }

// CriterionLabel names a direct criterion.
func CriterionLabel(code, lang string) string { return pick(criterionLabels[code], lang) }

func pick(l [2]string, lang string) string {
	if lang == "en" {
		return l[1]
	}
	return l[0]
}
