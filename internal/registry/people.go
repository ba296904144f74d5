package registry

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/text"
)

// Person is someone an organization names: a founder, a contact, a chief
// engineer. Contact details are private to those who may see the
// organization's private profile.
type Person struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	NameZh    string    `json:"name_zh"`
	NameEn    string    `json:"name_en"`
	Title     string    `json:"title"`
	Email     string    `json:"email,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PersonInput is what creating or changing a person takes.
type PersonInput struct {
	NameZh *string `json:"name_zh"`
	NameEn *string `json:"name_en"`
	Title  *string `json:"title"`
	Email  *string `json:"email"`
	Phone  *string `json:"phone"`
}

func (in PersonInput) apply(p *Person) error {
	var fs []apperr.FieldError
	set := func(dst *string, src *string, field string, max int) {
		if src == nil {
			return
		}
		v := strings.TrimSpace(*src)
		if msg := text.Line(v); msg != "" {
			fs = append(fs, apperr.FieldError{Field: field, Message: msg})
			return
		}
		if utf8.RuneCountInString(v) > max {
			fs = append(fs, apperr.FieldError{Field: field, Message: "must be at most " + strconv.Itoa(max) + " characters of text"})
			return
		}
		*dst = v
	}
	set(&p.NameZh, in.NameZh, "name_zh", 100)
	set(&p.NameEn, in.NameEn, "name_en", 100)
	set(&p.Title, in.Title, "title", 100)
	set(&p.Email, in.Email, "email", 254)
	set(&p.Phone, in.Phone, "phone", 40)
	if p.NameZh == "" && p.NameEn == "" {
		fs = append(fs, apperr.FieldError{Field: "name_zh", Message: "a name in Chinese or English is required"})
	}
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
			fs = append(fs, apperr.FieldError{Field: "email", Message: "is not an e-mail address"})
		}
	}
	if p.Phone != "" && strings.Trim(p.Phone, "+0123456789- ()") != "" {
		fs = append(fs, apperr.FieldError{Field: "phone", Message: "may hold digits, spaces, +, - and brackets only"})
	}
	return apperr.Fields(fs)
}

const personCols = `id, org_id, name_zh, name_en, title, email, phone, created_at, updated_at`

func scanPerson(row interface{ Scan(...any) error }) (Person, error) {
	var p Person
	err := row.Scan(&p.ID, &p.OrgID, &p.NameZh, &p.NameEn, &p.Title, &p.Email, &p.Phone, &p.CreatedAt, &p.UpdatedAt)
	return p, err
}

// People lists an organization's people as pr may see them.
func (s *Service) People(ctx context.Context, pr *auth.Principal, orgID int64) ([]Person, error) {
	o, err := s.Get(ctx, pr, orgID)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+personCols+` FROM people WHERE org_id = $1 ORDER BY id`, orgID)
	if err != nil {
		return nil, apperr.Wrap(err, "people")
	}
	defer rows.Close()
	private := CanSeePrivate(pr, &o)
	out := []Person{}
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, apperr.Wrap(err, "people scan")
		}
		if !private {
			p.Email, p.Phone = "", ""
		}
		out = append(out, p)
	}
	return out, apperr.Wrap(rows.Err(), "people")
}

// CreatePerson adds a person to an organization (its members, admins).
func (s *Service) CreatePerson(ctx context.Context, pr *auth.Principal, orgID int64, in PersonInput) (Person, error) {
	o, err := s.Get(ctx, pr, orgID)
	if err != nil {
		return Person{}, err
	}
	if !CanEdit(pr, &o) {
		return Person{}, apperr.New(apperr.Forbidden, "only the organization's members may add people")
	}
	p := Person{OrgID: orgID}
	if err := in.apply(&p); err != nil {
		return Person{}, err
	}
	now := s.DB.Now()
	p.CreatedAt, p.UpdatedAt = now, now
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO people (org_id, name_zh, name_en, title, email, phone, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, orgID, p.NameZh, p.NameEn, p.Title, p.Email, p.Phone, now).Scan(&p.ID); err != nil {
			return apperr.Wrap(err, "insert person")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: orgID, Action: "create", Entity: "person", EntityID: strconv.FormatInt(p.ID, 10), After: p})
	})
	return p, err
}

// personFor loads a person and checks that pr may change them; people of
// organizations pr cannot edit are "not found" unless pr may see them.
func (s *Service) personFor(ctx context.Context, tx *sql.Tx, pr *auth.Principal, id int64) (Person, error) {
	p, err := scanPerson(tx.QueryRowContext(ctx, `SELECT `+personCols+` FROM people WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "no person %d", id)
	}
	if err != nil {
		return p, apperr.Wrap(err, "get person")
	}
	if pr == nil {
		return p, apperr.New(apperr.Unauthorized, "sign in")
	}
	if !pr.IsAdmin() && pr.RoleIn(p.OrgID) == "" {
		return p, apperr.New(apperr.Forbidden, "only the organization's members may change its people")
	}
	return p, nil
}

// UpdatePerson changes a person.
func (s *Service) UpdatePerson(ctx context.Context, pr *auth.Principal, id int64, in PersonInput) (Person, error) {
	var after Person
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.personFor(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		after = before
		if err := in.apply(&after); err != nil {
			return err
		}
		after.UpdatedAt = now
		if _, err := tx.ExecContext(ctx, `UPDATE people SET name_zh = $1, name_en = $2, title = $3, email = $4, phone = $5, updated_at = $6 WHERE id = $7`,
			after.NameZh, after.NameEn, after.Title, after.Email, after.Phone, now, id); err != nil {
			return apperr.Wrap(err, "update person")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: after.OrgID, Action: "update", Entity: "person", EntityID: strconv.FormatInt(id, 10), Before: before, After: after})
	})
	return after, err
}

// DeletePerson removes a person.
func (s *Service) DeletePerson(ctx context.Context, pr *auth.Principal, id int64) error {
	now := s.DB.Now()
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.personFor(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM people WHERE id = $1`, id); err != nil {
			return apperr.Wrap(err, "delete person")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: before.OrgID, Action: "delete", Entity: "person", EntityID: strconv.FormatInt(id, 10), Before: before})
	})
}

// ListPeople is GET /api/v1/orgs/{id}/people.
func (a *API) ListPeople(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	ps, err := a.S.People(r.Context(), auth.From(r.Context()), id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": ps})
}

// CreatePerson is POST /api/v1/orgs/{id}/people.
func (a *API) CreatePerson(w http.ResponseWriter, r *http.Request) {
	pr, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var in PersonInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	p, err := a.S.CreatePerson(r.Context(), pr, id, in)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/people/"+strconv.FormatInt(p.ID, 10))
	httpx.JSON(w, http.StatusCreated, p)
}

// PatchPerson is PATCH /api/v1/people/{id}.
func (a *API) PatchPerson(w http.ResponseWriter, r *http.Request) {
	pr, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var in PersonInput
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.Error(w, r, err)
		return
	}
	p, err := a.S.UpdatePerson(r.Context(), pr, id, in)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, p)
}

// DeletePerson is DELETE /api/v1/people/{id}.
func (a *API) DeletePerson(w http.ResponseWriter, r *http.Request) {
	pr, err := httpx.User(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if err := a.S.DeletePerson(r.Context(), pr, id); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
