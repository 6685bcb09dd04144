"""resolver.releases: half-open release ranges, checked against packaging's SpecifierSet (the
library they stand in for on the cold path)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from resolver.engines.containerd_rules import RULES_TABLE
from resolver.engines.moby_rules import VENDORED
from resolver.releases import between


@pytest.mark.parametrize(("version", "inside"), [
    ("1.6.17", False), ("1.6.18", True), ("1.6.21", True), ("1.6.21.1", True),
    ("1.6.22", False), ("1.6.20+dfsg1", True), ("1.6.22+dfsg1", False), ("1.6.19rc1", False),
    ("1.6.21.post1", True), ("1.6.22.dev0", False),
])
def test_between(version: str, inside: bool) -> None:
    assert (Version(version) in between("1.6.18", "1.6.22")) is inside


def test_text() -> None:
    assert str(between("20.10.0", "21")) == "20.10.0..<21"


def test_the_tables_are_ordered_and_do_not_overlap() -> None:
    for table in (RULES_TABLE, VENDORED):
        ranges = [r for r, _ in table]
        assert all(r.first < r.before for r in ranges)
        assert all(a.before <= b.first for a, b in itertools.pairwise(ranges))


_part = st.integers(min_value=0, max_value=30)
_release = st.lists(_part, min_size=1, max_size=4).map(lambda p: ".".join(map(str, p)))
_final = st.builds(lambda release, post, local: release + post + local, _release,
                   st.sampled_from(["", ".post1"]), st.sampled_from(["", "+dfsg1", "+ubuntu1.2"]))


@given(_final, _release, _release)
def test_agrees_with_specifier_set(version: str, first: str, before: str) -> None:
    spec = SpecifierSet(f">={first},<{before}")
    assert (Version(version) in between(first, before)) is spec.contains(version)


@given(_release, st.sampled_from(["a1", "b2", "rc1", ".dev0", "rc1.dev0"]),
       st.sampled_from(["", "+dfsg1"]), _release, _release)
def test_pre_releases_are_in_no_range(release: str, pre: str, local: str, first: str,
                                      before: str) -> None:
    """No engine's pre-release is modelled (packaging's own answer here changed across its
    releases, so it is not the reference)."""
    assert Version(release + pre + local) not in between(first, before)
