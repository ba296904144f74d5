// Package auth holds accounts, memberships, platform roles, sessions and API
// tokens, and the Principal that every permission check reads.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/text"
)

// Platform roles.
const (
	RoleAdmin   = "admin"
	RoleOfficer = "officer"
)

// Organization roles.
const (
	OrgOwner  = "owner"
	OrgMember = "member"
)

const (
	SessionTTL      = 7 * 24 * time.Hour
	MinPasswordLen  = 8
	failureWindow   = 15 * time.Minute
	maxFailsByEmail = 5
	maxFailsByIP    = 30
)

// User is an account.
type User struct {
	ID           int64        `json:"id"`
	Email        string       `json:"email"`
	Name         string       `json:"name"`
	PlatformRole string       `json:"platform_role"`
	Locale       string       `json:"locale"`
	Disabled     bool         `json:"disabled"`
	CreatedAt    time.Time    `json:"created_at"`
	Memberships  []Membership `json:"memberships"`
	passwordHash string
}

// Membership is a user's role in an organization.
type Membership struct {
	OrgID    int64  `json:"org_id"`
	Role     string `json:"role"`
	OrgName  string `json:"org_name"`
	OrgKind  string `json:"org_kind"`
	District string `json:"district"`
}

// Principal is the authenticated user of a request with what permission
// checks need. A nil *Principal is the anonymous public.
type Principal struct {
	UserID      int64
	Email       string
	Name        string
	Role        string
	Locale      string
	Memberships []Membership
}

// IsAdmin reports whether p is a platform administrator.
func (p *Principal) IsAdmin() bool { return p != nil && p.Role == RoleAdmin }

// IsOfficer reports whether p is a government officer.
func (p *Principal) IsOfficer() bool { return p != nil && p.Role == RoleOfficer }

// OfficerDistricts lists the districts p acts for: those of the government
// agencies p belongs to.
func (p *Principal) OfficerDistricts() []string {
	if !p.IsOfficer() {
		return nil
	}
	var ds []string
	for _, m := range p.Memberships {
		if m.OrgKind == "agency" && m.District != "" && !slices.Contains(ds, m.District) {
			ds = append(ds, m.District)
		}
	}
	return ds
}

// OfficerFor reports whether p is an officer acting for district.
func (p *Principal) OfficerFor(district string) bool {
	return district != "" && slices.Contains(p.OfficerDistricts(), district)
}

// RoleIn returns p's role in the organization, "" if none.
func (p *Principal) RoleIn(orgID int64) string {
	if p == nil {
		return ""
	}
	for _, m := range p.Memberships {
		if m.OrgID == orgID {
			return m.Role
		}
	}
	return ""
}

// OrgIDs lists the organizations p belongs to.
func (p *Principal) OrgIDs() []int64 {
	ids := []int64{}
	if p != nil {
		for _, m := range p.Memberships {
			ids = append(ids, m.OrgID)
		}
	}
	return ids
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p, and the audit actor.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	ctx = context.WithValue(ctx, ctxKey{}, p)
	if p != nil {
		ctx = audit.WithActor(ctx, audit.Actor{UserID: p.UserID, Email: p.Email})
	}
	return ctx
}

// From returns the principal carried by ctx; nil for the public.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

// Service is the accounts store.
type Service struct {
	DB *db.DB
}

// NewUser is what creating an account takes.
type NewUser struct {
	Email        string `json:"email"`
	Name         string `json:"name"`
	Password     string `json:"password"`
	PlatformRole string `json:"platform_role"`
	Locale       string `json:"locale"`
	// AllowWeakPassword lets the demo seed its well-known passwords.
	AllowWeakPassword bool `json:"-"`
}

// NormalizeEmail trims and lower-cases an address and checks its form.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", errors.New("is required")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", errors.New("is not an e-mail address")
	}
	return s, nil
}

func checkRole(role string) error {
	switch role {
	case "", RoleAdmin, RoleOfficer:
		return nil
	}
	return errors.New("must be admin, officer or empty")
}

func checkPassword(pw string, weakOK bool) error {
	if !weakOK && utf8.RuneCountInString(pw) < MinPasswordLen {
		return errors.New("must be at least 8 characters")
	}
	if pw == "" {
		return errors.New("is required")
	}
	if len(pw) > 1024 {
		return errors.New("is too long")
	}
	return nil
}

// CreateUser adds an account.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	var fs []apperr.FieldError
	email, err := NormalizeEmail(nu.Email)
	if err != nil {
		fs = append(fs, apperr.FieldError{Field: "email", Message: err.Error()})
	}
	nu.Name = strings.TrimSpace(nu.Name)
	if msg := text.Line(nu.Name); msg != "" {
		fs = append(fs, apperr.FieldError{Field: "name", Message: msg})
	} else if nu.Name == "" || utf8.RuneCountInString(nu.Name) > 200 {
		fs = append(fs, apperr.FieldError{Field: "name", Message: "is required (at most 200 characters)"})
	}
	if err := checkPassword(nu.Password, nu.AllowWeakPassword); err != nil {
		fs = append(fs, apperr.FieldError{Field: "password", Message: err.Error()})
	}
	if err := checkRole(nu.PlatformRole); err != nil {
		fs = append(fs, apperr.FieldError{Field: "platform_role", Message: err.Error()})
	}
	if nu.Locale != "" && nu.Locale != "zh" && nu.Locale != "en" {
		fs = append(fs, apperr.FieldError{Field: "locale", Message: "must be zh or en"})
	}
	if err := apperr.Fields(fs); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return User{}, apperr.Wrap(err, "hash password")
	}
	now := s.DB.Now()
	u := User{Email: email, Name: nu.Name, PlatformRole: nu.PlatformRole, Locale: nu.Locale, CreatedAt: now, Memberships: []Membership{}}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := InsertUserTx(ctx, tx, &u, hash); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "create", Entity: "user", EntityID: itoa(u.ID), After: u})
	})
	return u, err
}

const userCols = `id, email, name, password_hash, platform_role, locale, disabled, created_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.passwordHash, &u.PlatformRole, &u.Locale, &u.Disabled, &u.CreatedAt)
	return u, err
}

// GetUser returns one account with its memberships.
func (s *Service) GetUser(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.DB.Read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, apperr.New(apperr.NotFound, "no user %d", id)
	}
	if err != nil {
		return User{}, apperr.Wrap(err, "get user")
	}
	u.Memberships, err = s.memberships(ctx, s.DB.Read, id)
	return u, err
}

// UserByEmail returns one account by address.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := scanUser(s.DB.Read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = $1`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, apperr.New(apperr.NotFound, "no user with e-mail %s", email)
	}
	if err != nil {
		return User{}, apperr.Wrap(err, "get user")
	}
	u.Memberships, err = s.memberships(ctx, s.DB.Read, u.ID)
	return u, err
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (s *Service) memberships(ctx context.Context, q querier, userID int64) ([]Membership, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.org_id, m.role, o.name_zh, o.kind, COALESCE(o.registered_district, '')
		FROM memberships m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY m.org_id`, userID)
	if err != nil {
		return nil, apperr.Wrap(err, "memberships")
	}
	defer rows.Close()
	ms := []Membership{}
	for rows.Next() {
		var m Membership
		if err := rows.Scan(&m.OrgID, &m.Role, &m.OrgName, &m.OrgKind, &m.District); err != nil {
			return nil, apperr.Wrap(err, "memberships scan")
		}
		ms = append(ms, m)
	}
	return ms, apperr.Wrap(rows.Err(), "memberships rows")
}

// ListUsers returns accounts ordered by id after the cursor, filtered by a
// substring of e-mail or name.
func (s *Service) ListUsers(ctx context.Context, q string, after int64, limit int) ([]User, int64, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var args db.Args
	sqlq := `SELECT ` + userCols + ` FROM users WHERE id > ` + args.Add(after)
	if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
		p := args.Add("%" + escapeLike(q) + "%")
		sqlq += ` AND (email LIKE ` + p + ` ESCAPE '\' OR LOWER(name) LIKE ` + p + ` ESCAPE '\')`
	}
	sqlq += ` ORDER BY id LIMIT ` + args.Add(limit+1)
	rows, err := s.DB.Read.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return nil, 0, apperr.Wrap(err, "list users")
	}
	var us []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, 0, apperr.Wrap(err, "scan user")
		}
		us = append(us, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, apperr.Wrap(err, "list users")
	}
	var next int64
	if len(us) > limit {
		us = us[:limit]
		next = us[limit-1].ID
	}
	for i := range us {
		if us[i].Memberships, err = s.memberships(ctx, s.DB.Read, us[i].ID); err != nil {
			return nil, 0, err
		}
	}
	if us == nil {
		us = []User{}
	}
	return us, next, nil
}

// UserPatch changes an account; nil fields stay as they are.
type UserPatch struct {
	Name         *string `json:"name"`
	PlatformRole *string `json:"platform_role"`
	Locale       *string `json:"locale"`
	Disabled     *bool   `json:"disabled"`
	Password     *string `json:"password"`
}

// UpdateUser applies a patch.
func (s *Service) UpdateUser(ctx context.Context, id int64, p UserPatch) (User, error) {
	var fs []apperr.FieldError
	if p.Name != nil {
		n := strings.TrimSpace(*p.Name)
		if msg := text.Line(n); msg != "" {
			fs = append(fs, apperr.FieldError{Field: "name", Message: msg})
		} else if n == "" || utf8.RuneCountInString(n) > 200 {
			fs = append(fs, apperr.FieldError{Field: "name", Message: "is required (at most 200 characters)"})
		}
		p.Name = &n
	}
	if p.PlatformRole != nil {
		if err := checkRole(*p.PlatformRole); err != nil {
			fs = append(fs, apperr.FieldError{Field: "platform_role", Message: err.Error()})
		}
	}
	if p.Locale != nil && *p.Locale != "" && *p.Locale != "zh" && *p.Locale != "en" {
		fs = append(fs, apperr.FieldError{Field: "locale", Message: "must be zh or en"})
	}
	if p.Password != nil {
		if err := checkPassword(*p.Password, false); err != nil {
			fs = append(fs, apperr.FieldError{Field: "password", Message: err.Error()})
		}
	}
	if err := apperr.Fields(fs); err != nil {
		return User{}, err
	}
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no user %d", id)
		}
		if err != nil {
			return apperr.Wrap(err, "get user")
		}
		after := before
		hash := before.passwordHash
		if p.Name != nil {
			after.Name = *p.Name
		}
		if p.PlatformRole != nil {
			after.PlatformRole = *p.PlatformRole
		}
		if p.Locale != nil {
			after.Locale = *p.Locale
		}
		if p.Disabled != nil {
			after.Disabled = *p.Disabled
		}
		if p.Password != nil {
			if hash, err = HashPassword(*p.Password); err != nil {
				return apperr.Wrap(err, "hash")
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, platform_role = $2, locale = $3, disabled = $4, password_hash = $5, updated_at = $6 WHERE id = $7`,
			after.Name, after.PlatformRole, after.Locale, after.Disabled, hash, now, id); err != nil {
			return apperr.Wrap(err, "update user")
		}
		if after.Disabled || p.Password != nil {
			// A disabled account or a new password ends every session.
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return apperr.Wrap(err, "end sessions")
			}
		}
		type view struct {
			Name, PlatformRole, Locale string
			Disabled, PasswordChanged  bool
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "update", Entity: "user", EntityID: itoa(id),
			Before: view{before.Name, before.PlatformRole, before.Locale, before.Disabled, false},
			After:  view{after.Name, after.PlatformRole, after.Locale, after.Disabled, p.Password != nil}})
	})
	if err != nil {
		return User{}, err
	}
	return s.GetUser(ctx, id)
}

// SetMembership gives a user a role in an organization (adding or changing).
func (s *Service) SetMembership(ctx context.Context, userID, orgID int64, role string) error {
	if role != OrgOwner && role != OrgMember {
		return apperr.Field("role", "must be owner or member")
	}
	now := s.DB.Now()
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var before sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT role FROM memberships WHERE user_id = $1 AND org_id = $2`, userID, orgID).Scan(&before)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return apperr.Wrap(err, "get membership")
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role`, userID, orgID, role, now)
		if db.IsForeignKeyViolation(err) {
			return apperr.New(apperr.NotFound, "no such user or organization")
		}
		if err != nil {
			return apperr.Wrap(err, "set membership")
		}
		var b any
		if before.Valid {
			b = map[string]any{"user_id": userID, "org_id": orgID, "role": before.String}
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: orgID, Action: "set", Entity: "membership",
			EntityID: itoa(userID) + ":" + itoa(orgID), Before: b,
			After: map[string]any{"user_id": userID, "org_id": orgID, "role": role}})
	})
}

// RemoveMembership takes a user out of an organization.
func (s *Service) RemoveMembership(ctx context.Context, userID, orgID int64) error {
	now := s.DB.Now()
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var role string
		err := tx.QueryRowContext(ctx, `SELECT role FROM memberships WHERE user_id = $1 AND org_id = $2`, userID, orgID).Scan(&role)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "user %d is not a member of organization %d", userID, orgID)
		}
		if err != nil {
			return apperr.Wrap(err, "get membership")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE user_id = $1 AND org_id = $2`, userID, orgID); err != nil {
			return apperr.Wrap(err, "delete membership")
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: orgID, Action: "delete", Entity: "membership",
			EntityID: itoa(userID) + ":" + itoa(orgID), Before: map[string]any{"user_id": userID, "org_id": orgID, "role": role}})
	})
}

// Login checks credentials. Failed attempts are counted per e-mail and per
// client address; past the limit the answer is TooMany until the window
// passes, whatever the password.
func (s *Service) Login(ctx context.Context, email, password, ip string) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	// No account's address holds a NUL or bytes that are not UTF-8, and
	// PostgreSQL cannot compare or record such text: make it plain text
	// that matches nobody, so that it fails (and counts) like any other
	// wrong address on both engines.
	email = strings.ToValidUTF8(strings.ReplaceAll(email, "\x00", "\uFFFD"), "\uFFFD")
	now := s.DB.Now()
	since := now.Add(-failureWindow)
	var byEmail, byIP int
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at > $2`, email, since).Scan(&byEmail); err != nil {
		return User{}, apperr.Wrap(err, "count failures")
	}
	if err := s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures WHERE ip = $1 AND at > $2`, ip, since).Scan(&byIP); err != nil {
		return User{}, apperr.Wrap(err, "count failures")
	}
	if byEmail >= maxFailsByEmail || byIP >= maxFailsByIP {
		return User{}, &apperr.Error{Code: apperr.TooMany, Message: "too many failed logins; try again later", RetryAfter: int(failureWindow.Seconds())}
	}
	u, err := scanUser(s.DB.Read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = $1`, email))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return User{}, apperr.Wrap(err, "get user")
	}
	ok := false
	if err == nil {
		ok = CheckPassword(u.passwordHash, password) && !u.Disabled
	} else {
		CheckPassword(dummyHash, password)
	}
	if !ok {
		if _, err := s.DB.Write.ExecContext(ctx, `INSERT INTO login_failures (email, ip, at) VALUES ($1, $2, $3)`, email, ip, now); err != nil {
			return User{}, apperr.Wrap(err, "record failure")
		}
		return User{}, apperr.New(apperr.Unauthorized, "wrong e-mail or password")
	}
	if _, err := s.DB.Write.ExecContext(ctx, `DELETE FROM login_failures WHERE email = $1 OR at < $2`, email, since); err != nil {
		return User{}, apperr.Wrap(err, "clear failures")
	}
	u.Memberships, err = s.memberships(ctx, s.DB.Read, u.ID)
	return u, err
}

func newSecret(prefix string) (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashSecret(token)
}

func hashSecret(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// NewSession starts a web session and returns its cookie value.
func (s *Service) NewSession(ctx context.Context, userID int64) (string, time.Time, error) {
	token, hash := newSecret("")
	now := s.DB.Now()
	exp := now.Add(SessionTTL)
	_, err := s.DB.Write.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`, hash, userID, now, exp)
	return token, exp, apperr.Wrap(err, "new session")
}

// EndSession deletes a session.
func (s *Service) EndSession(ctx context.Context, token string) error {
	_, err := s.DB.Write.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashSecret(token))
	return apperr.Wrap(err, "end session")
}

// SessionPrincipal returns the user of a live session, nil if there is none.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (*Principal, error) {
	var uid int64
	err := s.DB.Read.QueryRowContext(ctx, `SELECT s.user_id FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled`, hashSecret(token), s.DB.Now()).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Wrap(err, "session")
	}
	return s.Principal(ctx, uid)
}

// NewToken issues an API bearer token.
func (s *Service) NewToken(ctx context.Context, userID int64, name string) (string, error) {
	token, hash := newSecret("rf_")
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id`, hash, userID, name, now).Scan(&id)
		if db.IsForeignKeyViolation(err) {
			return apperr.New(apperr.NotFound, "no user %d", userID)
		}
		if err != nil {
			return apperr.Wrap(err, "new token")
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "create", Entity: "api_token", EntityID: itoa(id),
			After: map[string]any{"user_id": userID, "name": name}})
	})
	return token, err
}

// TokenPrincipal returns the user of a live API token, nil if there is none.
func (s *Service) TokenPrincipal(ctx context.Context, token string) (*Principal, error) {
	var uid int64
	err := s.DB.Read.QueryRowContext(ctx, `SELECT t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) AND NOT u.disabled`,
		hashSecret(token), s.DB.Now()).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Wrap(err, "token")
	}
	return s.Principal(ctx, uid)
}

// Principal loads what permission checks need about a user.
func (s *Service) Principal(ctx context.Context, userID int64) (*Principal, error) {
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	return &Principal{UserID: u.ID, Email: u.Email, Name: u.Name, Role: u.PlatformRole, Locale: u.Locale, Memberships: u.Memberships}, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Member is a user as listed among an organization's members.
type Member struct {
	UserID int64  `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	Role   string `json:"role"`
}

// Members lists the members of an organization, owners first.
func (s *Service) Members(ctx context.Context, orgID int64) ([]Member, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT u.id, u.email, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = $1 ORDER BY m.role DESC, u.email`, orgID)
	if err != nil {
		return nil, apperr.Wrap(err, "members")
	}
	defer rows.Close()
	ms := []Member{}
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.Email, &m.Name, &m.Role); err != nil {
			return nil, apperr.Wrap(err, "members scan")
		}
		ms = append(ms, m)
	}
	return ms, apperr.Wrap(rows.Err(), "members")
}

// InsertUserTx writes a new account inside the caller's transaction, with
// a password hash made by HashPassword; the demo seed uses it.
func InsertUserTx(ctx context.Context, tx *sql.Tx, u *User, hash string) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, platform_role, locale, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, u.Email, u.Name, hash, u.PlatformRole, u.Locale, u.CreatedAt).Scan(&u.ID)
	if db.IsUniqueViolation(err) {
		return apperr.Field("email", "is already registered")
	}
	return apperr.Wrap(err, "insert user")
}

// AddMemberTx gives a user a role in an organization inside the caller's
// transaction.
func AddMemberTx(ctx context.Context, tx *sql.Tx, userID, orgID int64, role string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ($1, $2, $3, $4)`, userID, orgID, role, now)
	return apperr.Wrap(err, "add member")
}
