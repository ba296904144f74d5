package main

import (
	"strings"
	"testing"
)

func TestGenerateActivity(t *testing.T) {
	d, dsn := testDB(t)
	code, out, errs := cli(t, "generate", "--enterprises", "300", "--seed", "9", "--activity-months", "3", "--db", dsn)
	if code != 0 || !strings.Contains(out, "generated 3 months of activity") {
		t.Fatalf("generate with activity = %d, %q %q", code, out, errs)
	}
	for _, table := range []string{"ip_assets", "transfer_contracts", "ip_deals", "instrument_bookings", "vouchers", "voucher_redemptions", "loans", "awards"} {
		var n int
		if err := d.Read.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil || n == 0 {
			t.Errorf("%s: %d rows (%v)", table, n, err)
		}
	}
	var audited int
	d.Read.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'generate' AND entity = 'transfer_contract'`).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d audit entries for the generated contracts, want 1", audited)
	}
	if code, _, errs := cli(t, "generate", "--enterprises", "300", "--seed", "10", "--activity-months", "500", "--db", dsn); code != 2 || !strings.Contains(errs, "--activity-months") {
		t.Errorf("500 months of activity = %d, %q; want a usage error naming the flag", code, errs)
	}
}
