"""The public ChainKnowledgeGraph dataset through the generic mapping loader (mappings/chainkg.yaml).

Expected counts are computed here from the source files with plain Python, independently of the
loader: source rows minus the faults the data is known to have.
"""
from __future__ import annotations

import json
import re

import pytest

from graph.embedded import EmbeddedStore
from loaders.load import load_paths, validate_paths
from tests.conftest import IN_CI, ROOT, SHARED

DATA = SHARED / "data" / "chainkg"
MAPPING = ROOT / "mappings" / "chainkg.yaml"

pytestmark = pytest.mark.skipif(not DATA.exists() and not IN_CI,
                                reason=f"ChainKnowledgeGraph data not found at {DATA}")


def rows(name):
    """Source rows with text values stripped, as the mapping's default ``strip`` does."""
    with open(DATA / name, encoding="utf-8") as fh:
        return [{k: v.strip() if isinstance(v, str) else v for k, v in json.loads(line).items()}
                for line in fh if line.strip()]


def expected_counts():
    code = lambda c: "co:" + re.match(r"\d{6}", c).group(0)   # noqa: E731
    companies = {}
    for r in rows("company.json"):
        companies.setdefault(code(r["code"]), r)
    industries = {"ind:" + r["name"] for r in rows("industry.json")}
    products = {"prod:" + r["name"] for r in rows("product.json")}
    part_of = {("ind:" + r["from_industry"], "ind:" + r["to_industry"]) for r in rows("industry_industry.json")
               if r["rel"] == "上级行业" and "ind:" + r["from_industry"] in industries
               and "ind:" + r["to_industry"] in industries}
    in_segment = {(code(r["company_code"]), "ind:" + r["industry_name"]) for r in rows("company_industry.json")
                  if code(r["company_code"]) in companies and "ind:" + r["industry_name"] in industries}
    makes = {(code(r["company_code"]), "prod:" + r["product_name"])
             for r in rows("company_product.reconstructed.jsonl")
             if 0 <= r["rel_weight"] <= 1 and code(r["company_code"]) in companies
             and "prod:" + r["product_name"] in products}
    feeds, subtype = set(), set()
    for r in rows("product_product.reconstructed.jsonl"):
        a, b = "prod:" + r["from_entity"], "prod:" + r["to_entity"]
        if a not in products or b not in products:
            continue
        if r["rel"] == "上游材料":
            feeds.add((b, a))
        elif r["rel"] == "下游产品":
            feeds.add((a, b))
        elif r["rel"] == "产品小类":
            subtype.add((b, a))
    return {"nodes": {"Enterprise": len(companies), "Chain": len(industries), "Product": len(products)},
            "relationships": {"PART_OF": len(part_of), "IN_SEGMENT": len(in_segment), "MAKES": len(makes),
                              "FEEDS": len(feeds), "SUBTYPE_OF": len(subtype)}}


def test_known_faults_are_reported_precisely(tmp_path):
    with EmbeddedStore(tmp_path) as store:
        plan = validate_paths(store, [DATA], mapping=MAPPING)
    problems = [str(p) for p in plan.all_problems()]
    missing_industry = [p for p in problems if p.startswith("company_industry.json") and "unknown id 'ind:" in p]
    assert len(missing_industry) == 32
    weights = [p for p in problems if ":rel_weight: " in p and ("above the maximum" in p or "below the minimum" in p)]
    assert len(weights) == 811
    duplicates = [p for p in problems if p.startswith("company.json") and ":code: duplicate id 'co:" in p]
    assert len(duplicates) == 68          # the same stock code under two companies
    reversed_pairs = [str(n) for n in plan.notes if "same relationship prod:" in str(n) and "FEEDS" in str(n)]
    assert reversed_pairs                 # A 上游材料 B and B 下游产品 A are the same edge: merged, noted
    assert not [p for p in problems if "duplicate relationship" in p]
    assert all(re.match(r"^[\w.]+:\d+(:\w+)?: ", p) for p in problems), "every problem names file:row(:column)"


def test_loads_everything_else_with_skip_invalid(tmp_path):
    with EmbeddedStore(tmp_path / "db") as store:
        summary = load_paths(store, [DATA], mapping=MAPPING, skip_invalid=True, rejects_dir=tmp_path / "rejects")
        counts = store.counts()
    expected = expected_counts()
    for kind in ("nodes", "relationships"):
        for name, n in expected[kind].items():
            assert counts[kind][name] == n, (name, counts[kind][name], n)
    assert summary.reject_files and all(p.parent == tmp_path / "rejects" for p in summary.reject_files)
    assert not list(DATA.glob("*.rejects.csv"))
