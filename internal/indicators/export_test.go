package indicators_test

import (
	"testing"

	"rainforest/internal/indicators"
)

func TestFigures(t *testing.T) {
	yuan := &indicators.Definition{Unit: "yuan", Scale: 100}
	count := &indicators.Definition{Unit: "count", Scale: 1}
	hours := &indicators.Definition{Unit: "hours", Scale: 60}
	pct := &indicators.Definition{Unit: "percent", Scale: 10}
	for _, c := range []struct {
		d             *indicators.Definition
		v             int64
		figure, shown string
	}{
		{yuan, 43173800000, "431738000.00", "431,738,000.00"},
		{yuan, 5, "0.05", "0.05"},
		{yuan, -12345, "-123.45", "-123.45"},
		{count, 80518, "80518", "80,518"},
		{count, 999, "999", "999"},
		{hours, 90, "1.50", "1.50"},
		{pct, 314, "31.4", "31.4"},
	} {
		if f, s := c.d.Figure(c.v), c.d.Display(c.v); f != c.figure || s != c.shown {
			t.Errorf("%s %d: %q %q, want %q %q", c.d.Unit, c.v, f, s, c.figure, c.shown)
		}
	}
	if got := indicators.Per10k(2, 975707); got != 2 {
		t.Errorf("Per10k(2, 975707) = %d, want 2 (0.02)", got)
	}
	if got := indicators.Per10k(17932, 24870895); got != 721 {
		t.Errorf("Per10k(17932, 24870895) = %d, want 721", got)
	}
}
