import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { getSession, onUnauthorized, type SessionResponse, signOut, toApiError, type User } from './api.ts';
import { AdminPage } from './pages/AdminPage.tsx';
import { ComparePage } from './pages/ComparePage.tsx';
import { JudgesPage } from './pages/JudgesPage.tsx';
import { LabelPage } from './pages/LabelPage.tsx';
import { QueuePage, QueuesPage } from './pages/QueuesPage.tsx';
import { RunPage, RunsPage } from './pages/RunsPage.tsx';
import { InvitePage, SignInPage } from './pages/SignInPage.tsx';
import { TrafficPage } from './pages/TrafficPage.tsx';
import { TrainingRunPage, TrainingRunsPage } from './pages/TrainingPage.tsx';
import { href, navigate, parseHash, type Route, useHash } from './route.ts';
import { ErrorText, Loading } from './ui.tsx';
import './styles.css';

/**
 * The Tailor web app. On load it asks the server who is signed in (GET /api/session); without a
 * session it shows the sign-in page, and after signing in it returns to the page that was asked for.
 */

/** The page that sent the person to sign in, to return to afterwards. */
let afterSignIn: string | null = null;

function App() {
  const route = parseHash(useHash());
  const [session, setSession] = useState<SessionResponse | null | undefined>(undefined);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    onUnauthorized(() => setSession(null));
    getSession().then(setSession, (error: unknown) => setFailure(toApiError(error).message));
    return () => onUnauthorized(null);
  }, []);

  const toSignIn = session === null && route.page !== 'signin' && route.page !== 'invite';
  const toQueues = Boolean(session) && route.page === 'signin';
  useEffect(() => {
    if (toSignIn) {
      afterSignIn = window.location.hash;
      navigate({ page: 'signin' });
    } else if (toQueues) {
      navigate({ page: 'queues' });
    }
  }, [toSignIn, toQueues]);

  function signedIn(next: SessionResponse) {
    setSession(next);
    const back = afterSignIn ? parseHash(afterSignIn).page : null;
    const target =
      afterSignIn && back !== 'signin' && back !== 'invite' ? afterSignIn : href({ page: 'queues' });
    afterSignIn = null;
    window.location.hash = target;
  }

  async function leave() {
    try {
      await signOut();
    } catch {
      // The session is forgotten here either way; the server's ends when it expires.
    }
    afterSignIn = null;
    setSession(null);
    navigate({ page: 'signin' });
  }

  if (failure) {
    return (
      <main className="auth">
        <div className="card auth-card">
          <h1>Tailor</h1>
          <ErrorText error={failure} />
          <button type="button" onClick={() => window.location.reload()}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  if (session === undefined) {
    return (
      <main className="auth">
        <Loading what="Tailor" />
      </main>
    );
  }
  if (route.page === 'invite')
    return <InvitePage key={route.token} token={route.token} onSignedIn={signedIn} />;
  if (!session) return <SignInPage onSignedIn={signedIn} />;
  const shown: Route = route.page === 'signin' ? { page: 'queues' } : route;
  return (
    <>
      <TopNav user={session.user} route={shown} onSignOut={() => void leave()} />
      <Page key={session.user.name} route={shown} user={session.user} />
    </>
  );
}

function TopNav({ user, route, onSignOut }: { user: User; route: Route; onSignOut: () => void }) {
  const section =
    route.page === 'queues' || route.page === 'queue' || route.page === 'label'
      ? 'queues'
      : route.page === 'runs' || route.page === 'run' || route.page === 'compare'
        ? 'runs'
        : route.page === 'trainingRun'
          ? 'training'
          : route.page;
  const link = (page: 'queues' | 'runs' | 'training' | 'judges' | 'traffic' | 'admin', label: string) => (
    <a data-testid={`nav-${page}`} href={href({ page })} aria-current={section === page ? 'page' : undefined}>
      {label}
    </a>
  );
  // Annotators (the experts) see only their queues; the API refuses them the rest too.
  const reads = user.role !== 'annotator';
  return (
    <header className="topbar">
      <a className="brand" href={href({ page: 'queues' })}>
        Tailor
      </a>
      <nav aria-label="Main">
        {link('queues', 'Queues')}
        {reads && link('runs', 'Eval runs')}
        {reads && link('training', 'Training')}
        {reads && link('judges', 'Judges')}
        {reads && link('traffic', 'Traffic')}
        {user.role === 'admin' && link('admin', 'Admin')}
      </nav>
      <div className="who">
        <span data-testid="user-name">{user.name}</span>
        <span className="role">{user.role}</span>
        <button type="button" className="ghost" data-testid="signout" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

function Page({ route, user }: { route: Route; user: User }) {
  switch (route.page) {
    case 'queue':
      return <QueuePage key={route.id} id={route.id} user={user} />;
    case 'label':
      return <LabelPage key={route.id} queueId={route.id} />;
    case 'runs':
      return <RunsPage />;
    case 'run':
      return <RunPage key={route.id} id={route.id} />;
    case 'compare':
      return <ComparePage key={`${route.a}/${route.b}`} a={route.a} b={route.b} />;
    case 'training':
      return <TrainingRunsPage />;
    case 'trainingRun':
      return <TrainingRunPage key={route.id} id={route.id} />;
    case 'judges':
      return <JudgesPage />;
    case 'traffic':
      return <TrafficPage user={user} />;
    case 'admin':
      return <AdminPage user={user} />;
    case 'notfound':
      return (
        <main className="page">
          <h1>Page not found</h1>
          <p>
            There is no page at <code>#/{route.path}</code>.{' '}
            <a href={href({ page: 'queues' })}>Go to the queues</a>.
          </p>
        </main>
      );
    default:
      return <QueuesPage user={user} />;
  }
}

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root');
createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
