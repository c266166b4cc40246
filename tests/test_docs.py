"""docs/model.md is generated from the registry and must be current."""
from graph.docs import TARGET, render


def test_model_doc_is_current():
    assert TARGET.read_text(encoding="utf-8") == render(), "run: python -m graph.docs"
