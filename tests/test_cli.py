"""The CLI's contract with its users: exit codes, one-line errors, report files."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from conftest import DATA, ROOT, write
from fnproof.conformance.checks.registry import select

REFERENCE = ROOT / "reference/lambda-node/index.mjs"


def one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("fnproof: error: ") and "Traceback" not in err
    for needle in needles:
        assert needle in err


def test_missing_file(cli, tmp_path):
    code, _, err = cli("check", tmp_path / "nope.mjs")
    one_line_error(code, err, "nope.mjs", "no such file")


@pytest.mark.runtime
def test_no_handler_export(cli, tmp_path):
    path = write(tmp_path / "h.mjs", "export const main = async () => ({ statusCode: 200 });\n")
    code, _, err = cli("check", path)
    one_line_error(code, err, str(path), "no function export named 'handler'", "main")


@pytest.mark.runtime
def test_named_export_is_honoured(cli, tmp_path):
    path = write(tmp_path / "h.mjs", "export const main = async () => ({ statusCode: 200, body: '{}' });\n")
    code, out, _ = cli("check", f"{path}:main", "--check", "accepts-valid-order")
    assert code == 1 and "FAIL accepts-valid-order" in out  # loaded and ran, and is wrong


@pytest.mark.runtime
def test_syntax_error_points_at_the_line(cli, tmp_path):
    path = write(tmp_path / "h.mjs", "export const handler = async () => {\n  return {\n")
    code, _, err = cli("check", path)
    one_line_error(code, err, f"{path}:3", "SyntaxError")


def test_unknown_check_id(cli):
    code, _, err = cli("check", REFERENCE, "--check", "no-such-check")
    one_line_error(code, err, "unknown check id 'no-such-check'")


def test_bad_option_value(cli):
    code, _, err = cli("check", REFERENCE, "--profile", "gold")
    one_line_error(code, err, "invalid choice")


def test_report_folder_must_exist_and_nothing_runs(cli, tmp_path):
    code, out, err = cli("check", REFERENCE, "--report-json", tmp_path / "no" / "r.json")
    one_line_error(code, err, "folder for the report does not exist")
    assert out == ""


@pytest.mark.runtime
def test_a_handler_throwing_at_import_fails_every_check_not_the_kit(cli, tmp_path):
    # The standard profile has the log checks, which must not pass on silence from a module that never ran.
    path = write(tmp_path / "h.mjs", "throw new Error('config missing');\nexport const handler = () => 1;\n")
    code, out, _ = cli("check", path, "--profile", "standard")
    assert code == 1 and out.count("FAIL") == len(select("standard")) and "config missing" in out
    assert "PASS" not in out


@pytest.mark.runtime
def test_reports_are_written_and_valid(cli, tmp_path):
    report, junit = tmp_path / "r.json", tmp_path / "r.xml"
    code, out, _ = cli("check", DATA / "hostile/handler.mjs", "--profile", "seed", "--report-json", report,
                       "--junit", junit)
    assert code == 1
    data = json.loads(report.read_text())
    jsonschema.validate(data, json.loads((ROOT / "conformance/schemas/report.schema.json").read_text()))
    assert [c["id"] for c in data["checks"]][:2] == ["missing-key-400", "accepts-valid-order"]
    assert data["summary"]["failed"] == sum(c["outcome"] == "failed" for c in data["checks"]) > 0
    cases = ET.parse(junit).getroot().findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == [c["id"] for c in data["checks"]]
    assert sum(c.find("failure") is not None for c in cases) == data["summary"]["failed"]
    assert "checks:" in out.splitlines()[-1]


@pytest.mark.parametrize("argv", [["--version"]])
def test_version(cli, argv):
    with pytest.raises(SystemExit) as info:
        cli(*argv)
    assert info.value.code == 0


@pytest.mark.parametrize(("argv", "absent"), [
    (["--version"], ["fnproof.conformance", "jsonschema", "yaml"]),
    (["check", "--help"], ["fnproof.eval.run", "fnproof.prompts.catalog", "anthropic", "moto"]),
])
def test_start_up_imports_only_what_the_command_needs(argv, absent):
    code = (f"import sys\nfrom fnproof.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert [name for name in absent if name in loaded] == []
