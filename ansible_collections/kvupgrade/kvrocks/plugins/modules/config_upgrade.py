#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kvupgrade contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

# This file holds the documentation and the argument spec only. The work is done by the
# action plugin of the same name (plugins/action/config_upgrade.py) on the controller, so
# managed nodes need nothing but a Python able to run slurp/stat/copy. main() below only
# runs if something executes this file on a target directly; it then fails with a clear
# message instead of silently doing nothing.
#
# Code here must import on the oldest target Python ansible-core supports (3.8 for 2.19).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: config_upgrade
short_description: Upgrade an Apache Kvrocks configuration file to a newer release
version_added: "0.1.0"
description:
  - Plans the upgrade of a Kvrocks configuration file (C(kvrocks.conf)) from one Kvrocks release to
    another with the C(kvupgrade) library, and rewrites the file the way C(kvupgrade apply) would.
    Removed and deprecated keys are commented out with a C(# kvupgrade:) marker, renamed keys are
    renamed, values converted; every other line keeps its exact bytes.
  - Runs on the B(controller). The file is read from the managed node with M(ansible.builtin.slurp),
    planned on the controller, and written back with M(ansible.builtin.copy), which provides the
    atomic replace, the backup and the file attributes. Managed nodes do not need C(kvupgrade).
  - Idempotent. A second run against the same target version finds nothing to change and reports
    C(changed=false).
  - Secret values found in the file (C(requirepass), C(masterauth), C(tls-key-file-pass),
    C(namespace.*) tokens and any other option the version matrix marks secret) are masked as
    C(********) in the diff, the findings, the messages and every other returned value.
  - Besides C(kvrocks.conf), the library handles files that carry Kvrocks settings (Helm values,
    Ansible group_vars, Kubernetes ConfigMaps, systemd units, ...); see O(kind).
  - The file is checked again just before it is written. If it changed since it was read, the task
    fails and writes nothing; run it again.
author:
  - kvupgrade contributors (@kvupgrade)
requirements:
  - "C(kvupgrade) importable by the Python that runs C(ansible-playbook) on the controller
    (C(pip install kvupgrade) into that environment). Nothing is needed on managed nodes."
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows the whole file before and after, with secret values masked.
  platform:
    platforms: posix
options:
  path:
    description:
      - Path of the Kvrocks configuration file on the managed node.
      - Symbolic links are followed, the link target is rewritten and the link is kept.
    type: path
    required: true
    aliases: [dest]
  to_version:
    description:
      - Kvrocks release to upgrade the configuration to, for example C(2.14.0).
      - Must be a release known to the installed C(kvupgrade)'s version matrix; an unknown release
        fails the task with the library's error.
    type: str
    required: true
  from_version:
    description:
      - Kvrocks release the file was written for.
      - C(auto) infers it from the file's content. When the content fits several releases the
        oldest one is assumed so that no change is missed; give the release explicitly for the
        most precise plan.
    type: str
    default: auto
  kind:
    description:
      - Kind of file (carrier) that holds the configuration, as understood by C(kvupgrade --kind).
      - C(auto) lets the library detect it from the file name and content. C(conf) is a plain
        C(kvrocks.conf); other kinds (for example C(helm-values), C(yaml-vars), C(k8s-configmap),
        C(flags-systemd)) are passed to the library as they are, and the task fails with the
        library's message if the installed C(kvupgrade) does not know the kind.
    type: str
    default: auto
  backup:
    description:
      - Keep a copy of the original file next to it before it is rewritten, named like
        C(kvrocks.conf.12345.2026-11-26@10:31:49~), and return its name in RV(backup_file).
      - Off by default, like every file-editing module of ansible-core. The C(kvupgrade apply)
        command line does back up by default; set this to V(true) to get the same behaviour.
      - No backup is made in check mode or when nothing changes.
    type: bool
    default: false
  unsafe_fixes:
    description:
      - Also apply fixes the library marks as needing review (the same as
        C(kvupgrade apply --unsafe-fixes)). Without it such findings are reported but not applied.
    type: bool
    default: false
  pin_defaults:
    description:
      - Write the old default value explicitly for options whose default changes within the
        upgrade window, so that the node keeps behaving as before (C(kvupgrade --pin-defaults)).
    type: bool
    default: false
  fail_on_blockers:
    description:
      - Fail, and write nothing, when the plan has blockers, that is error findings the rewrite
        cannot resolve (the target release would refuse to start or would break with this file).
      - With V(false) the fixable part is applied and the number of blockers is returned in
        RV(blockers) for the playbook to decide.
    type: bool
    default: true
  verify_with:
    description:
      - Path, on the Ansible controller, of a C(kvrocks) binary of O(to_version). The rewritten
        file is started on it in a private sandbox (C(kvupgrade plan --verify-with)) before
        anything is written; every warning or error line it prints becomes a finding (masked).
      - If the server refuses to start, the task fails and writes nothing, whatever
        O(fail_on_blockers) says. A binary of another release fails the task.
      - Only C(conf) files are started; a carrier file gets an info finding that it was not.
      - To check a templated file on the managed node instead, use the C(validate) option of
        M(ansible.builtin.template) or M(ansible.builtin.copy) with
        C(kvupgrade check --kvrocks-bin /usr/bin/kvrocks --to 2.14.0 %s) (needs kvupgrade and
        the binary on the node; exit 0 only for a file with no finding left).
    type: path
notes:
  - Check mode computes the full plan and diff and reports the true C(changed) without writing.
  - The task's C(no_log) suppresses the whole result, diff included. It is not needed to protect
    secrets, which are masked anyway.
  - The file is transferred with M(ansible.builtin.copy), so owner, group, mode and SELinux context
    of the existing file are kept.
seealso:
  - module: ansible.builtin.slurp
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: Show what upgrading to Kvrocks 2.14.0 would change (run with --check --diff)
  kvupgrade.kvrocks.config_upgrade:
    path: /etc/kvrocks/kvrocks.conf
    to_version: 2.14.0
  check_mode: true
  register: kvrocks_plan

- name: Fail early if the config needs a human
  ansible.builtin.assert:
    that: kvrocks_plan.blockers == 0
    fail_msg: "{{ kvrocks_plan.findings | selectattr('severity', 'equalto', 'error') | map(attribute='message') | list }}"

- name: Upgrade the config from a known release, keeping a backup
  kvupgrade.kvrocks.config_upgrade:
    path: /etc/kvrocks/kvrocks.conf
    from_version: 2.12.1
    to_version: 2.14.0
    backup: true
  register: kvrocks_conf
  notify: Restart kvrocks

- name: Upgrade only if the real Kvrocks 2.14.0 starts on the result
  kvupgrade.kvrocks.config_upgrade:
    path: /etc/kvrocks/kvrocks.conf
    to_version: 2.14.0
    verify_with: /opt/kvrocks-2.14.0/bin/kvrocks

- name: Also apply reviewed fixes and pin changed defaults
  kvupgrade.kvrocks.config_upgrade:
    path: /etc/kvrocks/kvrocks.conf
    to_version: 2.14.0
    unsafe_fixes: true
    pin_defaults: true
"""

RETURN = r"""
realserver:
  description:
    - With O(verify_with), what the real server did with the rewritten file (its findings are in
      RV(findings), rules C(realserver/...)).
  returned: when O(verify_with) is set and the plan changes the file
  type: dict
  sample: {"binary": "/usr/bin/kvrocks", "version": "kvrocks version 2.14.0", "verified": true, "started": true}
changed:
  description: Whether the file was (or, in check mode, would be) rewritten.
  returned: always
  type: bool
  sample: true
path:
  description: The file that was planned, as given in O(path).
  returned: always
  type: str
  sample: /etc/kvrocks/kvrocks.conf
kind:
  description: The carrier kind the library used.
  returned: when the plan succeeded
  type: str
  sample: conf
from_version:
  description: The release planned from (given, or inferred when O(from_version=auto)).
  returned: when the plan succeeded
  type: str
  sample: 2.12.1
to_version:
  description: The release planned to.
  returned: when the plan succeeded
  type: str
  sample: 2.14.0
from_detected:
  description:
    - How the source release was inferred, when O(from_version=auto); V(null) when it was given.
  returned: when the plan succeeded
  type: dict
  sample: {"version": "2.12.1", "confidence": "high", "reason": "...", "candidates": ["2.12.1"]}
hops:
  description: The releases walked through, in order.
  returned: when the plan succeeded
  type: list
  elements: str
  sample: ["2.13.0", "2.14.0"]
counts:
  description: Number of findings by severity.
  returned: when the plan succeeded
  type: dict
  sample: {"error": 0, "warning": 1, "info": 2}
blockers:
  description: Number of error findings the rewrite does not resolve.
  returned: when the plan succeeded
  type: int
  sample: 0
findings:
  description:
    - What the plan found, one dict per finding, in the library's JSON form
      (see C(docs/JSON.md) of kvupgrade). Secret values are masked.
  returned: when the plan succeeded
  type: list
  elements: dict
  contains:
    id:
      description: Stable identifier, C(<rule>/<option>@<since>).
      type: str
      sample: comment_out/rocksdb.row_cache_size@2.13.0
    rule:
      description: The rule that produced the finding.
      type: str
      sample: comment_out
    option:
      description: The configuration option concerned.
      type: str
      sample: rocksdb.row_cache_size
    severity:
      description: One of V(error), V(warning), V(info).
      type: str
      sample: warning
    message:
      description: What changes and why it matters.
      type: str
    line:
      description: Line of the original file, or V(null) for an option that is not set.
      type: int
      sample: 4
    since:
      description: The release that introduced the change.
      type: str
      sample: 2.13.0
    action:
      description: What the fix does (V(comment_out), V(rename), V(set), V(convert_value), V(pin_default), V(manual), V(none)).
      type: str
    safety:
      description: V(safe), V(unsafe) (applied only with O(unsafe_fixes)) or V(display) (report only).
      type: str
    fixable:
      description: Whether the fix applies with the options given.
      type: bool
    applied:
      description: Whether the new file content includes the fix.
      type: bool
    why:
      description: Why the fix is (un)safe, or why there is none.
      type: str
    before:
      description: Effective value before, masked when secret.
      type: str
    after:
      description: Effective value after.
      type: str
    references:
      description: Upstream issues and pull requests.
      type: list
      elements: str
    evidence:
      description: How the behaviour was established.
      type: str
    impact:
      description: Per-finding impact data, when the library provides it.
      type: dict
impact:
  description: Impact assessment of the whole plan, when the installed library computes one; V(null) otherwise.
  returned: when the plan succeeded
  type: dict
  sample: null
backup_file:
  description: Name of the backup copy of the original file.
  returned: when O(backup=true) and the file was rewritten
  type: str
  sample: /etc/kvrocks/kvrocks.conf.12345.2026-11-26@10:31:49~
diff:
  description: The whole file before and after, secrets masked, for the diff callback.
  returned: in diff mode
  type: dict
  contains:
    before:
      description: Original content, secrets masked.
      type: str
    after:
      description: New content, secrets masked.
      type: str
    before_header:
      description: The file path.
      type: str
    after_header:
      description: The file path.
      type: str
msg:
  description: One-line summary, or the reason the task failed.
  returned: always
  type: str
  sample: "2.12.1 -> 2.14.0: rewritten; findings: 0 error, 1 warning, 2 info"
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

# The single argument spec: the action plugin validates the task's arguments with it, and
# tests/ansible checks that DOCUMENTATION agrees with it (what validate-modules would check).
ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True, aliases=["dest"]),
    to_version=dict(type="str", required=True),
    from_version=dict(type="str", default="auto"),
    kind=dict(type="str", default="auto"),
    backup=dict(type="bool", default=False),
    unsafe_fixes=dict(type="bool", default=False),
    pin_defaults=dict(type="bool", default=False),
    fail_on_blockers=dict(type="bool", default=True),
    verify_with=dict(type="path"),
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(
        msg=(
            "kvupgrade.kvrocks.config_upgrade must run through its action plugin on the controller, "
            "but the module itself was executed on the managed node. Call it as a normal task "
            "(not with ansible.builtin.raw/script or a custom action), make sure the kvupgrade.kvrocks "
            "collection is installed completely (plugins/action/config_upgrade.py), and that "
            "'pip install kvupgrade' was done for the Python running ansible-playbook."
        ),
        changed=False,
    )


if __name__ == "__main__":
    main()
