package ip

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/ip/ipnum"
	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/ledger"
	"rainforest/internal/kernel/search"
	"rainforest/internal/kernel/workflow"
)

// Deal states.
const (
	Interest    = "interest"
	Admitted    = "admitted"
	Negotiating = "negotiating"
	Agreed      = "agreed"
	Closed      = "closed"
	Declined    = "declined"
	Withdrawn   = "withdrawn"
)

// dealSubject is a deal as the workflow sees it, with the side of the
// principal acting (buyer, seller or "").
type dealSubject struct {
	deal *Deal
	side string
	last *Message // the latest offer, or nil
}

func dealRoles(p *auth.Principal, s workflow.Subject[*dealSubject]) []string {
	var out []string
	if p == nil {
		return nil
	}
	if p.IsAdmin() {
		out = append(out, "admin")
	}
	if p.RoleIn(s.Value.deal.BuyerOrgID) != "" {
		out = append(out, "buyer")
	}
	if p.RoleIn(s.Value.deal.SellerOrgID) != "" {
		out = append(out, "seller")
	}
	return out
}

// guardAccept: there is an offer on the table, made by the other side.
func guardAccept(ctx context.Context, q workflow.Querier, s workflow.Subject[*dealSubject]) error {
	if s.Value.last == nil {
		return workflow.Refuse("no_offer", "尚无报价可接受", "there is no offer to accept")
	}
	if s.Value.last.Side == s.Value.side {
		return workflow.Refuse("own_offer", "不能接受己方的报价，请等待对方回应", "you cannot accept your own offer; wait for the other side")
	}
	return nil
}

var open = []string{Interest, Admitted, Negotiating, Agreed}

// Deals is the deal workflow.
var Deals = workflow.Must(workflow.New[*dealSubject](nil, workflow.Definition[*dealSubject]{
	Name:    "ip_deal",
	LabelZh: "知识产权交易",
	LabelEn: "IP deal",
	Initial: Interest,
	States: []workflow.State{
		{Name: Interest, LabelZh: "意向", LabelEn: "Interest"},
		{Name: Admitted, LabelZh: "已准入", LabelEn: "Admitted"},
		{Name: Negotiating, LabelZh: "磋商中", LabelEn: "Negotiating"},
		{Name: Agreed, LabelZh: "已达成", LabelEn: "Agreed"},
		{Name: Closed, LabelZh: "已成交", LabelEn: "Closed", Terminal: true},
		{Name: Declined, LabelZh: "已谢绝", LabelEn: "Declined", Terminal: true},
		{Name: Withdrawn, LabelZh: "已撤回", LabelEn: "Withdrawn", Terminal: true},
	},
	Transitions: []workflow.Transition[*dealSubject]{
		{Action: "admit", LabelZh: "准入并公开保密信息", LabelEn: "Admit and share confidential details", From: []string{Interest}, To: Admitted, Roles: []string{"seller", "admin"}},
		{Action: "negotiate", LabelZh: "开始磋商", LabelEn: "Start negotiating", From: []string{Admitted}, To: Negotiating, Roles: []string{"seller", "buyer"}},
		{Action: "accept", LabelZh: "接受报价", LabelEn: "Accept the offer", From: []string{Negotiating}, To: Agreed, Roles: []string{"seller", "buyer"}, Guard: guardAccept},
		{Action: "close", LabelZh: "确认收款并成交", LabelEn: "Confirm payment and close", From: []string{Agreed}, To: Closed, Roles: []string{"seller", "admin"}},
		{Action: "decline", LabelZh: "谢绝", LabelEn: "Decline", From: open, To: Declined, Roles: []string{"seller"}, Comment: workflow.CommentRequired},
		{Action: "withdraw", LabelZh: "撤回", LabelEn: "Withdraw", From: open, To: Withdrawn, Roles: []string{"buyer"}},
	},
	Store:   workflow.Store{Table: "ip_deals", VersionColumn: "version", UpdatedColumn: "updated_at"},
	RolesOf: dealRoles,
}))

func (s *Service) machine() *workflow.Machine[*dealSubject] {
	m := *Deals
	m.DB = s.DB
	return &m
}

const dealCols = `d.id, d.listing_id, d.seller_org_id, d.buyer_org_id, so.name_zh, bo.name_zh, l.title_zh, l.title_en, d.state, d.price_fen,
	d.inventor_share_bp, d.inventor_share_fen, d.journal_id, d.version, d.created_at, d.updated_at, d.closed_at`

const dealFrom = ` FROM ip_deals d JOIN ip_listings l ON l.id = d.listing_id JOIN orgs so ON so.id = d.seller_org_id JOIN orgs bo ON bo.id = d.buyer_org_id`

func scanDeal(row interface{ Scan(...any) error }) (Deal, error) {
	var d Deal
	var price, journal sql.NullInt64
	var closed db.Time
	err := row.Scan(&d.ID, &d.ListingID, &d.SellerOrgID, &d.BuyerOrgID, &d.SellerName, &d.BuyerName, &d.ListingTitleZh, &d.ListingTitleEn,
		&d.State, &price, &d.InventorShareBP, &d.InventorShareFen, &journal, &d.Version, &d.CreatedAt, &d.UpdatedAt, &closed)
	if price.Valid {
		d.PriceFen = &price.Int64
	}
	if journal.Valid {
		d.JournalID = &journal.Int64
	}
	d.ClosedAt = closed.Ptr()
	d.InventorSharePct = bpPct(d.InventorShareBP)
	return d, err
}

func getDeal(ctx context.Context, q search.DBTX, id int64) (Deal, error) {
	d, err := scanDeal(q.QueryRowContext(ctx, `SELECT `+dealCols+dealFrom+` WHERE d.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, apperr.New(apperr.NotFound, "no deal %d", id)
	}
	if err != nil {
		return d, apperr.Wrap(err, "deal")
	}
	rows, err := q.QueryContext(ctx, `SELECT id, side, author_user_id, amount_fen, body, created_at FROM ip_deal_messages WHERE deal_id = $1 ORDER BY id`, id)
	d.Messages, err = db.Collect(rows, err, "deal messages", func(r interface{ Scan(...any) error }) (Message, error) {
		var m Message
		var author, amount sql.NullInt64
		err := r.Scan(&m.ID, &m.Side, &author, &amount, &m.Body, &m.CreatedAt)
		if author.Valid {
			m.AuthorUserID = &author.Int64
		}
		if amount.Valid {
			m.AmountFen = &amount.Int64
		}
		return m, err
	})
	if err != nil {
		return d, err
	}
	rows, err = q.QueryContext(ctx, `SELECT inventor_id, name_zh, name_en, share_bp, amount_fen, account_id FROM ip_deal_payouts WHERE deal_id = $1 ORDER BY inventor_id`, id)
	d.Payouts, err = db.Collect(rows, err, "deal payouts", func(r interface{ Scan(...any) error }) (Payout, error) {
		var v Payout
		var bp int64
		err := r.Scan(&v.InventorID, &v.NameZh, &v.NameEn, &bp, &v.AmountFen, &v.AccountID)
		v.SharePct = bpPct(bp)
		return v, err
	})
	return d, err
}

func lastOffer(d *Deal) *Message {
	for i := len(d.Messages) - 1; i >= 0; i-- {
		if d.Messages[i].AmountFen != nil {
			return &d.Messages[i]
		}
	}
	return nil
}

// sideOf is the side p takes in d: seller, buyer, or "" (an administrator
// or an outsider).
func sideOf(p *auth.Principal, d *Deal) string {
	switch {
	case p == nil:
		return ""
	case p.RoleIn(d.SellerOrgID) != "":
		return "seller"
	case p.RoleIn(d.BuyerOrgID) != "":
		return "buyer"
	}
	return ""
}

func (s *Service) subject(p *auth.Principal, d *Deal) workflow.Subject[*dealSubject] {
	return workflow.Subject[*dealSubject]{ID: d.ID, State: d.State, OrgID: d.SellerOrgID, Value: &dealSubject{deal: d, side: sideOf(p, d), last: lastOffer(d)}}
}

// Deal returns a deal to its parties and administrators.
func (s *Service) Deal(ctx context.Context, p *auth.Principal, id int64) (Deal, error) {
	if p == nil {
		return Deal{}, apperr.New(apperr.Unauthorized, "sign in to see deals")
	}
	d, err := getDeal(ctx, s.DB.Read, id)
	if err != nil {
		return d, err
	}
	if !p.IsAdmin() && sideOf(p, &d) == "" {
		return Deal{}, apperr.New(apperr.NotFound, "no deal %d", id)
	}
	return d, nil
}

// DealView is a deal with what the reader may do and its history.
type DealView struct {
	Deal
	Side    string            `json:"side"`
	Actions []workflow.Option `json:"actions"`
	History []workflow.Record `json:"history"`
	Listing *Listing          `json:"listing,omitempty"`
}

// View returns the deal room's content for p.
func (s *Service) View(ctx context.Context, p *auth.Principal, id int64) (DealView, error) {
	d, err := s.Deal(ctx, p, id)
	if err != nil {
		return DealView{}, err
	}
	m := s.machine()
	acts, err := m.Available(ctx, s.DB.Read, s.subject(p, &d), p)
	if err != nil {
		return DealView{}, err
	}
	acts = slices.DeleteFunc(acts, func(o workflow.Option) bool { return o.Action == "negotiate" })
	hist, err := m.History(ctx, s.DB.Read, id)
	if err != nil {
		return DealView{}, err
	}
	v := DealView{Deal: d, Side: sideOf(p, &d), Actions: acts, History: hist}
	if l, err := s.Listing(ctx, p, d.ListingID); err == nil {
		v.Listing = &l
	}
	return v, nil
}

// Express records an expression of interest by buyer (an organization p
// belongs to) in an active listing; the message is optional. One open deal
// per buyer and listing.
func (s *Service) Express(ctx context.Context, p *auth.Principal, listingID, buyer int64, message string) (Deal, error) {
	if p == nil {
		return Deal{}, apperr.New(apperr.Unauthorized, "sign in to express interest")
	}
	message = strings.TrimSpace(message)
	var fs fieldErrs
	fs.block("message", message, 4000)
	if buyer == 0 {
		if len(p.Memberships) != 1 {
			fs.add("buyer_org_id", "is required: the organization you act for")
		} else {
			buyer = p.Memberships[0].OrgID
		}
	}
	if err := apperr.Fields(fs); err != nil {
		return Deal{}, err
	}
	if p.RoleIn(buyer) == "" {
		return Deal{}, apperr.New(apperr.Forbidden, "you act for your own organizations only")
	}
	var id int64
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		l, err := getListing(ctx, tx, listingID)
		if err != nil {
			return err
		}
		if l.Status != "active" {
			return apperr.New(apperr.Conflict, "the listing is %s", l.Status)
		}
		if l.OwnerOrgID == buyer {
			return apperr.Field("buyer_org_id", "owns the listing")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ip_deals WHERE listing_id = $1 AND buyer_org_id = $2 AND state IN ('interest', 'admitted', 'negotiating', 'agreed')`,
			listingID, buyer).Scan(&n); err != nil {
			return apperr.Wrap(err, "open deals")
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "your organization already has an open deal on this listing")
		}
		now := s.DB.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO ip_deals (listing_id, seller_org_id, buyer_org_id, state, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, listingID, l.OwnerOrgID, buyer, Interest, now).Scan(&id); err != nil {
			return apperr.Wrap(err, "insert deal")
		}
		if message != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO ip_deal_messages (deal_id, side, author_user_id, body, created_at) VALUES ($1, 'buyer', $2, $3, $4)`,
				id, p.UserID, message, now); err != nil {
				return apperr.Wrap(err, "insert message")
			}
		}
		d := Deal{ID: id, ListingID: listingID, SellerOrgID: l.OwnerOrgID, BuyerOrgID: buyer, State: Interest}
		if _, err := s.machine().Begin(ctx, tx, s.subject(p, &d), p, ""); err != nil {
			return err
		}
		if err := s.tell(ctx, tx, &d, d.SellerOrgID, "interest", nil); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: buyer, Action: "create", Entity: "ip_deal_interest", EntityID: strconv.FormatInt(id, 10), After: d})
	})
	if err != nil {
		return Deal{}, err
	}
	return s.Deal(ctx, p, id)
}

// Post adds a message to a deal room, or an offer when yuan is set (whole
// yuan). Offers are made once the buyer is admitted; the first one starts
// the negotiation.
func (s *Service) Post(ctx context.Context, p *auth.Principal, id int64, body string, yuan *int64) (Deal, error) {
	if p == nil {
		return Deal{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	body = strings.TrimSpace(body)
	var fs fieldErrs
	fs.block("body", body, 4000)
	if yuan == nil && body == "" {
		fs.add("body", "is required")
	}
	if yuan != nil && (*yuan < 1 || *yuan > MaxPriceYuan) {
		fs.add("amount_yuan", "must be a whole number of yuan from 1 to 10,000,000,000")
	}
	if err := apperr.Fields(fs); err != nil {
		return Deal{}, err
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		d, err := getDeal(ctx, tx, id)
		if err != nil {
			return err
		}
		side := sideOf(p, &d)
		if side == "" {
			if p.IsAdmin() {
				return apperr.New(apperr.Forbidden, "only the parties write in a deal room")
			}
			return apperr.New(apperr.NotFound, "no deal %d", id)
		}
		if !slices.Contains(open, d.State) {
			return apperr.New(apperr.Conflict, "the deal is %s", d.State)
		}
		var amount *int64
		if yuan != nil {
			if d.State != Admitted && d.State != Negotiating {
				return apperr.Field("amount_yuan", "offers are made once the owner has admitted the buyer and before agreement").WithCode(apperr.Conflict)
			}
			f := *yuan * 100
			amount = &f
			if d.State == Admitted {
				if _, err := s.machine().Apply(ctx, tx, s.subject(p, &d), "negotiate", p, ""); err != nil {
					return err
				}
			}
		}
		now := s.DB.Now()
		var mid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO ip_deal_messages (deal_id, side, author_user_id, amount_fen, body, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			id, side, p.UserID, amount, body, now).Scan(&mid); err != nil {
			return apperr.Wrap(err, "insert message")
		}
		action := "message"
		if amount != nil {
			action = "offer"
			to := d.BuyerOrgID
			if side == "buyer" {
				to = d.SellerOrgID
			}
			if err := s.tell(ctx, tx, &d, to, "offer", amount); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: d.SellerOrgID, Action: action, Entity: "ip_deal", EntityID: strconv.FormatInt(id, 10),
			After: map[string]any{"message_id": mid, "side": side, "amount_fen": amount}})
	})
	if err != nil {
		return Deal{}, err
	}
	return s.Deal(ctx, p, id)
}

// Act takes a workflow action on a deal: admit, accept, close, decline,
// withdraw. Accepting fixes the price at the latest offer; closing records
// the payment and posts it with the inventors' shares through the ledger.
func (s *Service) Act(ctx context.Context, p *auth.Principal, id int64, action, comment string) (Deal, error) {
	if p == nil {
		return Deal{}, apperr.New(apperr.Unauthorized, "sign in")
	}
	if action == "negotiate" {
		return Deal{}, apperr.Field("action", "negotiation starts with the first offer")
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		d, err := getDeal(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.IsAdmin() && sideOf(p, &d) == "" {
			return apperr.New(apperr.NotFound, "no deal %d", id)
		}
		sub := s.subject(p, &d)
		if _, err := s.machine().Apply(ctx, tx, sub, action, p, comment); err != nil {
			return err
		}
		now := s.DB.Now()
		to := d.BuyerOrgID
		if action == "withdraw" || (action == "accept" && sub.Value.side == "buyer") {
			to = d.SellerOrgID
		}
		if err := s.tell(ctx, tx, &d, to, action, nil); err != nil {
			return err
		}
		switch action {
		case "accept":
			if _, err := tx.ExecContext(ctx, `UPDATE ip_deals SET price_fen = $1 WHERE id = $2`, *sub.Value.last.AmountFen, id); err != nil {
				return apperr.Wrap(err, "deal price")
			}
		case "close":
			var asset int64
			if err := tx.QueryRowContext(ctx, `SELECT asset_id FROM ip_listings WHERE id = $1`, d.ListingID).Scan(&asset); err != nil {
				return apperr.Wrap(err, "deal asset")
			}
			if err := s.checkFree(ctx, tx, asset, "action"); err != nil {
				return err
			}
			return s.settle(ctx, tx, &d, now)
		}
		return nil
	})
	if err != nil {
		return Deal{}, err
	}
	return s.Deal(ctx, p, id)
}

// inventorShare is the owner's inventor-team share applied to a price:
// universities and institutes only, rounded to the nearest fen.
func (s *Service) inventorShare(ctx context.Context, tx *sql.Tx, seller, price int64) (bp, fen int64, err error) {
	var kind string
	if err := tx.QueryRowContext(ctx, `SELECT kind FROM orgs WHERE id = $1`, seller).Scan(&kind); err != nil {
		return 0, 0, apperr.Wrap(err, "seller kind")
	}
	if kind != "university" && kind != "institute" {
		return 0, 0, nil
	}
	bp, err = s.OwnerShare(ctx, tx, seller)
	if err != nil || bp == 0 {
		return bp, 0, err
	}
	// Split rounds half of the time each way; use it on [share, rest].
	parts := ipnum.Split(price, []int64{bp, 10000 - bp})
	return bp, parts[0], nil
}

// settle records a closed deal: its inventor payouts (the inventor-team
// share split by contribution with largest-remainder rounding), one ledger
// entry (the buyer's purchase, the seller's revenue, each inventor's
// payable), the listing closed for a transfer or an exclusive licence, and
// the audit record. The ledger key makes posting idempotent.
func (s *Service) settle(ctx context.Context, tx *sql.Tx, d *Deal, now time.Time) error {
	if d.PriceFen == nil {
		return apperr.New(apperr.Conflict, "the deal has no agreed price")
	}
	price := *d.PriceFen
	l, err := getListing(ctx, tx, d.ListingID)
	if err != nil {
		return err
	}
	a, err := loadAsset(ctx, tx, l.AssetID)
	if err != nil {
		return err
	}
	bp, shareFen, err := s.inventorShare(ctx, tx, d.SellerOrgID, price)
	if err != nil {
		return err
	}
	if len(a.Inventors) == 0 {
		bp, shareFen = 0, 0
	}
	lg := ledger.New(s.DB)
	sid, bid := strconv.FormatInt(d.SellerOrgID, 10), strconv.FormatInt(d.BuyerOrgID, 10)
	buyerAcc, err := lg.EnsureAccount(ctx, tx, ledger.Account{Code: "ip:purchases:org:" + bid, NameZh: "知识产权购入：" + d.BuyerName,
		NameEn: "IP purchases: " + d.BuyerName, Type: ledger.Expense, Kind: "ip_purchases", OwnerOrgID: &d.BuyerOrgID})
	if err != nil {
		return err
	}
	sellerAcc, err := lg.EnsureAccount(ctx, tx, ledger.Account{Code: "ip:revenue:org:" + sid, NameZh: "知识产权交易收入：" + d.SellerName,
		NameEn: "IP deal revenue: " + d.SellerName, Type: ledger.Income, Kind: "ip_revenue", OwnerOrgID: &d.SellerOrgID})
	if err != nil {
		return err
	}
	postings := []ledger.Posting{{AccountID: buyerAcc.ID, Amount: price}, {AccountID: sellerAcc.ID, Amount: -(price - shareFen)}}
	if shareFen > 0 {
		ws := make([]int64, len(a.Inventors))
		for i, inv := range a.Inventors {
			ws[i] = inv.ShareBP
		}
		parts := ipnum.Split(shareFen, ws)
		for i, inv := range a.Inventors {
			acc, err := lg.EnsureAccount(ctx, tx, ledger.Account{Code: "ip:inventor:" + strconv.FormatInt(inv.ID, 10), NameZh: "发明人奖酬：" + inv.NameZh,
				NameEn: "Inventor reward: " + cmpOr(inv.NameEn, inv.NameZh), Type: ledger.Liability, Kind: "inventor_payable", OwnerOrgID: &d.SellerOrgID})
			if err != nil {
				return err
			}
			if parts[i] > 0 {
				postings = append(postings, ledger.Posting{AccountID: acc.ID, Amount: -parts[i]})
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO ip_deal_payouts (deal_id, inventor_id, name_zh, name_en, share_bp, amount_fen, account_id)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, d.ID, inv.ID, inv.NameZh, inv.NameEn, inv.ShareBP, parts[i], acc.ID); err != nil {
				return apperr.Wrap(err, "insert payout")
			}
		}
	}
	j, err := lg.Post(ctx, tx, ledger.Entry{
		Key:         "ip:deal:" + strconv.FormatInt(d.ID, 10) + ":close",
		Description: "IP deal " + strconv.FormatInt(d.ID, 10) + ": " + ledger.Yuan(price) + " yuan, inventor share " + ledger.Yuan(shareFen) + " yuan",
		Ref:         ledger.Ref{Entity: "ip_deal", ID: strconv.FormatInt(d.ID, 10)},
		OrgID:       d.SellerOrgID,
		Postings:    postings,
	})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE ip_deals SET inventor_share_bp = $1, inventor_share_fen = $2, journal_id = $3, closed_at = $4 WHERE id = $5`,
		bp, shareFen, j.ID, now, d.ID); err != nil {
		return apperr.Wrap(err, "deal payment")
	}
	if l.Kind == "transfer" || l.Kind == "exclusive_licence" {
		if _, err := tx.ExecContext(ctx, `UPDATE ip_listings SET status = 'closed', version = version + 1, updated_at = $1 WHERE id = $2`, now, l.ID); err != nil {
			return apperr.Wrap(err, "close listing")
		}
		if err := reindex(ctx, tx, l.ID); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, now, audit.Change{OrgID: d.SellerOrgID, Action: "close", Entity: "ip_deal", EntityID: strconv.FormatInt(d.ID, 10),
		After: map[string]any{"price_fen": price, "buyer_org_id": d.BuyerOrgID, "seller_org_id": d.SellerOrgID, "inventor_share_bp": bp,
			"inventor_share_fen": shareFen, "journal_id": j.ID}})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// MyDeals lists the deals of p's organizations on either side (every deal
// for an administrator), newest first.
func (s *Service) MyDeals(ctx context.Context, p *auth.Principal) ([]Deal, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in")
	}
	var args db.Args
	q := `SELECT ` + dealCols + dealFrom
	if !p.IsAdmin() {
		var orgs []int64
		for _, m := range p.Memberships {
			orgs = append(orgs, m.OrgID)
		}
		l := db.List(&args, orgs)
		q += ` WHERE d.seller_org_id IN (` + l + `) OR d.buyer_org_id IN (` + l + `)`
	}
	q += ` ORDER BY d.id DESC LIMIT 500`
	rows, err := s.DB.Read.QueryContext(ctx, q, args...)
	return db.Collect(rows, err, "my deals", scanDeal)
}
