package housing

import (
	"encoding/json"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
)

// FuzzApplyInput holds an application's validation to: no panic; a
// refusal names a field; what passes has a household of at least one, no
// negative months, rooms 1 to 10 and a move-in day, not in the past, in
// canonical form.
func FuzzApplyInput(f *testing.F) {
	for _, s := range []string{
		`{"months_in_district": 12, "household_size": 2, "rooms": 1, "move_in_on": "2026-12-01"}`,
		`{"months_in_district": -1, "household_size": 0, "rooms": 11, "move_in_on": "2026-02-30"}`,
		`{"months_in_district": 0, "household_size": 20, "rooms": 10, "move_in_on": " 2026-11-20 "}`,
		`{"household_size": 1}`, `{}`,
	} {
		f.Add([]byte(s))
	}
	today := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		var in ApplyInput
		if json.Unmarshal(data, &in) != nil {
			return
		}
		err := in.check(today)
		if err != nil {
			if ae := apperr.As(err); ae.Code != apperr.Invalid || len(ae.Fields) == 0 {
				t.Fatalf("%s: refusal %v names no field", data, err)
			}
			return
		}
		d, ok := day(in.MoveInOn)
		switch {
		case *in.HouseholdSize < 1 || *in.HouseholdSize > 20, *in.MonthsInDistrict < 0, *in.Rooms < 1 || *in.Rooms > 10:
			t.Fatalf("%s: accepted %+v", data, in)
		case !ok || d.Before(today) || d.Format(time.DateOnly) != in.MoveInOn:
			t.Fatalf("%s: accepted move-in day %q", data, in.MoveInOn)
		}
	})
}
