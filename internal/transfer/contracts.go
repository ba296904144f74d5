package transfer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/search"
)

// Contract is a technology contract in the registry.
type Contract struct {
	ID             int64      `json:"id"`
	Kind           string     `json:"kind"`
	Title          string     `json:"title"`
	SellerOrgID    int64      `json:"seller_org_id"`
	SellerName     string     `json:"seller_name"`
	SellerRegion   string     `json:"seller_region"`
	SellerDistrict string     `json:"seller_district"`
	BuyerOrgID     *int64     `json:"buyer_org_id"`
	BuyerName      string     `json:"buyer_name"`
	BuyerRegion    string     `json:"buyer_region"`
	BuyerDistrict  string     `json:"buyer_district"`
	ValueFen       int64      `json:"value_fen"`
	TechnicalFen   int64      `json:"technical_fen"`
	SignedOn       string     `json:"signed_on"`
	CaseID         *int64     `json:"case_id"`
	AchievementID  *int64     `json:"achievement_id"`
	Status         string     `json:"status"`
	Number         *string    `json:"number"`
	Reason         string     `json:"reason"`
	DecidedAt      *time.Time `json:"decided_at"`
	Version        int        `json:"version"`
	CreatedAt      time.Time  `json:"created_at"`
}

// ContractInput records a contract for the seller.
type ContractInput struct {
	Kind        string `json:"kind"`
	Title       string `json:"title"`
	SellerOrgID int64  `json:"seller_org_id"`
	// BuyerOrgID names a buyer on the platform (its name, region and
	// district are taken from the registry); otherwise BuyerName and
	// BuyerRegion (and BuyerDistrict within Shanghai) say who bought.
	BuyerOrgID    *int64 `json:"buyer_org_id"`
	BuyerName     string `json:"buyer_name"`
	BuyerRegion   string `json:"buyer_region"`
	BuyerDistrict string `json:"buyer_district"`
	ValueYuan     int64  `json:"value_yuan"`
	// TechnicalYuan is the technical part of the value; the whole value
	// when nil.
	TechnicalYuan *int64 `json:"technical_yuan"`
	SignedOn      string `json:"signed_on"`
	CaseID        *int64 `json:"case_id"`
	AchievementID *int64 `json:"achievement_id"`
}

const contractCols = `c.id, c.kind, c.title, c.seller_org_id, o.name_zh, c.seller_region, c.seller_district, c.buyer_org_id, c.buyer_name, c.buyer_region,
	c.buyer_district, c.value_fen, c.technical_fen, c.signed_on, c.case_id, c.achievement_id, c.status, c.number, c.reason, c.decided_at, c.version, c.created_at`

const contractFrom = ` FROM transfer_contracts c JOIN orgs o ON o.id = c.seller_org_id`

func scanContract(r scanner) (Contract, error) {
	var c Contract
	var buyer, cs, ach sql.NullInt64
	var signed db.Date
	var number sql.NullString
	var decided db.Time
	err := r.Scan(&c.ID, &c.Kind, &c.Title, &c.SellerOrgID, &c.SellerName, &c.SellerRegion, &c.SellerDistrict, &buyer, &c.BuyerName, &c.BuyerRegion,
		&c.BuyerDistrict, &c.ValueFen, &c.TechnicalFen, &signed, &cs, &ach, &c.Status, &number, &c.Reason, &decided, &c.Version, &c.CreatedAt)
	for _, v := range []struct {
		n   sql.NullInt64
		dst **int64
	}{{buyer, &c.BuyerOrgID}, {cs, &c.CaseID}, {ach, &c.AchievementID}} {
		if v.n.Valid {
			x := v.n.Int64
			*v.dst = &x
		}
	}
	c.SignedOn = signed.String
	if number.Valid {
		c.Number = &number.String
	}
	if decided.Valid {
		t := decided.Time
		c.DecidedAt = &t
	}
	return c, err
}

func loadContract(ctx context.Context, q search.DBTX, id int64) (Contract, error) {
	c, err := scanContract(q.QueryRowContext(ctx, `SELECT `+contractCols+contractFrom+` WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.New(apperr.NotFound, "no contract %d", id)
	}
	return c, apperr.Wrap(err, "contract")
}

// mayReadContract: the seller's and the buyer's members, the officers of
// the seller's district, administrators.
func mayReadContract(p *auth.Principal, c *Contract) bool {
	if p == nil {
		return false
	}
	return p.IsAdmin() || p.RoleIn(c.SellerOrgID) != "" || (c.BuyerOrgID != nil && p.RoleIn(*c.BuyerOrgID) != "") || p.OfficerFor(c.SellerDistrict)
}

func (in *ContractInput) normalize(today string) (value, technical int64, err error) {
	trimAll(&in.Kind, &in.Title, &in.BuyerName, &in.BuyerRegion, &in.BuyerDistrict, &in.SignedOn)
	var fs fieldErrs
	if !slices.Contains(ContractKinds, in.Kind) {
		fs.add("kind", oneOf(ContractKinds))
	}
	fs.line("title", in.Title, true, 200)
	if in.SellerOrgID < 1 {
		fs.add("seller_org_id", "is required")
	}
	if in.BuyerOrgID == nil {
		fs.line("buyer_name", in.BuyerName, true, 200)
		if !slices.Contains(Regions, in.BuyerRegion) {
			fs.add("buyer_region", oneOf(Regions))
		}
		if in.BuyerDistrict != "" && in.BuyerRegion != "shanghai" {
			fs.add("buyer_district", "is for buyers in Shanghai only")
		}
	}
	if in.ValueYuan < 1 || in.ValueYuan > maxYuan {
		fs.add("value_yuan", "must be a whole number of yuan from 1 to 100,000,000,000")
	}
	value, technical = in.ValueYuan*100, in.ValueYuan*100
	if in.TechnicalYuan != nil {
		if *in.TechnicalYuan < 0 || *in.TechnicalYuan > in.ValueYuan {
			fs.add("technical_yuan", "must be from 0 to the contract's value")
		}
		technical = *in.TechnicalYuan * 100
	}
	switch {
	case !validDate(in.SignedOn):
		fs.add("signed_on", "must be a date (YYYY-MM-DD)")
	case in.SignedOn > today:
		fs.add("signed_on", "must not be in the future")
	case in.SignedOn < "2000-01-01":
		fs.add("signed_on", "must be in 2000 or later")
	}
	return value, technical, apperr.Fields(fs)
}

// RecordContract records a signed contract for its seller (members of the
// seller, administrators); an officer of the seller's district then
// registers or rejects it.
func (s *Service) RecordContract(ctx context.Context, p *auth.Principal, in ContractInput) (Contract, error) {
	if p == nil {
		return Contract{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	value, technical, err := in.normalize(s.today())
	if err != nil {
		return Contract{}, err
	}
	if !member(p, in.SellerOrgID) {
		return Contract{}, apperr.New(apperr.Forbidden, "the seller's members record its contracts")
	}
	var id int64
	now := s.DB.Now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		sellerDistrict, err := ownerDistrict(ctx, tx, in.SellerOrgID, "seller_org_id")
		if err != nil {
			return err
		}
		if in.BuyerOrgID != nil {
			if *in.BuyerOrgID == in.SellerOrgID {
				return apperr.Field("buyer_org_id", "must not be the seller")
			}
			var name string
			var d sql.NullString
			err := tx.QueryRowContext(ctx, `SELECT name_zh, registered_district FROM orgs WHERE id = $1`, *in.BuyerOrgID).Scan(&name, &d)
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.Field("buyer_org_id", "is not an organization")
			}
			if err != nil {
				return apperr.Wrap(err, "buyer")
			}
			in.BuyerName, in.BuyerRegion, in.BuyerDistrict = name, "shanghai", d.String
		} else if in.BuyerDistrict != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM districts WHERE slug = $1`, in.BuyerDistrict).Scan(&n); err != nil {
				return apperr.Wrap(err, "district")
			}
			if n == 0 {
				return apperr.Field("buyer_district", "is not a district of Shanghai")
			}
		}
		if in.CaseID != nil {
			var seller int64
			err := tx.QueryRowContext(ctx, `SELECT a.owner_org_id FROM transfer_cases c JOIN transfer_achievements a ON a.id = c.achievement_id WHERE c.id = $1`, *in.CaseID).Scan(&seller)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && seller != in.SellerOrgID) {
				return apperr.Field("case_id", "is not a case of the seller's achievements")
			}
			if err != nil {
				return apperr.Wrap(err, "case")
			}
		}
		if in.AchievementID != nil {
			var owner int64
			err := tx.QueryRowContext(ctx, `SELECT owner_org_id FROM transfer_achievements WHERE id = $1`, *in.AchievementID).Scan(&owner)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != in.SellerOrgID) {
				return apperr.Field("achievement_id", "is not an achievement of the seller")
			}
			if err != nil {
				return apperr.Wrap(err, "achievement")
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO transfer_contracts (kind, title, seller_org_id, seller_region, seller_district, buyer_org_id, buyer_name,
			buyer_region, buyer_district, value_fen, technical_fen, signed_on, case_id, achievement_id, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, 'shanghai', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id`,
			in.Kind, in.Title, in.SellerOrgID, sellerDistrict, in.BuyerOrgID, in.BuyerName, in.BuyerRegion, in.BuyerDistrict, value, technical, in.SignedOn,
			in.CaseID, in.AchievementID, p.UserID, now).Scan(&id); err != nil {
			return apperr.Wrap(err, "insert contract")
		}
		c, err := loadContract(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: in.SellerOrgID, Action: "create", Entity: "transfer_contract", EntityID: strconv.FormatInt(id, 10), After: c})
	})
	if err != nil {
		return Contract{}, err
	}
	return s.Contract(ctx, p, id)
}

// Contract returns a contract to those who may read it.
func (s *Service) Contract(ctx context.Context, p *auth.Principal, id int64) (Contract, error) {
	if p == nil {
		return Contract{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	c, err := loadContract(ctx, s.DB.Read, id)
	if err == nil && !mayReadContract(p, &c) {
		return Contract{}, apperr.New(apperr.NotFound, "no contract %d", id)
	}
	return c, err
}

// Contracts lists the contracts p may read: its organizations' as seller
// or buyer, an officer's districts', or all for administrators; status
// filters ("" all).
func (s *Service) Contracts(ctx context.Context, p *auth.Principal, status string) ([]Contract, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	if status != "" && !slices.Contains([]string{"submitted", "registered", "rejected"}, status) {
		return nil, apperr.Field("status", "must be one of submitted, registered, rejected")
	}
	var args db.Args
	where := []string{"1 = 1"}
	if !p.IsAdmin() {
		var conds []string
		if orgs := p.OrgIDs(); len(orgs) > 0 {
			in := db.List(&args, orgs)
			conds = append(conds, `c.seller_org_id IN (`+in+`)`, `c.buyer_org_id IN (`+in+`)`)
		}
		if ds := p.OfficerDistricts(); len(ds) > 0 {
			conds = append(conds, `c.seller_district IN (`+db.List(&args, ds)+`)`)
		}
		if len(conds) == 0 {
			return []Contract{}, nil
		}
		where = append(where, "("+strings.Join(conds, " OR ")+")")
	}
	if status != "" {
		where = append(where, `c.status = `+args.Add(status))
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+contractCols+contractFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY c.id DESC LIMIT 500`, args...)
	cs, err := db.Collect(rows, err, "contracts", func(r interface{ Scan(...any) error }) (Contract, error) { return scanContract(r) })
	if cs == nil {
		cs = []Contract{}
	}
	return cs, err
}

// DecideContract registers (giving it its number) or rejects (with the
// reason) a submitted contract: officers of the seller's district and
// administrators.
func (s *Service) DecideContract(ctx context.Context, p *auth.Principal, id int64, action, reason string) (Contract, error) {
	if p == nil {
		return Contract{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	reason = strings.TrimSpace(reason)
	switch action {
	case "register":
	case "reject":
		if reason == "" {
			return Contract{}, apperr.Field("reason", "is required to reject a contract")
		}
	default:
		return Contract{}, apperr.Field("action", "must be register or reject")
	}
	var fs fieldErrs
	fs.block("reason", reason, 2000)
	if err := apperr.Fields(fs); err != nil {
		return Contract{}, err
	}
	now := s.DB.Now()
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		c, err := loadContract(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.IsAdmin() && !p.OfficerFor(c.SellerDistrict) {
			if mayReadContract(p, &c) {
				return apperr.New(apperr.Forbidden, "officers of the seller's district register contracts")
			}
			return apperr.New(apperr.NotFound, "no contract %d", id)
		}
		if c.Status != "submitted" {
			return apperr.New(apperr.Conflict, "the contract is %s already", c.Status)
		}
		var number any
		status := "rejected"
		if action == "register" {
			status = "registered"
			year := c.SignedOn[:4]
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM transfer_contracts WHERE number LIKE $1`, "TC-"+year+"-%").Scan(&n); err != nil {
				return apperr.Wrap(err, "contract numbers")
			}
			number = fmt.Sprintf("TC-%s-%06d", year, n+1)
		}
		res, err := tx.ExecContext(ctx, `UPDATE transfer_contracts SET status = $1, number = $2, reason = $3, decided_by = $4, decided_at = $5,
			version = version + 1, updated_at = $5 WHERE id = $6 AND status = 'submitted'`, status, number, reason, p.UserID, now, id)
		if err != nil {
			return apperr.Wrap(err, "decide contract")
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return apperr.New(apperr.Conflict, "the contract was decided meanwhile")
		}
		after, err := loadContract(ctx, tx, id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: c.SellerOrgID, Action: action, Entity: "transfer_contract", EntityID: strconv.FormatInt(id, 10), Before: c, After: after})
	})
	if err != nil {
		return Contract{}, err
	}
	return s.Contract(ctx, p, id)
}

// Flow is a number of contracts and their value.
type Flow struct {
	Contracts    int   `json:"contracts"`
	ValueFen     int64 `json:"value_fen"`
	TechnicalFen int64 `json:"technical_fen"`
}

func (f *Flow) add(value, technical int64) {
	f.Contracts++
	f.ValueFen += value
	f.TechnicalFen += technical
}

// YearTurnover is one year of the registry: the whole, by buyer region,
// the exports to Jiangsu, Zhejiang and Anhui together, by kind and by the
// seller's district.
type YearTurnover struct {
	Year        int             `json:"year"`
	Total       Flow            `json:"total"`
	ByRegion    map[string]Flow `json:"by_region"`
	DeltaExport Flow            `json:"delta_export"`
	ByKind      map[string]Flow `json:"by_kind"`
	ByDistrict  map[string]Flow `json:"by_seller_district"`
}

// Turnover is the registered contracts' turnover by year (of signing),
// newest first. Public: it is the registry's published statistics.
type Turnover struct {
	From  int            `json:"from"`
	To    int            `json:"to"`
	Years []YearTurnover `json:"years"`
}

// Turnover sums the registered contracts signed in the years from..to.
func (s *Service) Turnover(ctx context.Context, from, to int) (Turnover, error) {
	if from < 2000 || from > 2100 {
		return Turnover{}, apperr.Field("from", "must be a year from 2000 to 2100")
	}
	if to < from || to > 2100 || to-from > 30 {
		return Turnover{}, apperr.Field("to", "must be a year from the first year, at most 30 years later")
	}
	out := Turnover{From: from, To: to, Years: []YearTurnover{}}
	years := map[int]*YearTurnover{}
	for y := to; y >= from; y-- {
		years[y] = &YearTurnover{Year: y, ByRegion: map[string]Flow{}, ByKind: map[string]Flow{}, ByDistrict: map[string]Flow{}}
		for _, r := range Regions {
			years[y].ByRegion[r] = Flow{}
		}
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT kind, seller_district, buyer_region, value_fen, technical_fen, signed_on FROM transfer_contracts
		WHERE status = 'registered' AND signed_on >= $1 AND signed_on <= $2`, fmt.Sprintf("%04d-01-01", from), fmt.Sprintf("%04d-12-31", to))
	if err != nil {
		return out, apperr.Wrap(err, "turnover")
	}
	defer rows.Close()
	bump := func(m map[string]Flow, k string, v, t int64) {
		f := m[k]
		f.add(v, t)
		m[k] = f
	}
	for rows.Next() {
		var kind, district, region string
		var value, technical int64
		var signed db.Date
		if err := rows.Scan(&kind, &district, &region, &value, &technical, &signed); err != nil {
			return out, apperr.Wrap(err, "turnover")
		}
		y, _ := strconv.Atoi(signed.String[:4])
		yt := years[y]
		if yt == nil {
			continue
		}
		yt.Total.add(value, technical)
		bump(yt.ByRegion, region, value, technical)
		bump(yt.ByKind, kind, value, technical)
		bump(yt.ByDistrict, district, value, technical)
		if slices.Contains(Delta, region) {
			yt.DeltaExport.add(value, technical)
		}
	}
	if err := rows.Err(); err != nil {
		return out, apperr.Wrap(err, "turnover")
	}
	for y := to; y >= from; y-- {
		out.Years = append(out.Years, *years[y])
	}
	return out, nil
}
