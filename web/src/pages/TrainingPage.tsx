import { useCallback } from 'react';
import { type ConsistencyView, getTrainingRun, listTrainingRuns, type TrainingRunSummary } from '../api.ts';
import { LineChart, type Series, seriesColour } from '../chart.tsx';
import { href, navigate } from '../route.ts';
import {
  ErrorText,
  formatDate,
  formatDuration,
  formatScore,
  Loading,
  StatusBadge,
  useEvery,
  useLoad,
} from '../ui.tsx';

/**
 * Training runs: the list (method, base, status, the specialist each produced) and one run with its
 * curves: loss per step, validation per evaluation, GRPO's reward per grader and its reward-hacking
 * monitor, and the llama.cpp consistency check. A running run's page re-fetches every 5 s.
 */

const refreshMs = 5000;

function bestValidation(run: TrainingRunSummary): string {
  if (run.bestValidation === null) return '—';
  return `${run.validationMetric} ${formatScore(run.bestValidation, 4)}`;
}

export function TrainingRunsPage() {
  const { data, error, loading, reload } = useLoad(listTrainingRuns, []);
  const runs = data?.runs ?? [];
  useEvery(
    refreshMs,
    runs.some((run) => run.status === 'running'),
    reload,
  );
  return (
    <main className="page">
      <header className="page-head">
        <h1>Training runs</h1>
      </header>
      <ErrorText error={error} />
      {loading && !data && <Loading what="training runs" />}
      {data && runs.length === 0 && (
        <p className="empty">No training runs yet. Run `tailor train sft` (or dpo, grpo) to make one.</p>
      )}
      {runs.length > 0 && (
        <table className="table clickable">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Method</th>
              <th scope="col">Base</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Steps
              </th>
              <th scope="col">Best validation</th>
              <th scope="col">Specialist</th>
              <th scope="col">Started</th>
              <th scope="col">Finished</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr
                key={run.id}
                data-testid="training-row"
                data-run-id={run.id}
                onClick={(event) => {
                  if ((event.target as HTMLElement).closest('a, button')) return;
                  navigate({ page: 'trainingRun', id: run.id });
                }}
              >
                <td>
                  <a className="mono" href={href({ page: 'trainingRun', id: run.id })}>
                    {run.id}
                  </a>
                </td>
                <td>{run.method.toUpperCase()}</td>
                <td className="small">{run.base}</td>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td className="num">{run.steps ?? '—'}</td>
                <td className="small">{bestValidation(run)}</td>
                <td className="small">{run.specialist ?? <span className="muted">—</span>}</td>
                <td className="muted small">{formatDate(run.createdAt)}</td>
                <td className="muted small">{run.finishedAt ? formatDate(run.finishedAt) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

export function TrainingRunPage({ id }: { id: string }) {
  const load = useCallback(() => getTrainingRun(id), [id]);
  const { data, error, loading, reload } = useLoad(load, [load]);
  const running = data?.run.status === 'running';
  useEvery(refreshMs, running, reload);

  if (!data) {
    return (
      <main className="page">
        <p className="crumbs">
          <a href={href({ page: 'training' })}>Training runs</a>
        </p>
        <ErrorText error={error} />
        {loading && <Loading what="the training run" />}
      </main>
    );
  }

  const { run } = data;
  const score = run.validationMetric === 'score';
  const lossSeries: Series[] = [
    {
      name: run.method === 'grpo' ? 'policy loss' : 'training loss',
      points: data.loss,
      colour: seriesColour(0),
    },
    ...(!score
      ? [
          {
            name: 'validation loss',
            points: data.validation,
            colour: seriesColour(1),
            dashed: true,
            dots: true,
          },
        ]
      : []),
  ];
  return (
    <main className="page">
      <p className="crumbs">
        <a href={href({ page: 'training' })}>Training runs</a> / {run.id}
      </p>
      <header className="page-head">
        <div>
          <h1>
            <span className="mono">{run.id}</span> <StatusBadge status={run.status} />
          </h1>
          <p className="muted">
            {run.method.toUpperCase()} on {run.base} · started {formatDate(run.createdAt)}
            {run.finishedAt ? ` · finished ${formatDate(run.finishedAt)}` : ''} ·{' '}
            <span className="mono small">{data.runDirectory}</span>
          </p>
        </div>
      </header>
      {running && (
        <p className="notice live" data-testid="live" role="status">
          Training: step {data.progress.step}
          {data.progress.tokensPerSecond !== null
            ? ` · ${Math.round(data.progress.tokensPerSecond)} tokens/s`
            : ''}{' '}
          · {formatDuration(data.progress.elapsedSeconds)} so far. This page refreshes every 5 seconds.
        </p>
      )}
      {run.status === 'interrupted' && (
        <p className="notice">
          The process that ran this training is gone.{' '}
          <code>
            tailor train {run.method} --name {run.id} --resume
          </code>{' '}
          continues it.
        </p>
      )}
      <ErrorText error={data.error ? `The run failed: ${data.error}` : null} />
      <ErrorText error={error} />
      <dl className="stats card">
        <div>
          <dt>Steps</dt>
          <dd>{run.steps ?? '—'}</dd>
        </div>
        <div>
          <dt>Best validation {run.validationMetric}</dt>
          <dd>{formatScore(run.bestValidation, 4)}</dd>
        </div>
        <div>
          <dt>Training time</dt>
          <dd>{formatDuration(data.progress.elapsedSeconds)}</dd>
        </div>
        <div>
          <dt>Specialist</dt>
          <dd>{run.specialist ?? '—'}</dd>
        </div>
        <div>
          <dt>Consistency check</dt>
          <dd>
            {data.consistency === null ? (
              '—'
            ) : data.consistency.passed ? (
              <span className="badge badge-pass">passed</span>
            ) : (
              <span className="badge badge-fail">failed</span>
            )}
          </dd>
        </div>
      </dl>
      <div className="charts">
        <LineChart
          title={run.method === 'grpo' ? 'Policy loss per step' : 'Loss'}
          testId="chart-loss"
          series={lossSeries}
          yLabel="loss"
        />
        {score && (
          <LineChart
            title="Validation score (greedy outputs, graded)"
            testId="chart-validation"
            series={[
              { name: 'validation score', points: data.validation, colour: seriesColour(1), dots: true },
            ]}
            yLabel="score"
            yDomain={[0, 1]}
          />
        )}
        {data.reward && (
          <LineChart
            title="Reward per step"
            testId="chart-reward"
            series={[
              { name: 'reward (weighted mean)', points: data.reward.mean, colour: 'var(--text)' },
              ...data.reward.graders.map((grader, index) => ({
                name: grader.grader,
                points: grader.points,
                colour: seriesColour(index + 2),
                dashed: true,
              })),
            ]}
            yLabel="reward"
            yDomain={[0, 1]}
          />
        )}
        {data.monitor && (
          <div className="chart-with-note">
            <LineChart
              title={`Reward-hacking monitor${data.monitor.grader ? `: ${data.monitor.grader} (held out)` : ''}`}
              testId="chart-monitor"
              series={[
                { name: 'reward (weighted mean)', points: data.reward?.mean ?? [], colour: 'var(--text)' },
                {
                  name: `monitor${data.monitor.grader ? ` (${data.monitor.grader})` : ''}`,
                  points: data.monitor.points,
                  colour: 'var(--fail)',
                  dashed: true,
                },
              ]}
              yLabel="mean score"
              yDomain={[0, 1]}
              marks={{ steps: data.monitor.flaggedSteps, label: 'flagged step' }}
            />
            <p
              className={data.monitor.flaggedSteps.length > 0 ? 'flag small' : 'muted small'}
              data-testid="monitor-note"
            >
              {data.monitor.flaggedSteps.length > 0
                ? `Flagged ${data.monitor.flaggedSteps.length} step${data.monitor.flaggedSteps.length === 1 ? '' : 's'} where the reward rose while the monitor fell (${data.monitor.flaggedSteps.join(', ')}): read samples from those steps before trusting the reward.`
                : 'No step flagged: the monitor did not fall while the reward rose.'}
            </p>
          </div>
        )}
        <LineChart
          title="Learning rate"
          testId="chart-lr"
          series={[{ name: 'learning rate', points: data.learningRate, colour: seriesColour(4) }]}
          yLabel="learning rate"
        />
      </div>
      <div className="two-col">
        <section className="card" data-testid="consistency">
          <h2>Consistency check</h2>
          <Consistency report={data.consistency} running={running} />
        </section>
        <section className="card">
          <h2>Config</h2>
          {data.config.length === 0 ? (
            <p className="muted">No config recorded.</p>
          ) : (
            <table className="table compact" data-testid="config">
              <tbody>
                {data.config.map((entry) => (
                  <tr key={entry.key}>
                    <th scope="row" className="mono">
                      {entry.key}
                    </th>
                    <td className="mono small">{entry.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </main>
  );
}

function Consistency({ report, running }: { report: ConsistencyView | null; running: boolean }) {
  if (!report)
    return (
      <p className="muted">
        {running ? 'Runs once training ends.' : 'No consistency check was recorded for this run.'}
      </p>
    );
  const n = (value: number | null) => (value === null ? '—' : value.toFixed(4));
  return (
    <>
      <p>
        {report.passed ? (
          <span className="badge badge-pass">passed</span>
        ) : (
          <span className="badge badge-fail">failed</span>
        )}{' '}
        llama.cpp serving the exported adapter and the training worker {report.passed ? 'agree' : 'disagree'}{' '}
        on {report.positions} tokens.
      </p>
      <table className="table compact">
        <tbody>
          <tr>
            <th scope="row">Base model, mean |Δ log p| (the floor)</th>
            <td className="num">{n(report.baseMeanDifference)}</td>
          </tr>
          <tr>
            <th scope="row">Adapted model, mean |Δ log p|</th>
            <td className="num">{n(report.adaptedMeanDifference)}</td>
          </tr>
          <tr>
            <th scope="row">Tolerance</th>
            <td className="num">{n(report.tolerance)}</td>
          </tr>
          <tr>
            <th scope="row">Adapter effect: mean size / llama.cpp error</th>
            <td className="num">
              {n(report.effectMeanSize)} / {n(report.effectMeanError)}
            </td>
          </tr>
        </tbody>
      </table>
    </>
  );
}
