// Package synth generates a synthetic city of the shape the platform must
// hold (PRODUCT.md, "Scale"): enterprises spread over the sixteen districts
// with the skew of the real registry, a minority of them science and
// technology firms, some high-tech enterprises and sci-tech SMEs among
// those, profiles of every size with some figures unknown, and the
// universities, institutes, service providers, banks, investors,
// incubators and district agencies around them. The data is deterministic:
// organization i of a seed is the same whatever the number of workers, so
// that benchmarks compare like with like.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"rainforest/internal/registry"
)

// Generator describes a synthetic city.
type Generator struct {
	Enterprises int
	Seed        uint64
}

// Counts of the organizations that surround the enterprises, per 10,000
// enterprises (at least one of each for a city of any size).
var others = []struct {
	kind     string
	per10k   int
	authType string
}{
	{"university", 5, "12"},
	{"institute", 5, "12"},
	{"service", 20, "91"},
	{"bank", 5, "91"},
	{"investor", 5, "91"},
	{"incubator", 5, "91"},
}

// Count is how many organizations the city has: the enterprises, then the
// other kinds, then one science and technology agency per district.
func (g Generator) Count() int {
	n := g.Enterprises
	for _, o := range others {
		n += g.otherCount(o.per10k)
	}
	return n + len(districts)
}

func (g Generator) otherCount(per10k int) int {
	return max(1, g.Enterprises*per10k/10000)
}

// districts with weights roughly in proportion to the enterprises
// registered in each: the outer districts and Pudong hold most.
var districts = []struct {
	slug   string
	weight int
	zh, en string
}{
	{"pudong", 22, "浦东", "Pudong"}, {"minhang", 9, "闵行", "Minhang"}, {"jiading", 9, "嘉定", "Jiading"},
	{"songjiang", 8, "松江", "Songjiang"}, {"baoshan", 7, "宝山", "Baoshan"}, {"fengxian", 7, "奉贤", "Fengxian"},
	{"qingpu", 6, "青浦", "Qingpu"}, {"chongming", 5, "崇明", "Chongming"}, {"jinshan", 4, "金山", "Jinshan"},
	{"xuhui", 4, "徐汇", "Xuhui"}, {"jingan", 4, "静安", "Jing'an"}, {"yangpu", 4, "杨浦", "Yangpu"},
	{"huangpu", 3, "黄浦", "Huangpu"}, {"changning", 3, "长宁", "Changning"}, {"putuo", 3, "普陀", "Putuo"},
	{"hongkou", 3, "虹口", "Hongkou"},
}

var districtCDF = func() []int {
	cdf := make([]int, len(districts))
	sum := 0
	for i, d := range districts {
		sum += d.weight
		cdf[i] = sum
	}
	return cdf
}()

func pickDistrict(r *rand.Rand) int {
	x := r.IntN(districtCDF[len(districtCDF)-1])
	for i, c := range districtCDF {
		if x < c {
			return i
		}
	}
	return len(districts) - 1
}

// words make company names: two of them, then the sector.
var words = []struct{ zh, en string }{
	{"芯源", "Xinyuan"}, {"瑞康", "Ruikang"}, {"智擎", "Zhiqing"}, {"蓝海", "Lanhai"}, {"星途", "Xingtu"},
	{"微光", "Weiguang"}, {"华创", "Huachuang"}, {"博远", "Boyuan"}, {"启明", "Qiming"}, {"天衡", "Tianheng"},
	{"景曜", "Jingyao"}, {"云帆", "Yunfan"}, {"极智", "Jizhi"}, {"同创", "Tongchuang"}, {"鼎新", "Dingxin"},
	{"和光", "Heguang"}, {"凌云", "Lingyun"}, {"若水", "Ruoshui"}, {"深瞳", "Shentong"}, {"青禾", "Qinghe"},
	{"恒析", "Hengxi"}, {"量准", "Liangzhun"}, {"翼展", "Yizhan"}, {"晶格", "Jingge"}, {"绿源", "Lvyuan"},
	{"东方", "Dongfang"}, {"申江", "Shenjiang"}, {"浦江", "Pujiang"}, {"长风", "Changfeng"}, {"国泰", "Guotai"},
	{"汇丰", "Huifeng"}, {"锦程", "Jincheng"}, {"宏图", "Hongtu"}, {"新元", "Xinyuan"}, {"百川", "Baichuan"},
	{"千禧", "Qianxi"}, {"万象", "Wanxiang"}, {"中科", "Zhongke"}, {"复兴", "Fuxing"}, {"光启", "Guangqi"},
	{"思源", "Siyuan"}, {"致远", "Zhiyuan"}, {"明德", "Mingde"}, {"嘉禾", "Jiahe"}, {"金桥", "Jinqiao"},
	{"银河", "Yinhe"}, {"碧波", "Bibo"}, {"朗润", "Langrun"}, {"卓越", "Zhuoyue"}, {"联影", "Lianying"},
	{"弘毅", "Hongyi"}, {"安泰", "Antai"}, {"睿智", "Ruizhi"}, {"灵犀", "Lingxi"}, {"泽众", "Zezhong"},
	{"盛世", "Shengshi"}, {"祥和", "Xianghe"}, {"泓源", "Hongyuan"}, {"衡远", "Hengyuan"}, {"众诚", "Zhongcheng"},
	{"通达", "Tongda"}, {"润泽", "Runze"}, {"乐享", "Lexiang"}, {"优品", "Youpin"}, {"海纳", "Haina"},
	{"天成", "Tiancheng"}, {"昊天", "Haotian"}, {"森林", "Senlin"}, {"雨林", "Yulin"}, {"竹溪", "Zhuxi"},
	{"松柏", "Songbai"}, {"云杉", "Yunshan"}, {"紫竹", "Zizhu"}, {"银杏", "Yinxing"}, {"梧桐", "Wutong"},
	{"玉兰", "Yulan"}, {"凤凰", "Fenghuang"}, {"麒麟", "Qilin"}, {"鲲鹏", "Kunpeng"}, {"北斗", "Beidou"},
}

// sectors: the technology sectors carry a high-tech field; the others
// (trade, construction, catering, property, logistics...) do not.
var sectors = []struct {
	zh, en, industry, field string
	weight                  int
}{
	{"信息科技", "Information Technology", "I6513", "electronic_information", 8},
	{"软件", "Software", "I6511", "electronic_information", 6},
	{"集成电路设计", "IC Design", "I6520", "electronic_information", 2},
	{"人工智能科技", "AI Technology", "I6531", "electronic_information", 3},
	{"网络科技", "Network Technology", "I6450", "electronic_information", 4},
	{"生物医药", "Biopharma", "C2710", "biomedicine", 2},
	{"生物科技", "Biotechnology", "M7340", "biomedicine", 2},
	{"医疗器械", "Medical Devices", "C3581", "biomedicine", 2},
	{"新材料科技", "New Materials", "C2659", "new_materials", 2},
	{"智能装备", "Intelligent Equipment", "C3491", "advanced_manufacturing", 2},
	{"机器人", "Robotics", "C3491", "advanced_manufacturing", 1},
	{"精密机械", "Precision Machinery", "C3421", "advanced_manufacturing", 2},
	{"新能源科技", "New Energy", "C3841", "new_energy", 2},
	{"环境技术", "Environmental Technology", "N7721", "resources_environment", 1},
	{"航天科技", "Aerospace Technology", "C3742", "aerospace", 1},
	{"检测技术服务", "Testing Services", "M7452", "high_tech_services", 1},
	{"科技咨询", "Technology Consulting", "M7520", "high_tech_services", 2},
	{"贸易", "Trading", "F5191", "", 16},
	{"商贸", "Commerce", "F5261", "", 9},
	{"建筑工程", "Construction Engineering", "E4810", "", 7},
	{"餐饮管理", "Catering Management", "H6210", "", 5},
	{"房地产开发", "Real Estate Development", "K7010", "", 3},
	{"物流", "Logistics", "G5430", "", 6},
	{"企业管理咨询", "Management Consulting", "L7243", "", 7},
	{"文化传媒", "Culture and Media", "R8710", "", 5},
	{"服装", "Apparel", "C1810", "", 3},
	{"食品", "Food", "C1499", "", 2},
}

var sectorCDF = func() []int {
	cdf := make([]int, len(sectors))
	sum := 0
	for i, s := range sectors {
		sum += s.weight
		cdf[i] = sum
	}
	return cdf
}()

func pickSector(r *rand.Rand) int {
	x := r.IntN(sectorCDF[len(sectorCDF)-1])
	for i, c := range sectorCDF {
		if x < c {
			return i
		}
	}
	return len(sectors) - 1
}

// seq maps organization i to a distinct eight-digit organization-code body
// by an affine permutation of [20,000,000, 100,000,000): distinct for every
// i below 80 million, away from the demo city's codes, and different per
// seed.
func (g Generator) seq(i int) uint64 {
	const span = 80_000_000
	b := (g.Seed*2654435761 + 12345) % span
	return 20_000_000 + (uint64(i)*48271+b)%span
}

func (g Generator) rng(i int) *rand.Rand {
	return rand.New(rand.NewPCG(g.Seed, uint64(i)))
}

func ptr[T any](v T) *T { return &v }

// Org returns organization i of the city (0 ≤ i < Count()), ready to
// insert: normalized, valid, with its credit code.
func (g Generator) Org(i int) registry.Org {
	if i < g.Enterprises {
		return g.enterprise(i)
	}
	j := i - g.Enterprises
	for _, o := range others {
		n := g.otherCount(o.per10k)
		if j < n {
			return g.other(i, j, o.kind, o.authType)
		}
		j -= n
	}
	return g.agency(i, j)
}

func (g Generator) enterprise(i int) registry.Org {
	r := g.rng(i)
	o := registry.NewOrg()
	d := districts[pickDistrict(r)]
	sec := sectors[pickSector(r)]
	w1, w2 := words[r.IntN(len(words))], words[r.IntN(len(words))]
	suffixZh, suffixEn := "有限公司", "Co., Ltd."
	if r.IntN(20) == 0 {
		suffixZh, suffixEn = "股份有限公司", "Corp., Ltd."
	}
	o.NameZh = "上海" + w1.zh + w2.zh + sec.zh + suffixZh
	o.NameEn = "Shanghai " + w1.en + w2.en + " " + sec.en + " " + suffixEn
	o.Kind = "enterprise"
	o.USCC = registry.SynthUSCC("91", d.slug, g.seq(i))
	o.RegisteredDistrict = ptr(d.slug)
	switch x := r.IntN(100); {
	case x < 3: // tax district unknown
	case x < 9: // paying tax elsewhere
		o.TaxDistrict = ptr(districts[pickDistrict(r)].slug)
	default:
		o.TaxDistrict = ptr(d.slug)
	}
	if r.IntN(50) != 0 {
		o.FoundedOn = ptr(foundedOn(r))
	}
	if r.IntN(30) != 0 {
		o.Industry = ptr(sec.industry)
	}
	tech := sec.field != ""
	if tech {
		o.TechField = ptr(sec.field)
	}
	if r.IntN(5) == 0 {
		o.Website = "https://www." + lowerASCII(w1.en+w2.en) + strconv.Itoa(i) + ".example.cn"
	}
	g.profile(r, &o, tech)
	return o
}

func foundedOn(r *rand.Rand) string {
	// More young firms than old ones: the square of a uniform draw leans
	// toward the recent end of 1990-2025.
	u := r.Float64()
	year := 2025 - int(u*u*36)
	return fmt.Sprintf("%d-%02d-%02d", year, 1+r.IntN(12), 1+r.IntN(28))
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Size classes: micro, small, medium, large.
var (
	sizeCDF  = []int{62, 89, 98, 100}
	empBase  = []int64{1, 20, 100, 1000}
	empSpan  = []int64{19, 80, 900, 19000}
	hnteOdds = []int{10, 32, 45, 50} // per 100 technology firms of the size
)

// profile fills the private figures, IP counts and certifications. About
// one enterprise in seven never filled in its figures; the others leave
// some of them unknown.
func (g Generator) profile(r *rand.Rand, o *registry.Org, tech bool) {
	x := r.IntN(100)
	size := 0
	for size < len(sizeCDF)-1 && x >= sizeCDF[size] {
		size++
	}
	hnte := tech && r.IntN(100) < hnteOdds[size]
	certs := []string{}
	if hnte {
		certs = append(certs, "hnte")
	}
	emp := empBase[size] + r.Int64N(empSpan[size]+1)
	if tech && size < 3 && r.IntN(100) < 45 {
		certs = append(certs, "scitech_sme")
	}
	if tech && (size == 1 || size == 2) && r.IntN(100) < 6 {
		certs = append(certs, "specialized_sophisticated")
		if r.IntN(100) < 15 {
			certs = append(certs, "little_giant")
		}
	}
	o.Certifications = sortCerts(certs)
	patentsMax := []int{2, 6, 25, 120}[size]
	otherMax := []int{4, 12, 40, 200}[size]
	if tech {
		o.InventionPatents = ptr(int64(r.IntN(patentsMax + 1)))
		if hnte && *o.InventionPatents == 0 {
			*o.InventionPatents = 1
		}
		o.OtherIP = ptr(int64(r.IntN(otherMax + 1)))
	} else if r.IntN(4) != 0 {
		o.InventionPatents = ptr(int64(0))
		o.OtherIP = ptr(int64(r.IntN(3)))
	}
	if r.IntN(7) == 0 {
		return // figures never filled in
	}
	p := o.Private
	unknown := func() bool { return r.IntN(20) == 0 }
	if !unknown() {
		p.Employees = ptr(emp)
	}
	if tech && !unknown() {
		p.RDStaff = ptr(emp * int64(10+r.IntN(40)) / 100)
	} else if !tech && !unknown() {
		p.RDStaff = ptr(emp * int64(r.IntN(5)) / 100)
	}
	rev := emp * (200_000 + r.Int64N(1_300_000))
	rev3 := rev * int64(200+r.IntN(90)) / 100
	rdPct := int64(r.IntN(3))
	if tech {
		rdPct = int64(3 + r.IntN(13))
		if hnte && rdPct < 5 {
			rdPct = 5
		}
	}
	rd := rev * rdPct / 100
	rd3 := rd * int64(200+r.IntN(90)) / 100
	if !unknown() {
		p.RevenueYuan = ptr(rev)
	}
	if !unknown() {
		p.Revenue3yYuan = ptr(rev3)
	}
	if !unknown() {
		p.TotalAssetsYuan = ptr(rev * int64(40+r.IntN(160)) / 100)
	}
	if !unknown() {
		p.RDExpenseYuan = ptr(rd)
	}
	if !unknown() {
		p.RDExpense3yYuan = ptr(rd3)
		if !unknown() {
			p.RDExpenseDomestic3yYuan = ptr(rd3 * int64(80+r.IntN(21)) / 100)
		}
	}
	if tech && !unknown() {
		share := int64(20 + r.IntN(70))
		if hnte {
			share = int64(60 + r.IntN(36))
		}
		p.HighTechRevenueYuan = ptr(rev * share / 100)
	} else if !tech && r.IntN(2) == 0 {
		p.HighTechRevenueYuan = ptr(int64(0))
	}
	if tech || r.IntN(3) == 0 {
		score := int64(20 + r.IntN(61))
		if hnte {
			score = int64(60 + r.IntN(41))
		}
		p.InnovationScore = ptr(score)
	}
	switch y := r.IntN(100); {
	case y < 10:
	case y < 12:
		p.MajorIncidentLastYear = ptr(true)
	default:
		p.MajorIncidentLastYear = ptr(false)
	}
}

func sortCerts(cs []string) []string {
	// Insertion sort: at most four names.
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j] < cs[j-1]; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
	return cs
}

var otherNames = map[string]struct{ zh, en, industry, field string }{
	"university": {"大学", "University", "P8341", ""},
	"institute":  {"研究院", "Research Institute", "M7320", ""},
	"service":    {"知识产权代理有限公司", "IP Agency Co., Ltd.", "L7250", "high_tech_services"},
	"bank":       {"银行科技支行", "Bank Technology Branch", "J6621", ""},
	"investor":   {"创业投资有限公司", "Venture Capital Co., Ltd.", "J6760", ""},
	"incubator":  {"科技企业孵化器有限公司", "Technology Incubator Co., Ltd.", "M7540", ""},
}

func (g Generator) other(i, j int, kind, authType string) registry.Org {
	r := g.rng(i)
	o := registry.NewOrg()
	d := districts[pickDistrict(r)]
	w := words[(j+r.IntN(len(words)))%len(words)]
	n := otherNames[kind]
	o.NameZh = "上海" + w.zh + n.zh
	o.NameEn = "Shanghai " + w.en + " " + n.en
	if j >= len(words) {
		o.NameZh = fmt.Sprintf("上海%s%s（第%d）", w.zh, n.zh, j/len(words)+1)
		o.NameEn = fmt.Sprintf("Shanghai %s %s No. %d", w.en, n.en, j/len(words)+1)
	}
	o.Kind = kind
	o.USCC = registry.SynthUSCC(authType, d.slug, g.seq(i))
	o.RegisteredDistrict, o.TaxDistrict = ptr(d.slug), ptr(d.slug)
	o.FoundedOn = ptr(foundedOn(r))
	o.Industry = ptr(n.industry)
	if n.field != "" {
		o.TechField = ptr(n.field)
	}
	return o
}

func (g Generator) agency(i, j int) registry.Org {
	d := districts[j]
	o := registry.NewOrg()
	o.NameZh = "上海市" + d.zh + "区科学技术委员会（模拟）"
	o.NameEn = d.en + " District Science and Technology Commission (synthetic)"
	if d.slug == "pudong" {
		o.NameZh = "上海市浦东新区科技和经济委员会（模拟）"
	}
	o.Kind = "agency"
	o.USCC = registry.SynthUSCC("11", d.slug, g.seq(i))
	o.RegisteredDistrict, o.TaxDistrict = ptr(d.slug), ptr(d.slug)
	o.Industry = ptr("S9221")
	return o
}
