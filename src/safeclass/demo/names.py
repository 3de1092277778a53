"""Vietnamese names for the demo school, drawn deterministically.

The lists are common family, middle and given names; a fixed seed makes every
run of ``seed-demo`` produce the same people.
"""

from __future__ import annotations

import random

FAMILY = [
    "Nguyễn",
    "Nguyễn",
    "Nguyễn",
    "Trần",
    "Trần",
    "Lê",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trịnh",
]
MIDDLE_GIRL = ["Thị", "Ngọc", "Thu", "Minh", "Bảo", "Khánh", "Phương", "Thanh", "Gia", "Hà"]
MIDDLE_BOY = ["Văn", "Minh", "Đức", "Quang", "Gia", "Bảo", "Hoàng", "Anh", "Hải", "Thành"]
GIVEN_GIRL = [
    "An",
    "Anh",
    "Châu",
    "Chi",
    "Giang",
    "Hà",
    "Hạnh",
    "Hân",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "My",
    "Ngân",
    "Nhi",
    "Như",
    "Oanh",
    "Phương",
    "Quỳnh",
    "Tâm",
    "Thảo",
    "Trang",
    "Trâm",
    "Uyên",
    "Vân",
    "Vy",
    "Yến",
]
GIVEN_BOY = [
    "An",
    "Bảo",
    "Bình",
    "Cường",
    "Dũng",
    "Duy",
    "Đạt",
    "Hiếu",
    "Hoàng",
    "Huy",
    "Khang",
    "Khoa",
    "Khôi",
    "Kiên",
    "Long",
    "Minh",
    "Nam",
    "Nghĩa",
    "Phong",
    "Phúc",
    "Quân",
    "Sơn",
    "Tài",
    "Thắng",
    "Thịnh",
    "Trung",
    "Tuấn",
    "Vinh",
]


def class_names(seed: str, count: int) -> list[str]:
    """``count`` distinct full names, sorted the way Vietnamese rosters are: by given name."""
    rng = random.Random(seed)  # noqa: S311 - made-up names, not secrets
    names: set[str] = set()
    while len(names) < count:
        girl = rng.random() < 0.5
        family = rng.choice(FAMILY)
        middle = rng.choice(MIDDLE_GIRL if girl else MIDDLE_BOY)
        given = rng.choice(GIVEN_GIRL if girl else GIVEN_BOY)
        names.add(f"{family} {middle} {given}")
    return sorted(names, key=lambda n: (n.split()[-1], n))
