package registry

import (
	"context"
	"database/sql"
	"strings"

	"rainforest/internal/kernel/db"
)

// orgCols is the column list every organization query selects, in scanOrg
// order.
const orgCols = `o.id, o.uscc, o.name_zh, o.name_en, o.kind, o.registered_district, o.tax_district, o.park_id, o.founded_on,
	o.employees, o.rd_staff, o.revenue_yuan, o.total_assets_yuan, o.rd_expense_yuan, o.revenue_3y_yuan, o.rd_expense_3y_yuan,
	o.rd_expense_domestic_3y_yuan, o.high_tech_revenue_yuan, o.invention_patents, o.other_ip, o.industry, o.tech_field,
	o.certifications, o.innovation_score, o.major_incident_last_year, o.website, o.description_zh, o.description_en,
	o.version, o.created_at, o.updated_at`

type scanner interface{ Scan(...any) error }

func scanOrg(row scanner) (Org, error) {
	o := NewOrg()
	p := o.Private
	var reg, tax, ind, tf sql.NullString
	var park, emp, rds, rev, assets, rde, rev3, rde3, rded3, htr, inv, oip, score sql.NullInt64
	var incident sql.NullBool
	var founded db.Date
	var certs string
	err := row.Scan(&o.ID, &o.USCC, &o.NameZh, &o.NameEn, &o.Kind, &reg, &tax, &park, &founded,
		&emp, &rds, &rev, &assets, &rde, &rev3, &rde3, &rded3, &htr, &inv, &oip, &ind, &tf,
		&certs, &score, &incident, &o.Website, &o.DescriptionZh, &o.DescriptionEn,
		&o.Version, &o.CreatedAt, &o.UpdatedAt)
	if err != nil {
		return o, err
	}
	o.RegisteredDistrict, o.TaxDistrict, o.Industry, o.TechField = str(reg), str(tax), str(ind), str(tf)
	o.ParkID, o.InventionPatents, o.OtherIP = i64(park), i64(inv), i64(oip)
	o.FoundedOn = founded.Ptr()
	p.Employees, p.RDStaff, p.RevenueYuan, p.TotalAssetsYuan = i64(emp), i64(rds), i64(rev), i64(assets)
	p.RDExpenseYuan, p.Revenue3yYuan, p.RDExpense3yYuan, p.RDExpenseDomestic3yYuan = i64(rde), i64(rev3), i64(rde3), i64(rded3)
	p.HighTechRevenueYuan, p.InnovationScore = i64(htr), i64(score)
	if incident.Valid {
		b := incident.Bool
		p.MajorIncidentLastYear = &b
	}
	if certs != "" {
		o.Certifications = strings.Split(certs, " ")
	}
	return o, nil
}

func str(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	return &n.String
}

func i64(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

// writeCols are the columns insertOrg and updateOrg write, in orgValues
// order.
const writeCols = `uscc, name_zh, name_en, kind, registered_district, tax_district, park_id, founded_on,
	employees, rd_staff, revenue_yuan, total_assets_yuan, rd_expense_yuan, revenue_3y_yuan, rd_expense_3y_yuan,
	rd_expense_domestic_3y_yuan, high_tech_revenue_yuan, invention_patents, other_ip, industry, tech_field,
	certifications, innovation_score, major_incident_last_year, website, description_zh, description_en, search_text`

const nWriteCols = 28

func orgValues(o *Org) []any {
	p := o.Private
	return []any{o.USCC, o.NameZh, o.NameEn, o.Kind, db.Nullable(o.RegisteredDistrict), db.Nullable(o.TaxDistrict), db.Nullable(o.ParkID), db.Nullable(o.FoundedOn),
		db.Nullable(p.Employees), db.Nullable(p.RDStaff), db.Nullable(p.RevenueYuan), db.Nullable(p.TotalAssetsYuan), db.Nullable(p.RDExpenseYuan),
		db.Nullable(p.Revenue3yYuan), db.Nullable(p.RDExpense3yYuan), db.Nullable(p.RDExpenseDomestic3yYuan), db.Nullable(p.HighTechRevenueYuan),
		db.Nullable(o.InventionPatents), db.Nullable(o.OtherIP), db.Nullable(o.Industry), db.Nullable(o.TechField),
		strings.Join(o.Certifications, " "), db.Nullable(p.InnovationScore), db.Nullable(p.MajorIncidentLastYear),
		o.Website, o.DescriptionZh, o.DescriptionEn, o.SearchText()}
}

func placeholders(from, n int) string {
	var b strings.Builder
	var a db.Args
	a = make(db.Args, from-1)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.Add(nil))
	}
	return b.String()
}

// insertOrgSQL inserts one organization; created_at and updated_at follow
// the written columns.
var insertOrgSQL = `INSERT INTO orgs (` + writeCols + `, created_at, updated_at) VALUES (` + placeholders(1, nWriteCols+2) + `) RETURNING id`

var updateOrgSQL = func() string {
	cols := strings.Split(writeCols, ",")
	var b strings.Builder
	b.WriteString("UPDATE orgs SET ")
	var a db.Args
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strings.TrimSpace(c) + " = " + a.Add(nil))
	}
	b.WriteString(", updated_at = " + a.Add(nil) + ", version = version + 1 WHERE id = " + a.Add(nil) + " AND version = " + a.Add(nil))
	return b.String()
}()

func getOrgTx(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id int64) (Org, error) {
	return scanOrg(q.QueryRowContext(ctx, `SELECT `+orgCols+` FROM orgs o WHERE o.id = $1`, id))
}
