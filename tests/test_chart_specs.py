"""What the pages hand Chart.js: every bar knows its rung (so it takes the rung's colour and
pattern, as the legend does), every axis says what it is a share of, and a bar all at Passive is
marked so the chart can say so while Passive is hidden."""

from dashboard.ladders import Ladder, RungInfo, conversation_measure, ranked_chart, stacked_chart
from dashboard.mobility import matrix_chart

RUNGS = {
    p: RungInfo(position=p, name=name, slug=name.lower(), description="")
    for p, name in enumerate(
        ["None", "Passive", "Conversation", "Participation", "Activist", "Volunteer", "Designer"]
    )
}


def test_the_moving_up_chart_gives_each_bar_segment_its_rung():
    chart = matrix_chart({(1, 2): 5, (1, 1): 10, (0, 3): 2}, RUNGS, before="Oct", after="Nov")
    assert [d["position"] for d in chart["datasets"]] == [0, 1, 2, 3, 4, 5, 6]
    assert chart["axis"] == "% of the bar's citizens: those at its rung in Oct"


def test_a_stacked_chart_says_what_its_bars_are_a_share_of():
    chart = stacked_chart([Ladder(label="Kent", counts={1: 5, 2: 5})], RUNGS, title="t")
    assert chart["axis"] == "% of the bar's engaged public (rungs 1 to 6)"
    assert [d["position"] for d in chart["datasets"]] == [1, 2, 3, 4, 5, 6]


def test_a_bar_all_at_passive_is_marked_as_such():
    ladders = [
        Ladder(label="Only passive", counts={1: 12}),
        Ladder(label="Mixed", counts={1: 12, 3: 1}),
        Ladder(label="Nobody", counts={}),
    ]
    assert stacked_chart(ladders, RUNGS, title="t")["only_passive"] == [True, False, False]


def test_the_ranked_chart_ranks_by_the_measure_it_is_given():
    ladders = [
        Ladder(label="Low", counts={1: 9, 2: 1}),
        Ladder(label="High", counts={1: 1, 2: 9}),
    ]
    chart = ranked_chart(ladders, [], title="t", measure=conversation_measure("Conversation"))
    assert chart["labels"] == ["High", "Low"]
    assert chart["data"] == [90.0, 10.0]
    assert chart["count_text"] == ["9 citizens", "1 citizen"]
    assert chart["position"] == 2
