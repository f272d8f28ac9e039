# The account's default VPC and its public subnets: enough for a lab, nothing to tear down.
data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}

resource "aws_security_group" "alb" {
  name        = "${var.name_prefix}alb"
  description = "HTTP from anywhere to the load balancer"
  vpc_id      = data.aws_vpc.default.id

  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# API and worker tasks: reachable only from the load balancer; outbound open (ECR, SQS, logs).
resource "aws_security_group" "tasks" {
  name        = "${var.name_prefix}tasks"
  description = "TaskOverflow containers"
  vpc_id      = data.aws_vpc.default.id

  ingress {
    from_port       = 6400
    to_port         = 6400
    protocol        = "tcp"
    security_groups = [aws_security_group.alb.id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# PostgreSQL: reachable only from the containers.
resource "aws_security_group" "database" {
  name        = "${var.name_prefix}database"
  description = "PostgreSQL from the TaskOverflow containers"
  vpc_id      = data.aws_vpc.default.id

  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.tasks.id]
  }
}
