"""Each Python rule: code that must trigger it, code that must not, suppression, and config overrides."""

from __future__ import annotations

import pytest

from tests.engine.helpers import branchy, findings, rules_of

# (rule, code that must trigger it, similar code that must not)
PATTERN_CASES = [
    (
        "reliability.bare-except",
        "try:\n    run()\nexcept:\n    log()\n",
        "try:\n    run()\nexcept ValueError:\n    log()\n",
    ),
    (
        "reliability.swallowed-exception",
        "try:\n    run()\nexcept OSError:\n    pass\n",
        "try:\n    run()\nexcept OSError:\n    cleanup()\n",
    ),
    (
        "reliability.swallowed-exception",
        "try:\n    run()\nexcept (KeyError, IndexError):\n    ...\n",
        "try:\n    run()\nexcept KeyError:\n    raise\n",
    ),
    (
        "reliability.mutable-default",
        "def f(items=[]):\n    '''D.'''\n    return items\n",
        "def f(items=None):\n    '''D.'''\n    return items or []\n",
    ),
    (
        "reliability.mutable-default",
        "def f(*, options=dict()):\n    '''D.'''\n    return options\n",
        "def f(*, options=frozenset()):\n    '''D.'''\n    return options\n",
    ),
    (
        "reliability.assert",
        "def check(x):\n    '''D.'''\n    assert x > 0\n    return x\n",
        "def check(x):\n    '''D.'''\n    if x <= 0:\n        raise ValueError(x)\n    return x\n",
    ),
    ("security.eval", "value = eval(text)\n", "value = ast.literal_eval(text)\n"),
    ("security.eval", "exec(code, namespace)\n", "model.eval()\n"),
    (
        "security.shell-true",
        "subprocess.run(f'ls {path}', shell=True)\n",
        "subprocess.run(['ls', path])\n",
    ),
    ("security.shell-true", "os.system('rm -rf ' + path)\n", "os.system('make clean')\n"),
    ("security.shell-constant", "os.system('make clean')\n", "subprocess.run(['make', 'clean'])\n"),
    ("security.shell-constant", "subprocess.run('ls -l', shell=True)\n", "subprocess.run('ls -l', shell=False)\n"),
    ("security.shell-true", "out = subprocess.getoutput(cmd)\n", "out = subprocess.check_output([tool, arg])\n"),
    ("security.shell-true", "subprocess.getstatusoutput('ls ' + d)\n", "subprocess.run(['ls', d])\n"),
    ("security.shell-true", "os.popen(command).read()\n", "os.path.join(command)\n"),
    ("security.shell-true", "commands.getoutput(c)\n", "commands.getstatus(c)\n"),
    ("security.shell-true", "popen2.popen3(c)\n", "popen(c)\n"),
    (
        "security.shell-true",
        "from subprocess import Popen as pop\npop(cmd, shell=True)\n",
        "from subprocess import Popen as pop\npop([cmd])\n",
    ),
    ("security.shell-true", "import os as o\no.system(cmd)\n", "import os as o\no.getcwd()\n"),
    ("security.shell-true", "from os import popen as p\np(cmd)\n", "from os import path as p\np(cmd)\n"),
    ("security.shell-true", "run(command, shell=flag)\n", "run(command, shell=False)\n"),
    ("security.yaml-load", "data = yaml.load(stream)\n", "data = yaml.safe_load(stream)\n"),
    (
        "security.yaml-load",
        "data = yaml.load(stream, Loader=yaml.Loader)\n",
        "data = yaml.load(stream, Loader=yaml.SafeLoader)\n",
    ),
    ("security.pickle", "obj = pickle.loads(blob)\n", "obj = json.loads(blob)\n"),
    ("security.pickle", "frame = pd.read_pickle(path)\n", "frame = pd.read_csv(path)\n"),
    ("security.pickle", "import pickle as pk\nobj = pk.loads(blob)\n", "import json as pk\nobj = pk.loads(blob)\n"),
    ("security.pickle", "from pickle import loads as lp\nlp(b)\n", "from json import loads as lp\nlp(b)\n"),
    ("security.pickle", "obj = dill.load(stream)\n", "obj = dill.dump(obj, stream)\n"),
    ("security.pickle", "db = shelve.open(path)\n", "db = dbm.open(path)\n"),
    ("security.pickle", "obj = jsonpickle.decode(text)\n", "text = jsonpickle.encode(obj)\n"),
    ("security.pickle", "code = marshal.loads(blob)\n", "blob = marshal.dumps(code)\n"),
    (
        "security.pickle",
        "from pandas import read_pickle as rp\nrp(path)\n",
        "from pandas import read_csv as rp\nrp(path)\n",
    ),
    ("security.yaml-load", "import yaml as y\ny.load(stream)\n", "import yaml as y\ny.safe_load(stream)\n"),
    ("security.hardcoded-password", 'DB_PASSWORD = "hunter2"\n', "DB_PASSWORD = os.environ['DB_PASSWORD']\n"),
    ("security.hardcoded-password", 'self.password = "root"\n', "self.password = password\n"),
    ("security.hardcoded-password", 'config["password"] = "blerg"\n', 'config["password"] = secret_store.get()\n'),
    (
        "security.hardcoded-password",
        'def login(user, password="admin"):\n    """D."""\n',
        'def login(user, password=None):\n    """D."""\n',
    ),
    (
        "security.hardcoded-password",
        'def login(*, auth_token="letmein"):\n    """D."""\n',
        'def login(*, auth_token=""):\n    """D."""\n',
    ),
    ("security.hardcoded-password", 'connect(host, password="blerg")\n', "connect(host, password=password)\n"),
    ("security.hardcoded-password", 'log({"password": "pass"})\n', 'log({"password": password})\n'),
    ("security.hardcoded-password", 'if password == "root":\n    ok()\n', 'if password == "":\n    ask()\n'),
    ("security.hardcoded-password", 'if "root" != user.passwd:\n    ok()\n', "if user.passwd is None:\n    ask()\n"),
    ("security.hardcoded-password", 'passphrase = "1234"\n', 'password_field = "password"\n'),
    (
        "security.tls-verify-off",
        "requests.get(url, verify=False)\n",
        "requests.get(url, verify='/etc/ssl/ca.pem')\n",
    ),
    (
        "security.tls-verify-off",
        "context = ssl._create_unverified_context()\n",
        "context = ssl.create_default_context()\n",
    ),
    (
        "security.tls-verify-off",
        "context.check_hostname = False\ncontext.verify_mode = ssl.CERT_NONE\n",
        "context.check_hostname = True\ncontext.verify_mode = ssl.CERT_REQUIRED\n",
    ),
]


@pytest.mark.parametrize(("rule", "bad", "good"), PATTERN_CASES, ids=[c[0] for c in PATTERN_CASES])
def test_pattern_rule_fires_on_bad_code_only(rule: str, bad: str, good: str) -> None:
    assert rule in rules_of('"""Module."""\n' + bad)
    assert rule not in rules_of('"""Module."""\n' + good)


def test_a_random_password_is_reported_once_as_a_secret_not_twice() -> None:
    rules = rules_of('"""M."""\nDB_PASSWORD = "Zx9qR2vL7mK4wP8tB6nC"\n')
    assert "security.hardcoded-secret" in rules
    assert "security.hardcoded-password" not in rules


def test_hardcoded_password_can_be_suppressed_on_its_line() -> None:
    code = '"""M."""\nPASSWORD = "admin"  # toasty: ignore[security.hardcoded-password]\n'
    assert "security.hardcoded-password" not in rules_of(code)


def test_bare_except_that_passes_is_reported_once_as_bare_except() -> None:
    rules = rules_of('"""M."""\ntry:\n    run()\nexcept:\n    pass\n')
    assert "reliability.bare-except" in rules
    assert "reliability.swallowed-exception" not in rules


def test_cyclomatic_complexity_above_threshold_is_reported_with_its_figures() -> None:
    found = findings(branchy("decide", 10), rule="complexity.cyclomatic")
    assert len(found) == 1
    finding = found[0]
    assert (finding.value, finding.threshold, finding.scope) == (11, 10, "decide")
    assert "11" in finding.message
    assert "10" in finding.message
    assert "Split" in finding.message  # says what to do


def test_cyclomatic_complexity_at_threshold_is_fine() -> None:
    assert findings(branchy("decide", 9), rule="complexity.cyclomatic") == []


def test_cognitive_complexity_reported_for_deeply_nested_code() -> None:
    code = """
        def tangled(rows):
            '''Doc.'''
            for row in rows:
                if row:
                    for cell in row:
                        if cell and cell.ok or cell.forced:
                            while cell.busy:
                                if cell.stuck:
                                    break
            return rows
    """
    found = findings(code, rule="complexity.cognitive")
    # for +1, if +2, for +3, if +4, and/or +2, while +5, if +6
    assert [f.value for f in found] == [23]


def test_nesting_depth_counts_blocks_not_elif_chains() -> None:
    deep = """
        def deep(a):
            '''Doc.'''
            if a:
                for b in a:
                    with b:
                        try:
                            if b.x:
                                return 1
                        except ValueError:
                            return 2
            return 0
    """
    flat = "def flat(a):\n    '''Doc.'''\n" + "".join(
        f"    {'if' if i == 0 else 'elif'} a == {i}:\n        return {i}\n" for i in range(8)
    )
    assert [f.value for f in findings(deep, rule="complexity.nesting")] == [5]
    assert findings(flat, rule="complexity.nesting") == []


def test_function_length_and_parameter_count() -> None:
    long_function = "def long(a, b, c, d, e, f):\n    '''Doc.'''\n" + "    a += 1\n" * 70 + "    return a\n"
    found = {f.rule: f.value for f in findings(long_function)}
    assert found["size.function-length"] == 73
    assert found["size.parameters"] == 6


def test_methods_do_not_count_self_and_static_methods_count_everything() -> None:
    code = """
        class Shape:
            '''Doc.'''

            def area(self, a, b, c, d, e):
                '''Doc.'''
                return a

            @staticmethod
            def build(a, b, c, d, e, f):
                '''Doc.'''
                return a
    """
    found = findings(code, rule="size.parameters")
    assert [(f.scope, f.value) for f in found] == [("Shape.build", 6)]


def test_missing_docstrings_only_for_public_api() -> None:
    code = """
        def public():
            return 1

        def _private():
            return 2

        class Thing:
            def method(self):
                return 3

            def __repr__(self):
                return "t"

            def _helper(self):
                def nested():
                    return 4
                return nested
    """
    found = sorted((f.rule, f.scope) for f in findings(code) if f.rule.startswith("documentation"))
    assert found == [
        ("documentation.class-docstring", "Thing"),
        ("documentation.function-docstring", "Thing.method"),
        ("documentation.function-docstring", "public"),
        ("documentation.module-docstring", ""),
    ]


def test_file_length_reported_for_a_long_new_file() -> None:
    code = '"""Doc."""\n' + "x = 1\n" * 1200
    found = findings(code, rule="size.file-length")
    assert [f.value for f in found] == [1201]


def test_low_maintainability_index_reported_when_the_change_makes_it_worse() -> None:
    simple = '"""Doc."""\n' + branchy("a", 2)
    complex_file = '"""Doc."""\n' + "".join(branchy(f"f{i}", 30) for i in range(8))
    assert findings(complex_file, base=simple, rule="maintainability.index")
    assert not findings(complex_file, base=complex_file + "\n# tidy\n", rule="maintainability.index")


def test_parse_error_is_a_finding_with_its_location_not_a_crash() -> None:
    found = findings('"""Doc."""\ndef broken(:\n    pass\n', rule="parse-error")
    assert len(found) == 1
    assert found[0].line == 2
    assert "line 2" in found[0].message


def test_inline_suppression_on_the_line() -> None:
    code = '"""M."""\nvalue = eval(text)  # toasty: ignore[security.eval]\nother = eval(text)\n'
    assert [f.line for f in findings(code, rule="security.eval")] == [3]


def test_suppression_by_dimension_and_bare_ignore() -> None:
    code = '"""M."""\nvalue = eval(text)  # toasty: ignore[security]\nother = eval(text)  # toasty: ignore\n'
    assert findings(code, rule="security.eval") == []


def test_suppression_of_function_level_finding_goes_on_the_def_line() -> None:
    on_def = branchy("decide", 12).replace("def decide(x):", "def decide(x):  # toasty: ignore[complexity.cyclomatic]")
    elsewhere = branchy("decide", 12).replace("return -1", "return -1  # toasty: ignore[complexity.cyclomatic]")
    assert findings(on_def, rule="complexity.cyclomatic") == []
    assert len(findings(elsewhere, rule="complexity.cyclomatic")) == 1


def test_suppression_of_another_rule_does_not_hide_this_one() -> None:
    code = '"""M."""\nvalue = eval(text)  # toasty: ignore[security.pickle]\n'
    assert len(findings(code, rule="security.eval")) == 1


def test_config_threshold_and_disable() -> None:
    code = branchy("decide", 12)
    assert not findings(code, config="rules:\n  complexity.cyclomatic: {threshold: 15}\n", rule="complexity.cyclomatic")
    assert not findings(code, config="rules:\n  complexity.cyclomatic: off\n", rule="complexity.cyclomatic")
    assert not findings(code, config="rules:\n  complexity: off\n", rule="complexity.cyclomatic")


def test_config_severity_is_applied_to_findings() -> None:
    found = findings('"""M."""\neval(x)\n', config="rules:\n  security.eval: minor\n", rule="security.eval")
    assert found[0].severity.value == "minor"


def test_assert_and_docstrings_are_relaxed_under_tests_by_default() -> None:
    code = "def test_it():\n    assert compute() == 3\n"
    assert rules_of(code, path="tests/test_compute.py") == set()
    assert {"reliability.assert", "documentation.function-docstring"} <= rules_of(code, path="src/compute.py")


def test_path_override_from_config() -> None:
    config = """
        overrides:
          - paths: ["legacy/"]
            rules:
              complexity.cyclomatic: {threshold: 30}
    """
    code = branchy("decide", 12)
    assert findings(code, path="legacy/old.py", config=config, rule="complexity.cyclomatic") == []
    assert findings(code, path="new/code.py", config=config, rule="complexity.cyclomatic")


def test_delivery_mode_from_config_is_carried_on_findings() -> None:
    found = findings('"""M."""\neval(x)\n', config="rules:\n  security.eval: {delivery: annotation}\n")
    assert [f.delivery for f in found] == ["annotation"]


def test_new_security_rules_report_only_changed_lines_with_stable_fingerprints() -> None:
    base = '"""M."""\nOLD_PASSWORD = "admin"\nos.system("make clean")\n'
    head = base + 'NEW_PASSWORD = "root"\nos.system("make " + target)\n'
    found = [f for f in findings(head, base=base) if f.rule.startswith("security.")]
    assert {(f.line, f.rule) for f in found} == {(4, "security.hardcoded-password"), (5, "security.shell-true")}
    moved = findings('"""M."""\n\n\n' + head.split("\n", 1)[1], base=None)
    same = {f.fingerprint for f in moved} & {f.fingerprint for f in found}
    assert len(same) == 2  # the same code further down keeps its identity
