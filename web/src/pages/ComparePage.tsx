import { useCallback } from 'react';
import { compareRuns, type EstimateView, type EvalRunSummary } from '../api.ts';
import { Scatter } from '../chart.tsx';
import { href } from '../route.ts';
import { ErrorText, formatDate, formatP, formatScore, Loading, shortName, useLoad } from '../ui.tsx';

/**
 * Two eval runs compared on the examples both scored, as `tailor compare A B` does: the mean
 * difference B − A with its 95% CI, wins, losses and ties, a sign test on the scores and McNemar on
 * pass/fail, the regressions, and a scatter of each example's two scores around the diagonal.
 */

function RunLabel({ run, side }: { run: EvalRunSummary; side: 'A' | 'B' }) {
  return (
    <div className="compare-run">
      <span className={`side side-${side}`}>{side}</span>
      <div>
        <a href={href({ page: 'run', id: run.id })}>{shortName(run.model)}</a>{' '}
        <span className="muted">on {shortName(run.dataset)}</span>
        <div className="muted small">
          {run.examples} examples · {formatDate(run.createdAt)} · <span className="mono">{run.id}</span>
        </div>
      </div>
    </div>
  );
}

function signed(value: number | null): string {
  if (value === null) return '—';
  const text = formatScore(value, 3);
  return value > 0 ? `+${text}` : text;
}

function verdict(difference: EstimateView): string {
  const { low, high } = difference;
  if (low === null || high === null) return 'Not enough examples to say.';
  if (low > 0) return 'B scores higher: the whole 95% CI is above zero.';
  if (high < 0) return 'B scores lower: the whole 95% CI is below zero.';
  return 'No clear difference: the 95% CI includes zero.';
}

export function ComparePage({ a, b }: { a: string; b: string }) {
  const load = useCallback(() => compareRuns(a, b), [a, b]);
  const { data, error, loading } = useLoad(load, [load]);
  const crumbs = (
    <p className="crumbs">
      <a href={href({ page: 'runs' })}>Eval runs</a> / compare
    </p>
  );
  if (!data) {
    return (
      <main className="page">
        {crumbs}
        <ErrorText error={error} />
        {loading && <Loading what="the comparison" />}
      </main>
    );
  }
  const { difference } = data;
  return (
    <main className="page">
      {crumbs}
      <header className="page-head">
        <div>
          <h1>Compare two eval runs</h1>
          <div className="compare-runs">
            <RunLabel run={data.a} side="A" />
            <RunLabel run={data.b} side="B" />
          </div>
        </div>
        <a className="button small" href={href({ page: 'compare', a: b, b: a })} data-testid="compare-swap">
          Swap A and B
        </a>
      </header>
      <div className="compare-layout">
        <section className="card">
          <Scatter
            title={`Score per example (${data.examples} shared)`}
            testId="compare-scatter"
            points={data.pairs.map((pair) => ({ id: pair.exampleId, x: pair.scoreA, y: pair.scoreB }))}
            xLabel={`A: ${shortName(data.a.model)}`}
            yLabel={`B: ${shortName(data.b.model)}`}
          />
        </section>
        <section className="card" data-testid="compare-stats">
          <h2>B − A over {data.examples} shared examples</h2>
          <dl className="stats">
            <div>
              <dt>Mean score difference</dt>
              <dd data-testid="compare-difference">{signed(difference.mean)}</dd>
            </div>
            <div>
              <dt>95% CI</dt>
              <dd>
                {signed(difference.low)} to {signed(difference.high)}
              </dd>
            </div>
          </dl>
          <p className="small">{verdict(difference)}</p>
          <table className="table compact">
            <tbody>
              <tr>
                <th scope="row">Wins (B higher)</th>
                <td className="num" data-testid="compare-wins">
                  {data.wins}
                </td>
              </tr>
              <tr>
                <th scope="row">Losses (A higher)</th>
                <td className="num">{data.losses}</td>
              </tr>
              <tr>
                <th scope="row">Ties</th>
                <td className="num">{data.ties}</td>
              </tr>
              <tr>
                <th scope="row">Sign test p (scores)</th>
                <td className="num">{formatP(data.signTestP)}</td>
              </tr>
              <tr>
                <th scope="row">McNemar p (pass/fail)</th>
                <td className="num">{formatP(data.mcnemarP)}</td>
              </tr>
            </tbody>
          </table>
          <h3>Regressions (A passed, B failed)</h3>
          {data.regressions.length === 0 ? (
            <p className="muted small">None.</p>
          ) : (
            <ul className="regressions mono small" data-testid="regressions">
              {data.regressions.map((id) => (
                <li key={id}>{id}</li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </main>
  );
}
