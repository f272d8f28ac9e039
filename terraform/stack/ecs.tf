# Two ECS Fargate services from one image: the API behind the load balancer, and the calendar
# workers long-polling the ical queue. Both read the same settings; neither holds AWS keys.

resource "aws_ecs_cluster" "taskoverflow" {
  name = "${var.name_prefix}cluster"
}

resource "aws_cloudwatch_log_group" "taskoverflow" {
  name              = "/ecs/${var.name_prefix}app"
  retention_in_days = 7
}

locals {
  image = "${aws_ecr_repository.taskoverflow.repository_url}:${var.image_tag}"

  # The names the application reads from its environment (docs/deploying.md).
  app_environment = [
    { name = "DATABASE_URL", value = local.database_url },
    { name = "JOB_TRANSPORT", value = "sqs" },
    { name = "SQS_ICAL_QUEUE", value = module.queues.ical_url },
    { name = "AWS_REGION", value = var.region },
    { name = "ICAL_DELAY_SECONDS", value = tostring(var.ical_delay_seconds) },
  ]

  log_configuration = {
    logDriver = "awslogs"
    options = {
      awslogs-group         = aws_cloudwatch_log_group.taskoverflow.name
      awslogs-region        = var.region
      awslogs-stream-prefix = "taskoverflow"
    }
  }
}

resource "aws_ecs_task_definition" "api" {
  family                   = "${var.name_prefix}api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 512
  memory                   = 1024
  task_role_arn            = local.task_role_arn
  execution_role_arn       = local.execution_role_arn

  container_definitions = jsonencode([
    {
      name             = "api"
      image            = local.image
      essential        = true
      command          = ["taskoverflow", "serve", "--host", "0.0.0.0", "--port", "6400"]
      environment      = local.app_environment
      portMappings     = [{ containerPort = 6400, protocol = "tcp" }]
      logConfiguration = local.log_configuration
    }
  ])
}

resource "aws_ecs_task_definition" "worker" {
  family                   = "${var.name_prefix}worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  task_role_arn            = local.task_role_arn
  execution_role_arn       = local.execution_role_arn

  container_definitions = jsonencode([
    {
      name             = "worker"
      image            = local.image
      essential        = true
      command          = ["taskoverflow", "worker"]
      environment      = local.app_environment
      logConfiguration = local.log_configuration
    }
  ])
}

resource "aws_ecs_service" "api" {
  name            = "${var.name_prefix}api"
  cluster         = aws_ecs_cluster.taskoverflow.id
  task_definition = aws_ecs_task_definition.api.arn
  desired_count   = var.api_desired_count
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = data.aws_subnets.default.ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = true
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 6400
  }

  depends_on = [aws_lb_listener.http]
}

resource "aws_ecs_service" "worker" {
  name            = "${var.name_prefix}worker"
  cluster         = aws_ecs_cluster.taskoverflow.id
  task_definition = aws_ecs_task_definition.worker.arn
  desired_count   = var.worker_desired_count
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = data.aws_subnets.default.ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = true
  }
}
