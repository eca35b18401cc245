# Written by awsorg (terraform.handoff). Remove this line to take the file over; awsorg then leaves it alone.

resource "aws_s3_bucket" "state" {
  provider = aws.shared_services
  bucket   = "example-tfstate-change-me"

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "state" {
  provider = aws.shared_services
  bucket   = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  provider = aws.shared_services
  bucket   = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  provider                = aws.shared_services
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  provider = aws.shared_services
  bucket   = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  provider = aws.shared_services
  bucket   = aws_s3_bucket.state.id

  rule {
    id     = "awsorg-expire-noncurrent-versions"
    status = "Enabled"

    filter {
      prefix = ""
    }

    noncurrent_version_expiration {
      noncurrent_days = 90
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  provider = aws.shared_services
  bucket   = aws_s3_bucket.state.id
  policy   = file("${path.module}/policies/state_bucket_policy.json")
}

resource "aws_dynamodb_table" "lock" {
  provider                    = aws.shared_services
  name                        = "example-tf-locks"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "LockID"
  deletion_protection_enabled = true

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  tags = {
    "awsorg:managed-by" = "awsorg"
  }

  lifecycle {
    prevent_destroy = true
  }
}
