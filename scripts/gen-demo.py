#!/usr/bin/env python3
"""Writes the qcreg demo data set to stdout as JSON Lines.

Each line is one entry to put:
    {"list": "credit"|"tourism"|"advertising", "subject": "kind:id",
     "fields": {...}}
with the fields of proto/PROTOCOL.md section 4.2. The entries are made-up
Fujian enterprises, tour guides, web sites and vehicles; the output depends
only on --count and --seed. Every line is checked against the protocol rules
by a second, independent implementation before anything is written.

Load it one list at a time with that list's writer, e.g.
    bin/qcreg --cert certs/dev/quality-bureau.crt \\
        --key certs/dev/quality-bureau.key import --list credit FILE

Python 3 standard library only.
"""

import argparse
import datetime
import json
import random
import re
import sys

# --- GB 32100-2015 unified social credit code ------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30,
                28)


def uscc_check_char(code17):
    """Check character for the first 17 characters of a USCC."""
    total = 0
    for ch, weight in zip(code17, USCC_WEIGHTS):
        total += USCC_ALPHABET.index(ch) * weight
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code(body8):
    """GB 11714 organisation code: 8 characters plus its check character."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = 0
    for ch, weight in zip(body8, weights):
        value = int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10
        total += value * weight
    check = 11 - total % 11
    return body8 + ("X" if check == 10 else "0" if check == 11 else
                    str(check))


# Subjects that scripts/run-dev.sh shows in its examples: the first two are
# never generated (a clean enterprise for `check`, and one for `put`).
CLEAN_USCC = "91350102MA2YK7F483"
PUT_USCC = "91350102MA33R8N191"
RESERVED = {"uscc:" + CLEAN_USCC, "uscc:" + PUT_USCC, "guide:D-3501-000123"}

# --- places ----------------------------------------------------------------

# (division code, city, name used in enterprise names, district or county)
REGIONS = [
    ("350000", "福建", "福建", None),
    ("350100", "福州", "福州", None),
    ("350102", "福州", "福州", "鼓楼区"),
    ("350103", "福州", "福州", "台江区"),
    ("350104", "福州", "福州", "仓山区"),
    ("350105", "福州", "福州", "马尾区"),
    ("350111", "福州", "福州", "晋安区"),
    ("350112", "福州", "长乐", "长乐区"),
    ("350121", "福州", "闽侯", "闽侯县"),
    ("350181", "福州", "福清", "福清市"),
    ("350200", "厦门", "厦门", None),
    ("350203", "厦门", "厦门", "思明区"),
    ("350205", "厦门", "厦门", "海沧区"),
    ("350206", "厦门", "厦门", "湖里区"),
    ("350211", "厦门", "厦门", "集美区"),
    ("350212", "厦门", "厦门", "同安区"),
    ("350300", "莆田", "莆田", None),
    ("350302", "莆田", "莆田", "城厢区"),
    ("350322", "莆田", "仙游", "仙游县"),
    ("350400", "三明", "三明", None),
    ("350481", "三明", "永安", "永安市"),
    ("350500", "泉州", "泉州", None),
    ("350502", "泉州", "泉州", "鲤城区"),
    ("350503", "泉州", "泉州", "丰泽区"),
    ("350524", "泉州", "安溪", "安溪县"),
    ("350526", "泉州", "德化", "德化县"),
    ("350581", "泉州", "石狮", "石狮市"),
    ("350582", "泉州", "晋江", "晋江市"),
    ("350583", "泉州", "南安", "南安市"),
    ("350600", "漳州", "漳州", None),
    ("350602", "漳州", "漳州", "芗城区"),
    ("350623", "漳州", "漳浦", "漳浦县"),
    ("350628", "漳州", "平和", "平和县"),
    ("350700", "南平", "南平", None),
    ("350782", "南平", "武夷山", "武夷山市"),
    ("350800", "龙岩", "龙岩", None),
    ("350802", "龙岩", "龙岩", "新罗区"),
    ("350825", "龙岩", "连城", "连城县"),
    ("350900", "宁德", "宁德", None),
    ("350982", "宁德", "福鼎", "福鼎市"),
]

# What each place is known for; used for some of its enterprises.
SPECIALTIES = {
    "安溪": ["茶业", "藤铁工艺"], "德化": ["陶瓷", "瓷业"],
    "晋江": ["鞋业", "体育用品", "纺织"], "石狮": ["服装", "服饰"],
    "南安": ["石材", "水暖卫浴"], "福鼎": ["白茶", "茶业"],
    "武夷山": ["岩茶", "茶业"], "平和": ["蜜柚", "果业"],
    "莆田": ["鞋业", "工艺品"], "仙游": ["古典家具", "工艺品"],
    "福清": ["食品", "电子科技"], "长乐": ["纺织", "化纤"],
    "漳浦": ["食用菌", "水产食品"], "连城": ["地瓜干食品", "农产品"],
}

# Short code used in decision numbers, per city.
CITY_ABBR = {"福建": "闽", "福州": "榕", "厦门": "厦", "莆田": "莆",
             "三明": "明", "泉州": "泉", "漳州": "漳", "南平": "延",
             "龙岩": "岩", "宁德": "宁"}

BRAND_1 = "鑫恒华闽聚榕天嘉瑞宏金永盛德福兴润海茂源安泰和达信隆祥丰顺鸿新百万"
BRAND_2 = "源通盛达华泰丰利昌兴顺发隆茂宇诚信美佳鑫辉腾远嘉和康宏"

TRADES = ["食品", "茶业", "鞋业", "服装", "纺织", "陶瓷", "石材", "建材",
          "电子科技", "机械制造", "电器", "卫浴", "包装材料", "医疗器械",
          "水产食品", "塑胶制品", "家具", "工艺品", "化工", "汽车配件",
          "农业发展", "饮品", "调味品", "日用品", "照明科技"]
AD_TRADES = ["广告传媒", "文化传媒", "医疗美容", "保健食品", "教育咨询",
             "房地产开发", "电子商务", "生物科技", "健康管理", "化妆品",
             "网络科技", "文化传播"]
TOUR_TRADES = ["旅游文化传播", "旅游咨询服务", "户外运动", "文化旅游发展",
               "商务会展服务", "国际旅游咨询", "研学旅行服务"]
SHOP_TRADES = ["工艺品", "茶叶", "珠宝玉器", "土特产", "养生保健品"]
SUFFIXES = [("有限公司", 70), ("股份有限公司", 12), ("有限责任公司", 18)]
SMALL_SHOPS = ["小吃店", "便利店", "茶叶店", "副食品店", "五金店", "服装店",
               "水果店", "餐馆", "美容店", "药店", "烟酒商行"]
COOP_PRODUCTS = ["茶叶", "果蔬", "食用菌", "水产养殖", "蜜柚", "花卉",
                 "生猪养殖", "稻米"]
NONPROFITS = ["职业培训学校", "养老院", "艺术培训中心", "幼儿园",
              "社会工作服务中心"]
SCHOOLS = ["职业培训学校", "艺术培训中心", "外语培训学校"]
SURNAMES = "陈林黄张吴王李郑刘杨许蔡洪郭曾谢叶庄苏周江游卢"

# Registration categories (first two characters of a USCC): 91 enterprise,
# 92 individual business, 93 farmers' co-operative (all market regulation),
# 52 private non-enterprise unit (civil affairs).
CATEGORIES = [("91", 80), ("92", 8), ("93", 7), ("52", 5)]

# --- reasons ---------------------------------------------------------------

AGENCY_REASONS = [
    "未取得旅行社业务经营许可，擅自招徕、组织、接待旅游者",
    "未取得旅行社业务经营许可，以旅游咨询名义经营旅行社业务",
    "超出许可范围擅自经营出境旅游业务",
    "出租、出借旅行社业务经营许可证",
]
AGENCY_OTHER_REASONS = [
    "以不合理的低价组织旅游活动，诱骗旅游者，并通过安排购物获取回扣",
    "拒不履行旅游合同约定的义务，造成游客滞留",
]
SHOP_REASONS = [
    "与旅行社、导游串通，诱导、强迫游客购物",
    "以虚假宣传诱骗游客高价购买商品",
]
GUIDE_REASONS = [
    "导游证有效期届满未换发，仍从事导游活动",
    "导游证已被吊销，仍从事导游活动",
    "冒用他人导游证从事导游活动",
]
GUIDE_OTHER_REASONS = [
    "诱导、欺骗、强迫或者变相强迫旅游者购物",
    "擅自变更旅游行程，向旅游者索取额外费用",
    "辱骂、威胁游客，造成恶劣社会影响",
]
SITE_REASONS = [
    "未取得旅行社业务经营许可，通过网站招徕、组织旅游者",
    "网站发布虚假旅游产品信息，欺骗旅游者",
    "网站冒用正规旅行社名义销售旅游产品",
]
VEHICLE_REASONS = [
    "未取得道路旅游客运经营许可，擅自从事旅游包车经营",
    "非法营运车辆在景区周边揽客",
    "使用未取得营运资质的车辆接送旅游团队",
]
VEHICLE_OTHER_REASONS = [
    "车辆超员运载旅游者，存在重大安全隐患",
]
EDU_TRADES = ["教育咨询", "教育科技", "文化传播"]
# (reason, trades of the enterprises it fits, or None for any)
AD_REASONS = [
    ("发布虚假广告，欺骗、误导消费者", None),
    ("在广告中使用\u201c国家级\u201d\u201c最高级\u201d\u201c最佳\u201d等用语",
     None),
    ("一年内三次以上发布违法广告，情节严重", None),
    ("发布未经审查的医疗广告", ["医疗美容", "健康管理", "口腔门诊"]),
    ("保健食品广告宣称具有疾病预防、治疗功能",
     ["保健食品", "生物科技", "健康管理"]),
    ("教育培训广告对升学、通过考试作出保证性承诺", EDU_TRADES),
    ("房地产广告对升值或者投资回报作出保证性承诺",
     ["房地产开发", "房地产营销策划"]),
    ("利用互联网发布虚假广告，违法所得数额较大",
     ["电子商务", "网络科技", "广告传媒"]),
]

# Web sites: host words, the place they name and the city that acts.
SITE_PLACES = [("fz", "福州", "福州"), ("xm", "厦门", "厦门"),
               ("qz", "泉州", "泉州"), ("wuyishan", "武夷山", "南平"),
               ("gulangyu", "鼓浪屿", "厦门"), ("taining", "泰宁", "三明"),
               ("fujian", "福建", "福建"), ("minnan", "闽南", "厦门"),
               ("tulou", "土楼", "龙岩"), ("pingtan", "平潭", "福州"),
               ("meizhou", "湄洲岛", "莆田"), ("xiapu", "霞浦", "宁德")]
TOUR_SITE_WORDS = [("cheap-tours", "特价游"), ("tour", "旅游"),
                   ("travel", "旅行"), ("trip", "出游"),
                   ("yiriyou", "一日游"), ("holiday", "度假"),
                   ("tickets", "门票"), ("lvyou", "旅游"),
                   ("dujia", "度假"), ("baotuan", "包团游")]
AD_SITE_WORDS = [("meirong", "医美"), ("baojian", "保健"),
                 ("jiaoyu", "教育"), ("fangchan", "房产"),
                 ("shop", "特惠商城"), ("yangsheng", "养生"),
                 ("kaoshi", "考试培训"), ("zhibo", "直播购"),
                 ("health", "健康")]
SITE_TLDS = ["example.cn", "example.com", "example.net", "example.com.cn"]
# Internationalised names, sent as xn-- A-labels.
IDN_SITES = [("武夷山特价游", "example.cn", "武夷山特价游网"),
             ("福州旅游", "example.cn", "福州旅游网"),
             ("鼓浪屿一日游", "example.com", "鼓浪屿一日游网"),
             ("养生保健", "example.cn", "养生保健网")]

# Plates: Fujian letters by city, plus a few from neighbouring provinces.
PLATE_CITIES = {"闽A": "福州", "闽B": "莆田", "闽C": "泉州", "闽D": "厦门",
                "闽E": "漳州", "闽F": "龙岩", "闽G": "三明", "闽H": "南平",
                "闽J": "宁德", "闽K": "福建"}
PLATE_PREFIXES = ["闽A", "闽A", "闽B", "闽C", "闽C", "闽D", "闽D", "闽E",
                  "闽F", "闽G", "闽H", "闽J", "闽K", "粤B", "浙C", "赣A"]
# Guide licence numbers carry the city's division code.
GUIDE_CITIES = {"3501": "福州", "3502": "厦门", "3503": "莆田",
                "3504": "三明", "3505": "泉州", "3506": "漳州",
                "3507": "南平", "3508": "龙岩", "3509": "宁德"}
PLATE_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on plates

DATE_MIN = datetime.date(2023, 1, 1)


class Gen:
    """Deterministic generator state."""

    def __init__(self, seed):
        self.rnd = random.Random(seed)
        self.used = {"credit": set(), "tourism": set(), "advertising": set()}
        self.usccs = set(RESERVED)

    def pick(self, seq):
        return seq[self.rnd.randrange(len(seq))]

    def weighted(self, pairs):
        total = sum(w for _, w in pairs)
        r = self.rnd.randrange(total)
        for value, weight in pairs:
            if r < weight:
                return value
            r -= weight
        raise AssertionError("unreachable")

    def chance(self, percent):
        return self.rnd.randrange(100) < percent

    def date_between(self, first, last):
        span = (last - first).days
        return first + datetime.timedelta(days=self.rnd.randrange(span + 1))

    # --- subjects ---

    def uscc(self, category, region):
        while True:
            if self.chance(75):
                # Codes issued since 2015 start their organisation code
                # with M (market regulation) or MJ (civil affairs).
                head = "MJ" if category == "52" else "MA"
                body = head + "".join(self.pick("0123456789ABCDEFGHJKLMNPQRTUWXY")
                                      for _ in range(6))
            else:
                # Older codes carry a numeric organisation code.
                body = "".join(self.pick("0123456789") for _ in range(8))
            code17 = category + region + org_code(body)
            code = code17 + uscc_check_char(code17)
            if "uscc:" + code not in self.usccs:
                self.usccs.add("uscc:" + code)
                return code

    def brand(self):
        while True:
            first, second = self.pick(BRAND_1), self.pick(BRAND_2)
            if first != second:
                return first + second

    def enterprise(self, trades=None, categories=CATEGORIES):
        """A new enterprise: (subject, name, city)."""
        category = self.weighted(categories)
        while True:
            code, city, place, district = self.pick(REGIONS)
            # Shops register in a district or county, co-operatives in a
            # county or county-level city.
            if category in ("91", "52"):
                break
            if district and (category == "92" or district[-1] in "县市"):
                break
        if category == "91":
            if trades is None:
                spec = SPECIALTIES.get(place)
                trade = (self.pick(spec) if spec and self.chance(50) else
                         self.pick(TRADES))
            else:
                trade = self.pick(trades)
            name = place + self.brand() + trade + self.weighted(SUFFIXES)
        elif category == "92":
            if district.endswith("区"):
                district = city + "市" + district
            name = district + self.brand() + self.pick(SMALL_SHOPS)
        elif category == "93":
            name = district + self.brand() + self.pick(COOP_PRODUCTS) + \
                "专业合作社"
        else:
            kinds = NONPROFITS if trades is None else SCHOOLS
            seat = "福建省" if city == "福建" else city + "市"
            name = seat + self.brand() + self.pick(kinds)
        return ("uscc:" + self.uscc(category, code), name, city)

    def guide(self):
        """A guide licence number: (subject, city)."""
        while True:
            region = self.pick(["3501", "3501", "3502", "3502", "3505",
                                "3506", "3507", "3508", "3509", "3503",
                                "3504"])
            subject = "guide:D-%s-%06d" % (region, self.rnd.randrange(1, 40000))
            if subject not in RESERVED and subject not in self.used["tourism"]:
                return subject, GUIDE_CITIES[region]

    def site(self, places, topics):
        """A web site: (subject, name, city)."""
        word, place, city = self.pick(places)
        topic_word, topic = self.pick(topics)
        host = "%s-%s.%s" % (word, topic_word, self.pick(SITE_TLDS))
        return "site:" + host, place + topic + "网", city

    def plate(self):
        """A plate: (subject, city); the city is None out of province."""
        prefix = self.pick(PLATE_PREFIXES)
        if self.chance(20):
            # New-energy plates: D or F, then five more characters.
            rest = self.pick("DF") + "".join(self.pick("0123456789")
                                            for _ in range(5))
        else:
            rest = "".join(self.pick(PLATE_CHARS if i < 2 else "0123456789")
                           for i in range(5))
        return "plate:" + prefix + rest, PLATE_CITIES.get(prefix)

    def person(self):
        return self.pick(SURNAMES) + ("某某" if self.chance(50) else "某")

    def decision(self, city, kind, year):
        abbr = CITY_ABBR.get(city, "闽")
        if self.chance(15):
            abbr = "闽"
        return "%s%s〔%d〕%d号" % (abbr, kind, year, self.rnd.randrange(1, 320))


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def listing_dates(gen, pending_percent, default_end_percent):
    """listed_on and maybe expires_on for a blacklist entry."""
    if gen.chance(pending_percent):
        listed = gen.date_between(datetime.date(2027, 1, 1),
                                  datetime.date(2027, 6, 30))
    else:
        listed = gen.date_between(DATE_MIN, datetime.date(2026, 11, 15))
    if gen.chance(default_end_percent):
        return listed, None
    return listed, add_years(listed, gen.pick([1, 1, 2, 3, 3, 5]))


def make_credit(gen, ent):
    subject, name, _ = ent
    grade = gen.weighted([("A", 35), ("B", 40), ("C", 17), ("D", 8)])
    lo, hi = {"A": (90, 100), "B": (75, 89), "C": (60, 74), "D": (30, 59)}[grade]
    fields = {"name": name, "grade": grade}
    if gen.chance(85):
        fields["score"] = gen.rnd.randint(lo, hi)
    report = gen.chance(70)
    start = None
    if gen.chance(85):
        if gen.chance(9):
            start = gen.date_between(datetime.date(2027, 1, 1),
                                     datetime.date(2027, 7, 1))
        else:
            start = gen.date_between(DATE_MIN, datetime.date(2026, 11, 1))
        fields["valid_from"] = start.isoformat()
        if gen.chance(90):
            end = add_years(start, gen.pick([1, 2, 2, 3])) - \
                datetime.timedelta(days=1)
            fields["valid_until"] = end.isoformat()
    elif gen.chance(50):
        end = gen.date_between(datetime.date(2024, 6, 30),
                               datetime.date(2028, 12, 31))
        fields["valid_until"] = end.isoformat()
    if report:
        # The report is issued in the year the rating starts, or before.
        year = min(start.year, 2026) if start else gen.rnd.randint(2023, 2026)
        fields["report"] = "闽质信评〔%d〕第%04d号" % (
            year, gen.rnd.randrange(1, 3000))
    return {"list": "credit", "subject": subject, "fields": fields}


def make_tourism(gen):
    kind = gen.weighted([("uscc", 30), ("guide", 25), ("site", 20),
                         ("plate", 25)])
    city = gen.pick(list(CITY_ABBR))
    if kind == "uscc":
        what = gen.weighted([("agency", 60), ("other", 20), ("shop", 20)])
        trades = SHOP_TRADES if what == "shop" else TOUR_TRADES
        subject, name, city = gen.enterprise(trades, [("91", 1)])
        if what == "agency":
            category, reason = "unlicensed_agency", gen.pick(AGENCY_REASONS)
        elif what == "other":
            category, reason = "other", gen.pick(AGENCY_OTHER_REASONS)
        else:
            category, reason = "other", gen.pick(SHOP_REASONS)
    elif kind == "guide":
        subject, city = gen.guide()
        name = gen.person()
        if gen.chance(70):
            category, reason = "unlicensed_guide", gen.pick(GUIDE_REASONS)
        else:
            category, reason = "other", gen.pick(GUIDE_OTHER_REASONS)
    elif kind == "site":
        if gen.chance(6):
            label, tld, name = gen.pick(IDN_SITES[1:3])
            subject = "site:" + label.encode("idna").decode("ascii") + "." + tld
        else:
            subject, name, city = gen.site(SITE_PLACES, TOUR_SITE_WORDS)
        category, reason = "illegal_website", gen.pick(SITE_REASONS)
    else:
        subject, plate_city = gen.plate()
        city = plate_city or city
        if gen.chance(40):
            name = city + gen.brand() + "汽车租赁有限公司"
        else:
            name = gen.person() + "（车主）"
        if gen.chance(90):
            category, reason = "illegal_vehicle", gen.pick(VEHICLE_REASONS)
        else:
            category, reason = "other", gen.pick(VEHICLE_OTHER_REASONS)
    listed, expires = listing_dates(gen, 3, 40)
    fields = {"name": name, "category": category, "reason": reason,
              "decision": gen.decision(city, "文旅罚", listed.year),
              "listed_on": listed.isoformat()}
    if expires:
        fields["expires_on"] = expires.isoformat()
    return {"list": "tourism", "subject": subject, "fields": fields}


def make_advertising(gen, rated_badly):
    if gen.chance(15):
        if gen.chance(15):
            label, tld, name = IDN_SITES[3]
            subject = "site:" + label.encode("idna").decode("ascii") + "." + tld
            city = "福建"
        else:
            subject, name, city = gen.site(SITE_PLACES[:7], AD_SITE_WORDS)
        reason = gen.pick(AD_REASONS)[0]
    elif rated_badly and gen.chance(30):
        # Enterprises with a poor quality rating are often here too.
        subject, name, city = gen.pick(rated_badly)
        reason = gen.pick([r for r, trades in AD_REASONS if trades is None])
    else:
        reason, trades = gen.pick(AD_REASONS)
        if trades is None:
            subject, name, city = gen.enterprise(
                AD_TRADES if gen.chance(70) else None,
                [("91", 85), ("92", 15)])
        elif trades is EDU_TRADES:
            # Private schools register with civil affairs (52).
            subject, name, city = gen.enterprise(trades,
                                                 [("91", 60), ("52", 40)])
        else:
            subject, name, city = gen.enterprise(trades, [("91", 1)])
    listed, expires = listing_dates(gen, 2, 15)
    fields = {"name": name, "reason": reason,
              "decision": gen.decision(city, "市监处罚", listed.year),
              "listed_on": listed.isoformat()}
    if expires:
        fields["expires_on"] = expires.isoformat()
    return {"list": "advertising", "subject": subject, "fields": fields}


# The examples of proto/PROTOCOL.md, so that its check example answers as
# printed there.
FEATURED = [
    {"list": "credit", "subject": "uscc:91350100M000100Y43",
     "fields": {"name": "福州某某食品有限公司", "grade": "C", "score": 55,
                "report": "闽质信评〔2025〕第0417号",
                "valid_from": "2024-07-01", "valid_until": "2027-06-30"}},
    {"list": "advertising", "subject": "uscc:91350100M000100Y43",
     "fields": {"name": "福州某某食品有限公司",
                "reason": "保健食品广告宣称具有疾病预防、治疗功能",
                "decision": "榕市监处罚〔2025〕37号",
                "listed_on": "2025-01-15", "expires_on": "2028-01-15"}},
    {"list": "tourism", "subject": "site:cheap-tours.example.cn",
     "fields": {"name": "某某旅游网", "category": "illegal_website",
                "reason": "未经许可经营旅行社业务",
                "decision": "闽旅罚〔2026〕12号",
                "listed_on": "2026-03-01", "expires_on": "2029-03-01"}},
    {"list": "tourism",
     "subject": "site:" + "武夷山特价游".encode("idna").decode("ascii") +
                ".example.cn",
     "fields": {"name": "武夷山特价游网", "category": "illegal_website",
                "reason": "未取得旅行社业务经营许可，通过网站招徕、组织旅游者",
                "decision": "延文旅罚〔2025〕86号",
                "listed_on": "2025-09-12"}},
]


def generate(count, seed):
    gen = Gen(seed)
    out = []
    for entry in FEATURED[:count]:
        out.append(entry)
        gen.used[entry["list"]].add(entry["subject"])
        gen.usccs.add(entry["subject"])
    rest = max(0, count - len(out))
    n_credit = rest * 45 // 100
    n_tourism = rest * 35 // 100
    n_ad = rest - n_credit - n_tourism

    def add(entry):
        used = gen.used[entry["list"]]
        if entry["subject"] in used or entry["subject"] in RESERVED:
            return False
        used.add(entry["subject"])
        # Fields in the list's schema order, as the server returns them.
        order = [name for name, _ in SCHEMAS[entry["list"]][1]]
        got = entry["fields"]
        entry["fields"] = {name: got[name] for name in order if name in got}
        out.append(entry)
        return True

    rated_badly = []
    made = 0
    while made < n_credit:
        ent = gen.enterprise(None, [("91", 85), ("92", 8), ("93", 7)])
        entry = make_credit(gen, ent)
        if add(entry):
            made += 1
            if entry["fields"]["grade"] in ("C", "D"):
                rated_badly.append(ent)
    made = 0
    while made < n_tourism:
        made += add(make_tourism(gen))
    made = 0
    while made < n_ad:
        made += add(make_advertising(gen, rated_badly))
    return out


# --- independent validation (proto/PROTOCOL.md sections 4.1 and 4.2) ---------

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
RE_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
RE_GUIDE = re.compile(r"^[A-Z0-9-]{4,32}$")
RE_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
RE_PLATE = re.compile("^[" + PROVINCES + "][A-Z][A-Z0-9]{5,6}$")
RE_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def uscc_valid(code):
    """Independent check: the weighted sum over all 18 characters, with the
    check character weighted 1, is a multiple of 31; weights are 3^i mod 31."""
    if not RE_USCC.match(code):
        return False
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(alphabet.find(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return (total + alphabet.find(code[17])) % 31 == 0


def site_valid(host):
    if len(host) > 253 or host != host.lower():
        return False
    labels = host.split(".")
    if len(labels) < 2:
        return False
    for label in labels:
        if not RE_LABEL.match(label):
            return False
        if label.startswith("xn--"):
            try:
                label[4:].encode("ascii").decode("punycode")
            except UnicodeError:
                return False
    return True


def subject_valid(subject):
    kind, sep, ident = subject.partition(":")
    if not sep:
        return False
    if kind == "uscc":
        return uscc_valid(ident)
    if kind == "guide":
        return bool(RE_GUIDE.match(ident))
    if kind == "site":
        return site_valid(ident)
    if kind == "plate":
        return bool(RE_PLATE.match(ident))
    return False


def text(max_len, required=False):
    return ("text", required, max_len)


def enum(values, required=False):
    return ("enum", required, values)


SCHEMAS = {
    "credit": (("uscc",), [
        ("name", text(256, True)), ("grade", enum("ABCD", True)),
        ("score", ("int", False, (0, 100))), ("report", text(64)),
        ("valid_from", ("date", False, None)),
        ("valid_until", ("date", False, None))], "valid_from", "valid_until"),
    "tourism": (("uscc", "guide", "site", "plate"), [
        ("name", text(256, True)),
        ("category", enum(("unlicensed_agency", "unlicensed_guide",
                           "illegal_website", "illegal_vehicle", "other"),
                          True)),
        ("reason", text(1024, True)), ("decision", text(64, True)),
        ("listed_on", ("date", True, None)),
        ("expires_on", ("date", False, None))], "listed_on", "expires_on"),
    "advertising": (("uscc", "site"), [
        ("name", text(256, True)), ("reason", text(1024, True)),
        ("decision", text(64, True)), ("listed_on", ("date", True, None)),
        ("expires_on", ("date", False, None))], "listed_on", "expires_on"),
}


def field_problem(value, ftype, arg):
    if ftype == "text":
        if not isinstance(value, str) or "\0" in value:
            return "not text"
        size = len(value.encode("utf-8"))
        return None if 1 <= size <= arg else "length %d" % size
    if ftype == "enum":
        return None if isinstance(value, str) and value in arg else "not allowed"
    if ftype == "int":
        ok = (isinstance(value, int) and not isinstance(value, bool) and
              arg[0] <= value <= arg[1])
        return None if ok else "out of range"
    if not isinstance(value, str) or not RE_DATE.match(value):
        return "not a date"
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return "not a calendar day"
    return None if 1900 <= day.year <= 9999 else "year out of range"


def entry_problem(entry):
    if set(entry) != {"list", "subject", "fields"}:
        return "keys"
    schema = SCHEMAS.get(entry["list"])
    if schema is None:
        return "unknown list"
    kinds, fields, start, end = schema
    subject = entry["subject"]
    if not subject_valid(subject):
        return "invalid subject"
    if subject.partition(":")[0] not in kinds:
        return "kind not accepted"
    names = [name for name, _ in fields]
    for key in entry["fields"]:
        if key not in names:
            return "unknown field " + key
    for name, (ftype, required, arg) in fields:
        if name not in entry["fields"]:
            if required:
                return "missing " + name
            continue
        problem = field_problem(entry["fields"][name], ftype, arg)
        if problem:
            return "%s: %s" % (name, problem)
    got = entry["fields"]
    if start in got and end in got and got[end] < got[start]:
        return "end before start"
    return None


def self_test():
    """Known answers from proto/PROTOCOL.md, plus the reserved subjects."""
    assert uscc_valid("91350100M000100Y43")
    assert not uscc_valid("91350100M000100Y44")
    assert uscc_check_char("91350100M000100Y4") == "3"
    for subject in RESERVED:
        assert subject_valid(subject), subject
    assert not subject_valid("site:-bad.example.cn")
    assert not subject_valid("plate:闽I1234")
    assert subject_valid("plate:闽AD12345")


def main():
    parser = argparse.ArgumentParser(
        description="Write the qcreg demo data set (JSON Lines) to stdout.")
    parser.add_argument("--count", type=int, default=400,
                        help="number of entries (default 400)")
    parser.add_argument("--seed", type=int, default=2015,
                        help="random seed (default 2015)")
    parser.add_argument("--summary", action="store_true",
                        help="print counts by list, kind and state to stderr")
    args = parser.parse_args()
    if args.count < 0:
        parser.error("--count must be 0 or more")

    self_test()
    entries = generate(args.count, args.seed)
    seen = set()
    for i, entry in enumerate(entries, 1):
        problem = entry_problem(entry)
        key = (entry["list"], entry["subject"])
        if problem is None and key in seen:
            problem = "duplicate"
        if problem is None and entry["subject"] in RESERVED:
            problem = "reserved subject"
        if problem:
            sys.stderr.write("gen-demo: entry %d %s %s: %s\n" %
                             (i, entry["list"], entry["subject"], problem))
            return 1
        seen.add(key)

    out = sys.stdout.buffer
    for entry in entries:
        line = json.dumps(entry, ensure_ascii=False)
        out.write(line.encode("utf-8") + b"\n")
    out.flush()
    if args.summary:
        summarize(entries)
    return 0


def summarize(entries):
    """Counts by list, kind and state as of today in UTC+8."""
    today = (datetime.datetime.now(datetime.timezone.utc) +
             datetime.timedelta(hours=8)).date()
    counts = {}
    for entry in entries:
        _, _, start_name, end_name = SCHEMAS[entry["list"]]
        got = entry["fields"]
        start = got.get(start_name)
        start = datetime.date.fromisoformat(start) if start else None
        end = got.get(end_name)
        end = datetime.date.fromisoformat(end) if end else None
        if end is None and start and entry["list"] == "tourism":
            end = add_years(start, 3)
        if start and start > today:
            state = "pending"
        elif end and end < today:
            state = "expired"
        else:
            state = "active"
        kind = entry["subject"].partition(":")[0]
        for key in ((entry["list"],), (entry["list"], kind),
                    (entry["list"], state)):
            counts[key] = counts.get(key, 0) + 1
    for key in sorted(counts):
        sys.stderr.write("%-24s %d\n" % ("/".join(key), counts[key]))


if __name__ == "__main__":
    sys.exit(main())
