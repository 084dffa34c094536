import { type DependencyList, useCallback, useEffect, useState } from 'react';
import { type ApiError, type Grade, toApiError } from './api.ts';

/** Small pieces the pages share: loading data, showing errors, formatting numbers and dates. */

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change (and on reload()); a stale answer never overwrites a newer one. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to load
  useEffect(() => {
    let current = true;
    setLoading(true);
    load().then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!current) return;
        setError(toApiError(failure));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [...deps, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** Calls `tick` every `ms` milliseconds while `active` (a live page re-fetching its data). */
export function useEvery(ms: number, active: boolean, tick: () => void): void {
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(tick, ms);
    return () => window.clearInterval(timer);
  }, [ms, active, tick]);
}

export function ErrorText({ error, id }: { error: ApiError | string | null | undefined; id?: string }) {
  if (!error) return null;
  return (
    <p className="error" role="alert" data-testid="error" id={id}>
      {typeof error === 'string' ? error : error.message}
    </p>
  );
}

/** The error when it is about `field`, for showing beside that field. */
export function errorFor(error: ApiError | null, field: string): ApiError | null {
  return error?.field === field ? error : null;
}

/** The error when it is about none of `fields`, for showing at the top of the form. */
export function errorOutside(error: ApiError | null, fields: readonly string[]): ApiError | null {
  return error && (error.field === undefined || !fields.includes(error.field)) ? error : null;
}

export function Loading({ what }: { what: string }) {
  return <p className="muted loading">Loading {what}…</p>;
}

export function formatScore(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  return `${Math.round(rate * 1000) / 10}%`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  return (
    <span
      className="bar"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={total}
      aria-valuenow={done}
    >
      <span className="bar-fill" style={{ width: `${fraction * 100}%` }} />
    </span>
  );
}

export function PassBadge({ pass }: { pass: boolean | null }) {
  if (pass === null) return <span className="badge badge-none">—</span>;
  return pass ? (
    <span className="badge badge-pass">pass</span>
  ) : (
    <span className="badge badge-fail">fail</span>
  );
}

/** Each grader's verdict, score and reason. */
export function GradeList({ grades }: { grades: readonly Grade[] }) {
  if (grades.length === 0) return <p className="muted">No grader results.</p>;
  return (
    <ul className="grades">
      {grades.map((grade) => (
        <li key={grade.grader}>
          <div className="grade-head">
            <strong>{grade.grader}</strong>
            <PassBadge pass={grade.pass} />
            <span className="muted">score {formatScore(grade.score)}</span>
          </div>
          {grade.reason !== '' && <p className="reason">{grade.reason}</p>}
        </li>
      ))}
    </ul>
  );
}

/** A training run's status as a coloured word. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge status-${status}`} data-testid="status">
      {status}
    </span>
  );
}

/** A p-value as people read it: three significant digits, tiny ones as "< 0.001". */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '—';
  return p < 0.001 ? '< 0.001' : p.toPrecision(3);
}

/** Seconds as "1 h 4 min", "3 min 20 s" or "12 s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const total = Math.round(seconds);
  if (total >= 3600) return `${Math.floor(total / 3600)} h ${Math.floor((total % 3600) / 60)} min`;
  if (total >= 60) return `${Math.floor(total / 60)} min ${total % 60} s`;
  return `${total} s`;
}

/** A run's model or dataset as a person reads it: supplied outputs and datasets by file name, not path. */
export function shortName(text: string): string {
  const file = (path: string) => path.split('/').filter(Boolean).at(-1) ?? path;
  if (text.startsWith('outputs:')) return `outputs: ${file(text.slice('outputs:'.length))}`;
  return text.includes('/') ? file(text) : text;
}
