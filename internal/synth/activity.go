package synth

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/db"
)

// Activity describes months of activity over a generated city: patents
// granted, technology contracts, IP deals, shared instruments and their
// bookings, innovation vouchers and redemptions, loans and risk-pool
// claims, program awards. The numbers per month are in proportion to the
// city's enterprises. It writes the modules' tables directly (one bulk
// transaction, one audit entry per kind of record), for benchmarks and
// tests of the figures computed over them; it is meant for a fresh city
// and deterministic for a seed.
type Activity struct {
	Months int
	Seed   uint64
	// Now is the end of the period (the database clock when zero).
	Now time.Time
}

// ActivityCounts are the records written, by table.
type ActivityCounts map[string]int

type orgRef struct {
	id       int64
	district string
}

var activityZone = time.FixedZone("CST", 8*3600)

// WriteActivity writes the activity and returns what it wrote.
func WriteActivity(ctx context.Context, d *db.DB, a Activity) (ActivityCounts, error) {
	if a.Months <= 0 || a.Months > 120 {
		return nil, apperr.Field("months", "must be between 1 and 120")
	}
	now := a.Now
	if now.IsZero() {
		now = d.Now()
	}
	load := func(kind string) ([]orgRef, error) {
		rows, err := d.Read.QueryContext(ctx, `SELECT id, COALESCE(registered_district, '') FROM orgs WHERE kind = $1 ORDER BY id`, kind)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []orgRef
		for rows.Next() {
			var o orgRef
			if err := rows.Scan(&o.id, &o.district); err != nil {
				return nil, err
			}
			out = append(out, o)
		}
		return out, rows.Err()
	}
	ents, err := load("enterprise")
	if err != nil {
		return nil, apperr.Wrap(err, "activity orgs")
	}
	banks, err := load("bank")
	if err != nil {
		return nil, apperr.Wrap(err, "activity orgs")
	}
	labs, err := load("institute")
	if err != nil {
		return nil, apperr.Wrap(err, "activity orgs")
	}
	services, err := load("service")
	if err != nil {
		return nil, apperr.Wrap(err, "activity orgs")
	}
	agencies, err := load("agency")
	if err != nil {
		return nil, apperr.Wrap(err, "activity orgs")
	}
	if len(ents) < 2 || len(banks) == 0 || len(labs) == 0 || len(services) == 0 || len(agencies) == 0 {
		return nil, apperr.New(apperr.Invalid, "generate a city first: enterprises, banks, institutes, service firms and agencies are needed")
	}
	n := len(ents)
	per := func(div, least int) int { return max(least, n/div) }
	r := rand.New(rand.NewPCG(a.Seed, 0xac71717))
	pick := func(os []orgRef) orgRef { return os[r.IntN(len(os))] }
	counts := ActivityCounts{}
	// monthStart is the first instant of month k before now's (k = 0: now's).
	thisMonth := time.Date(now.In(activityZone).Year(), now.In(activityZone).Month(), 1, 0, 0, 0, 0, activityZone)
	// at is a random instant of month k, never after now.
	at := func(k int) time.Time {
		start := thisMonth.AddDate(0, -k, 0)
		end := start.AddDate(0, 1, 0)
		if end.After(now) {
			end = now
		}
		span := end.Sub(start)
		if span <= 0 {
			return start.UTC()
		}
		return start.Add(time.Duration(r.Int64N(int64(span)))).UTC().Truncate(time.Microsecond)
	}
	day := func(t time.Time) string { return t.In(activityZone).Format(time.DateOnly) }
	dist := func(o orgRef) any {
		if o.district == "" {
			return nil
		}
		return o.district
	}
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		exec := func(table, q string, args ...any) error {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			counts[table]++
			return nil
		}
		insertID := func(table, q string, args ...any) (int64, error) {
			var id int64
			if err := tx.QueryRowContext(ctx, q+" RETURNING id", args...).Scan(&id); err != nil {
				return 0, fmt.Errorf("%s: %w", table, err)
			}
			counts[table]++
			return id, nil
		}
		created := now.UTC().Truncate(time.Microsecond)
		var user int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1`, "activity@synthetic.invalid").Scan(&user)
		if err == sql.ErrNoRows {
			user, err = insertID("users", `INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ($1, $2, '!', $3, $3)`,
				"activity@synthetic.invalid", "Synthetic activity", created)
		}
		if err != nil {
			return err
		}
		tag := fmt.Sprintf("syn%d", a.Seed)
		journal := func(key string, on string) (int64, error) {
			return insertID("ledger_journals", `INSERT INTO ledger_journals (idempotency_key, description, effective_on, created_at) VALUES ($1, 'synthetic activity', $2, $3)`,
				tag+"-"+key, on, created)
		}

		// Instruments, listed over the period, each a calendar resource.
		type instr struct {
			id, resource int64
			owner        int64
			listed       time.Time
		}
		var instrs []instr
		for i := 0; i < per(2000, 3); i++ {
			owner := pick(labs)
			listed := at(r.IntN(a.Months))
			res, err := insertID("calendar_resources", `INSERT INTO calendar_resources (owner_org_id, name, slot_minutes, min_minutes, max_minutes, created_at, updated_at)
				VALUES ($1, $2, 30, 30, 480, $3, $3)`, owner.id, fmt.Sprintf("instrument %d", i), listed)
			if err != nil {
				return err
			}
			district := owner.district
			if r.IntN(10) == 0 {
				district = ""
			}
			id, err := insertID("instruments", `INSERT INTO instruments (owner_org_id, resource_id, name_zh, name_en, category, region, district, purchase_value_fen,
				fee_unit, fee_internal_fen, fee_external_fen, fee_sme_fen, ical_token, created_at, updated_at)
				VALUES ($1, $2, $3, $4, 'microscopy', 'shanghai', $5, $6, 'hour', 10000, 30000, 15000, $7, $8, $8)`,
				owner.id, res, fmt.Sprintf("合成仪器 %d", i), fmt.Sprintf("Synthetic instrument %d", i), district, int64(1+r.IntN(500))*1000000,
				fmt.Sprintf("%s-i%d", tag, i), listed)
			if err != nil {
				return err
			}
			instrs = append(instrs, instr{id, res, owner.id, listed})
		}

		// Programs behind the awards, products behind the loans, a pool.
		agency := pick(agencies)
		prog, err := insertID("programs", `INSERT INTO programs (slug, owner_org_id, level, title_zh, title_en, legal_reference, rule_set, rules_status, status, created_at, updated_at)
			VALUES ($1, $2, 'district', '合成专项', 'Synthetic program', '合成依据', '{}', 'ok', 'closed', $3, $3)`, tag+"-program", agency.id, created)
		if err != nil {
			return err
		}
		bank := pick(banks)
		product, err := insertID("loan_products", `INSERT INTO loan_products (bank_org_id, name_zh, min_fen, max_fen, min_months, max_months, rate_bp, created_at, updated_at)
			VALUES ($1, '合成贷款', 100000, 1000000000, 6, 36, 380, $2, $2)`, bank.id, created)
		if err != nil {
			return err
		}
		pool, err := insertID("risk_pools", `INSERT INTO risk_pools (slug, owner_org_id, name_zh, shares, per_loan_cap_fen, capital_fen, created_at, updated_at)
			VALUES ($1, $2, '合成资金池', '{"fund": 5000, "bank": 5000}', 500000000, 10000000000, $3, $3)`, tag+"-pool", agency.id, created)
		if err != nil {
			return err
		}

		booking := 0
		for k := a.Months - 1; k >= 0; k-- {
			month := thisMonth.AddDate(0, -k, 0)
			// Patents: most granted inventions, some utility models, some filed.
			for i := 0; i < per(400, 3); i++ {
				o := pick(ents)
				subtype, status := "invention", "granted"
				if r.IntN(4) == 0 {
					subtype = "utility_model"
				}
				if r.IntN(5) == 0 {
					status = "filed"
				}
				t := at(k)
				if err := exec("ip_assets", `INSERT INTO ip_assets (owner_org_id, kind, subtype, number, status, title_zh, title_en, created_at, updated_at)
					VALUES ($1, 'patent', $2, $3, $4, '合成专利', 'Synthetic patent', $5, $5)`, o.id, subtype, fmt.Sprintf("%s-%d-%d", tag, k, i), status, t); err != nil {
					return err
				}
			}
			// Technology contracts sold from Shanghai, most registered.
			regions := []string{"shanghai", "shanghai", "jiangsu", "zhejiang", "anhui", "other", "abroad"}
			for i := 0; i < per(2000, 3); i++ {
				o := pick(ents)
				status := "registered"
				if r.IntN(6) == 0 {
					status = "submitted"
				}
				value := int64(1+r.IntN(2000)) * 100000
				if err := exec("transfer_contracts", `INSERT INTO transfer_contracts (kind, title, seller_org_id, seller_region, seller_district, buyer_name, buyer_region,
					value_fen, technical_fen, signed_on, status, number, created_by, created_at, updated_at)
					VALUES ('licensing', '合成技术合同', $1, 'shanghai', $2, '合成买方', $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
					o.id, o.district, regions[r.IntN(len(regions))], value, value/2, day(at(k)), status, fmt.Sprintf("%s-c%d-%d", tag, k, i), user, created); err != nil {
					return err
				}
			}
			// IP deals: a listing each, closed at a price.
			for i := 0; i < per(10000, 2); i++ {
				seller, buyer := pick(ents), pick(ents)
				asset, err := insertID("ip_assets", `INSERT INTO ip_assets (owner_org_id, kind, subtype, number, status, title_zh, title_en, created_at, updated_at)
					VALUES ($1, 'patent', 'design', $2, 'granted', '合成外观设计', 'Synthetic design', $3, $3)`, seller.id, fmt.Sprintf("%s-d%d-%d", tag, k, i), created)
				if err != nil {
					return err
				}
				listing, err := insertID("ip_listings", `INSERT INTO ip_listings (asset_id, owner_org_id, kind, price_fen, title_zh, title_en, district, status, expires_on, created_at, updated_at)
					VALUES ($1, $2, 'transfer', $3, '合成挂牌', 'Synthetic listing', $4, 'closed', $5, $6, $6)`, asset, seller.id, int64(1+r.IntN(100))*1000000, seller.district,
					day(month.AddDate(1, 0, 0)), created)
				if err != nil {
					return err
				}
				closed := at(k)
				state := "closed"
				if r.IntN(5) == 0 {
					state = "negotiating"
				}
				if err := exec("ip_deals", `INSERT INTO ip_deals (listing_id, seller_org_id, buyer_org_id, state, price_fen, created_at, updated_at, closed_at)
					VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`, listing, seller.id, buyer.id, state, int64(1+r.IntN(100))*1000000, closed, map[bool]any{true: closed, false: nil}[state == "closed"]); err != nil {
					return err
				}
			}
			// Bookings of listed instruments, one after another, most by outsiders.
			for i := 0; i < per(1000, 3); i++ {
				in := instrs[r.IntN(len(instrs))]
				start := month.Add(time.Duration(booking%600) * time.Hour).Add(time.Duration(booking/600) * 24 * 30 * time.Hour)
				booking++
				if start.Before(in.listed) || !start.Before(now) {
					continue
				}
				minutes := 30 * (1 + r.IntN(8))
				status := "completed"
				if r.IntN(6) == 0 {
					status = "cancelled"
				}
				cls := r.IntN(3)
				org := pick(ents)
				cb, err := insertID("calendar_bookings", `INSERT INTO calendar_bookings (resource_id, starts_at, ends_at, status, blocks, org_id, created_at, updated_at)
					VALUES ($1, $2, $3, $4, FALSE, $5, $6, $6)`, in.resource, start.UTC(), start.Add(time.Duration(minutes)*time.Minute).UTC(), status, org.id, created)
				if err != nil {
					return err
				}
				class := []string{"internal", "external", "sme"}[cls]
				if err := exec("instrument_bookings", `INSERT INTO instrument_bookings (booking_id, instrument_id, user_id, org_id, fee_class, mode, estimate_fen, actual_minutes, charge_fen, created_at, updated_at)
					VALUES ($1, $2, (SELECT id FROM users WHERE email = $3), $4, $5, 'operator', 10000, $6, 10000, $7, $7)`, cb, in.id, "activity@synthetic.invalid", org.id, class,
					map[bool]any{true: minutes, false: nil}[status == "completed"], created); err != nil {
					return err
				}
			}
			// A voucher program a month, vouchers to distinct enterprises, half redeemed.
			vp, err := insertID("voucher_programs", `INSERT INTO voucher_programs (slug, owner_org_id, name_zh, face_fen, voucher_share_bp, validity_days, categories, regions, budget_fen, status, created_at, updated_at)
				VALUES ($1, $2, '合成创新券', 2000000, 5000, 365, 'testing', 'shanghai', 100000000000, 'open', $3, $3)`, fmt.Sprintf("%s-v%d", tag, k), agency.id, created)
			if err != nil {
				return err
			}
			nv := min(per(1000, 3), n)
			step := max(1, n/nv)
			off := r.IntN(n)
			for i := 0; i < nv; i++ {
				o := ents[(off+i*step)%n]
				issued := at(k)
				v, err := insertID("vouchers", `INSERT INTO vouchers (program_id, org_id, face_fen, expires_on, channel, created_at, updated_at) VALUES ($1, $2, 2000000, $3, 'automatic', $4, $4)`,
					vp, o.id, day(issued.AddDate(1, 0, 0)), issued)
				if err != nil {
					return err
				}
				if i%2 == 1 {
					continue
				}
				spent := at(k)
				if spent.Before(issued) {
					spent = issued
				}
				order := int64(1+r.IntN(40)) * 100000
				voucher := min(order/2, 2000000)
				j, err := journal(fmt.Sprintf("r%d-%d", k, i), day(spent))
				if err != nil {
					return err
				}
				prov := pick(services)
				if err := exec("voucher_redemptions", `INSERT INTO voucher_redemptions (voucher_id, provider_org_id, provider_region, order_ref, order_fen, voucher_fen, subsidy_fen, own_fen,
					idem_key, month, journal_id, created_by, created_at) VALUES ($1, $2, 'shanghai', $3, $4, $5, 0, $6, $7, $8, $9, $10, $11)`,
					v, prov.id, fmt.Sprintf("order-%d-%d", k, i), order, voucher, order-voucher, fmt.Sprintf("%s-%d-%d", tag, k, i), spent.In(activityZone).Format("2006-01"), j, user, spent); err != nil {
					return err
				}
			}
			// Loans: most disbursed; a few default with a paid pool claim.
			for i := 0; i < per(3000, 2); i++ {
				o := pick(ents)
				amount := int64(1+r.IntN(50)) * 10000000
				state, disbursed := "disbursed", any(day(at(k)))
				switch r.IntN(8) {
				case 0:
					state, disbursed = "declined", nil
				case 1:
					state = "defaulted"
				}
				loan, err := insertID("loans", `INSERT INTO loans (product_id, bank_org_id, org_id, amount_fen, months, rate_bp, state, disbursed_on, outstanding_fen, created_at, updated_at)
					VALUES ($1, $2, $3, $4, 12, 380, $5, $6, $4, $7, $7)`, product, bank.id, o.id, amount, state, disbursed, created)
				if err != nil {
					return err
				}
				if state != "defaulted" {
					continue
				}
				j, err := journal(fmt.Sprintf("c%d-%d", k, i), day(at(k)))
				if err != nil {
					return err
				}
				if err := exec("pool_claims", `INSERT INTO pool_claims (pool_id, loan_id, bank_org_id, loss_fen, share_bp, claim_fen, state, journal_id, created_at, updated_at)
					VALUES ($1, $2, $3, $4, 5000, $5, 'paid', $6, $7, $7)`, pool, loan, bank.id, amount/2, amount/4, j, created); err != nil {
					return err
				}
			}
			// Awards: approved in the month, most paid through the ledger.
			for i := 0; i < per(2000, 3); i++ {
				o := pick(ents)
				key := fmt.Sprintf("%s-a%d-%d", tag, k, i)
				app, err := insertID("applications", `INSERT INTO applications (program_id, org_id, project_title, project_key, amount_fen, state, created_at, updated_at)
					VALUES ($1, $2, '合成项目', $3, $4, 'approved', $5, $5)`, prog, o.id, key, int64(1+r.IntN(100))*1000000, created)
				if err != nil {
					return err
				}
				approved := at(k)
				status, paid, jid := "reserved", any(nil), any(nil)
				switch r.IntN(5) {
				case 0:
					status = "cancelled"
				case 1, 2, 3:
					status = "paid"
					p := day(approved)
					j, err := journal("a"+key, p)
					if err != nil {
						return err
					}
					paid, jid = p, j
				}
				if err := exec("awards", `INSERT INTO awards (application_id, program_id, org_id, fund_key, project_key, amount_fen, status, journal_id, approved_at, paid_on,
					registered_district, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
					app, prog, o.id, tag+"-fund", key, int64(1+r.IntN(100))*1000000, status, jid, approved, paid, dist(o), created); err != nil {
					return err
				}
			}
		}
		for _, e := range []string{"ip_asset", "transfer_contract", "ip_deal", "instrument", "instrument_booking", "voucher", "loan", "pool_claim", "award"} {
			if err := audit.Record(ctx, tx, created, audit.Change{Action: "generate", Entity: e, EntityID: "synthetic", After: map[string]any{"seed": a.Seed, "months": a.Months}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err, "activity")
	}
	return counts, nil
}
