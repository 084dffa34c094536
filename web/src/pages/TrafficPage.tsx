import { type FormEvent, useCallback, useState } from 'react';
import {
  type ApiError,
  createQueue,
  createQueueRequest,
  listTraffic,
  listUsers,
  toApiError,
  type User,
} from '../api.ts';
import { navigate } from '../route.ts';
import { ErrorText, formatDate, Loading, PassBadge, useLoad } from '../ui.tsx';

/**
 * Captured serving traffic, newest first, with the feedback clients sent on each answer; admins can
 * send a model's answered requests to an annotation queue (POST /api/queues, source `traffic`).
 */

const limits = [50, 100, 500, 1000];

export function TrafficPage({ user }: { user: User }) {
  const [model, setModel] = useState('');
  const [limit, setLimit] = useState(100);
  const load = useCallback(() => listTraffic({ model: model || undefined, limit }), [model, limit]);
  const { data, error, loading } = useLoad(load, [load]);
  const traffic = data?.traffic ?? [];
  const [sending, setSending] = useState(false);
  return (
    <main className="page">
      <header className="page-head">
        <div>
          <h1>Traffic</h1>
          <p className="muted small">
            Requests <code>tailor serve</code> captured, newest first.
          </p>
        </div>
        {user.role === 'admin' && !sending && (
          <button
            type="button"
            className="primary"
            data-testid="traffic-to-queue"
            onClick={() => setSending(true)}
          >
            Send to a queue
          </button>
        )}
      </header>
      {user.role === 'admin' && sending && (
        <SendToQueue key={model} model={model} onCancel={() => setSending(false)} />
      )}
      <div className="filters">
        <label className="inline-field">
          <span>Model</span>
          <select
            data-testid="traffic-model"
            value={model}
            onChange={(event) => setModel(event.target.value)}
          >
            <option value="">All models</option>
            {(data?.models ?? []).map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>Show</span>
          <select
            data-testid="traffic-limit"
            value={limit}
            onChange={(event) => setLimit(Number(event.target.value))}
          >
            {limits.map((value) => (
              <option key={value} value={value}>
                latest {value}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small" role="status">
          {loading ? 'Loading…' : `${traffic.length} request${traffic.length === 1 ? '' : 's'}`}
        </span>
      </div>
      <ErrorText error={error} />
      {loading && !data && <Loading what="traffic" />}
      {data && traffic.length === 0 && (
        <p className="empty">No captured traffic{model ? ` for ${model}` : ''} yet.</p>
      )}
      {traffic.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Model</th>
              <th scope="col">Request</th>
              <th scope="col" className="num">
                Status
              </th>
              <th scope="col" className="num">
                Latency
              </th>
              <th scope="col" className="num">
                Tokens in / out
              </th>
              <th scope="col">Feedback</th>
            </tr>
          </thead>
          <tbody>
            {traffic.map((item) => (
              <tr key={item.id} data-testid="traffic-row" data-request-id={item.id}>
                <td className="small">
                  {formatDate(item.createdAt)}
                  <div className="muted mono">{item.id}</div>
                </td>
                <td className="small">{item.model}</td>
                <td className="small output-cell">{item.preview || <span className="muted">—</span>}</td>
                <td className="num">
                  <span className={item.status === 200 ? 'status-ok' : 'status-error'}>{item.status}</span>
                </td>
                <td className="num small">{Math.round(item.latencyMs)} ms</td>
                <td className="num small">
                  {item.inputTokens ?? '—'} / {item.outputTokens ?? '—'}
                </td>
                <td className="small">
                  {item.feedback ? (
                    <>
                      <PassBadge pass={item.feedback.pass} />
                      {item.feedback.score !== null && <span> score {item.feedback.score}</span>}
                      <div className="muted">{item.feedback.annotator}</div>
                    </>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

/** An annotation queue of the answered requests (of the chosen model, when one is chosen). */
function SendToQueue({ model, onCancel }: { model: string; onCancel: () => void }) {
  const users = useLoad(listUsers, []);
  const [name, setName] = useState(`Traffic${model ? ` from ${model}` : ''}`);
  const [annotators, setAnnotators] = useState<ReadonlySet<string>>(new Set());
  const [overlap, setOverlap] = useState('1');
  const [limit, setLimit] = useState('100');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const candidates = (users.data?.users ?? []).filter((person) => person.role === 'annotator');

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const checked = createQueueRequest.safeParse({
      name,
      source: { kind: 'traffic', ...(model ? { model } : {}) },
      annotators: candidates.map((person) => person.name).filter((person) => annotators.has(person)),
      overlap: Number(overlap),
      ...(limit.trim() === '' ? {} : { limit: Number(limit) }),
    });
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      setError(toApiError(new Error(`${issue.path.join('.') || 'request'}: ${issue.message}`)));
      return;
    }
    setBusy(true);
    try {
      const { queue } = await createQueue(checked.data);
      navigate({ page: 'queue', id: queue.id });
    } catch (failure) {
      setError(toApiError(failure));
      setBusy(false);
    }
  }

  return (
    <form className="card stack" onSubmit={submit} noValidate aria-label="Send traffic to a queue">
      <h2>Send {model ? `${model}'s` : 'all'} answered requests to a queue</h2>
      <ErrorText error={error ?? users.error} />
      <div className="inline-form">
        <label className="field grow">
          <span>Queue name</span>
          <input
            data-testid="traffic-queue-name"
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <label className="field">
          <span>Annotators per item</span>
          <input
            type="number"
            min={1}
            value={overlap}
            data-testid="traffic-queue-overlap"
            onChange={(event) => setOverlap(event.target.value)}
          />
        </label>
        <label className="field">
          <span>At most</span>
          <input
            type="number"
            min={1}
            max={10000}
            value={limit}
            placeholder="all"
            data-testid="traffic-queue-limit"
            onChange={(event) => setLimit(event.target.value)}
          />
        </label>
      </div>
      <fieldset className="field" data-testid="traffic-queue-annotators">
        <legend>Annotators</legend>
        {users.loading && !users.data && <Loading what="people" />}
        {users.data && candidates.length === 0 && (
          <p className="muted small">
            No annotators yet: add a person with the role “annotator” on the Admin page.
          </p>
        )}
        <div className="checkbox-list">
          {candidates.map((person) => (
            <label key={person.name} className="checkbox">
              <input
                type="checkbox"
                data-annotator={person.name}
                checked={annotators.has(person.name)}
                onChange={(event) =>
                  setAnnotators((current) => {
                    const next = new Set(current);
                    if (event.target.checked) next.add(person.name);
                    else next.delete(person.name);
                    return next;
                  })
                }
              />
              <span>{person.name}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <p className="muted small">
        Only requests answered with status 200 go in; a queue item keeps the request id, so feedback and
        expert labels on the same answer line up.
      </p>
      <div className="actions-row">
        <button type="submit" className="primary" data-testid="traffic-queue-submit" disabled={busy}>
          Create queue
        </button>
        <button type="button" className="ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
