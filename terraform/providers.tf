# Credentials, in the order the provider tries them:
#  1. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN in the environment;
#  2. the shared credentials files below. AWS Academy's Learner Lab gives short-lived keys under
#     "AWS Details -> AWS CLI": paste that [default] block into terraform/credentials (git-ignored).
provider "aws" {
  region                   = var.region
  shared_credentials_files = var.shared_credentials_files
  profile                  = var.profile

  default_tags {
    tags = {
      Project = "queue-lab"
    }
  }
}
