// Command searchbench measures the search engine against PostgreSQL full-text
// search on the same generated listings.
//
// It generates N listings deterministically (each from its own number and
// the seed; even numbers Chinese, odd numbers English; a title and an
// abstract drawn from the vocabularies of eight technology fields, with
// kind, district and field as filter values), indexes them with the
// engine in a SQLite database through PutMany in transactions, the way the
// platform stores an index, and times the build. It then runs a fixed query
// mix — one- and two-term Chinese queries including two-character words
// such as 芯片, English words and phrases, a typo, each with one filter,
// top 20 — ROUNDS times, and the need-matching mix: a need's text of about
// 30 terms, relaxed to any term (Query.Any), filtered by technology field.
//
// With -pg it loads the same rows into PostgreSQL (COPY), builds the
// full-text baseline — a stored to_tsvector('english', ...) column with a
// GIN index, and a pg_trgm GIN index over the text for Chinese — and runs
// the same query mix there: English terms through plainto_tsquery ranked
// by ts_rank, Chinese terms as LIKE '%term%' (answered through the
// trigram index where a term has three characters or more), each with the
// same filter, top 20.
//
//	go run ./bench/searchbench -n 100000 -db sqlite:search.db -pg postgres://...
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rainforest/internal/kernel/db"
	"rainforest/internal/kernel/search"
)

var listings = search.Register(&search.Index{
	Name:    "bench.listings",
	Fields:  []search.Field{{Name: "title", Weight: 3}, {Name: "abstract", Weight: 1}},
	Filters: []string{"kind", "district", "field"},
})

func main() {
	n := flag.Int("n", 1_000_000, "listings to generate")
	dsn := flag.String("db", "", "SQLite database for the engine (sqlite:PATH)")
	pg := flag.String("pg", "", "PostgreSQL for the full-text baseline (postgres://...); none: no baseline")
	rounds := flag.Int("rounds", 20, "times each query of the mix runs")
	nNeeds := flag.Int("needs", 50, "needs matched, each twice (the first pass unmeasured)")
	batch := flag.Int("batch", 1000, "listings per transaction while building")
	seed := flag.Uint64("seed", 1, "generator seed")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the build to this file")
	queryprofile := flag.String("queryprofile", "", "write a CPU profile of the queries and the need matching to this file")
	flag.Parse()
	if *dsn == "" || *n < 1 || *rounds < 1 || *batch < 1 {
		flag.Usage()
		os.Exit(2)
	}
	ctx := context.Background()
	d, err := db.Open(ctx, *dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	gen := generator{seed: *seed}

	var have int
	if err := d.Read.QueryRowContext(ctx, `SELECT COALESCE(MAX(docs), 0) FROM search_fields WHERE idx = $1`, listings.Name).Scan(&have); err != nil {
		log.Fatal(err)
	}
	if have == *n {
		fmt.Printf("engine: %d listings already indexed in %s\n", *n, d.Dialect)
	} else {
		if *cpuprofile != "" {
			f, err := os.Create(*cpuprofile)
			if err != nil {
				log.Fatal(err)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				log.Fatal(err)
			}
		}
		t := time.Now()
		if err := build(ctx, d, gen, *n, *batch); err != nil {
			log.Fatal(err)
		}
		el := time.Since(t)
		if *cpuprofile != "" {
			pprof.StopCPUProfile()
		}
		fmt.Printf("engine build: %d listings in %.1f s (%.0f listings/s)\n", *n, el.Seconds(), float64(*n)/el.Seconds())
	}
	if _, err := d.Write.ExecContext(ctx, `ANALYZE`); err != nil {
		log.Fatal(err)
	}

	mix := queryMix()
	needs := gen.needs(*nNeeds)
	// The first search loads the index into memory.
	t := time.Now()
	if _, err := listings.Search(ctx, d.Read, mix[0].engine); err != nil {
		log.Fatal(err)
	}
	load := time.Since(t)
	runtime.GC()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	fmt.Printf("engine load: first search %.1f s (the index read into memory), heap in use %d MB\n", load.Seconds(), mem.HeapInuse>>20)
	// One pass unmeasured: caches, prepared statements.
	for _, q := range mix {
		if _, err := listings.Search(ctx, d.Read, q.engine); err != nil {
			log.Fatalf("%q: %v", q.engine.Text, err)
		}
	}
	if *queryprofile != "" {
		f, err := os.Create(*queryprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
	}
	eng := map[string][]time.Duration{}
	hits := map[string]int{}
	for range *rounds {
		for _, q := range mix {
			t := time.Now()
			res, err := listings.Search(ctx, d.Read, q.engine)
			el := time.Since(t)
			if err != nil {
				log.Fatalf("%q: %v", q.engine.Text, err)
			}
			eng[q.lang] = append(eng[q.lang], el)
			eng["all"] = append(eng["all"], el)
			hits[q.engine.Text] = res.Total
		}
	}
	var match []time.Duration
	matched := 0
	for r := range 2 {
		for _, need := range needs {
			t := time.Now()
			res, err := listings.Search(ctx, d.Read, need)
			el := time.Since(t)
			if err != nil {
				log.Fatal(err)
			}
			if r > 0 {
				match = append(match, el)
				matched += res.Total
			}
		}
	}
	if *queryprofile != "" {
		pprof.StopCPUProfile()
	}
	fmt.Printf("engine query mix (%d queries × %d rounds, top 20, one filter each):\n", len(mix), *rounds)
	for _, q := range mix {
		fmt.Printf("    %-32q %-16s %8d matches\n", q.engine.Text, filterText(q.engine.Filters), hits[q.engine.Text])
	}
	for _, l := range []string{"zh", "en", "all"} {
		fmt.Printf("engine search %-3s %s\n", l, stats(eng[l]))
	}
	terms := 0
	for _, need := range needs {
		p, _ := listings.Search(ctx, d.Read, search.Query{Text: need.Text, Limit: 1, Filters: map[string][]string{"field": {"none"}}})
		terms += len(p.Terms)
	}
	fmt.Printf("engine need matching (%d needs of %d terms on average, any term, field filter, top 20): %s, %d matches per need on average\n",
		len(needs), terms/max(1, len(needs)), stats(match), matched/max(1, len(needs)))

	if *pg == "" {
		return
	}
	base, err := baseline(ctx, *pg, gen, *n, mix, *rounds)
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range []string{"zh", "en", "all"} {
		fmt.Printf("PostgreSQL FTS %-3s %s\n", l, stats(base[l]))
	}
	for _, l := range []string{"zh", "en", "all"} {
		e, p := eng[l], base[l]
		fmt.Printf("ratio PostgreSQL / engine, %-3s median %.1f×, p95 %.1f×\n", l,
			ms(pct(p, 0.5))/ms(pct(e, 0.5)), ms(pct(p, 0.95))/ms(pct(e, 0.95)))
	}
}

// build indexes listings 0..n-1 in transactions of batch listings.
func build(ctx context.Context, d *db.DB, gen generator, n, batch int) error {
	if err := d.Tx(ctx, func(tx *sql.Tx) error { return listings.Clear(ctx, tx) }); err != nil {
		return err
	}
	docs := make([]search.Doc, 0, batch)
	for from := 0; from < n; from += batch {
		docs = docs[:0]
		for i := from; i < min(n, from+batch); i++ {
			l := gen.listing(i)
			docs = append(docs, search.Doc{
				ID:      l.id,
				Fields:  map[string]string{"title": l.title, "abstract": l.abstract},
				Filters: map[string][]string{"kind": {l.kind}, "district": {l.district}, "field": {l.field}},
			})
		}
		if err := d.Tx(ctx, func(tx *sql.Tx) error { return listings.PutMany(ctx, tx, docs) }); err != nil {
			return err
		}
		if (from/batch)%100 == 99 {
			fmt.Fprintf(os.Stderr, "  %d indexed\n", from+batch)
		}
	}
	return nil
}

// query is one query of the mix, for the engine and for the baseline.
type query struct {
	lang   string
	engine search.Query
	zh     []string // Chinese words, each LIKE '%w%'
	en     string   // English text, plainto_tsquery
	col    string   // the filter's column
	val    string
}

func queryMix() []query {
	q := func(lang, text, filter, value string) query {
		x := query{lang: lang, col: filter, val: value, engine: search.Query{
			Text: text, Filters: map[string][]string{filter: {value}}, Limit: 20,
		}}
		if lang == "zh" {
			x.zh = strings.Fields(text)
		} else {
			x.en = text
		}
		return x
	}
	return []query{
		q("zh", "芯片", "district", "pudong"),
		q("zh", "电池", "kind", "invention"),
		q("zh", "人工智能", "field", "electronic_information"),
		q("zh", "锂电池 管理", "district", "jiading"),
		q("zh", "激光雷达 自动驾驶", "kind", "achievement"),
		q("zh", "基因测序", "district", "xuhui"),
		q("zh", "提高 效率", "district", "minhang"),
		q("en", "chip", "district", "pudong"),
		q("en", "lithium battery", "kind", "invention"),
		q("en", "machine learning", "field", "electronic_information"),
		q("en", "battry", "district", "jiading"),
		q("en", "autonomous driving lidar", "kind", "achievement"),
		q("en", "gene sequencing", "district", "xuhui"),
		q("en", "transfer licensing", "district", "minhang"),
	}
}

func filterText(f map[string][]string) string {
	for k, v := range f {
		return k + "=" + strings.Join(v, ",")
	}
	return ""
}

// baseline loads the listings into PostgreSQL, builds the full-text
// indexes and runs the mix, returning the latencies by language.
func baseline(ctx context.Context, dsn string, gen generator, n int, mix []query, rounds int) (map[string][]time.Duration, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	for _, s := range []string{
		`CREATE EXTENSION IF NOT EXISTS pg_trgm`,
		`DROP TABLE IF EXISTS bench_listings`,
		`CREATE TABLE bench_listings (id BIGINT PRIMARY KEY, title TEXT NOT NULL, abstract TEXT NOT NULL,
			kind TEXT NOT NULL, district TEXT NOT NULL, field TEXT NOT NULL)`,
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
	}
	t := time.Now()
	i := 0
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"bench_listings"}, []string{"id", "title", "abstract", "kind", "district", "field"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			l := gen.listing(i)
			i++
			return []any{l.id, l.title, l.abstract, l.kind, l.district, l.field}, nil
		}))
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	fmt.Printf("PostgreSQL load: %d rows in %.1f s\n", n, time.Since(t).Seconds())
	for _, s := range []string{
		`ALTER TABLE bench_listings ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || abstract)) STORED`,
		`CREATE INDEX bench_listings_tsv ON bench_listings USING gin (tsv)`,
		`CREATE INDEX bench_listings_trgm ON bench_listings USING gin ((title || ' ' || abstract) gin_trgm_ops)`,
		`VACUUM ANALYZE bench_listings`,
	} {
		t := time.Now()
		if _, err := conn.Exec(ctx, s); err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
		fmt.Printf("PostgreSQL %s: %.1f s\n", strings.Fields(s)[0]+" "+strings.Fields(s)[2], time.Since(t).Seconds())
	}
	// The filter column is one of three constants, never input.
	sqlOf := func(q query) (string, []any) {
		if q.lang == "en" {
			return `SELECT id FROM bench_listings WHERE tsv @@ plainto_tsquery('english', $1) AND ` + q.col + ` = $2
				ORDER BY ts_rank(tsv, plainto_tsquery('english', $1)) DESC, id LIMIT 20`, []any{q.en, q.val}
		}
		var w []string
		args := []any{q.val}
		for _, z := range q.zh {
			args = append(args, "%"+z+"%")
			w = append(w, fmt.Sprintf(`(title || ' ' || abstract) LIKE $%d`, len(args)))
		}
		// Ranked by a title holding the first word, then by id: cheaper
		// than any ranking the engine does.
		return `SELECT id FROM bench_listings WHERE ` + q.col + ` = $1 AND ` + strings.Join(w, " AND ") + `
			ORDER BY (title LIKE $2) DESC, id LIMIT 20`, args
	}
	run := func(q query) (int, error) {
		s, args := sqlOf(q)
		rows, err := conn.Query(ctx, s, args...)
		if err != nil {
			return 0, err
		}
		c := 0
		for rows.Next() {
			c++
		}
		rows.Close()
		return c, rows.Err()
	}
	for _, q := range mix {
		if _, err := run(q); err != nil {
			return nil, fmt.Errorf("%q: %w", q.engine.Text, err)
		}
	}
	out := map[string][]time.Duration{}
	got := map[string]int{}
	for range rounds {
		for _, q := range mix {
			t := time.Now()
			c, err := run(q)
			el := time.Since(t)
			if err != nil {
				return nil, err
			}
			got[q.engine.Text] = c
			out[q.lang] = append(out[q.lang], el)
			out["all"] = append(out["all"], el)
		}
	}
	fmt.Printf("PostgreSQL query mix (same queries; rows returned, at most 20):\n")
	for _, q := range mix {
		s, args := sqlOf(q)
		var plan []string
		rows, err := conn.Query(ctx, "EXPLAIN "+s, args...)
		if err == nil {
			for rows.Next() {
				var line string
				if rows.Scan(&line) == nil && strings.Contains(line, "Scan") {
					plan = append(plan, strings.TrimLeft(strings.TrimSpace(line), "-> "))
				}
			}
			rows.Close()
		}
		fmt.Printf("    %-32q %3d rows  %s\n", q.engine.Text, got[q.engine.Text], strings.Join(trimPlan(plan), "; "))
	}
	return out, nil
}

func trimPlan(p []string) []string {
	for i, s := range p {
		if j := strings.Index(s, "  ("); j > 0 {
			p[i] = s[:j]
		}
	}
	return p
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func stats(ds []time.Duration) string {
	return fmt.Sprintf("%d queries: median %.2f ms, p95 %.2f ms, max %.2f ms", len(ds), ms(pct(ds, 0.5)), ms(pct(ds, 0.95)), ms(pct(ds, 1)))
}

// Vocabularies by technology field: Chinese and English topics. A listing
// draws most topics from its own field and some from the others.
var fields = []struct {
	name   string
	zh, en []string
}{
	{"electronic_information", strings.Fields(`芯片 集成电路 半导体 功率器件 光刻胶 封装测试 射频前端 显示面板 柔性电子 传感器 人工智能 机器学习 深度学习 图像识别 语音识别 自然语言处理 云计算 大数据 网络安全 区块链 物联网`),
		strings.Fields(`chip integrated-circuit semiconductor power-device photoresist packaging radio-frequency display-panel flexible-electronics sensor artificial-intelligence machine-learning deep-learning image-recognition speech-recognition natural-language-processing cloud-computing big-data cybersecurity blockchain internet-of-things`)},
	{"new_energy", strings.Fields(`锂电池 固态电池 电池管理 燃料电池 光伏组件 储能系统 氢能 风力发电 智能电网 充电桩 电池回收 钠离子电池`),
		strings.Fields(`lithium-battery solid-state-battery battery-management fuel-cell photovoltaic energy-storage hydrogen wind-power smart-grid charging-station battery-recycling sodium-ion-battery`)},
	{"biomedicine", strings.Fields(`生物医药 抗体药物 基因测序 细胞治疗 医疗器械 手术机器人 疫苗 药物筛选 智慧医疗 远程诊断 体外诊断 基因编辑`),
		strings.Fields(`biomedicine antibody gene-sequencing cell-therapy medical-device surgical-robot vaccine drug-screening smart-healthcare telemedicine in-vitro-diagnostics gene-editing`)},
	{"new_materials", strings.Fields(`石墨烯 碳纤维 复合材料 纳米材料 高分子材料 新材料 特种合金 陶瓷材料 稀土材料`),
		strings.Fields(`graphene carbon-fiber composite-material nanomaterial polymer new-material special-alloy ceramic rare-earth`)},
	{"advanced_manufacturing", strings.Fields(`工业机器人 数控机床 激光加工 增材制造 智能制造 工业互联网 精密仪器 自动化产线`),
		strings.Fields(`industrial-robot machine-tool laser-processing additive-manufacturing smart-manufacturing industrial-internet precision-instrument automated-line`)},
	{"aerospace", strings.Fields(`卫星导航 无人机 量子通信 商业航天 航空发动机 遥感监测`),
		strings.Fields(`satellite-navigation drone quantum-communication commercial-space aero-engine remote-sensing`)},
	{"resources_environment", strings.Fields(`环保技术 污水处理 固废处理 节能技术 碳捕集 土壤修复 大气治理`),
		strings.Fields(`environmental-protection wastewater-treatment solid-waste energy-saving carbon-capture soil-remediation air-pollution-control`)},
	{"transport", strings.Fields(`新能源汽车 自动驾驶 激光雷达 车联网 冷链物流 智能交通`),
		strings.Fields(`electric-vehicle autonomous-driving lidar connected-vehicle cold-chain intelligent-transport`)},
}

var (
	zhActions = strings.Fields(`一种 基于 用于 面向 关于 新型 高效 低成本 高精度 智能化`)
	zhEnds    = strings.Fields(`的制备方法 的控制系统 的检测装置 的优化算法 及其应用 的测试平台 的管理方法`)
	zhFill    = strings.Fields(`本发明 提供了 一种 技术方案 能够 显著 提高 降低 成本 效率 稳定性 可靠性 适用于 领域 具有 良好的 应用前景 实验 表明 该方法 结构 简单 易于 产业化 转让 许可`)
	enActions = strings.Fields(`method system apparatus device process platform algorithm controller module technique`)
	enFill    = strings.Fields(`the invention provides a novel approach for improving reducing cost efficiency stability reliability
		applicable to field with good prospects experiments show that this method structure simple easy industrialization
		transfers transferring licensed licensing performance accuracy low-power high-throughput scalable robust`)
	kinds     = []string{"invention", "utility_model", "design", "software", "achievement"}
	districts = []string{"huangpu", "xuhui", "changning", "jingan", "putuo", "hongkou", "yangpu", "minhang", "baoshan", "jiading", "pudong", "jinshan", "songjiang", "qingpu", "fengxian", "chongming"}
)

type generator struct{ seed uint64 }

type listing struct {
	id                    int64
	title, abstract       string
	kind, district, field string
}

func pick(r *rand.Rand, vs []string) string { return vs[r.IntN(len(vs))] }

// listing i, the same for every run with the same seed.
func (g generator) listing(i int) listing {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)))
	f := r.IntN(len(fields))
	topic := func(zh bool) string {
		ff := fields[f]
		if r.IntN(5) == 0 {
			ff = fields[r.IntN(len(fields))]
		}
		if zh {
			return pick(r, ff.zh)
		}
		return strings.ReplaceAll(pick(r, ff.en), "-", " ")
	}
	var title, abstract strings.Builder
	if i%2 == 0 {
		title.WriteString(pick(r, zhActions))
		title.WriteString(topic(true))
		if r.IntN(2) == 0 {
			title.WriteString(topic(true))
		}
		title.WriteString(pick(r, zhEnds))
		for range 8 + r.IntN(8) {
			if r.IntN(3) == 0 {
				abstract.WriteString(topic(true))
			}
			abstract.WriteString(pick(r, zhFill))
			if r.IntN(4) == 0 {
				abstract.WriteString("，")
			}
		}
		abstract.WriteString("。")
	} else {
		title.WriteString("A ")
		title.WriteString(topic(false))
		title.WriteString(" ")
		title.WriteString(pick(r, enActions))
		if r.IntN(2) == 0 {
			title.WriteString(" for ")
			title.WriteString(topic(false))
		}
		for k := range 15 + r.IntN(15) {
			if k > 0 {
				abstract.WriteString(" ")
			}
			if r.IntN(4) == 0 {
				abstract.WriteString(topic(false))
			} else {
				abstract.WriteString(pick(r, enFill))
			}
		}
		abstract.WriteString(".")
	}
	return listing{
		id: int64(i + 1), title: title.String(), abstract: abstract.String(),
		kind: pick(r, kinds), district: pick(r, districts), field: fields[f].name,
	}
}

// needs generates k enterprises' needs: a problem statement of about 30
// terms in Chinese or English from one field's vocabulary and common
// words, matched against the listings as achievements — any term, the
// field as filter, top 20.
func (g generator) needs(k int) []search.Query {
	out := make([]search.Query, k)
	for i := range out {
		r := rand.New(rand.NewPCG(g.seed+1, uint64(i)))
		f := fields[r.IntN(len(fields))]
		var b strings.Builder
		if i%2 == 0 {
			b.WriteString("我们需要")
			for range 6 {
				b.WriteString(pick(r, f.zh))
				b.WriteString(" ")
				b.WriteString(pick(r, zhFill))
				b.WriteString("，")
			}
		} else {
			b.WriteString("We need")
			for range 12 {
				b.WriteString(" ")
				b.WriteString(strings.ReplaceAll(pick(r, f.en), "-", " "))
				b.WriteString(" ")
				b.WriteString(pick(r, enFill))
			}
		}
		out[i] = search.Query{Text: b.String(), Any: true, Limit: 20, Filters: map[string][]string{"field": {f.name}}}
	}
	return out
}
