from .tools import findings, silent

RULE = "pinned_defaults"


def rewritten(version: str) -> str:
    """A file as CONFIG REWRITE of an old release leaves it: every option at its default."""
    from upgrader.matrix import load_matrix

    m = load_matrix()
    v = m.resolve(version)
    return "".join(f"{k} {st.default}\n" for k, st in sorted(m.options_at(v).items())
                   if st.default and " " not in st.default and k != "rename-command")


def test_rewritten_file_reported_once():
    (f,) = findings(RULE, rewritten("2.5.0"), from_="2.5.0", to="2.14.0")
    assert f.severity == "info" and "rocksdb.block_size" in f.message and f.safety == "display"


def test_noop_small_file():
    silent(RULE, "port 6666\nworkers 8\n", from_="2.5.0", to="2.14.0")


def test_noop_target_before_change():
    # 2.5.0 -> 2.5.1 changes no default: nothing is pinned stale.
    silent(RULE, rewritten("2.5.0"), from_="2.5.0", to="2.5.1")


def test_noop_source_already_past_change():
    # From 2.7.0 on REWRITE appends only non-defaults: the file is not taken for a full rewrite.
    silent(RULE, rewritten("2.7.0"), from_="2.7.0", to="2.14.0")
