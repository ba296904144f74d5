package transfer

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/search"
)

// Points are the parts of a match score, out of 100: the text's
// relevance (BM25F of the other side's text, scaled to the best
// candidate), the same field, the maturity, the price against the budget,
// a common trade mode.
const (
	textPoints     = 50
	fieldPoints    = 20
	maturityPoints = 15
	budgetPoints   = 10
	modePoints     = 5
)

// Reason explains a match.
type Reason struct {
	// SharedTerms are the words and phrases both texts hold, as the
	// candidate writes them (adjacent Chinese bigrams merged).
	SharedTerms []string `json:"shared_terms"`
	SameField   bool     `json:"same_field"`
	// TRL is the achievement's level and MinTRL the need's least.
	TRL        int  `json:"trl"`
	MinTRL     int  `json:"min_trl"`
	MaturityOK bool `json:"maturity_ok"`
	// Budget is fits (price within budget), negotiable (no price), open
	// (no budget) or over.
	Budget      string   `json:"budget"`
	CommonModes []string `json:"common_modes"`
	Parts       Parts    `json:"parts"`
}

// Parts are the points of each part of a score.
type Parts struct {
	Text     int `json:"text"`
	Field    int `json:"field"`
	Maturity int `json:"maturity"`
	Budget   int `json:"budget"`
	Modes    int `json:"modes"`
}

// Match is one ranked candidate: an achievement for a need or a need for
// an achievement.
type Match struct {
	Score       int          `json:"score"`
	Reason      Reason       `json:"reason"`
	Achievement *Achievement `json:"achievement,omitempty"`
	Need        *Need        `json:"need,omitempty"`
}

// candidates is how many hits of the text search are weighed.
const candidates = 50

// queryText is a side's text for the other index: title, keywords, body,
// at most what a query may hold.
func queryText(parts ...string) string {
	s := strings.Join(parts, "\n")
	if utf8.RuneCountInString(s) > 1900 {
		s = string([]rune(s)[:1900])
	}
	return s
}

// score fills the non-text parts of a match between a and n.
func score(a *Achievement, n *Need, rel float64) (int, Reason) {
	r := Reason{TRL: a.TRL, MinTRL: n.MinTRL, CommonModes: []string{}}
	r.Parts.Text = int(rel*textPoints + 0.5)
	if a.Field == n.Field {
		r.SameField, r.Parts.Field = true, fieldPoints
	}
	switch {
	case a.TRL >= n.MinTRL:
		r.MaturityOK, r.Parts.Maturity = true, maturityPoints
	case a.TRL == n.MinTRL-1:
		r.Parts.Maturity = maturityPoints / 3
	}
	switch {
	case n.BudgetFen == nil:
		r.Budget, r.Parts.Budget = "open", budgetPoints/2
	case a.PriceFen == nil:
		r.Budget, r.Parts.Budget = "negotiable", budgetPoints/2
	case *a.PriceFen <= *n.BudgetFen:
		r.Budget, r.Parts.Budget = "fits", budgetPoints
	default:
		r.Budget = "over"
	}
	for _, m := range a.Modes {
		if slices.Contains(n.Modes, m) {
			r.CommonModes = append(r.CommonModes, m)
		}
	}
	if len(r.CommonModes) > 0 {
		r.Parts.Modes = modePoints
	}
	p := r.Parts
	return p.Text + p.Field + p.Maturity + p.Budget + p.Modes, r
}

// termSet is the analysed terms of a text, without English stop words.
func termSet(text string) map[string]bool {
	out := map[string]bool{}
	search.Analyze(text, func(t search.Token) {
		if t.Kind == search.Word && (english.IsStopWord(t.Term) || len(t.Term) < 2) {
			return
		}
		out[t.Term] = true
	})
	return out
}

// SharedTerms lists the words and phrases of text whose terms are in
// terms, as text writes them: a run of overlapping Chinese bigrams is one
// phrase (人工智能, not 人工 工智 智能). At most max, first seen first.
func SharedTerms(text string, terms map[string]bool, max int) []string {
	var out []string
	seen := map[string]bool{}
	start, end := -1, -1
	add := func() {
		if start < 0 {
			return
		}
		w := text[start:end]
		k := strings.ToLower(w)
		if !seen[k] && len(out) < max {
			seen[k] = true
			out = append(out, w)
		}
		start, end = -1, -1
	}
	search.Analyze(text, func(t search.Token) {
		if !terms[t.Term] {
			add()
			return
		}
		if t.Kind == search.Bigram && start >= 0 && t.Start < end {
			end = t.End
			return
		}
		add()
		start, end = t.Start, t.End
	})
	add()
	if out == nil {
		out = []string{}
	}
	return out
}

func (n *Need) text() string {
	return queryText(n.TitleZh, n.TitleEn, n.Keywords, n.ProblemZh, n.ProblemEn)
}

func (a *Achievement) text() string {
	return queryText(a.TitleZh, a.TitleEn, a.Keywords, a.SummaryZh, a.SummaryEn)
}

// rank orders matches by score, then by id for a stable order.
func rank(ms []Match, limit int) []Match {
	slices.SortStableFunc(ms, func(x, y Match) int {
		if x.Score != y.Score {
			return y.Score - x.Score
		}
		var a, b int64
		if x.Achievement != nil {
			a, b = x.Achievement.ID, y.Achievement.ID
		} else {
			a, b = x.Need.ID, y.Need.ID
		}
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	})
	if len(ms) > limit {
		ms = ms[:limit]
	}
	return ms
}

// bestScore is the highest score of the hits (a relaxed search orders
// them by how many terms match first), at least a little above zero.
func bestScore(hs []search.Hit) float64 {
	best := 1e-9
	for _, h := range hs {
		best = max(best, h.Score)
	}
	return best
}

func checkLimit(limit int) error {
	if limit < 1 || limit > candidates {
		return apperr.Field("limit", "must be from 1 to 50")
	}
	return nil
}

// AchievementsFor ranks the published achievements for a need, best
// first, each with its reason. Anyone who may see the need may ask.
func (s *Service) AchievementsFor(ctx context.Context, p *auth.Principal, needID int64, limit int) ([]Match, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	n, err := s.Need(ctx, p, needID)
	if err != nil {
		return nil, err
	}
	qt := n.text()
	res, err := AchievementIndex.Search(ctx, s.DB.Read, search.Query{Text: qt, Any: true, Limit: candidates,
		Filters: map[string][]string{"status": {"published"}}})
	if err != nil {
		return nil, err
	}
	terms, best := termSet(qt), bestScore(res.Hits)
	out := []Match{}
	for _, h := range res.Hits {
		a, err := loadAchievement(ctx, s.DB.Read, h.ID)
		if err != nil {
			return nil, err
		}
		if a.OwnerOrgID == n.OwnerOrgID {
			continue
		}
		sc, r := score(&a, &n, h.Score/best)
		r.SharedTerms = SharedTerms(a.text(), terms, 10)
		out = append(out, Match{Score: sc, Reason: r, Achievement: &a})
	}
	return rank(out, limit), nil
}

// NeedsFor ranks the open needs for an achievement, best first, each with
// its reason.
func (s *Service) NeedsFor(ctx context.Context, p *auth.Principal, achievementID int64, limit int) ([]Match, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	a, err := s.Achievement(ctx, p, achievementID)
	if err != nil {
		return nil, err
	}
	if _, err := s.Expire(ctx); err != nil {
		return nil, err
	}
	qt := a.text()
	res, err := NeedIndex.Search(ctx, s.DB.Read, search.Query{Text: qt, Any: true, Limit: candidates,
		Filters: map[string][]string{"status": {"open"}}})
	if err != nil {
		return nil, err
	}
	terms, best := termSet(qt), bestScore(res.Hits)
	out := []Match{}
	for _, h := range res.Hits {
		n, err := loadNeed(ctx, s.DB.Read, h.ID)
		if err != nil {
			return nil, err
		}
		if n.OwnerOrgID == a.OwnerOrgID {
			continue
		}
		sc, r := score(&a, &n, h.Score/best)
		r.SharedTerms = SharedTerms(n.text(), terms, 10)
		out = append(out, Match{Score: sc, Reason: r, Need: &n})
	}
	return rank(out, limit), nil
}
