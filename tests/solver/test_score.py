"""The complementarity score: what makes a good match, and why it says so."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.schema import ScoreWeights
from solver.score import Scorer
from tests.solver.solver_factories import instance, person


def score(a, b, **weights) -> float:
    inst = instance([a, b], rounds=1, tables=1)
    if weights:
        inst = replace(inst, weights=ScoreWeights(**weights))
    return Scorer(inst).pair(0, 1)


def test_complementary_beats_similar():
    seller = person(offers="erp", seeks="security")
    buyer = person(offers="security", seeks="erp")
    twin = person(offers="erp", seeks="security")
    assert score(seller, buyer) > score(seller, twin)


def test_competitors_in_one_region_score_below_the_same_pair_across_regions():
    a = person(offers="erp;crm", region="EMEA")
    same = person(offers="erp;crm", region="EMEA")
    apart = person(offers="erp;crm", region="APAC")
    assert score(a, same) == 0
    assert score(a, apart) > 0


def test_region_reach_counts_both_ways():
    a = person(region="EMEA", targets="APAC")
    b = person(region="APAC", targets="EMEA")
    c = person(region="APAC")
    assert score(a, b) > score(a, c) > 0


def test_goals_steer_the_kind_of_meeting():
    wants_vendors = person(goals="meet_vendors", seeks="erp")
    vendor = person(kind="vendor", offers="erp")
    partner = person(kind="partner", offers="erp")
    assert score(wants_vendors, vendor) > 2 * score(wants_vendors, partner)


def test_p2p_and_p2v_weights_apply():
    a = person(offers="erp")
    partner = person(seeks="erp", region="EMEA")
    vendor = person(kind="vendor", seeks="erp")
    base_p2p, base_p2v = score(a, partner), score(a, vendor)
    assert score(a, partner, p2p_weight=2.0) == 2 * base_p2p
    assert score(a, vendor, p2v_weight=0.5) == base_p2v / 2


def test_reasons_explain_the_match_in_words():
    ana = person("ana@x.io", offers="ERP", seeks="cloud", region="EMEA", targets="APAC")
    ben = person("ben@y.io", offers="cloud", seeks="erp", region="APAC")
    inst = instance([ana, ben], rounds=1, tables=1)
    text = Scorer(inst).reasons(0, 1)
    assert "Ana offers ERP, which Ben seeks" in text
    assert "Ben offers cloud, which Ana seeks" in text
    assert "Ben sells in APAC, which Ana targets" in text


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["partner", "vendor", "distributor"]),
            st.sampled_from(["EMEA", "NA", "APAC"]),
            st.sets(st.sampled_from(["erp", "crm", "iot"])),
            st.sets(st.sampled_from(["erp", "crm", "iot"])),
            st.sets(st.sampled_from(["find_partners", "meet_vendors", "expand_regions"])),
            st.sets(st.sampled_from(["EMEA", "NA", "APAC"])),
        ),
        min_size=2,
        max_size=12,
    )
)
def test_pairwise_and_block_scores_agree(rows):
    people = [
        person(
            kind=k, region=r, offers=";".join(o), seeks=";".join(s), goals=";".join(g),
            targets=";".join(t),
        )
        for k, r, o, s, g, t in rows
    ]  # fmt: skip
    scorer = Scorer(instance(people, rounds=1, tables=1))
    n = len(people)
    block = scorer.block(np.arange(n))
    a, b = np.triu_indices(n, 1)
    assert np.array_equal(scorer.pairs(a, b), block[a, b])
    assert np.array_equal(block, block.T)  # symmetric
    assert (block >= 0).all()


def test_a_requested_pair_gets_its_bonus_in_every_view_of_the_score():
    people = [person(offers="erp"), person(seeks="erp"), person()]
    inst = instance(people, rounds=1, tables=1)
    plain = Scorer(inst)
    boosted = Scorer(replace(inst, pair_bonus={(2, 0): 10.0}))
    assert boosted.pair(0, 2) == plain.pair(0, 2) + 10
    assert boosted.block(np.arange(3))[2, 0] == plain.block(np.arange(3))[2, 0] + 10
    assert boosted.pair(0, 1) == plain.pair(0, 1)
