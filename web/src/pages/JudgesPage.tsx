import { type JudgeVersionView, listJudges } from '../api.ts';
import { BarChart } from '../chart.tsx';
import { ErrorText, formatDate, formatScore, Loading, useLoad } from '../ui.tsx';

/**
 * Judge versions (`tailor align tune` and `tailor align train`), grouped by judge: each version's
 * Cohen's κ against the experts on held-out test items, as bars with their 95% CI, then the table.
 */

const kindLabel: Record<JudgeVersionView['kind'], string> = {
  rubric: 'rubric',
  tuned: 'tuned rubric',
  trained: 'trained probe',
};

export function JudgesPage() {
  const { data, error, loading } = useLoad(listJudges, []);
  const judges = data?.judges ?? [];
  const names = [...new Set(judges.map((judge) => judge.name))];
  return (
    <main className="page">
      <header className="page-head">
        <div>
          <h1>Judges</h1>
          <p className="muted small">
            κ is Cohen's kappa between the judge's pass/fail and the experts', on test items neither tuning
            nor training saw (1 = full agreement, 0 = chance).
          </p>
        </div>
      </header>
      <ErrorText error={error} />
      {loading && !data && <Loading what="judges" />}
      {data && judges.length === 0 && (
        <p className="empty">
          No judge versions yet. `tailor align tune` and `tailor align train` record them.
        </p>
      )}
      {names.map((name) => {
        const versions = judges.filter((judge) => judge.name === name);
        return (
          <section className="card judge" key={name} data-testid="judge" data-judge={name}>
            <h2>{name}</h2>
            <div className="judge-layout">
              <BarChart
                title={`Held-out κ by version`}
                testId="judge-kappa"
                yLabel="κ"
                domain={[0, 1]}
                bars={versions.map((judge) => ({
                  label: `v${judge.version}`,
                  value: judge.kappa?.mean ?? null,
                  low: judge.kappa?.low ?? null,
                  high: judge.kappa?.high ?? null,
                  tone: `kind-${judge.kind}`,
                  note: judge.kind === 'trained' ? 'probe' : judge.kind === 'tuned' ? 'tuned' : undefined,
                }))}
              />
              <table className="table compact">
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Kind</th>
                    <th scope="col" className="num">
                      κ (95% CI)
                    </th>
                    <th scope="col" className="num">
                      Untuned κ
                    </th>
                    <th scope="col" className="num">
                      Test items
                    </th>
                    <th scope="col">From</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {versions.map((judge) => (
                    <tr key={judge.version} data-testid="judge-row">
                      <td>v{judge.version}</td>
                      <td>
                        <span className={`badge kind-badge kind-${judge.kind}`}>{kindLabel[judge.kind]}</span>
                      </td>
                      <td className="num nowrap">
                        {judge.kappa ? (
                          <>
                            {formatScore(judge.kappa.mean, 3)}{' '}
                            {judge.kappa.low !== null && judge.kappa.high !== null && (
                              <span className="muted small">
                                ({formatScore(judge.kappa.low, 2)} – {formatScore(judge.kappa.high, 2)})
                              </span>
                            )}
                          </>
                        ) : (
                          <span className="muted">not recorded</span>
                        )}
                      </td>
                      <td className="num">{formatScore(judge.untunedKappa, 3)}</td>
                      <td className="num">{judge.testItems ?? '—'}</td>
                      <td className="small">
                        {judge.parentVersion !== null
                          ? `v${judge.parentVersion}`
                          : judge.kind === 'trained'
                            ? ''
                            : 'tailor.yaml'}
                        {judge.detail && <div className="muted">{judge.detail}</div>}
                      </td>
                      <td className="muted small nowrap">{formatDate(judge.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        );
      })}
    </main>
  );
}
