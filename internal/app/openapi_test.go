package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"rainforest/internal/app/apptest"
	"rainforest/internal/registry"
)

// The API contract: internal/app/openapi.json. The tests below check that
// the document and the route table describe the same endpoints, and every
// API call the tests make goes through call, which checks the answer
// against the document: its status must be documented for the operation,
// its media type must be the documented one, and its body must validate
// against the documented schema.

type spec struct {
	doc map[string]any
	ops []specOp
}

type specOp struct {
	method, template string
	re               *regexp.Regexp
	op               map[string]any
}

var (
	specOnce   sync.Once
	loadedSpec *spec
	specErr    error
)

func loadSpec(t testing.TB) *spec {
	t.Helper()
	specOnce.Do(func() {
		b, err := os.ReadFile("openapi.json")
		if err != nil {
			specErr = err
			return
		}
		doc, err := decodeJSON(b)
		if err != nil {
			specErr = fmt.Errorf("openapi.json: %w", err)
			return
		}
		m, ok := doc.(map[string]any)
		if !ok {
			specErr = fmt.Errorf("openapi.json is not an object")
			return
		}
		s := &spec{doc: m}
		paths, _ := m["paths"].(map[string]any)
		for tmpl, item := range paths {
			pi := item.(map[string]any)
			pattern := "^" + regexp.MustCompile(`\\\{[a-z_]+\\\}`).ReplaceAllString(regexp.QuoteMeta(tmpl), `[^/]+`) + "$"
			re := regexp.MustCompile(pattern)
			for method, op := range pi {
				if method == "parameters" || strings.HasPrefix(method, "x-") {
					continue
				}
				s.ops = append(s.ops, specOp{strings.ToUpper(method), tmpl, re, op.(map[string]any)})
			}
		}
		// Literal paths before templated ones.
		sort.Slice(s.ops, func(i, j int) bool {
			ci, cj := strings.Count(s.ops[i].template, "{"), strings.Count(s.ops[j].template, "{")
			if ci != cj {
				return ci < cj
			}
			return s.ops[i].template < s.ops[j].template
		})
		loadedSpec = s
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	return loadedSpec
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}

// find returns the operation serving method and a concrete path.
func (s *spec) find(method, path string) (specOp, bool) {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	for _, o := range s.ops {
		if o.method == method && o.re.MatchString(path) {
			return o, true
		}
	}
	return specOp{}, false
}

// resolve follows a local $ref.
func (s *spec) resolve(v any) any {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		v = s.pointer(ref)
	}
	return v
}

func (s *spec) pointer(ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		panic("non-local $ref " + ref)
	}
	var cur any = s.doc
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			panic("bad $ref " + ref)
		}
		cur, ok = m[part]
		if !ok {
			panic("dangling $ref " + ref)
		}
	}
	return cur
}

// checkResponse reports how an answer departs from the document.
func (s *spec) checkResponse(method, path string, r apptest.Response) []string {
	o, ok := s.find(method, path)
	if !ok {
		return []string{fmt.Sprintf("%s %s is not in openapi.json", method, path)}
	}
	resps, _ := o.op["responses"].(map[string]any)
	resp, ok := resps[strconv.Itoa(r.Status)]
	if !ok {
		return []string{fmt.Sprintf("%s %s answered %d, which is not documented for %s %s (%s)", method, path, r.Status, o.method, o.template, r.Body)}
	}
	rm := s.resolve(resp).(map[string]any)
	for name := range asMap(rm["headers"]) {
		if (name == "Location" || name == "Retry-After") && r.Header.Get(name) == "" {
			return []string{fmt.Sprintf("%s %s %d: no %s header", method, path, r.Status, name)}
		}
	}
	content := asMap(rm["content"])
	if len(content) == 0 {
		if len(bytes.TrimSpace(r.Body)) != 0 {
			return []string{fmt.Sprintf("%s %s %d: documented without a body, answered %q", method, path, r.Status, r.Body)}
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return []string{fmt.Sprintf("%s %s %d: Content-Type %q: %v", method, path, r.Status, r.Header.Get("Content-Type"), err)}
	}
	media, ok := content[mt]
	if !ok {
		return []string{fmt.Sprintf("%s %s %d: Content-Type %s is not documented (%v)", method, path, r.Status, mt, keys(content))}
	}
	schema, ok := asMap(media)["schema"]
	if !ok || !strings.Contains(mt, "json") {
		return nil
	}
	body, err := decodeJSON(r.Body)
	if err != nil {
		return []string{fmt.Sprintf("%s %s %d: body is not JSON: %v", method, path, r.Status, err)}
	}
	v := &validator{s: s}
	v.validate(schema, body, "body")
	for i := range v.errs {
		v.errs[i] = fmt.Sprintf("%s %s %d (%s %s): %s", method, path, r.Status, o.method, o.template, v.errs[i])
	}
	return v.errs
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func keys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// call sends a request and checks the answer against the document.
func call(t testing.TB, e *apptest.Env, method, path, token string, body any) apptest.Response {
	t.Helper()
	r := e.Do(method, path, token, body)
	for _, msg := range loadSpec(t).checkResponse(method, path, r) {
		t.Error(msg)
	}
	return r
}

// validator is the part of JSON Schema 2020-12 that openapi.json uses.
type validator struct {
	s    *spec
	errs []string
}

func (v *validator) fail(path, format string, args ...any) {
	v.errs = append(v.errs, path+": "+fmt.Sprintf(format, args...))
}

// validate checks data against schema and returns the object members the
// schema evaluated (for unevaluatedProperties).
func (v *validator) validate(schema, data any, path string) map[string]bool {
	evaluated := map[string]bool{}
	switch sc := schema.(type) {
	case bool:
		if !sc {
			v.fail(path, "no value is allowed here")
		}
		return evaluated
	case map[string]any:
		v.object(sc, data, path, evaluated)
	default:
		v.fail(path, "schema of unexpected type %T", schema)
	}
	return evaluated
}

// try validates without recording errors.
func (v *validator) try(schema, data any, path string) (map[string]bool, bool) {
	sub := &validator{s: v.s}
	ev := sub.validate(schema, data, path)
	return ev, len(sub.errs) == 0
}

func merge(dst, src map[string]bool) {
	for k := range src {
		dst[k] = true
	}
}

func (v *validator) object(sc map[string]any, data any, path string, evaluated map[string]bool) {
	if ref, ok := sc["$ref"].(string); ok {
		merge(evaluated, v.validate(v.s.pointer(ref), data, path))
	}
	if t, ok := sc["type"]; ok {
		var types []string
		switch tt := t.(type) {
		case string:
			types = []string{tt}
		case []any:
			for _, x := range tt {
				types = append(types, x.(string))
			}
		}
		if !slices.ContainsFunc(types, func(ty string) bool { return hasType(data, ty) }) {
			v.fail(path, "%s is not of type %v", short(data), types)
			return
		}
	}
	if en, ok := sc["enum"].([]any); ok {
		if !slices.ContainsFunc(en, func(x any) bool { return equalJSON(x, data) }) {
			v.fail(path, "%s is not one of %v", short(data), en)
		}
	}
	if c, ok := sc["const"]; ok && !equalJSON(c, data) {
		v.fail(path, "%s is not %v", short(data), c)
	}
	switch d := data.(type) {
	case string:
		n := utf8.RuneCountInString(d)
		if m, ok := num(sc["minLength"]); ok && float64(n) < m {
			v.fail(path, "%q is shorter than %v", clip(d), m)
		}
		if m, ok := num(sc["maxLength"]); ok && float64(n) > m {
			v.fail(path, "%q is longer than %v", clip(d), m)
		}
		if p, ok := sc["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(d) {
			v.fail(path, "%q does not match %s", clip(d), p)
		}
		switch sc["format"] {
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, d); err != nil {
				v.fail(path, "%q is not a date-time", d)
			}
		case "date":
			if _, err := time.Parse("2006-01-02", d); err != nil {
				v.fail(path, "%q is not a date", d)
			}
		case "email":
			if _, err := mail.ParseAddress(d); err != nil {
				v.fail(path, "%q is not an e-mail address", d)
			}
		}
	case json.Number:
		f, _ := d.Float64()
		if m, ok := num(sc["minimum"]); ok && f < m {
			v.fail(path, "%s is below %v", d, m)
		}
		if m, ok := num(sc["maximum"]); ok && f > m {
			v.fail(path, "%s is above %v", d, m)
		}
	case []any:
		if it, ok := sc["items"]; ok {
			for i, x := range d {
				v.validate(it, x, fmt.Sprintf("%s[%d]", path, i))
			}
		}
		if u, _ := sc["uniqueItems"].(bool); u {
			for i := range d {
				for j := range i {
					if equalJSON(d[i], d[j]) {
						v.fail(path, "items %d and %d are equal", j, i)
					}
				}
			}
		}
	case map[string]any:
		for _, r := range asSlice(sc["required"]) {
			if _, ok := d[r.(string)]; !ok {
				v.fail(path, "required member %q is missing", r)
			}
		}
		props := asMap(sc["properties"])
		for k, x := range d {
			if ps, ok := props[k]; ok {
				v.validate(ps, x, path+"."+k)
				evaluated[k] = true
			}
		}
		if ap, ok := sc["additionalProperties"]; ok {
			for k, x := range d {
				if _, ok := props[k]; !ok {
					v.validate(ap, x, path+"."+k)
					evaluated[k] = true
				}
			}
		}
	}
	for _, sub := range asSlice(sc["allOf"]) {
		merge(evaluated, v.validate(sub, data, path))
	}
	if any := asSlice(sc["anyOf"]); any != nil {
		ok := false
		for _, sub := range any {
			if ev, pass := v.try(sub, data, path); pass {
				ok = true
				merge(evaluated, ev)
			}
		}
		if !ok {
			v.fail(path, "%s matches none of anyOf", short(data))
		}
	}
	if one := asSlice(sc["oneOf"]); one != nil {
		n := 0
		var why []string
		for _, sub := range one {
			sv := &validator{s: v.s}
			ev := sv.validate(sub, data, path)
			if len(sv.errs) == 0 {
				n++
				merge(evaluated, ev)
			} else {
				why = append(why, strings.Join(sv.errs, "; "))
			}
		}
		if n != 1 {
			v.fail(path, "matches %d of oneOf, want exactly 1 (%s)", n, strings.Join(why, " | "))
		}
	}
	if not, ok := sc["not"]; ok {
		if _, pass := v.try(not, data, path); pass {
			v.fail(path, "%s matches a schema it must not", short(data))
		}
	}
	if cond, ok := sc["if"]; ok {
		if ev, pass := v.try(cond, data, path); pass {
			merge(evaluated, ev)
			if th, ok := sc["then"]; ok {
				merge(evaluated, v.validate(th, data, path))
			}
		} else if el, ok := sc["else"]; ok {
			merge(evaluated, v.validate(el, data, path))
		}
	}
	if ue, ok := sc["unevaluatedProperties"]; ok {
		if d, isObj := data.(map[string]any); isObj {
			for k, x := range d {
				if !evaluated[k] {
					v.validate(ue, x, path+"."+k)
					evaluated[k] = true
				}
			}
		}
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func num(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func hasType(data any, ty string) bool {
	switch ty {
	case "null":
		return data == nil
	case "boolean":
		_, ok := data.(bool)
		return ok
	case "string":
		_, ok := data.(string)
		return ok
	case "object":
		_, ok := data.(map[string]any)
		return ok
	case "array":
		_, ok := data.([]any)
		return ok
	case "number":
		_, ok := data.(json.Number)
		return ok
	case "integer":
		n, ok := data.(json.Number)
		if !ok {
			return false
		}
		_, err := n.Int64()
		return err == nil
	}
	return false
}

func equalJSON(a, b any) bool {
	na, oka := a.(json.Number)
	nb, okb := b.(json.Number)
	if oka && okb {
		fa, _ := na.Float64()
		fb, _ := nb.Float64()
		return fa == fb
	}
	return reflect.DeepEqual(a, b)
}

func short(v any) string {
	b, _ := json.Marshal(v)
	return clip(string(b))
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// TestOpenAPIMatchesRoutes: every API route of the table (and /healthz and
// /metrics) is documented with its method, and every documented operation
// is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := apptest.New(t)
	s := loadSpec(t)
	documented := map[string]bool{}
	for _, o := range s.ops {
		documented[o.method+" "+o.template] = true
	}
	served := map[string]bool{}
	for _, rt := range e.App.Routes() {
		if !rt.API() && rt.Path != "/healthz" && rt.Path != "/metrics" {
			continue
		}
		served[rt.Pattern()] = true
		if !documented[rt.Pattern()] {
			t.Errorf("route %s is not in openapi.json", rt.Pattern())
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("openapi.json documents %s, which the route table does not serve", op)
		}
	}
	if len(served) < 20 {
		t.Fatalf("only %d API routes in the table", len(served))
	}

	// Every operation is complete: an id, a tag, a summary, responses of
	// problem+json for every error status.
	ids := map[string]bool{}
	for _, o := range s.ops {
		name := o.method + " " + o.template
		id, _ := o.op["operationId"].(string)
		if id == "" || ids[id] {
			t.Errorf("%s: operationId %q missing or repeated", name, id)
		}
		ids[id] = true
		if len(asSlice(o.op["tags"])) == 0 || o.op["summary"] == nil {
			t.Errorf("%s: no tags or summary", name)
		}
		for code, r := range asMap(o.op["responses"]) {
			n, err := strconv.Atoi(code)
			if err != nil {
				t.Errorf("%s: response %q is not a status code", name, code)
				continue
			}
			if n >= 400 && o.template != "/healthz" {
				if _, ok := asMap(asMap(s.resolve(r))["content"])["application/problem+json"]; !ok {
					t.Errorf("%s: %d is not application/problem+json", name, n)
				}
			}
		}
		if o.method != "GET" && o.method != "DELETE" && o.template != "/api/v1/tokens" {
			if _, ok := asMap(o.op["responses"])["401"]; !ok {
				t.Errorf("%s: changes need a signed-in caller, but 401 is not documented", name)
			}
		}
	}
}

// TestOpenAPIServed: the document is served as it is in the tree, and it
// is OpenAPI 3.1 with its references resolving.
func TestOpenAPIServed(t *testing.T) {
	e := apptest.New(t)
	r := call(t, e, "GET", "/api/v1/openapi.json", "", nil)
	want, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || !bytes.Equal(r.Body, want) {
		t.Fatalf("served document differs from openapi.json (status %d, %d bytes)", r.Status, len(r.Body))
	}
	// The other operations outside /api/v1 answer as documented too.
	if r := call(t, e, "GET", "/metrics", "", nil); r.Status != 200 || !strings.Contains(string(r.Body), "# TYPE") {
		t.Errorf("metrics from the loopback: %d", r.Status)
	}
	if r := call(t, e, "GET", "/healthz", "", nil); r.Status != 200 {
		t.Errorf("healthz: %d", r.Status)
	}
	if r := call(t, e, "GET", "/healthz", "rf_unknown", nil); r.Status != 401 {
		t.Errorf("healthz with an unknown token: %d", r.Status)
	}
	s := loadSpec(t)
	if s.doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", s.doc["openapi"])
	}
	// Walk every $ref: each must resolve (pointer panics on a dangling one).
	var walk func(v any)
	n := 0
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				s.pointer(ref)
				n++
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(s.doc)
	if n < 50 {
		t.Errorf("only %d references", n)
	}
}

// TestOpenAPIOrgSchemas: the documented profile is registry.Fields: every
// writable field is in the input schemas, the private ones are exactly
// those of the whole view, and the enumerations are the registry's.
func TestOpenAPIOrgSchemas(t *testing.T) {
	s := loadSpec(t)
	schemas := asMap(asMap(s.doc["components"])["schemas"])
	input := asMap(asMap(schemas["OrgInput"])["properties"])
	patch := asMap(asMap(schemas["OrgPatch"])["properties"])
	public := asMap(asMap(schemas["OrgPublic"])["properties"])
	private := asMap(asMap(schemas["OrgWhole"])["properties"])
	var names []string
	for _, f := range registry.Fields {
		names = append(names, f.Name)
		if _, ok := input[f.Name]; !ok {
			t.Errorf("OrgInput lacks %s", f.Name)
		}
		if _, ok := patch[f.Name]; !ok {
			t.Errorf("OrgPatch lacks %s", f.Name)
		}
		_, inPublic := public[f.Name]
		_, inPrivate := private[f.Name]
		if f.Private && (!inPrivate || inPublic) {
			t.Errorf("%s is private: it belongs to OrgWhole only", f.Name)
		}
		if !f.Private && (inPrivate || !inPublic) {
			t.Errorf("%s is public: it belongs to OrgPublic only", f.Name)
		}
	}
	for name := range input {
		if !slices.Contains(names, name) {
			t.Errorf("OrgInput documents %s, which is not in registry.Fields", name)
		}
	}
	for name := range patch {
		if !slices.Contains(names, name) && name != "version" {
			t.Errorf("OrgPatch documents %s, which is not in registry.Fields", name)
		}
	}
	var req []string
	for _, r := range asSlice(asMap(schemas["OrgInput"])["required"]) {
		req = append(req, r.(string))
	}
	for _, f := range registry.Fields {
		if f.Required != slices.Contains(req, f.Name) {
			t.Errorf("OrgInput: %s required = %v, registry says %v", f.Name, !f.Required, f.Required)
		}
	}
	enum := func(name string) []string {
		var out []string
		for _, x := range asSlice(asMap(schemas[name])["enum"]) {
			out = append(out, x.(string))
		}
		return out
	}
	if got := enum("Kind"); !slices.Equal(got, registry.Kinds) {
		t.Errorf("Kind enum %v, registry %v", got, registry.Kinds)
	}
	if got := enum("TechField"); !slices.Equal(got, registry.TechFields) {
		t.Errorf("TechField enum %v, registry %v", got, registry.TechFields)
	}
	if got := enum("Certification"); !slices.Equal(got, registry.CertificationNames) {
		t.Errorf("Certification enum %v, registry %v", got, registry.CertificationNames)
	}
	e := apptest.New(t)
	var ds struct{ Items []registry.District }
	call(t, e, "GET", "/api/v1/districts", "", nil).JSON(&ds)
	var slugs []string
	for _, d := range ds.Items {
		slugs = append(slugs, d.Slug)
	}
	got := enum("District")
	slices.Sort(got)
	if !slices.Equal(got, slugs) || len(slugs) != 16 {
		t.Errorf("District enum %v, database %v", got, slugs)
	}
}

// TestValidatorRejects makes sure the contract check can fail: answers
// that depart from the document are caught.
func TestValidatorRejects(t *testing.T) {
	s := loadSpec(t)
	ok := `{"items":[],"next_cursor":null}`
	resp := func(status int, ct, body string) apptest.Response {
		h := make(map[string][]string)
		h["Content-Type"] = []string{ct}
		return apptest.Response{T: t, Status: status, Header: h, Body: []byte(body)}
	}
	if errs := s.checkResponse("GET", "/api/v1/orgs?q=x", resp(200, "application/json", ok)); len(errs) != 0 {
		t.Fatalf("a valid page is refused: %v", errs)
	}
	org := `{"id":1,"uscc":"91310106100002951W","name_zh":"云杉","name_en":"","kind":"enterprise","registered_district":"jingan","tax_district":null,"park_id":null,"founded_on":null,"invention_patents":null,"other_ip":3,"industry":null,"tech_field":null,"certifications":[],"website":"","description_zh":"","description_en":"","version":1,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"`
	priv := `,"employees":1,"rd_staff":null,"revenue_yuan":null,"total_assets_yuan":null,"rd_expense_yuan":null,"revenue_3y_yuan":null,"rd_expense_3y_yuan":null,"rd_expense_domestic_3y_yuan":null,"high_tech_revenue_yuan":null,"innovation_score":null,"major_incident_last_year":null`
	good := []string{org + `,"restricted":true}`, org + priv + `}`}
	for _, b := range good {
		if errs := s.checkResponse("GET", "/api/v1/orgs/1", resp(200, "application/json; charset=utf-8", b)); len(errs) != 0 {
			t.Errorf("a valid organization is refused: %v", errs)
		}
	}
	bad := []struct {
		name   string
		method string
		path   string
		r      apptest.Response
	}{
		{"undocumented status", "GET", "/api/v1/orgs", resp(418, "application/json", ok)},
		{"undocumented operation", "DELETE", "/api/v1/orgs", resp(200, "application/json", ok)},
		{"wrong media type", "GET", "/api/v1/orgs", resp(200, "text/html", ok)},
		{"missing member", "GET", "/api/v1/orgs", resp(200, "application/json", `{"items":[]}`)},
		{"extra member", "GET", "/api/v1/orgs", resp(200, "application/json", `{"items":[],"next_cursor":null,"total":3}`)},
		{"private without restricted missing", "GET", "/api/v1/orgs/1", resp(200, "application/json", org+`}`)},
		{"private and restricted", "GET", "/api/v1/orgs/1", resp(200, "application/json", org+priv+`,"restricted":true}`)},
		{"restricted with one private", "GET", "/api/v1/orgs/1", resp(200, "application/json", org+`,"employees":3,"restricted":true}`)},
		{"negative count", "GET", "/api/v1/orgs/1", resp(200, "application/json", strings.Replace(org, `"other_ip":3`, `"other_ip":-3`, 1)+`,"restricted":true}`)},
		{"unknown district", "GET", "/api/v1/orgs/1", resp(200, "application/json", strings.Replace(org, `"jingan"`, `"atlantis"`, 1)+`,"restricted":true}`)},
		{"bad credit code", "GET", "/api/v1/orgs/1", resp(200, "application/json", strings.Replace(org, `91310106100002951W`, `9131010610000295IW`, 1)+`,"restricted":true}`)},
		{"problem without status", "GET", "/api/v1/orgs/1", resp(404, "application/problem+json", `{"type":"urn:rainforest:problem:not_found","title":"Not Found"}`)},
		{"problem as plain JSON", "GET", "/api/v1/orgs/1", resp(404, "application/json", `{"type":"urn:rainforest:problem:not_found","title":"Not Found","status":404}`)},
		{"201 without Location", "POST", "/api/v1/orgs", resp(201, "application/json", org+priv+`}`)},
		{"body on 204", "DELETE", "/api/v1/people/3", resp(204, "application/json", `{}`)},
	}
	for _, b := range bad {
		if errs := s.checkResponse(b.method, b.path, b.r); len(errs) == 0 {
			t.Errorf("%s: accepted", b.name)
		}
	}
}
