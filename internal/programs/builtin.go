package programs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"rainforest/internal/kernel/apperr"
	"rainforest/internal/kernel/audit"
	"rainforest/internal/kernel/rules"
)

// builtinMeta is what a built-in program adds to its rule set file.
type builtinMeta struct {
	slug           string
	fundZh, fundEn string
	docs           []Document
}

// Builtin lists the national programs every installation carries, with
// the engine's built-in rule sets (internal/kernel/rules/builtin) and
// stable slugs. They are published, owned by no agency of the registry
// (the ministries are not organizations here), and edited by
// administrators only.
var builtinPrograms = []builtinMeta{
	{slug: "hnte-certification",
		docs: []Document{
			{"高新技术企业认定申请书", "HNTE certification application form"},
			{"知识产权证书", "IP certificates"},
			{"近三个会计年度财务审计报告及研发费用专项审计报告", "Audited financial statements and the special audit of R&D expense for the last three fiscal years"},
			{"近一个会计年度高新技术产品（服务）收入专项审计报告", "Special audit of high-tech product and service revenue for the latest fiscal year"},
			{"科技人员名单及社保缴纳证明", "List of R&D staff with social insurance records"},
		}},
	{slug: "scitech-sme",
		docs: []Document{
			{"科技型中小企业信息表", "Sci-tech SME information form"},
			{"上年度财务会计报告", "Financial statements of the previous year"},
			{"知识产权证明材料", "Proof of IP"},
		}},
	{slug: "rd-super-deduction", fundZh: "企业所得税优惠（税收支出）", fundEn: "Corporate income tax relief (tax expenditure)",
		docs: []Document{
			{"研发项目立项文件", "R&D project approval documents"},
			{"研发费用辅助账", "Auxiliary ledger of R&D expense"},
			{"研发人员名单及工时记录", "R&D staff list and time records"},
		}},
}

// EnsureBuiltin saves the built-in programs that are not yet in the
// database; it changes nothing that is there.
func (s *Service) EnsureBuiltin(ctx context.Context) error {
	ctx = audit.WithActor(ctx, audit.Actor{Email: "builtin"})
	for _, b := range builtinPrograms {
		src, ok := rules.BuiltinSource(b.slug)
		if !ok {
			return fmt.Errorf("programs: no built-in rule set %s", b.slug)
		}
		spec := rules.Builtin()[b.slug].Spec()
		prog := Program{
			Slug: b.slug, Level: "state", FundNameZh: b.fundZh, FundNameEn: b.fundEn,
			TitleZh: spec.Title.Zh, TitleEn: spec.Title.En, SummaryZh: spec.Description.Zh, SummaryEn: spec.Description.En,
			LegalReference: spec.Reference, RuleSet: json.RawMessage(src), RequiredDocuments: b.docs, Status: Published,
		}
		if _, err := s.Ensure(ctx, prog); err != nil {
			return err
		}
	}
	return nil
}

// Ensure saves a program given as data (built-in or demo) unless its slug
// exists: checked and compiled like any other, without a caller's
// permission, and audited when it is written. Its status may be
// published.
func (s *Service) Ensure(ctx context.Context, prog Program) (created bool, err error) {
	prog.normalize()
	if err := apperr.Fields(prog.validate()); err != nil {
		return false, fmt.Errorf("program %s: %w", prog.Slug, err)
	}
	_, norm, failures, err := compileRuleSet(prog.Slug, prog.RuleSet)
	if err != nil {
		return false, fmt.Errorf("program %s: %w", prog.Slug, err)
	}
	if len(failures) > 0 {
		return false, fmt.Errorf("program %s: rule set cases fail: %v", prog.Slug, failures)
	}
	prog.RuleSet, prog.RulesFailures, prog.RulesStatus = norm, failures, RulesOK
	if prog.Status == "" {
		prog.Status = Draft
	}
	now := s.DB.Now()
	prog.CreatedAt, prog.UpdatedAt, prog.Version = now, now, 1
	var published any
	if prog.Status == Published {
		prog.PublishedAt = &now
		published = now
	}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		vals, err := programValues(&prog)
		if err != nil {
			return apperr.Wrap(err, "encode program")
		}
		err = tx.QueryRowContext(ctx, insertIfAbsentSQL, append(vals, now, published)...).Scan(&prog.ID)
		if err == sql.ErrNoRows {
			return nil // there already
		}
		if err != nil {
			return apperr.Wrap(err, "insert program "+prog.Slug)
		}
		created = true
		if err := writeTerms(ctx, tx, &prog); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Change{OrgID: ownerOf(&prog), Action: "create", Entity: "program",
			EntityID: strconv.FormatInt(prog.ID, 10), After: prog})
	})
	return created, err
}
