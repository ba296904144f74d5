package transfer

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"rainforest/internal/kernel/auth"
)

// Candidate is an instrument or a service provider another module offers
// for a need; the transfer module scores it and says why.
type Candidate struct {
	ID     int64
	Name   string
	NameEn string
	Owner  string
	// Region is shanghai, jiangsu, zhejiang or anhui.
	Region string
	// Field is the provider's high-tech field, when known.
	Field string
	// Categories are the kinds of service a provider offers.
	Categories []string
	// Text is what the shared terms are looked for in (an instrument's
	// name, model and capabilities).
	Text string
	// Relevance is the text search's score scaled to the best hit.
	Relevance float64
	// Voucher is whether innovation vouchers pay for it.
	Voucher bool
}

// Resources is how the transfer module reaches the instruments and the
// service providers of the other modules (wired by the application).
type Resources interface {
	// Instruments ranks the active instruments for a text, best first.
	Instruments(ctx context.Context, text string, limit int) ([]Candidate, error)
	// Providers lists the active service providers.
	Providers(ctx context.Context) ([]Candidate, error)
}

// Resource is a suggested instrument or provider with its score out of
// 100 and the reason.
type Resource struct {
	Kind   string         `json:"kind"`
	ID     int64          `json:"id"`
	Name   string         `json:"name"`
	NameEn string         `json:"name_en,omitempty"`
	Owner  string         `json:"owner,omitempty"`
	Region string         `json:"region"`
	URL    string         `json:"url"`
	Score  int            `json:"score"`
	Reason ResourceReason `json:"reason"`
}

// ResourceReason explains a resource's score part by part.
type ResourceReason struct {
	SharedTerms []string `json:"shared_terms"`
	SameField   bool     `json:"same_field"`
	// Services are the provider's categories that serve a need.
	Services   []string `json:"services"`
	SameRegion bool     `json:"same_region"`
	Delta      bool     `json:"delta"`
	Voucher    bool     `json:"voucher"`
	Parts      struct {
		Text    int `json:"text"`
		Field   int `json:"field"`
		Service int `json:"service"`
		Region  int `json:"region"`
		Voucher int `json:"voucher"`
	} `json:"parts"`
}

// NeedResources are the instruments and service providers for a need.
type NeedResources struct {
	Instruments []Resource `json:"instruments"`
	Providers   []Resource `json:"providers"`
}

// serviceValue is how much a provider's kind of service helps to answer
// a need: taking it to a deal first, then advice and IP, then the work.
var serviceValue = map[string]int{
	"technology_transfer": 30, "consulting": 20, "ip_service": 20,
	"testing": 10, "instrument": 10, "design": 10, "software": 10,
}

// needRegion is where a need's owner is: the platform's enterprises are
// registered in Shanghai.
const needRegion = "shanghai"

// regionPoints scores a resource's region against the need's: the same
// province in full, the rest of the Yangtze River Delta half.
func regionPoints(region string, full int, r *ResourceReason) int {
	switch region {
	case needRegion:
		r.SameRegion = true
		return full
	case "jiangsu", "zhejiang", "anhui":
		r.Delta = true
		return full / 2
	}
	return 0
}

// ResourcesFor suggests, for a need, the instruments whose capabilities
// answer its problem (text 70, region 20, voucher 10) and the service
// providers who could help (field 40, service 30, region 30), best first,
// at most limit of each. Anyone who may see the need may ask; without the
// other modules wired the lists are empty.
func (s *Service) ResourcesFor(ctx context.Context, p *auth.Principal, needID int64, limit int) (NeedResources, error) {
	out := NeedResources{Instruments: []Resource{}, Providers: []Resource{}}
	if err := checkLimit(limit); err != nil {
		return out, err
	}
	n, err := s.Need(ctx, p, needID)
	if err != nil {
		return out, err
	}
	if s.Resources == nil {
		return out, nil
	}
	qt := n.text()
	ins, err := s.Resources.Instruments(ctx, qt, candidates)
	if err != nil {
		return out, err
	}
	terms := termSet(qt)
	for _, c := range ins {
		r := Resource{Kind: "instrument", ID: c.ID, Name: c.Name, NameEn: c.NameEn, Owner: c.Owner, Region: c.Region, URL: "/instruments/" + strconv.FormatInt(c.ID, 10)}
		r.Reason.SharedTerms = SharedTerms(c.Text, terms, 10)
		r.Reason.Services = []string{}
		r.Reason.Parts.Text = int(c.Relevance*70 + 0.5)
		r.Reason.Parts.Region = regionPoints(c.Region, 20, &r.Reason)
		if c.Voucher {
			r.Reason.Voucher, r.Reason.Parts.Voucher = true, 10
		}
		pt := r.Reason.Parts
		r.Score = pt.Text + pt.Region + pt.Voucher
		out.Instruments = append(out.Instruments, r)
	}
	provs, err := s.Resources.Providers(ctx)
	if err != nil {
		return out, err
	}
	for _, c := range provs {
		if c.ID == n.OwnerOrgID {
			continue
		}
		r := Resource{Kind: "provider", ID: c.ID, Name: c.Name, NameEn: c.NameEn, Region: c.Region, URL: "/orgs/" + strconv.FormatInt(c.ID, 10)}
		r.Reason.SharedTerms = []string{}
		r.Reason.Services = []string{}
		if c.Field != "" && c.Field == n.Field {
			r.Reason.SameField, r.Reason.Parts.Field = true, 40
		}
		for _, cat := range c.Categories {
			if v := serviceValue[cat]; v > 0 {
				r.Reason.Services = append(r.Reason.Services, cat)
				r.Reason.Parts.Service = max(r.Reason.Parts.Service, v)
			}
		}
		r.Reason.Parts.Region = regionPoints(c.Region, 30, &r.Reason)
		r.Reason.Voucher = c.Voucher
		pt := r.Reason.Parts
		r.Score = pt.Field + pt.Service + pt.Region
		out.Providers = append(out.Providers, r)
	}
	rankResources(out.Instruments)
	rankResources(out.Providers)
	out.Instruments = out.Instruments[:min(limit, len(out.Instruments))]
	out.Providers = out.Providers[:min(limit, len(out.Providers))]
	return out, nil
}

// rankResources orders resources by score, then by id.
func rankResources(rs []Resource) {
	slices.SortStableFunc(rs, func(x, y Resource) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(x.ID, y.ID))
	})
}
