"""Muting a sender who keeps misbehaving (CLS-3), measured on a fake clock."""

from __future__ import annotations

import pytest

from safeclass.moderation.engine import MuteTracker, Policy, Verdict, check

POLICY = Policy(mute_after=3, mute_window_seconds=600, mute_seconds=300)


class FakeClock:
    """Monotonic time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tracker(clock: FakeClock) -> MuteTracker:
    # The engine accepts any object with .monotonic(); its annotation names the time module.
    return MuteTracker(POLICY, clock=clock)  # type: ignore[arg-type]


def swearing() -> Verdict:
    verdict = check("bài này khó vl")
    assert verdict.strike
    return verdict


def test_a_sender_is_muted_after_enough_strikes(tracker: MuteTracker) -> None:
    """CLS-3: mute_after strikes within the window mute the sender."""
    assert tracker.record("lan", swearing()) is False
    assert tracker.record("lan", swearing()) is False
    assert not tracker.muted("lan")
    assert tracker.record("lan", swearing()) is True
    assert tracker.muted("lan")


def test_muting_one_sender_leaves_the_others_alone(tracker: MuteTracker) -> None:
    for _ in range(3):
        tracker.record("lan", swearing())
    tracker.record("minh", swearing())
    assert tracker.muted("lan")
    assert not tracker.muted("minh")


def test_the_mute_ends_after_mute_seconds(tracker: MuteTracker, clock: FakeClock) -> None:
    for _ in range(3):
        tracker.record("lan", swearing())
    clock.advance(299)
    assert tracker.muted("lan")
    clock.advance(1)
    assert not tracker.muted("lan")


def test_strikes_are_forgotten_after_a_mute(tracker: MuteTracker, clock: FakeClock) -> None:
    for _ in range(3):
        tracker.record("lan", swearing())
    clock.advance(300)
    assert tracker.record("lan", swearing()) is False
    assert tracker.record("lan", swearing()) is False
    assert tracker.record("lan", swearing()) is True


def test_strikes_outside_the_window_do_not_count(tracker: MuteTracker, clock: FakeClock) -> None:
    tracker.record("lan", swearing())  # t = 0
    clock.advance(300)
    tracker.record("lan", swearing())  # t = 300
    clock.advance(400)
    # t = 700: the first strike is more than 600 seconds old.
    assert tracker.record("lan", swearing()) is False
    clock.advance(100)
    # t = 800: strikes at 300, 700 and 800 fall in one window.
    assert tracker.record("lan", swearing()) is True


@pytest.mark.parametrize(
    "text",
    [
        "em muốn chết",  # self-harm: care, not punishment
        "zalo tớ: 0912345678 nha",  # a child's own number
        "example.com",  # a link
        "cac ban oi mo sach trang 12",  # nothing at all
    ],
)
def test_verdicts_that_protect_the_child_are_not_strikes(tracker: MuteTracker, text: str) -> None:
    """SPC-3 and CLS-1: children who are hurting or overshare are protected, not muted."""
    verdict = check(text)
    assert not verdict.strike
    for _ in range(10):
        assert tracker.record("lan", verdict) is False
    assert not tracker.muted("lan")


def test_a_muted_sender_stays_muted_whatever_else_they_send(tracker: MuteTracker) -> None:
    for _ in range(3):
        tracker.record("lan", swearing())
    assert tracker.record("lan", check("xin lỗi cô ạ")) is True


def test_the_mute_threshold_comes_from_the_policy(clock: FakeClock) -> None:
    patient = MuteTracker(Policy(mute_after=5), clock=clock)  # type: ignore[arg-type]
    results = [patient.record("lan", swearing()) for _ in range(5)]
    assert results == [False, False, False, False, True]
