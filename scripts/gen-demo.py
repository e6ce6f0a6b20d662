#!/usr/bin/env python3
"""Writes the qcreg demo data set to stdout as JSON Lines.

Entries (the default output): each line is one entry to put,
    {"list": "credit"|"tourism"|"advertising"|"tourism-watch",
     "subject": "kind:id", "fields": {...}}
with the fields of proto/PROTOCOL.md section 4.2. The entries are made-up
Henan enterprises (unified social credit codes of Henan divisions, 41xxxx),
tour guides, web sites and vehicles; --count entries in all (default 400).

A (list, subject) appears on one line, except on tourism-watch: a subject
listed there again is a second line further down, a later put of the same
entry with a new listed_on. Apply the lines in file order (`qcreg import`
keeps the order of the lines of one entry). Two subjects are re-listed:
    uscc:91410300MA9K2C6T01  twice within the last 365 days and never on
                             tourism: an escalation waiting for the
                             tourism bureau (PROTOCOL.md 4.6);
    one guide                first listed more than 365 days ago, so its
                             listings do not escalate.

Cases (--cases): instead of the entries, the case actions to perform on
them once they are loaded (PROTOCOL.md 4.6, case_open and case_close),
one per line, in order:
    {"action": "open", "list": L, "subject": S,
     "kind": "notice"|"objection"|"repair", "received_on": "YYYY-MM-DD",
     "text": T, "fields": {...}}
        opens a case; "fields" (the proposed entry) only for a notice;
    {"action": "close", "ref": N, "outcome": O, "reason": R,
     "fields": {...}}
        closes the case opened by line N of this output (0-based; always an
        earlier "open" line); "fields" only for the outcome corrected
        (required) and listed (optional, replaces the proposal).
Each action is done by the agency that writes the case's list. Run with
the --count, --seed and --today of the entries loaded (the subjects do not
depend on --today, but which entries the cases choose does; --count must
be about 100 or more for every case to find an entry). There is one case
per entry: notices open (one received recently, one so long ago it
is overdue) and closed listed and withdrawn; objections on listed entries,
open, overdue, and closed upheld, corrected and revoked; repairs open,
overdue, closed rejected and approved, only on entries whose listed_on is
more than 365 days before the day the application was received (so
repair_after = 365 accepts them). A notice is about a new subject or an
existing entry; objections and repairs are about entries of the set.

Dates are set relative to --today (default: today in the registry's time
zone, UTC+8), so the mix of pending, active and expired entries and of
open and overdue cases stays the same whenever the set is made; the output
depends only on --count, --seed and --today. Every line is checked by a
second, independent implementation of the protocol's rules before anything
is written (cases also against the working-day calendar,
server/calendar/dev.cal, for the open and overdue ones).

Load the entries one list at a time with that list's writer, e.g.
    bin/qcreg --cert certs/dev/quality-bureau.crt \\
        --key certs/dev/quality-bureau.key import --list credit FILE
(scripts/run-dev.sh does so for every list).

Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
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


# Fixed subjects, named by scripts/run-dev.sh and README.md:
# LISTED is on credit (grade C) and advertising; WATCHED is on tourism-watch
# twice within a year and not on tourism (an escalation). CLEAN and FRESH
# are never generated (a clean enterprise for `check`, one for `put`), nor
# the guide that the open notice case proposes to list.
LISTED = "uscc:91410100M000100Y49"
WATCHED = "uscc:91410300MA9K2C6T01"
CLEAN = "uscc:91410105MA2YK7F48L"
FRESH = "uscc:91410105MA33R8N19J"
NOTICE_GUIDE = "guide:D-4101-000123"
RESERVED = {CLEAN, FRESH, NOTICE_GUIDE}

# --- places ----------------------------------------------------------------

# (division code, city, name used in enterprise names, district or county).
# Codes of GB/T 2260; 济源 is a county-level city under the province.
REGIONS = [
    ("410000", "河南", "河南", None),
    ("410100", "郑州", "郑州", None),
    ("410102", "郑州", "郑州", "中原区"),
    ("410103", "郑州", "郑州", "二七区"),
    ("410104", "郑州", "郑州", "管城回族区"),
    ("410105", "郑州", "郑州", "金水区"),
    ("410108", "郑州", "郑州", "惠济区"),
    ("410122", "郑州", "中牟", "中牟县"),
    ("410181", "郑州", "巩义", "巩义市"),
    ("410182", "郑州", "荥阳", "荥阳市"),
    ("410183", "郑州", "新密", "新密市"),
    ("410184", "郑州", "新郑", "新郑市"),
    ("410185", "郑州", "登封", "登封市"),
    ("410200", "开封", "开封", None),
    ("410202", "开封", "开封", "龙亭区"),
    ("410212", "开封", "开封", "祥符区"),
    ("410221", "开封", "杞县", "杞县"),
    ("410225", "开封", "兰考", "兰考县"),
    ("410300", "洛阳", "洛阳", None),
    ("410302", "洛阳", "洛阳", "老城区"),
    ("410305", "洛阳", "洛阳", "涧西区"),
    ("410307", "洛阳", "偃师", "偃师区"),
    ("410311", "洛阳", "洛阳", "洛龙区"),
    ("410324", "洛阳", "栾川", "栾川县"),
    ("410400", "平顶山", "平顶山", None),
    ("410402", "平顶山", "平顶山", "新华区"),
    ("410411", "平顶山", "平顶山", "湛河区"),
    ("410421", "平顶山", "宝丰", "宝丰县"),
    ("410482", "平顶山", "汝州", "汝州市"),
    ("410500", "安阳", "安阳", None),
    ("410502", "安阳", "安阳", "文峰区"),
    ("410526", "安阳", "滑县", "滑县"),
    ("410581", "安阳", "林州", "林州市"),
    ("410600", "鹤壁", "鹤壁", None),
    ("410611", "鹤壁", "鹤壁", "淇滨区"),
    ("410621", "鹤壁", "浚县", "浚县"),
    ("410700", "新乡", "新乡", None),
    ("410702", "新乡", "新乡", "红旗区"),
    ("410782", "新乡", "辉县", "辉县市"),
    ("410783", "新乡", "长垣", "长垣市"),
    ("410800", "焦作", "焦作", None),
    ("410811", "焦作", "焦作", "山阳区"),
    ("410825", "焦作", "温县", "温县"),
    ("410882", "焦作", "沁阳", "沁阳市"),
    ("410900", "濮阳", "濮阳", None),
    ("410902", "濮阳", "濮阳", "华龙区"),
    ("410928", "濮阳", "濮阳", "濮阳县"),
    ("411000", "许昌", "许昌", None),
    ("411002", "许昌", "许昌", "魏都区"),
    ("411024", "许昌", "鄢陵", "鄢陵县"),
    ("411081", "许昌", "禹州", "禹州市"),
    ("411082", "许昌", "长葛", "长葛市"),
    ("411100", "漯河", "漯河", None),
    ("411102", "漯河", "漯河", "源汇区"),
    ("411122", "漯河", "临颍", "临颍县"),
    ("411200", "三门峡", "三门峡", None),
    ("411202", "三门峡", "三门峡", "湖滨区"),
    ("411282", "三门峡", "灵宝", "灵宝市"),
    ("411300", "南阳", "南阳", None),
    ("411302", "南阳", "南阳", "宛城区"),
    ("411303", "南阳", "南阳", "卧龙区"),
    ("411323", "南阳", "西峡", "西峡县"),
    ("411324", "南阳", "镇平", "镇平县"),
    ("411381", "南阳", "邓州", "邓州市"),
    ("411400", "商丘", "商丘", None),
    ("411402", "商丘", "商丘", "梁园区"),
    ("411425", "商丘", "虞城", "虞城县"),
    ("411481", "商丘", "永城", "永城市"),
    ("411500", "信阳", "信阳", None),
    ("411502", "信阳", "信阳", "浉河区"),
    ("411525", "信阳", "固始", "固始县"),
    ("411526", "信阳", "潢川", "潢川县"),
    ("411600", "周口", "周口", None),
    ("411602", "周口", "周口", "川汇区"),
    ("411628", "周口", "鹿邑", "鹿邑县"),
    ("411681", "周口", "项城", "项城市"),
    ("411700", "驻马店", "驻马店", None),
    ("411702", "驻马店", "驻马店", "驿城区"),
    ("411726", "驻马店", "泌阳", "泌阳县"),
    ("411729", "驻马店", "新蔡", "新蔡县"),
    ("419001", "济源", "济源", "济源市"),
]

# What each place is known for; used for some of its enterprises.
SPECIALTIES = {
    "郑州": ["速冻食品", "超硬材料"], "新郑": ["红枣食品", "食品"],
    "巩义": ["铝业", "耐火材料"], "新密": ["耐火材料"],
    "中牟": ["大蒜食品", "农产品"], "兰考": ["乐器", "家具"],
    "洛阳": ["轴承", "矿山机械"], "栾川": ["钼业"],
    "汝州": ["汝瓷"], "宝丰": ["酒业"], "林州": ["建筑安装", "汽车配件"],
    "浚县": ["工艺品"], "长垣": ["起重机械", "医用卫材"],
    "温县": ["怀山药食品", "农产品"], "许昌": ["发制品"],
    "鄢陵": ["花木"], "禹州": ["钧瓷", "中药材"], "长葛": ["蜂产品"],
    "漯河": ["肉制品", "食品"], "临颍": ["休闲食品"],
    "灵宝": ["苹果", "黄金珠宝"], "西峡": ["香菇", "猕猴桃"],
    "镇平": ["玉雕", "玉器"], "南阳": ["艾草制品"], "虞城": ["量具"],
    "永城": ["面粉"], "信阳": ["毛尖茶业", "茶业"], "鹿邑": ["化妆刷"],
    "泌阳": ["花菇"], "济源": ["冶金"],
}

# Short code used in decision numbers, per city (豫 for the province).
CITY_ABBR = {"河南": "豫", "郑州": "郑", "开封": "汴", "洛阳": "洛",
             "平顶山": "平", "安阳": "安", "鹤壁": "鹤", "新乡": "新",
             "焦作": "焦", "濮阳": "濮", "许昌": "许", "漯河": "漯",
             "三门峡": "三", "南阳": "宛", "商丘": "商", "信阳": "信",
             "周口": "周", "驻马店": "驻", "济源": "济"}

BRAND_1 = "鑫恒华豫中嵩天嘉瑞宏金永盛德福兴润海茂源安泰和达信隆祥丰顺鸿新百万"
BRAND_2 = "源通盛达华泰丰利昌兴顺发隆茂宇诚信美佳鑫辉腾远嘉和康宏"

TRADES = ["食品", "面业", "肉制品", "纺织", "服装", "建材", "耐火材料",
          "电子科技", "机械制造", "电器", "包装材料", "医疗器械", "铝业",
          "塑胶制品", "家具", "工艺品", "化工", "汽车配件", "农业发展",
          "饮品", "调味品", "日用品", "照明科技", "超硬材料", "农产品"]
AD_TRADES = ["广告传媒", "文化传媒", "医疗美容", "保健食品", "教育咨询",
             "房地产开发", "电子商务", "生物科技", "健康管理", "化妆品",
             "网络科技", "文化传播"]
TOUR_TRADES = ["旅游文化传播", "旅游咨询服务", "户外运动", "文化旅游发展",
               "商务会展服务", "国际旅游咨询", "研学旅行服务"]
SHOP_TRADES = ["工艺品", "茶叶", "珠宝玉器", "土特产", "养生保健品"]
SUFFIXES = [("有限公司", 70), ("股份有限公司", 12), ("有限责任公司", 18)]
SMALL_SHOPS = ["小吃店", "便利店", "烩面馆", "副食品店", "五金店", "服装店",
               "水果店", "餐馆", "美容店", "药店", "烟酒商行"]
COOP_PRODUCTS = ["小麦种植", "果蔬", "食用菌", "花生", "大蒜", "山药",
                 "生猪养殖", "中药材"]
NONPROFITS = ["职业培训学校", "养老院", "艺术培训中心", "幼儿园",
              "社会工作服务中心"]
SCHOOLS = ["职业培训学校", "艺术培训中心", "外语培训学校"]
SURNAMES = "王李张刘陈杨赵郭周吴徐孙马朱胡高何宋郑黄韩冯"

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
# The watch list (重点关注名单): lesser matters, (category, reason).
WATCH_AGENCY = [
    ("other", "组织低价旅游团，被游客多次投诉，已责令改正"),
    ("other", "未按规定与旅游者签订书面旅游合同"),
    ("unlicensed_agency", "涉嫌以旅游咨询名义招徕旅游者，已责令停止"),
]
WATCH_SHOP = [
    ("other", "被游客投诉商品以次充好、价格虚高，经调查基本属实"),
]
WATCH_GUIDE = [
    ("other", "游客投诉导游服务态度恶劣，经调查属实"),
    ("other", "未按旅游合同约定行程带团，擅自增加购物点"),
    ("unlicensed_guide", "导游证信息未按规定更新，仍带团执业"),
]
WATCH_SITE = [
    ("illegal_website", "网站旅游产品信息与实际不符，被多次投诉"),
    ("illegal_website", "网站未公示旅行社业务经营许可证信息"),
]
WATCH_VEHICLE = [
    ("illegal_vehicle", "旅游包车未按规定携带包车客运标志牌"),
    ("other", "旅游包车驾驶员连续驾驶超时"),
]

# Web sites: host words, the place they name and the city that acts. The
# first seven also serve the advertising list.
SITE_PLACES = [("zz", "郑州", "郑州"), ("ly", "洛阳", "洛阳"),
               ("kf", "开封", "开封"), ("henan", "河南", "河南"),
               ("ny", "南阳", "南阳"), ("xx", "新乡", "新乡"),
               ("xc", "许昌", "许昌"), ("shaolin", "少林寺", "郑州"),
               ("longmen", "龙门石窟", "洛阳"),
               ("yuntaishan", "云台山", "焦作"),
               ("laojunshan", "老君山", "洛阳"),
               ("qingming", "清明上河园", "开封"),
               ("jigongshan", "鸡公山", "信阳"),
               ("taihang", "太行大峡谷", "安阳"),
               ("yinxu", "殷墟", "安阳"), ("songshan", "嵩山", "郑州")]
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
IDN_SITES = [("云台山特价游", "example.cn", "云台山特价游网"),
             ("郑州旅游", "example.cn", "郑州旅游网"),
             ("少林寺一日游", "example.com", "少林寺一日游网"),
             ("养生保健", "example.cn", "养生保健网")]

# Plates: Henan letters by city (豫O is the police's), plus a few from
# neighbouring provinces.
PLATE_CITIES = {"豫A": "郑州", "豫B": "开封", "豫C": "洛阳", "豫D": "平顶山",
                "豫E": "安阳", "豫F": "鹤壁", "豫G": "新乡", "豫H": "焦作",
                "豫J": "濮阳", "豫K": "许昌", "豫L": "漯河", "豫M": "三门峡",
                "豫N": "商丘", "豫P": "周口", "豫Q": "驻马店", "豫R": "南阳",
                "豫S": "信阳", "豫U": "济源"}
PLATE_PREFIXES = ["豫A", "豫A", "豫A", "豫B", "豫C", "豫C", "豫D", "豫E",
                  "豫F", "豫G", "豫H", "豫J", "豫K", "豫L", "豫M", "豫N",
                  "豫P", "豫Q", "豫R", "豫S", "豫U", "鄂A", "晋E", "陕A",
                  "鲁R"]
# Guide licence numbers carry the city's division code (4190: 济源).
GUIDE_CITIES = {"4101": "郑州", "4102": "开封", "4103": "洛阳",
                "4104": "平顶山", "4105": "安阳", "4106": "鹤壁",
                "4107": "新乡", "4108": "焦作", "4109": "濮阳",
                "4110": "许昌", "4111": "漯河", "4112": "三门峡",
                "4113": "南阳", "4114": "商丘", "4115": "信阳",
                "4116": "周口", "4117": "驻马店", "4190": "济源"}
GUIDE_REGIONS = ["4101", "4101", "4101", "4103", "4103", "4102", "4108",
                 "4105", "4113", "4115"] + sorted(GUIDE_CITIES)
PLATE_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on plates


def days(n):
    return datetime.timedelta(days=n)


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class Gen:
    """Deterministic generator state. No draw depends on --today (dates are
    drawn as offsets from it), so the subjects are the same on any day."""

    def __init__(self, seed, today):
        self.rnd = random.Random(seed)
        self.today = today
        self.used = {name: set() for name in SCHEMAS}
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

    def day(self, first, last):
        """A day from today + first to today + last days, both included."""
        return self.today + days(first + self.rnd.randrange(last - first + 1))

    def taken(self, subject):
        return subject in RESERVED or any(subject in used
                                          for used in self.used.values())

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
            seat = "河南省" if city == "河南" else city + "市"
            name = seat + self.brand() + self.pick(kinds)
        return ("uscc:" + self.uscc(category, code), name, city)

    def guide(self):
        """A guide licence number: (subject, city)."""
        while True:
            region = self.pick(GUIDE_REGIONS)
            subject = "guide:D-%s-%06d" % (region, self.rnd.randrange(1, 40000))
            if not self.taken(subject):
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
        abbr = CITY_ABBR.get(city, "豫")
        if self.chance(15):
            abbr = "豫"
        return "%s%s〔%d〕%d号" % (abbr, kind, year, self.rnd.randrange(1, 320))


def listing_dates(gen, pending_percent, default_end_percent):
    """listed_on and maybe expires_on for a blacklist entry: listed within
    the last four years, or pending (listed one to seven months ahead)."""
    if gen.chance(pending_percent):
        listed = gen.day(31, 210)
    else:
        listed = gen.day(-1430, -16)
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
            start = gen.day(31, 212)
        else:
            start = gen.day(-1430, -30)
        fields["valid_from"] = start.isoformat()
        if gen.chance(90):
            end = add_years(start, gen.pick([1, 2, 2, 3])) - days(1)
            fields["valid_until"] = end.isoformat()
    elif gen.chance(50):
        end = gen.day(-885, 760)
        fields["valid_until"] = end.isoformat()
    if report:
        # The report is issued in the year the rating starts, or before.
        this_year = gen.today.year
        year = (min(start.year, this_year) if start else
                this_year - gen.rnd.randrange(4))
        fields["report"] = "豫质信评〔%d〕第%04d号" % (
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
            city = "河南"
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
              "decision": gen.decision(city, "市监罚", listed.year),
              "listed_on": listed.isoformat()}
    if expires:
        fields["expires_on"] = expires.isoformat()
    return {"list": "advertising", "subject": subject, "fields": fields}


def make_watch(gen, old=False):
    """A tourism-watch entry: listed within the last eighteen months (old:
    thirteen to twenty months ago), a few pending; most expire after the
    default year; a decision (责令改正) on most."""
    kind = gen.weighted([("uscc", 35), ("guide", 30), ("site", 15),
                         ("plate", 20)])
    if old:
        kind = "guide"
    city = gen.pick(list(CITY_ABBR))
    if kind == "uscc":
        shop = gen.chance(25)
        subject, name, city = gen.enterprise(
            SHOP_TRADES if shop else TOUR_TRADES, [("91", 1)])
        category, reason = gen.pick(WATCH_SHOP if shop else WATCH_AGENCY)
    elif kind == "guide":
        subject, city = gen.guide()
        name = gen.person()
        category, reason = gen.pick(WATCH_GUIDE)
    elif kind == "site":
        subject, name, city = gen.site(SITE_PLACES, TOUR_SITE_WORDS)
        category, reason = gen.pick(WATCH_SITE)
    else:
        subject, plate_city = gen.plate()
        city = plate_city or city
        name = (city + gen.brand() + "旅游客运有限公司" if gen.chance(50)
                else gen.person() + "（车主）")
        category, reason = gen.pick(WATCH_VEHICLE)
    if old:
        listed = gen.day(-600, -400)
    elif gen.chance(5):
        listed = gen.day(1, 60)
    else:
        listed = gen.day(-540, 0)
    fields = {"name": name, "category": category, "reason": reason}
    if gen.chance(65):
        fields["decision"] = gen.decision(city, "文旅责改", listed.year)
    fields["listed_on"] = listed.isoformat()
    if not old and gen.chance(25):
        end = listed + days(gen.pick([182, 730]))
        fields["expires_on"] = end.isoformat()
    return {"list": "tourism-watch", "subject": subject, "fields": fields}


def relisting(gen, entry):
    """A later put of a watch entry, listing its subject again (a new
    listed_on) one to seven months ago."""
    got = dict(entry["fields"])
    listed = gen.day(-210, -30)
    got["listed_on"] = listed.isoformat()
    got.pop("expires_on", None)
    got["decision"] = gen.decision("河南", "文旅责改", listed.year)
    return {"list": entry["list"], "subject": entry["subject"],
            "fields": in_schema_order(entry["list"], got)}


def featured(today):
    """The fixed subjects' entries, and the later lines that re-list them."""
    listed_from = today - days(520)
    ad_listed = today - days(685)
    site_listed = today - days(275)
    idn_listed = today - days(445)
    watch_1 = today - days(270)
    watch_2 = today - days(35)
    entries = [
        {"list": "credit", "subject": LISTED,
         "fields": {"name": "郑州某某食品有限公司", "grade": "C", "score": 55,
                    "report": "豫质信评〔%d〕第0417号" % listed_from.year,
                    "valid_from": listed_from.isoformat(),
                    "valid_until": (add_years(listed_from, 3) -
                                    days(1)).isoformat()}},
        {"list": "advertising", "subject": LISTED,
         "fields": {"name": "郑州某某食品有限公司",
                    "reason": "保健食品广告宣称具有疾病预防、治疗功能",
                    "decision": "郑市监罚〔%d〕37号" % ad_listed.year,
                    "listed_on": ad_listed.isoformat(),
                    "expires_on": add_years(ad_listed, 3).isoformat()}},
        {"list": "tourism", "subject": "site:cheap-tours.example.cn",
         "fields": {"name": "某某旅游网", "category": "illegal_website",
                    "reason": "未经许可经营旅行社业务",
                    "decision": "豫文旅罚〔%d〕12号" % site_listed.year,
                    "listed_on": site_listed.isoformat(),
                    "expires_on": add_years(site_listed, 3).isoformat()}},
        {"list": "tourism",
         "subject": "site:" + "云台山特价游".encode("idna").decode("ascii") +
                    ".example.cn",
         "fields": {"name": "云台山特价游网", "category": "illegal_website",
                    "reason": "未取得旅行社业务经营许可，通过网站招徕、组织旅游者",
                    "decision": "焦文旅罚〔%d〕86号" % idn_listed.year,
                    "listed_on": idn_listed.isoformat()}},
        {"list": "tourism-watch", "subject": WATCHED,
         "fields": {"name": "洛阳某某旅游咨询服务有限公司", "category": "other",
                    "reason": "组织“零负团费”旅游团，被游客投诉强制购物",
                    "decision": "洛文旅责改〔%d〕21号" % watch_1.year,
                    "listed_on": watch_1.isoformat()}},
    ]
    later = [
        {"list": "tourism-watch", "subject": WATCHED,
         "fields": {"name": "洛阳某某旅游咨询服务有限公司", "category": "other",
                    "reason": "再次以不合理低价组织旅游团，诱导游客购物",
                    "decision": "洛文旅责改〔%d〕58号" % watch_2.year,
                    "listed_on": watch_2.isoformat()}},
    ]
    return entries, later


def in_schema_order(name, got):
    """Fields in the list's schema order, as the server returns them."""
    order = [field for field, _ in SCHEMAS[name][1]]
    return {field: got[field] for field in order if field in got}


def generate(count, seed, today):
    """The lines: count entries, then the later puts that re-list some."""
    gen = Gen(seed, today)
    fixed, fixed_later = featured(today)
    out = []
    later = []
    for entry in fixed[:count]:
        out.append(entry)
        gen.used[entry["list"]].add(entry["subject"])
        gen.usccs.add(entry["subject"])
    if count >= len(fixed):
        later.extend(fixed_later)
    # WATCHED is never on tourism: no generated subject takes its code.
    gen.usccs.add(WATCHED)
    rest = max(0, count - len(out))
    n_credit = rest * 42 // 100
    n_tourism = rest * 32 // 100
    n_ad = rest * 18 // 100
    n_watch = rest - n_credit - n_tourism - n_ad

    def add(entry):
        used = gen.used[entry["list"]]
        if entry["subject"] in used or entry["subject"] in RESERVED:
            return False
        gen.used[entry["list"]].add(entry["subject"])
        entry["fields"] = in_schema_order(entry["list"], entry["fields"])
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
    made = 0
    while made < n_watch:
        # The first is listed again later, more than a year after its
        # first listing: two listings that do not escalate.
        entry = make_watch(gen, old=(made == 0))
        if add(entry):
            if made == 0:
                later.append(relisting(gen, entry))
            made += 1
    return out + later


# --- cases -----------------------------------------------------------------

NOTICE_TEXT = {
    "tourism": "拟列入旅游经营服务失信名单，告知当事人陈述、申辩的权利",
    "advertising": "拟列入广告信用黑名单，告知当事人陈述、申辩的权利",
    "credit": "拟将企业质量信用等级调整为C级（失信），告知当事人陈述、申辩的权利",
}
OBJECTION_TEXT = [
    "当事人对列入提出异议，称所涉违法行为系他人冒用其名义所为，并提交了证明材料",
    "当事人对列入提出异议，称处罚决定已被行政复议撤销",
    "当事人对列入提出异议，称名单所载名称、决定文号有误",
]
CREDIT_OBJECTION_TEXT = "当事人对评价等级提出异议，称评分计算未计入整改后的抽检结果"
REPAIR_TEXT = [
    "当事人申请信用修复，已履行行政处罚决定，并提交信用承诺书和整改报告",
    "当事人申请信用修复，称已完成整改、期间未再发生同类违法行为",
]


def entry_state(name, fields, day):
    """The state of an entry on day (PROTOCOL.md 4.3, with the default end
    of the development configuration)."""
    _, _, start_name, end_name = SCHEMAS[name]
    start = fields.get(start_name)
    start = datetime.date.fromisoformat(start) if start else None
    end = fields.get(end_name)
    end = datetime.date.fromisoformat(end) if end else None
    if end is None and start and name in DEFAULT_YEARS:
        end = add_years(start, DEFAULT_YEARS[name])
    if start and start > day:
        return "pending"
    if end and end < day:
        return "expired"
    return "active"


def start_date(name, fields):
    start = fields.get(SCHEMAS[name][2])
    return datetime.date.fromisoformat(start) if start else None


def make_cases(lines, seed, today):
    """The case actions on the entries of lines (see the docstring)."""
    gen = Gen("cases-%d" % seed, today)
    current = {}
    for entry in lines:
        current[(entry["list"], entry["subject"])] = entry["fields"]
        gen.used[entry["list"]].add(entry["subject"])
        gen.usccs.add(entry["subject"])
    fixed = {entry["subject"] for entry in featured(today)[0]}
    busy = set()
    opens = []   # (open action, close action or None), in the order made

    def entry_for(name, received, repair=False, pred=None):
        """An entry of list name, active today and on received, listed
        before received (more than 365 days before for a repair)."""
        found = []
        for (lname, subject), fields in current.items():
            if lname != name or subject in fixed or (lname, subject) in busy:
                continue
            if entry_state(name, fields, today) != "active" or \
                    entry_state(name, fields, received) != "active":
                continue
            start = start_date(name, fields)
            if repair and (start is None or (received - start).days <= 365):
                continue
            if pred and not pred(fields):
                continue
            found.append(subject)
        if not found:
            raise ValueError("no %s entry fits a case received on %s; "
                             "raise --count" % (name, received))
        subject = gen.pick(found)
        busy.add((name, subject))
        return subject, dict(current[(name, subject)])

    def case(name, subject, kind, received, text, fields=None, close=None):
        action = {"action": "open", "list": name, "subject": subject,
                  "kind": kind, "received_on": received.isoformat(),
                  "text": text}
        if fields is not None:
            action["fields"] = in_schema_order(name, fields)
        opens.append((action, close))

    def closing(outcome, reason, name=None, fields=None):
        action = {"action": "close", "ref": None, "outcome": outcome,
                  "reason": reason}
        if fields is not None:
            action["fields"] = in_schema_order(name, fields)
        return action

    # Notices. A recent one proposes listing a guide, as in the protocol's
    # example; one proposes a new enterprise and is overdue; one downgrades
    # a credit rating and was decided (listed); one proposed a vehicle and
    # was withdrawn.
    received = today - days(3)
    listed = received + days(22)
    case("tourism", NOTICE_GUIDE, "notice", received, NOTICE_TEXT["tourism"],
         {"name": "张某", "category": "unlicensed_guide",
          "reason": "未取得导游证从事导游活动",
          "decision": "豫文旅罚〔%d〕7号" % listed.year,
          "listed_on": listed.isoformat()})

    received = today - days(60)
    subject, name, city = gen.enterprise(AD_TRADES, [("91", 1)])
    listed = received + days(25)
    case("advertising", subject, "notice", received,
         NOTICE_TEXT["advertising"],
         {"name": name, "reason": AD_REASONS[0][0],
          "decision": gen.decision(city, "市监罚", listed.year),
          "listed_on": listed.isoformat()})

    received = today - days(50)
    subject, fields = entry_for("credit", received,
                                pred=lambda f: f["grade"] in "AB")
    start = received + days(21)
    fields.update({"grade": "C", "score": gen.rnd.randint(60, 74),
                   "report": "豫质信评〔%d〕第%04d号" % (
                       received.year, gen.rnd.randrange(1, 3000)),
                   "valid_from": start.isoformat(),
                   "valid_until": (add_years(start, 2) - days(1)).isoformat()})
    case("credit", subject, "notice", received, NOTICE_TEXT["credit"], fields,
         closing("listed", "告知期满，当事人未提出陈述、申辩"))

    received = today - days(40)
    while True:
        subject, city = gen.plate()
        if not gen.taken(subject):
            break
    city = city or "郑州"
    listed = received + days(20)
    case("tourism", subject, "notice", received, NOTICE_TEXT["tourism"],
         {"name": gen.person() + "（车主）", "category": "illegal_vehicle",
          "reason": VEHICLE_REASONS[0],
          "decision": gen.decision(city, "文旅罚", listed.year),
          "listed_on": listed.isoformat()},
         closing("withdrawn", "当事人提交了道路旅游客运经营许可证，陈述、申辩"
                 "理由成立，不予列入"))

    # Objections, on listed entries: open, overdue, and each outcome.
    received = today - days(4)
    subject, _ = entry_for("tourism", received)
    case("tourism", subject, "objection", received, gen.pick(OBJECTION_TEXT))

    received = today - days(90)
    subject, _ = entry_for("advertising", received)
    case("advertising", subject, "objection", received,
         gen.pick(OBJECTION_TEXT))

    received = today - days(45)
    subject, _ = entry_for("advertising", received)
    case("advertising", subject, "objection", received,
         gen.pick(OBJECTION_TEXT),
         close=closing("upheld", "经复核，原列入决定认定事实清楚、证据确凿，"
                       "维持列入"))

    received = today - days(40)
    subject, fields = entry_for("credit", received,
                                pred=lambda f: f["grade"] == "D")
    fields.update({"grade": "C", "score": gen.rnd.randint(60, 74)})
    case("credit", subject, "objection", received, CREDIT_OBJECTION_TEXT,
         close=closing("corrected", "经复核，评分计算有误，更正为C级",
                       "credit", fields))

    received = today - days(35)
    subject, _ = entry_for("tourism", received)
    case("tourism", subject, "objection", received, gen.pick(OBJECTION_TEXT),
         close=closing("revoked", "经复核，认定违法事实的证据不足，撤销列入"))

    # Repairs, on entries listed more than a year before the application.
    received = today - days(4)
    subject, _ = entry_for("tourism", received, repair=True)
    case("tourism", subject, "repair", received, gen.pick(REPAIR_TEXT))

    received = today - days(75)
    subject, _ = entry_for("advertising", received, repair=True)
    case("advertising", subject, "repair", received, gen.pick(REPAIR_TEXT))

    received = today - days(45)
    subject, _ = entry_for("tourism", received, repair=True)
    case("tourism", subject, "repair", received, gen.pick(REPAIR_TEXT),
         close=closing("rejected", "未提交已履行行政处罚决定的证明，不符合"
                       "信用修复条件，不予修复"))

    received = today - days(40)
    subject, _ = entry_for("advertising", received, repair=True)
    case("advertising", subject, "repair", received, gen.pick(REPAIR_TEXT),
         close=closing("approved", "已履行行政处罚决定并完成整改，符合信用"
                       "修复条件，准予修复"))

    # Opened oldest first, then closed in the order they were opened.
    order = sorted(range(len(opens)),
                   key=lambda i: (opens[i][0]["received_on"], i))
    out = [opens[i][0] for i in order]
    for ref, i in enumerate(order):
        close = opens[i][1]
        if close is not None:
            close["ref"] = ref
            out.append(close)
    return out


# --- independent validation (proto/PROTOCOL.md sections 4.1-4.6) ----------

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
RE_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
RE_GUIDE = re.compile(r"^[A-Z0-9-]{4,32}$")
RE_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
RE_PLATE = re.compile("^[" + PROVINCES + "][A-Z][A-Z0-9]{5,6}$")
RE_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# Henan: divisions 41xxxx; guide licences of its cities; plates 豫 (or a
# neighbouring province's vehicle).
RE_HENAN_USCC = re.compile(r"^(91|92|93|52)41[0-9]{4}")
RE_HENAN_GUIDE = re.compile(r"^D-41[0-9]{2}-[0-9]{6}$")
HENAN_PLATES = "豫鄂晋陕鲁冀皖"


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


def subject_henan(subject):
    kind, _, ident = subject.partition(":")
    if kind == "uscc":
        return bool(RE_HENAN_USCC.match(ident))
    if kind == "guide":
        return bool(RE_HENAN_GUIDE.match(ident))
    if kind == "plate":
        return ident[0] in HENAN_PLATES
    return True


def text(max_len, required=False):
    return ("text", required, max_len)


def enum(values, required=False):
    return ("enum", required, values)


TOURISM_CATEGORIES = ("unlicensed_agency", "unlicensed_guide",
                      "illegal_website", "illegal_vehicle", "other")
SCHEMAS = {
    "credit": (("uscc",), [
        ("name", text(256, True)), ("grade", enum("ABCD", True)),
        ("score", ("int", False, (0, 100))), ("report", text(64)),
        ("valid_from", ("date", False, None)),
        ("valid_until", ("date", False, None))], "valid_from", "valid_until"),
    "tourism": (("uscc", "guide", "site", "plate"), [
        ("name", text(256, True)),
        ("category", enum(TOURISM_CATEGORIES, True)),
        ("reason", text(1024, True)), ("decision", text(64, True)),
        ("listed_on", ("date", True, None)),
        ("expires_on", ("date", False, None))], "listed_on", "expires_on"),
    "advertising": (("uscc", "site"), [
        ("name", text(256, True)), ("reason", text(1024, True)),
        ("decision", text(64, True)), ("listed_on", ("date", True, None)),
        ("expires_on", ("date", False, None))], "listed_on", "expires_on"),
    "tourism-watch": (("uscc", "guide", "site", "plate"), [
        ("name", text(256, True)),
        ("category", enum(TOURISM_CATEGORIES, True)),
        ("reason", text(1024, True)), ("decision", text(64)),
        ("listed_on", ("date", True, None)),
        ("expires_on", ("date", False, None))], "listed_on", "expires_on"),
}
# default_years of server/qcregd.conf; lists not here have no default end.
DEFAULT_YEARS = {"tourism": 3, "tourism-watch": 1}
# Watch lists: a subject may be put again with a new listed_on.
WATCH_LISTS = {"tourism-watch"}
# Case kinds: (outcomes, period in working days, PROTOCOL.md defaults).
CASE_KINDS = {"notice": (("listed", "withdrawn"), 10),
              "objection": (("upheld", "corrected", "revoked"), 20),
              "repair": (("approved", "rejected"), 15)}
REPAIR_AFTER = 365


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
    if not subject_henan(subject):
        return "not a Henan subject"
    if not isinstance(entry["fields"], dict):
        return "fields not a map"
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


def check_entries(lines):
    """Every line valid; a (list, subject) on one line, or, on a watch list,
    on later lines that each list it again with a later listed_on. Returns
    (line number, entry, problem) for the first bad line, or None."""
    seen = {}
    for i, entry in enumerate(lines, 1):
        problem = entry_problem(entry)
        key = (entry.get("list"), entry.get("subject"))
        if problem is None and entry["subject"] in RESERVED:
            problem = "reserved subject"
        if problem is None and key in seen:
            if entry["list"] not in WATCH_LISTS:
                problem = "duplicate"
            else:
                before = seen[key]["fields"]["listed_on"]
                if entry["fields"]["listed_on"] <= before:
                    problem = "listed again, but not after %s" % before
        if problem:
            return i, entry, problem
        seen[key] = entry
    return None


def escalations(lines, today):
    """Subjects that a watch list escalates on today (PROTOCOL.md 4.6: at
    least 2 distinct listed_on within the last 365 days, today included)
    and that have no active entry on the target list tourism."""
    listings = {}
    for entry in lines:
        if entry["list"] in WATCH_LISTS:
            listings.setdefault(entry["subject"], set()).add(
                datetime.date.fromisoformat(entry["fields"]["listed_on"]))
    active = {entry["subject"] for entry in lines
              if entry["list"] == "tourism" and
              entry_state("tourism", entry["fields"], today) == "active"}
    found = []
    for subject, dates in sorted(listings.items()):
        recent = [d for d in dates if 0 <= (today - d).days < 365]
        if len(recent) >= 2 and subject not in active:
            found.append(subject)
    return found


def load_calendar(path):
    """Holidays and worked weekend days of a calendar file (PROTOCOL.md
    4.5); empty sets, i.e. Monday-Friday, if there is no file."""
    holidays, workdays = set(), set()
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                words = line.split()
                if not words or words[0].startswith("#") or words[0] == "year":
                    continue
                day = datetime.date.fromisoformat(words[0])
                (holidays if words[1] == "holiday" else workdays).add(day)
    except FileNotFoundError:
        pass
    return holidays, workdays


def deadline(received, period, calendar):
    """The period-th working day after received."""
    holidays, workdays = calendar
    day, counted = received, 0
    while counted < period:
        day += days(1)
        if day in workdays or (day.weekday() < 5 and day not in holidays):
            counted += 1
    return day


def check_cases(actions, lines, today, calendar):
    """Checks the case actions against the protocol's rules and the entries
    they act on, and that every kind is there open, overdue and closed with
    every outcome asked for. Returns (line number, problem) or None."""
    entries = {}
    for entry in lines:
        entries[(entry["list"], entry["subject"])] = entry["fields"]
    removed = set()
    open_cases = {}     # (list, subject, kind) -> index of its open line
    closed = set()
    seen = set()        # (kind, state or outcome)
    for i, act in enumerate(actions):
        n = i + 1
        if not isinstance(act, dict):
            return n, "not a map"
        if act.get("action") == "open":
            keys = {"action", "list", "subject", "kind", "received_on",
                    "text"}
            if set(act) - {"fields"} != keys:
                return n, "keys"
            kind, name, subject = act["kind"], act["list"], act["subject"]
            if kind not in CASE_KINDS:
                return n, "unknown kind"
            if field_problem(act["received_on"], "date", None):
                return n, "received_on not a date"
            received = datetime.date.fromisoformat(act["received_on"])
            if received > today:
                return n, "received after today"
            if field_problem(act["text"], "text", 1024):
                return n, "text"
            key = (name, subject)
            if key in removed:
                return n, "entry removed"
            if (name, subject, kind) in open_cases:
                return n, "a %s case is open on the entry" % kind
            if kind == "notice":
                if "fields" not in act:
                    return n, "notice without fields"
                problem = entry_problem({"list": name, "subject": subject,
                                         "fields": act["fields"]})
                if problem:
                    return n, "proposal: " + problem
            else:
                if "fields" in act:
                    return n, "fields on an %s" % kind
                if name not in SCHEMAS or not subject_valid(subject):
                    return n, "no such entry"
                fields = entries.get(key)
                if fields is None:
                    return n, "entry not in the data set"
                start = fields.get(SCHEMAS[name][2])
                start = datetime.date.fromisoformat(start) if start else None
                if start and start > received:
                    return n, "received before the entry's start"
                if entry_state(name, fields, today) != "active":
                    return n, "the entry is not active (listed)"
                if kind == "repair" and (
                        start is None or
                        (received - start).days <= REPAIR_AFTER):
                    return n, "repair within %d days of the start" % \
                        REPAIR_AFTER
            open_cases[(name, subject, kind)] = i
        elif act.get("action") == "close":
            if set(act) - {"fields"} != {"action", "ref", "outcome",
                                         "reason"}:
                return n, "keys"
            ref = act["ref"]
            if not isinstance(ref, int) or isinstance(ref, bool) or \
                    not 0 <= ref < i or actions[ref].get("action") != "open":
                return n, "ref is not an earlier open line"
            if ref in closed:
                return n, "closed twice"
            opened = actions[ref]
            kind, name = opened["kind"], opened["list"]
            outcome = act["outcome"]
            if outcome not in CASE_KINDS[kind][0]:
                return n, "outcome %s for kind %s" % (outcome, kind)
            if field_problem(act["reason"], "text", 1024):
                return n, "reason"
            if outcome == "corrected" and "fields" not in act:
                return n, "corrected without fields"
            if "fields" in act:
                if outcome not in ("corrected", "listed"):
                    return n, "fields on outcome " + outcome
                problem = entry_problem({"list": name,
                                         "subject": opened["subject"],
                                         "fields": act["fields"]})
                if problem:
                    return n, "fields: " + problem
            key = (name, opened["subject"])
            if outcome in ("revoked", "approved"):
                removed.add(key)
            elif outcome in ("listed", "corrected"):
                entries[key] = act.get("fields", opened.get("fields"))
            closed.add(ref)
            del open_cases[(name, opened["subject"], kind)]
            seen.add((kind, outcome))
        else:
            return n, "unknown action"
    wanted = [("notice", "open"), ("notice", "overdue"), ("notice", "listed"),
              ("notice", "withdrawn"), ("objection", "open"),
              ("objection", "overdue"), ("objection", "upheld"),
              ("objection", "corrected"), ("objection", "revoked"),
              ("repair", "open"), ("repair", "overdue"),
              ("repair", "rejected"), ("repair", "approved")]
    # Open or overdue: the cases no line closes, on today.
    still = set()
    for (name, subject, kind), i in open_cases.items():
        received = datetime.date.fromisoformat(actions[i]["received_on"])
        due = deadline(received, CASE_KINDS[kind][1], calendar)
        still.add((kind, "overdue" if today > due else "open"))
    for kind, what in wanted:
        have = still if what in ("open", "overdue") else seen
        if (kind, what) not in have:
            return len(actions), "no %s case %s" % (kind, what)
    return None


def self_test():
    """Known answers from proto/PROTOCOL.md, plus the fixed subjects."""
    assert uscc_valid("91350100M000100Y43")
    assert not uscc_valid("91350100M000100Y44")
    assert uscc_check_char("91350100M000100Y4") == "3"
    for subject in RESERVED | {LISTED, WATCHED}:
        assert subject_valid(subject) and subject_henan(subject), subject
    assert not subject_valid("site:-bad.example.cn")
    assert not subject_valid("plate:豫I1234")
    assert subject_valid("plate:豫AD12345")
    assert deadline(datetime.date(2026, 1, 2), 1, (set(), set())) == \
        datetime.date(2026, 1, 5)


def registry_today():
    """Today in the registry's time zone (UTC+8)."""
    return (datetime.datetime.now(datetime.timezone.utc) +
            datetime.timedelta(hours=8)).date()


def main():
    parser = argparse.ArgumentParser(
        description="Write the qcreg demo data set (JSON Lines) to stdout.")
    parser.add_argument("--count", type=int, default=400,
                        help="number of entries (default 400)")
    parser.add_argument("--seed", type=int, default=2015,
                        help="random seed (default 2015)")
    parser.add_argument("--today", type=datetime.date.fromisoformat,
                        default=None, metavar="YYYY-MM-DD",
                        help="the day dates are set from (default: today "
                        "in UTC+8)")
    parser.add_argument("--cases", action="store_true",
                        help="write the case actions on the entries instead "
                        "of the entries")
    parser.add_argument("--summary", action="store_true",
                        help="print counts by list, kind and state to stderr")
    args = parser.parse_args()
    if args.count < 0:
        parser.error("--count must be 0 or more")
    today = args.today or registry_today()

    self_test()
    lines = generate(args.count, args.seed, today)
    bad = check_entries(lines)
    if bad:
        i, entry, problem = bad
        sys.stderr.write("gen-demo: entry %d %s %s: %s\n" %
                         (i, entry.get("list"), entry.get("subject"), problem))
        return 1
    if args.count >= len(featured(today)[0]):
        # WATCHED escalates, and it alone; it is on no tourism line at all.
        found = escalations(lines, today)
        on_tourism = any(entry["list"] == "tourism" and
                         entry["subject"] == WATCHED for entry in lines)
        if found != [WATCHED] or on_tourism:
            sys.stderr.write("gen-demo: escalations %s, expected only %s "
                             "(on tourism: %s)\n" %
                             (found, WATCHED, on_tourism))
            return 1
    out = lines
    if args.cases:
        try:
            out = make_cases(lines, args.seed, today)
        except ValueError as e:
            sys.stderr.write("gen-demo: %s\n" % e)
            return 1
        here = os.path.dirname(os.path.abspath(__file__))
        calendar = load_calendar(os.path.join(here, "..", "server",
                                              "calendar", "dev.cal"))
        bad = check_cases(out, lines, today, calendar)
        if bad:
            sys.stderr.write("gen-demo: case line %d: %s\n" % bad)
            return 1

    stream = sys.stdout.buffer
    for item in out:
        line = json.dumps(item, ensure_ascii=False)
        stream.write(line.encode("utf-8") + b"\n")
    stream.flush()
    if args.summary:
        if args.cases:
            summarize_cases(out)
        else:
            summarize(lines, today)
    return 0


def summarize(lines, today):
    """Counts by list, kind and state on today, of the entries as the last
    line of each leaves them; lines that list a subject again apart."""
    current = {}
    counts = {}
    for entry in lines:
        key = (entry["list"], entry["subject"])
        if key in current:
            counts[(entry["list"], "listed again")] = \
                counts.get((entry["list"], "listed again"), 0) + 1
        current[key] = entry["fields"]
    for (name, subject), fields in current.items():
        state = entry_state(name, fields, today)
        kind = subject.partition(":")[0]
        for key in ((name,), (name, kind), (name, state)):
            counts[key] = counts.get(key, 0) + 1
    for key in sorted(counts):
        sys.stderr.write("%-28s %d\n" % ("/".join(key), counts[key]))


def summarize_cases(actions):
    counts = {}
    for act in actions:
        if act["action"] == "open":
            key = (act["list"], act["kind"], "opened")
        else:
            opened = actions[act["ref"]]
            key = (opened["list"], opened["kind"], act["outcome"])
        counts[key] = counts.get(key, 0) + 1
    for key in sorted(counts):
        sys.stderr.write("%-28s %d\n" % ("/".join(key), counts[key]))


if __name__ == "__main__":
    sys.exit(main())
