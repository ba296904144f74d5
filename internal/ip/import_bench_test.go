package ip_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rainforest/internal/app/apptest"
)

// BenchmarkImport1000 uploads files of 1,000 patents, each with a listing,
// through the API: checking, writing, indexing the listings and auditing,
// in one transaction.
//
//	go test ./internal/ip -run '^$' -bench Import1000 -benchtime 3x
func BenchmarkImport1000(b *testing.B) {
	e := apptest.New(b)
	var fudan string
	if err := e.App.DB.Read.QueryRow(`SELECT uscc FROM orgs WHERE name_zh = '复旦大学'`).Scan(&fudan); err != nil {
		b.Fatal(err)
	}
	tok := e.Token("university@demo.local")
	files := make([][]byte, b.N)
	for i := range files {
		var sb strings.Builder
		sb.WriteString(importHeader)
		for j := 0; j < 1000; j++ {
			fmt.Fprintf(&sb, "patent,,%s,,granted,基准导入芯片%d,Benchmark chip %d,electronic_information,%s,甲/Jia:60;乙:40,transfer,%d,\n",
				number('1'), j, j, fudan, 100000+j)
		}
		files[i] = []byte(sb.String())
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		r := upload(b, e, tok, "bench.csv", files[i], nil)
		if r.Status != http.StatusOK {
			b.Fatalf("import: %d %.300s", r.Status, r.Body)
		}
	}
	b.ReportMetric(float64(b.N*1000)/time.Since(start).Seconds(), "rows/s")
}
