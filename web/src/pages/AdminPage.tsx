import { type FormEvent, useState } from 'react';
import {
  ApiError,
  createQueue,
  createQueueRequest,
  createUser,
  createUserRequest,
  listRuns,
  listUsers,
  type Role,
  reinvite,
  roles,
  toApiError,
  type User,
} from '../api.ts';
import { navigate } from '../route.ts';
import {
  ErrorText,
  errorFor,
  errorOutside,
  formatDate,
  formatRate,
  Loading,
  shortName,
  useLoad,
} from '../ui.tsx';

/** Admin: people (invite links) and new labelling queues made from an eval run. */

interface Invite {
  user: User;
  url: string;
  expiresAt: string;
}

/** The invite link as a full address on this origin, for pasting into a message. */
function absolute(url: string): string {
  try {
    return new URL(url, window.location.origin).href;
  } catch {
    return url;
  }
}

/** The first problem zod found in a form, as the server would have reported it. */
function firstIssue(issues: readonly { message: string; path: readonly PropertyKey[] }[]): ApiError {
  const issue = issues[0];
  const field = issue?.path[0];
  return new ApiError(issue?.message ?? 'check the form', 400, typeof field === 'string' ? field : undefined);
}

export function AdminPage({ user }: { user: User }) {
  if (user.role !== 'admin') {
    return (
      <main className="page">
        <ErrorText error="Only admins can see this page." />
      </main>
    );
  }
  return <AdminTools />;
}

function AdminTools() {
  const users = useLoad(listUsers, []);
  const [invite, setInvite] = useState<Invite | null>(null);
  const people = users.data?.users ?? [];
  return (
    <main className="page">
      <header className="page-head">
        <h1>Admin</h1>
      </header>
      <div className="two-col">
        <section className="card">
          <h2>People</h2>
          <CreateUserForm
            onCreated={(created) => {
              setInvite(created);
              users.reload();
            }}
          />
          {invite && <InviteLink invite={invite} onDismiss={() => setInvite(null)} />}
          <ErrorText error={users.error} />
          {users.loading && !users.data && <Loading what="people" />}
          {people.length > 0 && (
            <UserTable
              users={people}
              onInvite={(fresh) => {
                setInvite(fresh);
                users.reload();
              }}
            />
          )}
        </section>
        <section className="card">
          <h2>New queue from an eval run</h2>
          <CreateQueueForm users={people} />
        </section>
      </div>
    </main>
  );
}

function CreateUserForm({ onCreated }: { onCreated: (invite: Invite) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('annotator');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const checked = createUserRequest.safeParse({ name, role });
    if (!checked.success) {
      setError(firstIssue(checked.error.issues));
      return;
    }
    setBusy(true);
    try {
      const created = await createUser(checked.data.name, checked.data.role);
      onCreated({ user: created.user, url: absolute(created.inviteUrl), expiresAt: created.expiresAt });
      setName('');
    } catch (failure) {
      setError(toApiError(failure));
    } finally {
      setBusy(false);
    }
  }

  const nameError = errorFor(error, 'name');
  return (
    <form className="inline-form" onSubmit={submit} noValidate aria-label="Add a person">
      <label className="field grow">
        <span>Name</span>
        <input
          data-testid="create-user-name"
          value={name}
          autoComplete="off"
          onChange={(event) => setName(event.target.value)}
          aria-invalid={nameError ? true : undefined}
        />
      </label>
      <label className="field">
        <span>Role</span>
        <select
          data-testid="create-user-role"
          value={role}
          onChange={(event) => setRole(event.target.value as Role)}
        >
          {roles.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" data-testid="create-user-submit" disabled={busy}>
        Add and invite
      </button>
      <div className="form-errors">
        <ErrorText error={nameError ?? errorFor(error, 'role') ?? errorOutside(error, ['name', 'role'])} />
      </div>
    </form>
  );
}

function InviteLink({ invite, onDismiss }: { invite: Invite; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(invite.url);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }
  return (
    <div className="invite" role="status">
      <p>
        Invite link for <strong>{invite.user.name}</strong> ({invite.user.role}). It is shown only once and
        works until {formatDate(invite.expiresAt)}; send it to them.
      </p>
      <div className="invite-row">
        <code data-testid="invite-url" className="invite-url">
          {invite.url}
        </code>
        <button type="button" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="ghost" onClick={onDismiss}>
          Done
        </button>
      </div>
    </div>
  );
}

function UserTable({ users, onInvite }: { users: readonly User[]; onInvite: (invite: Invite) => void }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  async function invite(name: string) {
    setError(null);
    setBusy(name);
    try {
      const fresh = await reinvite(name);
      onInvite({ user: fresh.user, url: absolute(fresh.inviteUrl), expiresAt: fresh.expiresAt });
    } catch (failure) {
      setError(toApiError(failure));
    } finally {
      setBusy(null);
    }
  }
  return (
    <>
      <ErrorText error={error} />
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Added</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((person) => (
            <tr key={person.name} data-testid="user-row" data-user={person.name}>
              <td>{person.name}</td>
              <td>{person.role}</td>
              <td>{person.active ? 'active' : <span className="muted">invited</span>}</td>
              <td className="muted small">{formatDate(person.createdAt)}</td>
              <td>
                <button
                  type="button"
                  className="small"
                  data-testid="reinvite"
                  disabled={busy === person.name}
                  onClick={() => void invite(person.name)}
                >
                  New invite link
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

const queueFields = ['name', 'source', 'annotators', 'overlap', 'limit', 'instructions'] as const;

function CreateQueueForm({ users }: { users: readonly User[] }) {
  const runs = useLoad(listRuns, []);
  const [name, setName] = useState('');
  const [runId, setRunId] = useState('');
  const [failuresOnly, setFailuresOnly] = useState(false);
  const [flaggedBy, setFlaggedBy] = useState('');
  const [annotators, setAnnotators] = useState<ReadonlySet<string>>(new Set());
  const [overlap, setOverlap] = useState('1');
  const [limit, setLimit] = useState('');
  const [instructions, setInstructions] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const runList = runs.data?.runs ?? [];
  const chosenRun = runId || runList[0]?.id || '';
  const candidates = users.filter((person) => person.role === 'annotator');

  function toggleAnnotator(person: string, on: boolean) {
    setAnnotators((current) => {
      const next = new Set(current);
      if (on) next.add(person);
      else next.delete(person);
      return next;
    });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (!chosenRun) {
      setError(new ApiError('choose an eval run', 400, 'source'));
      return;
    }
    const request = {
      name,
      source: {
        kind: 'eval-run' as const,
        runId: chosenRun,
        ...(failuresOnly ? { failuresOnly: true } : {}),
        ...(failuresOnly && flaggedBy ? { grader: flaggedBy } : {}),
      },
      annotators: candidates.map((person) => person.name).filter((person) => annotators.has(person)),
      overlap: overlap.trim() === '' ? Number.NaN : Number(overlap),
      ...(limit.trim() === '' ? {} : { limit: Number(limit) }),
      ...(instructions.trim() === '' ? {} : { instructions }),
    };
    const checked = createQueueRequest.safeParse(request);
    if (!checked.success) {
      setError(firstIssue(checked.error.issues));
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

  const fieldError = (field: (typeof queueFields)[number]) => <ErrorText error={errorFor(error, field)} />;
  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="New queue">
      <ErrorText error={errorOutside(error, queueFields) ?? runs.error} />
      <label className="field">
        <span>Name</span>
        <input data-testid="queue-name" value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      {fieldError('name')}
      <label className="field">
        <span>Eval run</span>
        <select
          data-testid="queue-run"
          value={chosenRun}
          onChange={(event) => setRunId(event.target.value)}
          disabled={runList.length === 0}
        >
          {runList.length === 0 && (
            <option value="">{runs.loading ? 'Loading runs…' : 'No eval runs yet'}</option>
          )}
          {runList.map((run) => {
            const rate = run.graders.length > 0 ? ` · pass ${formatRate(run.graders[0]?.passRate)}` : '';
            return (
              <option key={run.id} value={run.id}>
                {shortName(run.model)} on {shortName(run.dataset)} · {run.examples} examples{rate} ·{' '}
                {formatDate(run.createdAt)}
              </option>
            );
          })}
        </select>
      </label>
      <label className="checkbox">
        <input
          type="checkbox"
          data-testid="queue-failures"
          checked={failuresOnly}
          onChange={(event) => setFailuresOnly(event.target.checked)}
        />
        <span>Only outputs that failed a grader</span>
      </label>
      {failuresOnly && (
        <label className="field">
          <span>Flagged by</span>
          <select
            data-testid="queue-flagged-by"
            value={flaggedBy}
            onChange={(event) => setFlaggedBy(event.target.value)}
          >
            <option value="">any grader</option>
            {(runList.find((run) => run.id === chosenRun)?.graders ?? []).map((grader) => (
              <option key={grader.grader} value={grader.grader}>
                {grader.grader}
              </option>
            ))}
          </select>
        </label>
      )}
      {fieldError('source')}
      <fieldset className="field" data-testid="queue-annotators">
        <legend>Annotators</legend>
        {candidates.length === 0 && (
          <p className="muted small">No annotators yet: add a person with the role “annotator”.</p>
        )}
        <div className="checkbox-list">
          {candidates.map((person) => (
            <label key={person.name} className="checkbox">
              <input
                type="checkbox"
                data-annotator={person.name}
                checked={annotators.has(person.name)}
                onChange={(event) => toggleAnnotator(person.name, event.target.checked)}
              />
              <span>
                {person.name}
                {!person.active && <span className="muted"> (invited)</span>}
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      {fieldError('annotators')}
      <div className="row">
        <label className="field">
          <span>Annotators per item</span>
          <input
            data-testid="queue-overlap"
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            value={overlap}
            onChange={(event) => setOverlap(event.target.value)}
          />
        </label>
        <label className="field">
          <span>At most this many items</span>
          <input
            data-testid="queue-limit"
            type="number"
            min={1}
            max={10000}
            step={1}
            inputMode="numeric"
            placeholder="all"
            value={limit}
            onChange={(event) => setLimit(event.target.value)}
          />
        </label>
      </div>
      <p className="muted small">
        1 annotator per item splits the items; 2 or more overlap them to measure agreement.
      </p>
      {fieldError('overlap')}
      {fieldError('limit')}
      <label className="field">
        <span>Instructions for annotators</span>
        <textarea
          data-testid="queue-instructions"
          rows={5}
          value={instructions}
          placeholder="What makes an output pass? What should the critique cover?"
          onChange={(event) => setInstructions(event.target.value)}
        />
      </label>
      {fieldError('instructions')}
      <div>
        <button type="submit" className="primary" data-testid="queue-submit" disabled={busy}>
          Create queue
        </button>
      </div>
    </form>
  );
}
