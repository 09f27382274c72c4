"""Sets up a private moto server for the IAM tests: the lake and silver buckets, the ledger
table (which also holds a login), and IAM users whose only rights are the project's policy files (placeholders filled in);
then turns on moto's IAM enforcement (POST /moto-api/reset-auth 0), so that every later request
is allowed or denied by those policies alone.

usage: iam_moto.py ENDPOINT SCRIPTS_DIR  -> prints {"user": {"id":..,"secret":..}, ...}
"""

import json
import pathlib
import sys
import urllib.request

import boto3

ENDPOINT, SCRIPTS = sys.argv[1], pathlib.Path(sys.argv[2])
REGION, ACCOUNT = "us-east-1", "123456789012"
LAKE, PREFIX, SILVER, SILVER_PREFIX, TABLE = "lake-iam", "oura", "silver-iam", "silver/oura", "ledger-iam"
# The login's secret (created by `tokens move`) and table (the ledger's, holding the login too).
SECRET_NAME, LOGIN_TABLE = "oura-login-iam", TABLE

session = boto3.session.Session(
    aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
)
s3 = session.client("s3", endpoint_url=ENDPOINT)
ddb = session.client("dynamodb", endpoint_url=ENDPOINT)
iam = session.client("iam", endpoint_url=ENDPOINT)

for bucket in (LAKE, SILVER):
    s3.create_bucket(Bucket=bucket)
ddb.create_table(
    TableName=TABLE,
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    AttributeDefinitions=[
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ],
    BillingMode="PAY_PER_REQUEST",
)


def policy(name):
    text = (SCRIPTS / name).read_text()
    for placeholder, value in [
        ("SILVER_BUCKET", SILVER),
        ("SILVER_PREFIX", SILVER_PREFIX),
        ("SECRET_NAME", SECRET_NAME),
        ("LOGIN_TABLE", LOGIN_TABLE),
        ("BUCKET", LAKE),
        ("PREFIX", PREFIX),
        ("REGION", REGION),
        ("ACCOUNT", ACCOUNT),
        ("TABLE", TABLE),
    ]:
        text = text.replace(placeholder, value)
    document = json.loads(text)
    # moto evaluates DynamoDB requests against the resource "*" only (its DynamoDB responses
    # name no resource), so a statement scoped to the table never matches there: widen those
    # statements' Resource for moto. Their actions are still checked one by one, and S3's
    # statements keep their exact bucket and prefix.
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        # Secrets Manager's requests are evaluated the same way.
        if all(a.startswith(("dynamodb:", "secretsmanager:")) for a in actions):
            statement["Resource"] = "*"
        # AWS authorizes HeadBucket with s3:ListBucket; moto asks for an action it calls
        # s3:HeadBucket, which no real policy names: grant it beside ListBucket, for moto.
        if "s3:ListBucket" in actions:
            statement["Action"] = actions + ["s3:HeadBucket"]
    return json.dumps(document)


users = {
    "lake_and_silver": ["iam-policy.json", "iam-policy-silver.json"],
    "lake_only": ["iam-policy.json"],
    "login_in_secret": ["iam-policy.json", "iam-policy-login-secretsmanager.json"],
    "login_in_table": ["iam-policy.json", "iam-policy-login-dynamodb.json"],
}
keys = {}
for user, files in users.items():
    iam.create_user(UserName=user)
    for number, name in enumerate(files):
        iam.put_user_policy(UserName=user, PolicyName=f"p{number}", PolicyDocument=policy(name))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    keys[user] = {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}

request = urllib.request.Request(
    f"{ENDPOINT}/moto-api/reset-auth",
    data=b"0",
    method="POST",
    # Flask reads a form body into its form, leaving moto nothing: say it is plain text.
    headers={"Content-Type": "text/plain"},
)
urllib.request.urlopen(request, timeout=10).read()
print(json.dumps(keys))
