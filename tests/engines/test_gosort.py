"""resolver.gosort.slice_stable against Go's sort.SliceStable (Go sort/zsortfunc.go stable(),
insertionSort in blocks of 20, then symMerge): for a consistent comparator every stable sort
gives the same order, so Python's sorted() is the oracle."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from resolver.gosort import slice_stable


@given(st.lists(st.tuples(st.integers(0, 6), st.integers()), max_size=250))
def test_equals_python_stable_sort(items: list[tuple[int, int]]) -> None:
    def less(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return a[0] < b[0]

    before = list(items)
    assert slice_stable(items, less) == sorted(items, key=lambda x: x[0])
    assert items == before  # a new list; the input is left alone


@given(st.lists(st.integers(), max_size=250))
def test_descending_comparator(items: list[int]) -> None:
    assert slice_stable(items, lambda a, b: a > b) == sorted(items, reverse=True)


def test_block_boundaries() -> None:
    # 20 (one insertion-sort block), 21, 40, 41 and 45 elements: every symMerge path
    for n in (0, 1, 2, 19, 20, 21, 39, 40, 41, 45, 60, 81):
        items = [(i * 7) % 5 for i in range(n)]
        tagged = list(enumerate(items))
        got = slice_stable(tagged, lambda a, b: a[1] < b[1])
        assert got == sorted(tagged, key=lambda t: t[1]), n


def test_inconsistent_comparator_short_slice() -> None:
    # Go's insertionSort: `for j := i; j > a && less(data[j], data[j-1]); j--` moves every new
    # element to the front when less is always true, so up to 20 elements come out reversed.
    assert slice_stable(list(range(20)), lambda a, b: True) == list(range(19, -1, -1))
    assert slice_stable([1, 2, 3], lambda a, b: False) == [1, 2, 3]
