#!/usr/bin/env bash
# Creates what oura-sync needs in AWS, once: the lake bucket (default encryption, public
# access blocked) and the ledger table (string keys pk/sk, on-demand). Safe to run again: it
# only creates what is missing and re-applies the bucket settings.
#
#   scripts/aws-bootstrap.sh BUCKET TABLE [REGION]
#
# Each argument may come from the environment instead: BUCKET from OURA_S3_BUCKET or the
# bucket of an s3:// OURA_DESTINATION, TABLE from OURA_DYNAMODB_TABLE, REGION from AWS_REGION
# or AWS_DEFAULT_REGION. OURA_S3_SSE=aws:kms (with OURA_S3_KMS_KEY_ID) makes the bucket's
# default encryption SSE-KMS; otherwise it is AES256. Needs the AWS CLI and credentials that
# may create buckets and tables (an admin, not the sync's own policy). AWS_ENDPOINT_URL is
# honoured by recent AWS CLIs, so this also runs against an S3/DynamoDB-compatible server.
set -euo pipefail

die() {
  echo "aws-bootstrap: $*" >&2
  exit 2
}

destination_bucket=""
if [[ "${OURA_DESTINATION:-}" == s3://* ]]; then
  destination_bucket="${OURA_DESTINATION#s3://}"
  destination_bucket="${destination_bucket%%/*}"
fi
bucket="${1:-${OURA_S3_BUCKET:-$destination_bucket}}"
table="${2:-${OURA_DYNAMODB_TABLE:-}}"
region="${3:-${AWS_REGION:-${AWS_DEFAULT_REGION:-}}}"
[ -n "$bucket" ] || die "no bucket: usage: $0 BUCKET TABLE [REGION] (or set OURA_DESTINATION=s3://BUCKET/PREFIX)"
[ -n "$table" ] || die "no table: usage: $0 BUCKET TABLE [REGION] (or set OURA_DYNAMODB_TABLE)"
[ -n "$region" ] || die "no region: pass it as the third argument or set AWS_REGION"
command -v aws >/dev/null 2>&1 || die "the AWS CLI (aws) is not installed"
export AWS_REGION="$region" AWS_DEFAULT_REGION="$region"

# 1. The bucket.
if head_error=$(aws s3api head-bucket --bucket "$bucket" 2>&1 >/dev/null); then
  echo "bucket $bucket exists"
elif [[ "$head_error" == *"403"* || "$head_error" == *"Forbidden"* ]]; then
  die "bucket $bucket exists but these credentials may not use it (or another account owns it); pick another name"
else
  if [ "$region" = "us-east-1" ]; then
    aws s3api create-bucket --bucket "$bucket" >/dev/null
  else
    aws s3api create-bucket --bucket "$bucket" \
      --create-bucket-configuration "LocationConstraint=$region" >/dev/null
  fi
  echo "bucket $bucket created in $region"
fi

# 2. Default encryption and no public access (re-applied on every run).
case "${OURA_S3_SSE:-AES256}" in
  AES256)
    rule='{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'
    ;;
  aws:kms)
    if [ -n "${OURA_S3_KMS_KEY_ID:-}" ]; then
      rule='{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"'"$OURA_S3_KMS_KEY_ID"'"},"BucketKeyEnabled":true}]}'
    else
      rule='{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]}'
    fi
    ;;
  *) die "OURA_S3_SSE must be AES256 or aws:kms" ;;
esac
aws s3api put-bucket-encryption --bucket "$bucket" --server-side-encryption-configuration "$rule"
aws s3api put-public-access-block --bucket "$bucket" --public-access-block-configuration \
  BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
echo "bucket $bucket: default encryption ${OURA_S3_SSE:-AES256}, public access blocked"

# 3. The ledger table.
if keys=$(aws dynamodb describe-table --table-name "$table" \
  --query 'Table.KeySchema[].[AttributeName,KeyType]' --output text 2>/dev/null); then
  [ "$(echo "$keys" | tr -s ' \t\n' ' ' | sed 's/ $//')" = "pk HASH sk RANGE" ] \
    || die "table $table exists with other keys ($keys); oura-sync needs string keys pk (HASH) and sk (RANGE)"
  echo "table $table exists"
else
  aws dynamodb create-table --table-name "$table" \
    --attribute-definitions AttributeName=pk,AttributeType=S AttributeName=sk,AttributeType=S \
    --key-schema AttributeName=pk,KeyType=HASH AttributeName=sk,KeyType=RANGE \
    --billing-mode PAY_PER_REQUEST >/dev/null
  aws dynamodb wait table-exists --table-name "$table"
  echo "table $table created"
fi

cat <<SETTINGS

Done. Next: attach scripts/iam-policy.json (with BUCKET=$bucket, TABLE=$table, REGION=$region
filled in) to the identity that runs the sync, and set:
  OURA_DESTINATION=s3://$bucket/oura
  OURA_DYNAMODB_TABLE=$table
  AWS_REGION=$region
SETTINGS
