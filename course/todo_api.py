"""The course's TaskOverflow todo API as the course wrote it: Flask + Flask-SQLAlchemy, sync.

Kept so `benchmarks/load_api.py` can race our Quart rebuild against the stack a student starts
from, served the course's way: `gunicorn -w 2 'course.todo_api:create_app()'` (2 sync workers).
Same contract as ours (docs/taskoverflow.md): `/api/v1/health`, `GET/POST /api/v1/todos` (`?completed`,
`?window`), `GET/PUT/DELETE /api/v1/todos/<id>`. Like the course's code it trusts its input
beyond the key checks (a wrong type is the database's problem): only the contract is copied, not
our stricter validation.

The database comes from `SQLALCHEMY_DATABASE_URI`, as in the course's docker-compose file
(`sqlite:///…` by default, `postgresql://…` for PostgreSQL through psycopg, SQLAlchemy 2.1's default driver).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from flask import Blueprint, Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
api = Blueprint("api", __name__, url_prefix="/api/v1")

ALLOWED_KEYS = {"title", "description", "completed", "deadline_at"}


class Todo(db.Model):
    __tablename__ = "todos"

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(80), nullable=False)
    description = db.Column(db.String(120), nullable=True)
    completed = db.Column(db.Boolean, nullable=False, default=False)
    deadline_at = db.Column(db.DateTime, nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=datetime.utcnow)
    updated_at = db.Column(
        db.DateTime, nullable=False, default=datetime.utcnow, onupdate=datetime.utcnow
    )

    def to_dict(self) -> dict:
        def iso(value: datetime | None) -> str | None:
            return value.replace(microsecond=0).isoformat() if value else None

        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "completed": self.completed,
            "deadline_at": iso(self.deadline_at),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@api.route("/health")
def health():
    return jsonify({"status": "ok"})


@api.route("/todos", methods=["GET"])
def get_todos():
    query = Todo.query.order_by(Todo.id)
    completed = request.args.get("completed")
    if completed is not None:
        query = query.filter_by(completed=completed == "true")
    window = request.args.get("window")
    if window is not None:
        horizon = datetime.utcnow() + timedelta(days=int(window))
        query = query.filter(Todo.deadline_at <= horizon)
    return jsonify([todo.to_dict() for todo in query.all()])


@api.route("/todos/<int:todo_id>", methods=["GET"])
def get_todo(todo_id: int):
    todo = db.session.get(Todo, todo_id)
    if todo is None:
        return jsonify({"error": "Todo not found"}), 404
    return jsonify(todo.to_dict())


@api.route("/todos", methods=["POST"])
def create_todo():
    body = request.json
    if not set(body.keys()).issubset(ALLOWED_KEYS):
        return jsonify({"error": "Invalid fields in request"}), 400
    if "title" not in body:
        return jsonify({"error": "Missing title"}), 400
    todo = Todo(
        title=body.get("title"),
        description=body.get("description"),
        completed=body.get("completed", False),
    )
    if "deadline_at" in body and body["deadline_at"] is not None:
        todo.deadline_at = datetime.fromisoformat(body["deadline_at"])
    db.session.add(todo)
    db.session.commit()
    return jsonify(todo.to_dict()), 201


@api.route("/todos/<int:todo_id>", methods=["PUT"])
def update_todo(todo_id: int):
    body = request.json
    if not set(body.keys()).issubset(ALLOWED_KEYS):
        return jsonify({"error": "Invalid fields in request"}), 400
    todo = db.session.get(Todo, todo_id)
    if todo is None:
        return jsonify({"error": "Todo not found"}), 404
    todo.title = body.get("title", todo.title)
    todo.description = body.get("description", todo.description)
    todo.completed = body.get("completed", todo.completed)
    if "deadline_at" in body:
        deadline = body["deadline_at"]
        todo.deadline_at = datetime.fromisoformat(deadline) if deadline else None
    db.session.commit()
    return jsonify(todo.to_dict())


@api.route("/todos/<int:todo_id>", methods=["DELETE"])
def delete_todo(todo_id: int):
    todo = db.session.get(Todo, todo_id)
    if todo is None:
        return jsonify({}), 200
    db.session.delete(todo)
    db.session.commit()
    return jsonify(todo.to_dict()), 200


def create_app(config_overrides: dict | None = None) -> Flask:
    """The course's app factory: config, the extension, the blueprint, `create_all`."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
        "SQLALCHEMY_DATABASE_URI", "sqlite:///db.sqlite"
    )
    if config_overrides:
        app.config.update(config_overrides)
    db.init_app(app)
    with app.app_context():
        db.create_all()
    app.register_blueprint(api)
    return app
