package registry

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/i18n"
	"rainforest/internal/kernel/ui"
)

// personFields are the inputs of a person form, in order.
var personFields = []struct{ name, typ, autocomplete string }{
	{"name_zh", "text", "off"},
	{"name_en", "text", "off"},
	{"title", "text", "organization-title"},
	{"email", "email", "off"},
	{"phone", "tel", "off"},
}

// personInput is one input of a person form.
type personInput struct {
	ID, Name, Label, Type, Autocomplete string
	Value, Error                        string
}

// personForm is the form that adds a person (ID 0) or changes one.
type personForm struct {
	ID     int64
	Person Person // the person the form changes
	Action string
	Inputs []personInput
	Open   bool // shown unfolded: it came back with errors
	Error  bool
}

// values of a person as a form shows them.
func personValues(p Person) map[string]string {
	return map[string]string{"name_zh": p.NameZh, "name_en": p.NameEn, "title": p.Title, "email": p.Email, "phone": p.Phone}
}

func newPersonForm(lang string, orgID int64, p Person, values, errs map[string]string) personForm {
	f := personForm{ID: p.ID, Person: p, Action: "/orgs/" + strconv.FormatInt(orgID, 10) + "/people"}
	if p.ID != 0 {
		f.Action += "/" + strconv.FormatInt(p.ID, 10)
	}
	label := func(n string) string { return i18n.T(lang, "person."+n) }
	for _, pf := range personFields {
		in := personInput{ID: "p" + strconv.FormatInt(p.ID, 10) + "-" + pf.name, Name: pf.name, Label: label(pf.name),
			Type: pf.typ, Autocomplete: pf.autocomplete, Value: values[pf.name]}
		if msg, ok := errs[pf.name]; ok {
			in.Error = personMessage(lang, msg, label)
			f.Error, f.Open = true, true
		}
		f.Inputs = append(f.Inputs, in)
	}
	return f
}

var atMost = regexp.MustCompile(`^must be at most (\d+) characters`)

// personMessage translates what the person validator says.
func personMessage(lang, msg string, label func(string) string) string {
	switch {
	case strings.HasPrefix(msg, "a name in Chinese or English"):
		return i18n.T(lang, "person.err_name")
	case strings.HasPrefix(msg, "may hold digits"):
		return i18n.T(lang, "person.err_phone")
	}
	if m := atMost.FindStringSubmatch(msg); m != nil {
		return i18n.T(lang, "fielderr.too_long", m[1])
	}
	return ui.FieldMessage(lang, msg, label)
}

// personForms makes the edit form of each person and the add form; failed
// is the form that came back with errors, which keeps what was typed.
func personForms(lang string, orgID int64, people []Person, failed *personForm) []personForm {
	var out []personForm
	pick := func(p Person) personForm {
		if failed != nil && failed.ID == p.ID {
			vals, errs := map[string]string{}, map[string]string{}
			for _, in := range failed.Inputs {
				vals[in.Name] = in.Value
				if in.Error != "" {
					errs[in.Name] = in.Error
				}
			}
			return newPersonForm(lang, orgID, p, vals, errs)
		}
		return newPersonForm(lang, orgID, p, personValues(p), nil)
	}
	for _, p := range people {
		out = append(out, pick(p))
	}
	return append(out, pick(Person{}))
}

// personFormOf reads a person form as it was sent.
func personFormOf(r *http.Request, id int64) (PersonInput, *personForm) {
	f := &personForm{ID: id}
	var in PersonInput
	ptr := map[string]**string{"name_zh": &in.NameZh, "name_en": &in.NameEn, "title": &in.Title, "email": &in.Email, "phone": &in.Phone}
	for _, pf := range personFields {
		v := r.PostForm.Get(pf.name)
		*ptr[pf.name] = &v
		f.Inputs = append(f.Inputs, personInput{Name: pf.name, Value: v})
	}
	return in, f
}

// peopleOf loads the organization of the path for a change to its people:
// sign in first, then only those who may edit it.
func (pg *Pages) peopleOf(r *http.Request) (Org, *auth.Principal, error) {
	o, p, err := pg.editable(r)
	if err != nil {
		return o, p, err
	}
	if err := r.ParseForm(); err != nil {
		return o, p, apperr.New(apperr.Malformed, "unreadable form")
	}
	return o, p, nil
}

// personOf finds the person of the path among the organization's people,
// so that a person of another organization is not found here.
func (pg *Pages) personOf(r *http.Request, p *auth.Principal, o *Org) (Person, error) {
	id, err := strconv.ParseInt(r.PathValue("person_id"), 10, 64)
	if err == nil && id > 0 {
		people, err := pg.S.People(r.Context(), p, o.ID)
		if err != nil {
			return Person{}, err
		}
		for _, ps := range people {
			if ps.ID == id {
				return ps, nil
			}
		}
	}
	return Person{}, apperr.New(apperr.NotFound, "no person %q in organization %d", r.PathValue("person_id"), o.ID)
}

// personFailed re-renders the organization page with the form at fault.
func (pg *Pages) personFailed(w http.ResponseWriter, r *http.Request, o *Org, form *personForm, err error) {
	fe := ui.FormErrorOf(err)
	if fe == nil {
		pg.UI.Error(w, r, err)
		return
	}
	for i := range form.Inputs {
		if msg, ok := fe.Fields[form.Inputs[i].Name]; ok {
			form.Inputs[i].Error = msg
		}
	}
	pg.renderOrg(w, r, http.StatusUnprocessableEntity, o.ID, form)
}

func orgPath(o *Org) string { return "/orgs/" + strconv.FormatInt(o.ID, 10) }

// AddPerson is POST /orgs/{id}/people.
func (pg *Pages) AddPerson(w http.ResponseWriter, r *http.Request) {
	o, p, err := pg.peopleOf(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	in, form := personFormOf(r, 0)
	if _, err := pg.S.CreatePerson(r.Context(), p, o.ID, in); err != nil {
		pg.personFailed(w, r, &o, form, err)
		return
	}
	http.Redirect(w, r, orgPath(&o)+"?flash=flash.person_added#people", http.StatusSeeOther)
}

// SavePerson is POST /orgs/{id}/people/{person_id}.
func (pg *Pages) SavePerson(w http.ResponseWriter, r *http.Request) {
	o, p, err := pg.peopleOf(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	person, err := pg.personOf(r, p, &o)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	in, form := personFormOf(r, person.ID)
	if _, err := pg.S.UpdatePerson(r.Context(), p, person.ID, in); err != nil {
		pg.personFailed(w, r, &o, form, err)
		return
	}
	http.Redirect(w, r, orgPath(&o)+"?flash=flash.person_saved#people", http.StatusSeeOther)
}

// RemovePerson is POST /orgs/{id}/people/{person_id}/delete.
func (pg *Pages) RemovePerson(w http.ResponseWriter, r *http.Request) {
	o, p, err := pg.peopleOf(r)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	person, err := pg.personOf(r, p, &o)
	if err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	if err := pg.S.DeletePerson(r.Context(), p, person.ID); err != nil {
		pg.UI.Error(w, r, err)
		return
	}
	http.Redirect(w, r, orgPath(&o)+"?flash=flash.person_removed#people", http.StatusSeeOther)
}
