from .tools import silent, transformed

RULE = "namespace_case"


def test_mixed_case_name_lower_cased():
    plan = transformed(RULE, "requirepass pw\nnamespace.Orders tok1\n", "requirepass pw\nnamespace.orders tok1\n",
                       from_="2.0.6", to="2.1.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.applied and f.safety == "safe" and f.evidence == "inferred" and "apache/kvrocks#642" in f.references
    assert "tok1" not in f.message  # tokens are secrets


def test_prefix_case_kept():
    transformed(RULE, "NAMESPACE.Ab tok\n", "NAMESPACE.ab tok\n", from_="2.0.0", to="2.5.0")


def test_noop_lower_case():
    silent(RULE, "namespace.orders tok1\n", from_="2.0.6", to="2.1.0")


def test_noop_target_before_change():
    silent(RULE, "namespace.Orders tok1\n", from_="2.0.0", to="2.0.6")


def test_noop_source_already_past_change():
    silent(RULE, "namespace.Orders tok1\n", from_="2.1.0", to="2.14.0")
