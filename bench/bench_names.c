/*
 * qcreg-bench: the names data set that search is measured on (docs/
 * BENCH.md, "Search"). Entry i of M is an enterprise as a Henan registry
 * lists it: a name "division + trade name + industry + suffix"
 * (郑州市金水区 + 好味 + 食品 + 有限公司) and a USCC registered in that
 * division (characters 3-8), both derived from the name seed and i
 * alone, so that the import file, the fragments queried and the SQLite
 * table agree without a file between them.
 *
 * Trade names are 2 or 3 characters: three in four drawn from a few
 * hundred that enterprises favour, Zipf-weighted, the rest from the 3,755
 * common characters of GB 2312 (level 1). Some bigrams are then in most
 * names (有限, 公司), some in a tenth (郑州, 食品), and many in a handful.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define ORG_SPACE	26439622160671ULL	/* 31^9 organisation codes */
#define ORG_MUL		3333333333331ULL	/* not a multiple of 31 */
#define HEAD_SHARE	75	/* % of trade characters from the head */
#define GB_LEVEL1	3755	/* characters of GB 2312 level 1 */
#define ZHENGZHOU	30	/* % of Henan names from Zhengzhou */

struct weighted {
	const char	*w_text;
	const char	*w_type;	/* USCC characters 1-2 (suffixes) */
	unsigned	 w_weight;
};

/* One character of the pools, as UTF-8, NUL-terminated. */
typedef char	 hanzi[4];

static uint64_t	 mulmod(uint64_t, uint64_t, uint64_t);
static int	 pool_head(void);
static int	 pool_tail(void);
static size_t	 pick_weighted(const struct weighted *, size_t, uint64_t);
static size_t	 pick_zipf(size_t, uint64_t);
static size_t	 pick_head(uint64_t);
static const struct bench_region *pick_region(uint64_t *, const char **,
		    int *);
static size_t	 put_region(char *, size_t, uint64_t *,
		    const struct bench_region *, const char *, int);
static size_t	 put_text(char *, size_t, const char *, size_t);

/* Characters enterprises favour in trade names, the most favoured first. */
static const char head_chars[] =
    "鑫华盛源达泰恒兴金瑞丰宏昌隆祥福顺利通佳美嘉和安康永新天中宇豪博创"
    "众诚信合力发展远航晨星辉光明阳春晟腾飞龙凤鹏翔聚宝鼎东方南北西亿万"
    "千百德仁义智润泽海洋江河山川林森木花园田禾谷粮香味品尚优良精工匠心"
    "质开元亨吉如意禄寿喜财富贵荣耀昊旭日月辰启君成立志大鸿运道汇畅捷速"
    "迅云峰岭岩石玉晶莹珠翠碧蓝青红绿紫彩虹霞锦绣秀丽雅致清风雨露雪冰"
    "春秋冬雷电正平乐民生惠实守好佰仟壹贰叁伍玖拓展业联友邦国际环球领先"
    "锐智慧星火之家乡情缘至尊典范卓越非凡超越先锋前程似锦绿洲蓝天白云黄"
    "河长城泰山嵩少林中原豫商鼎盛晖煌烨炜焱淼森磊鑫垚犇骉昕晔暄曦朗睿哲"
    "铭轩宸逸凯奥斯特伟杰俊英豪雄帅浩然宁静致远卓群赢胜冠军凯旋佳禾硕果"
    "丰收茂沃土壤牧野草原畜禽蜂蜜果蔬菜茶叶竹笋菇菌芝参药康寿健颐养乐居"
    "筑建材钢铁铜铝塑胶纸板箱包鞋帽衣服装饰灯具陶瓷玻璃水泥砂石沙土路桥"
    "车船机械电器仪表数码网络讯联云端智能芯片光电能源油气煤炭电力热水暖"
    "冷链仓储运输快递物流贸易商务会展广告印务传媒影视动漫游戏教育培训咨"
    "询法律财税审计评估担保投资基金证券保险银行典当租赁拍卖物业保洁家政"
    "月嫂养老医疗口腔眼科美容美发足浴酒店宾馆餐饮小吃面馆火锅烧烤烘焙糕"
    "点奶茶咖啡酒水饮料烟草超市便利百货五金日化母婴宠物花卉苗木园艺绿化";

static hanzi	*head, *tail;
static size_t	 nhead, ntail;
static uint32_t	*head_cum;	/* Zipf: cumulative weights, 2^32 in all */

/* Industries, the most common first (weights fall as 1 / rank). */
static const char *const industries[] = {
	"食品", "商贸", "科技", "建材", "贸易", "餐饮管理", "建筑工程",
	"信息技术", "农业开发", "文化传媒", "电子商务", "物流", "机械设备",
	"装饰工程", "网络科技", "实业", "房地产开发", "医药", "生物科技",
	"旅行社", "农业科技", "环保科技", "汽车销售", "酒店管理", "教育咨询",
	"广告", "服装", "家具", "化工", "新能源", "电力工程", "供应链管理",
	"企业管理咨询", "物业服务", "劳务", "人力资源", "家政服务",
	"健康管理", "五金", "电器", "通信", "软件", "印刷", "纺织", "钢结构",
	"水务", "茶业", "酒业", "超市", "药房", "美容美发", "旅游开发",
	"影视文化", "体育", "保洁", "园林绿化", "市政工程", "投资管理", "粮油"
};
/* What cooperatives do. */
static const char *const farming[] = {
	"种植", "养殖", "蔬菜种植", "果蔬", "花卉", "中药材种植", "生猪养殖",
	"农机", "茶叶", "食用菌"
};

/*
 * Suffixes, with the kind of organisation of the USCC (91 enterprise,
 * 92 individual business, 93 farmers' cooperative).
 */
static const struct weighted suffixes[] = {
	{ "有限公司", "91", 600 }, { "有限责任公司", "91", 100 },
	{ "股份有限公司", "91", 30 }, { "店", "92", 80 },
	{ "商行", "92", 40 }, { "经营部", "92", 40 }, { "门市部", "92", 10 },
	{ "厂", "91", 20 }, { "专业合作社", "93", 30 },
	{ "农民专业合作社", "93", 20 }
};
#define NSUFFIXES	(sizeof(suffixes) / sizeof(suffixes[0]))

static const char uscc_alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static uint64_t
mulmod(uint64_t a, uint64_t b, uint64_t m)
{
	return (uint64_t)((unsigned __int128)a * b % m);
}

/* The favoured characters, each once, and their Zipf weights. */
static int
pool_head(void)
{
	const char	*p;
	double		 total = 0, acc = 0;
	size_t		 i, k, n = 0, cap = sizeof(head_chars) / 3;

	if ((head = calloc(cap, sizeof(*head))) == NULL ||
	    (head_cum = calloc(cap, sizeof(*head_cum))) == NULL)
		return -1;
	for (p = head_chars; *p != '\0'; p += 3) {
		for (k = 0; k < n && memcmp(head[k], p, 3) != 0; k++)
			;
		if (k == n)
			memcpy(head[n++], p, 3);
	}
	nhead = n;
	for (i = 0; i < n; i++)
		total += 1.0 / (double)(i + 1);
	for (i = 0; i < n; i++) {
		acc += 1.0 / (double)(i + 1);
		head_cum[i] = (uint32_t)(acc / total * 4294967295.0);
	}
	head_cum[n - 1] = UINT32_MAX;
	return 0;
}

/* GB 2312 level 1 (rows 0xB0-0xD7), converted to UTF-8 by iconv. */
static int
pool_tail(void)
{
	iconv_t		 cd;
	char		 in[2], out[8], *ip, *op;
	size_t		 il, ol;
	unsigned	 row, col;

	if ((cd = iconv_open("UTF-8", "GB2312")) == (iconv_t)-1)
		return -1;
	if ((tail = calloc(GB_LEVEL1, sizeof(*tail))) == NULL) {
		iconv_close(cd);
		return -1;
	}
	for (row = 0xb0; row <= 0xd7; row++)
		for (col = 0xa1; col <= 0xfe && ntail < GB_LEVEL1; col++) {
			in[0] = (char)row;
			in[1] = (char)col;
			ip = in;
			il = 2;
			op = out;
			ol = sizeof(out);
			/* Every code of level 1 is a character of 3 bytes. */
			if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 ||
			    sizeof(out) - ol != 3)
				continue;
			memcpy(tail[ntail++], out, 3);
		}
	iconv_close(cd);
	if (ntail != GB_LEVEL1) {
		errno = EILSEQ;
		return -1;
	}
	return 0;
}

int
names_init(void)
{
	if (head != NULL)
		return 0;
	if (pool_head() == -1 || pool_tail() == -1) {
		fprintf(stderr, "qcreg-bench: the names' characters: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* An index into w (n items) drawn with their weights by r. */
static size_t
pick_weighted(const struct weighted *w, size_t n, uint64_t r)
{
	unsigned	 total = 0, x;
	size_t		 i;

	for (i = 0; i < n; i++)
		total += w[i].w_weight;
	x = (unsigned)(r % total);
	for (i = 0; i + 1 < n && x >= w[i].w_weight; i++)
		x -= w[i].w_weight;
	return i;
}

/* 1 / rank weights over n items, drawn by r. */
static size_t
pick_zipf(size_t n, uint64_t r)
{
	double	 total = 0, x;
	size_t	 i;

	for (i = 0; i < n; i++)
		total += 1.0 / (double)(i + 1);
	x = (double)(r >> 11) * 0x1p-53 * total;
	for (i = 0; i + 1 < n && x >= 1.0 / (double)(i + 1); i++)
		x -= 1.0 / (double)(i + 1);
	return i;
}

/* The favoured character whose cumulative weight first reaches r. */
static size_t
pick_head(uint64_t r)
{
	size_t	 lo = 0, hi = nhead - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (head_cum[mid] < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The division: Henan 92% (its province 8% of those, Zhengzhou 30%),
 * other cities 8%. *city is the city the division belongs to (NULL:
 * none, or it is one), *province 1 for the province itself.
 */
static const struct bench_region *
pick_region(uint64_t *rng, const char **city, int *province)
{
	static const struct bench_region henan = { "410000", "河南省", 0 };
	const struct bench_region	*r;
	uint64_t			 x = rng_next(rng) % 100;
	size_t				 i, n = bench_nregions_henan;

	*city = NULL;
	*province = 0;
	if (x >= 92)
		return &bench_regions_other[rng_next(rng) %
		    bench_nregions_other];
	if (x < 7) {
		*province = 1;
		return &henan;
	}
	if (rng_next(rng) % 100 < ZHENGZHOU) {
		/* Zhengzhou's entries lead the table. */
		for (n = 1; !bench_regions_henan[n].r_city; n++)
			;
	}
	i = rng_next(rng) % n;
	r = &bench_regions_henan[i];
	for (; !bench_regions_henan[i].r_city; i--)
		;
	if (&bench_regions_henan[i] != r)
		*city = bench_regions_henan[i].r_name;
	return r;
}

/* Appends len bytes of s to out (at most BENCH_NAME_MAX); the new length. */
static size_t
put_text(char *out, size_t at, const char *s, size_t len)
{
	if (at + len >= BENCH_NAME_MAX)
		len = 0;
	memcpy(out + at, s, len);
	out[at + len] = '\0';
	return at + len;
}

/*
 * The division as names spell it: 河南 or 河南省; a city with or without
 * 市; a district or county under its city's name or alone (a county-level
 * city always alone).
 */
static size_t
put_region(char *out, size_t at, uint64_t *rng, const struct bench_region *r,
    const char *city, int province)
{
	size_t	 len = strlen(r->r_name), clen;
	uint64_t x = rng_next(rng) % 100;

	if (province)
		return put_text(out, at, r->r_name, x < 60 ? len - 3 : len);
	if (city == NULL)
		return put_text(out, at, r->r_name, x < 15 ? len - 3 : len);
	clen = strlen(city);
	if (strcmp(r->r_name + len - 3, "市") != 0 && x < 60)
		at = put_text(out, at, city, x < 10 ? clen - 3 : clen);
	return put_text(out, at, r->r_name, len);
}

void
names_entry(uint64_t nseed, uint64_t i, struct bench_name *e)
{
	const struct bench_region	*r;
	const char			*city, *ind, *p;
	char				 code[19];
	uint64_t			 rng, x;
	size_t				 at, s, k, n;
	int				 province;

	rng = nseed * 0x9e3779b97f4a7c15ULL ^ i * 0xd1b54a32d192ed03ULL;
	r = pick_region(&rng, &city, &province);
	at = put_region(e->name, 0, &rng, r, city, province);
	n = rng_next(&rng) % 100 < 65 ? 2 : 3;
	for (k = 0; k < n; k++) {
		x = rng_next(&rng);
		if (x % 100 < HEAD_SHARE)
			p = head[pick_head(x >> 32)];
		else
			p = tail[(x >> 32) % ntail];
		at = put_text(e->name, at, p, 3);
	}
	s = pick_weighted(suffixes, NSUFFIXES, rng_next(&rng));
	if (suffixes[s].w_type[1] == '3')
		ind = farming[rng_next(&rng) % (sizeof(farming) /
		    sizeof(farming[0]))];
	else
		ind = industries[pick_zipf(sizeof(industries) /
		    sizeof(industries[0]), rng_next(&rng))];
	at = put_text(e->name, at, ind, strlen(ind));
	e->name_len = put_text(e->name, at, suffixes[s].w_text,
	    strlen(suffixes[s].w_text));
	/* Characters 9-17: the organisation code, a bijection of i. */
	memcpy(code, suffixes[s].w_type, 2);
	memcpy(code + 2, r->r_code, 6);
	x = mulmod((i + 1) % ORG_SPACE, ORG_MUL, ORG_SPACE);
	for (k = 17; k-- > 8;) {
		code[k] = uscc_alpha[x % 31];
		x /= 31;
	}
	code[17] = keys_uscc_check(code);
	code[18] = '\0';
	e->subject_len = (size_t)snprintf(e->subject, sizeof(e->subject),
	    "uscc:%s", code);
}
