package servicedesk

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/auth"
	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/notify"
	"rainforest/internal/kernel/rules"
	"rainforest/internal/kernel/text"
	"rainforest/internal/kernel/workflow"
	"rainforest/internal/registry"
)

// CompileRule compiles a targeting rule: a CEL expression over the
// registry profile that gives true or false. A rule that does not compile
// is an Invalid error on the field "rule" whose message begins with the
// line:column of the fault.
func CompileRule(rule string) (*rules.RuleSet, error) {
	rule = strings.TrimSpace(rule)
	if msg := checkRuleText(rule); msg != "" {
		return nil, apperr.Field("rule", "%s", msg)
	}
	rs, err := rules.Compile(rules.Spec{
		Slug:      "desk-notice",
		Title:     rules.Text{Zh: "政策通知推送对象", En: "Policy notice recipients"},
		Reference: "service desk",
		Criteria: []rules.CriterionSpec{{ID: "target", Label: rules.Text{Zh: "推送条件", En: "Targeting rule"},
			Reference: "service desk", Expr: rule}},
	})
	if err != nil {
		ae := apperr.As(err)
		if ae == nil || ae.Code != apperr.Invalid {
			return nil, err
		}
		var fs text.Errors
		for _, f := range ae.Fields {
			if strings.HasPrefix(f.Field, "criteria[0]") {
				fs.Add("rule", f.Message)
			}
		}
		if len(fs) == 0 {
			fs = []apperr.FieldError{{Field: "rule", Message: ae.Message}}
		}
		return nil, apperr.Fields(fs)
	}
	return rs, nil
}

// Targets evaluates a compiled rule over the enterprises of district (""
// : the whole city) as of today and returns those it selects, in id
// order, and how many could not be evaluated. Only the fields the rule
// reads are loaded; an unknown (null) field that the rule needs leaves
// the enterprise out.
func (s *Service) Targets(ctx context.Context, q workflow.Querier, rs *rules.RuleSet, district string) ([]OrgBrief, int, error) {
	pc := registry.NewProfileColumns(rs.Fields(), false)
	sqlq := `SELECT id, name_zh, name_en` + pc.Select() + ` FROM orgs WHERE kind = 'enterprise'`
	var args db.Args
	if district != "" {
		sqlq += ` AND registered_district = ` + args.Add(district)
	}
	sqlq += ` ORDER BY id`
	rows, err := q.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return nil, 0, apperr.Wrap(err, "notice targets")
	}
	defer rows.Close()
	var briefs []OrgBrief
	batch := rules.NewBatchCap(1024)
	frame := rules.NewFrame()
	asOf := s.DB.Now().In(Shanghai)
	asOf = time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	var out []OrgBrief
	skipped := 0
	flush := func() error {
		if batch.Len() == 0 {
			return nil
		}
		o, err := rs.EvaluateBatch(frame, batch, asOf)
		if err != nil {
			return apperr.Wrap(err, "notice rule")
		}
		for i := range batch.Len() {
			if o.Status[i] == rules.Eligible {
				out = append(out, briefs[i])
			}
		}
		briefs = briefs[:0]
		batch = rules.NewBatchCap(1024)
		return nil
	}
	var b OrgBrief
	dest := append([]any{&b.ID, &b.NameZh, &b.NameEn}, pc.Dest()...)
	prof := &rules.Profile{}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, apperr.Wrap(err, "notice targets")
		}
		if err := pc.Fill(prof); err != nil {
			skipped++
			continue
		}
		batch.Append(prof)
		briefs = append(briefs, b)
		if batch.Len() == 1024 {
			if err := flush(); err != nil {
				return nil, 0, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, apperr.Wrap(err, "notice targets")
	}
	if err := flush(); err != nil {
		return nil, 0, err
	}
	return out, skipped, nil
}

// noticeDistrict checks who may address a notice to district: officers
// their own districts (their only one when none is named), administrators
// any district or the whole city ("").
func noticeDistrict(p *auth.Principal, district string) (string, error) {
	if err := staff(p); err != nil {
		return "", err
	}
	if p.IsAdmin() {
		return district, nil
	}
	ds := p.OfficerDistricts()
	if district == "" && len(ds) == 1 {
		return ds[0], nil
	}
	if !slices.Contains(ds, district) {
		return "", apperr.Field("district", "must be a district you act for")
	}
	return district, nil
}

// PreviewNotice tells how many enterprises a rule reaches in a district,
// with the first twenty of them.
func (s *Service) PreviewNotice(ctx context.Context, p *auth.Principal, rule, district string) (Preview, error) {
	district, err := noticeDistrict(p, strings.TrimSpace(district))
	if err != nil {
		return Preview{}, err
	}
	rs, err := CompileRule(rule)
	if err != nil {
		return Preview{}, err
	}
	ts, skipped, err := s.Targets(ctx, s.DB.Read, rs, district)
	if err != nil {
		return Preview{}, err
	}
	pv := Preview{Reach: len(ts), Sample: ts[:min(len(ts), 20)], Skipped: skipped}
	if pv.Sample == nil {
		pv.Sample = []OrgBrief{}
	}
	return pv, nil
}

const noticeCols = `id, district, title_zh, title_en, body_zh, body_en, rule, state, reach, published_at, created_at,
	(SELECT COUNT(*) FROM desk_notice_recipients r WHERE r.notice_id = desk_notices.id AND r.delivered = FALSE) FROM desk_notices`

func scanNotice(sc interface{ Scan(...any) error }) (Notice, error) {
	var n Notice
	var pub db.Time
	err := sc.Scan(&n.ID, &n.District, &n.TitleZh, &n.TitleEn, &n.BodyZh, &n.BodyEn, &n.Rule, &n.State, &n.Reach, &pub, &n.CreatedAt, &n.Pending)
	n.PublishedAt = pub.Ptr()
	n.CreatedAt = n.CreatedAt.UTC()
	return n, err
}

// CreateNotice drafts a notice after checking its texts and compiling
// its rule.
func (s *Service) CreateNotice(ctx context.Context, p *auth.Principal, in NoticeInput) (Notice, error) {
	district, err := noticeDistrict(p, strings.TrimSpace(in.District))
	if err != nil {
		return Notice{}, err
	}
	in.District = district
	if err := in.Check(); err != nil {
		return Notice{}, err
	}
	if _, err := CompileRule(in.Rule); err != nil {
		return Notice{}, err
	}
	var n Notice
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.DB.Now()
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO desk_notices (district, title_zh, title_en, body_zh, body_en, rule, state, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $8) RETURNING id`, in.District, in.TitleZh, in.TitleEn, in.BodyZh, in.BodyEn, in.Rule, p.UserID, now).Scan(&id); err != nil {
			return apperr.Wrap(err, "insert notice")
		}
		var err error
		if n, err = scanNotice(tx.QueryRowContext(ctx, `SELECT `+noticeCols+` WHERE id = $1`, id)); err != nil {
			return apperr.Wrap(err, "notice")
		}
		return audit.Record(ctx, tx, now, audit.Change{Action: "desk_notice.draft", Entity: "desk_notice", EntityID: strconv.FormatInt(id, 10), After: n})
	})
	return n, err
}

// canSeeNotice: administrators, officers of its district (all officers
// for a city-wide one), and members of an enterprise it reached.
func (s *Service) canSeeNotice(ctx context.Context, q workflow.Querier, p *auth.Principal, n *Notice) (bool, error) {
	switch {
	case p == nil:
		return false, nil
	case p.IsAdmin(), p.OfficerFor(n.District), n.District == "" && len(p.OfficerDistricts()) > 0:
		return true, nil
	case n.State != "published" || len(p.OrgIDs()) == 0:
		return false, nil
	}
	var args db.Args
	var c int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM desk_notice_recipients WHERE notice_id = `+args.Add(n.ID)+` AND org_id IN (`+db.List(&args, p.OrgIDs())+`)`, args...).Scan(&c)
	return c > 0, apperr.Wrap(err, "notice recipients")
}

// GetNotice returns a notice the caller may see.
func (s *Service) GetNotice(ctx context.Context, p *auth.Principal, id int64) (Notice, error) {
	return s.noticeFor(ctx, s.DB.Read, p, id)
}

func (s *Service) noticeFor(ctx context.Context, q workflow.Querier, p *auth.Principal, id int64) (Notice, error) {
	if p == nil {
		return Notice{}, apperr.New(apperr.Unauthorized, "sign in to see notices")
	}
	n, err := scanNotice(q.QueryRowContext(ctx, `SELECT `+noticeCols+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return n, apperr.New(apperr.NotFound, "no notice %d", id)
	}
	if err != nil {
		return n, apperr.Wrap(err, "notice")
	}
	ok, err := s.canSeeNotice(ctx, q, p, &n)
	if err != nil {
		return n, err
	}
	if !ok {
		return Notice{}, apperr.New(apperr.NotFound, "no notice %d", id)
	}
	return n, nil
}

// Notices lists the notices the caller sees, newest first: officers
// those of their districts and the city's, administrators all, members of
// enterprises the published ones that reached them.
func (s *Service) Notices(ctx context.Context, p *auth.Principal) ([]Notice, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthorized, "sign in to see notices")
	}
	var args db.Args
	q := `SELECT ` + noticeCols
	switch {
	case p.IsAdmin():
	case len(p.OfficerDistricts()) > 0:
		q += ` WHERE district = '' OR district IN (` + db.List(&args, p.OfficerDistricts()) + `)`
	case len(p.OrgIDs()) > 0:
		q += ` WHERE state = 'published' AND id IN (SELECT notice_id FROM desk_notice_recipients WHERE org_id IN (` + db.List(&args, p.OrgIDs()) + `))`
	default:
		return []Notice{}, nil
	}
	q += ` ORDER BY id DESC LIMIT 200`
	rows, err := s.DB.Read.QueryContext(ctx, q, args...)
	return db.Collect(rows, err, "notices", scanNotice)
}

// PublishNotice sends a draft to the enterprises its rule selects now:
// each recipient enterprise is recorded once and each of its members gets
// one in-app notice and one mail, all in one transaction. A notice is
// published once; publishing it again is a Conflict.
func (s *Service) PublishNotice(ctx context.Context, p *auth.Principal, id int64) (Notice, error) {
	var n Notice
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if n, err = s.noticeFor(ctx, tx, p, id); err != nil {
			return err
		}
		if _, err := noticeDistrict(p, n.District); err != nil {
			if n.District == "" && !p.IsAdmin() {
				return apperr.New(apperr.Forbidden, "a city-wide notice is published by an administrator")
			}
			return apperr.New(apperr.Forbidden, "only officers of the notice's district publish it")
		}
		if n.State != "draft" {
			return apperr.New(apperr.Conflict, "the notice is already published")
		}
		rs, err := CompileRule(n.Rule)
		if err != nil {
			return err
		}
		ts, _, err := s.Targets(ctx, tx, rs, n.District)
		if err != nil {
			return err
		}
		now := s.DB.Now()
		res, err := tx.ExecContext(ctx, `UPDATE desk_notices SET state = 'published', reach = $1, published_at = $2, published_by = $3, version = version + 1, updated_at = $2
			WHERE id = $4 AND state = 'draft'`, len(ts), now, p.UserID, id)
		if err != nil {
			return apperr.Wrap(err, "publish notice")
		}
		if c, _ := res.RowsAffected(); c == 0 {
			return apperr.New(apperr.Conflict, "the notice is already published")
		}
		// The recipients are written pending here; the members are told
		// in batches after the commit (deliver).
		for lo := 0; lo < len(ts); lo += recipientRows {
			var args db.Args
			vals := make([]string, 0, recipientRows)
			for _, t := range ts[lo:min(lo+recipientRows, len(ts))] {
				vals = append(vals, "("+args.Add(id)+", "+args.Add(t.ID)+", 0, FALSE)")
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO desk_notice_recipients (notice_id, org_id, notified, delivered) VALUES `+strings.Join(vals, ", "), args...); err != nil {
				return apperr.Wrap(err, "notice recipients")
			}
		}
		before := n
		n.State, n.Reach, n.PublishedAt, n.Pending = "published", len(ts), &now, len(ts)
		return audit.Record(ctx, tx, now, audit.Change{Action: "desk_notice.publish", Entity: "desk_notice", EntityID: strconv.FormatInt(id, 10), Before: before, After: n})
	})
	if err != nil {
		return n, err
	}
	// Published. The first DeliverNow recipients are told before the
	// answer, whatever becomes of the request; the periodic sweep
	// (DeliverPending) tells the rest of a larger notice, and finishes a
	// delivery an error or a stop cut short.
	left, err := s.deliver(context.WithoutCancel(ctx), n, DeliverNow)
	if err == nil {
		n.Pending = left
	}
	return n, nil
}

// recipientRows is how many recipients one INSERT writes.
const recipientRows = 200

// DeliverBatch is how many recipient enterprises one delivery transaction
// tells, and DeliverNow how many publishing tells before it answers.
var (
	DeliverBatch = 500
	DeliverNow   = 5000
)

// deliver tells the members of a published notice's pending recipients,
// DeliverBatch enterprises per transaction. A recipient is claimed by
// marking it delivered in the batch's transaction, so two deliverers
// never tell one twice, and each notice's dedupe key keeps a member from
// being told twice across enterprises or after an interruption.
// It stops after about limit enterprises (0: none) and returns how many
// are left.
func (s *Service) deliver(ctx context.Context, n Notice, limit int) (int, error) {
	msg := notify.Message{Kind: "desk.policy", Key: "desk.policy:" + strconv.FormatInt(n.ID, 10),
		Title: notify.Text{Zh: n.TitleZh, En: n.TitleEn}, Body: notify.Text{Zh: n.BodyZh, En: n.BodyEn}, Link: "/desk/notices/" + strconv.FormatInt(n.ID, 10)}
	done := 0
	for {
		if limit > 0 && done >= limit {
			var left int
			err := s.DB.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM desk_notice_recipients WHERE notice_id = $1 AND delivered = FALSE`, n.ID).Scan(&left)
			return left, apperr.Wrap(err, "pending recipients")
		}
		rows, err := s.DB.Read.QueryContext(ctx, `SELECT org_id FROM desk_notice_recipients WHERE notice_id = $1 AND delivered = FALSE ORDER BY org_id LIMIT $2`, n.ID, DeliverBatch)
		orgs, err := db.Collect(rows, err, "pending recipients", func(r interface{ Scan(...any) error }) (int64, error) {
			var x int64
			return x, r.Scan(&x)
		})
		if err != nil || len(orgs) == 0 {
			return 0, err
		}
		done += len(orgs)
		err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
			for _, org := range orgs {
				res, err := tx.ExecContext(ctx, `UPDATE desk_notice_recipients SET delivered = TRUE WHERE notice_id = $1 AND org_id = $2 AND delivered = FALSE`, n.ID, org)
				if err != nil {
					return apperr.Wrap(err, "deliver notice")
				}
				if c, _ := res.RowsAffected(); c == 0 {
					continue // another deliverer has it
				}
				told, err := s.Notifier.ToOrg(ctx, tx, org, msg)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE desk_notice_recipients SET notified = $1 WHERE notice_id = $2 AND org_id = $3`, told, n.ID, org); err != nil {
					return apperr.Wrap(err, "deliver notice")
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
}

// DeliverPending finishes the delivery of every published notice that
// still has pending recipients (a delivery cut short by a stop or an
// error); it returns how many notices it worked on.
func (s *Service) DeliverPending(ctx context.Context) (int, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+noticeCols+` WHERE id IN (SELECT DISTINCT notice_id FROM desk_notice_recipients WHERE delivered = FALSE) ORDER BY id`)
	ns, err := db.Collect(rows, err, "notices pending", scanNotice)
	if err != nil {
		return 0, err
	}
	for _, n := range ns {
		if _, err := s.deliver(ctx, n, 0); err != nil {
			return 0, err
		}
	}
	return len(ns), nil
}

// Recipients lists the enterprises a published notice reached.
func (s *Service) Recipients(ctx context.Context, p *auth.Principal, id int64) ([]OrgBrief, error) {
	n, err := s.GetNotice(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() && !p.OfficerFor(n.District) && !(n.District == "" && len(p.OfficerDistricts()) > 0) {
		return []OrgBrief{}, nil
	}
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT o.id, o.name_zh, o.name_en FROM desk_notice_recipients r JOIN orgs o ON o.id = r.org_id
		WHERE r.notice_id = $1 ORDER BY o.id`, id)
	return db.Collect(rows, err, "notice recipients", func(sc interface{ Scan(...any) error }) (OrgBrief, error) {
		var b OrgBrief
		return b, sc.Scan(&b.ID, &b.NameZh, &b.NameEn)
	})
}
