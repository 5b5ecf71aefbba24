"""Detection order, pinned on mixed and borderline files: the registry must ask the carriers in
exactly the order the if/elif chains did (unit files and scripts first, then Kubernetes resources in
any document, then the first document a Compose/vars/Helm carrier claims)."""

from __future__ import annotations

import pytest

from upgrader.carriers import CarrierOptions, detect_kind
from upgrader.errors import InputError

COMPOSE = "services:\n  kv:\n    image: apache/kvrocks:2.12.1\n    command: --workers 4\n"
HELM = "kvrocks:\n  config:\n    workers: 4\n"
VARS = "kvrocks_config:\n  workers: 4\n"
OPERATOR = "apiVersion: kvrocks.apache.org/v1alpha1\nkind: KVRocks\nmetadata:\n  name: kv\nspec:\n  image: x\n"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  kvrocks.conf: |\n    workers 4\n"
WORKLOAD = ("apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: kv\nspec:\n  template:\n    spec:\n"
            "      containers:\n        - name: kv\n          image: apache/kvrocks:2.12.1\n")
UNIT = "[Service]\nExecStart=/usr/bin/kvrocks --workers 4\n"


def docs(*parts: str) -> str:
    return "---\n".join(parts)


@pytest.mark.parametrize("text,kind", [
    (docs(HELM, COMPOSE), "helm-values"),  # the first document a document carrier claims decides
    (docs(COMPOSE, HELM), "flags-compose"),
    (docs(VARS, COMPOSE), "yaml-vars"),
    (COMPOSE + "kvrocks_config:\n  workers: 4\n", "flags-compose"),  # in one document: compose before vars
    (VARS + HELM, "yaml-vars"),  # vars before Helm
    (docs(COMPOSE, WORKLOAD), "flags-k8s"),  # a Kubernetes resource in any document wins
    (docs(WORKLOAD, CONFIGMAP), "k8s-configmap"),  # ConfigMap before workloads
    (docs(WORKLOAD, CONFIGMAP, OPERATOR), "operator"),  # KVRocks before both
    (docs(HELM, OPERATOR), "operator"),
])
def test_yaml_order(text: str, kind: str) -> None:
    assert detect_kind("x.yaml", text) == kind


def test_configmap_without_a_conf_is_not_one() -> None:
    empty = CONFIGMAP.replace("kvrocks.conf: |\n    workers 4\n", "other: x\n")
    assert detect_kind("x.yaml", docs(empty, WORKLOAD)) == "flags-k8s"


def test_workload_detection_reads_default_conventions() -> None:
    """Workloads are detected by the default image name whatever the options say (as before)."""
    opts = CarrierOptions(image_match="mykv", binaries=("mykv",))
    assert detect_kind("x.yaml", WORKLOAD, opts) == "flags-k8s"
    other = WORKLOAD.replace("apache/kvrocks:2.12.1", "mykv:1")
    with pytest.raises(InputError):
        detect_kind("x.yaml", other, opts)


@pytest.mark.parametrize("path,text,kind", [
    ("kvrocks.service", UNIT, "flags-systemd"),
    ("/etc/systemd/system/kvrocks.service.d/override.conf", UNIT, "flags-systemd"),
    ("override.conf", UNIT, "flags-systemd"),  # a [Service] line, whatever the name
    ("override.conf", "\ufeff" + UNIT, "flags-systemd"),  # a BOM does not hide it
    ("x.service", "[Service]\nType=simple\n", "conf"),  # no ExecStart: not a unit we edit
    ("run.sh", "kvrocks --workers 4\n", "flags-shell"),
    ("run", "#!/bin/bash\nkvrocks --workers 4\n", "flags-shell"),
    ("run", "#!/usr/bin/env sh\nkvrocks --workers 4\n", "flags-shell"),
    ("run.sh", "services:\n  kv: {}\n", "flags-shell"),  # the name says script before YAML is tried
    ("x.service", "#!/bin/sh\n" + UNIT, "flags-systemd"),  # unit files before scripts
    ("kvrocks.conf", "workers 4\nbind 0.0.0.0\n", "conf"),
    ("kvrocks.conf", "---\n" + COMPOSE, "flags-compose"),  # '---' says YAML whatever the name
    ("x", COMPOSE, "flags-compose"),  # 'key:' at a line start says YAML
])
def test_name_and_text(path: str, text: str, kind: str) -> None:
    assert detect_kind(path, text) == kind


def test_found_nothing_names_the_file_and_what_is_looked_for() -> None:
    with pytest.raises(InputError) as e:
        detect_kind("other.yml", "foo:\n  bar: 1\n", CarrierOptions(vars_dict="kv", helm_paths=("a.b", "c")))
    assert str(e.value) == (
        "other.yml: YAML file with no kvrocks settings kvupgrade knows how to find (a Compose service running a"
        " kvrocks image, a Kubernetes workload/ConfigMap/KVRocks resource, a 'kv' dict, or Helm values at a.b or"
        " c); pass --kind to say what it is")


def test_bad_yaml_names_the_file() -> None:
    with pytest.raises(InputError, match="bad.yaml.*not valid YAML"):
        detect_kind("bad.yaml", "a: [\n")
