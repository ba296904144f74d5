package ip

import (
	"context"
	"database/sql"
	"strconv"

	"rainforest/internal/kernel/ledger"
	"rainforest/internal/kernel/notify"
)

// tell sends the other side of a deal a notice of what happened, inside
// the deal's transaction (nothing when the service has no notifier).
func (s *Service) tell(ctx context.Context, tx *sql.Tx, d *Deal, toOrg int64, what string, amount *int64) error {
	if s.Notifier == nil {
		return nil
	}
	var title, listing, other notify.Text
	if err := tx.QueryRowContext(ctx, `SELECT l.title_zh, l.title_en FROM ip_listings l WHERE l.id = $1`, d.ListingID).Scan(&listing.Zh, &listing.En); err != nil {
		return err
	}
	otherID := d.BuyerOrgID
	if toOrg == d.BuyerOrgID {
		otherID = d.SellerOrgID
	}
	if err := tx.QueryRowContext(ctx, `SELECT name_zh, name_en FROM orgs WHERE id = $1`, otherID).Scan(&other.Zh, &other.En); err != nil {
		return err
	}
	if other.En == "" {
		other.En = other.Zh
	}
	sum := ""
	if amount != nil {
		sum = ledger.Yuan(*amount)
	}
	switch what {
	case "interest":
		title = notify.Text{Zh: "新的交易意向：" + listing.Zh, En: "New interest in " + listing.En}
	case "admit":
		title = notify.Text{Zh: "权利人已准入，可查看保密信息：" + listing.Zh, En: "Admitted: the confidential details of " + listing.En + " are open to you"}
	case "offer":
		title = notify.Text{Zh: "新报价 " + sum + " 元：" + listing.Zh, En: "New offer of " + sum + " yuan for " + listing.En}
	case "accept":
		title = notify.Text{Zh: "报价已接受：" + listing.Zh, En: "Offer accepted: " + listing.En}
	case "close":
		title = notify.Text{Zh: "交易已成交：" + listing.Zh, En: "Deal closed: " + listing.En}
	case "decline":
		title = notify.Text{Zh: "交易意向被谢绝：" + listing.Zh, En: "Interest declined: " + listing.En}
	case "withdraw":
		title = notify.Text{Zh: "买方已撤回：" + listing.Zh, En: "The buyer withdrew: " + listing.En}
	default:
		return nil
	}
	_, err := s.Notifier.ToOrg(ctx, tx, toOrg, notify.Message{Kind: "ip.deal." + what, Title: title,
		Body: notify.Text{Zh: "对方：" + other.Zh, En: "The other side: " + other.En},
		Link: "/ip/deals/" + strconv.FormatInt(d.ID, 10)})
	return err
}
