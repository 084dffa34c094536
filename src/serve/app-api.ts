import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { z } from 'zod';
import { loadRunResults } from '../evals/runner.js';
import type { WorkspaceStore } from '../store/workspace.js';
import {
  acceptInviteRequest,
  createQueueRequest,
  createUserRequest,
  type EvalResultView,
  type EvalRunSummary,
  type Role,
  signInRequest,
  submitLabelRequest,
  trafficQuery,
  type User,
} from './app-schema.js';
import {
  compareRuns,
  gradeViews,
  judgeList,
  recentTraffic,
  runSummary,
  trainingRunDetail,
  trainingRuns,
  ViewError,
} from './app-views.js';
import {
  acceptInvite,
  addUser,
  csrfMatches,
  invite,
  inviteUrl,
  PeopleError,
  sessionCookie,
  sessionFor,
  sessionHours,
  signIn,
  signOut,
  toUser,
} from './people.js';
import {
  agreement,
  createQueue,
  getItem,
  nextItem,
  QueueError,
  skipItem,
  submitLabel,
  summary,
  undoLabel,
  visibleQueue,
} from './queues.js';

/**
 * The web app's JSON API, mounted at /api/ by `tailor serve`. People sign in with a password (or an
 * invite link) and carry a session cookie; machines keep using API keys on /v1/. Request bodies are
 * parsed with the zod schemas of app-schema.ts, which the app in web/ also uses.
 *
 * - The session cookie is httpOnly, SameSite=Strict, and Secure when the request came over HTTPS.
 * - Every state-changing request must send the session's CSRF token as X-CSRF-Token, and a browser's
 *   Origin header, when present, must be this server's own.
 * - Roles: admins manage people and queues; annotators see and label only the queues they are
 *   assigned, and nothing else (eval runs, training runs, judges and traffic are refused them);
 *   viewers read queues, runs, training, judges and traffic. A request outside one's role is a 403,
 *   whatever the UI shows.
 * - The read-only views (runs, compare, training, judges, traffic) are built in app-views.ts.
 */
type Variables = { user: User; csrfToken: string };
type AppContext = Context<{ Variables: Variables }>;

export function createAppApi(
  store: WorkspaceStore,
  options: { maxBodyBytes: number },
): Hono<{ Variables: Variables }> {
  const api = new Hono<{ Variables: Variables }>();
  const fail = (c: Context, status: 400 | 401 | 403 | 404 | 409 | 413, message: string, field?: string) =>
    c.json({ error: { message, ...(field ? { field } : {}) } }, status);

  api.use(
    '*',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) => fail(c, 413, 'The request body is too large.'),
    }),
  );

  // A browser always sends Origin on a cross-site POST/PUT/DELETE: refuse one that is not ours, so a
  // page elsewhere cannot sign someone in or out, even before the CSRF token is known.
  api.use('*', async (c, next) => {
    const origin = c.req.header('origin');
    if (c.req.method !== 'GET' && origin && origin !== new URL(c.req.url).origin)
      return fail(c, 403, 'Cross-origin requests are not accepted.');
    await next();
  });

  api.onError((error, c) => {
    if (error instanceof QueueError) return fail(c, error.status, error.message, error.field);
    if (error instanceof PeopleError) return fail(c, 409, error.message);
    if (error instanceof ViewError) return fail(c, error.status, error.message, error.field);
    throw error;
  });

  const body = async <S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S> | Response> => {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return fail(c, 400, 'The request body must be JSON.');
    }
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    return fail(c, 400, field ? `${field}: ${issue.message}` : issue.message, field || undefined);
  };

  const startSession = (c: Context, session: { token: string; csrfToken: string; user: User }) => {
    setCookie(c, sessionCookie, session.token, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: new URL(c.req.url).protocol === 'https:',
      path: '/',
      maxAge: sessionHours * 3600,
    });
    return c.json({ user: session.user, csrfToken: session.csrfToken });
  };

  // ---- session: open routes -------------------------------------------------------------------

  api.post('/session', async (c) => {
    const request = await body(c, signInRequest);
    if (request instanceof Response) return request;
    const session = signIn(store, request.name, request.password);
    if (!session) return fail(c, 401, 'Wrong name or password.');
    return startSession(c, session);
  });

  api.post('/invites/accept', async (c) => {
    const request = await body(c, acceptInviteRequest);
    if (request instanceof Response) return request;
    const session = acceptInvite(store, request.token, request.password);
    if (!session)
      return fail(c, 400, 'This invite link is not valid: it was used, has expired, or was mistyped.');
    return startSession(c, session);
  });

  // ---- everything below needs a session -------------------------------------------------------

  api.use('*', async (c: AppContext, next) => {
    const session = sessionFor(store, getCookie(c, sessionCookie));
    if (!session) return fail(c, 401, 'Sign in first.');
    if (c.req.method !== 'GET' && !csrfMatches(c.req.header('x-csrf-token'), session.csrfToken))
      return fail(c, 403, 'Missing or wrong X-CSRF-Token header.');
    c.set('user', session.user);
    c.set('csrfToken', session.csrfToken);
    await next();
  });

  const only =
    (...roles: Role[]) =>
    async (c: AppContext, next: () => Promise<void>) => {
      if (!roles.includes(c.get('user').role))
        return fail(c, 403, `This needs the ${roles.join(' or ')} role.`);
      await next();
    };

  api.get('/session', (c) => c.json({ user: c.get('user'), csrfToken: c.get('csrfToken') }));

  api.delete('/session', (c) => {
    signOut(store, getCookie(c, sessionCookie));
    deleteCookie(c, sessionCookie, { path: '/' });
    return c.body(null, 204);
  });

  // ---- people -------------------------------------------------------------------------------

  api.get('/users', only('admin'), (c) => c.json({ users: store.people.users().map(toUser) }));

  api.post('/users', only('admin'), async (c) => {
    const request = await body(c, createUserRequest);
    if (request instanceof Response) return request;
    const created = addUser(store, request.name, request.role, c.get('user').name);
    return c.json(
      { user: created.user, inviteUrl: inviteUrl(originOf(c), created.token), expiresAt: created.expiresAt },
      201,
    );
  });

  api.post('/users/:name/invite', only('admin'), (c) => {
    const created = invite(store, param(c, 'name'));
    return c.json({
      user: created.user,
      inviteUrl: inviteUrl(originOf(c), created.token),
      expiresAt: created.expiresAt,
    });
  });

  // ---- queues -------------------------------------------------------------------------------

  api.get('/queues', (c) => {
    const user = c.get('user');
    const queues = store.queues.queues(user.role === 'annotator' ? user.name : undefined);
    return c.json({ queues: queues.map((queue) => summary(store, queue)) });
  });

  api.post('/queues', only('admin'), async (c) => {
    const request = await body(c, createQueueRequest);
    if (request instanceof Response) return request;
    return c.json({ queue: createQueue(store, request, c.get('user').name) }, 201);
  });

  api.get('/queues/:id', (c) => {
    const queue = visibleQueue(store, param(c, 'id'), c.get('user'));
    return c.json({ queue: summary(store, queue), agreement: agreement(store, queue.id) });
  });

  const labelling = only('annotator', 'admin');

  api.get('/queues/:id/next', labelling, (c) => {
    const user = c.get('user');
    const queue = visibleQueue(store, param(c, 'id'), user);
    return c.json(nextItem(store, queue.id, user.name));
  });

  api.get('/queues/:id/items/:itemId', labelling, (c) => {
    const user = c.get('user');
    const queue = visibleQueue(store, param(c, 'id'), user);
    return c.json({ item: getItem(store, queue.id, param(c, 'itemId'), user.name) });
  });

  api.put('/queues/:id/items/:itemId/label', labelling, async (c) => {
    const user = c.get('user');
    const queue = visibleQueue(store, param(c, 'id'), user);
    const request = await body(c, submitLabelRequest);
    if (request instanceof Response) return request;
    return c.json({ item: submitLabel(store, queue, param(c, 'itemId'), user.name, request) });
  });

  api.post('/queues/:id/items/:itemId/skip', labelling, (c) => {
    const user = c.get('user');
    const queue = visibleQueue(store, param(c, 'id'), user);
    skipItem(store, queue.id, param(c, 'itemId'), user.name);
    return c.body(null, 204);
  });

  api.post('/queues/:id/undo', labelling, (c) => {
    const user = c.get('user');
    const queue = visibleQueue(store, param(c, 'id'), user);
    return c.json({ itemId: undoLabel(store, queue.id, user.name) });
  });

  // ---- runs, compare, training, judges, traffic: read by admins and viewers -------------------

  const reading = only('admin', 'viewer');

  api.get('/runs', reading, (c) =>
    c.json({
      runs: store.evalRuns
        .list()
        .map((run) => runSummary(store, run.id))
        .filter((run): run is EvalRunSummary => run !== undefined),
    }),
  );

  api.get('/runs/:id', reading, (c) => {
    const run = runSummary(store, param(c, 'id'));
    const loaded = run && loadRunResults(store, run.id);
    if (!run || !loaded) return fail(c, 404, `no eval run "${param(c, 'id')}"`);
    const grader = c.req.query('grader');
    const failures = c.req.query('failures') === '1';
    const results: EvalResultView[] = loaded.results
      .map((result) => ({
        exampleId: result.exampleId,
        output: result.output,
        pass: result.pass,
        latencyMs: result.latencyMs,
        grades: gradeViews(result.grades),
      }))
      .filter((result) => {
        if (!failures) return grader === undefined || result.grades.some((grade) => grade.grader === grader);
        if (grader === undefined) return !result.pass;
        return result.grades.some((grade) => grade.grader === grader && grade.pass === false);
      });
    return c.json({ run, results });
  });

  api.get('/compare', reading, (c) => {
    const a = c.req.query('a');
    const b = c.req.query('b');
    if (!a) return fail(c, 400, 'a: give the id of run A', 'a');
    if (!b) return fail(c, 400, 'b: give the id of run B', 'b');
    return c.json(compareRuns(store, a, b));
  });

  api.get('/training', reading, (c) => c.json({ runs: trainingRuns(store) }));

  api.get('/training/:id', reading, (c) => c.json(trainingRunDetail(store, param(c, 'id'))));

  api.get('/judges', reading, (c) => c.json({ judges: judgeList(store) }));

  api.get('/traffic', reading, (c) => {
    const query = trafficQuery.safeParse({
      model: c.req.query('model') || undefined,
      limit: c.req.query('limit') || undefined,
    });
    if (!query.success) {
      const issue = query.error.issues[0]!;
      const field = issue.path.join('.');
      return fail(c, 400, `${field}: ${issue.message}`, field);
    }
    return c.json({ traffic: recentTraffic(store, query.data), models: store.traffic.models() });
  });

  api.all('*', (c) => fail(c, 404, `No API route ${c.req.method} ${new URL(c.req.url).pathname}.`));
  return api;
}

function originOf(c: Context): string {
  return new URL(c.req.url).origin;
}

/** A path parameter, decoded (item ids carry ':' and arrive percent-encoded). */
function param(c: Context, name: string): string {
  return c.req.param(name) ?? '';
}
