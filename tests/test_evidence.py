"""Checklist items answered from the repository: IAM wildcards, pinned runtimes, secrets in plain config."""

from __future__ import annotations

import pytest

from conftest import ROOT, write
from test_checklists import _item_lines, _report

TEMPLATE = """AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: handler.handler
      Runtime: {runtime}
      CodeUri: src/
      Environment:
        Variables:
          TABLE: !Ref Table
          WEBHOOK_SECRET: {secret}
      Policies:
        - Statement:
            - Effect: Allow
              Action: {action}
              Resource: {resource}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
"""
GOOD = dict(runtime="nodejs24.x", secret="!Sub '{{resolve:secretsmanager:s:SecretString}}'",
            action="dynamodb:PutItem", resource="!GetAtt Table.Arn")


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "src" / "handler.mjs", "export const handler = async () => ({});\n")
    return tmp_path


def _deploy(cli, repo, *extra):
    code, out, err = cli("checklist", "deploy", "--report", _report(repo, {}), *extra)
    assert code in (0, 1), err
    return code, _item_lines(out)


def test_a_wildcard_resource_is_flagged_with_its_line_and_strict_fails(cli, repo):
    write(repo / "template.yaml", TEMPLATE.format(**{**GOOD, "resource": '"*"'}))
    code, items = _deploy(cli, repo, "--strict")
    assert code == 1 and items["permissions"].startswith("- [ ] ❌")
    assert 'template.yaml:18: Resource "*" has no `# reason:` comment' in items["permissions"]
    assert _deploy(cli, repo)[0] == 0  # without --strict the checklist only reports


def test_a_template_without_wildcards_ticks_and_strict_passes(cli, repo):
    write(repo / "template.yaml", TEMPLATE.format(**GOOD))
    code, items = _deploy(cli, repo, "--strict")
    assert code == 0, items
    assert items["permissions"].startswith("- [x]") and "no wildcard Action or Resource" in items["permissions"]
    assert items["secret-storage"].startswith("- [x]")
    assert items["runtime-pinned"].startswith("- [x]") and "nodejs24.x" in items["runtime-pinned"]


def test_a_written_reason_answers_a_wildcard(cli, repo):
    text = TEMPLATE.format(**{**GOOD, "action": '"logs:*"  # reason: the log group is created by the runtime',
                              "resource": '"*"'}).replace("              Resource:",
                                                         "              # reason: log groups have no ARN yet\n"
                                                         "              Resource:")
    write(repo / "template.yaml", text)
    items = _deploy(cli, repo)[1]
    assert items["permissions"].startswith("- [x]") and "2 wildcard(s)" in items["permissions"]


def test_a_wildcard_action_is_flagged(cli, repo):
    write(repo / "template.yaml", TEMPLATE.format(**{**GOOD, "action": "[dynamodb:GetItem, 'dynamodb:*']"}))
    assert 'Action "dynamodb:*"' in _deploy(cli, repo)[1]["permissions"]


def test_a_retired_runtime_is_flagged_by_cfn_lint(cli, repo):
    write(repo / "template.yaml", TEMPLATE.format(**{**GOOD, "runtime": "nodejs16.x"}))
    item = _deploy(cli, repo)[1]["runtime-pinned"]
    assert item.startswith("- [ ] ❌") and "template.yaml:8:" in item and "cfn-lint W2531" in item


def test_a_function_without_a_runtime_is_flagged(cli, repo):
    write(repo / "template.yaml", TEMPLATE.format(**GOOD).replace("      Runtime: nodejs24.x\n", ""))
    assert "Fn names no Runtime" in _deploy(cli, repo)[1]["runtime-pinned"]


def test_a_literal_secret_in_the_template_is_flagged(cli, repo):
    write(repo / "template.yaml", TEMPLATE.format(**{**GOOD, "secret": "hunter2-real-value"}))
    item = _deploy(cli, repo)[1]["secret-storage"]
    assert item.startswith("- [ ] ❌") and "template.yaml:13: WEBHOOK_SECRET is a literal" in item


def test_wrangler_vars_and_compatibility_date(cli, repo):
    write(repo / "wrangler.jsonc", '{\n  // config\n  "name": "w",\n  "main": "src/handler.mjs",\n'
                                   '  "vars": {"API_TOKEN": "abc", "MODE": "live"},\n}\n')
    items = _deploy(cli, repo)[1]
    secrets = items["secret-storage"]
    assert secrets.startswith("- [ ] ❌") and "wrangler.jsonc:5: vars.API_TOKEN" in secrets
    assert "MODE" not in items["secret-storage"]
    assert items["runtime-pinned"].startswith("- [ ] ❌") and "no compatibility_date" in items["runtime-pinned"]
    items = _deploy(cli, repo, "--wrangler", ROOT / "reference/workers/wrangler.jsonc")[1]
    assert items["runtime-pinned"].startswith("- [x]") and items["secret-storage"].startswith("- [x]")


def test_without_a_template_the_items_stay_with_a_person(cli, repo):
    items = _deploy(cli, repo)[1]
    assert all(items[i].startswith("- [ ] 🧑") for i in ("permissions", "runtime-pinned", "secret-storage"))


def test_the_reference_template_ticks(cli, repo):
    items = _deploy(cli, repo, "--template", ROOT / "reference/lambda-node/template.yaml")[1]
    assert all(items[i].startswith("- [x]") for i in ("permissions", "runtime-pinned", "secret-storage")), items


def test_an_unreadable_template_is_flagged_in_one_line(cli, repo):
    write(repo / "template.yaml", "Resources: [unclosed\n")
    code, out, err = cli("checklist", "deploy", "--report", _report(repo, {}), "--strict")
    assert code == 1 and "cannot read it" in _item_lines(out)["permissions"] and "Traceback" not in err
    code, _, err = cli("checklist", "deploy", "--template", repo / "nope.yaml")
    assert code == 2 and "no such file" in err
