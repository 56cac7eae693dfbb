"""The pictures stay bounded and readable at any size of the archive: a hub with hundreds of partners draws
at most ``MAX_NODES`` of them and counts the rest; a timeline draws items while few, counts per year beyond."""

from __future__ import annotations

from publisher.web.pages.pictures import MAX_MARKS, MAX_NODES, NET_WIDTH, Mark, star, timeline, web
from publisher.web.pages.terms import Term


def org(n: int) -> Term:
    return Term(f"Partner number {n} of a very long name indeed", f"https://x.example/{n}", f"/id/{n}")


def test_a_hub_draws_its_biggest_partners_and_counts_the_rest() -> None:
    partners = [(org(n), 1 + n % 7) for n in range(400)]
    network = star(Term("Hub"), partners, "Hub and its partners")
    assert len(network.nodes) == MAX_NODES + 1 and network.more == 400 - MAX_NODES
    assert min(node.count for node in network.nodes[1:]) == 7  # the most agreements first
    assert all(0 <= node.x <= NET_WIDTH for node in network.nodes)
    assert all(len(node.short) <= 22 for node in network.nodes)  # labels cut to fit; whole in <title>


def test_the_whole_graph_links_pairs_among_the_drawn_institutions() -> None:
    ranked = [(org(n), 100 - n) for n in range(60)]
    pairs = {
        ("https://x.example/0", "https://x.example/1"): 5,
        ("https://x.example/0", "https://x.example/59"): 1,
    }
    network = web(ranked, pairs, "All")
    assert len(network.nodes) == MAX_NODES and network.more == 60 - MAX_NODES
    assert len(network.edges) == 1  # the pair with an institution not drawn is left out


def test_a_timeline_draws_few_items_and_counts_many_per_year() -> None:
    few = [Mark(org(n), "2017", f"{2010 + n}", "agreement", "with X") for n in range(5)]
    drawn = timeline(few, "few")
    assert len(drawn.marks) == 5 and not drawn.bars
    many = [Mark(org(n), "x", f"{2010 + n % 12}-0{1 + n % 9}", "event", "") for n in range(5000)]
    counted = timeline(many, "many")
    assert not counted.marks and len(counted.bars) == 12 and sum(b.events for b in counted.bars) == 5000
    assert len(timeline(many[:MAX_MARKS], "edge").marks) == MAX_MARKS
