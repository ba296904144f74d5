package events

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"rainforest/internal/kernel/apperr"
)

var inputFields = []string{"organiser_org_id", "kind", "title_zh", "title_en", "description_zh", "description_en", "venue", "online_url", "district",
	"starts_at", "ends_at", "capacity", "reg_opens_at", "reg_closes_at", "audience", "meeting_minutes"}

// FuzzNormalize: whatever an event's input holds, Normalize either
// refuses it naming only fields of the input, or accepts an event whose
// capacity is positive, which ends after it starts, whose registration
// window opens before it closes and closes by the end, of a known kind
// and audience; and an accepted input is accepted again unchanged.
func FuzzNormalize(f *testing.F) {
	f.Add([]byte(`{"organiser_org_id":1,"kind":"salon","title_zh":"沙龙","venue":"静安","district":"jingan","starts_at":"2026-12-05T14:00:00+08:00","ends_at":"2026-12-05T17:00:00+08:00","capacity":30}`))
	f.Add([]byte(`{"organiser_org_id":1,"kind":"matchmaking","title_zh":"对接会","online_url":"https://meet.example.cn/x","district":"yangpu","starts_at":"2026-12-05T14:00:00Z","ends_at":"2026-12-05T14:10:00Z","capacity":1,"meeting_minutes":20}`))
	f.Add([]byte(`{"organiser_org_id":1,"kind":"training","title_zh":"培训","venue":"v","district":"xuhui","starts_at":"2026-12-05T14:00:00Z","ends_at":"2026-12-05T13:00:00Z","capacity":0}`))
	f.Add([]byte(`{"organiser_org_id":1,"kind":"roadshow","title_zh":"路演","venue":"v","district":"xuhui","starts_at":"2026-12-05T14:00:00Z","ends_at":"2026-12-05T16:00:00Z","capacity":5,"reg_opens_at":"2026-12-01T00:00:00Z","reg_closes_at":"2026-12-06T00:00:00Z"}`))
	f.Add([]byte(`{"kind":"competition","title_zh":"\u0000","district":"X","capacity":-1,"audience":"everyone","starts_at":"2026-12-05T14:00:30Z","ends_at":"2027-12-05T14:00:00Z"}`))
	now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		var in Input
		if json.Unmarshal(b, &in) != nil {
			return
		}
		err := in.Normalize(now)
		if err != nil {
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Invalid || len(e.Fields) == 0 {
				t.Fatalf("refusal %v is not a field error", err)
			}
			for _, fe := range e.Fields {
				if !slices.Contains(inputFields, fe.Field) {
					t.Fatalf("refusal names %q, not a field of the input", fe.Field)
				}
			}
			return
		}
		switch {
		case in.Capacity < 1 || in.Capacity > MaxCapacity:
			t.Fatalf("capacity %d accepted", in.Capacity)
		case !in.End.After(in.Start):
			t.Fatalf("ends %v, starts %v", in.End, in.Start)
		case in.RegCloses == nil || in.RegOpens == nil || !in.RegCloses.After(*in.RegOpens) || in.RegCloses.After(in.End):
			t.Fatalf("registration window %v–%v for an event ending %v", in.RegOpens, in.RegCloses, in.End)
		case !slices.Contains(Kinds, in.Kind) || !slices.Contains(Audiences, in.Audience):
			t.Fatalf("kind %q audience %q", in.Kind, in.Audience)
		case in.TitleZh == "" || in.District == "" || (in.Venue == "" && in.OnlineURL == ""):
			t.Fatalf("accepted without title, district or place: %+v", in)
		case in.MeetingMinutes < 5 || in.MeetingMinutes > 240:
			t.Fatalf("meeting minutes %d", in.MeetingMinutes)
		}
		again := in
		if err := again.Normalize(now); err != nil {
			t.Fatalf("accepted once, refused again: %v", err)
		}
		if again.Start != in.Start || again.End != in.End || *again.RegCloses != *in.RegCloses || again.Capacity != in.Capacity || again.Kind != in.Kind {
			t.Fatalf("normalising twice changed %+v into %+v", in, again)
		}
	})
}
