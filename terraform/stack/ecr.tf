# Push the image built from the repository's Dockerfile here (README.md has the commands).
resource "aws_ecr_repository" "taskoverflow" {
  name                 = "${var.name_prefix}app"
  image_tag_mutability = "MUTABLE"
  force_delete         = true
}
