import { type FormEvent, useState } from 'react';
import { type ApiError, acceptInvite, type SessionResponse, signIn, toApiError } from '../api.ts';
import { ErrorText, errorFor, errorOutside } from '../ui.tsx';

/** Sign in with a name and password, or set a password through an invite link. */

export function SignInPage({ onSignedIn }: { onSignedIn: (session: SessionResponse) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(name.trim(), password));
    } catch (failure) {
      setError(toApiError(failure));
      setBusy(false);
    }
  }

  const nameError = errorFor(error, 'name');
  const passwordError = errorFor(error, 'password');
  return (
    <main className="auth">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Tailor</h1>
        <p className="muted">Sign in to label and review model outputs.</p>
        <ErrorText error={errorOutside(error, ['name', 'password'])} />
        <label className="field">
          <span>Name</span>
          <input
            data-testid="signin-name"
            name="name"
            autoComplete="username"
            value={name}
            onChange={(event) => setName(event.target.value)}
            aria-invalid={nameError ? true : undefined}
            required
          />
        </label>
        <ErrorText error={nameError} />
        <label className="field">
          <span>Password</span>
          <input
            data-testid="signin-password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            aria-invalid={passwordError ? true : undefined}
            required
          />
        </label>
        <ErrorText error={passwordError} />
        <button className="primary" type="submit" data-testid="signin-submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">No account? Ask an admin for an invite link.</p>
      </form>
    </main>
  );
}

export function InvitePage({
  token,
  onSignedIn,
}: {
  token: string;
  onSignedIn: (session: SessionResponse) => void;
}) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await acceptInvite(token, password));
    } catch (failure) {
      setError(toApiError(failure));
      setBusy(false);
    }
  }

  const passwordError = errorFor(error, 'password');
  return (
    <main className="auth">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Welcome to Tailor</h1>
        <p className="muted">Choose a password (at least 8 characters) to finish setting up your account.</p>
        <ErrorText error={errorOutside(error, ['password'])} />
        <label className="field">
          <span>New password</span>
          <input
            data-testid="invite-password"
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={8}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            aria-invalid={passwordError ? true : undefined}
            required
          />
        </label>
        <ErrorText error={passwordError} />
        <button className="primary" type="submit" data-testid="invite-submit" disabled={busy}>
          {busy ? 'Setting up…' : 'Set password and sign in'}
        </button>
      </form>
    </main>
  );
}
