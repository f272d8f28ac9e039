output "api_url" {
  description = "TaskOverflow's API behind the load balancer (try $api_url/api/v1/health)."
  value       = "http://${aws_lb.api.dns_name}"
}

output "ecr_repository_url" {
  description = "Where to push the image: docker push <this>:<image_tag>."
  value       = aws_ecr_repository.taskoverflow.repository_url
}

output "ical_url" {
  value = module.queues.ical_url
}

output "ical_dlq_url" {
  value = module.queues.ical_dlq_url
}

output "database_address" {
  value = aws_db_instance.database.address
}
