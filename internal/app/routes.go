package app

import (
	"net/http"
	"strings"

	"rainforest/internal/finance"
	"rainforest/internal/instruments"
	"rainforest/internal/ip"
	"rainforest/internal/programs"
	"rainforest/internal/programs/match"
	"rainforest/internal/programs/obligations"
	"rainforest/internal/programs/opendata"
	"rainforest/internal/registry"
	"rainforest/internal/transfer"
	"rainforest/internal/vouchers"
)

// Route is one entry of the route table. The table is the single list of
// what the server answers; the OpenAPI test and the permission matrix walk
// it.
type Route struct {
	Method  string
	Path    string
	Handler http.HandlerFunc
}

// Pattern is the ServeMux pattern of the route.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// API reports whether the route is part of the JSON API.
func (r Route) API() bool { return strings.HasPrefix(r.Path, "/api/") }

// Routes lists every route of the platform.
func (a *App) Routes() []Route {
	reg := &registry.API{S: a.Registry}
	regPages := &registry.Pages{S: a.Registry, UI: a.UI, Auth: a.Auth}
	prog := &programs.API{S: a.Programs}
	progPages := &programs.Pages{S: a.Programs, UI: a.UI}
	obl := &obligations.API{S: a.Obligations}
	oblPages := &obligations.Pages{S: a.Obligations, UI: a.UI}
	ipAPI, ipPages := &ip.API{S: a.IP}, &ip.Pages{S: a.IP, UI: a.UI}
	tAPI, tPages := &transfer.API{S: a.Transfer}, &transfer.Pages{S: a.Transfer, UI: a.UI}
	vAPI, vPages := &vouchers.API{S: a.Vouchers}, &vouchers.Pages{S: a.Vouchers, UI: a.UI}
	fAPI, fPages := &finance.API{S: a.Finance}, &finance.Pages{S: a.Finance, UI: a.UI}
	iAPI, iPages := &instruments.API{S: a.Instruments}, &instruments.Pages{S: a.Instruments, UI: a.UI}
	return []Route{
		// Operations.
		{"GET", "/healthz", a.healthz},
		{"GET", "/metrics", a.serveMetrics},
		{"GET", "/api/v1/openapi.json", serveOpenAPI},

		// Accounts.
		{"POST", "/api/v1/tokens", a.apiCreateToken},
		{"GET", "/api/v1/tokens", a.apiListTokens},
		{"DELETE", "/api/v1/tokens/{id}", a.apiRevokeToken},
		{"GET", "/api/v1/me", a.apiMe},
		{"GET", "/api/v1/users", a.apiListUsers},
		{"POST", "/api/v1/users", a.apiCreateUser},
		{"GET", "/api/v1/users/{id}", a.apiGetUser},
		{"PATCH", "/api/v1/users/{id}", a.apiPatchUser},
		{"GET", "/api/v1/orgs/{id}/members", a.apiListMembers},
		{"PUT", "/api/v1/orgs/{id}/members/{user_id}", a.apiPutMember},
		{"DELETE", "/api/v1/orgs/{id}/members/{user_id}", a.apiDeleteMember},
		{"GET", "/api/v1/audit", a.apiAudit},

		// Registry.
		{"GET", "/api/v1/districts", reg.ListDistricts},
		{"GET", "/api/v1/parks", reg.ListParks},
		{"POST", "/api/v1/parks", reg.CreatePark},
		{"GET", "/api/v1/orgs", reg.ListOrgs},
		{"POST", "/api/v1/orgs", reg.CreateOrg},
		{"GET", "/api/v1/orgs/{id}", reg.GetOrg},
		{"PATCH", "/api/v1/orgs/{id}", reg.PatchOrg},
		{"GET", "/api/v1/orgs/{id}/people", reg.ListPeople},
		{"POST", "/api/v1/orgs/{id}/people", reg.CreatePerson},
		{"PATCH", "/api/v1/people/{id}", reg.PatchPerson},
		{"DELETE", "/api/v1/people/{id}", reg.DeletePerson},

		// Programs.
		{"GET", "/api/v1/programs", prog.ListPrograms},
		{"POST", "/api/v1/programs", prog.CreateProgram},
		{"GET", "/api/v1/programs/{ref}", prog.GetProgram},
		{"PATCH", "/api/v1/programs/{ref}", prog.PatchProgram},
		{"GET", "/api/v1/programs/{ref}/preview", prog.PreviewProgram},
		{"POST", "/api/v1/programs/{ref}/publish", prog.PublishProgram},
		{"POST", "/api/v1/programs/{ref}/close", prog.CloseProgram},
		{"POST", "/api/v1/programs/{ref}/evaluate", prog.EvaluateProgram},
		{"GET", "/api/v1/orgs/{id}/eligibility", prog.Eligibility},
		{"GET", "/api/v1/programs/{ref}/matches", (&match.API{S: a.Match}).ProgramMatches},
		{"GET", "/api/v1/clawbacks", obl.ListCases},
		{"GET", "/api/v1/clawbacks/{id}", obl.GetCase},
		{"PATCH", "/api/v1/clawbacks/{id}", obl.PatchCase},
		{"POST", "/api/v1/clawbacks/{id}/agree", obl.Agree},
		{"POST", "/api/v1/clawbacks/{id}/waive", obl.Waive},
		{"POST", "/api/v1/clawbacks/{id}/repay", obl.Repay},
		{"GET", "/api/v1/orgs/{id}/obligations", obl.ListOrgObligations},
		{"GET", "/api/v1/applications", prog.ListApplications},
		{"POST", "/api/v1/applications", prog.CreateApplication},
		{"POST", "/api/v1/applications/bulk", prog.Bulk},
		{"GET", "/api/v1/applications/{id}", prog.GetApplication},
		{"PATCH", "/api/v1/applications/{id}", prog.PatchApplication},
		{"POST", "/api/v1/applications/{id}/transitions", prog.Transition},
		{"POST", "/api/v1/applications/{id}/files", prog.UploadFile},
		{"GET", "/api/v1/applications/{id}/files/{file}", prog.DownloadFile},
		{"DELETE", "/api/v1/applications/{id}/files/{file}", prog.DeleteFile},
		{"GET", "/api/v1/orgs/{id}/applications", prog.OrgApplications},
		{"GET", "/api/v1/programs/{ref}/grant-batches", prog.ListGrants},
		{"POST", "/api/v1/programs/{ref}/grant-batches", prog.ProposeGrants},
		{"GET", "/api/v1/grant-batches/{id}", prog.GetGrants},
		{"POST", "/api/v1/grant-batches/{id}/approve", prog.ApproveGrants},
		{"POST", "/api/v1/grant-batches/{id}/discard", prog.DiscardGrants},
		{"GET", "/api/v1/applications/{id}/letter.pdf", prog.Letter},
		{"GET", "/api/v1/open-data/360giving.json", (&opendata.API{X: &opendata.Exporter{DB: a.DB}}).Giving360},

		// IP marketplace.
		{"GET", "/api/v1/ip/assets", ipAPI.ListAssets},
		{"POST", "/api/v1/ip/assets", ipAPI.CreateAsset},
		{"GET", "/api/v1/ip/assets/{id}", ipAPI.GetAsset},
		{"PATCH", "/api/v1/ip/assets/{id}", ipAPI.PatchAsset},
		{"GET", "/api/v1/ip/owners/{id}/inventor-share", ipAPI.GetOwnerShare},
		{"PUT", "/api/v1/ip/owners/{id}/inventor-share", ipAPI.SetOwnerShare},
		{"GET", "/api/v1/ip/listings", ipAPI.Catalog},
		{"POST", "/api/v1/ip/listings", ipAPI.CreateListing},
		{"GET", "/api/v1/ip/my/listings", ipAPI.MyListings},
		{"GET", "/api/v1/ip/listings/{id}", ipAPI.GetListing},
		{"PATCH", "/api/v1/ip/listings/{id}", ipAPI.PatchListing},
		{"POST", "/api/v1/ip/listings/{id}/renew", ipAPI.RenewListing},
		{"POST", "/api/v1/ip/listings/{id}/withdraw", ipAPI.WithdrawListing},
		{"GET", "/api/v1/ip/listings/{id}/confidential", ipAPI.GetConfidential},
		{"POST", "/api/v1/ip/listings/{id}/interest", ipAPI.Express},
		{"GET", "/api/v1/ip/deals", ipAPI.MyDeals},
		{"GET", "/api/v1/ip/deals/{id}", ipAPI.GetDeal},
		{"POST", "/api/v1/ip/deals/{id}/messages", ipAPI.PostMessage},
		{"POST", "/api/v1/ip/deals/{id}/admit", ipAPI.DealAction("admit")},
		{"POST", "/api/v1/ip/deals/{id}/accept", ipAPI.DealAction("accept")},
		{"POST", "/api/v1/ip/deals/{id}/close", ipAPI.DealAction("close")},
		{"POST", "/api/v1/ip/deals/{id}/decline", ipAPI.DealAction("decline")},
		{"POST", "/api/v1/ip/deals/{id}/withdraw", ipAPI.DealAction("withdraw")},
		{"GET", "/api/v1/ip/stats", ipAPI.Statistics},
		{"POST", "/api/v1/ip/import", ipAPI.Import},
		{"GET", "/api/v1/ip/import/template", ipAPI.ImportTemplate},
		{"GET", "/api/v1/transfer/achievements", tAPI.Achievements},
		{"POST", "/api/v1/transfer/achievements", tAPI.CreateAchievement},
		{"GET", "/api/v1/transfer/achievements/{id}", tAPI.GetAchievement},
		{"PUT", "/api/v1/transfer/achievements/{id}", tAPI.PutAchievement},
		{"GET", "/api/v1/transfer/achievements/{id}/matches", tAPI.NeedsForAchievement},
		{"GET", "/api/v1/transfer/needs", tAPI.Needs},
		{"POST", "/api/v1/transfer/needs", tAPI.CreateNeed},
		{"GET", "/api/v1/transfer/needs/{id}", tAPI.GetNeed},
		{"PUT", "/api/v1/transfer/needs/{id}", tAPI.PutNeed},
		{"GET", "/api/v1/transfer/needs/{id}/matches", tAPI.AchievementsForNeed},
		{"GET", "/api/v1/transfer/mine", tAPI.Mine},
		{"GET", "/api/v1/transfer/cases", tAPI.CaseList},
		{"POST", "/api/v1/transfer/cases", tAPI.OpenCase},
		{"GET", "/api/v1/transfer/cases/{id}", tAPI.GetCase},
		{"POST", "/api/v1/transfer/cases/{id}/notes", tAPI.AddNote},
		{"POST", "/api/v1/transfer/cases/{id}/actions", tAPI.ActCase},
		{"GET", "/api/v1/transfer/contracts", tAPI.Contracts},
		{"POST", "/api/v1/transfer/contracts", tAPI.RecordContract},
		{"GET", "/api/v1/transfer/contracts/{id}", tAPI.GetContract},
		{"POST", "/api/v1/transfer/contracts/{id}/decision", tAPI.DecideContract},
		{"GET", "/api/v1/transfer/turnover", tAPI.Turnover},
		{"POST", "/api/v1/transfer/import", tAPI.Import},
		{"GET", "/api/v1/transfer/import/template", tAPI.ImportTemplate},
		{"GET", "/api/v1/voucher-programs", vAPI.Programs},
		{"POST", "/api/v1/voucher-programs", vAPI.CreateProgram},
		{"GET", "/api/v1/voucher-programs/{id}", vAPI.GetProgram},
		{"PUT", "/api/v1/voucher-programs/{id}", vAPI.PutProgram},
		{"POST", "/api/v1/voucher-programs/{id}/open", vAPI.SetStatus("open")},
		{"POST", "/api/v1/voucher-programs/{id}/close", vAPI.SetStatus("closed")},
		{"POST", "/api/v1/voucher-programs/{id}/issue", vAPI.IssueAll},
		{"POST", "/api/v1/voucher-programs/{id}/apply", vAPI.Apply},
		{"GET", "/api/v1/voucher-programs/{id}/report", vAPI.Report},
		{"GET", "/api/v1/vouchers", vAPI.Vouchers},
		{"GET", "/api/v1/vouchers/{id}", vAPI.GetVoucher},
		{"POST", "/api/v1/vouchers/{id}/quote", vAPI.Quote},
		{"POST", "/api/v1/vouchers/{id}/redeem", vAPI.Redeem},
		{"GET", "/api/v1/voucher-providers", vAPI.Providers},
		{"PUT", "/api/v1/voucher-providers/{id}", vAPI.PutProvider},
		{"GET", "/api/v1/voucher-providers/{id}/statement", vAPI.Statement},
		{"POST", "/api/v1/voucher-settlements", vAPI.Settle},
		{"GET", "/api/v1/loan-products", fAPI.Products},
		{"POST", "/api/v1/loan-products", fAPI.CreateProduct},
		{"GET", "/api/v1/loan-products/{id}", fAPI.GetProduct},
		{"PUT", "/api/v1/loan-products/{id}", fAPI.PutProduct},
		{"GET", "/api/v1/loans", fAPI.Loans},
		{"POST", "/api/v1/loans", fAPI.Apply},
		{"GET", "/api/v1/loans/{id}", fAPI.GetLoan},
		{"POST", "/api/v1/loans/{id}/actions", fAPI.ActLoan},
		{"POST", "/api/v1/loans/{id}/repayments", fAPI.Repay},
		{"GET", "/api/v1/loans/{id}/shared", fAPI.Shared},
		{"POST", "/api/v1/loans/{id}/consent/withdraw", fAPI.WithdrawConsent},
		{"GET", "/api/v1/risk-pools", fAPI.Pools},
		{"POST", "/api/v1/risk-pools", fAPI.CreatePool},
		{"GET", "/api/v1/risk-pools/{id}", fAPI.GetPool},
		{"PUT", "/api/v1/risk-pools/{id}", fAPI.PutPool},
		{"GET", "/api/v1/risk-pools/{id}/claims", fAPI.Claims},
		{"POST", "/api/v1/pool-claims", fAPI.FileClaim},
		{"POST", "/api/v1/pool-claims/{id}/actions", fAPI.ActClaim},
		{"GET", "/api/v1/finance/report", fAPI.Report},
		{"GET", "/api/v1/instruments", iAPI.Catalog},
		{"POST", "/api/v1/instruments", iAPI.Create},
		{"GET", "/api/v1/instruments/{id}", iAPI.Get},
		{"PUT", "/api/v1/instruments/{id}", iAPI.Put},
		{"GET", "/api/v1/instruments/{id}/availability", iAPI.Availability},
		{"POST", "/api/v1/instruments/{id}/bookings", iAPI.Book},
		{"POST", "/api/v1/instruments/{id}/trainings", iAPI.Train},
		{"PUT", "/api/v1/instruments/{id}/photo", iAPI.PutPhoto},
		{"GET", "/api/v1/instrument-bookings", iAPI.Bookings},
		{"GET", "/api/v1/instrument-bookings/{id}", iAPI.GetBooking},
		{"POST", "/api/v1/instrument-bookings/{id}/actions", iAPI.Act},
		{"GET", "/api/v1/instrument-utilisation", iAPI.Utilisation},
		{"GET", "/api/v1/instrument-indicators", iAPI.Indicators},
		{"GET", "/api/v1/instrument-feeds", iAPI.Feeds},

		// Notices.
		{"GET", "/api/v1/notices", a.apiNotices},
		{"POST", "/api/v1/notices/{id}/read", a.apiReadNotice},
		{"POST", "/api/v1/notices/read-all", a.apiReadAllNotices},

		// Pages.
		{"GET", "/{$}", a.pageHome},
		{"GET", "/login", a.pageLogin},
		{"POST", "/login", a.postLogin},
		{"POST", "/logout", a.postLogout},
		{"GET", "/lang", a.switchLang},
		{"GET", "/me", a.pageMe},
		{"POST", "/me", a.postMe},
		{"POST", "/me/password", a.postPassword},
		{"POST", "/me/tokens", a.postToken},
		{"POST", "/me/tokens/{id}/revoke", a.postRevokeToken},
		{"GET", "/audit", a.pageAudit},
		{"GET", "/admin/users", a.pageAdminUsers},
		{"POST", "/admin/users", a.postAdminUsers},
		{"GET", "/admin/users/{id}", a.pageAdminUser},
		{"POST", "/admin/users/{id}", a.postAdminUser},
		{"POST", "/admin/users/{id}/memberships", a.postAdminMembership},
		{"GET", "/admin/parks", regPages.AdminParks},
		{"POST", "/admin/parks", regPages.SaveAdminPark},
		{"GET", "/orgs", regPages.Directory},
		{"GET", "/ip", ipPages.Catalog},
		{"GET", "/ip/mine", ipPages.Mine},
		{"GET", "/ip/stats", ipPages.Stats},
		{"GET", "/ip/import", ipPages.ImportForm},
		{"POST", "/ip/import", ipPages.Import},
		{"POST", "/ip/assets", ipPages.CreateAsset},
		{"POST", "/ip/listings", ipPages.CreateListing},
		{"GET", "/ip/listings/{id}", ipPages.Listing},
		{"POST", "/ip/listings/{id}/interest", ipPages.Express},
		{"POST", "/ip/listings/{id}/renew", ipPages.Renew},
		{"POST", "/ip/listings/{id}/price", ipPages.Reprice},
		{"POST", "/ip/assets/{id}", ipPages.SaveAsset},
		{"POST", "/ip/listings/{id}/withdraw", ipPages.Withdraw},
		{"POST", "/ip/owners/{id}/inventor-share", ipPages.SetShare},
		{"GET", "/ip/deals/{id}", ipPages.Deal},
		{"POST", "/ip/deals/{id}/messages", ipPages.PostMessage},
		{"POST", "/ip/deals/{id}/act", ipPages.Act},
		{"GET", "/transfer", tPages.Achievements},
		{"GET", "/transfer/needs", tPages.Needs},
		{"GET", "/transfer/mine", tPages.Mine},
		{"GET", "/transfer/import", tPages.ImportForm},
		{"POST", "/transfer/import", tPages.Import},
		{"POST", "/transfer/achievements", tPages.SaveAchievement},
		{"GET", "/transfer/achievements/{id}", tPages.Achievement},
		{"POST", "/transfer/achievements/{id}", tPages.SaveAchievement},
		{"POST", "/transfer/needs", tPages.SaveNeed},
		{"GET", "/transfer/needs/{id}", tPages.Need},
		{"POST", "/transfer/needs/{id}", tPages.SaveNeed},
		{"GET", "/transfer/cases", tPages.Cases},
		{"POST", "/transfer/cases", tPages.OpenCase},
		{"GET", "/transfer/cases/{id}", tPages.Case},
		{"POST", "/transfer/cases/{id}/notes", tPages.AddNote},
		{"POST", "/transfer/cases/{id}/act", tPages.ActCase},
		{"GET", "/transfer/contracts", tPages.Contracts},
		{"POST", "/transfer/contracts", tPages.RecordContract},
		{"POST", "/transfer/contracts/{id}/decision", tPages.DecideContract},
		{"GET", "/transfer/turnover", tPages.Turnover},
		{"GET", "/vouchers", vPages.Home},
		{"GET", "/vouchers/{id}", vPages.Voucher},
		{"POST", "/vouchers/{id}/quote", vPages.Quote},
		{"POST", "/vouchers/{id}/redeem", vPages.Redeem},
		{"GET", "/voucher-programs", vPages.Programs},
		{"POST", "/voucher-programs", vPages.SaveProgram},
		{"GET", "/voucher-programs/{id}", vPages.Program},
		{"POST", "/voucher-programs/{id}", vPages.SaveProgram},
		{"POST", "/voucher-programs/{id}/status", vPages.SetStatus},
		{"POST", "/voucher-programs/{id}/issue", vPages.IssueAll},
		{"POST", "/voucher-programs/{id}/apply", vPages.Apply},
		{"GET", "/voucher-providers", vPages.Providers},
		{"POST", "/voucher-providers", vPages.SaveProvider},
		{"GET", "/voucher-providers/{id}", vPages.Statement},
		{"POST", "/voucher-settlements", vPages.Settle},
		{"GET", "/finance", fPages.Home},
		{"POST", "/loan-products", fPages.SaveProduct},
		{"POST", "/risk-pools", fPages.SavePool},
		{"GET", "/risk-pools/{id}", fPages.Pool},
		{"POST", "/pool-claims/{id}/act", fPages.ActClaim},
		{"GET", "/loans", fPages.Loans},
		{"POST", "/loans", fPages.Apply},
		{"GET", "/loans/{id}", fPages.Loan},
		{"POST", "/loans/{id}/act", fPages.Act},
		{"POST", "/loans/{id}/repayments", fPages.Repay},
		{"POST", "/loans/{id}/consent/withdraw", fPages.WithdrawConsent},
		{"GET", "/loans/{id}/shared", fPages.Shared},
		{"POST", "/loans/{id}/claim", fPages.FileClaim},
		{"GET", "/instruments", iPages.Catalog},
		{"POST", "/instruments", iPages.Create},
		{"GET", "/instruments/bookings", iPages.MyBookings},
		{"GET", "/instruments/queue", iPages.Queue},
		{"GET", "/instruments/mine", iPages.Mine},
		{"GET", "/instruments/sharing", iPages.Sharing},
		{"GET", "/instruments/{id}", iPages.Instrument},
		{"POST", "/instruments/{id}/book", iPages.Book},
		{"POST", "/instruments/{id}/trainings", iPages.Train},
		{"POST", "/instruments/{id}/photo", iPages.UploadPhoto},
		{"GET", "/instruments/{id}/photo", iAPI.Photo},
		{"POST", "/instrument-bookings/{id}/act", iPages.Act},
		{"GET", "/ical/instruments/{file}", iAPI.InstrumentICS},
		{"GET", "/ical/users/{file}", iAPI.UserICS},
		{"GET", "/orgs/{id}", regPages.Org},
		{"GET", "/orgs/{id}/edit", regPages.Edit},
		{"POST", "/orgs/{id}/edit", regPages.SaveEdit},
		{"POST", "/orgs/{id}/people", regPages.AddPerson},
		{"POST", "/orgs/{id}/people/{person_id}", regPages.SavePerson},
		{"POST", "/orgs/{id}/people/{person_id}/delete", regPages.RemovePerson},
		{"GET", "/orgs/{id}/members", a.pageMembers},
		{"POST", "/orgs/{id}/members", a.postMembers},
		{"POST", "/orgs/{id}/members/{user_id}", a.postMember},
		{"GET", "/orgs/{id}/programs", progPages.ForOrg},
		{"GET", "/programs", progPages.Catalog},
		{"GET", "/programs/new", progPages.New},
		{"POST", "/programs/new", progPages.Create},
		{"GET", "/programs/{slug}", progPages.Program},
		{"GET", "/programs/{slug}/edit", progPages.Edit},
		{"POST", "/programs/{slug}/edit", progPages.Save},
		{"GET", "/programs/{slug}/preview", progPages.Preview},
		{"POST", "/programs/{slug}/publish", progPages.Publish},
		{"POST", "/programs/{slug}/close", progPages.Close},
		{"GET", "/programs/{slug}/apply", progPages.Apply},
		{"POST", "/programs/{slug}/apply", progPages.CreateApp},
		{"GET", "/applications", progPages.Queue},
		{"POST", "/applications/bulk", progPages.BulkApp},
		{"GET", "/applications/{id}", progPages.Application},
		{"POST", "/applications/{id}/edit", progPages.EditApp},
		{"POST", "/applications/{id}/act", progPages.ActApp},
		{"POST", "/applications/{id}/files", progPages.UploadApp},
		{"GET", "/applications/{id}/files/{file}", progPages.FileApp},
		{"POST", "/applications/{id}/files/{file}/delete", progPages.DeleteFileApp},
		{"GET", "/orgs/{id}/applications", progPages.ForOrgApps},
		{"GET", "/programs/{slug}/grants", progPages.Grants},
		{"POST", "/programs/{slug}/grants", progPages.ProposeGrantsPage},
		{"GET", "/grant-batches/{id}", progPages.GrantBatchPage},
		{"POST", "/grant-batches/{id}/approve", progPages.ApproveGrantsPage},
		{"POST", "/grant-batches/{id}/discard", progPages.DiscardGrantsPage},
		{"GET", "/programs/{slug}/check", progPages.Check},
		{"POST", "/programs/{slug}/check", progPages.RunCheck},
		{"GET", "/notices", a.pageNotices},
		{"POST", "/notices/{id}/read", a.postReadNotice},
		{"POST", "/notices/read-all", a.postReadAllNotices},
		{"GET", "/programs/{slug}/matches", a.pageProgramMatches},
		{"GET", "/clawbacks", oblPages.List},
		{"GET", "/clawbacks/{id}", oblPages.Case},
		{"POST", "/clawbacks/{id}/notes", oblPages.Save},
		{"POST", "/clawbacks/{id}/act", oblPages.Act},
		{"GET", "/orgs/{id}/obligations", oblPages.Org},
		{"GET", "/static/", a.UI.Static.ServeHTTP},
	}
}

func (a *App) routes(mux *http.ServeMux) {
	a.methods = map[string][]string{}
	a.paths = http.NewServeMux()
	for _, rt := range a.Routes() {
		handle(mux, rt.Pattern(), rt.Handler)
		if rt.API() {
			if _, seen := a.methods[rt.Path]; !seen {
				a.paths.Handle(rt.Path, http.NotFoundHandler())
			}
			a.methods[rt.Path] = append(a.methods[rt.Path], rt.Method)
		}
	}
	// Anything else under /api/ answers in problem+json, not HTML.
	handle(mux, "/api/", a.apiNotFound)
	handle(mux, "/", a.pageNotFound)
}
