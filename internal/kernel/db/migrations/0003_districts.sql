-- Shanghai's sixteen districts, with resident population from the seventh
-- national census (2020), used for per-capita indicators.
INSERT INTO districts (slug, name_zh, name_en, population, population_year) VALUES
	('huangpu', '黄浦区', 'Huangpu', 662030, 2020),
	('xuhui', '徐汇区', 'Xuhui', 1113078, 2020),
	('changning', '长宁区', 'Changning', 693051, 2020),
	('jingan', '静安区', 'Jing''an', 975707, 2020),
	('putuo', '普陀区', 'Putuo', 1239842, 2020),
	('hongkou', '虹口区', 'Hongkou', 757498, 2020),
	('yangpu', '杨浦区', 'Yangpu', 1242548, 2020),
	('minhang', '闵行区', 'Minhang', 2653489, 2020),
	('baoshan', '宝山区', 'Baoshan', 2235218, 2020),
	('jiading', '嘉定区', 'Jiading', 1834258, 2020),
	('pudong', '浦东新区', 'Pudong', 5681512, 2020),
	('jinshan', '金山区', 'Jinshan', 822776, 2020),
	('songjiang', '松江区', 'Songjiang', 1909713, 2020),
	('qingpu', '青浦区', 'Qingpu', 1271424, 2020),
	('fengxian', '奉贤区', 'Fengxian', 1140872, 2020),
	('chongming', '崇明区', 'Chongming', 637921, 2020);
