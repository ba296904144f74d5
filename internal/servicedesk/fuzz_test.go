package servicedesk

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
)

// FuzzRequestInput: any input is accepted trimmed, with a topic of the
// list, a title of one line and a body within bounds, or refused as
// Invalid naming only the request's fields.
func FuzzRequestInput(f *testing.F) {
	f.Add("programs", "研发费用加计扣除", "软件企业如何归集？")
	f.Add("weather", "", "")
	f.Add(" ip ", "line\nbreak", "ok")
	f.Add("other", strings.Repeat("长", 121), "\x00")
	f.Fuzz(func(t *testing.T, topic, title, body string) {
		in := RequestInput{Topic: topic, Title: title, Body: body}
		err := in.Check()
		if err == nil {
			switch {
			case !slices.Contains(Topics, in.Topic):
				t.Fatalf("accepted topic %q", in.Topic)
			case in.Title == "" || strings.ContainsAny(in.Title, "\r\n") || utf8.RuneCountInString(in.Title) > MaxTitle || !utf8.ValidString(in.Title):
				t.Fatalf("accepted title %q", in.Title)
			case in.Body == "" || utf8.RuneCountInString(in.Body) > MaxBody || !utf8.ValidString(in.Body) || strings.ContainsRune(in.Body, 0):
				t.Fatalf("accepted body %q", in.Body)
			case in.Title != strings.TrimSpace(in.Title) || in.Body != strings.TrimSpace(in.Body):
				t.Fatalf("not trimmed: %q %q", in.Title, in.Body)
			}
			return
		}
		ae := apperr.As(err)
		if ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
			t.Fatalf("refusal %v is not a field error", err)
		}
		for _, fe := range ae.Fields {
			if fe.Field != "topic" && fe.Field != "title" && fe.Field != "body" {
				t.Fatalf("refusal names %q", fe.Field)
			}
		}
	})
}

// FuzzLevelInput: a level is accepted exactly when its amount is positive
// and within bounds and its unit is hours or days; a non-positive amount
// is refused naming amount first.
func FuzzLevelInput(f *testing.F) {
	f.Add(3, "days")
	f.Add(0, "hours")
	f.Add(-1, "days")
	f.Add(2001, "hours")
	f.Add(5, "weeks")
	f.Fuzz(func(t *testing.T, amount int, unit string) {
		in := LevelInput{Amount: amount, Unit: unit}
		err := in.Check()
		ok := amount > 0 && (unit == UnitHours && amount <= 2000 || unit == UnitDays && amount <= 250)
		if (err == nil) != ok {
			t.Fatalf("Check(%d, %q) = %v, want ok %v", amount, unit, err, ok)
		}
		if amount <= 0 && apperr.As(err).Fields[0].Field != "amount" {
			t.Fatalf("Check(%d, %q) names %v first", amount, unit, apperr.As(err).Fields)
		}
		if err == nil && in.toLevel().Duration() <= 0 {
			t.Fatalf("accepted level with no duration")
		}
	})
}

var position = regexp.MustCompile(`^\d+:\d+: `)

// FuzzCompileRule: a targeting rule either compiles or is refused as
// Invalid on the field "rule"; a refusal of an expression that is
// well-formed text carries the line:column of the fault.
func FuzzCompileRule(f *testing.F) {
	f.Add(`registered_district == "xuhui" && "hnte" in certifications`)
	f.Add(`employes > 10`)
	f.Add(`employees >`)
	f.Add(`employees`)
	f.Add(``)
	f.Add(`revenue_yuan > 0 && rd_expense_yuan / revenue_yuan >= 0.05`)
	f.Add(`[1, 2].exists(x, x > employees)`)
	f.Fuzz(func(t *testing.T, rule string) {
		rs, err := CompileRule(rule)
		if err == nil {
			if rs == nil {
				t.Fatal("no rule set and no error")
			}
			return
		}
		ae := apperr.As(err)
		if ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
			t.Fatalf("refusal %v is not a field error", err)
		}
		for _, fe := range ae.Fields {
			if fe.Field != "rule" {
				t.Fatalf("refusal names %q", fe.Field)
			}
		}
		if checkRuleText(strings.TrimSpace(rule)) == "" && !position.MatchString(ae.Fields[0].Message) {
			t.Fatalf("refusal of %q has no position: %q", rule, ae.Fields[0].Message)
		}
	})
}

// FuzzVisitInput: a visit is accepted with a past day, participants, and
// promises each with what, owner and a day, or refused naming its fields.
func FuzzVisitInput(f *testing.F) {
	f.Add(int64(1), "2026-11-20", "王敏", "用地", "协调", "王敏", "2026-12-01")
	f.Add(int64(0), "2026-13-01", "", "", "", "", "x")
	f.Add(int64(2), "2027-01-01", "a\x00", "b", "c\nd", "e", "2026-01-01")
	f.Fuzz(func(t *testing.T, org int64, day, who, issues, what, owner, due string) {
		in := VisitInput{OrgID: org, VisitedOn: day, Participants: who, Issues: issues, Promises: []PromiseInput{{What: what, Owner: owner, DueOn: due}}}
		err := in.Check("2026-11-23")
		if err == nil {
			if in.OrgID <= 0 || in.VisitedOn > "2026-11-23" || in.Participants == "" || in.Promises[0].What == "" || in.Promises[0].Owner == "" {
				t.Fatalf("accepted %+v", in)
			}
			return
		}
		ae := apperr.As(err)
		if ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
			t.Fatalf("refusal %v is not a field error", err)
		}
		for _, fe := range ae.Fields {
			if !slices.Contains([]string{"org_id", "visited_on", "participants", "issues", "promises[0].what", "promises[0].owner", "promises[0].due_on"}, fe.Field) {
				t.Fatalf("refusal names %q", fe.Field)
			}
		}
	})
}
