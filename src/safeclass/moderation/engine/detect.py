# ruff: noqa: E501
"""Detectors: lexicon scans over every normalised view, patterns for personal
data and links, and the rules that turn signals into findings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from safeclass.moderation.engine import lexicon
from safeclass.moderation.engine.normalize import (
    VIETNAMESE_MARKED,
    ZERO_WIDTH,
    IndexMap,
    View,
    base,
    base_tracked,
    strip_accents,
    sub_tracked,
    views,
    words,
)

# Typed "without accents": no tone or vowel marks. A bare "đ" still counts as
# unaccented typing ("đit", "đeo"), since many keyboards give it on its own.
_TONE_MARKED = VIETNAMESE_MARKED - {"đ"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One category found in a message; ``start``/``end`` index the NFC text (-1 if not tracked)."""

    category: str
    start: int
    end: int
    evidence: str
    source: str


@dataclass(slots=True)
class _Hit:
    category: str
    start: int
    end: int
    view: View
    phrase: str


def _typed_plain(text: str) -> bool:
    return not any(char in _TONE_MARKED for char in text)


def _read_plain(typed: str, phrase: str) -> bool:
    """Whether an unaccented reading of ``phrase`` fits what was typed.

    Word by word: each word is either typed exactly with its accents or typed
    without any ("óc ch0" reads as "óc chó"; "cái lon" does not read as
    "cái lồn" because "lon" is typed plain and "lồn" is ambiguous; see
    :mod:`.lexicon`).
    """
    if _typed_plain(typed):
        return True
    typed_words = typed.split(" ")
    phrase_words = phrase.split(" ")
    if len(typed_words) != len(phrase_words):
        return False
    return all(t == p or _typed_plain(t) for t, p in zip(typed_words, phrase_words, strict=True))


# Abbreviations that are also units after a number: "10 dm", "50 cc", "33 cl".
_UNITS = frozenset({"dm", "cm", "cl", "cc", "dl", "ml", "km"})


def _after_number(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return bool(before) and before.rsplit(" ", 1)[-1].isdigit()


def _lexicon_hits(found_views: list[View]) -> list[_Hit]:
    machines = lexicon.automata()
    words_plain = found_views[0].plain
    hits: list[_Hit] = []
    for view in found_views:
        obfuscated = view.name != "words"
        # One hit per phrase and place in a view, whether read with accents or without.
        here: set[tuple[str, str, int]] = set()
        for end, entries in machines.accented.iter(view.text):
            for entry in entries:
                start = end - len(entry.phrase)
                if entry.phrase in _UNITS and _after_number(view.text, start):
                    continue
                here.add((entry.category, entry.phrase, start))
                hits.append(_Hit(entry.category, start, end, view, entry.phrase))
        for end, entries in machines.plain.iter(view.plain):
            for entry in entries:
                plain_phrase = entry.plain
                start = end - len(entry.phrase)
                if (entry.category, entry.phrase, start) in here:
                    continue
                if not _read_plain(view.text[start:end], entry.phrase):
                    continue
                if plain_phrase in _UNITS and _after_number(view.plain, start):
                    continue
                if entry.ambiguous_plain and (not obfuscated or f" {plain_phrase} " in words_plain):
                    # An ordinary unaccented word, typed as such: "cac ban", "deo khau trang".
                    continue
                here.add((entry.category, entry.phrase, start))
                hits.append(_Hit(entry.category, start, end, view, entry.phrase))
    return hits


# --- personal data and links -------------------------------------------------------

_TLDS = (
    "com|net|org|vn|edu|gov|info|biz|io|me|co|ly|gl|xyz|top|site|online|club|live|app|dev|link|"
    "click|shop|store|tv|cc|gg|to|ru|cn|us|uk|asia|pro|fun|vip|one|ai|page|ws|su|sh|im|gd|tk|ml|"
    "ga|cf|gq|in|mobi|name|eu|de|fr|jp|kr|sg|th|la|kh|id|ph|my|au|ca|be|it|nl|es|xxx|porn|sex|"
    "zip|mov|tech|space|website|icu|cyou|buzz|lol|today|news|blog|world"
)
# Top-level domains that are also everyday words: they need a path or a longer name.
_WORDY_TLDS = frozenset(
    [
        "co",
        "me",
        "to",
        "in",
        "la",
        "be",
        "it",
        "id",
        "my",
        "us",
        "one",
        "ai",
        "pro",
        "fun",
        "im",
        "sh",
    ]
)
_SHORTENERS = (
    "bit.ly|tinyurl.com|t.co|goo.gl|is.gd|cutt.ly|shorturl.at|rb.gy|ow.ly|tiny.cc|rebrand.ly|"
    "s.id|t.ly|v.gd|bit.do|shorte.st|adf.ly|zalo.me|t.me|m.me|wa.me|fb.me"
)
_DEOBFUSCATE = [
    (re.compile(r"\bh\s+t\s+t\s+p(?:\s+(s))?(?=\s*:)"), lambda m: f"http{m.group(1) or ''}"),
    (re.compile(r"h(?:xx|\*\*|tt|xt|tx)p(s?)(?=\s*[:/])"), lambda m: f"http{m.group(1)}"),
    (re.compile(r"\s*[\[({<]\s*(?:\.|dot|chấm|cham)\s*[\])}>]\s*"), lambda _m: "."),
    (re.compile(r"\s*[\[({<]\s*(?:@|at|a còng|a cong)\s*[\])}>]\s*"), lambda _m: "@"),
    (re.compile(rf"\s+(?:dot|chấm|cham)\s+(?=(?:{_TLDS})\b)"), lambda _m: "."),
    (
        re.compile(rf"(?<=\w)\s*\.\s+(?=(?:{_TLDS})\b)|(?<=\w)\s+\.\s*(?=(?:{_TLDS})\b)"),
        lambda _m: ".",
    ),
    (
        re.compile(
            r"(?<=[\w.])\s+(?:at|a còng|a cong)\s+(?=[a-z0-9-]+\s*(?:\.|\s(?:dot|chấm|cham)\s))"
        ),
        lambda _m: "@",
    ),
    (re.compile(r"(?<=\w)\s*:\s*/\s*/\s*"), lambda _m: "://"),
]
_NEEDS_DEOBFUSCATION = re.compile(
    r"h\s+t\s+t\s+p|hxxp|h\*\*p|htxp|hxtp|[\[({<]\s*(?:\.|dot|chấm|cham|@|at)\s*[\])}>]|\s(?:dot|chấm|cham|at|a còng|a cong)\s|\s\.|\.\s|:\s*/\s*/"
)
_URL = re.compile(r"(?:(?:https?|ftp)://|www\.)[^\s<>\"'()]+")
_DOMAIN = re.compile(
    rf"(?<![\w@.\-/])((?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+({_TLDS}))(?![\w-])"
    r"(:\d{2,5})?(/[^\s<>\"']*)?"
)
_SHORTENER = re.compile(rf"(?<![\w.])(?:{_SHORTENERS})/\S+")
_IP = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?::\d{2,5})?(?:/\S*)?(?![\w.])"
)
_EMAIL = re.compile(rf"[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b")
_HANDLE = re.compile(
    r"(?<![\w.@])@[a-z0-9_][a-z0-9_.]{2,29}\b"
    r"|\b(?:fb|facebook|ig|insta|instagram|tiktok|snap|snapchat|discord|telegram|tele|twitter|zalo|nick)"
    r"\s*[:=]\s*@?[a-z0-9_.]{3,}"
)
# Digits, with "o" for 0 and "l"/"i" for 1 as children disguise them ("09o3 4l7").
_PHONE = re.compile(r"(?<![\w+])\+?\(?[0-9o][0-9oil\s.\-()]{7,18}[0-9oil](?![\w])")
_MIN_REAL_DIGITS = 7
# Right after "sđt:", "call me", "zalo", a long run of digits is a phone number
# even when it does not validate (a typo or a foreign number).
_PHONE_CUE = re.compile(
    r"\b(?:sdt|sđt|so dt|số đt|so dien thoai|số điện thoại|dien thoai|điện thoại|phone(?: number)?|call me|text me|"
    r"zalo|hotline|whatsapp)\s*(?:la|là|:|is|at|on)?\s*$"
)
_NATIONAL = re.compile(r"0(?:3[2-9]|5[2689]|7[06-9]|8[1-9]|9\d)\d{7}|02\d{9}")
_SECRET = re.compile(
    r"\b(?:mat khau|mk|pass(?:word)?|pw|passcode|pass zoom|ma lop|ma phong|id phong|meeting id|id zoom|"
    r"zoom id|room id|class code|ma tham gia|ma zoom|pin|ma otp|otp|ma xac (?:nhan|thuc|minh)|"
    r"verification code|ma hoc sinh|ma hs|ma dinh danh|so bao danh|sbd|student id)\b"
    r"(?:\s+(?:wifi|zoom|lop|nick|acc|fb|facebook|zalo|email|mail|game|ngan hang|bank))?"
    r"(?:\s+(?:cua|nha)(?:\s+\w+){1,2})?\s*(?:la|:|=|is)\s*"
    r"(?!(?:gi|j|sao|the nao|bao nhieu|what|gì|mấy)\b|\?)(?:\d{3,4}(?:[ .\-]\d{3,4}){1,3}\b|[^\s?]{3,})"
)
# Letter-by-letter spelling hides the "là"/":" ("m.ậ.t k.h.ẩ.u: 2 0 1 2"): in
# joined views a password cue followed closely by digits is enough.
_SECRET_JOINED = re.compile(r"\b(?:mat ?khau|password|pass)\s+(?=[a-z0-9 ]{0,6}\d)[a-z0-9]")
# Identity numbers and dates of birth.
_IDENTITY = re.compile(
    r"\b(?:cccd|cmnd|cmt|can cuoc(?: cong dan)?|so dinh danh|ho chieu|passport|id number)\b"
    r"(?:\s+\w+){0,4}?\s*(?:la|:|so)?\s*\d{9,12}\b"
    r"|\b(?:ngay sinh|sinh ngay|dob|date of birth|birthday|born on)\b\D{0,15}\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*(?:19|20)?\d{2}\b"
)
# A bank account number handed out: "stk: 0451 000 987 654".
_ACCOUNT = re.compile(
    r"\b(?:stk|so tai khoan|so tk|tai khoan(?: ngan hang)?|tk|account(?: number| no)?|acc(?:ount)? no)\b"
    r"\s*(?:la|:|so)?\s*(?:[a-z]+\s+){0,2}?(\d[\d .\-]{6,24}\d)"
)
_ACCOUNT_CUE = re.compile(r"stk|tk|tai khoan|acc")
# "Nạp 50k nhận 500k", "chuyển 100k nhận lại 300k": pay a little, get a lot.
_PAY_TO_GET = re.compile(
    r"\b(?:nap|chuyen|gui|dong|ck)\s+\d+\s*(?:k|nghin|ngan|tr|trieu)?\s+(?:nhan|duoc|lai|tang)(?:\s+lai)?\s+\d+"
)
_ADDRESS = re.compile(
    r"\b(?:so nha|sn)\s*\d+"
    r"|\b(?:ngo|ngach|hem|kiet)\s+\d+"
    r"|\b(?:nha|dia chi(?: nha)?)\s+(?:em|to|minh|tao|toi|con|chau|e|t|tui)\s+(?:o|la|:)\s+(?:so\s+)?\d+"
    r"|\b\d{1,5}[a-z]?\s+(?:[a-z]+\s+){1,3}(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|close|court)\b"
    r"|\bi live (?:at|on) \d+"
    r"|\b(?:thon|xom|ap|to|khu pho|kp|to dan pho|khom|ban|buon|doi)\s+\d+[a-z]?\s*,?\s*(?:xa|phuong|thi tran|p|x|tt)\s+[a-z]"
)
_SPELT_DIGITS = {
    "khong": "0", "linh": "0", "zero": "0", "oh": "0", "o": "0", "mot": "1", "mốt": "1", "one": "1",
    "hai": "2", "two": "2", "ba": "3", "three": "3", "bon": "4", "tu": "4", "four": "4", "for": "4",
    "nam": "5", "lam": "5", "five": "5", "sau": "6", "six": "6", "bay": "7", "seven": "7", "tam": "8",
    "eight": "8", "chin": "9", "nine": "9",
}  # fmt: skip
_DIGIT_TOKEN = re.compile(r"[a-z]+|\d+")
_PRICE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:k|nghin|ngan|d|dong|vnd|trieu|tr|usd|\$)\b|\$\s?\d+|\b\d{2,3}(?:[.,]000)+\b"
)
_SPELT_WORDS = "|".join(sorted(_SPELT_DIGITS, key=len, reverse=True))
# A phone number spelt out starts with a zero: "không", "zero", "oh", "0…".
_SPELT_RUN = re.compile(rf"(?<= )(?:khong|linh|zero|oh|o|0\d*) (?:(?:{_SPELT_WORDS}|\d+) ){{3}}")
_ANY_DIGIT = re.compile(r"\d")
_MAYBE_LINK = re.compile(r"[./:@\[({]|\b(?:dot|at|chấm|cham|a còng)\b")
_SECRET_CUES = (
    "mat khau",
    "mk",
    "otp",
    "ma xac",
    "verification",
    "ma hoc sinh",
    "ma hs",
    "ma dinh danh",
    "bao danh",
    "sbd",
    "student id",
    "pass",
    "pw",
    "ma lop",
    "ma phong",
    "id",
    "code",
    "pin",
    "ma tham gia",
    "ma zoom",
)
_ADDRESS_CUES = (
    "thon", "xom", "ap", "to", "khu pho", "kp", "khom", "ban", "buon", "doi",
    "so nha", "sn", "ngo", "ngach", "hem", "kiet", "nha", "dia chi", "street", "st", "road", "rd", "ave",
    "lane", "ln", "drive", "dr", "blvd", "close", "court", "live",
)  # fmt: skip


def _any_of(cues: tuple[str, ...]) -> re.Pattern[str]:
    """One search for several substrings (cheaper than ``any(cue in text …)``)."""
    return re.compile("|".join(re.escape(cue) for cue in sorted(cues, key=len, reverse=True)))


_SECRET_CUE = _any_of(_SECRET_CUES)
_ADDRESS_CUE = _any_of(_ADDRESS_CUES)


def _phone_digits(raw: str) -> str:
    return re.sub(r"\D", "", raw.replace("o", "0").replace("i", "1").replace("l", "1"))


def _is_phone(digits: str) -> bool:
    if digits.startswith("84") and len(digits) in {11, 12}:
        digits = "0" + digits[2:]
    return bool(_NATIONAL.fullmatch(digits))


def _spelt_phone(plain_words: str) -> tuple[int, int] | None:
    """A phone number spelt out in words (and digits): "không chín một hai…"."""
    run_start = -1
    prev_end = -1
    digits = ""
    words_in_run = 0
    for token in _DIGIT_TOKEN.finditer(plain_words):
        word = token.group(0)
        value = word if word.isdigit() else _SPELT_DIGITS.get(word)
        if value is None:
            if words_in_run >= 2 and _is_phone(digits):
                return run_start, prev_end
            run_start, digits, words_in_run = -1, "", 0
            continue
        if run_start < 0:
            run_start = token.start()
        digits += value
        words_in_run += not word.isdigit()
        prev_end = token.end()
        if (
            len(digits) >= 10
            and words_in_run >= 2
            and _is_phone(digits[-10:])
            and digits.startswith("0")
        ):
            return run_start, prev_end
    if run_start >= 0 and words_in_run >= 2 and _is_phone(digits):
        return run_start, prev_end
    return None


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    host: str
    start: int
    end: int


def _host(candidate: str) -> str:
    value = candidate.split("://", 1)[-1]
    value = value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    value = value.rsplit("@", 1)[-1].split(":", 1)[0]
    return value.removeprefix("www.").strip(".")


def find_links(text: str) -> list[Link]:
    """URLs, bare domains, shorteners and IP addresses in a ``base`` text."""
    found: list[Link] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            return
        taken.append((start, end))
        found.append(Link(text[start:end], _host(text[start:end]), start, end))

    for match in _URL.finditer(text):
        add(*match.span())
    for match in _SHORTENER.finditer(text):
        add(*match.span())
    for match in _IP.finditer(text):
        add(*match.span())
    for match in _DOMAIN.finditer(text):
        name, tld, _port, path = match.groups()
        first_label = name.split(".", 1)[0]
        if tld in _WORDY_TLDS and not path and len(first_label) < 5:
            continue
        if name.replace(".", "").isdigit():
            continue
        add(*match.span())
    return found


def _deobfuscated(text: str, index: IndexMap | None) -> tuple[str, IndexMap | None]:
    if not _NEEDS_DEOBFUSCATION.search(text):
        return text, index
    for pattern, replace in _DEOBFUSCATE:
        text, index = sub_tracked(pattern, replace, text, index)
    return text, index


_ZERO_WIDTH = re.compile(f"[{ZERO_WIDTH}]")


def _zero_width_view(text_nfc: str, base_index: IndexMap | None) -> View:
    """The words view with zero-width characters read as spaces ("tan\u200bhọc").

    ``base`` drops them, which undoes "đ\u200bánh" but glues "tan\u200bhọc"
    into one word; this view gives the other reading.
    """
    spaced = _ZERO_WIDTH.sub(" ", text_nfc)  # one character for one: positions still fit
    if base_index is None:
        text, _ = words(base(spaced))
        return View("zero-width", text, strip_accents(text), None)
    spaced_base, spaced_index = base_tracked(spaced)
    text, text_index = words(spaced_base, list(range(len(spaced_base))))
    # Map NFC positions back to positions of ``base`` (which has no zero-width
    # characters): a dropped character takes the position of the next kept one.
    to_base = [len(base_index)] * (len(text_nfc) + 1)
    for base_position in range(len(base_index) - 1, -1, -1):
        to_base[base_index[base_position]] = base_position
    for position in range(len(text_nfc) - 1, -1, -1):
        if to_base[position] == len(base_index):
            to_base[position] = to_base[position + 1]
    last = max(len(base_index) - 1, 0)
    index = [min(to_base[spaced_index[i]], last) for i in text_index or []]
    return View("zero-width", text, strip_accents(text), index)


@dataclass(slots=True)
class Scan:
    """Everything the detectors found in one message."""

    findings: list[Finding]
    links: list[Link]
    phones: list[str]


_NEAR: list[tuple[str, str, str, int]] = [
    # (finding, first signal, second signal, at most this many characters between them)
    ("grooming", "grooming.move", "grooming.platform", 12),
    ("grooming", "grooming.platform", "grooming.adult", 6),
    ("grooming", "grooming.photo", "grooming.adult", 20),
    ("grooming", "grooming.adult", "grooming.gift", 12),
]


def scan(text_nfc: str, *, tracked: bool = False) -> Scan:
    """Run every detector; with ``tracked`` the findings carry spans of ``text_nfc``."""
    if tracked:
        text_base, base_index = base_tracked(text_nfc)
        base_positions: IndexMap | None = list(range(len(text_base)))
    else:
        text_base, base_index, base_positions = base(text_nfc), None, None
    found_views = views(text_base, tracked=tracked)
    if _ZERO_WIDTH.search(text_nfc):
        found_views.append(_zero_width_view(text_nfc, base_index))
    findings: list[Finding] = []
    add = findings.append

    def locate(view_index: IndexMap | None, start: int, end: int) -> tuple[int, int]:
        if base_index is None or view_index is None or end <= start:
            return -1, -1
        return base_index[view_index[start]], base_index[view_index[end - 1]] + 1

    signals: dict[str, list[_Hit]] = {}
    hits = _lexicon_hits(found_views)
    innocent = [(hit.view, hit.start, hit.end) for hit in hits if hit.category == "innocent"]
    for hit in hits:
        if innocent and any(
            view is hit.view and start <= hit.start and hit.end <= end
            for view, start, end in innocent
        ):
            continue  # inside an innocent phrase ("hạt óc chó"), including the phrase itself
        if "." in hit.category:
            signals.setdefault(hit.category, []).append(hit)
        else:
            start, end = locate(hit.view.index, hit.start, hit.end)
            add(Finding(hit.category, start, end, hit.phrase, hit.view.name))
    if signals:
        for category, first, second, gap in _NEAR:
            for a in signals.get(first, ()):
                for b in signals.get(second, ()):
                    if a.view is b.view and 0 <= b.start - a.end <= gap + 1:
                        start, _ = locate(a.view.index, a.start, a.end)
                        _, end = locate(b.view.index, b.start, b.end)
                        add(Finding(category, start, end, f"{a.phrase} … {b.phrase}", "near"))

    words_view = found_views[0]
    has_digit = _ANY_DIGIT.search(text_base) is not None
    secret_cue = _SECRET_CUE.search(words_view.plain) is not None
    # The unaccented base text, only for the detectors that need it.
    plain_base = strip_accents(text_base) if has_digit or secret_cue else ""

    # Links and emails, after undoing "[.]", "dot", "hxxp".
    links: list[Link] = []
    phones: list[str] = []
    if _MAYBE_LINK.search(text_base):
        link_text, link_index = _deobfuscated(text_base, base_positions)
        links = find_links(link_text)
        link_spans = [(link.start, link.end) for link in links]
        for link in links:
            add(Finding("link", *locate(link_index, link.start, link.end), link.text, "link"))
        if "@" in link_text:
            for match in _EMAIL.finditer(link_text):
                add(
                    Finding(
                        "personal_data", *locate(link_index, *match.span()), match.group(0), "email"
                    )
                )
        if "@" in link_text or ":" in link_text or "=" in link_text:
            for match in _HANDLE.finditer(link_text):
                if not any(s <= match.start() < e for s, e in link_spans):
                    add(
                        Finding(
                            "personal_data",
                            *locate(link_index, *match.span()),
                            match.group(0),
                            "handle",
                        )
                    )
    else:
        link_text, link_index, link_spans = text_base, base_positions, []
    if has_digit:
        for match in _PHONE.finditer(link_text):
            if any(s <= match.start() < e for s, e in link_spans):
                continue
            digits = _phone_digits(match.group(0))
            real_digits = sum(c.isdigit() for c in match.group(0))
            cued = real_digits >= 8 and _PHONE_CUE.search(link_text[: match.start()]) is not None
            if (_is_phone(digits) and real_digits >= _MIN_REAL_DIGITS) or cued:
                phones.append(digits)
                add(
                    Finding(
                        "personal_data", *locate(link_index, *match.span()), match.group(0), "phone"
                    )
                )
    if _SPELT_RUN.search(words_view.plain):
        spelt = _spelt_phone(words_view.plain)
        if spelt is not None:
            evidence = words_view.plain[spelt[0] : spelt[1]]
            add(
                Finding("personal_data", *locate(words_view.index, *spelt), evidence, "phone-words")
            )
    if secret_cue:
        for match in _SECRET.finditer(plain_base):
            add(
                Finding(
                    "personal_data",
                    *locate(base_positions, *match.span()),
                    match.group(0),
                    "secret",
                )
            )
    for view in found_views[1:]:
        if not view.name.startswith(("joined", "singles")):
            continue
        spelt_secret = _SECRET_JOINED.search(view.plain)
        if spelt_secret is not None:
            add(
                Finding(
                    "personal_data",
                    *locate(view.index, *spelt_secret.span()),
                    spelt_secret.group(0),
                    "secret",
                )
            )
            break
    if has_digit:
        for match in _IDENTITY.finditer(plain_base):
            add(
                Finding(
                    "personal_data",
                    *locate(base_positions, *match.span()),
                    match.group(0),
                    "identity",
                )
            )
        account_views = [(base_positions, plain_base)] + [
            (view.index, view.plain) for view in found_views if view.name == "singles"
        ]
        for view_index, text in account_views:
            if _ACCOUNT_CUE.search(text):
                account = _ACCOUNT.search(text)
                if account and 8 <= sum(c.isdigit() for c in account.group(1)) <= 19:
                    add(
                        Finding(
                            "scam",
                            *locate(view_index, *account.span()),
                            account.group(0),
                            "account",
                        )
                    )
                    break
        for match in _PAY_TO_GET.finditer(plain_base):
            add(
                Finding(
                    "scam", *locate(base_positions, *match.span()), match.group(0), "pay-to-get"
                )
            )
    if has_digit and _ADDRESS_CUE.search(plain_base):
        for match in _ADDRESS.finditer(plain_base):
            add(
                Finding(
                    "personal_data",
                    *locate(base_positions, *match.span()),
                    match.group(0),
                    "address",
                )
            )

    # Scams: a phrase that is a scam by itself, or signals that together are one.
    if any(name.startswith("scam.") for name in signals):
        has = {
            name: f"scam.{name}" in signals
            for name in ("pay", "authority", "sell", "item", "prize")
        }
        price = has_digit and _PRICE.search(plain_base) is not None
        combined = (
            (has["pay"] and (has["authority"] or has["prize"] or has["sell"]))
            or (has["authority"] and (price or has["sell"] or has["prize"] or bool(links)))
            or (has["sell"] and has["item"] and (price or has["pay"]))
            or (has["item"] and has["pay"] and price)
            or (has["prize"] and (bool(links) or price))
        )
        if combined:
            parts = [
                hit
                for name in ("pay", "authority", "sell", "prize")
                for hit in signals.get(f"scam.{name}", ())
            ]
            spans = [locate(hit.view.index, hit.start, hit.end) for hit in parts]
            start = min((s for s, _ in spans), default=-1)
            end = max((e for _, e in spans), default=-1)
            add(
                Finding(
                    "scam", start, end, " + ".join(sorted(hit.phrase for hit in parts)), "signals"
                )
            )
    return Scan(findings, links, phones)
