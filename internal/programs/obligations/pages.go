package obligations

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ledger"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/kernel/workflow"
)

// Pages serves the obligations' web pages; their templates are among the
// programs' (clawback*.html, obligation*.html).
type Pages struct {
	S  *Service
	UI *ui.Renderer
}

// CatalogKeys lists the catalog keys the pages build from vocabularies,
// for the catalog completeness test.
func CatalogKeys() []string {
	var ks []string
	for _, s := range Statuses {
		ks = append(ks, "clawback.status."+s)
	}
	for _, r := range []string{"registered_district", "tax_district", "both"} {
		ks = append(ks, "clawback.reason."+r)
	}
	return append(ks, "obligation.status.running", "obligation.status.fulfilled")
}

func user(r *http.Request) (*auth.Principal, error) {
	p := auth.From(r.Context())
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	return p, nil
}

// districtName names a district in lang, or the slug.
func (pg *Pages) districtName(ctx context.Context, lang string, slug *string) string {
	if slug == nil || *slug == "" {
		return "—"
	}
	if pg.S.Registry != nil {
		if ds, err := pg.S.Registry.Districts(ctx); err == nil {
			for _, d := range ds {
				if d.Slug == *slug {
					return pick(lang, d.NameZh, d.NameEn)
				}
			}
		}
	}
	return *slug
}

// caseRow is a case as a page shows it.
type caseRow struct {
	Case
	Org, Program, Status, Reason string
	Due, Award                   string
	From, To                     string
}

func (pg *Pages) rowOf(ctx context.Context, lang string, c Case) caseRow {
	from := pg.districtName(ctx, lang, c.RegisteredBefore) + " / " + pg.districtName(ctx, lang, c.TaxBefore)
	to := pg.districtName(ctx, lang, c.RegisteredAfter) + " / " + pg.districtName(ctx, lang, c.TaxAfter)
	return caseRow{Case: c, Org: c.Name(lang), Program: c.Title(lang),
		Status: i18n.T(lang, "clawback.status."+c.Status), Reason: i18n.T(lang, "clawback.reason."+c.Reason),
		Due: "¥" + ledger.Yuan(c.AmountDueFen), Award: "¥" + ledger.Yuan(c.AwardFen), From: from, To: to}
}

type listData struct {
	Status   string
	Statuses []ui.Option
	Rows     []caseRow
	Next     *string
}

// List is GET /clawbacks: the officer's clawback cases.
func (pg *Pages) List(w http.ResponseWriter, r *http.Request) {
	p, err := user(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	f, err := FilterOf(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	l, err := pg.S.List(r.Context(), p, f)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	lang := ui.Lang(r.Context())
	d := listData{Status: f.Status, Next: l.NextCursor,
		Statuses: ui.Options(Statuses, func(s string) string { return i18n.T(lang, "clawback.status."+s) }, f.Status)}
	for _, c := range l.Items {
		d.Rows = append(d.Rows, pg.rowOf(r.Context(), lang, c))
	}
	pg.UI.Render(w, r, http.StatusOK, "clawbacks", ui.NewPage(r, "clawback.list", d))
}

type action struct {
	workflow.Option
	Label string
}

type caseData struct {
	caseRow
	District  string
	Manage    bool
	Actions   []action
	History   []historyRow
	Error     string
	Notes     string
	DueOn     string
	LedgerKey string
}

type historyRow struct {
	workflow.Record
	Action, To string
}

func (pg *Pages) caseData(ctx context.Context, lang string, p *auth.Principal, id int64) (caseData, error) {
	d, err := pg.S.Detail(ctx, p, id)
	if err != nil {
		return caseData{}, err
	}
	out := caseData{caseRow: pg.rowOf(ctx, lang, d.Case), District: pg.districtName(ctx, lang, &d.District), Manage: CanManage(p, &d.Case),
		Notes: d.Notes, DueOn: d.DueOn}
	if d.JournalID != nil {
		out.LedgerKey = RepayKey(d.ID)
	}
	for _, o := range d.Actions {
		out.Actions = append(out.Actions, action{Option: o, Label: o.Label(lang)})
	}
	for _, h := range d.History {
		out.History = append(out.History, historyRow{Record: h, Action: pg.S.machine.ActionLabel(h.Action, lang), To: pg.S.machine.StateLabel(h.To, lang)})
	}
	return out, nil
}

// Case is GET /clawbacks/{id}: the case, its history and the officers'
// actions.
func (pg *Pages) Case(w http.ResponseWriter, r *http.Request) {
	p, err := user(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	d, err := pg.caseData(r.Context(), ui.Lang(r.Context()), p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	pg.UI.Render(w, r, http.StatusOK, "clawback", ui.NewPage(r, "clawback.title", d))
}

// again shows the case page with the error of a refused form and what
// was typed.
func (pg *Pages) again(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, err error, notes, due string) {
	fe := ui.FormErrorOf(err)
	if fe == nil {
		pg.UI.Error(w, r, err)
		return
	}
	lang := ui.Lang(r.Context())
	d, lerr := pg.caseData(r.Context(), lang, p, id)
	if lerr != nil {
		pg.UI.Error(w, r, lerr)
		return
	}
	var msgs []string
	for field, m := range fe.Fields {
		msgs = append(msgs, i18n.T(lang, "clawback.field."+field)+": "+ui.FieldMessage(lang, m, nil))
	}
	if len(msgs) == 0 {
		msgs = append(msgs, fe.Message)
	}
	d.Error = strings.Join(msgs, "; ")
	d.Notes, d.DueOn = notes, due
	pg.UI.Render(w, r, httpx.ProblemFor(r, err).Status, "clawback", ui.NewPage(r, "clawback.title", d))
}

func optional(v string) *string {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	return &v
}

// Save is POST /clawbacks/{id}/notes: notes and due date.
func (pg *Pages) Save(w http.ResponseWriter, r *http.Request) {
	p, err := user(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	notes, due := r.PostForm.Get("notes"), r.PostForm.Get("due_on")
	ch := Change{Notes: &notes, DueOn: optional(due)}
	if v, err := strconv.Atoi(r.PostForm.Get("version")); err == nil {
		ch.Version = &v
	}
	if _, err := pg.S.Update(r.Context(), p, id, ch); err != nil {
		pg.again(w, r, p, id, err, notes, due)
		return
	}
	http.Redirect(w, r, "/clawbacks/"+strconv.FormatInt(id, 10)+"?flash=flash.clawback_saved", http.StatusSeeOther)
}

// Act is POST /clawbacks/{id}/act: agree, waive or repay, named by the
// form's action field.
func (pg *Pages) Act(w http.ResponseWriter, r *http.Request) {
	p, err := user(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pg.UI.Error(w, r, apperr.New(apperr.Malformed, "unreadable form"))
		return
	}
	act := r.PostForm.Get("action")
	in := Action{Comment: r.PostForm.Get("comment")}
	switch act {
	case "agree":
		in.DueOn = optional(r.PostForm.Get("due_on"))
	case "repay":
		in.PaidOn = optional(r.PostForm.Get("paid_on"))
	}
	if v, err := strconv.Atoi(r.PostForm.Get("version")); err == nil {
		in.Version = &v
	}
	if _, err := pg.S.Act(r.Context(), p, id, act, in); err != nil {
		pg.again(w, r, p, id, err, "", "")
		return
	}
	http.Redirect(w, r, "/clawbacks/"+strconv.FormatInt(id, 10)+"?flash=flash.clawback_"+act, http.StatusSeeOther)
}

type obligationRow struct {
	Obligation
	Program, Status, Amount, Due, District string
}

type orgData struct {
	OrgID int64
	Name  string
	Today string
	Rows  []obligationRow
}

// Org is GET /orgs/{id}/obligations: what an organization owes for its
// awards, and until when.
func (pg *Pages) Org(w http.ResponseWriter, r *http.Request) {
	p, err := user(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	o, err := pg.S.Registry.Get(r.Context(), p, id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	items, err := pg.S.OrgObligations(r.Context(), p, o.ID, o.RegisteredDistrict)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	lang := ui.Lang(r.Context())
	d := orgData{OrgID: o.ID, Name: pick(lang, o.NameZh, o.NameEn), Today: pg.S.Today()}
	for _, it := range items {
		row := obligationRow{Obligation: it, Program: it.Title(lang), Amount: "¥" + ledger.Yuan(it.AmountFen), District: pg.districtName(r.Context(), lang, it.District)}
		if it.CaseID != nil {
			row.Status = i18n.T(lang, "clawback.status."+it.Status)
		} else {
			row.Status = i18n.T(lang, "obligation.status."+it.Status)
		}
		if it.AmountDueFen != nil {
			row.Due = "¥" + ledger.Yuan(*it.AmountDueFen)
		}
		d.Rows = append(d.Rows, row)
	}
	pg.UI.Render(w, r, http.StatusOK, "obligations", ui.NewPage(r, "obligation.title", d))
}
