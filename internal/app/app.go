// Package app wires the kernel and the modules into one HTTP handler: the
// middleware chain, the route table, and the pages and API of accounts and
// audit that belong to no module.
package app

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"rainforest/internal/events"
	"rainforest/internal/finance"
	"rainforest/internal/incubation"
	"rainforest/internal/indicators"
	"rainforest/internal/instruments"
	"rainforest/internal/ip"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/httpx"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/search"
	"rainforest/internal/kernel/ui"
	"rainforest/internal/programs"
	"rainforest/internal/programs/match"
	"rainforest/internal/programs/obligations"
	"rainforest/internal/registry"
	"rainforest/internal/servicedesk"
	"rainforest/internal/talent"
	"rainforest/internal/talent/housing"
	"rainforest/internal/talent/residence"
	"rainforest/internal/transfer"
	"rainforest/internal/vouchers"
)

// Config is what the server is started with.
type Config struct {
	// SecureCookies marks the session cookie Secure even on plain HTTP,
	// for a deployment behind a TLS-terminating proxy.
	SecureCookies bool
	// Quiet logs only server errors (for benchmarks and tests).
	Quiet  bool
	Logger *slog.Logger
}

// App is the running platform.
type App struct {
	DB       *db.DB
	Auth     *auth.Service
	Registry *registry.Service
	Programs *programs.Service
	Notifier *notify.Notifier
	Match    *match.Service
	// Obligations follows award recipients' duty to stay in the district.
	Obligations *obligations.Service
	// IP is the IP marketplace (module M3).
	IP *ip.Service
	// Transfer is technology transfer (module M4).
	Transfer *transfer.Service
	// Vouchers are innovation vouchers (module M6).
	Vouchers *vouchers.Service
	// Finance is sci-tech finance (module M7).
	Finance *finance.Service
	// Instruments are the shared instruments (module M5).
	Instruments *instruments.Service
	// Events are the events of module M9.
	Events *events.Service
	// Indicators are the ecosystem's figures (module M10).
	Indicators *indicators.Service
	// Desk is the government-enterprise service desk (module M11).
	Desk *servicedesk.Service
	// Incubation is incubators and their tenants (module M9).
	Incubation *incubation.Service
	// Talent is foreign-talent work permits (module M8).
	Talent *talent.Service
	// Housing is talent apartments (module M8).
	Housing *housing.Service
	// Residence is the permanent-residence self-check and the district
	// talent programs (module M8).
	Residence *residence.Service
	UI        *ui.Renderer

	cfg     Config
	log     *slog.Logger
	quiet   bool
	metrics *metrics
	handler http.Handler
	// paths and methods answer 405 for API paths called with another method.
	paths   *http.ServeMux
	methods map[string][]string
}

// New builds the application over a migrated database.
func New(d *db.DB, cfg Config) (*App, error) {
	a := &App{
		DB:       d,
		Auth:     &auth.Service{DB: d},
		Registry: &registry.Service{DB: d},
		cfg:      cfg,
		log:      cfg.Logger,
		quiet:    cfg.Quiet,
	}
	a.Programs = &programs.Service{DB: d, Registry: a.Registry}
	a.Notifier = &notify.Notifier{DB: d}
	a.Programs.Notifier = a.Notifier
	a.Match = &match.Service{DB: d, Programs: a.Programs, Notifier: a.Notifier}
	a.Programs.OnProgramChange = a.Match.ProgramChanged
	a.Registry.OnChange(a.Match.OrgChanged)
	obl, oerr := obligations.New(d, a.Programs, a.Registry, a.Notifier)
	if oerr != nil {
		return nil, oerr
	}
	a.Obligations = obl
	a.Registry.OnChange(a.Obligations.OrgChanged)
	a.IP = &ip.Service{DB: d, Registry: a.Registry, Notifier: a.Notifier}
	a.Registry.OnChange(a.IP.OrgChanged)
	a.Transfer = &transfer.Service{DB: d, Registry: a.Registry, IP: a.IP, Notifier: a.Notifier}
	a.Transfer.Resources = transferResources{a}
	a.Registry.OnChange(a.Transfer.OrgChanged)
	a.Vouchers = &vouchers.Service{DB: d, Rules: programRules{a}, Notifier: a.Notifier}
	a.Finance = &finance.Service{DB: d, Registry: a.Registry, Rules: programRules{a}, Programs: programRules{a}, Notifier: a.Notifier}
	a.Instruments = &instruments.Service{DB: d, Notifier: a.Notifier}
	a.Events = &events.Service{DB: d, Notifier: a.Notifier}
	desk, derr := servicedesk.New(d, a.Notifier)
	if derr != nil {
		return nil, derr
	}
	a.Desk = desk
	a.Incubation = &incubation.Service{DB: d, Notifier: a.Notifier, Programs: incubationPrograms{a}}
	a.Match.OnEligible = incubationPrograms{a}.BecameEligible
	a.Indicators = indicators.New(d, append(indicators.Events(a.Events), indicators.Incubation(a.Incubation, func() time.Time { return d.Now() })...)...)
	a.Talent = &talent.Service{DB: d, Notifier: a.Notifier}
	a.Housing = &housing.Service{DB: d, Permits: workPermits{d}, Notifier: a.Notifier}
	a.Residence = &residence.Service{DB: d, Permits: workPermits{d}}
	a.Registry.OnChange(a.Indicators.OrgChanged)
	a.IP.Encumbered = func(ctx context.Context, q search.DBTX, asset int64) (int64, bool, error) {
		return finance.Encumbrance(ctx, q, asset)
	}
	if a.log == nil {
		a.log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	// The national programs every installation carries (idempotent).
	// The 2017 work-permit points table (idempotent).
	if err := a.Talent.EnsureStandard(context.Background()); err != nil {
		return nil, err
	}
	if err := a.Programs.EnsureBuiltin(context.Background()); err != nil {
		return nil, err
	}
	var err error
	a.UI, err = ui.New(ui.Templates(templates), registry.Templates(), programs.Templates(), ip.Templates(), transfer.Templates(), vouchers.Templates(), finance.Templates(), instruments.Templates(), events.Templates(), indicators.Templates(), incubation.Templates(), servicedesk.Templates(), talent.Templates(), housing.Templates(), residence.Templates())
	if err != nil {
		return nil, err
	}
	a.metrics = newMetrics(d)
	mux := http.NewServeMux()
	a.routes(mux)
	var h http.Handler = mux
	h = a.withUnread(h)
	h = limitBody(httpx.MaxBody, h)
	h = a.authenticate(h)
	h = a.csrf(h)
	h = securityHeaders(h)
	h = a.observe(h)
	a.handler = h
	return a, nil
}

// ServeHTTP serves the platform.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// handle registers a route; the wrapper tells the metrics which pattern
// served the request.
func handle(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if holder := holderFrom(r.Context()); holder != nil {
			holder.pattern = pattern
		}
		h(w, r)
	}))
}

func (a *App) metricsHandler() http.Handler {
	return promhttp.HandlerFor(a.metrics.reg, promhttp.HandlerOpts{})
}

func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2e9)
	defer cancel()
	if err := a.DB.Read.PingContext(ctx); err != nil {
		httpx.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "detail": "database"})
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// workPermits gives the talent apartments and the residence self-check
// the work permits of the talent module; superseded permits are left out.
type workPermits struct{ d *db.DB }

func (w workPermits) PermitsOf(ctx context.Context, user int64) ([]housing.Permit, error) {
	ps, err := talent.PermitsOf(ctx, w.d.Read, user, w.d.Now())
	out := make([]housing.Permit, 0, len(ps))
	for _, p := range ps {
		if p.Status != talent.PermitSuperseded {
			out = append(out, housing.Permit{Class: p.Class, EmployerOrgID: p.EmployerOrgID, ValidFrom: p.ValidFrom, ValidTo: p.ValidTo})
		}
	}
	return out, err
}
