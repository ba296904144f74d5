package app_test

import (
	"net/http"
	"testing"

	"rainforest/internal/app/apptest"
)

func TestSmoke(t *testing.T) {
	e := apptest.New(t)
	if r := e.Do("GET", "/healthz", "", nil); r.Status != 200 || r.Map()["status"] != "ok" {
		t.Fatalf("healthz: %d %s", r.Status, r.Body)
	}
	tok := e.Token("enterprise@demo.local")
	r := e.Do("GET", "/api/v1/orgs?district=jingan&limit=5", tok, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	if r := e.Do("POST", "/api/v1/tokens", "", map[string]string{"email": "enterprise@demo.local", "password": "wrong"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", r.Status)
	}
	b := e.Browser()
	b.Login("enterprise@demo.local")
	if r := b.Get("/"); r.Status != 200 {
		t.Fatalf("home: %d", r.Status)
	}
}
