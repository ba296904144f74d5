// Package workflow is the platform's state-machine engine: program
// applications, loans, work permits, bookings, tenancies and service
// requests each declare a Definition (states with Chinese and English
// labels, terminal states, and transitions naming the action, the roles
// allowed, an optional guard and whether a comment is required), and Apply
// moves one record from state to state.
//
// The module keeps the current state in a column of its own table. Apply,
// inside the module's transaction, checks the transition exists from the
// current state (apperr.Conflict if not), the actor may take it
// (apperr.Forbidden, or Unauthorized for the anonymous), the comment, and
// the guard (apperr.Conflict with the reason in both languages); then it
// moves the state with a compare-and-set UPDATE … WHERE id = $2 AND state =
// $3, so that of two concurrent actions on one record exactly one wins and
// the other gets a Conflict; and it records the transition in
// workflow_transitions and the audit log. Table and column names come from
// the Definition, are checked against a strict identifier pattern when the
// Machine is built, and never come from input.
//
// Available lists the actions a principal can take on a record now, with
// labels for buttons and, where a guard stands in the way, its reason.
// History lists a record's transitions in order.
package workflow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
)

// RoleSystem is the role of the platform itself acting (a scheduled expiry,
// an automatic approval): the role System holds.
const RoleSystem = "system"

// System is the actor for transitions the platform takes by itself. It
// holds exactly the role RoleSystem.
var System = &auth.Principal{Email: "system"}

// MaxComment is the longest comment, in characters.
const MaxComment = 2000

// State is one state of a workflow.
type State struct {
	Name     string
	LabelZh  string
	LabelEn  string
	Terminal bool
}

// Label returns the state's label in lang ("zh" or "en").
func (s State) Label(lang string) string { return label(s.LabelZh, s.LabelEn, lang) }

func label(zh, en, lang string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// CommentRule says whether a transition takes a comment.
type CommentRule int

const (
	// CommentOptional: a comment may be given.
	CommentOptional CommentRule = iota
	// CommentRequired: a comment (the reason for a rejection, what to
	// change when returning) must be given.
	CommentRequired
)

// Subject is the record a transition applies to, as the module loaded it.
type Subject[T any] struct {
	ID int64
	// State is the current state, as read from the module's table.
	State string
	// OrgID is the organization the record concerns, for the audit log
	// and for permission checks; 0 if none.
	OrgID int64
	// Value is the module's record, for RolesOf, Allow and Guard.
	Value T
}

// Transition is one edge of the state machine.
type Transition[T any] struct {
	// Action is the verb the user takes ("submit", "approve").
	Action  string
	LabelZh string
	LabelEn string
	From    []string
	To      string
	// Roles that may take the transition, as Definition.RolesOf names them
	// for a principal and a subject.
	Roles []string
	// Allow, if set, also permits principals it accepts. It is not called
	// for the anonymous (nil) or System.
	Allow func(p *auth.Principal, s Subject[T]) bool
	// Guard, if set, is asked last, inside the transaction: nil lets the
	// transition happen; a *Reason refuses it (a Conflict whose message
	// gives the reason); an *apperr.Error is returned as it is; any other
	// error is internal.
	Guard   func(ctx context.Context, q Querier, s Subject[T]) error
	Comment CommentRule
}

// Label returns the action's label in lang.
func (t Transition[T]) Label(lang string) string { return label(t.LabelZh, t.LabelEn, lang) }

// Store names where the module keeps the state: its table, the key column
// and the state column; optionally a version column that is incremented
// and an updated-at column that is set on every transition. Names must be
// lower-case SQL identifiers; they are constants of the module.
type Store struct {
	Table         string
	IDColumn      string // default "id"
	StateColumn   string // default "state"
	VersionColumn string // optional
	UpdatedColumn string // optional
}

// Definition describes a workflow.
type Definition[T any] struct {
	// Name is the entity the records are ("program_application"); it names
	// them in workflow_transitions and the audit log.
	Name    string
	LabelZh string
	LabelEn string
	// Initial is the state records are created in.
	Initial     string
	States      []State
	Transitions []Transition[T]
	Store       Store
	// RolesOf names the roles p holds towards s ("applicant", "officer").
	// It is called with nil for the anonymous; System always holds
	// RoleSystem alone.
	RolesOf func(p *auth.Principal, s Subject[T]) []string
}

// Reason is why a guard refuses a transition, in both languages.
type Reason struct {
	Code string `json:"code"`
	Zh   string `json:"zh"`
	En   string `json:"en"`
}

func (r *Reason) Error() string { return r.En }

// Text returns the reason in lang.
func (r *Reason) Text(lang string) string { return label(r.Zh, r.En, lang) }

// Refuse is what a guard returns to refuse a transition.
func Refuse(code, zh, en string) *Reason { return &Reason{Code: code, Zh: zh, En: en} }

// Querier is a *sql.Tx or a *sql.DB.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Machine is a checked Definition bound to a database.
type Machine[T any] struct {
	DB       *db.DB
	def      Definition[T]
	states   map[string]State
	byAction map[string][]int
	cas      string // the compare-and-set UPDATE
}

var (
	identRe  = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	nameRe   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	entityRe = regexp.MustCompile(`^[a-z][a-z0-9_.]{0,62}$`)
)

// New checks def and returns its machine: names well formed and unique,
// labels in both languages, every transition between known states, none
// leaving a terminal state, each with someone allowed to take it, every
// state reachable from the initial one, every non-terminal state with a
// way out, and a valid Store.
func New[T any](d *db.DB, def Definition[T]) (*Machine[T], error) {
	m := &Machine[T]{DB: d, def: def, states: map[string]State{}, byAction: map[string][]int{}}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if !entityRe.MatchString(def.Name) {
		bad("name %q is not a lower-case entity name", def.Name)
	}
	if def.LabelZh == "" || def.LabelEn == "" {
		bad("the workflow needs labels in Chinese and English")
	}
	for _, s := range def.States {
		if !nameRe.MatchString(s.Name) {
			bad("state %q is not a lower-case name", s.Name)
		}
		if _, dup := m.states[s.Name]; dup {
			bad("state %q is declared twice", s.Name)
		}
		if s.LabelZh == "" || s.LabelEn == "" {
			bad("state %q needs labels in Chinese and English", s.Name)
		}
		m.states[s.Name] = s
	}
	if s, ok := m.states[def.Initial]; !ok {
		bad("initial state %q is not declared", def.Initial)
	} else if s.Terminal {
		bad("initial state %q is terminal", def.Initial)
	}
	out := map[string]bool{}
	next := map[string][]string{}
	type edge struct{ action, from string }
	seen := map[edge]bool{}
	for i, t := range def.Transitions {
		if !nameRe.MatchString(t.Action) {
			bad("action %q is not a lower-case name", t.Action)
		}
		if t.LabelZh == "" || t.LabelEn == "" {
			bad("action %q needs labels in Chinese and English", t.Action)
		}
		if len(t.From) == 0 {
			bad("action %q has no from state", t.Action)
		}
		if _, ok := m.states[t.To]; !ok {
			bad("action %q goes to undeclared state %q", t.Action, t.To)
		}
		for _, f := range t.From {
			s, ok := m.states[f]
			switch {
			case !ok:
				bad("action %q starts from undeclared state %q", t.Action, f)
			case s.Terminal:
				bad("action %q leaves terminal state %q", t.Action, f)
			}
			if seen[edge{t.Action, f}] {
				bad("action %q is declared twice from state %q", t.Action, f)
			}
			seen[edge{t.Action, f}] = true
			out[f] = true
			next[f] = append(next[f], t.To)
		}
		if len(t.Roles) == 0 && t.Allow == nil {
			bad("action %q allows nobody: give Roles or Allow", t.Action)
		}
		if slices.ContainsFunc(t.Roles, func(r string) bool { return r != RoleSystem }) && def.RolesOf == nil {
			bad("action %q names roles but the definition has no RolesOf", t.Action)
		}
		m.byAction[t.Action] = append(m.byAction[t.Action], i)
	}
	reach := map[string]bool{def.Initial: true}
	queue := []string{def.Initial}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, n := range next[s] {
			if !reach[n] {
				reach[n] = true
				queue = append(queue, n)
			}
		}
	}
	for _, s := range def.States {
		if !reach[s.Name] {
			bad("state %q cannot be reached from %q", s.Name, def.Initial)
		}
		if !s.Terminal && !out[s.Name] {
			bad("state %q is not terminal but has no way out", s.Name)
		}
	}
	st := def.Store.withDefaults()
	if err := st.validate(); err != nil {
		bad("%v", err)
	} else {
		m.def.Store = st
		m.cas = st.updateSQL()
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("workflow %s: %s", def.Name, strings.Join(errs, "; "))
	}
	return m, nil
}

// Must returns m, or panics with err: for definitions that are constants of
// a module, checked when it starts.
func Must[T any](m *Machine[T], err error) *Machine[T] {
	if err != nil {
		panic(err)
	}
	return m
}

// Name is the entity the workflow's records are.
func (m *Machine[T]) Name() string { return m.def.Name }

// Label returns the workflow's name in lang.
func (m *Machine[T]) Label(lang string) string { return label(m.def.LabelZh, m.def.LabelEn, lang) }

// Initial is the state new records start in.
func (m *Machine[T]) Initial() string { return m.def.Initial }

// States lists the states in declaration order.
func (m *Machine[T]) States() []State { return slices.Clone(m.def.States) }

// State returns the named state.
func (m *Machine[T]) State(name string) (State, bool) {
	s, ok := m.states[name]
	return s, ok
}

// StateLabel returns a state's label in lang, or the name itself if it is
// not a state of this workflow.
func (m *Machine[T]) StateLabel(name, lang string) string {
	if s, ok := m.states[name]; ok {
		return s.Label(lang)
	}
	return name
}

// ActionLabel returns an action's label in lang, or the action itself.
func (m *Machine[T]) ActionLabel(action, lang string) string {
	if is := m.byAction[action]; len(is) > 0 {
		return m.def.Transitions[is[0]].Label(lang)
	}
	return action
}

// Record is one transition as recorded.
type Record struct {
	ID          int64     `json:"id"`
	Entity      string    `json:"entity"`
	EntityID    int64     `json:"entity_id"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Action      string    `json:"action"`
	ActorUserID *int64    `json:"actor_user_id"`
	ActorEmail  string    `json:"actor_email"`
	Role        string    `json:"role"`
	Comment     string    `json:"comment"`
	At          time.Time `json:"at"`
}

// find returns the transition for action from state, distinguishing an
// unknown action (Invalid) from one not possible in this state (Conflict).
func (m *Machine[T]) find(action, state string) (*Transition[T], error) {
	is, ok := m.byAction[action]
	if !ok {
		return nil, apperr.Field("action", "%q is not an action of %s", clip(action), m.def.Name)
	}
	for _, i := range is {
		if slices.Contains(m.def.Transitions[i].From, state) {
			return &m.def.Transitions[i], nil
		}
	}
	return nil, apperr.New(apperr.Conflict, "cannot %s: the %s is %s (%s)", m.ActionLabel(action, "en"), m.def.LabelEn, m.StateLabel(state, "en"), state)
}

// permit returns the role through which p may take t on s ("" when Allow
// let p), or false.
func (m *Machine[T]) permit(t *Transition[T], p *auth.Principal, s Subject[T]) (string, bool) {
	var roles []string
	switch {
	case p == System:
		roles = []string{RoleSystem}
	case m.def.RolesOf != nil:
		roles = m.def.RolesOf(p, s)
	}
	for _, r := range t.Roles {
		if slices.Contains(roles, r) {
			return r, true
		}
	}
	if t.Allow != nil && p != nil && p != System && t.Allow(p, s) {
		return "", true
	}
	return "", false
}

// guard runs t's guard and turns its answer into the platform's errors.
func (m *Machine[T]) guard(ctx context.Context, q Querier, t *Transition[T], s Subject[T]) error {
	if t.Guard == nil {
		return nil
	}
	err := t.Guard(ctx, q, s)
	if err == nil {
		return nil
	}
	var r *Reason
	if errors.As(err, &r) {
		return &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("cannot %s: %s", t.LabelEn, r.En), Err: r}
	}
	return apperr.Wrap(err, "workflow guard "+m.def.Name+"."+t.Action)
}

// Apply takes action on s inside tx: it checks the transition, the actor's
// permission, the comment and the guard, moves the state in the module's
// table if it is still s.State, and records the transition and an audit
// entry. It returns the record; the new state is its To.
func (m *Machine[T]) Apply(ctx context.Context, tx *sql.Tx, s Subject[T], action string, actor *auth.Principal, comment string) (Record, error) {
	t, err := m.find(action, s.State)
	if err != nil {
		return Record{}, err
	}
	role, ok := m.permit(t, actor, s)
	if !ok {
		if actor == nil {
			return Record{}, apperr.New(apperr.Unauthorized, "sign in to %s", t.LabelEn)
		}
		return Record{}, apperr.New(apperr.Forbidden, "you may not %s this %s", t.LabelEn, m.def.LabelEn)
	}
	comment = strings.TrimSpace(comment)
	if msg := checkComment(comment); msg != "" {
		return Record{}, apperr.Field("comment", "%s", msg)
	}
	if t.Comment == CommentRequired && comment == "" {
		return Record{}, apperr.Field("comment", "is required to %s", t.LabelEn)
	}
	if err := m.guard(ctx, tx, t, s); err != nil {
		return Record{}, err
	}
	now := m.DB.Now()
	if err := m.compareAndSet(ctx, tx, s.ID, s.State, t.To, now); err != nil {
		return Record{}, err
	}
	rec := Record{Entity: m.def.Name, EntityID: s.ID, From: s.State, To: t.To, Action: t.Action, Role: role, Comment: comment, At: now}
	if err := m.record(ctx, tx, &rec, actor, s.OrgID); err != nil {
		return Record{}, err
	}
	return rec, nil
}

// Begin records that s was created in the initial state (the first line of
// its history), inside the transaction that inserts it.
func (m *Machine[T]) Begin(ctx context.Context, tx *sql.Tx, s Subject[T], actor *auth.Principal, comment string) (Record, error) {
	if s.State != m.def.Initial {
		return Record{}, apperr.New(apperr.Conflict, "a new %s starts as %s, not %s", m.def.LabelEn, m.def.Initial, s.State)
	}
	comment = strings.TrimSpace(comment)
	if msg := checkComment(comment); msg != "" {
		return Record{}, apperr.Field("comment", "%s", msg)
	}
	rec := Record{Entity: m.def.Name, EntityID: s.ID, From: "", To: s.State, Action: "create", Comment: comment, At: m.DB.Now()}
	if err := m.record(ctx, tx, &rec, actor, s.OrgID); err != nil {
		return Record{}, err
	}
	return rec, nil
}

func (m *Machine[T]) record(ctx context.Context, tx *sql.Tx, rec *Record, actor *auth.Principal, orgID int64) error {
	var actorID any
	if actor != nil && actor != System && actor.UserID != 0 {
		id := actor.UserID
		actorID, rec.ActorUserID = id, &id
	}
	if actor != nil {
		rec.ActorEmail = actor.Email
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO workflow_transitions (entity, entity_id, from_state, to_state, action, actor_user_id, actor_email, role, comment, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		rec.Entity, rec.EntityID, rec.From, rec.To, rec.Action, actorID, rec.ActorEmail, rec.Role, rec.Comment, rec.At).Scan(&rec.ID)
	if err != nil {
		return apperr.Wrap(err, "workflow record")
	}
	var before any
	if rec.From != "" {
		before = map[string]string{"state": rec.From}
	}
	return audit.Record(ctx, tx, rec.At, audit.Change{OrgID: orgID, Action: m.def.Name + "." + rec.Action, Entity: m.def.Name, EntityID: strconv.FormatInt(rec.EntityID, 10),
		Before: before, After: map[string]any{"state": rec.To, "comment": rec.Comment, "transition_id": rec.ID}})
}

func checkComment(c string) string {
	switch {
	case !utf8.ValidString(c):
		return "must be valid UTF-8"
	case utf8.RuneCountInString(c) > MaxComment:
		return fmt.Sprintf("at most %d characters", MaxComment)
	}
	for _, r := range c {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f {
			return "must not contain control characters"
		}
	}
	return ""
}

func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// Option is an action a principal can take now, for a button on a page.
type Option struct {
	Action          string  `json:"action"`
	LabelZh         string  `json:"label_zh"`
	LabelEn         string  `json:"label_en"`
	To              string  `json:"to"`
	CommentRequired bool    `json:"comment_required"`
	Enabled         bool    `json:"enabled"`
	Reason          *Reason `json:"reason,omitempty"`
}

// Label returns the option's label in lang.
func (o Option) Label(lang string) string { return label(o.LabelZh, o.LabelEn, lang) }

// Available lists, in declaration order, the actions p may take on s in
// its current state. An action whose guard refuses it now is listed
// disabled, with the reason; guards read through q.
func (m *Machine[T]) Available(ctx context.Context, q Querier, s Subject[T], p *auth.Principal) ([]Option, error) {
	out := []Option{}
	for i := range m.def.Transitions {
		t := &m.def.Transitions[i]
		if !slices.Contains(t.From, s.State) {
			continue
		}
		if _, ok := m.permit(t, p, s); !ok {
			continue
		}
		o := Option{Action: t.Action, LabelZh: t.LabelZh, LabelEn: t.LabelEn, To: t.To, CommentRequired: t.Comment == CommentRequired, Enabled: true}
		if err := m.guard(ctx, q, t, s); err != nil {
			var r *Reason
			if !errors.As(err, &r) {
				if ae := apperr.As(err); ae.Code == apperr.Internal {
					return nil, err
				}
				r = &Reason{Code: string(apperr.CodeOf(err)), Zh: apperr.As(err).Message, En: apperr.As(err).Message}
			}
			o.Enabled, o.Reason = false, r
		}
		out = append(out, o)
	}
	return out, nil
}

// History lists the transitions of record id, oldest first.
func (m *Machine[T]) History(ctx context.Context, q Querier, id int64) ([]Record, error) {
	return History(ctx, q, m.def.Name, id)
}

// History lists the transitions of one record of any workflow, oldest
// first.
func History(ctx context.Context, q Querier, entity string, id int64) ([]Record, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, entity, entity_id, from_state, to_state, action, actor_user_id, actor_email, role, comment, at
		FROM workflow_transitions WHERE entity = $1 AND entity_id = $2 ORDER BY id`, entity, id)
	if err != nil {
		return nil, apperr.Wrap(err, "workflow history")
	}
	defer rows.Close()
	out := []Record{}
	for rows.Next() {
		var r Record
		var actor sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Entity, &r.EntityID, &r.From, &r.To, &r.Action, &actor, &r.ActorEmail, &r.Role, &r.Comment, &r.At); err != nil {
			return nil, apperr.Wrap(err, "workflow history")
		}
		if actor.Valid {
			r.ActorUserID = &actor.Int64
		}
		out = append(out, r)
	}
	return out, apperr.Wrap(rows.Err(), "workflow history")
}
