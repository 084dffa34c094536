import {
  type Agreement,
  getQueue,
  listQueues,
  type QueueSource,
  type QueueSummary,
  type User,
} from '../api.ts';
import { href, navigate } from '../route.ts';
import { ErrorText, formatDate, formatScore, Loading, ProgressBar, useEvery, useLoad } from '../ui.tsx';

/** The queues a person may see, and one queue's overview: progress per annotator and agreement. */

export function describeSource(source: QueueSource): string {
  switch (source.kind) {
    case 'eval-run':
      return `eval run ${source.runId}${source.failuresOnly ? ' (failures only)' : ''}`;
    case 'dataset':
      return `dataset ${source.datasetId}`;
    case 'traffic':
      return source.model ? `traffic to ${source.model}` : 'captured traffic';
  }
}

function isAssigned(queue: QueueSummary, user: User): boolean {
  return queue.annotators.some((entry) => entry.annotator === user.name);
}

export function QueuesPage({ user }: { user: User }) {
  const { data, error, loading } = useLoad(listQueues, []);
  const queues = data?.queues ?? [];
  return (
    <main className="page">
      <header className="page-head">
        <h1>Queues</h1>
        {user.role === 'admin' && (
          <a className="button" href={href({ page: 'admin' })}>
            New queue
          </a>
        )}
      </header>
      <ErrorText error={error} />
      {loading && !data && <Loading what="queues" />}
      {data && queues.length === 0 && (
        <p className="empty">
          {user.role === 'annotator'
            ? 'No queues are assigned to you yet.'
            : user.role === 'admin'
              ? 'No queues yet. Create one from an eval run on the Admin page.'
              : 'No queues yet.'}
        </p>
      )}
      {queues.length > 0 && (
        <table className="table clickable">
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Source</th>
              <th scope="col" className="num">
                Items
              </th>
              <th scope="col" className="num">
                Overlap
              </th>
              <th scope="col">Progress</th>
              <th scope="col">{user.role === 'annotator' ? 'Yours' : 'Annotators'}</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {queues.map((queue) => {
              const mine = queue.annotators.find((entry) => entry.annotator === user.name);
              return (
                <tr
                  key={queue.id}
                  data-testid="queue-row"
                  data-queue-id={queue.id}
                  onClick={(event) => {
                    if ((event.target as HTMLElement).closest('a, button')) return;
                    navigate({ page: 'queue', id: queue.id });
                  }}
                >
                  <td>
                    <a href={href({ page: 'queue', id: queue.id })}>{queue.name}</a>
                  </td>
                  <td className="muted">{describeSource(queue.source)}</td>
                  <td className="num">{queue.items}</td>
                  <td className="num">{queue.overlap}</td>
                  <td>
                    <span className="progress-cell">
                      <ProgressBar
                        done={queue.labelled}
                        total={queue.required}
                        label={`${queue.name} progress`}
                      />
                      <span className="muted small">
                        {queue.labelled} / {queue.required}
                      </span>
                    </span>
                  </td>
                  <td>
                    {mine ? (
                      <span className="row-actions">
                        <span className="small">
                          {mine.labelled} / {mine.assigned}
                        </span>
                        {mine.labelled < mine.assigned && (
                          <a className="button small" href={href({ page: 'label', id: queue.id })}>
                            Label
                          </a>
                        )}
                      </span>
                    ) : (
                      <span className="muted small">
                        {queue.annotators.map((entry) => entry.annotator).join(', ')}
                      </span>
                    )}
                  </td>
                  <td className="muted small">{formatDate(queue.createdAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </main>
  );
}

export function QueuePage({ id, user }: { id: string; user: User }) {
  const { data, error, loading, reload } = useLoad(() => getQueue(id), [id]);
  // Progress and agreement follow the labels as they arrive, until every label is in.
  useEvery(5000, data !== undefined && data.queue.labelled < data.queue.required, reload);
  if (!data) {
    return (
      <main className="page">
        <p className="crumbs">
          <a href={href({ page: 'queues' })}>Queues</a>
        </p>
        <ErrorText error={error} />
        {loading && <Loading what="the queue" />}
      </main>
    );
  }
  const { queue, agreement } = data;
  return (
    <main className="page">
      <p className="crumbs">
        <a href={href({ page: 'queues' })}>Queues</a> / {queue.name}
      </p>
      <header className="page-head">
        <div>
          <h1>{queue.name}</h1>
          <p className="muted">
            {queue.items} items from {describeSource(queue.source)} · overlap {queue.overlap} · created by{' '}
            {queue.createdBy} {formatDate(queue.createdAt)}
          </p>
        </div>
        {isAssigned(queue, user) && (
          <button
            type="button"
            className="primary"
            data-testid="start-labelling"
            onClick={() => navigate({ page: 'label', id: queue.id })}
          >
            Start labelling
          </button>
        )}
      </header>
      <ErrorText error={error} />
      {queue.instructions.trim() !== '' && (
        <section className="card">
          <h2>Instructions</h2>
          <div className="instructions">{queue.instructions}</div>
        </section>
      )}
      <div className="two-col">
        <section className="card">
          <h2>Progress</h2>
          <p className="muted">
            {queue.labelled} of {queue.required} labels given
          </p>
          <table className="table" data-testid="annotator-progress">
            <thead>
              <tr>
                <th scope="col">Annotator</th>
                <th scope="col">Labelled</th>
                <th scope="col" className="num">
                  Assigned
                </th>
              </tr>
            </thead>
            <tbody>
              {queue.annotators.map((entry) => (
                <tr
                  key={entry.annotator}
                  data-testid="annotator-progress-row"
                  data-annotator={entry.annotator}
                >
                  <td>{entry.annotator}</td>
                  <td>
                    <span className="progress-cell">
                      <ProgressBar
                        done={entry.labelled}
                        total={entry.assigned}
                        label={`${entry.annotator} progress`}
                      />
                      <span className="small">{entry.labelled}</span>
                    </span>
                  </td>
                  <td className="num">{entry.assigned}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <AgreementCard agreement={agreement} />
      </div>
    </main>
  );
}

function AgreementCard({ agreement }: { agreement: Agreement }) {
  const none = 'not enough items with two labels yet';
  return (
    <section className="card" data-testid="agreement">
      <h2>Agreement</h2>
      <p className="muted">
        {agreement.overlappingItems} item{agreement.overlappingItems === 1 ? '' : 's'} labelled by two or more
        annotators
      </p>
      <dl className="stats">
        <div>
          <dt>Krippendorff α, pass/fail</dt>
          <dd data-testid="alpha-pass" title={agreement.alphaPass === null ? none : undefined}>
            {formatScore(agreement.alphaPass, 3)}
          </dd>
        </div>
        <div>
          <dt>Krippendorff α, score 1–5</dt>
          <dd data-testid="alpha-score" title={agreement.alphaScore === null ? none : undefined}>
            {formatScore(agreement.alphaScore, 3)}
          </dd>
        </div>
      </dl>
      {agreement.pairwiseKappa.length > 0 && (
        <table className="table">
          <caption>Cohen’s κ, per pair of annotators</caption>
          <thead>
            <tr>
              <th scope="col">Annotators</th>
              <th scope="col" className="num">
                Shared items
              </th>
              <th scope="col" className="num">
                κ
              </th>
            </tr>
          </thead>
          <tbody>
            {agreement.pairwiseKappa.map((pair) => (
              <tr key={`${pair.a}\u0000${pair.b}`}>
                <td>
                  {pair.a} · {pair.b}
                </td>
                <td className="num">{pair.items}</td>
                <td className="num" title={pair.kappa === null ? none : undefined}>
                  {formatScore(pair.kappa, 3)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {agreement.alphaPass === null && agreement.alphaScore === null && (
        <p className="muted small">Agreement appears once items have labels from at least two annotators.</p>
      )}
    </section>
  );
}
