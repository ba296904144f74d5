package app_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rainforest/internal/app/apptest"
	"rainforest/internal/demo"
	"rainforest/internal/kernel/i18n"
)

// chromium finds a Chromium to drive, or skips the test (fails it when
// RAINFOREST_REQUIRE_BROWSER=1, as in CI).
func chromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("RAINFOREST_REQUIRE_BROWSER") == "1" {
		t.Fatal("RAINFOREST_REQUIRE_BROWSER=1 but no Chromium was found")
	}
	t.Skip("no Chromium: install the chromium package to run browser tests")
	return ""
}

// TestBrowserEditProfile signs in as the demo enterprise in a real headless
// Chromium, edits its profile through "my account", sees the change on the
// organization page, searches the directory with htmx and switches the
// language.
func TestBrowserEditProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	bin := chromium(t)
	e := apptest.New(t)
	o := orgByName(t, e, "上海云杉软件科技有限公司")

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	parent, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()

	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body.innerText"))
		if err != nil {
			t.Fatalf("page text: %v", err)
		}
		return s
	}
	lang := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.lang"))
		if err != nil {
			t.Fatalf("page language: %v", err)
		}
		return s
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	// Sign in from the login page; it leads to "my account".
	do("sign in",
		chromedp.Navigate(e.Srv.URL+"/login"),
		chromedp.WaitVisible(css("#email")),
		chromedp.SendKeys(css("#email"), "enterprise@demo.local"),
		chromedp.SendKeys(css("#password"), demo.Password),
		chromedp.Click(css(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(css("#myorgs")),
	)
	if s := text(); !strings.Contains(s, o.NameZh) || !strings.Contains(s, "enterprise@demo.local") {
		t.Fatalf("my account does not show the organization: %.300q", s)
	}

	// My organization's edit page, from the link on "my account".
	edit := `a[href="/orgs/` + strconv.FormatInt(o.ID, 10) + `/edit"]`
	do("open the edit form",
		chromedp.Click(css(edit)),
		chromedp.WaitVisible(css("#f-employees")),
	)
	do("change two fields and save",
		chromedp.SetValue(css("#f-employees"), ""),
		chromedp.SendKeys(css("#f-employees"), "123"),
		chromedp.SetValue(css("#f-description_en"), "Industrial software and digital twins, edited in a browser"),
		chromedp.Click(css(`form.edit button[type="submit"]`)),
		chromedp.WaitVisible(css(".flash")),
		chromedp.WaitVisible(css("#figures")),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(strings.SplitN(loc, "?", 2)[0], "/orgs/"+strconv.FormatInt(o.ID, 10)) {
		t.Fatalf("after saving the browser is at %s, not the organization page", loc)
	}
	page := text()
	l := "zh"
	if lang() == "en" {
		l = "en"
	}
	if !strings.Contains(page, i18n.T(l, "flash.saved")) || !strings.Contains(page, "123") {
		t.Fatalf("the organization page does not show the change: %.600q", page)
	}
	got := getOrg(t, e, o.ID)
	if got.Employees == nil || *got.Employees != 123 || got.DescriptionEn != "Industrial software and digital twins, edited in a browser" {
		t.Fatalf("database after the browser's save: employees %v, description %q", got.Employees, got.DescriptionEn)
	}

	// A person added on the organization page, through its folded form.
	do("add a person",
		chromedp.Navigate(e.Srv.URL+"/orgs/"+strconv.FormatInt(o.ID, 10)),
		chromedp.Click(css("details.person-add summary")),
		chromedp.WaitVisible(css("#p0-name_zh")),
		chromedp.SendKeys(css("#p0-name_zh"), "浏览器测试"),
		chromedp.SendKeys(css("#p0-title"), "QA"),
		chromedp.Click(css(`details.person-add button[type="submit"]`)),
		chromedp.WaitVisible(css(".flash")),
	)
	if p := personNamed(peopleOf(t, e, o.ID), "浏览器测试"); p == nil || p.Title != "QA" {
		t.Fatalf("the person added in the browser: %+v", p)
	}
	if s := text(); !strings.Contains(s, "浏览器测试") {
		t.Errorf("the organization page does not list the new person: %.300q", s)
	}

	// The directory searches as one types, through htmx, and keeps the
	// address in step.
	do("search the directory",
		chromedp.Navigate(e.Srv.URL+"/orgs"),
		chromedp.WaitVisible(css("#q")),
		chromedp.SendKeys(css("#q"), "复旦"),
	)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#results .org-row").length > 0 && [...document.querySelectorAll("#results .org-name")].every(a => a.textContent.includes("复旦") || a.textContent.includes("Fudan"))`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the results did not follow the search box: %v\n%.600q", err, text())
	}
	loc, err = chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "q=") {
		t.Errorf("the address did not follow the search: %s", loc)
	}

	// A bad filter is explained in the results, not dropped silently.
	do("bad filter",
		chromedp.Navigate(e.Srv.URL+"/orgs"),
		chromedp.WaitVisible(css("#industry")),
		chromedp.SendKeys(css("#industry"), "??\t"),
	)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#results .error-summary") !== null && document.querySelector("form.filters") !== null && document.querySelectorAll("form.filters").length === 1`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("a bad filter shows no message in the results: %v\n%.600q", err, text())
	}

	// Switch the language once: the page comes back in the other one.
	before := lang()
	do("switch language",
		chromedp.Navigate(e.Srv.URL+"/orgs/"+strconv.FormatInt(o.ID, 10)),
		chromedp.WaitVisible(css("a.lang")),
		chromedp.Click(css("a.lang")),
		chromedp.WaitVisible(css("#figures")),
	)
	after := lang()
	want := map[string]string{"zh-CN": "en", "en": "zh-CN"}[before]
	if after != want {
		t.Fatalf("language switch: from %q to %q, want %q", before, after, want)
	}
	l = "en"
	if after == "zh-CN" {
		l = "zh"
	}
	if s := text(); !strings.Contains(s, i18n.T(l, "org.edit")) || !strings.Contains(s, i18n.T(l, "org.figures")) {
		t.Errorf("after switching to %s the page lacks %q: %.300q", l, i18n.T(l, "org.edit"), s)
	}

	// On a phone 360 pixels wide no page scrolls sideways, in either
	// language.
	id := strconv.FormatInt(o.ID, 10)
	do("phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile))
	for _, to := range []string{"zh", "en"} {
		do("language "+to, chromedp.Navigate(e.Srv.URL+"/lang?to="+to+"&back=/"), chromedp.WaitVisible(css("#by-kind")))
		for _, p := range []string{"/", "/orgs", "/orgs?q=" + "%E4%BA%91%E6%9D%89", "/orgs/" + id, "/orgs/" + id + "/edit", "/orgs/" + id + "/members", "/me", "/audit", "/login"} {
			do("open "+p, chromedp.Navigate(e.Srv.URL+p), chromedp.WaitVisible(css("main")))
			w, err := chromedp.Run(ctx, chromedp.Evaluate[[]int]("[document.documentElement.scrollWidth, document.documentElement.clientWidth]"))
			if err != nil {
				t.Fatal(err)
			}
			if len(w) != 2 || w[0] > w[1] {
				t.Errorf("%s in %s at 360 px: page %d px wide in a %d px window", p, to, w[0], w[1])
			}
		}
	}
}
