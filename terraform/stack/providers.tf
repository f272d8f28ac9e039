# Same credential rules as ../providers.tf: environment variables, then the shared credentials files
# (AWS Academy Learner Lab: paste "AWS Details -> AWS CLI" into terraform/stack/credentials).
provider "aws" {
  region                   = var.region
  shared_credentials_files = var.shared_credentials_files
  profile                  = var.profile

  default_tags {
    tags = {
      Project = "queue-lab"
      Part    = "taskoverflow-stack"
    }
  }
}
