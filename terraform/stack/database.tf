# Job state lives here, not in the queue: SQS only carries "please build calendar N"; the
# calendar_jobs table answers "is my job done?" (see docs/deploying.md).
resource "aws_db_instance" "database" {
  identifier             = "${var.name_prefix}db"
  engine                 = "postgres"
  engine_version         = "17"
  instance_class         = var.db_instance_class
  allocated_storage      = 20
  db_name                = var.db_name
  username               = var.db_username
  password               = var.db_password
  vpc_security_group_ids = [aws_security_group.database.id]
  publicly_accessible    = false
  skip_final_snapshot    = true
  apply_immediately      = true
}

locals {
  database_url = "postgresql+asyncpg://${var.db_username}:${var.db_password}@${aws_db_instance.database.address}:${aws_db_instance.database.port}/${var.db_name}"
}
