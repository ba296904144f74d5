// Command sqlite-driver compares the two SQLite drivers for Go on the
// registry's hottest shapes of work: a million inserts in transactions, and
// the directory's page of 50 (rows after a cursor in one district, by id,
// through the (district, id) index). It prints one line per driver.
//
// modernc.org/sqlite is SQLite translated to Go (no cgo); mattn/go-sqlite3
// is the C library through cgo. Run: go run . [-rows N] [-queries N]
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	_ "github.com/mattn/go-sqlite3"
	_ "modernc.org/sqlite"
)

var districts = []string{"pudong", "minhang", "jiading", "songjiang", "baoshan", "fengxian", "qingpu", "chongming",
	"jinshan", "xuhui", "jingan", "yangpu", "huangpu", "changning", "putuo", "hongkou"}

func main() {
	rows := flag.Int("rows", 1_000_000, "rows to insert")
	queries := flag.Int("queries", 20_000, "page queries to time")
	flag.Parse()
	fmt.Printf("%-22s %12s %14s %14s %14s\n", "driver", "inserts", "insert time", "page p50", "page p99")
	for _, drv := range []struct{ name, driver, dsn string }{
		{"modernc.org/sqlite", "sqlite", "file:%s?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)"},
		{"mattn/go-sqlite3", "sqlite3", "file:%s?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000"},
	} {
		dir, err := os.MkdirTemp("", "sqlite-driver-")
		if err != nil {
			log.Fatal(err)
		}
		ins, p50, p99 := measure(drv.driver, fmt.Sprintf(drv.dsn, filepath.Join(dir, "bench.db")), *rows, *queries)
		os.RemoveAll(dir)
		fmt.Printf("%-22s %12d %12.1f s %11.0f µs %11.0f µs\n", drv.name, *rows, ins.Seconds(), p50, p99)
	}
}

func measure(driver, dsn string, rows, queries int) (time.Duration, float64, float64) {
	d, err := sql.Open(driver, dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	d.SetMaxOpenConns(1)
	must(d.Exec(`CREATE TABLE orgs (id INTEGER PRIMARY KEY, uscc TEXT NOT NULL UNIQUE, name_zh TEXT NOT NULL,
		kind TEXT NOT NULL, registered_district TEXT, employees INTEGER, revenue_yuan INTEGER, certifications TEXT NOT NULL DEFAULT '')`))
	must(d.Exec(`CREATE INDEX orgs_registered_district ON orgs (registered_district, id)`))
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	const perTx = 50_000
	for done := 0; done < rows; {
		tx, err := d.Begin()
		if err != nil {
			log.Fatal(err)
		}
		st, err := tx.Prepare(`INSERT INTO orgs (uscc, name_zh, kind, registered_district, employees, revenue_yuan, certifications) VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			log.Fatal(err)
		}
		for i := 0; i < perTx && done < rows; i++ {
			must(st.Exec(fmt.Sprintf("91310000%010d", (uint64(done)*48271)%1e10), fmt.Sprintf("上海样本%d科技有限公司", done), "enterprise",
				districts[r.IntN(len(districts))], r.IntN(500), r.Int64N(1e9), "scitech_sme"))
			done++
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			log.Fatal(err)
		}
	}
	ins := time.Since(start)
	q, err := d.Prepare(`SELECT id, uscc, name_zh, kind, registered_district, employees, revenue_yuan, certifications
		FROM orgs WHERE id > ? AND registered_district = ? ORDER BY id LIMIT 51`)
	if err != nil {
		log.Fatal(err)
	}
	lat := make([]float64, 0, queries)
	for i := 0; i < queries; i++ {
		after := r.Int64N(int64(rows))
		t := time.Now()
		rs, err := q.Query(after, "jingan")
		if err != nil {
			log.Fatal(err)
		}
		for rs.Next() {
			var id, emp, rev int64
			var uscc, name, kind, dist, certs string
			if err := rs.Scan(&id, &uscc, &name, &kind, &dist, &emp, &rev, &certs); err != nil {
				log.Fatal(err)
			}
		}
		rs.Close()
		lat = append(lat, float64(time.Since(t).Nanoseconds())/1e3)
	}
	slices.Sort(lat)
	return ins, lat[len(lat)/2], lat[len(lat)*99/100]
}

func must(_ sql.Result, err error) {
	if err != nil {
		log.Fatal(err)
	}
}
