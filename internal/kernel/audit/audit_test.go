package audit_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/db/dbtest"
)

func TestRecordAndList(t *testing.T) {
	d := dbtest.Open(t)
	ctx := audit.WithRequestID(audit.WithActor(context.Background(), audit.Actor{UserID: 7, Email: "chen@example.cn"}), "req-1")
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	record := func(c audit.Change) {
		t.Helper()
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return audit.Record(ctx, tx, at, c) }); err != nil {
			t.Fatal(err)
		}
	}
	record(audit.Change{OrgID: 1, Action: "create", Entity: "org", EntityID: "1", After: map[string]any{"name_zh": "云杉", "employees": nil}})
	record(audit.Change{OrgID: 1, Action: "update", Entity: "org", EntityID: "1", Before: map[string]int{"employees": 48}, After: map[string]int{"employees": 50}})
	record(audit.Change{OrgID: 2, Action: "delete", Entity: "person", EntityID: "9", Before: map[string]string{"name": "王芳"}})
	record(audit.Change{Action: "create", Entity: "user", EntityID: "7", After: map[string]string{"email": "x@example.cn"}})
	// A change and its record fail together.
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if err := audit.Record(ctx, tx, at, audit.Change{OrgID: 1, Action: "update", Entity: "org", EntityID: "1"}); err != nil {
			return err
		}
		return fmt.Errorf("the change failed")
	})
	if err == nil {
		t.Fatal("no error")
	}

	all, next, err := audit.List(context.Background(), d, audit.Filter{})
	if err != nil || next != 0 || len(all) != 4 {
		t.Fatalf("%d entries, next %d, %v", len(all), next, err)
	}
	e := all[3] // oldest last
	if e.Action != "create" || e.Entity != "org" || e.ActorEmail != "chen@example.cn" || e.ActorUserID == nil || *e.ActorUserID != 7 ||
		e.OrgID == nil || *e.OrgID != 1 || e.RequestID != "req-1" || !e.At.Equal(at) || e.Before != nil || string(e.After) != `{"employees":null,"name_zh":"云杉"}` {
		t.Errorf("entry %+v (after %s)", e, e.After)
	}
	if string(all[2].Before) != `{"employees":48}` || string(all[1].After) != "" || all[0].OrgID != nil {
		t.Errorf("entries %s %s %v", all[2].Before, all[1].After, all[0].OrgID)
	}

	for _, tt := range []struct {
		f    audit.Filter
		want int
	}{
		{audit.Filter{OrgIDs: []int64{1}}, 2},
		{audit.Filter{OrgIDs: []int64{1, 2}}, 3},
		{audit.Filter{OrgIDs: []int64{}}, 0}, // a member of nothing sees nothing
		{audit.Filter{OrgIDs: []int64{3}}, 0},
		{audit.Filter{Entity: "org"}, 2},
		{audit.Filter{Entity: "person", EntityID: "9"}, 1},
		{audit.Filter{Entity: "org", EntityID: "9"}, 0},
		{audit.Filter{Before: all[1].ID}, 2},
	} {
		got, _, err := audit.List(context.Background(), d, tt.f)
		if err != nil || len(got) != tt.want {
			t.Errorf("%+v: %d entries, want %d (%v)", tt.f, len(got), tt.want, err)
		}
	}
	// Pages of one.
	var ids []int64
	f := audit.Filter{Limit: 1}
	for range 10 {
		page, next, err := audit.List(context.Background(), d, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			ids = append(ids, e.ID)
		}
		if next == 0 {
			break
		}
		f.Before = next
	}
	if len(ids) != 4 || ids[0] != all[0].ID || ids[3] != all[3].ID {
		t.Errorf("paged ids %v", ids)
	}
	// A system change has no actor.
	if err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		return audit.Record(context.Background(), tx, at, audit.Change{Action: "seed", Entity: "demo", EntityID: "demo"})
	}); err != nil {
		t.Fatal(err)
	}
	sys, _, _ := audit.List(context.Background(), d, audit.Filter{Limit: 1})
	if sys[0].ActorUserID != nil || sys[0].ActorEmail != "" {
		t.Errorf("system entry has an actor: %+v", sys[0])
	}
}

func TestRecordRefusesUnmarshallable(t *testing.T) {
	d := dbtest.Open(t)
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		return audit.Record(context.Background(), tx, time.Now(), audit.Change{Action: "x", Entity: "y", EntityID: "z", After: func() {}})
	})
	if err == nil {
		t.Error("a value JSON cannot hold was recorded")
	}
}
