"""The definition diff names each kind of change, in words an admin can act on."""

from engagement.definitions.diff import ChangeKind, LadderSpec, RungSpec, ladder_changes
from engagement.definitions.rules import KindRule

RUNGS = (RungSpec(1, "passive", "Passive"), RungSpec(2, "conversation", "Conversation"))
KINDS = (
    KindRule("follow", 1, True, "unfollow"),
    KindRule("unfollow", None, False, ""),
    KindRule("like", 2, False, ""),
    KindRule("view", 1, False, ""),
)
BEFORE = LadderSpec(rungs=RUNGS, kinds=KINDS)


def changed(*, rungs=RUNGS, kinds=KINDS):
    return ladder_changes(BEFORE, LadderSpec(rungs=rungs, kinds=kinds))


def replace_kind(slug: str, kind: KindRule | None) -> tuple[KindRule, ...]:
    others = tuple(k for k in KINDS if k.slug != slug)
    return (*others, kind) if kind else others


def test_the_same_ladder_has_no_changes():
    assert changed() == []


def test_a_renamed_rung_is_named_with_both_names():
    (change,) = changed(rungs=(RUNGS[0], RungSpec(2, "dialogue", "Dialogue")))
    assert change.kind == ChangeKind.RUNG_RENAMED
    assert change.text == (
        "Rung 2 renamed: “Conversation” → “Dialogue” (slug 'conversation' → 'dialogue')."
    )


def test_a_kind_moved_between_rungs_names_both_rungs():
    (change,) = changed(kinds=replace_kind("like", KindRule("like", 1, False, "")))
    assert change.kind == ChangeKind.KIND_MOVED
    assert change.text == "Kind 'like' moved from rung 2 Conversation to rung 1 Passive."


def test_an_added_kind_says_where_it_counts():
    (change,) = changed(kinds=(*KINDS, KindRule("petition", 2, False, "")))
    assert change.kind == ChangeKind.KIND_ADDED
    assert change.text == "Kind 'petition' added, at rung 2 Conversation."


def test_a_removed_kind_says_its_interactions_no_longer_count():
    (change,) = changed(kinds=replace_kind("view", None))
    assert change.kind == ChangeKind.KIND_REMOVED
    assert "Kind 'view' removed (it was at rung 1 Passive)" in change.text


def test_a_kind_that_stops_lasting_is_a_lasting_rule_change():
    (change,) = changed(kinds=replace_kind("follow", KindRule("follow", 1, False, "")))
    assert change.kind == ChangeKind.LASTING
    assert change.text == "Kind 'follow' is no longer lasting: each one counts in its own month."


def test_a_new_ending_kind_is_an_ending_rule_change():
    (change,) = changed(kinds=replace_kind("follow", KindRule("follow", 1, True, "view")))
    assert change.kind == ChangeKind.ENDING
    assert change.text == "Kind 'follow' is now ended by 'view' instead of 'unfollow'."


def test_the_fingerprint_changes_with_the_ladder_and_only_with_it():
    same = LadderSpec(rungs=tuple(reversed(RUNGS)), kinds=tuple(reversed(KINDS)))
    assert same.fingerprint() == BEFORE.fingerprint()
    other = LadderSpec(rungs=RUNGS, kinds=replace_kind("view", None))
    assert other.fingerprint() != BEFORE.fingerprint()
