package search_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/db/dbtest"
	"rainforest/internal/kernel/search"
)

// Vocabulary of the generated listings.
var (
	zhTopics = strings.Fields(`芯片 集成电路 人工智能 机器学习 深度学习 图像识别 语音识别 自然语言处理 新能源汽车 锂电池 固态电池 电池管理
		燃料电池 光伏组件 储能系统 石墨烯 碳纤维 复合材料 生物医药 抗体药物 基因测序 细胞治疗 医疗器械 手术机器人 工业机器人
		数控机床 激光加工 增材制造 传感器 物联网 区块链 云计算 大数据 网络安全 量子通信 卫星导航 无人机 智能制造 工业互联网
		新材料 纳米材料 高分子材料 环保技术 污水处理 固废处理 节能技术 氢能 风力发电 智能电网 半导体 功率器件 光刻胶 封装测试
		射频前端 显示面板 柔性电子 可穿戴设备 智慧医疗 远程诊断 药物筛选 疫苗 农业育种 食品检测 冷链物流 自动驾驶 激光雷达`)
	zhActions = strings.Fields(`一种 基于 用于 面向 关于 新型 高效 低成本 高精度 智能化 的制备方法 的控制系统 的检测装置 的优化算法 及其应用 的测试平台`)
	zhFill    = strings.Fields(`本发明 提供了 一种 技术方案 能够 显著 提高 降低 成本 效率 稳定性 可靠性 适用于 领域 具有 良好的 应用前景 实验 表明 该方法 结构 简单 易于 产业化`)
	enTopics  = strings.Fields(`chip integrated-circuit artificial-intelligence machine-learning deep-learning image-recognition speech-recognition
		natural-language-processing electric-vehicle lithium-battery solid-state-battery battery-management fuel-cell photovoltaic
		energy-storage graphene carbon-fiber composite-material biomedicine antibody gene-sequencing cell-therapy medical-device
		surgical-robot industrial-robot machine-tool laser-processing additive-manufacturing sensor internet-of-things blockchain
		cloud-computing big-data cybersecurity quantum-communication satellite-navigation drone smart-manufacturing
		industrial-internet new-material nanomaterial polymer wastewater-treatment solid-waste energy-saving hydrogen wind-power
		smart-grid semiconductor power-device photoresist packaging radio-frequency display-panel flexible-electronics wearable
		telemedicine drug-screening vaccine crop-breeding food-testing cold-chain autonomous-driving lidar`)
	enActions = strings.Fields(`method system apparatus device process platform algorithm controller module technique`)
	enFill    = strings.Fields(`the invention provides a novel approach for improving reducing cost efficiency stability reliability
		applicable to field with good prospects experiments show that this method structure simple easy industrialization
		transfers transferring licensed licensing performance accuracy low-power high-throughput scalable robust`)
	kinds     = []string{"invention", "utility_model", "design", "software", "achievement"}
	districts = []string{"huangpu", "xuhui", "changning", "jingan", "putuo", "hongkou", "yangpu", "minhang", "baoshan", "jiading", "pudong", "jinshan", "songjiang", "qingpu", "fengxian", "chongming"}
)

func pick(r *rand.Rand, vs []string) string { return vs[r.IntN(len(vs))] }

// listing generates listing i: Chinese or English, by turns.
func listing(r *rand.Rand, i int) search.Doc {
	var title, abstract strings.Builder
	if i%2 == 0 {
		title.WriteString(pick(r, zhActions[:10]))
		title.WriteString(pick(r, zhTopics))
		if r.IntN(2) == 0 {
			title.WriteString(pick(r, zhTopics))
		}
		title.WriteString(pick(r, zhActions[10:]))
		for range 6 + r.IntN(6) {
			if r.IntN(3) == 0 {
				abstract.WriteString(pick(r, zhTopics))
			}
			abstract.WriteString(pick(r, zhFill))
			if r.IntN(4) == 0 {
				abstract.WriteString("，")
			}
		}
		abstract.WriteString("。")
	} else {
		title.WriteString("A ")
		title.WriteString(strings.ReplaceAll(pick(r, enTopics), "-", " "))
		title.WriteString(" ")
		title.WriteString(pick(r, enActions))
		if r.IntN(2) == 0 {
			title.WriteString(" for ")
			title.WriteString(strings.ReplaceAll(pick(r, enTopics), "-", " "))
		}
		for n := range 15 + r.IntN(15) {
			if n > 0 {
				abstract.WriteString(" ")
			}
			if r.IntN(4) == 0 {
				abstract.WriteString(strings.ReplaceAll(pick(r, enTopics), "-", " "))
			} else {
				abstract.WriteString(pick(r, enFill))
			}
		}
		abstract.WriteString(".")
	}
	return search.Doc{
		ID:      int64(i + 1),
		Fields:  map[string]string{"title": title.String(), "abstract": abstract.String()},
		Filters: map[string][]string{"kind": {pick(r, kinds)}, "district": {pick(r, districts)}},
	}
}

// benchIndex builds the benchmark index: RAINFOREST_SEARCH_BENCH_DOCS
// listings (100,000 by default), on SQLite or on the PostgreSQL server the
// suite runs against, or in the database RAINFOREST_SEARCH_BENCH_DB names
// (kept between runs). It returns the database, the index and the count.
func benchIndex(b *testing.B) (*db.DB, *search.Index, int) {
	n := 100_000
	if s := os.Getenv("RAINFOREST_SEARCH_BENCH_DOCS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("RAINFOREST_SEARCH_BENCH_DOCS=%q: want a positive number", s)
		}
	}
	ix := &search.Index{
		Name:    "bench.listings",
		Fields:  []search.Field{{Name: "title", Weight: 3}, {Name: "abstract", Weight: 1}},
		Filters: []string{"kind", "district"},
	}
	ctx := context.Background()
	var d *db.DB
	if dsn := os.Getenv("RAINFOREST_SEARCH_BENCH_DB"); dsn != "" {
		// A database kept between runs: built once, then reused.
		var err error
		if d, err = db.Open(ctx, dsn); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { d.Close() })
		if _, err := d.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		var have int
		d.Read.QueryRowContext(ctx, `SELECT COALESCE(MAX(docs), 0) FROM search_fields WHERE idx = $1`, ix.Name).Scan(&have)
		if have == n {
			fmt.Printf("search bench: %s, %d listings already indexed\n", d.Dialect, n)
			return d, ix, n
		}
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return ix.Clear(ctx, tx) }); err != nil {
			b.Fatal(err)
		}
	} else {
		d = dbtest.Open(b)
	}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	const per = 1000
	for from := 0; from < n; from += per {
		docs := make([]search.Doc, 0, per)
		for i := from; i < min(n, from+per); i++ {
			docs = append(docs, listing(r, i))
		}
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return ix.PutMany(ctx, tx, docs) }); err != nil {
			b.Fatal(err)
		}
	}
	build := time.Since(start)
	for _, t := range []string{"search_terms", "search_docs"} {
		stmt := "ANALYZE " + t
		if d.Dialect == db.Postgres {
			stmt = "VACUUM " + stmt
		}
		if _, err := d.Write.ExecContext(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
	fmt.Printf("search bench: %s, %d listings indexed in %s (%.0f listings/s)\n", d.Dialect, n, build.Round(time.Millisecond), float64(n)/build.Seconds())
	return d, ix, n
}

var benchQueries = map[string][]search.Query{
	"zh": {
		{Text: "芯片"}, {Text: "人工智能"}, {Text: "锂电池 管理"}, {Text: "新能源汽车"}, {Text: "石墨烯"},
		{Text: "基因测序", Filters: map[string][]string{"district": {"pudong"}}}, {Text: "机器人", Facets: []string{"kind", "district"}},
		{Text: "激光雷达 自动驾驶"}, {Text: "芯"}, {Text: "提高 效率", Filters: map[string][]string{"kind": {"invention"}}},
	},
	"en": {
		{Text: "chip"}, {Text: "machine learning"}, {Text: "lithium battery management"}, {Text: "graphene"},
		{Text: "transfer licensing", Filters: map[string][]string{"district": {"xuhui"}}}, {Text: "robot", Facets: []string{"kind", "district"}},
		{Text: "battry"}, {Text: "autonomous driving lidar"}, {Text: "the method", Filters: map[string][]string{"kind": {"software"}}},
		{Text: "quantum communication satellite navigation", Any: true},
	},
}

// BenchmarkSearch measures query latency over the generated listings,
// Chinese and English, and reports p50 and p99 in milliseconds:
//
//	go test ./internal/kernel/search -run '^$' -bench Search -benchtime 400x
func BenchmarkSearch(b *testing.B) {
	d, ix, n := benchIndex(b)
	for _, lang := range []string{"zh", "en"} {
		b.Run(lang, func(b *testing.B) {
			ctx := context.Background()
			qs := benchQueries[lang]
			lat := make([]time.Duration, 0, b.N)
			hits := 0
			for i := 0; b.Loop(); i++ {
				q := qs[i%len(qs)]
				start := time.Now()
				res, err := ix.Search(ctx, d.Read, q)
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				hits += res.Total
			}
			slices.Sort(lat)
			p := func(f float64) float64 {
				return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(p(0.50), "p50-ms")
			b.ReportMetric(p(0.99), "p99-ms")
			b.ReportMetric(float64(hits)/float64(len(lat)), "total/query")
			fmt.Printf("search bench: %s %s over %d listings: %d queries, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
				d.Dialect, lang, n, len(lat), p(0.5), p(0.99), float64(lat[len(lat)-1].Microseconds())/1000)
		})
	}
}
