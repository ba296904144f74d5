package talent

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
)

var passportRe = regexp.MustCompile(`^[A-Z0-9]{6,9}$`)

// profileFields are the fields a refusal of Profile.Check may name.
var profileFields = regexp.MustCompile(`^(name|name_zh|job_title|nationality|passport_no|birth_date|education|graduation_date|hsk|work_years|salary_yuan|months_in_china|work_location|work_history|work_history\[\d+\]\.(from|to|employer|role))$`)

// FuzzProfileCheck: the validation never panics; a refusal is a 422 that
// names only profile fields; an accepted profile holds the invariants the
// scorer relies on (a known country other than China, a normalised
// passport number, born 18 to 100 years before today, graduated after
// birth and not in the future, numbers in range), is accepted again
// unchanged, and scores within the cap.
func FuzzProfileCheck(f *testing.F) {
	f.Add("Anna Müller", "DEU", "C01X00T47", "1985-04-02", "doctorate", "2012-07-15", 3, 12, int64(650000), 12, "other", "2012-09-01", "2020-12-31")
	f.Add("Jean Dupont", "fra", " 12ab 34567 ", "2000-02-29", "bachelor", "2022-06-30", 0, 2, int64(0), 0, "western", "", "")
	f.Add("X", "CHN", "E12345678", "2030-01-01", "master", "2020-01-01", 7, -1, int64(-5), 13, "moon", "1900-01-01", "1899-01-01")
	f.Add("Y", "XXX", "A1", "1985-02-30", "phd", "1980-01-01", 6, 80, int64(2_000_000_000), 9, "northeast", "bad", "2020-01-01")
	f.Add("Z\u200b", "ＤＥＵ", "Ｃ01X00T47", "1926-11-23", "other", "", 5, 0, int64(1), 1, "", "2010-01-01", "")
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, name, nat, passport, birth, edu, grad string, hsk, years int, salary int64, months int, loc, jobFrom, jobTo string) {
		p := Profile{Name: name, JobTitle: "Engineer", Nationality: nat, PassportNo: passport, BirthDate: birth, Education: edu, GraduationDate: grad,
			HSK: hsk, WorkYears: years, SalaryYuan: salary, MonthsInChina: months, WorkLocation: loc}
		if jobFrom != "" || jobTo != "" {
			p.WorkHistory = []Job{{From: jobFrom, To: jobTo, Employer: "Acme"}}
		}
		err := p.Check(today, "")
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
				t.Fatalf("refusal is not a 422 naming fields: %v", err)
			}
			for _, fe := range ae.Fields {
				if !profileFields.MatchString(fe.Field) {
					t.Fatalf("refusal names %q", fe.Field)
				}
			}
			return
		}
		if Nationality(p.Nationality) != p.Nationality || p.Nationality == "CHN" {
			t.Fatalf("accepted nationality %q", p.Nationality)
		}
		if !passportRe.MatchString(p.PassportNo) || !strings.ContainsAny(p.PassportNo, "0123456789") {
			t.Fatalf("accepted passport number %q", p.PassportNo)
		}
		b, err := time.Parse(time.DateOnly, p.BirthDate)
		if err != nil || b.After(today) || Age(b, today) < 18 || Age(b, today) > 100 {
			t.Fatalf("accepted birth date %q", p.BirthDate)
		}
		if p.GraduationDate != "" {
			g, err := time.Parse(time.DateOnly, p.GraduationDate)
			if err != nil || !g.After(b) || g.After(today) {
				t.Fatalf("accepted graduation %q born %q", p.GraduationDate, p.BirthDate)
			}
		}
		if p.SalaryYuan < 0 || p.SalaryYuan > maxSalaryYuan || p.HSK < 0 || p.HSK > 6 || p.MonthsInChina < 0 || p.MonthsInChina > 12 || p.WorkYears < 0 || p.WorkYears > Age(b, today) {
			t.Fatalf("accepted numbers %+v", p)
		}
		for _, j := range p.WorkHistory {
			if j.From > today.Format(time.DateOnly) || j.From <= p.BirthDate || (j.To != "" && j.To < j.From) {
				t.Fatalf("accepted job %+v", j)
			}
		}
		again := p
		if err := again.Check(today, ""); err != nil || again.Nationality != p.Nationality || again.PassportNo != p.PassportNo {
			t.Fatalf("an accepted profile is not accepted unchanged: %v", err)
		}
		sc := Evaluate(std(), &p, today)
		if sc.Total < 0 || sc.Total > 120 || len(sc.Items) != nItems || (sc.Class != ClassA && sc.Class != ClassB && sc.Class != ClassC) {
			t.Fatalf("score %+v", sc)
		}
	})
}

// FuzzTableCheck: a points table that passes its checks covers every
// value of every numeric item with exactly one bracket.
func FuzzTableCheck(f *testing.F) {
	f.Add(0, 5, 5, 7, 20, 3)
	f.Add(0, 5, 6, 7, 21, 3)
	f.Add(1, 5, 5, 7, 20, -1)
	f.Fuzz(func(t *testing.T, from0, to0, from1, to1, pts, idx int) {
		in := Standard2017()
		bs := in.Points.Salary.Brackets
		bs[0].From, bs[0].To, bs[1].From, bs[1].To = from0, ip(to0), from1, ip(to1)
		if idx >= 0 && idx < len(bs) {
			bs[idx].Points = pts
		}
		if in.Points.Check() != nil {
			return
		}
		for v := int64(0); v <= 60*10000; v += 5000 {
			n := 0
			for _, b := range bs {
				if v >= int64(b.From)*10000 && (b.To == nil || v < int64(*b.To)*10000) {
					n++
					if b.Points < 0 || b.Points > in.Points.Salary.Max {
						t.Fatalf("bracket %+v over the max", b)
					}
				}
			}
			if n != 1 {
				t.Fatalf("salary %d falls in %d brackets: %+v", v, n, bs)
			}
		}
	})
}
