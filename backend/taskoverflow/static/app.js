// TaskOverflow UI: plain JS over the JSON API. User text is only ever set with textContent.
"use strict";

const API = "/api/v1";
const $ = (id) => document.getElementById(id);

function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, init);
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : null;
  if (!response.ok) {
    throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
  }
  return data;
}

function renderTodo(todo) {
  const li = document.createElement("li");
  li.className = "todo" + (todo.completed ? " done" : "");
  li.dataset.testid = "todo-item";
  li.dataset.todoId = String(todo.id);

  const box = document.createElement("input");
  box.type = "checkbox";
  box.className = "todo-complete";
  box.dataset.testid = "todo-complete";
  box.setAttribute("aria-label", "Completed");
  box.checked = todo.completed;
  li.append(box);

  const title = document.createElement("span");
  title.className = "todo-title";
  title.dataset.testid = "todo-title-text";
  title.textContent = todo.title;
  li.append(title);

  if (todo.description) {
    const d = document.createElement("span");
    d.className = "todo-description";
    d.dataset.testid = "todo-description-text";
    d.textContent = todo.description;
    li.append(d);
  }
  if (todo.deadline_at) {
    const t = document.createElement("time");
    t.className = "todo-deadline";
    t.dataset.testid = "todo-deadline-text";
    t.textContent = todo.deadline_at;
    li.append(t);
  }
  const del = document.createElement("button");
  del.type = "button";
  del.className = "todo-delete";
  del.dataset.testid = "todo-delete";
  del.textContent = "Delete";
  li.append(del);
  return li;
}

function renderList(todos) {
  const list = $("todo-list");
  list.replaceChildren(...todos.map(renderTodo));
  $("todo-empty").hidden = todos.length > 0;
}

async function refresh() {
  renderList(await api("GET", "/todos"));
}

$("todo-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { title: $("todo-title").value };
  const description = $("todo-description").value;
  if (description) body.description = description;
  const deadline = $("todo-deadline").value;
  if (deadline) body.deadline_at = deadline.length === 16 ? deadline + ":00" : deadline;
  try {
    await api("POST", "/todos", body);
    $("todo-form").reset();
    showError("");
    await refresh();
  } catch (err) {
    showError(err.message);
  }
});

$("todo-list").addEventListener("click", async (event) => {
  const item = event.target.closest("li[data-todo-id]");
  if (!item) return;
  const id = item.dataset.todoId;
  try {
    if (event.target.classList.contains("todo-complete")) {
      await api("PUT", `/todos/${id}`, { completed: event.target.checked });
    } else if (event.target.classList.contains("todo-delete")) {
      await api("DELETE", `/todos/${id}`);
    } else {
      return;
    }
    showError("");
    await refresh();
  } catch (err) {
    showError(err.message);
  }
});

let polling = null;

function setJobStatus(text, status) {
  const el = $("ical-status");
  el.textContent = text;
  if (status) el.dataset.status = status; else delete el.dataset.status;
}

async function poll(taskUrl) {
  try {
    const job = await (await fetch(taskUrl)).json();
    if (job.error) throw new Error(job.error);
    setJobStatus(job.task_status + (job.reason ? ` (${job.reason})` : ""), job.task_status);
    if (job.task_status === "SUCCESS") {
      const link = $("ical-download");
      link.href = job.result_url;
      link.hidden = false;
    }
    if (job.task_status === "SUCCESS" || job.task_status === "FAILURE") {
      clearInterval(polling);
      polling = null;
      $("ical-generate").disabled = false;
    }
  } catch (err) {
    setJobStatus("error: " + err.message, "FAILURE");
    clearInterval(polling);
    polling = null;
    $("ical-generate").disabled = false;
  }
}

$("ical-generate").addEventListener("click", async () => {
  $("ical-download").hidden = true;
  $("ical-generate").disabled = true;
  try {
    const task = await api("POST", "/todos/ical");
    setJobStatus("PENDING", "PENDING");
    $("ical-status").dataset.taskId = task.task_id;
    polling = setInterval(() => poll(task.task_url), 500);
    await poll(task.task_url);
  } catch (err) {
    setJobStatus("error: " + err.message, "FAILURE");
    $("ical-generate").disabled = false;
  }
});
