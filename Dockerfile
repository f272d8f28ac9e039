# One image for every Queue Lab container: the local SQS service, TaskOverflow's API and worker,
# and JupyterLab with the notebooks. docker-compose.yml picks the command; on AWS the ECS task
# definitions in terraform/stack/ run the same image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LAB_DIR=/home/lab/.lab

WORKDIR /app

# Dependencies first (pinned in pyproject.toml), so code edits do not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib, pathlib; deps = tomllib.loads(pathlib.Path('pyproject.toml').read_text())['project']['dependencies']; pathlib.Path('/tmp/requirements.txt').write_text(chr(10).join(deps))" \
    && pip install -r /tmp/requirements.txt

COPY labkit ./labkit
COPY backend ./backend
# A normal install: TaskOverflow (the API and worker) is a package and needs nothing of /app at
# run time; its queues are made by the `queues` service (compose) or Terraform (AWS).
RUN pip install --no-deps . \
    && useradd --create-home --uid 1000 lab
# The lab's tooling and lessons: labkit runs from this checkout (PYTHONPATH), where it finds
# terraform/ and notebooks/ beside its sources (labkit.config.project_root).
COPY terraform ./terraform
COPY notebooks ./notebooks
ENV PYTHONPATH=/app
RUN chown -R lab /app

USER lab
EXPOSE 6400 9324 8888

CMD ["taskoverflow", "serve", "--host", "0.0.0.0", "--port", "6400"]
