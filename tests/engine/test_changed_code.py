"""Only changed code is judged, and fingerprints survive pushes that move code around."""

from __future__ import annotations

from tests.engine.helpers import branchy, findings, grade_text

LEGACY = '"""Legacy module."""\n' + branchy("legacy", 15) + "\n" + "def helper():\n    '''Doc.'''\n    return 1\n"


def test_untouched_complex_function_is_not_blamed_on_the_change() -> None:
    head = LEGACY.replace("return 1\n", "return 2\n")  # only helper changed
    assert findings(head, base=LEGACY, rule="complexity.cyclomatic") == []


def test_touched_function_that_got_worse_is_reported_with_its_old_value() -> None:
    head = LEGACY.replace("    return -1\n", "    if x == 99:\n        return 99\n    return -1\n")
    (finding,) = findings(head, base=LEGACY, rule="complexity.cyclomatic")
    assert (finding.scope, finding.value) == ("legacy", 17)
    assert "It was 16 before this change" in finding.message


def test_touched_function_that_did_not_get_worse_is_not_reported() -> None:
    head = LEGACY.replace("return 0\n", "return 0  # zero\n")
    assert "# zero" in head
    assert findings(head, base=LEGACY, rule="complexity.cyclomatic") == []


def test_line_findings_only_on_changed_lines() -> None:
    base = '"""M."""\nold = eval(a)\n'
    head = base + "new = eval(b)\n"
    assert [f.line for f in findings(head, base=base, rule="security.eval")] == [3]


def test_module_docstring_only_when_the_change_removes_it_or_the_file_is_new() -> None:
    base = "def f():\n    '''D.'''\n    return 1\n"
    assert findings(base + "x = 1\n", base=base, rule="documentation.module-docstring") == []
    assert findings(base, rule="documentation.module-docstring")


def test_fingerprints_survive_code_moving_down() -> None:
    code = '"""M."""\nimport os\n\n\ndef run(cmd):\n    """Run."""\n    return os.system(cmd + "x")\n'
    moved = code.replace("import os\n", "import os\nimport sys\n\n\ndef other():\n    '''Other.'''\n    return sys\n")
    first = findings(code, rule="security.shell-true")
    second = findings(moved, rule="security.shell-true")
    assert first[0].line != second[0].line
    assert first[0].fingerprint == second[0].fingerprint


def test_fingerprints_differ_for_the_same_code_in_two_functions_and_twice_in_one() -> None:
    code = '"""M."""\n' + "".join(
        f"def f{i}(x):\n    '''D.'''\n    a = eval(x)\n    b = eval(x)\n    return a, b\n" for i in range(2)
    )
    prints = [f.fingerprint for f in findings(code, rule="security.eval")]
    assert len(prints) == len(set(prints)) == 4


def test_fingerprint_survives_a_push_that_changes_the_function_body() -> None:
    before = branchy("decide", 12)
    after = before.replace("return 3\n", "return 33\n")
    assert (
        findings(before, rule="complexity.cyclomatic")[0].fingerprint
        == findings(after, rule="complexity.cyclomatic")[0].fingerprint
    )


def test_grade_json_is_stable_and_round_trips() -> None:
    head = '"""M."""\nvalue = eval(text)\n' + branchy("decide", 12)
    first, second = grade_text(head), grade_text(head)
    assert first.model_dump_json() == second.model_dump_json()
    assert type(first).model_validate_json(first.model_dump_json()) == first


def test_whole_file_figures_before_and_after() -> None:
    base = '"""M."""\n' + branchy("small", 2)
    head = base + branchy("bigger", 20)
    (file,) = grade_text(head, base=base).files
    assert file.metrics["lines"].before == 8
    assert file.metrics["lines"].after == 51
    assert file.metrics["maintainability"].after < file.metrics["maintainability"].before
    assert file.metrics["complexity"].delta == 20  # the new function's 20 decisions
