"""Text normalisation: the readings of a message the detectors scan (CLS-3).

Children disguise rude words with full-width letters, Cyrillic look-alikes,
invisible characters, digits for letters, repeated letters and separators
inside words. Each reading undoes one trick; ordinary messages get only the
plain one.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeclass.moderation.engine.normalize import (
    ZERO_WIDTH,
    base,
    base_tracked,
    strip_accents,
    views,
)


def readings(typed: str) -> dict[str, str]:
    """Name → text of every view of what the sender typed."""
    return {view.name: view.text for view in views(base(typed))}


# --- base: NFKC, lower case, look-alikes folded, invisible characters removed ------------


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("ｆｕｃｋ", "fuck"),  # full-width letters
        ("Ｓｈｉｔ", "shit"),
        ("ＣÁC BẠN", "các bạn"),
        ("ｌ０ｎ", "l0n"),  # full-width digits too
        ("𝐟𝐮𝐜𝐤", "fuck"),  # mathematical bold
    ],
)
def test_full_width_and_stylised_letters_become_plain_ones(typed: str, folded: str) -> None:
    """CLS-3: ``ｆｕｃｋ`` is read as ``fuck``."""
    assert base(typed) == folded


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("\u0455h\u0456t", "shit"),  # Cyrillic ѕ and і
        ("\u0441\u1eb7\u0441", "cặc"),  # Cyrillic с around a Vietnamese ặ
        ("\u0440\u043ern", "porn"),  # Cyrillic р and о
        ("\u0430\u0455\u0455", "ass"),
        ("\u03b1\u03c3s", "aσs"),  # Greek σ is not in the table: left alone
    ],
)
def test_cyrillic_and_greek_look_alikes_are_folded_to_latin(typed: str, folded: str) -> None:
    """CLS-3: letters from other scripts that look Latin are read as Latin."""
    assert base(typed) == folded


@pytest.mark.parametrize("invisible", list(ZERO_WIDTH.replace("\u00ad", "")))
def test_zero_width_characters_are_removed(invisible: str) -> None:
    """CLS-3: ``fu\\u200bck`` is read as ``fuck``."""
    assert base(f"fu{invisible}ck") == "fuck"


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("fu\u00adck", "fuck"),  # soft hyphen: the module says it is removed
        ("sh\u0131t", "shit"),  # dotless ı
        ("c\u00f8ck", "cock"),  # ø
        ("\u0142ol", "lol"),  # ł
    ],
)
def test_soft_hyphen_and_latin_look_alikes_are_folded(typed: str, folded: str) -> None:
    """CLS-3: the fast ``base`` folds what the FOLD table lists, like ``base_tracked`` does."""
    assert base(typed) == folded
    assert base_tracked(typed)[0] == folded


def test_vietnamese_text_keeps_its_accents_in_base() -> None:
    assert base("Tiếng Việt có dấu, Đà Nẵng") == "tiếng việt có dấu, đà nẵng"


# --- views -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["cac ban oi mo sach trang 12", "xin chào các bạn", "Em chào cô ạ 😊", "3 x 4 = 12"],
)
def test_ordinary_messages_get_only_the_words_view(typed: str) -> None:
    assert list(readings(typed)) == ["words"]


def test_the_words_view_turns_punctuation_into_spaces_and_pads_both_ends() -> None:
    (view,) = views(base("Các bạn,  ơi... vào lớp"))
    assert view.text == " các bạn ơi vào lớp "
    assert view.plain == " cac ban oi vao lop "


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("l0n", " lon "),
        ("sh1t", " shit "),
        ("a$$", " ass "),
        ("f*ck", " f*ck "),  # the star stays, as a wildcard letter
        ("b!tch", " bitch "),
    ],
)
def test_the_leet_view_reads_digits_and_symbols_inside_words_as_letters(
    typed: str, read_as: str
) -> None:
    """CLS-3: leetspeak (``l0n``, ``sh1t``)."""
    assert readings(typed)["leet"] == read_as


@pytest.mark.parametrize(
    ("typed", "to_one", "to_two"),
    [
        ("đmmmm", " đm ", " đmm "),
        ("fuuuck", " fuck ", " fuuck "),
        ("asssss", " as ", " ass "),
    ],
)
def test_repeated_letters_are_squeezed_to_one_and_to_two(
    typed: str, to_one: str, to_two: str
) -> None:
    """CLS-3: ``đmmmm``, ``fuuuck``."""
    found = readings(typed)
    assert found["squeezed"] == to_one
    assert found["squeezed2"] == to_two


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("đ.m", " đm "),
        ("f-u-c-k", " fuck "),
        ("đ*ị*t", " địt "),
        ("c.a.c", " cac "),
    ],
)
def test_separators_inside_a_word_are_removed(typed: str, read_as: str) -> None:
    """CLS-3: ``đ.m``, ``f-u-c-k``."""
    assert readings(typed)["joined"] == read_as


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("đ ị t", " địt "),
        ("f u c k", " fuck "),
        ("đ.m", " đm "),
    ],
)
def test_runs_of_single_letters_are_joined(typed: str, read_as: str) -> None:
    """CLS-3: ``đ ị t``."""
    assert readings(typed)["singles"] == read_as


def test_the_plain_reading_has_no_accents_and_the_same_length() -> None:
    for view in views(base("Đ.ịt mẹ mààày, đmmm l0n")):
        assert len(view.plain) == len(view.text), view.name
        assert view.plain == strip_accents(view.text)
        assert not any(char in view.plain for char in "địẹàá")


@pytest.mark.parametrize(
    "typed", ["đ.m", "f-u-c-k", "đ ị t", "đmmmm", "l0n", "ｆｕｃｋ", "fu\u200bck", "Đ*Ị*T mẹ"]
)
def test_tracked_views_read_the_same_as_fast_ones(typed: str) -> None:
    """The tracked mode (used for masking) sees exactly what the fast mode saw."""
    text_base, index = base_tracked(typed)
    assert text_base == base(typed)
    assert len(index) == len(text_base)
    fast = views(text_base)
    tracked = views(text_base, tracked=True)
    assert [(v.name, v.text, v.plain) for v in fast] == [(v.name, v.text, v.plain) for v in tracked]
    for view in tracked:
        assert view.index is not None
        assert len(view.index) == len(view.text), view.name
        assert all(0 <= position < len(text_base) for position in view.index), view.name


# --- strip_accents ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("tiếng việt đẹp", "tieng viet dep"),
        ("các bạn ơi", "cac ban oi"),
        ("đeo khẩu trang", "deo khau trang"),
        ("ăn ổi ưa ửng", "an oi ua ung"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_strip_accents_removes_vietnamese_marks(accented: str, plain: str) -> None:
    assert strip_accents(accented) == plain


@given(st.text())
def test_strip_accents_keeps_the_length(text: str) -> None:
    """A span in the plain reading is the same span in the accented one."""
    assert len(strip_accents(text)) == len(text)


@settings(deadline=None)
@given(st.text())
def test_views_never_raise_and_keep_their_readings_aligned(text: str) -> None:
    text_base, index = base_tracked(text)
    assert len(index) == len(text_base)
    for view in views(base(text)):
        assert len(view.plain) == len(view.text)
    for view in views(text_base, tracked=True):
        assert len(view.plain) == len(view.text)
        assert view.index is not None
        assert len(view.index) == len(view.text)


# Letters a Vietnamese chat uses, the tricks above, and look-alikes above U+024F.
_TRICKY = st.sampled_from(
    [
        *"abcdđefghiklmnopqrstuvxyáàảãạăâêôơưệộữ ...-*_,:'0123456789@$!|",
        *"ĐỊTÁÂ",
        *ZERO_WIDTH.replace("\u00ad", ""),
        *"\u0430\u043e\u0435\u0441\u0440\u0455\u0456\u03b1\u03bf",
        *"ｆｕｃｋ０１",
    ]
)


@settings(deadline=None)
@given(st.text(_TRICKY, max_size=40))
def test_fast_and_tracked_modes_agree(text: str) -> None:
    """The tracked mode exists to locate what the fast one found: they must read alike."""
    text_base, _index = base_tracked(text)
    assert text_base == base(text)
    fast = views(text_base)
    tracked = views(text_base, tracked=True)
    assert [(v.name, v.text) for v in fast] == [(v.name, v.text) for v in tracked]
