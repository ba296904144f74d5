package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rainforest/internal/kernel/auth"
)

// The directory's first pages are what everyone asks for, over and over:
// the encoded answers are kept for a moment, per caller's view and query.
// Every write to organizations through the Service bumps a generation
// number after it commits, which invalidates the whole cache at once; the
// short lifetime bounds staleness from writers outside this process (the
// command-line importer, another server on the same database).
const (
	listCacheTTL = 2 * time.Second
	listCacheMax = 4096
	stmtCacheMax = 256
)

type listCache struct {
	gen atomic.Uint64
	mu  sync.Mutex
	m   map[string]listEntry
}

type listEntry struct {
	gen  uint64
	at   time.Time
	body []byte
}

// Changed tells the Service that organizations changed outside its own
// methods (the demo seed, a bulk load); its own writes call it themselves.
func (s *Service) Changed() { s.cache.gen.Add(1) }

// tx runs fn in a write transaction and invalidates the directory cache
// after it ends.
func (s *Service) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	err := s.DB.Tx(ctx, fn)
	s.Changed()
	return err
}

// viewKey identifies what a principal may see of the directory: the
// public, or a user with given roles and memberships.
func viewKey(p *auth.Principal) string {
	if p == nil {
		return "-"
	}
	var b strings.Builder
	b.WriteString(strconv.FormatInt(p.UserID, 10))
	b.WriteByte('|')
	b.WriteString(p.Role)
	for _, m := range p.Memberships {
		b.WriteByte('|')
		b.WriteString(strconv.FormatInt(m.OrgID, 10))
		b.WriteByte(':')
		b.WriteString(m.Role)
		b.WriteByte(':')
		b.WriteString(m.OrgKind)
		b.WriteByte(':')
		b.WriteString(m.District)
	}
	return b.String()
}

// ListJSON is List encoded as JSON, served from the cache when an answer
// for the same view and query is fresh.
func (s *Service) ListJSON(ctx context.Context, p *auth.Principal, f Filter, rawQuery string) ([]byte, error) {
	key := viewKey(p) + "?" + rawQuery
	gen := s.cache.gen.Load()
	now := time.Now()
	s.cache.mu.Lock()
	e, ok := s.cache.m[key]
	s.cache.mu.Unlock()
	if ok && e.gen == gen && now.Sub(e.at) < listCacheTTL {
		return e.body, nil
	}
	pg, err := s.List(ctx, p, f)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(pg)
	if err != nil {
		return nil, err
	}
	body = append(body, '\n')
	s.cache.mu.Lock()
	if s.cache.m == nil || len(s.cache.m) >= listCacheMax {
		s.cache.m = make(map[string]listEntry)
	}
	s.cache.m[key] = listEntry{gen: gen, at: now, body: body}
	s.cache.mu.Unlock()
	return body, nil
}

// stmt returns a prepared statement of the read pool for one of the
// directory's query shapes; temporary is true when the statement was not
// kept (too many shapes) and the caller must close it.
func (s *Service) stmt(ctx context.Context, q string) (st *sql.Stmt, temporary bool, err error) {
	if v, ok := s.stmts.Load(q); ok {
		return v.(*sql.Stmt), false, nil
	}
	st, err = s.DB.Read.PrepareContext(ctx, q)
	if err != nil {
		return nil, false, err
	}
	if s.nstmts.Add(1) > stmtCacheMax {
		return st, true, nil
	}
	if v, loaded := s.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt), false, nil
	}
	return st, false, nil
}
