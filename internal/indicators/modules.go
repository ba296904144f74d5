package indicators

import (
	"context"
	"math"
	"time"

	"rainforest/internal/events"
	"rainforest/internal/incubation"
)

// The figures of the service desk (M11) and of foreign-talent permits
// (M8), one query each over their tables.
var deskAndTalent = []*Definition{
	{
		ID: "desk-requests", Module: "servicedesk", Kind: Flow, Dimension: ByDistrict, Unit: "count", Scale: 1,
		TitleZh: "政企服务诉求", TitleEn: "Service-desk requests",
		DefinitionZh: "企业向政企服务台提出的诉求数，按受理区和提出月份。",
		DefinitionEn: "Requests enterprises put to the government-enterprise service desk, by the district that handles them and the month asked.",
		Tables:       []string{"desk_requests"}, Changes: []string{"desk_request"},
		compute: func(ctx context.Context, c *calc) ([]Point, error) {
			return c.grouped(ctx, `SELECT COALESCE(NULLIF(district, ''), 'unassigned'), `+c.tsMonth("created_at")+`, COUNT(*) FROM desk_requests GROUP BY 1, 2`)
		},
	},
	{
		ID: "desk-answered-on-time", Module: "servicedesk", Kind: Flow, Dimension: ByDistrict, Unit: "count", Scale: 1,
		TitleZh: "按时答复的诉求", TitleEn: "Service-desk requests answered in time",
		DefinitionZh: "在首次答复时限内得到答复的诉求数，按受理区和提出月份。",
		DefinitionEn: "Requests first answered by their first due time, by the district that handles them and the month asked.",
		Tables:       []string{"desk_requests"}, Changes: []string{"desk_request"},
		compute: func(ctx context.Context, c *calc) ([]Point, error) {
			return c.grouped(ctx, `SELECT COALESCE(NULLIF(district, ''), 'unassigned'), `+c.tsMonth("created_at")+`, COUNT(*) FROM desk_requests
				WHERE responded_at IS NOT NULL AND responded_at <= first_due_at GROUP BY 1, 2`)
		},
	},
	{
		ID: "talent-permits", Module: "talent", Kind: Flow, Dimension: ByDistrict, Unit: "count", Scale: 1,
		TitleZh: "外国人工作许可", TitleEn: "Foreign-talent work permits issued",
		DefinitionZh: "签发的外国人来华工作许可（含延期换发），按用人单位注册区和签发月份。",
		DefinitionEn: "Work permits issued to foreign talents (renewals included), by the employer's registered district and the month issued.",
		Tables:       []string{"talent_permits", "orgs"}, Changes: []string{"work_permit", "work_permit_application", "org"},
		compute: func(ctx context.Context, c *calc) ([]Point, error) {
			return c.grouped(ctx, `SELECT `+orgArea+`, `+c.tsMonth("t.issued_at")+`, COUNT(*) FROM talent_permits t JOIN orgs o ON o.id = t.employer_org_id GROUP BY 1, 2`)
		},
	},
}

// Events are the events of module M9 through events.Service.Activity:
// events held and people checked in, by district and month.
func Events(s *events.Service) []*Definition {
	source := func(pick func(events.Activity) int64) func(ctx context.Context, month string) ([]Point, error) {
		return func(ctx context.Context, month string) ([]Point, error) {
			end, err := ParseMonth("month", month)
			if err != nil {
				return nil, err
			}
			as, err := s.Activity(ctx, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), end.AddDate(0, 1, 0))
			if err != nil {
				return nil, err
			}
			var ps []Point
			for _, a := range as {
				area := a.District
				if area == "" {
					area = Unassigned
				}
				if v := pick(a); v != 0 {
					ps = append(ps, Point{Area: area, Period: a.Month, Value: v})
				}
			}
			return ps, nil
		}
	}
	changes := []string{"event", "event_registration", "events"}
	return []*Definition{
		{
			ID: "events-held", Module: "events", Kind: Flow, Dimension: ByDistrict, Unit: "count", Scale: 1,
			TitleZh: "举办的活动", TitleEn: "Events held",
			DefinitionZh: "已发布或已结束、且已结束的路演、大赛、投融资对接、沙龙和培训活动数，按举办区和开始月份。",
			DefinitionEn: "Roadshows, competitions, matchmaking, salons and trainings published or closed and over, by district and the month they started.",
			Tables:       []string{"events", "event_registrations"}, Changes: changes,
			Source: source(func(a events.Activity) int64 { return int64(a.Held) }),
		},
		{
			ID: "event-attendance", Module: "events", Kind: Flow, Dimension: ByDistrict, Unit: "count", Scale: 1,
			TitleZh: "活动签到人次", TitleEn: "Event attendance",
			DefinitionZh: "上述活动中已签到的报名人次，按举办区和开始月份。",
			DefinitionEn: "Registrations checked in at those events, by district and the month they started.",
			Tables:       []string{"events", "event_registrations"}, Changes: changes,
			Source: source(func(a events.Activity) int64 { return int64(a.Attended) }),
		},
	}
}

// Incubation are the incubators' rates of module M9 through
// incubation.Service.CityFigures on the day of the refresh: survival after
// one and three years and the success rate, in tenths of a percent, by the
// carriers' district (the city's own rate, not a sum).
func Incubation(s *incubation.Service, now func() time.Time) []*Definition {
	source := func(pick func(incubation.Figures) incubation.Rate) func(ctx context.Context, month string) ([]Point, error) {
		return func(ctx context.Context, month string) ([]Point, error) {
			c, err := s.CityFigures(ctx, now().In(shanghai))
			if err != nil {
				return nil, err
			}
			var ps []Point
			add := func(area string, f incubation.Figures) {
				if r := pick(f); r.Denominator > 0 {
					ps = append(ps, Point{Area: area, Period: month, Value: int64(math.Round(r.Pct * 10))})
				}
			}
			add(City, c.City)
			for _, d := range c.Districts {
				add(d.District, d.Figures)
			}
			return ps, nil
		}
	}
	changes := []string{"incubation_tenancy", "incubation_carrier", "incubation_application"}
	def := func(id, zh, en, dzh, den string, pick func(incubation.Figures) incubation.Rate) *Definition {
		return &Definition{ID: id, Module: "incubation", Kind: Snapshot, Dimension: ByDistrict, Unit: "percent", Scale: 10, OwnCity: true,
			TitleZh: zh, TitleEn: en, DefinitionZh: dzh, DefinitionEn: den,
			Tables: []string{"incubation_tenancies", "incubation_carriers"}, Changes: changes, Source: source(pick)}
	}
	return []*Definition{
		def("incubation-survival-1y", "在孵企业一年存活率", "Incubatee survival after one year",
			"入驻满一年的在孵团队和企业中未关闭（仍在孵、已毕业或迁出）的比例（千分制显示为百分比，一位小数），按载体所在区；取孵化模块的计算口径，当月为实时数，往月为月末时的数。",
			"Of the tenants admitted at least a year ago, the share not closed (still in, graduated or moved), in percent to one decimal, by the carrier's district, as the incubation module computes it; the current month live, past months as they stood when the month ended.",
			func(f incubation.Figures) incubation.Rate { return f.Survival1y }),
		def("incubation-survival-3y", "在孵企业三年存活率", "Incubatee survival after three years",
			"入驻满三年的在孵团队和企业中未关闭的比例，口径同上。",
			"The same share of the tenants admitted at least three years ago.",
			func(f incubation.Figures) incubation.Rate { return f.Survival3y }),
		def("incubation-success-rate", "孵化成功率", "Incubation success rate",
			"已离开或在孵满两年的团队和企业中，毕业离开或获得投资的比例，取孵化模块的计算口径，按载体所在区。",
			"Of the tenants that have left or stayed two years, the share that graduated or raised investment, as the incubation module computes it, by the carrier's district.",
			func(f incubation.Figures) incubation.Rate { return f.Success }),
	}
}
