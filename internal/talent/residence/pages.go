package residence

import (
	"embed"
	"io/fs"
	"net/http"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/kernel/ui"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the module's page templates.
func Templates() fs.FS { return ui.Templates(templateFS) }

// Pages serves the module's HTML pages.
type Pages struct {
	S  *Service
	UI *ui.Renderer
}

// formField is a self-check form field with its rules vocabulary entry.
type formField struct {
	rules.Field
	Value string
	Error string
}

// form lays out the facts of names for the form, with their faults.
func form(names []string, f Facts, err error) []formField {
	fe := ui.FormErrorOf(err)
	var out []formField
	for _, n := range names {
		rf, _ := rules.FieldByName(n)
		x := formField{Field: rf, Value: f.String(n)}
		if fe != nil {
			x.Error = fe.Fields[n]
		}
		out = append(out, x)
	}
	return out
}

// facts reads the self-check from the query; an empty query is the
// signed-in talent's known facts, nothing for the public.
func (pg *Pages) facts(r *http.Request) (Facts, bool, error) {
	q := r.URL.Query()
	if q.Get("check") == "" {
		f, err := pg.S.Prefill(r.Context(), auth.From(r.Context()))
		return f, false, err
	}
	f, err := FactsFromForm(q.Get, pg.S.Today())
	if err != nil {
		// Show what was typed back in the form.
		typed := Facts{}
		for _, k := range FactFields {
			if v := q.Get(k); v != "" {
				typed[k] = v
			}
		}
		return typed, true, err
	}
	return f, true, nil
}

type checkData struct {
	Fields  []formField
	Check   *Check
	Invalid string
	Routes  []*rules.RuleSet
}

// Check is GET /talent/residence: the permanent-residence self-check;
// prefilled for a signed-in talent, nothing stored.
func (pg *Pages) Check(w http.ResponseWriter, r *http.Request) {
	f, asked, err := pg.facts(r)
	if err != nil && apperr.CodeOf(err) != apperr.Invalid {
		pg.UI.Error(w, r, err)
		return
	}
	d := checkData{Fields: form([]string{"months_in_zone", "salary_yuan", "income_tax_yuan", "talent_class"}, f, err), Routes: Routes}
	if err != nil {
		d.Invalid = apperr.As(err).Message
	} else if asked {
		c, err := CheckResidence(f, pg.S.Today())
		if err != nil {
			pg.UI.Error(w, r, err)
			return
		}
		d.Check = &c
	}
	status := http.StatusOK
	if d.Invalid != "" {
		status = http.StatusUnprocessableEntity
	}
	pg.UI.Render(w, r, status, "residence_check", ui.NewPage(r, "residence.title", d))
}

type programsData struct {
	Programs []Program
}

// Programs is GET /talent/programs.
func (pg *Pages) Programs(w http.ResponseWriter, r *http.Request) {
	pg.UI.Render(w, r, http.StatusOK, "residence_programs", ui.NewPage(r, "residence.programs", programsData{Programs}))
}

type programData struct {
	Program
	Spec   *rules.Spec
	Params map[string]any
	Fields []formField
	// ApplyFields are the facts the application form asks for; the class
	// and the employer's district come from the platform.
	ApplyFields []formField
	Result      *rules.Result
	Invalid     string
	Asked       bool
}

// Program is GET /talent/programs/{slug}: its criteria, the self-check
// and, for a signed-in talent, the application form.
func (pg *Pages) Program(w http.ResponseWriter, r *http.Request) {
	prog, err := ProgramBySlug(r.PathValue("slug"))
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	f, asked, err := pg.facts(r)
	if err != nil && apperr.CodeOf(err) != apperr.Invalid {
		pg.UI.Error(w, r, err)
		return
	}
	params, perr := prog.Rules.ParamValues(pg.S.Today())
	if perr != nil {
		pg.UI.Error(w, r, perr)
		return
	}
	d := programData{Program: prog, Spec: prog.Rules.Spec(), Params: params, Asked: asked,
		Fields: form([]string{"born_on", "tech_field", "registered_district", "talent_class"}, f, err), ApplyFields: form([]string{"born_on", "tech_field"}, f, nil)}
	if err != nil {
		d.Invalid = apperr.As(err).Message
	} else if asked {
		if d.Result, err = Evaluate(prog.Rules, f, pg.S.Today()); err != nil {
			pg.UI.Error(w, r, err)
			return
		}
	}
	status := http.StatusOK
	if d.Invalid != "" {
		status = http.StatusUnprocessableEntity
	}
	pg.UI.Render(w, r, status, "residence_program", ui.NewPage(r, "residence.program", d))
}

// Apply is POST /talent/programs/{slug}/apply.
func (pg *Pages) Apply(w http.ResponseWriter, r *http.Request) {
	if !pg.UI.Form(w, r) {
		return
	}
	in := ApplyInput{Facts: map[string]any{}, Statement: r.PostForm.Get("statement")}
	for _, k := range []string{"born_on", "tech_field"} {
		if v := r.PostForm.Get(k); v != "" {
			in.Facts[k] = v
		}
	}
	a, err := pg.S.Apply(r.Context(), auth.From(r.Context()), r.PathValue("slug"), in)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/talent/program-applications/"+strconv.FormatInt(a.ID, 10)+"?flash=flash.talent_program_applied", http.StatusSeeOther)
}

type listData struct {
	Items  []Application
	State  string
	States []string
	Names  map[string]string
}

// Applications is GET /talent/program-applications: the talent's own, or
// the officer's queue.
func (pg *Pages) Applications(w http.ResponseWriter, r *http.Request) {
	st := r.URL.Query().Get("state")
	as, err := pg.S.Applications(r.Context(), auth.From(r.Context()), Query{State: st})
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	names := map[string]string{}
	for _, p := range Programs {
		names[p.Slug] = p.NameZh
		if ui.Lang(r.Context()) == "en" {
			names[p.Slug] = p.NameEn
		}
	}
	pg.UI.Render(w, r, http.StatusOK, "residence_applications", ui.NewPage(r, "residence.applications",
		listData{Items: as, State: st, States: []string{Submitted, InReview, Approved, Rejected, Withdrawn}, Names: names}))
}

type viewData struct {
	View
	Program Program
}

// Application is GET /talent/program-applications/{id}.
func (pg *Pages) Application(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok {
		return
	}
	v, err := pg.S.View(r.Context(), auth.From(r.Context()), id)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	prog, _ := ProgramBySlug(v.Program)
	pg.UI.Render(w, r, http.StatusOK, "residence_application", ui.NewPage(r, "residence.application", viewData{v, prog}))
}

// Act is POST /talent/program-applications/{id}/act.
func (pg *Pages) Act(w http.ResponseWriter, r *http.Request) {
	id, ok := pg.UI.PathID(w, r)
	if !ok || !pg.UI.Form(w, r) {
		return
	}
	if _, err := pg.S.Act(r.Context(), auth.From(r.Context()), id, r.PostForm.Get("action"), r.PostForm.Get("comment")); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/talent/program-applications/"+strconv.FormatInt(id, 10)+"?flash=flash.talent_program_acted", http.StatusSeeOther)
}
