"use client";
// The signed-in user's tasks, from the FastAPI origin through jwtgate: list, add, complete,
// delete. And a probe: another user's path, which the gate refuses with 403.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { tasksOf, type ApiAnswer, type Task } from "@/lib/tasks-api";
import { ApiResult } from "./api-result";

export function Tasks({ userId }: { userId: string }) {
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [last, setLast] = useState<ApiAnswer<unknown> | null>(null);
  const [probe, setProbe] = useState<ApiAnswer<unknown> | null>(null);
  const api = tasksOf(userId);

  const reload = useCallback(async () => {
    const answer = await tasksOf(userId).list();
    if (answer.ok) setTasks(answer.data.tasks);
    else setLast(answer);
  }, [userId]);
  useEffect(() => {
    void reload();
  }, [reload]);

  async function run(answer: Promise<ApiAnswer<unknown>>) {
    const done = await answer;
    setLast(done);
    if (done.ok) await reload();
  }

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = event.currentTarget.elements.namedItem("title") as HTMLInputElement;
    const title = input.value.trim();
    if (!title) return;
    input.value = "";
    await run(api.create(title));
  }

  async function tryOther(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const other = (event.currentTarget.elements.namedItem("other") as HTMLInputElement).value.trim();
    setProbe(await tasksOf(other || "someone-else").list());
  }

  return (
    <>
      <section className="card">
        <h2>Your tasks</h2>
        <form id="new-task" className="row" onSubmit={add}>
          <input name="title" placeholder="What needs doing?" aria-label="New task" required maxLength={200} />
          <button type="submit">Add</button>
        </form>
        {tasks === null ? (
          last?.ok === false ? null : <p className="muted">Loading…</p>
        ) : tasks.length === 0 ? (
          <p id="no-tasks" className="muted">No tasks yet.</p>
        ) : (
          <ul id="tasks">
            {tasks.map((task) => (
              <li key={task.id} data-task-id={task.id} className={task.completed ? "done" : undefined}>
                <label>
                  <input type="checkbox" checked={task.completed} aria-label={`Complete ${task.title}`}
                    onChange={(e) => run(api.setCompleted(task.id, e.currentTarget.checked))} />
                  <span className="title">{task.title}</span>
                </label>
                <button type="button" className="link danger" aria-label={`Delete ${task.title}`}
                  onClick={() => run(api.remove(task.id))}>
                  Delete
                </button>
              </li>
            ))}
          </ul>
        )}
        <ApiResult id="last-call" answer={last} />
        <p className="muted small">
          <code>{api.path}</code> → jwtgate → FastAPI origin, authenticated by your Better Auth session (its cookies, or a token in bearer mode).
        </p>
      </section>

      <section className="card">
        <h2>Someone else&apos;s tasks?</h2>
        <p className="muted">Your token only opens your own path. Try another user&apos;s id:</p>
        <form id="probe" className="row" onSubmit={tryOther}>
          <input name="other" defaultValue="someone-else" aria-label="Another user's id" />
          <button type="submit">Load their tasks</button>
        </form>
        <ApiResult id="probe-result" answer={probe} />
      </section>
    </>
  );
}
