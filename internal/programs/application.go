package programs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/kernel/text"
	"rainforest/internal/kernel/workflow"
	"rainforest/internal/registry"
)

// Application states.
const (
	AppDraft       = "draft"
	AppSubmitted   = "submitted"
	AppUnderReview = "under_review"
	AppReturned    = "returned"
	AppApproved    = "approved"
	AppRejected    = "rejected"
	AppWithdrawn   = "withdrawn"
	AppDisbursed   = "disbursed"
)

// AppStates lists the application states in the order of the workflow.
var AppStates = []string{AppDraft, AppSubmitted, AppUnderReview, AppReturned, AppApproved, AppRejected, AppWithdrawn, AppDisbursed}

// Application actions.
const (
	ActSubmit      = "submit"
	ActWithdraw    = "withdraw"
	ActStartReview = "start_review"
	ActReturn      = "return"
	ActApprove     = "approve"
	ActReject      = "reject"
	ActRevoke      = "revoke"
	ActDisburse    = "disburse"
	// ActGrant approves an apply-free grant's application at once.
	ActGrant = "grant"
)

// Limits of an application's texts and amounts.
const (
	MaxProjectTitle = 200
	MaxSummary      = 5000
	// MaxRequestFen is the largest amount one application may ask for or
	// be granted: one billion yuan.
	MaxRequestFen = 100_000_000_000
)

// Application is an organization's application to a program for a
// project.
type Application struct {
	ID             int64           `json:"id"`
	ProgramID      int64           `json:"program_id"`
	ProgramSlug    string          `json:"program_slug"`
	ProgramTitleZh string          `json:"program_title_zh"`
	ProgramTitleEn string          `json:"program_title_en"`
	OrgID          int64           `json:"org_id"`
	OrgNameZh      string          `json:"org_name_zh"`
	OrgNameEn      string          `json:"org_name_en"`
	OrgDistrict    string          `json:"org_district,omitempty"`
	ProjectTitle   string          `json:"project_title"`
	ProjectKey     string          `json:"project_key"`
	Summary        string          `json:"summary"`
	RequestedFen   *int64          `json:"requested_fen"`
	AmountFen      *int64          `json:"amount_fen"`
	State          string          `json:"state"`
	Origin         string          `json:"origin"`
	Eligibility    json.RawMessage `json:"eligibility,omitempty"`
	RulesAsOf      *string         `json:"rules_as_of"`
	DecisionReason string          `json:"decision_reason"`
	Version        int             `json:"version"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	SubmittedAt    *time.Time      `json:"submitted_at"`
	DecidedAt      *time.Time      `json:"decided_at"`
	// Filled on the detail only.
	Files   []File            `json:"files,omitempty"`
	Award   *Award            `json:"award,omitempty"`
	History []workflow.Record `json:"history,omitempty"`
	Actions []workflow.Option `json:"actions,omitempty"`
	Program *Program          `json:"-"`
	snap    *EligibilitySnapshot
}

// EligibilitySnapshot is the rules engine's result for the organization
// when it submitted, in both languages.
type EligibilitySnapshot struct {
	Status     string  `json:"status"`
	AmountYuan *int64  `json:"amount_yuan,omitempty"`
	Zh         Outcome `json:"zh"`
	En         Outcome `json:"en"`
}

// Snapshot decodes the stored eligibility, nil if none.
func (a *Application) Snapshot() *EligibilitySnapshot {
	if a.snap != nil || len(a.Eligibility) == 0 {
		return a.snap
	}
	var s EligibilitySnapshot
	if json.Unmarshal(a.Eligibility, &s) == nil {
		a.snap = &s
	}
	return a.snap
}

// subject is what the workflow's roles and guards see.
type subject struct {
	app  *Application
	prog *Program
	svc  *Service
	// amountFen is the amount an approval grants.
	amountFen int64
}

func appRoles(p *auth.Principal, s workflow.Subject[*subject]) []string {
	var rs []string
	if p.RoleIn(s.Value.app.OrgID) != "" {
		rs = append(rs, "applicant")
	}
	if CanEdit(p, s.Value.prog) {
		rs = append(rs, "officer")
	}
	return rs
}

// AppStore is where the workflow keeps an application's state.
var AppStore = workflow.Store{Table: "applications", VersionColumn: "version", UpdatedColumn: "updated_at"}

func applicationDef() workflow.Definition[*subject] {
	applicant, officer := []string{"applicant"}, []string{"officer"}
	return workflow.Definition[*subject]{
		Name:    "program_application",
		LabelZh: "项目申报",
		LabelEn: "program application",
		Initial: AppDraft,
		States: []workflow.State{
			{Name: AppDraft, LabelZh: "草稿", LabelEn: "Draft"},
			{Name: AppSubmitted, LabelZh: "已提交", LabelEn: "Submitted"},
			{Name: AppUnderReview, LabelZh: "审核中", LabelEn: "Under review"},
			{Name: AppReturned, LabelZh: "退回修改", LabelEn: "Returned for changes"},
			{Name: AppApproved, LabelZh: "已批准", LabelEn: "Approved"},
			{Name: AppRejected, LabelZh: "未通过", LabelEn: "Rejected", Terminal: true},
			{Name: AppWithdrawn, LabelZh: "已撤回", LabelEn: "Withdrawn", Terminal: true},
			{Name: AppDisbursed, LabelZh: "已拨付", LabelEn: "Disbursed", Terminal: true},
		},
		Transitions: []workflow.Transition[*subject]{
			{Action: ActSubmit, LabelZh: "提交", LabelEn: "submit", From: []string{AppDraft, AppReturned}, To: AppSubmitted, Roles: applicant, Guard: guardSubmit},
			{Action: ActWithdraw, LabelZh: "撤回", LabelEn: "withdraw", From: []string{AppDraft, AppSubmitted, AppReturned}, To: AppWithdrawn, Roles: applicant},
			{Action: ActStartReview, LabelZh: "开始审核", LabelEn: "start review", From: []string{AppSubmitted}, To: AppUnderReview, Roles: officer},
			{Action: ActReturn, LabelZh: "退回修改", LabelEn: "return for changes", From: []string{AppUnderReview}, To: AppReturned, Roles: officer, Comment: workflow.CommentRequired},
			{Action: ActApprove, LabelZh: "批准", LabelEn: "approve", From: []string{AppUnderReview}, To: AppApproved, Roles: officer, Guard: guardApprove},
			{Action: ActReject, LabelZh: "不予通过", LabelEn: "reject", From: []string{AppUnderReview}, To: AppRejected, Roles: officer, Comment: workflow.CommentRequired},
			{Action: ActRevoke, LabelZh: "撤销批准", LabelEn: "revoke the approval", From: []string{AppApproved}, To: AppRejected, Roles: officer, Comment: workflow.CommentRequired},
			{Action: ActDisburse, LabelZh: "拨付", LabelEn: "disburse", From: []string{AppApproved}, To: AppDisbursed, Roles: []string{"officer", workflow.RoleSystem}},
			{Action: ActGrant, LabelZh: "免申即享批准", LabelEn: "grant without application", From: []string{AppDraft}, To: AppApproved, Roles: []string{workflow.RoleSystem}, Guard: guardApprove},
		},
		Store:   AppStore,
		RolesOf: appRoles,
	}
}

// Applications is the application workflow.
var Applications = workflow.Must(workflow.New[*subject](nil, applicationDef()))

func (s *Service) machine() *workflow.Machine[*subject] {
	m := *Applications
	m.DB = s.DB
	return &m
}

// guardSubmit: the program takes applications today, every required
// document is attached, the organization is not ineligible and the
// application would not fund twice.
func guardSubmit(ctx context.Context, q workflow.Querier, s workflow.Subject[*subject]) error {
	a, prog, svc := s.Value.app, s.Value.prog, s.Value.svc
	if !prog.IsOpen(svc.today().Format(time.DateOnly)) {
		return workflow.Refuse("program_closed", "该项目当前不接受申报", "the program does not take applications today")
	}
	have := map[string]bool{}
	rows, err := q.QueryContext(ctx, `SELECT document FROM application_files WHERE application_id = $1`, a.ID)
	if err != nil {
		return apperr.Wrap(err, "application documents")
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return apperr.Wrap(err, "application documents")
		}
		have[d] = true
	}
	rows.Close()
	var missing []apperr.FieldError
	for i, d := range prog.RequiredDocuments {
		if !have[strconv.Itoa(i+1)] {
			missing = append(missing, apperr.FieldError{Field: fmt.Sprintf("documents[%d]", i+1), Message: "required document missing: " + d.Zh + " / " + d.En})
		}
	}
	if err := apperr.Fields(missing); err != nil {
		return err
	}
	if snap := a.Snapshot(); snap != nil && snap.Status == string(rules.Ineligible) {
		var failed []string
		for _, c := range snap.En.Criteria {
			if c.Status == string(rules.NotMet) {
				failed = append(failed, c.Label)
			}
		}
		return apperr.Field("eligibility", "the organization does not meet the program's conditions: %s", strings.Join(failed, "; "))
	}
	return svc.checkStacking(ctx, q, a, prog)
}

// guardApprove: an amount within the request and the stacking rules.
func guardApprove(ctx context.Context, q workflow.Querier, s workflow.Subject[*subject]) error {
	a, prog := s.Value.app, s.Value.prog
	if s.Value.amountFen <= 0 {
		return apperr.Field("amount_yuan", "is required: the rules give no amount for this application")
	}
	if a.RequestedFen != nil && s.Value.amountFen > *a.RequestedFen {
		return apperr.Field("amount_yuan", "must not exceed the %d yuan requested", *a.RequestedFen/100)
	}
	if s.Value.amountFen > MaxRequestFen {
		return apperr.Field("amount_yuan", "must be at most %d yuan", MaxRequestFen/100)
	}
	if prog.BudgetFen == nil {
		return workflow.Refuse("no_budget", "该项目没有预算，不能批准资助", "the program has no budget to grant from")
	}
	return s.Value.svc.checkStacking(ctx, q, a, prog)
}

// ProjectKey normalizes a project's title or code so that the same project
// is recognized however it is typed: compatibility-normalized, lower-case,
// letters and digits only.
func ProjectKey(title string) string {
	var b strings.Builder
	for _, r := range norm.NFKC.String(title) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// AppInput is what an applicant writes.
type AppInput struct {
	Program      string `json:"program"`
	OrgID        int64  `json:"org_id"`
	ProjectTitle string `json:"project_title"`
	Summary      string `json:"summary"`
	// RequestedYuan is optional: the rules engine's amount applies when
	// absent.
	RequestedYuan *int64 `json:"requested_yuan"`
	Version       *int   `json:"version,omitempty"`
}

func (in *AppInput) validate(create bool) error {
	var fs []apperr.FieldError
	bad := func(f, format string, args ...any) {
		fs = append(fs, apperr.FieldError{Field: f, Message: fmt.Sprintf(format, args...)})
	}
	in.ProjectTitle = strings.TrimSpace(in.ProjectTitle)
	in.Summary = strings.TrimSpace(in.Summary)
	if create {
		if strings.TrimSpace(in.Program) == "" {
			bad("program", "is required")
		}
		if in.OrgID <= 0 {
			bad("org_id", "is required")
		}
	}
	switch {
	case in.ProjectTitle == "":
		bad("project_title", "is required")
	case utf8.RuneCountInString(in.ProjectTitle) > MaxProjectTitle:
		bad("project_title", "must be at most %d characters", MaxProjectTitle)
	case ProjectKey(in.ProjectTitle) == "":
		bad("project_title", "must contain letters or digits")
	default:
		if msg := text.Line(in.ProjectTitle); msg != "" {
			bad("project_title", "%s", msg)
		}
	}
	if utf8.RuneCountInString(in.Summary) > MaxSummary {
		bad("summary", "must be at most %d characters", MaxSummary)
	} else if msg := text.Block(in.Summary); msg != "" {
		bad("summary", "%s", msg)
	}
	if in.RequestedYuan != nil && (*in.RequestedYuan <= 0 || *in.RequestedYuan > MaxRequestFen/100) {
		bad("requested_yuan", "must be between 1 and %d", MaxRequestFen/100)
	}
	return apperr.Fields(fs)
}

const appCols = `a.id, a.program_id, p.slug, p.title_zh, p.title_en, a.org_id, o.name_zh, COALESCE(o.name_en, ''), COALESCE(o.registered_district, ''),
	a.project_title, a.project_key, a.summary, a.requested_fen, a.amount_fen, a.state, a.origin, a.eligibility, a.rules_as_of,
	a.decision_reason, a.version, a.created_at, a.updated_at, a.submitted_at, a.decided_at`

const appFrom = ` FROM applications a JOIN programs p ON p.id = a.program_id JOIN orgs o ON o.id = a.org_id`

func scanApp(row interface{ Scan(...any) error }) (Application, error) {
	var a Application
	var req, amt sql.NullInt64
	var elig string
	var asOf db.Date
	var sub, dec db.Time
	err := row.Scan(&a.ID, &a.ProgramID, &a.ProgramSlug, &a.ProgramTitleZh, &a.ProgramTitleEn, &a.OrgID, &a.OrgNameZh, &a.OrgNameEn, &a.OrgDistrict,
		&a.ProjectTitle, &a.ProjectKey, &a.Summary, &req, &amt, &a.State, &a.Origin, &elig, &asOf,
		&a.DecisionReason, &a.Version, &a.CreatedAt, &a.UpdatedAt, &sub, &dec)
	if err != nil {
		return a, err
	}
	if req.Valid {
		a.RequestedFen = &req.Int64
	}
	if amt.Valid {
		a.AmountFen = &amt.Int64
	}
	if elig != "" {
		a.Eligibility = json.RawMessage(elig)
	}
	a.RulesAsOf = asOf.Ptr()
	a.SubmittedAt, a.DecidedAt = sub.Ptr(), dec.Ptr()
	return a, nil
}

func loadApp(ctx context.Context, q workflow.Querier, id int64) (Application, error) {
	a, err := scanApp(q.QueryRowContext(ctx, `SELECT `+appCols+appFrom+` WHERE a.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.New(apperr.NotFound, "no application %d", id)
	}
	if err != nil {
		return a, apperr.Wrap(err, "load application")
	}
	return a, nil
}

// CanSeeApplication: the applicant's members, the program's officers and
// administrators.
func CanSeeApplication(p *auth.Principal, a *Application, prog *Program) bool {
	return p != nil && (p.RoleIn(a.OrgID) != "" || CanEdit(p, prog))
}

// loadFor loads an application with its program for p, NotFound when p
// may not see it.
func (s *Service) loadFor(ctx context.Context, q workflow.Querier, p *auth.Principal, id int64) (Application, Program, error) {
	if p == nil {
		return Application{}, Program{}, apperr.New(apperr.Unauthorized, "sign in to see applications")
	}
	a, err := loadApp(ctx, q, id)
	if err != nil {
		return a, Program{}, err
	}
	prog, err := getProgram(ctx, q, strconv.FormatInt(a.ProgramID, 10))
	if err != nil {
		return a, prog, err
	}
	prog = s.withOpen(prog)
	if !CanSeeApplication(p, &a, &prog) {
		return a, prog, apperr.New(apperr.NotFound, "no application %d", id)
	}
	a.Program = &prog
	return a, prog, nil
}

// GetApplication returns an application with its files, award, history and
// the actions p may take.
func (s *Service) GetApplication(ctx context.Context, p *auth.Principal, id int64) (Application, error) {
	a, prog, err := s.loadFor(ctx, s.DB.Read, p, id)
	if err != nil {
		return a, err
	}
	if a.Files, err = s.listFiles(ctx, id); err != nil {
		return a, err
	}
	if aw, err := s.awardOf(ctx, s.DB.Read, id); err == nil {
		a.Award = &aw
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return a, err
	}
	m := s.machine()
	if a.History, err = m.History(ctx, s.DB.Read, id); err != nil {
		return a, err
	}
	sub := &subject{app: &a, prog: &prog, svc: s, amountFen: s.approvalAmount(&a, nil)}
	a.Actions, err = m.Available(ctx, s.DB.Read, workflow.Subject[*subject]{ID: a.ID, State: a.State, OrgID: a.OrgID, Value: sub}, p)
	return a, err
}

// CreateApplication saves a draft of in.OrgID's application to a published
// program open today; p must be a member of the organization.
func (s *Service) CreateApplication(ctx context.Context, p *auth.Principal, in AppInput) (Application, error) {
	if p == nil {
		return Application{}, apperr.New(apperr.Unauthorized, "sign in to apply")
	}
	if err := in.validate(true); err != nil {
		return Application{}, err
	}
	prog, err := s.Get(ctx, p, in.Program)
	if apperr.CodeOf(err) == apperr.NotFound {
		return Application{}, apperr.Field("program", "no program %q", clip(in.Program))
	}
	if err != nil {
		return Application{}, err
	}
	if p.RoleIn(in.OrgID) == "" {
		return Application{}, apperr.Field("org_id", "you are not a member of organization %d", in.OrgID).WithCode(apperr.Forbidden)
	}
	org, err := s.Registry.Get(ctx, previewReader, in.OrgID)
	if err != nil {
		return Application{}, err
	}
	if org.Kind != "enterprise" {
		return Application{}, apperr.Field("org_id", "only enterprises apply to programs")
	}
	if !prog.IsOpen(s.today().Format(time.DateOnly)) {
		return Application{}, apperr.New(apperr.Conflict, "program %s does not take applications today", prog.Slug)
	}
	var id int64
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.DB.Now()
		err := tx.QueryRowContext(ctx, `INSERT INTO applications (program_id, org_id, project_title, project_key, summary, requested_fen, state, origin, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'applicant', $8, $9, $9) RETURNING id`,
			prog.ID, in.OrgID, in.ProjectTitle, ProjectKey(in.ProjectTitle), in.Summary, yuanToFen(in.RequestedYuan), AppDraft, p.UserID, now).Scan(&id)
		if err != nil {
			return apperr.Wrap(err, "insert application")
		}
		a := Application{ID: id, OrgID: in.OrgID, State: AppDraft}
		_, err = s.machine().Begin(ctx, tx, workflow.Subject[*subject]{ID: id, State: AppDraft, OrgID: in.OrgID, Value: &subject{app: &a, prog: &prog, svc: s}}, p, "")
		return err
	})
	if err != nil {
		return Application{}, err
	}
	return s.GetApplication(ctx, p, id)
}

func yuanToFen(y *int64) any {
	if y == nil {
		return nil
	}
	return *y * 100
}

// UpdateApplication changes a draft or returned application.
func (s *Service) UpdateApplication(ctx context.Context, p *auth.Principal, id int64, in AppInput) (Application, error) {
	if err := in.validate(false); err != nil {
		return Application{}, err
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		a, _, err := s.loadFor(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if p.RoleIn(a.OrgID) == "" {
			return apperr.New(apperr.Forbidden, "only the applicant's members change an application")
		}
		if a.State != AppDraft && a.State != AppReturned {
			return apperr.New(apperr.Conflict, "an application that is %s cannot be changed", a.State)
		}
		if in.Version != nil && *in.Version != a.Version {
			return staleVersion(a.Version)
		}
		res, err := tx.ExecContext(ctx, `UPDATE applications SET project_title = $1, project_key = $2, summary = $3, requested_fen = $4, version = version + 1, updated_at = $5
			WHERE id = $6 AND version = $7`, in.ProjectTitle, ProjectKey(in.ProjectTitle), in.Summary, yuanToFen(in.RequestedYuan), s.DB.Now(), id, a.Version)
		if err != nil {
			return apperr.Wrap(err, "update application")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return staleVersion(a.Version)
		}
		return audit.Record(ctx, tx, s.DB.Now(), audit.Change{OrgID: a.OrgID, Action: "update", Entity: "program_application", EntityID: strconv.FormatInt(id, 10),
			Before: map[string]any{"project_title": a.ProjectTitle, "summary": a.Summary, "requested_fen": a.RequestedFen},
			After:  map[string]any{"project_title": in.ProjectTitle, "summary": in.Summary, "requested_fen": yuanToFen(in.RequestedYuan)}})
	})
	if err != nil {
		return Application{}, err
	}
	return s.GetApplication(ctx, p, id)
}

// ActInput is what a transition takes besides the action.
type ActInput struct {
	Comment string `json:"comment"`
	// AmountYuan is the amount an approval grants; the rules engine's
	// amount (capped by the request) when absent.
	AmountYuan *int64 `json:"amount_yuan,omitempty"`
	Version    *int   `json:"version,omitempty"`
}

// Act takes action on application id for p in one transaction: the
// workflow's transition, its audit record, and what the action does
// besides (the eligibility snapshot on submit, the award and its budget
// hold on approval, the payment on disbursement, the hold's release on
// revocation), and a notice to the applicant's members.
func (s *Service) Act(ctx context.Context, p *auth.Principal, id int64, action string, in ActInput) (Application, error) {
	if p == nil {
		return Application{}, apperr.New(apperr.Unauthorized, "sign in to act on applications")
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		return s.act(ctx, tx, p, id, action, in)
	})
	if err != nil {
		return Application{}, err
	}
	return s.GetApplication(ctx, p, id)
}

// ActTx is Act inside the caller's transaction, for batches.
func (s *Service) ActTx(ctx context.Context, tx *sql.Tx, p *auth.Principal, id int64, action string, in ActInput) error {
	return s.act(ctx, tx, p, id, action, in)
}

func (s *Service) act(ctx context.Context, tx *sql.Tx, p *auth.Principal, id int64, action string, in ActInput) error {
	var a Application
	var prog Program
	var err error
	if p == workflow.System {
		a, err = loadApp(ctx, tx, id)
		if err == nil {
			prog, err = getProgram(ctx, tx, strconv.FormatInt(a.ProgramID, 10))
			prog = s.withOpen(prog)
		}
	} else {
		a, prog, err = s.loadFor(ctx, tx, p, id)
	}
	if err != nil {
		return err
	}
	if in.Version != nil && *in.Version != a.Version {
		return staleVersion(a.Version)
	}
	sub := &subject{app: &a, prog: &prog, svc: s}
	now := s.DB.Now()
	switch action {
	case ActSubmit:
		snap, asOf, err := s.snapshot(ctx, &a, &prog)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(snap)
		a.Eligibility, a.snap = raw, snap
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET eligibility = $1, rules_as_of = $2, submitted_at = $3, decision_reason = '' WHERE id = $4`,
			string(raw), asOf, now, id); err != nil {
			return apperr.Wrap(err, "application snapshot")
		}
	case ActApprove, ActGrant:
		sub.amountFen = s.approvalAmount(&a, in.AmountYuan)
	}
	rec, err := s.machine().Apply(ctx, tx, workflow.Subject[*subject]{ID: a.ID, State: a.State, OrgID: a.OrgID, Value: sub}, action, p, in.Comment)
	if err != nil {
		return err
	}
	switch action {
	case ActApprove, ActGrant:
		if err := s.reserveAward(ctx, tx, &a, &prog, sub.amountFen, p); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET amount_fen = $1, decided_at = $2, decision_reason = $3 WHERE id = $4`, sub.amountFen, now, rec.Comment, id); err != nil {
			return apperr.Wrap(err, "application decision")
		}
	case ActReject, ActRevoke:
		if action == ActRevoke {
			if err := s.cancelAward(ctx, tx, &a); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET decided_at = $1, decision_reason = $2 WHERE id = $3`, now, rec.Comment, id); err != nil {
			return apperr.Wrap(err, "application decision")
		}
	case ActReturn:
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET decision_reason = $1 WHERE id = $2`, rec.Comment, id); err != nil {
			return apperr.Wrap(err, "application return")
		}
	case ActDisburse:
		if err := s.payAward(ctx, tx, &a, &prog); err != nil {
			return err
		}
	}
	return s.tellApplicant(ctx, tx, &a, &prog, rec.To, rec.Comment)
}

// snapshot evaluates the organization's profile against the program today.
func (s *Service) snapshot(ctx context.Context, a *Application, prog *Program) (*EligibilitySnapshot, string, error) {
	org, err := s.Registry.Get(ctx, previewReader, a.OrgID)
	if err != nil {
		return nil, "", err
	}
	prof, err := ProfileOf(&org)
	if err != nil {
		return nil, "", apperr.Field("profile", "the organization's profile cannot be evaluated: %v", err)
	}
	rs, err := s.RuleSet(prog)
	if err != nil {
		return nil, "", err
	}
	asOf := s.today()
	res, err := rs.Evaluate(prof, asOf)
	if err != nil {
		return nil, "", err
	}
	snap := &EligibilitySnapshot{Status: string(res.Status), Zh: OutcomeOf(res, "zh"), En: OutcomeOf(res, "en")}
	snap.AmountYuan = snap.En.AmountYuan
	return snap, asOf.Format(time.DateOnly), nil
}

// approvalAmount is the amount an approval grants: the officer's, or the
// rules engine's at submission capped by the request, or the request.
func (s *Service) approvalAmount(a *Application, yuan *int64) int64 {
	switch {
	case yuan != nil:
		if *yuan <= 0 || *yuan > MaxRequestFen/100 {
			return -1
		}
		return *yuan * 100
	case a.Snapshot() != nil && a.Snapshot().AmountYuan != nil:
		amt := *a.Snapshot().AmountYuan * 100
		if a.RequestedFen != nil && amt > *a.RequestedFen {
			amt = *a.RequestedFen
		}
		return amt
	case a.RequestedFen != nil:
		return *a.RequestedFen
	}
	return 0
}

// AppFilter selects applications for a list.
type AppFilter struct {
	OrgID   int64
	Program string // slug
	State   string
	Origin  string
	// Query matches the project title or the organization's name.
	Query  string
	Limit  int
	Cursor int64 // ids below
}

// AppPage is one page of applications.
type AppPage struct {
	Items      []Application  `json:"items"`
	NextCursor *int64         `json:"next_cursor"`
	Counts     map[string]int `json:"counts"`
}

func (f *AppFilter) check() error {
	var fs []apperr.FieldError
	if f.State != "" && !slices.Contains(AppStates, f.State) {
		fs = append(fs, apperr.FieldError{Field: "state", Message: "must be one of " + strings.Join(AppStates, ", ")})
	}
	if f.Origin != "" && f.Origin != "applicant" && f.Origin != "auto" {
		fs = append(fs, apperr.FieldError{Field: "origin", Message: "must be applicant or auto"})
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 200 {
		fs = append(fs, apperr.FieldError{Field: "limit", Message: "must be between 1 and 200"})
	}
	if utf8.RuneCountInString(f.Query) > 100 {
		fs = append(fs, apperr.FieldError{Field: "q", Message: "must be at most 100 characters"})
	}
	return apperr.Fields(fs)
}

// ListApplications lists applications newest first: an organization's for
// its members (f.OrgID), or the queue of the programs p may review.
func (s *Service) ListApplications(ctx context.Context, p *auth.Principal, f AppFilter) (AppPage, error) {
	if p == nil {
		return AppPage{}, apperr.New(apperr.Unauthorized, "sign in to see applications")
	}
	if err := f.check(); err != nil {
		return AppPage{}, err
	}
	var args db.Args
	where := []string{"1 = 1"}
	switch {
	case f.OrgID > 0 && (p.RoleIn(f.OrgID) != "" || p.IsAdmin()):
		where = append(where, "a.org_id = "+args.Add(f.OrgID))
	case f.OrgID > 0 && !p.IsOfficer():
		return AppPage{}, apperr.New(apperr.NotFound, "no organization %d", f.OrgID)
	default:
		if f.OrgID > 0 {
			where = append(where, "a.org_id = "+args.Add(f.OrgID))
		}
		if !p.IsAdmin() {
			var owners []int64
			for _, m := range AgenciesOf(p) {
				owners = append(owners, m.OrgID)
			}
			if len(owners) == 0 {
				return AppPage{}, apperr.New(apperr.Forbidden, "only officers of a program's agency review its applications")
			}
			where = append(where, "p.owner_org_id IN ("+db.List(&args, owners)+")")
		}
		if f.State == "" {
			// The queue hides drafts: they are the applicant's own.
			where = append(where, "a.state <> 'draft'")
		}
	}
	if f.Program != "" {
		where = append(where, "p.slug = "+args.Add(f.Program))
	}
	if f.Origin != "" {
		where = append(where, "a.origin = "+args.Add(f.Origin))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(q)) + "%"
		n := args.Add(like)
		where = append(where, "(LOWER(a.project_title) LIKE "+n+` ESCAPE '\' OR LOWER(o.name_zh) LIKE `+n+` ESCAPE '\' OR LOWER(COALESCE(o.name_en, '')) LIKE `+n+` ESCAPE '\')`)
	}
	base := strings.Join(where, " AND ")
	out := AppPage{Items: []Application{}, Counts: map[string]int{}}
	// Counts per state under the same filter, for the queue's tabs.
	cargs := slices.Clone(args)
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT a.state, COUNT(*)`+appFrom+` WHERE `+base+` GROUP BY a.state`, cargs...)
	if err != nil {
		return out, apperr.Wrap(err, "count applications")
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return out, apperr.Wrap(err, "count applications")
		}
		out.Counts[st] = n
	}
	rows.Close()
	if f.State != "" {
		base += " AND a.state = " + args.Add(f.State)
	}
	if f.Cursor > 0 {
		base += " AND a.id < " + args.Add(f.Cursor)
	}
	lim := args.Add(f.Limit + 1)
	rows, err = s.DB.Read.QueryContext(ctx, `SELECT `+appCols+appFrom+` WHERE `+base+` ORDER BY a.id DESC LIMIT `+lim, args...)
	items, err := db.Collect(rows, err, "list applications", scanApp)
	if err != nil {
		return out, err
	}
	if len(items) > f.Limit {
		items = items[:f.Limit]
		next := items[len(items)-1].ID
		out.NextCursor = &next
	}
	out.Items = items
	return out, nil
}

// orgOf reads an organization for the module's own use.
func (s *Service) orgOf(ctx context.Context, id int64) (registry.Org, error) {
	return s.Registry.Get(ctx, previewReader, id)
}

// MaxBulk is the most applications one bulk action takes.
const MaxBulk = 200

// BulkResult is what became of one application of a bulk action.
type BulkResult struct {
	ID     int64  `json:"id"`
	OK     bool   `json:"ok"`
	State  string `json:"state,omitempty"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
}

// BulkOutcome sums up a bulk action.
type BulkOutcome struct {
	Done    int          `json:"done"`
	Failed  int          `json:"failed"`
	Results []BulkResult `json:"results"`
}

// Bulk takes one action on many applications, each in its own
// transaction, so that one refusal (a budget spent, a double funding)
// does not undo the others.
func (s *Service) Bulk(ctx context.Context, p *auth.Principal, ids []int64, action string, in ActInput) (BulkOutcome, error) {
	if p == nil {
		return BulkOutcome{}, apperr.New(apperr.Unauthorized, "sign in to act on applications")
	}
	var fs []apperr.FieldError
	if len(ids) == 0 || len(ids) > MaxBulk {
		fs = append(fs, apperr.FieldError{Field: "ids", Message: fmt.Sprintf("must list between 1 and %d applications", MaxBulk)})
	}
	if !slices.Contains([]string{ActStartReview, ActReturn, ActApprove, ActReject, ActDisburse}, action) {
		fs = append(fs, apperr.FieldError{Field: "action", Message: "must be one of start_review, return, approve, reject, disburse"})
	}
	if err := apperr.Fields(fs); err != nil {
		return BulkOutcome{}, err
	}
	out := BulkOutcome{Results: make([]BulkResult, 0, len(ids))}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		res := BulkResult{ID: id}
		var state string
		err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
			if err := s.act(ctx, tx, p, id, action, in); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT state FROM applications WHERE id = $1`, id).Scan(&state)
		})
		if err != nil {
			ae := apperr.As(err)
			if ae.Code == apperr.Internal {
				return out, err
			}
			res.Error, res.Status = ae.Message, httpx.Status(ae.Code)
			out.Failed++
		} else {
			res.OK, res.State = true, state
			out.Done++
		}
		out.Results = append(out.Results, res)
	}
	return out, nil
}
