// The last API answer: request line, status, and the backend's `detail` on a refusal.
import type { ApiAnswer } from "@/lib/tasks-api";

export function ApiResult({ answer, id }: { answer: ApiAnswer<unknown> | null; id: string }) {
  if (!answer) return null;
  return (
    <div id={id} className={answer.ok ? "result ok" : "result refused"}>
      <code className="request">
        {answer.method} {answer.path}
      </code>{" "}
      <strong className="status">{answer.status || "no answer"}</strong>
      {!answer.ok && (
        <p className="detail" role="alert">
          {answer.detail}
        </p>
      )}
    </div>
  );
}
