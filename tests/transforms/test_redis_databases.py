from .tools import findings, silent

RULE = "redis_databases"


def test_with_namespaces_fatal():
    (f,) = findings(RULE, "requirepass pw\nnamespace.a tok\nredis-databases 16\n", from_="2.14.0", to="2.15.0")
    assert f.severity == "error" and f.safety == "display" and f.evidence == "release-notes" and f.line == 3


def test_with_cluster_fatal():
    (f,) = findings(RULE, "cluster-enabled yes\nredis-databases 4\n", from_="2.13.0", to="2.17.0")
    assert "cluster-enabled yes" in f.message


def test_namespaces_in_db_warned():
    (f,) = findings(RULE, "repl-namespace-enabled yes\nredis-databases 4\n", from_="2.13.0", to="2.15.0")
    assert f.severity == "warning"


def test_noop_zero_or_alone():
    silent(RULE, "cluster-enabled yes\nredis-databases 0\n", from_="2.14.0", to="2.15.0")
    silent(RULE, "redis-databases 16\n", from_="2.14.0", to="2.15.0")


def test_noop_target_before_change():
    silent(RULE, "cluster-enabled yes\nredis-databases 4\n", from_="2.12.0", to="2.14.0")


def test_noop_source_already_past_change():
    silent(RULE, "cluster-enabled yes\nredis-databases 4\n", from_="2.15.0", to="2.17.0")
