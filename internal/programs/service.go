package programs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/registry"
)

// Service is the programs module.
type Service struct {
	DB       *db.DB
	Registry *registry.Service
	// Notifier, when set, tells applicants of decisions on their
	// applications.
	Notifier *notify.Notifier

	// OnProgramChange, when set, runs inside the transaction of every
	// change of a program (update, publish, close) with the stored values
	// before and after; an error rolls the change back.
	OnProgramChange func(ctx context.Context, tx *sql.Tx, before, after Program) error

	compiled sync.Map // program id -> *compiledSet
}

type compiledSet struct {
	version int
	rs      *rules.RuleSet
}

// today is the current day in Shanghai.
func (s *Service) today() time.Time { return dayOf(s.DB.Now()) }

// CanEdit reports whether p may change a program: administrators, and
// officers who belong to the program's owning agency.
func CanEdit(p *auth.Principal, prog *Program) bool {
	if p.IsAdmin() {
		return true
	}
	return p.IsOfficer() && prog.OwnerOrgID != nil && p.RoleIn(*prog.OwnerOrgID) != ""
}

// CanCreate reports whether p may create programs at all: administrators,
// and officers of an agency.
func CanCreate(p *auth.Principal) bool {
	return p.IsAdmin() || len(AgenciesOf(p)) > 0
}

// AgenciesOf lists the agencies an officer belongs to.
func AgenciesOf(p *auth.Principal) []auth.Membership {
	if !p.IsOfficer() {
		return nil
	}
	var out []auth.Membership
	for _, m := range p.Memberships {
		if m.OrgKind == "agency" {
			out = append(out, m)
		}
	}
	return out
}

// visible reports whether p may see prog: published and closed programs
// are public; drafts are for those who may edit them.
func visible(p *auth.Principal, prog *Program) bool {
	return prog.Status != Draft || CanEdit(p, prog)
}

func (s *Service) withOpen(prog Program) Program {
	prog.Open = prog.IsOpen(s.today().Format(time.DateOnly))
	return prog
}

// Get returns a program by id or slug as p may see it.
func (s *Service) Get(ctx context.Context, p *auth.Principal, ref string) (Program, error) {
	prog, err := getProgram(ctx, s.DB.Read, ref)
	if err != nil {
		return Program{}, err
	}
	if !visible(p, &prog) {
		return Program{}, apperr.New(apperr.NotFound, "no program %q", clip(ref))
	}
	return s.withOpen(prog), nil
}

// Filter selects programs for the catalog.
type Filter struct {
	Status string // "" for every status p may see
	Level  string
	Owner  int64
	// OpenOnly keeps the programs that take applications today.
	OpenOnly bool
}

// List returns the programs p may see, newest first within each status
// (published, then closed, then drafts).
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Program, error) {
	var fs []apperr.FieldError
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		fs = append(fs, apperr.FieldError{Field: "status", Message: "must be one of draft, published, closed"})
	}
	if f.Level != "" && !slices.Contains(Levels, f.Level) {
		fs = append(fs, apperr.FieldError{Field: "level", Message: "must be one of state, municipal, district"})
	}
	if err := apperr.Fields(fs); err != nil {
		return nil, err
	}
	var a db.Args
	q := `SELECT ` + progCols + ` FROM programs WHERE 1 = 1`
	if f.Status != "" {
		q += ` AND status = ` + a.Add(f.Status)
	}
	if f.Level != "" {
		q += ` AND level = ` + a.Add(f.Level)
	}
	if f.Owner != 0 {
		q += ` AND owner_org_id = ` + a.Add(f.Owner)
	}
	q += ` ORDER BY CASE status WHEN 'published' THEN 0 WHEN 'closed' THEN 1 ELSE 2 END, id`
	rows, err := s.DB.Read.QueryContext(ctx, q, a...)
	if err != nil {
		return nil, apperr.Wrap(err, "list programs")
	}
	defer rows.Close()
	out := []Program{}
	for rows.Next() {
		prog, err := scanProgram(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "scan program")
		}
		if !visible(p, &prog) {
			continue
		}
		prog = s.withOpen(prog)
		if f.OpenOnly && !prog.Open {
			continue
		}
		out = append(out, prog)
	}
	return out, apperr.Wrap(rows.Err(), "list programs")
}

// checkOwner verifies a program's owner: a government agency, one of the
// officer's own unless p is an administrator. An officer who names no
// owner gets the one agency they belong to.
func (s *Service) checkOwner(ctx context.Context, p *auth.Principal, prog *Program) error {
	if prog.OwnerOrgID == nil {
		if p.IsAdmin() {
			return nil // a national program the platform carries itself
		}
		ags := AgenciesOf(p)
		if len(ags) != 1 {
			return apperr.Field("owner_org_id", "is required: the agency that owns the program")
		}
		id := ags[0].OrgID
		prog.OwnerOrgID = &id
	}
	o, err := s.Registry.Get(ctx, p, *prog.OwnerOrgID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return apperr.Field("owner_org_id", "is not an organization")
	}
	if err != nil {
		return err
	}
	if o.Kind != "agency" {
		return apperr.Field("owner_org_id", "is not a government agency")
	}
	if !p.IsAdmin() && p.RoleIn(o.ID) == "" {
		return apperr.New(apperr.Forbidden, "officers write programs for their own agency only")
	}
	return nil
}

// prepare normalizes and validates a program and compiles its rule set.
func (s *Service) prepare(ctx context.Context, p *auth.Principal, prog *Program) (*rules.RuleSet, error) {
	prog.normalize()
	fs := prog.validate()
	var rs *rules.RuleSet
	if prog.Slug != "" && slugRE.MatchString(prog.Slug) {
		var norm []byte
		var failures []string
		var err error
		rs, norm, failures, err = compileRuleSet(prog.Slug, prog.RuleSet)
		if err != nil {
			ae := apperr.As(err)
			if ae == nil || ae.Code != apperr.Invalid {
				return nil, err
			}
			fs = append(fs, ae.Fields...)
		} else {
			prog.RuleSet, prog.RulesFailures = norm, failures
			prog.RulesStatus = RulesOK
			if len(failures) > 0 {
				prog.RulesStatus = RulesCasesFailed
			}
		}
	}
	if err := apperr.Fields(fs); err != nil {
		return nil, err
	}
	return rs, s.checkOwner(ctx, p, prog)
}

// Create saves a new draft program.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in Input) (Program, error) {
	if p == nil {
		return Program{}, apperr.New(apperr.Unauthorized, "sign in to create a program")
	}
	if !CanCreate(p) {
		return Program{}, apperr.New(apperr.Forbidden, "only officers of a government agency and administrators create programs")
	}
	var fs []apperr.FieldError
	for name, v := range map[string]bool{"slug": in.Slug != nil, "level": in.Level != nil, "title_zh": in.TitleZh != nil,
		"title_en": in.TitleEn != nil, "legal_reference": in.LegalReference != nil, "rule_set": in.RuleSet != nil} {
		if !v {
			fs = append(fs, apperr.FieldError{Field: name, Message: "is required"})
		}
	}
	if in.Version != nil {
		fs = append(fs, apperr.FieldError{Field: "version", Message: "is read-only when creating"})
	}
	if len(fs) > 0 {
		slices.SortFunc(fs, func(a, b apperr.FieldError) int { return cmp.Compare(a.Field, b.Field) })
		return Program{}, apperr.Fields(fs)
	}
	prog := Program{Status: Draft, RequiredDocuments: []Document{}}
	in.apply(&prog)
	rs, err := s.prepare(ctx, p, &prog)
	if err != nil {
		return Program{}, err
	}
	now := s.DB.Now()
	prog.CreatedAt, prog.UpdatedAt, prog.Version = now, now, 1
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		vals, err := programValues(&prog)
		if err != nil {
			return apperr.Wrap(err, "encode program")
		}
		err = tx.QueryRowContext(ctx, insertSQL+` RETURNING id`, append(vals, now, nil)...).Scan(&prog.ID)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Message: "slug: a program with this slug exists",
				Fields: []apperr.FieldError{{Field: "slug", Message: "is already taken"}}}
		}
		if err != nil {
			return apperr.Wrap(err, "insert program")
		}
		if err := writeTerms(ctx, tx, &prog); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: ownerOf(&prog), Action: "create", Entity: "program",
			EntityID: strconv.FormatInt(prog.ID, 10), After: prog})
	})
	if err != nil {
		return Program{}, err
	}
	s.compiled.Store(prog.ID, &compiledSet{version: prog.Version, rs: rs})
	return s.withOpen(prog), nil
}

func ownerOf(p *Program) int64 {
	if p.OwnerOrgID == nil {
		return 0
	}
	return *p.OwnerOrgID
}

// change is one audited change of a program: edit sets the new values on
// a copy of the stored one (or refuses); the result is written if the
// version is still the one read.
func (s *Service) change(ctx context.Context, p *auth.Principal, ref, action string, edit func(before Program, after *Program) error) (Program, error) {
	if p == nil {
		return Program{}, apperr.New(apperr.Unauthorized, "sign in to change a program")
	}
	var out Program
	var rs *rules.RuleSet
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getProgram(ctx, tx, ref)
		if err != nil {
			return err
		}
		if !CanEdit(p, &before) {
			if !visible(p, &before) {
				return apperr.New(apperr.NotFound, "no program %q", clip(ref))
			}
			return apperr.New(apperr.Forbidden, "only officers of the owning agency and administrators change a program")
		}
		after := before
		after.RequiredDocuments = slices.Clone(before.RequiredDocuments)
		if err := edit(before, &after); err != nil {
			return err
		}
		if rs, err = s.prepare(ctx, p, &after); err != nil {
			return err
		}
		now := s.DB.Now()
		after.UpdatedAt = now
		vals, err := programValues(&after)
		if err != nil {
			return apperr.Wrap(err, "encode program")
		}
		res, err := tx.ExecContext(ctx, updateSQL, append(vals, now, db.Nullable(after.PublishedAt), db.Nullable(after.ClosedAt), before.ID, before.Version)...)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Message: "slug: a program with this slug exists",
				Fields: []apperr.FieldError{{Field: "slug", Message: "is already taken"}}}
		}
		if err != nil {
			return apperr.Wrap(err, "update program")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return staleVersion(before.Version)
		}
		if err := writeTerms(ctx, tx, &after); err != nil {
			return err
		}
		after.Version = before.Version + 1
		out = after
		if s.OnProgramChange != nil {
			if err := s.OnProgramChange(ctx, tx, before, after); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: ownerOf(&after), Action: action, Entity: "program",
			EntityID: strconv.FormatInt(after.ID, 10), Before: before, After: after})
	})
	if err != nil {
		return Program{}, err
	}
	s.compiled.Store(out.ID, &compiledSet{version: out.Version, rs: rs})
	return s.withOpen(out), nil
}

func staleVersion(current int) error {
	return &apperr.Error{Code: apperr.Conflict, Message: "the program was changed by someone else (version " + strconv.Itoa(current) + "); reload and try again",
		Fields: []apperr.FieldError{{Field: "version", Message: "is stale"}}}
}

// Update applies a patch. Closed programs do not change; the slug changes
// only while the program is a draft.
func (s *Service) Update(ctx context.Context, p *auth.Principal, ref string, in Input) (Program, error) {
	return s.change(ctx, p, ref, "update", func(before Program, after *Program) error {
		if in.Version != nil && *in.Version != before.Version {
			return staleVersion(before.Version)
		}
		if before.Status == Closed {
			return apperr.New(apperr.Conflict, "program %s is closed and cannot change", before.Slug)
		}
		if in.Slug != nil && *in.Slug != before.Slug && before.Status != Draft {
			return apperr.Field("slug", "can be changed only while the program is a draft")
		}
		if in.OwnerOrgID != nil && !p.IsAdmin() && p.RoleIn(*in.OwnerOrgID) == "" {
			return apperr.New(apperr.Forbidden, "officers write programs for their own agency only")
		}
		if in.nulls["owner_org_id"] && !p.IsAdmin() {
			return apperr.Field("owner_org_id", "can be cleared only by an administrator")
		}
		in.apply(after)
		return nil
	})
}

// Publish makes a draft public. Its rule set's own cases must pass.
func (s *Service) Publish(ctx context.Context, p *auth.Principal, ref string, version *int) (Program, error) {
	return s.change(ctx, p, ref, "publish", func(before Program, after *Program) error {
		if version != nil && *version != before.Version {
			return staleVersion(before.Version)
		}
		if before.Status != Draft {
			return apperr.New(apperr.Conflict, "program %s is %s; only drafts are published", before.Slug, before.Status)
		}
		if before.RulesStatus != RulesOK {
			return &apperr.Error{Code: apperr.Conflict, Message: "the rule set's own test cases fail; fix them before publishing",
				Fields: []apperr.FieldError{{Field: "rule_set", Message: "test cases fail"}}}
		}
		now := s.DB.Now()
		after.Status, after.PublishedAt = Published, &now
		return nil
	})
}

// Close ends a published program: it takes no more applications and no
// longer appears in matching.
func (s *Service) Close(ctx context.Context, p *auth.Principal, ref string, version *int) (Program, error) {
	return s.change(ctx, p, ref, "close", func(before Program, after *Program) error {
		if version != nil && *version != before.Version {
			return staleVersion(before.Version)
		}
		if before.Status != Published {
			return apperr.New(apperr.Conflict, "program %s is %s; only published programs are closed", before.Slug, before.Status)
		}
		now := s.DB.Now()
		after.Status, after.ClosedAt = Closed, &now
		return nil
	})
}

// RuleSet returns a program's compiled rule set, compiling it once per
// version.
func (s *Service) RuleSet(prog *Program) (*rules.RuleSet, error) {
	if c, ok := s.compiled.Load(prog.ID); ok && c.(*compiledSet).version == prog.Version {
		return c.(*compiledSet).rs, nil
	}
	rs, _, _, err := compileRuleSet(prog.Slug, prog.RuleSet)
	if err != nil {
		// Saved rule sets compiled when they were saved.
		return nil, apperr.Wrap(errors.New(err.Error()), "compile stored rule set of "+prog.Slug)
	}
	s.compiled.Store(prog.ID, &compiledSet{version: prog.Version, rs: rs})
	return rs, nil
}

// Evaluate checks a profile against a program as of a day. Drafts are
// evaluated only for those who may edit them; nothing is stored.
func (s *Service) Evaluate(ctx context.Context, p *auth.Principal, ref string, prof *rules.Profile, asOf time.Time) (Program, *rules.Result, error) {
	prog, err := s.Get(ctx, p, ref)
	if err != nil {
		return Program{}, nil, err
	}
	rs, err := s.RuleSet(&prog)
	if err != nil {
		return Program{}, nil, err
	}
	res, err := rs.Evaluate(prof, asOf)
	return prog, res, err
}

// Match is one open program's outcome for an organization.
type Match struct {
	Program Program
	Result  *rules.Result
	rank    float64 // smaller is a smaller gap
}

// Eligibility evaluates an organization against every published program
// open today, best value first: eligible with the largest amount, then
// unknown with the fewest unknown criteria, then ineligible with the
// smallest gaps. Its members, the officers of its district and
// administrators may ask.
func (s *Service) Eligibility(ctx context.Context, p *auth.Principal, orgID int64) (registry.Org, []Match, time.Time, error) {
	var org registry.Org
	var matches []Match
	var asOf time.Time
	err := s.eligibility(ctx, p, orgID, false, func(o registry.Org, ms []Match, day time.Time) error {
		org, matches, asOf = o, ms, day
		return nil
	})
	return org, matches, asOf, err
}

// EligibilityDo is Eligibility for callers that write the matches out
// within use: the results live in memory that the next request reuses
// once use returns, so use must not keep them (nor their strings).
func (s *Service) EligibilityDo(ctx context.Context, p *auth.Principal, orgID int64, use func(o registry.Org, ms []Match, asOf time.Time) error) error {
	return s.eligibility(ctx, p, orgID, true, use)
}

func (s *Service) eligibility(ctx context.Context, p *auth.Principal, orgID int64, reuse bool, use func(registry.Org, []Match, time.Time) error) error {
	if p == nil {
		return apperr.New(apperr.Unauthorized, "sign in to see the programs of an organization")
	}
	o, err := s.Registry.Get(ctx, p, orgID)
	if err != nil {
		return err
	}
	if !registry.CanSeePrivate(p, &o) {
		return apperr.New(apperr.Forbidden, "only the organization's members, the officers of its district and administrators see its programs")
	}
	prof, err := ProfileOf(&o)
	if err != nil {
		return apperr.Wrap(errors.New(err.Error()), "profile of org "+strconv.FormatInt(orgID, 10))
	}
	asOf := s.today()
	progs, err := s.List(ctx, p, Filter{Status: Published, OpenOnly: true})
	if err != nil {
		return err
	}
	sets := make([]*rules.RuleSet, 0, len(progs))
	open := progs[:0]
	for i := range progs {
		rs, err := s.RuleSet(&progs[i])
		if err != nil {
			return err
		}
		if rs.Decidable(asOf) != nil {
			// A parameter with no value in force today: the program
			// cannot be decided now; leave it out rather than guess.
			continue
		}
		sets, open = append(sets, rs), append(open, progs[i])
	}
	ev, err := rules.EvaluateMany(prof, asOf, sets)
	if err != nil {
		return err
	}
	if reuse {
		defer ev.Release()
	}
	matches := make([]Match, len(open))
	for i, res := range ev.Results {
		matches[i] = Match{Program: open[i], Result: res, rank: gapRank(res)}
	}
	SortMatches(matches)
	return use(o, matches, asOf)
}

// gapRank measures how far an ineligible result is from eligible: one
// per criterion not met, less how close a gap with numbers is (a
// criterion 10% short counts 0.1), so fewer and smaller gaps rank first.
func gapRank(res *rules.Result) float64 {
	r := 0.0
	for _, c := range res.Criteria {
		if c.Status != rules.NotMet {
			continue
		}
		short := 1.0
		if g := c.Gap; g != nil && g.Delta != nil && g.Target != nil && *g.Target != 0 {
			short = math.Min(1, math.Abs(*g.Delta / *g.Target))
		}
		r += 1 + short
	}
	return r
}

func amountOf(res *rules.Result) int64 {
	if res.Amount != nil && res.Amount.Yuan != nil {
		return *res.Amount.Yuan
	}
	return -1
}

func countStatus(res *rules.Result, st rules.Status) int {
	n := 0
	for _, c := range res.Criteria {
		if c.Status == st {
			n++
		}
	}
	return n
}

// SortMatches orders matches best value first.
func SortMatches(ms []Match) {
	order := map[rules.Status]int{rules.Eligible: 0, rules.Unknown: 1, rules.Ineligible: 2}
	slices.SortStableFunc(ms, func(a, b Match) int {
		if c := cmp.Compare(order[a.Result.Status], order[b.Result.Status]); c != 0 {
			return c
		}
		switch a.Result.Status {
		case rules.Eligible:
			if c := cmp.Compare(amountOf(b.Result), amountOf(a.Result)); c != 0 {
				return c
			}
		case rules.Unknown:
			if c := cmp.Compare(countStatus(a.Result, rules.Unknown), countStatus(b.Result, rules.Unknown)); c != 0 {
				return c
			}
			if c := cmp.Compare(amountOf(b.Result), amountOf(a.Result)); c != 0 {
				return c
			}
		case rules.Ineligible:
			if c := cmp.Compare(a.rank, b.rank); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.Program.ID, b.Program.ID)
	})
}

// Preview is what a program would do if published today: how many of the
// registry's enterprises qualify, how many cannot be decided, and what it
// would cost.
type Preview struct {
	Program     string `json:"program"`
	AsOf        string `json:"as_of"`
	Enterprises int    `json:"enterprises"`
	Eligible    int    `json:"eligible"`
	Ineligible  int    `json:"ineligible"`
	Unknown     int    `json:"unknown"`
	// Invalid counts profiles the rules engine refused (impossible
	// figures); they are in none of the three counts.
	Invalid   int  `json:"invalid_profiles"`
	HasAmount bool `json:"has_amount"`
	// ExposureYuan sums the amounts of the eligible; EligibleNoAmount
	// counts the eligible whose amount needs a figure they lack.
	ExposureYuan     int64 `json:"exposure_yuan"`
	EligibleNoAmount int   `json:"eligible_without_amount"`
	// UnknownExposureYuan sums the amounts of the undecided that have
	// one: the most the unknown could add.
	UnknownExposureYuan int64              `json:"unknown_exposure_yuan"`
	BudgetFen           *int64             `json:"budget_fen"`
	WithinBudget        *bool              `json:"within_budget"`
	Criteria            []PreviewCriterion `json:"criteria"`
}

// PreviewCriterion counts one criterion's outcomes over the enterprises.
type PreviewCriterion struct {
	ID      string     `json:"id"`
	Label   rules.Text `json:"label"`
	Met     int        `json:"met"`
	NotMet  int        `json:"not_met"`
	Unknown int        `json:"unknown"`
}

// previewReader reads every enterprise's whole profile for the preview,
// which shows counts and sums only, never a profile.
var previewReader = &auth.Principal{Role: auth.RoleAdmin, Email: "programs-preview"}

// Enterprises loads the profiles of every enterprise of the registry.
func (s *Service) Enterprises(ctx context.Context) ([]*rules.Profile, int, error) {
	profs, _, invalid, err := s.enterprises(ctx)
	return profs, invalid, err
}

// enterprises loads the profiles of every enterprise with their ids, in
// the same order.
func (s *Service) enterprises(ctx context.Context) ([]*rules.Profile, []int64, int, error) {
	var out []*rules.Profile
	var ids []int64
	invalid := 0
	f := registry.Filter{Kind: "enterprise", Limit: 200}
	for {
		pg, err := s.Registry.List(ctx, previewReader, f)
		if err != nil {
			return nil, nil, 0, err
		}
		for i := range pg.Items {
			prof, err := ProfileOf(&pg.Items[i])
			if err != nil {
				invalid++
				continue
			}
			out = append(out, prof)
			ids = append(ids, pg.Items[i].ID)
		}
		if pg.NextCursor == nil {
			return out, ids, invalid, nil
		}
		f.Cursor = *pg.NextCursor
	}
}

// Preview evaluates every enterprise of the registry against a program
// with the batch evaluator (for its editors).
func (s *Service) Preview(ctx context.Context, p *auth.Principal, ref string, asOf time.Time) (Preview, error) {
	if p == nil {
		return Preview{}, apperr.New(apperr.Unauthorized, "sign in to preview a program")
	}
	prog, err := s.Get(ctx, p, ref)
	if err != nil {
		return Preview{}, err
	}
	if !CanEdit(p, &prog) {
		return Preview{}, apperr.New(apperr.Forbidden, "only officers of the owning agency and administrators preview a program")
	}
	rs, err := s.RuleSet(&prog)
	if err != nil {
		return Preview{}, err
	}
	if asOf.IsZero() {
		asOf = s.today()
	}
	profs, invalid, err := s.Enterprises(ctx)
	if err != nil {
		return Preview{}, err
	}
	pv := Preview{Program: prog.Slug, AsOf: asOf.Format(time.DateOnly), Enterprises: len(profs) + invalid, Invalid: invalid,
		HasAmount: rs.Spec().Amount != nil, BudgetFen: prog.BudgetFen}
	spec := rs.Spec()
	pv.Criteria = make([]PreviewCriterion, len(spec.Criteria))
	for i, c := range spec.Criteria {
		pv.Criteria[i] = PreviewCriterion{ID: c.ID, Label: c.Label}
	}
	if len(profs) > 0 {
		out, err := rs.EvaluateBatch(rules.NewFrame(), rules.NewBatch(profs), asOf)
		if err != nil {
			return Preview{}, err
		}
		for i := 0; i < out.N; i++ {
			switch out.Status[i] {
			case rules.Eligible:
				pv.Eligible++
				if pv.HasAmount {
					if out.AmountKnown[i] {
						pv.ExposureYuan += out.Amount[i]
					} else {
						pv.EligibleNoAmount++
					}
				}
			case rules.Unknown:
				pv.Unknown++
				if pv.HasAmount && out.AmountKnown[i] {
					pv.UnknownExposureYuan += out.Amount[i]
				}
			default:
				pv.Ineligible++
			}
			for c := range pv.Criteria {
				switch out.Criteria[c][i] {
				case rules.Met:
					pv.Criteria[c].Met++
				case rules.NotMet:
					pv.Criteria[c].NotMet++
				default:
					pv.Criteria[c].Unknown++
				}
			}
		}
	}
	if prog.BudgetFen != nil && pv.HasAmount {
		ok := pv.ExposureYuan*100 <= *prog.BudgetFen
		pv.WithinBudget = &ok
	}
	return pv, nil
}
