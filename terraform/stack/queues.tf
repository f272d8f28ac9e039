# The same queue definitions as terraform/ and `labkit queues apply` (one source of truth),
# prefixed so this stack's queues never collide with the practical's.
module "queues" {
  source      = "../modules/queues"
  name_prefix = var.name_prefix
}
