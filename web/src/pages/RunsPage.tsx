import { Fragment, useState } from 'react';
import { type EvalResultView, type EvalRunSummary, getRun, listRuns } from '../api.ts';
import { ShownView, showText } from '../json.tsx';
import { href, navigate } from '../route.ts';
import {
  ErrorText,
  formatDate,
  formatRate,
  formatScore,
  GradeList,
  Loading,
  PassBadge,
  shortName,
  useLoad,
} from '../ui.tsx';

/** Eval runs: the list with each grader's mean and pass rate, and one run's results to drill into. */

function GraderSummaries({ run }: { run: EvalRunSummary }) {
  if (run.graders.length === 0) return <span className="muted">no graders</span>;
  return (
    <ul className="grader-summaries">
      {run.graders.map((grader) => (
        <li key={grader.grader}>
          <span className="grader-name">{grader.grader}</span>
          <span>mean {formatScore(grader.mean, 3)}</span>
          <span>pass {formatRate(grader.passRate)}</span>
        </li>
      ))}
    </ul>
  );
}

export function RunsPage() {
  const { data, error, loading } = useLoad(listRuns, []);
  const runs = data?.runs ?? [];
  // Two runs to compare, in the order picked: the first is A, the second B.
  const [picked, setPicked] = useState<readonly string[]>([]);
  function pick(id: string, on: boolean) {
    setPicked((current) => {
      const rest = current.filter((entry) => entry !== id);
      return on ? [...rest, id].slice(-2) : rest;
    });
  }
  const [a, b] = picked;
  return (
    <main className="page">
      <header className="page-head">
        <div>
          <h1>Eval runs</h1>
          {runs.length > 1 && (
            <p className="muted small">
              Tick two runs to compare them: the first you tick is A, the second B.
            </p>
          )}
        </div>
        {runs.length > 1 && (
          <button
            type="button"
            className="primary"
            data-testid="compare-runs"
            disabled={a === undefined || b === undefined}
            onClick={() => a !== undefined && b !== undefined && navigate({ page: 'compare', a, b })}
          >
            Compare{picked.length === 2 ? ' A → B' : ` (${picked.length} of 2)`}
          </button>
        )}
      </header>
      <ErrorText error={error} />
      {loading && !data && <Loading what="eval runs" />}
      {data && runs.length === 0 && <p className="empty">No eval runs yet. Run `tailor eval` to make one.</p>}
      {runs.length > 0 && (
        <table className="table clickable">
          <thead>
            <tr>
              <th scope="col" className="pick">
                <span className="visually-hidden">Compare</span>
              </th>
              <th scope="col">Model</th>
              <th scope="col">Dataset</th>
              <th scope="col" className="num">
                Examples
              </th>
              <th scope="col">Graders</th>
              <th scope="col">Started</th>
              <th scope="col">Finished</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr
                key={run.id}
                data-testid="run-row"
                data-run-id={run.id}
                onClick={(event) => {
                  if ((event.target as HTMLElement).closest('a, button, label, input')) return;
                  navigate({ page: 'run', id: run.id });
                }}
              >
                <td className="pick">
                  <label className="pick-box">
                    <input
                      type="checkbox"
                      data-testid="compare-pick"
                      checked={picked.includes(run.id)}
                      onChange={(event) => pick(run.id, event.target.checked)}
                      aria-label={`Compare ${shortName(run.model)} (${run.id})`}
                    />
                    {picked.includes(run.id) && (
                      <span className="side-tag">{picked[0] === run.id ? 'A' : 'B'}</span>
                    )}
                  </label>
                </td>
                <td>
                  <a href={href({ page: 'run', id: run.id })}>{shortName(run.model)}</a>
                  <div className="muted small mono">{run.id}</div>
                </td>
                <td title={run.dataset}>{shortName(run.dataset)}</td>
                <td className="num">{run.examples}</td>
                <td>
                  <GraderSummaries run={run} />
                </td>
                <td className="muted small">{formatDate(run.createdAt)}</td>
                <td className="muted small">{run.finishedAt ? formatDate(run.finishedAt) : 'running'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function clip(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

export function RunPage({ id }: { id: string }) {
  const [grader, setGrader] = useState('');
  const [failures, setFailures] = useState(false);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const { data, error, loading } = useLoad(
    () => getRun(id, { grader: grader || undefined, failures }),
    [id, grader, failures],
  );

  function toggle(exampleId: string) {
    setExpanded((open) => {
      const next = new Set(open);
      if (!next.delete(exampleId)) next.add(exampleId);
      return next;
    });
  }

  if (!data) {
    return (
      <main className="page">
        <p className="crumbs">
          <a href={href({ page: 'runs' })}>Eval runs</a>
        </p>
        <ErrorText error={error} />
        {loading && <Loading what="the run" />}
      </main>
    );
  }

  const { run, results } = data;
  const allGraders = [
    ...new Set([
      ...run.graders.map((g) => g.grader),
      ...results.flatMap((r) => r.grades.map((g) => g.grader)),
    ]),
  ];
  const graders = grader ? [grader] : allGraders;
  const columns = 5 + graders.length;

  return (
    <main className="page">
      <p className="crumbs">
        <a href={href({ page: 'runs' })}>Eval runs</a> / {shortName(run.model)} on {shortName(run.dataset)}
      </p>
      <header className="page-head">
        <div>
          <h1>
            {shortName(run.model)} <span className="muted">on</span> {shortName(run.dataset)}
          </h1>
          <p className="muted">
            {run.examples} examples · started {formatDate(run.createdAt)}
            {run.finishedAt ? ` · finished ${formatDate(run.finishedAt)}` : ' · running'} ·{' '}
            <span className="mono">{run.id}</span>
          </p>
        </div>
      </header>
      <section className="card">
        <GraderSummaries run={run} />
      </section>
      <div className="filters">
        <label className="inline-field">
          <span>Grader</span>
          <select
            data-testid="filter-grader"
            value={grader}
            onChange={(event) => setGrader(event.target.value)}
          >
            <option value="">All graders</option>
            {allGraders.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field checkbox">
          <input
            type="checkbox"
            data-testid="filter-failures"
            checked={failures}
            onChange={(event) => setFailures(event.target.checked)}
          />
          <span>Failures only{grader ? ` (failed ${grader})` : ' (failed any grader)'}</span>
        </label>
        <span className="muted small" role="status">
          {loading ? 'Loading…' : `${results.length} result${results.length === 1 ? '' : 's'}`}
        </span>
      </div>
      <ErrorText error={error} />
      {results.length === 0 ? (
        <p className="empty">No results match.</p>
      ) : (
        <table className="table results clickable">
          <thead>
            <tr>
              <th scope="col">Example</th>
              <th scope="col">Overall</th>
              {graders.map((name) => (
                <th scope="col" key={name}>
                  {name}
                </th>
              ))}
              <th scope="col">Output</th>
              <th scope="col">Reasons</th>
              <th scope="col" className="num">
                Latency
              </th>
            </tr>
          </thead>
          <tbody>
            {results.map((result) => (
              <ResultRows
                key={result.exampleId}
                result={result}
                graders={graders}
                columns={columns}
                expanded={expanded.has(result.exampleId)}
                onToggle={() => toggle(result.exampleId)}
              />
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function ResultRows({
  result,
  graders,
  columns,
  expanded,
  onToggle,
}: {
  result: EvalResultView;
  graders: readonly string[];
  columns: number;
  expanded: boolean;
  onToggle: () => void;
}) {
  const shownGrades = result.grades.filter((grade) => graders.includes(grade.grader));
  // Failed graders' reasons first: they are what a reviewer looks for.
  const reasons = [...shownGrades]
    .filter((grade) => grade.reason !== '')
    .sort((a, b) => Number(a.pass !== false) - Number(b.pass !== false));
  return (
    <Fragment>
      <tr
        data-testid="result-row"
        data-example-id={result.exampleId}
        data-pass={String(result.pass)}
        className={expanded ? 'expanded' : undefined}
        onClick={onToggle}
      >
        <td>
          <button type="button" className="link disclosure" aria-expanded={expanded}>
            <span aria-hidden="true">{expanded ? '▾' : '▸'}</span>{' '}
            <span className="mono">{result.exampleId}</span>
          </button>
        </td>
        <td>
          <PassBadge pass={result.pass} />
        </td>
        {graders.map((name) => {
          const grade = result.grades.find((g) => g.grader === name);
          return (
            <td key={name} className="grade-cell">
              {grade ? (
                <>
                  <PassBadge pass={grade.pass} /> <span className="small">{formatScore(grade.score)}</span>
                </>
              ) : (
                <span className="muted">—</span>
              )}
            </td>
          );
        })}
        <td className="output-cell mono small">{clip(result.output, 140)}</td>
        <td className="reason-cell small">
          {reasons.slice(0, 2).map((grade) => (
            <div key={grade.grader}>
              <span className="grader-name">{grade.grader}:</span> {clip(grade.reason, 140)}
            </div>
          ))}
        </td>
        <td className="num small">{result.latencyMs > 0 ? `${Math.round(result.latencyMs)} ms` : '—'}</td>
      </tr>
      {expanded && (
        <tr className="detail-row">
          <td colSpan={columns}>
            <div className="detail">
              <div>
                <h3>Output</h3>
                <ShownView shown={showText(result.output)} />
              </div>
              <div>
                <h3>Grades</h3>
                <GradeList grades={result.grades} />
              </div>
            </div>
          </td>
        </tr>
      )}
    </Fragment>
  );
}
