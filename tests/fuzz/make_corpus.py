#!/usr/bin/python3
"""Writes the seed corpora (tests/fuzz/corpus/<target>/) and dictionaries
(tests/fuzz/<target>.dict) of the libFuzzer targets.

Run it by hand after changing the protocol; `make fuzz` never grows the
checked-in corpus (it fuzzes a copy). Files are named by content hash, and
the corpus directories are rewritten from scratch.

Input formats (see each tests/fuzz/fuzz_*.c):
  fuzz_frame    4-byte big-endian length + msgpack body
  fuzz_request  mode byte, then frames (length + body)
  fuzz_fields   one msgpack body, the "fields" map of a put
  fuzz_subject  the raw subject bytes
  fuzz_config   an INI file
  fuzz_reply    header byte n, n op bytes, then answer frames
  fuzz_signed   one msgpack map, a signed check answer as kept
"""

import base64
import hashlib
import os
import shutil
import struct
import sys

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CONF = os.path.join(ROOT, "server", "qcregd.conf")

USCC_ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

ROLES = {"none": 0, "platform": 1, "agency": 2, "regulator": 3, "admin": 4}
OPS = ["hello", "check", "get", "put", "remove", "history", "scan",
       "changes", "stats"]


def uscc(body17):
    s = sum(USCC_ALPHA.index(c) * w for c, w in zip(body17, USCC_W))
    return body17 + USCC_ALPHA[(31 - s % 31) % 31]


U1 = uscc("91350100M000100Y4")
U2 = uscc("91110000600037341")
U3 = uscc("12100000400000998")


def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def frame(body):
    return struct.pack(">I", len(body)) + body


def req(obj):
    return frame(pack(obj))


def write_corpus(name, items):
    d = os.path.join(HERE, "corpus", name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for data in items:
        h = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(d, h), "wb") as f:
            f.write(data)


def dict_escape(b):
    out = []
    for c in b:
        if 0x20 <= c < 0x7f and c not in (0x22, 0x5c):
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def write_dict(name, entries):
    seen = set()
    lines = ["# libFuzzer dictionary for %s (make_corpus.py)" % name]
    for e in entries:
        b = e if isinstance(e, bytes) else e.encode()
        if b in seen or not b:
            continue
        seen.add(b)
        lines.append("kw%d=\"%s\"" % (len(seen), dict_escape(b)))
    with open(os.path.join(HERE, name + ".dict"), "w") as f:
        f.write("\n".join(lines) + "\n")


def principals():
    """Principal (name, role) in file order, from server/qcregd.conf."""
    out, cur = [], None
    with open(CONF, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("[principal "):
                cur = line[len("[principal "):-1]
            elif line.startswith("["):
                cur = None
            elif cur and line.startswith("role"):
                out.append((cur, line.split("=", 1)[1].strip()))
    return out


def mode(name, pipelined=False):
    """The fuzz_request mode byte that selects principal name."""
    if name is None:
        return 0x80 if pipelined else 0
    plist = list(reversed(principals()))  # config keeps them prepended
    role = dict(plist)[name]
    same = [n for n, r in plist if r == role]
    m = ROLES[role] | (same.index(name) << 3)
    return m | (0x80 if pipelined else 0)


# Type bytes and one sample of every msgpack type.
MSGPACK_TYPES = [
    b"\xc0", b"\xc2", b"\xc3", b"\xc4", b"\xc5", b"\xc6", b"\xc7", b"\xc8",
    b"\xc9", b"\xca", b"\xcb", b"\xcc", b"\xcd", b"\xce", b"\xcf", b"\xd0",
    b"\xd1", b"\xd2", b"\xd3", b"\xd4", b"\xd5", b"\xd6", b"\xd7", b"\xd8",
    b"\xd9", b"\xda", b"\xdb", b"\xdc", b"\xdd", b"\xde", b"\xdf", b"\x80",
    b"\x81", b"\x8f", b"\x90", b"\x91", b"\x9f", b"\xa0", b"\xbf", b"\x7f",
    b"\xe0", b"\xff", b"\xc1", b"\xdc\xff\xff", b"\xdd\xff\xff\xff\xff",
    b"\xde\xff\xff", b"\xdf\xff\xff\xff\xff", b"\xdb\xff\xff\xff\xff",
    b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff", b"\xd3\x80\x00\x00\x00\x00\x00\x00\x00",
    b"\x00\x00\x00", b"\x00\x10\x00\x00",
]

KEYS = ["id", "op", "ok", "result", "error", "code", "message", "subjects",
        "subject", "lists", "list", "fields", "if_version", "reason",
        "after", "limit", "state", "since", "results", "hits", "grade",
        "until", "entries", "versions", "changes", "head", "next", "version",
        "seq", "total", "proto", "server", "principal", "role", "writable",
        "limits", "max_frame", "max_batch", "max_limit", "name", "title",
        "type", "kinds", "required", "values", "max_len", "min", "max",
        "status", "by", "at", "prev", "hash", "removed", "listed", "active",
        "pending", "expired", "grades"]
LISTS = ["credit", "tourism", "advertising"]
FIELDS = ["name", "grade", "score", "report", "valid_from", "valid_until",
          "category", "reason", "decision", "listed_on", "expires_on"]
VALUES = ["A", "B", "C", "D", "unlicensed_agency", "unlicensed_guide",
          "illegal_website", "illegal_vehicle", "other", "2024-02-29",
          "2025-01-01", "9999-12-31", "1900-01-01", U1, "uscc:" + U1,
          "guide:D-3501-000123", "site:cheap-tours.example.cn",
          "plate:闽A12345", "rating", "blacklist", "uscc", "guide", "site",
          "plate", "bad_frame", "bad_request", "unknown_op",
          "invalid_subject", "unknown_list", "forbidden", "not_found",
          "conflict", "too_large", "unavailable", "internal"]


def mp_strs(words):
    return [pack(w) for w in words]


def frame_seeds():
    every = {
        "nil": None, "t": True, "f": False, "u8": 200, "u16": 60000,
        "u32": 4000000000, "u64": 2 ** 64 - 1, "i8": -100, "i16": -30000,
        "i32": -2000000000, "i64": -2 ** 63, "f64": 1.5,
        "s": "x" * 40, "s8": "y" * 300, "b": b"\x00\x01", "arr": list(range(20)),
        "m": {str(i): i for i in range(20)}, "ext": msgpack.ExtType(5, b"abc"),
        "fx1": msgpack.ExtType(1, b"a"), "fx16": msgpack.ExtType(2, b"b" * 16),
    }
    deep = {"a": 1}
    for _ in range(7):
        deep = {"d": deep}
    too_deep = {"d": deep}
    bodies = [
        pack({}), pack({"id": 1, "op": "hello"}),
        pack({"id": 2, "op": "check", "subjects": [U1, "guide:D-3501-000123"]}),
        pack(every), pack(deep), pack(too_deep), pack([1, 2]), pack(7),
        pack({"a": 1}) + b"\x00",          # trailing byte
        pack({"a": "abc"})[:-1],           # truncated
        b"\x81\xc1\x00",                   # reserved type
        b"\xdf\x00\x00\x00\x01\xa1a\xc0",  # map32 of one
        b"\x81\xa1a\xdc\xff\xff",          # array16 declaring too many
        pack({"f32": 0.0}).replace(b"\xcb" + b"\x00" * 8, b"\xca" + b"\x00" * 4),
    ]
    items = [frame(b) for b in bodies]
    items.append(b"\x00\x00\x00\x00")      # empty frame
    items.append(b"\xff\xff\xff\xff\x80")  # oversize
    return items


def request_seeds():
    q = "quality-bureau"
    t = "tourism-bureau"
    c = "commerce-bureau"
    credit = {"name": "福州某某食品有限公司", "grade": "C", "score": 55,
              "valid_from": "2024-01-01", "valid_until": "2027-06-30"}
    tour = {"name": "某旅行社", "category": "unlicensed_agency",
            "reason": "未经许可经营旅行社业务", "decision": "闽文旅罚〔2024〕1号",
            "listed_on": "2024-03-01"}
    adv = {"name": "某网站", "reason": "虚假广告", "decision": "市监罚〔2024〕9号",
           "listed_on": "2024-05-01", "expires_on": "2025-05-01"}
    seeds = []
    # Every op for every role, one request each.
    for who in [None, "shop-platform", q, "market-regulator", "ops-admin"]:
        m = bytes([mode(who)])
        seeds.append(m + req({"id": 1, "op": "hello"}))
        seeds.append(m + req({"id": 2, "op": "check", "subjects": [U1, U2,
                     "bad"], "lists": ["credit"]}))
        seeds.append(m + req({"id": 3, "op": "get", "subject": U1}))
        seeds.append(m + req({"id": 4, "op": "history", "subject": U1,
                     "list": "credit"}))
        seeds.append(m + req({"id": 5, "op": "scan", "list": "credit",
                     "limit": 10, "state": "active"}))
        seeds.append(m + req({"id": 6, "op": "changes", "since": 0,
                     "limit": 5}))
        seeds.append(m + req({"id": 7, "op": "stats"}))
    # Writes, then reads that see them; sequential and pipelined.
    for pipe in (False, True):
        s = bytes([mode(q, pipe)])
        s += req({"id": 1, "op": "put", "list": "credit", "subject": U1,
                  "fields": credit, "if_version": 0})
        s += req({"id": 2, "op": "put", "list": "credit", "subject": U2,
                  "fields": dict(credit, grade="A")})
        s += req({"id": 3, "op": "get", "subject": U1})
        s += req({"id": 4, "op": "history", "subject": U1})
        s += req({"id": 5, "op": "check", "subjects": [U1, U2, U3]})
        s += req({"id": 6, "op": "remove", "list": "credit", "subject": U1,
                  "reason": "信用修复", "if_version": 1})
        s += req({"id": 7, "op": "scan", "list": "credit", "limit": 1})
        s += req({"id": 8, "op": "changes", "since": 1})
        s += req({"op": "check", "subjects": [U1]})          # no id
        s += req({"id": 9, "op": "frobnicate"})
        s += req({"id": 10, "op": "put", "list": "credit", "subject": U3,
                  "fields": {"name": "x", "grade": "Z"}})
        seeds.append(s)
    s = bytes([mode(t)])
    s += req({"id": 1, "op": "put", "list": "tourism",
              "subject": "guide:d-3501-000123", "fields": tour})
    s += req({"id": 2, "op": "put", "list": "tourism",
              "subject": "plate:闽a12345", "fields": tour})
    s += req({"id": 3, "op": "put", "list": "tourism",
              "subject": "site:Cheap-Tours.Example.CN", "fields": tour})
    s += req({"id": 4, "op": "scan", "list": "tourism"})
    s += req({"id": 5, "op": "get", "subject": "site:cheap-tours.example.cn",
              "lists": ["tourism", "advertising"]})
    seeds.append(s)
    s = bytes([mode(c, True)])
    s += req({"id": 1, "op": "put", "list": "advertising", "subject": U2,
              "fields": adv})
    s += req({"id": 2, "op": "put", "list": "advertising", "subject": U2,
              "fields": adv, "if_version": 7})
    s += req({"id": 3, "op": "remove", "list": "advertising", "subject": U2,
              "reason": "到期"})
    s += req({"id": 4, "op": "remove", "list": "advertising", "subject": U2,
              "reason": "again"})
    seeds.append(s)
    # Pipelined writes with refusals among them: the refusals queue
    # behind the writes in flight (answer order), reads and unknown ops
    # wait for them.
    s = bytes([mode(q, True)])
    s += req({"id": 1, "op": "put", "list": "credit", "subject": U1,
              "fields": credit})
    s += req({"id": 2, "op": "put", "list": "credit", "subject": U1,
              "fields": {"name": "x"}})
    s += req({"id": 3, "op": "remove", "list": "credit", "subject": U2,
              "reason": "r"})
    s += req({"id": 4, "op": "put", "list": "tourism", "subject": U1,
              "fields": tour})
    s += req({"id": 5, "op": "put", "list": "credit", "subject": U1,
              "fields": credit, "if_version": 1})
    s += req({"id": 6, "op": "nope"})
    s += req({"id": 7, "op": "put", "list": "credit", "subject": U1,
              "fields": credit, "if_version": 1})
    s += req({"id": 8, "op": "history", "subject": U1})
    seeds.append(s)
    # Several principals in one input: writes to every list in every
    # state, then the readers.
    def switch(who):
        return b"\xff\xff\xff" + bytes([mode(who)])

    s = bytes([mode(q)])
    s += req({"id": 1, "op": "put", "list": "credit", "subject": U1,
              "fields": dict(credit, valid_from="2099-01-01",
                             valid_until="2099-12-31")})
    s += req({"id": 2, "op": "put", "list": "credit", "subject": U2,
              "fields": dict(credit, valid_from="1999-01-01",
                             valid_until="2000-01-01", grade="D")})
    s += req({"id": 3, "op": "put", "list": "credit", "subject": U3,
              "fields": {"name": "n", "grade": "B"}})
    s += switch(c)
    s += req({"id": 4, "op": "put", "list": "advertising", "subject": U1,
              "fields": adv})
    s += req({"id": 5, "op": "put", "list": "advertising",
              "subject": "site:ads.example.cn",
              "fields": dict(adv, expires_on="2099-01-01")})
    s += req({"id": 6, "op": "remove", "list": "advertising",
              "subject": "site:ads.example.cn", "reason": "撤销"})
    s += switch(t)
    s += req({"id": 7, "op": "put", "list": "tourism", "subject": U1,
              "fields": tour})
    s += switch("market-regulator")
    s += req({"id": 8, "op": "history", "subject": U1})
    s += req({"id": 9, "op": "get", "subject": U1})
    s += req({"id": 10, "op": "check", "subjects": [U1, U2, U3,
              "site:ads.example.cn"]})
    for i, st in enumerate(["active", "pending", "expired", "removed"]):
        s += req({"id": 11 + i, "op": "scan", "list": "credit", "state": st})
    s += req({"id": 15, "op": "changes", "since": 1, "limit": 3})
    s += req({"id": 16, "op": "stats"})
    s += switch("ops-admin")
    s += req({"id": 17, "op": "stats"})
    s += switch("shop-platform")
    s += req({"id": 18, "op": "get", "subject": U1})
    s += req({"id": 19, "op": "scan", "list": "advertising"})
    s += req({"id": 20, "op": "changes"})
    s += switch(None)
    s += req({"id": 21, "op": "hello"})
    seeds.append(s)
    s = bytes([mode("market-regulator")])
    s += req({"id": 1, "op": "scan", "list": "tourism", "state": "removed",
              "after": "guide:AAAA"})
    s += req({"id": 2, "op": "changes", "since": 2 ** 64 - 1, "limit": 1000})
    s += req({"id": 3, "op": "check", "subjects": ["x"] * 1001})
    s += req({"id": 4, "op": "scan", "list": "nope", "limit": 0})
    s += req({"id": 5, "op": "get", "subject": "site:" + "a" * 70 + ".cn"})
    seeds.append(s)
    # Regressions. A list name that is not UTF-8 was echoed into the
    # error message (found by fuzz_request; the raw finding, then the
    # same with a long multi-byte name cut inside a character).
    seeds.append(base64.b64decode(
        "AQAAAFCEomlkAqJvcKVjaGVja6hzdWJqZWN0c5OyOTEzNTAxMDBNMDAwMTAwWTQzsjkx"
        "MTEwMDAwNjAwMDM3MzQxTKNiYWSlbGlzdHORpmNyYmRpo21heHQ="))
    s = bytes([mode("shop-platform")])
    s += req({"id": 1, "op": "check", "subjects": [U1], "lists": ["名" * 30]})
    s += req({"id": 2, "op": "scan", "list": "名" * 30})
    seeds.append(s)
    # The frame loop's own cases (frame_next over the connection's
    # input). A bad frame behind a write in flight is answered bad_frame
    # in its place, after the write's answer, and nothing after it is
    # read; a frame cut short by the end of the input is no request.
    s = bytes([mode(q, True)])
    s += req({"id": 1, "op": "put", "list": "credit", "subject": U1,
              "fields": credit})
    s += req({"id": 2, "op": "get", "subject": U1})
    s += b"\x00\x00\x00\x00"  # an empty frame
    s += req({"id": 3, "op": "hello"})
    seeds.append(s)
    s = bytes([mode("shop-platform")])
    s += req({"id": 1, "op": "hello"})
    s += frame(b"\x92\x01\x02")  # not a map
    seeds.append(s)
    s = bytes([mode("shop-platform")])
    s += req({"id": 1, "op": "hello"})
    s += req({"id": 2, "op": "check", "subjects": [U1]})[:-3]
    seeds.append(s)
    return seeds


def fields_seeds():
    return [pack(x) for x in [
        {"name": "福州某某食品有限公司", "grade": "C", "score": 55,
         "valid_until": "2027-06-30"},
        {"name": "n", "grade": "A", "score": 0, "report": "r",
         "valid_from": "2024-02-29", "valid_until": "2024-02-29"},
        {"name": "n", "category": "other", "reason": "r", "decision": "d",
         "listed_on": "2024-02-29"},
        {"name": "n", "category": "other", "reason": "r", "decision": "d",
         "listed_on": "9999-12-31", "expires_on": "9999-12-31"},
        {"name": "n", "reason": "r", "decision": "d",
         "listed_on": "2025-01-01", "expires_on": "2024-01-01"},
        {"zeta": -2 ** 63, "temp": -50, "alpha": "abcd", "since": "9990-01-01"},
        {"zeta": 2 ** 64 - 1, "temp": 51, "alpha": "abcde"},
        {"name": "x", "name2": 1, "grade": None, "score": 1.5},
        {1: 2},
    ]]


def subject_seeds():
    return [s.encode() for s in [
        U1, U1.lower(), "uscc:" + U1, "uscc:" + U2, "uscc:91350100M000100Y44",
        "uscc:91350100I000100Y43", "guide:D-3501-000123", "guide:abc",
        "site:cheap-tours.example.cn", "site:Example.COM",
        "site:https://example.cn/x", "site:example.cn:443", "site:xn--fiqs8s.cn",
        "site:" + "a" * 63 + ".cn", "site:-a.cn", "plate:闽A12345",
        "plate:京ab1234c", "plate:X12345", "2024-02-29", "2023-02-29",
        "+08:00", "UTC-5", "-0530", "Z", ":", "", "\u00e9\u4e2d\U0001f600",
    ]] + [b"\xff\xfe", b"\xed\xa0\x80", b"\xc0\xaf", b"\x00"]


def config_seeds():
    with open(CONF, "rb") as f:
        shipped = f.read()
    small = (b"[server]\nca = a\ncert = b\nkey = c\n"
             b"[list l]\nkinds = uscc\nfield = f text\n")
    return [
        shipped, small,
        small + b"[principal p]\nrole = agency\nwrites = l\n",
        small + b"[limits]\nmax_frame = 64\noutput_cap = 65536\n",
        b"[server]\nlisten = [::1]:0\ntimezone = UTC+8\nmap_size_mb = 2\n"
        b"map_max_mb = 1\n",
        b"[list r]\ntype = rating\nkinds = uscc site\n"
        b"field = g enum values=A,B\ngrade = g\nfield = d date\nstart = d\n"
        b"end = d\ndefault_years = 3\n",
        b"[bogus]\nx\n",
        # Regression: a title or enum value that is not UTF-8 was accepted
        # and sent in hello (found by fuzz_config).
        small + b"title = \xe4\xbc\x81\xe4\xb8min\n",
        small + b"field = e enum values=A,\xff\n",
    ]


# What qcregd answers, for fuzz_reply: (op index, check count, answer).
def reply_seeds():
    def ans(i, result=None, err=None):
        if err is not None:
            return {"id": i, "ok": False,
                    "error": {"code": err[0], "message": err[1]}}
        return {"id": i, "ok": True, "result": result}

    hello = {"server": "qcregd 0.1.0", "proto": 1, "principal": "p",
             "role": "platform", "writable": [],
             "lists": [{"name": "credit", "title": "t", "type": "rating",
                        "kinds": ["uscc"],
                        "fields": [{"name": "grade", "type": "enum",
                                    "required": True,
                                    "values": ["A", "B"]}]}],
             "limits": {"max_frame": 1048576, "max_batch": 1000,
                        "max_limit": 1000}}
    check = {"results": [
        {"subject": "uscc:" + U1, "hits": [
            {"list": "credit", "grade": "C", "until": "2027-06-30"},
            {"list": "advertising"}]},
        {"subject": "bad\x01", "error": "invalid_subject"}]}
    entry = {"list": "credit", "subject": "uscc:" + U1, "version": 1,
             "status": "listed", "state": "active", "fields": {"name": "n"},
             "by": "quality-bureau", "at": 1700000000, "seq": 1}
    seq = [
        (OPS.index("hello"), 0, ans(1, hello)),
        (OPS.index("check"), 2, ans(2, check)),
        (OPS.index("put"), 0, ans(3, {"version": 1, "seq": 42})),
        (OPS.index("get"), 0, ans(4, {"subject": "uscc:" + U1,
                                      "entries": [entry]})),
        (OPS.index("remove"), 0, ans(5, err=("conflict", "already removed"))),
        (OPS.index("scan"), 0, ans(6, {"entries": [entry], "next": None})),
        (OPS.index("changes"), 0, ans(7, {"changes": [
            {"seq": 1, "prev": b"\x00" * 32, "hash": b"\x01" * 32}],
            "head": 1})),
        (OPS.index("stats"), 0, ans(8, {"head": 1, "total": 1, "lists": {
            "credit": {"total": 1, "active": 1, "grades": {"A": 1}}}})),
    ]
    seeds = []

    def make(items):
        hdr = bytes([len(items)]) + bytes(
            [op | (n << 4) for op, n, _ in items])
        return hdr + b"".join(req(a) for _, _, a in items)

    seeds.append(make(seq))
    for one in seq:
        a = dict(one[2], id=1)
        seeds.append(make([(one[0], one[1], a)]))
    seeds.append(make([(1, 1, {"id": None, "ok": False, "error": {
        "code": "bad_frame", "message": "truncated"}})]))
    seeds.append(make([(3, 0, ans(2, {"version": 1, "seq": 1}))]))  # wrong id
    seeds.append(make([(1, 3, ans(1, check))]))  # count differs
    seeds.append(bytes([1, 0]) + b"\x00\x00\x00\x00")
    return seeds


# A signed check answer as a platform keeps it, for fuzz_signed (the
# signatures are not real: only the shapes matter).
SIGNED_KEYS = ["signed", "origin", "time", "size", "root", "key_id",
               "signature", "verdict", "escalation", "disputed", "to",
               "count", "first", "last", "clear", "caution", "listed",
               "tourism-watch"]


def signed_seeds():
    block = {"origin": "qcreg development registry", "time": 1700000000,
             "size": 42, "root": "ab" * 32, "key_id": "dev-1",
             "signature": "cd" * 64}
    listed = {"subject": "uscc:" + U1, "verdict": "listed", "hits": [
        {"list": "credit", "grade": "C", "until": "2027-06-30"},
        {"list": "tourism", "disputed": 57}],
        "escalation": {"list": "tourism-watch", "to": "tourism", "count": 2,
                       "first": "2025-01-02", "last": "2025-03-04"}}
    clear = {"subject": "guide:D-3501-000123", "verdict": "clear",
             "hits": []}
    bad = {"subject": "bad\tsub%ject\x00\x7f", "error": "invalid_subject"}
    return [
        pack({"results": [listed, clear, bad], "signed": block}),
        pack({"results": [clear], "signed": block}),
        pack({"results": [], "signed": dict(block, size=0)}),
        pack({"results": [bad], "signed": {k: block[k] for k in
                                           ("origin", "time", "size",
                                            "root")}}),
    ]


def main():
    msgpack_dict = MSGPACK_TYPES + mp_strs(KEYS + OPS + LISTS + FIELDS
                                           + VALUES)
    write_corpus("fuzz_frame", frame_seeds())
    write_dict("fuzz_frame", msgpack_dict)
    write_corpus("fuzz_request", request_seeds())
    write_dict("fuzz_request", msgpack_dict + [b"\x00\x00\x00",
                                               b"\xff\xff\xff"])
    write_corpus("fuzz_fields", fields_seeds())
    write_dict("fuzz_fields", msgpack_dict + mp_strs(
        ["zeta", "temp", "alpha", "since", "until"]))
    write_corpus("fuzz_subject", subject_seeds())
    write_dict("fuzz_subject", ["uscc:", "guide:", "site:", "plate:", "://",
                                "xn--", "-", ".", ":", "/", "2024-02-29",
                                "+08:00", "UTC", U1] +
               [c for c in "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"]
               + list("IOSVZ"))
    write_corpus("fuzz_config", config_seeds())
    write_dict("fuzz_config", [
        "[server]", "[limits]", "[list ", "[principal ", "]\n", " = ", "\n",
        ";", "listen", "data", "ca", "cert", "key", "crl", "timezone",
        "workers", "map_size_mb", "map_max_mb", "max_frame", "max_batch",
        "max_limit", "max_connections", "handshake_timeout", "idle_timeout",
        "output_cap", "max_text", "title", "type", "kinds", "field", "start",
        "end", "grade", "default_years", "role", "writes", "rating",
        "blacklist", "uscc", "guide", "site", "plate", "text", "enum", "int",
        "date", "required", "max_len=", "min=", "max=", "values=",
        "platform", "agency", "regulator", "admin", "18446744073709551616",
        "-9223372036854775808", "65536"])
    write_corpus("fuzz_reply", reply_seeds())
    write_dict("fuzz_reply", msgpack_dict)
    write_corpus("fuzz_signed", signed_seeds())
    write_dict("fuzz_signed", msgpack_dict + mp_strs(SIGNED_KEYS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
