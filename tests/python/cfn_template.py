"""Checks the deploy template scripts/cloudformation/oura-sync.yaml: cfn-lint passes it (no error,
no warning), and, read with cfn-lint's own CloudFormation YAML decoder, it has what the README
promises: a provided.al2023 function whose architecture is a parameter (arm64, x86_64), no
wildcard action and no wildcard resource in any policy, an EventBridge Scheduler schedule with
its time zone, retries, a dead-letter queue for failed runs, and a log group with retention.

usage: cfn_template.py TEMPLATE  -> prints one JSON line {"env": [...], "ok": true}
"""

import json
import pathlib
import subprocess
import sys

from cfnlint.decode import decode

TEMPLATE = sys.argv[1]
# The venv's cfn-lint entry point, beside this interpreter.
CFN_LINT = str(pathlib.Path(sys.executable).parent / "cfn-lint")
lint = subprocess.run([CFN_LINT, TEMPLATE], capture_output=True, text=True)
assert lint.returncode == 0, f"cfn-lint: {lint.stdout}{lint.stderr}"

template, problems = decode(TEMPLATE)
assert not problems, problems
resources = template["Resources"]
params = template["Parameters"]


def of_type(kind):
    found = [r["Properties"] for r in resources.values() if r["Type"] == kind]
    assert len(found) == 1, (kind, len(found))
    return found[0]


function = of_type("AWS::Lambda::Function")
assert function["Runtime"] == "provided.al2023", function["Runtime"]
assert function["Architectures"] == [{"Ref": "Architecture"}], function["Architectures"]
assert params["Architecture"]["AllowedValues"] == ["arm64", "x86_64"]


def statements(node):
    """Every policy statement, through Fn::If branches."""
    if isinstance(node, dict):
        if "Effect" in node and "Action" in node:
            yield node
        for value in node.values():
            yield from statements(value)
    elif isinstance(node, list):
        for value in node:
            yield from statements(value)


found = 0
for role in (r for r in resources.values() if r["Type"] == "AWS::IAM::Role"):
    assert "ManagedPolicyArns" not in role["Properties"], "a managed policy grants too much"
    for policy in role["Properties"]["Policies"]:
        for st in statements(policy["PolicyDocument"]):
            found += 1
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            for action in actions:
                assert "*" not in action, f"wildcard action {action}"
            resource = st.get("Resource")
            assert resource not in (None, "*", ["*"]), f"wildcard resource in {st}"
assert found >= 8, found

schedule = of_type("AWS::Scheduler::Schedule")
assert schedule["ScheduleExpressionTimezone"] == {"Ref": "TimeZone"}
assert schedule["Target"]["RetryPolicy"]["MaximumRetryAttempts"] >= 1
assert "DeadLetterConfig" in schedule["Target"]
json.loads(schedule["Target"]["Input"])
invoke = of_type("AWS::Lambda::EventInvokeConfig")
assert "OnFailure" in invoke["DestinationConfig"]
of_type("AWS::SQS::Queue")
logs = of_type("AWS::Logs::LogGroup")
assert logs["RetentionInDays"] == {"Ref": "LogRetentionDays"}
assert function["LoggingConfig"]["LogGroup"] == {"Ref": "LogGroup"}

env = sorted(function["Environment"]["Variables"])
print(json.dumps({"env": env, "ok": True}))
