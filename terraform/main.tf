# The lab's queues on AWS: `terraform init && terraform apply` (see README.md).
# The same module is what `labkit queues apply terraform/` creates on the local SQS service.
module "queues" {
  source      = "./modules/queues"
  name_prefix = var.name_prefix
}
