import { z } from 'zod';
import {
  type ApiError as ApiErrorBody,
  apiErrorSchema,
  type CreateQueueRequest,
  compareResponse,
  evalRunDetailResponse,
  evalRunsResponse,
  inviteResponse,
  judgesResponse,
  nextItemResponse,
  type QueueItem,
  queueDetailResponse,
  queueItemSchema,
  queueSummarySchema,
  queuesResponse,
  type Role,
  type SessionResponse,
  type SubmitLabelRequest,
  sessionResponse,
  trafficResponse,
  trainingRunDetailResponse,
  trainingRunsResponse,
  undoResponse,
  usersResponse,
} from '../../src/serve/app-schema.ts';

/**
 * The client of Tailor's /api/: one function per route. Every response is parsed with its schema from
 * src/serve/app-schema.ts, so a server that drifts from the contract shows up as an error here rather
 * than as a blank page. State-changing requests send the session's CSRF token.
 */

export type {
  Agreement,
  CompareResponse,
  ConsistencyView,
  CreateQueueRequest,
  EstimateView,
  EvalResultView,
  EvalRunSummary,
  ItemLabel,
  JudgeVersionView,
  NextItemResponse,
  Point,
  QueueItem,
  QueueSource,
  QueueSummary,
  Role,
  SessionResponse,
  SubmitLabelRequest,
  TrafficItem,
  TrainingRunDetail,
  TrainingRunSummary,
  TrainingStatus,
  User,
} from '../../src/serve/app-schema.ts';
/** One grader's result on one output. */
export type Grade = QueueItem['grades'][number];
export { createQueueRequest, createUserRequest, roles } from '../../src/serve/app-schema.ts';

/** `{ queue: queueSummary }` and `{ item: queueItem }` have no named schema in the contract. */
const queueResponse = z.object({ queue: queueSummarySchema });
const itemResponse = z.object({ item: queueItemSchema });

/** A request that did not succeed: the server's sentence for the person, and the field it is about. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Any thrown value as an ApiError, for showing. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(error instanceof Error ? error.message : String(error), 0);
}

let csrfToken = '';
let unauthorized: (() => void) | null = null;

/** Called when a request answers 401 (the session ended): the app goes back to the sign-in page. */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorized = handler;
}

/** Routes where a 401 means "wrong credentials", not "your session ended". */
const credentialRoutes = new Set(['/api/session', '/api/invites/accept']);

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('Could not reach the server. Check the connection and try again.', 0);
  }
  if (response.ok) return response;
  if (response.status === 401 && !credentialRoutes.has(path)) unauthorized?.();
  const payload: unknown = await response.json().catch(() => undefined);
  const parsed = apiErrorSchema.safeParse(payload);
  if (parsed.success) {
    const { message, field } = parsed.data.error satisfies ApiErrorBody['error'];
    throw new ApiError(message, response.status, field);
  }
  throw new ApiError(
    `The server answered ${response.status} ${response.statusText}`.trim() + '.',
    response.status,
  );
}

async function read<S extends z.ZodType>(response: Response, schema: S): Promise<z.output<S>> {
  const payload: unknown = await response.json().catch(() => undefined);
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    console.error('Unexpected response', response.url, parsed.error.issues);
    throw new ApiError(
      'The server sent a response this page does not understand. Try reloading.',
      response.status,
    );
  }
  return parsed.data as z.output<S>;
}

async function get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  return read(await send('GET', path), schema);
}

async function post<S extends z.ZodType>(path: string, schema: S, body?: unknown): Promise<z.output<S>> {
  return read(await send('POST', path, body), schema);
}

function remember(session: SessionResponse): SessionResponse {
  csrfToken = session.csrfToken;
  return session;
}

const q = encodeURIComponent;

// ---- session -------------------------------------------------------------------------------------

/** The signed-in person, or null when there is no session (401). */
export async function getSession(): Promise<SessionResponse | null> {
  try {
    return remember(await get('/api/session', sessionResponse));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function signIn(name: string, password: string): Promise<SessionResponse> {
  return remember(await post('/api/session', sessionResponse, { name, password }));
}

export async function signOut(): Promise<void> {
  await send('DELETE', '/api/session');
  csrfToken = '';
}

export async function acceptInvite(token: string, password: string): Promise<SessionResponse> {
  return remember(await post('/api/invites/accept', sessionResponse, { token, password }));
}

// ---- people --------------------------------------------------------------------------------------

export const listUsers = () => get('/api/users', usersResponse);
export const createUser = (name: string, role: Role) => post('/api/users', inviteResponse, { name, role });
export const reinvite = (name: string) => post(`/api/users/${q(name)}/invite`, inviteResponse);

// ---- queues --------------------------------------------------------------------------------------

export const listQueues = () => get('/api/queues', queuesResponse);
export const createQueue = (request: CreateQueueRequest) => post('/api/queues', queueResponse, request);
export const getQueue = (id: string) => get(`/api/queues/${q(id)}`, queueDetailResponse);
export const nextItem = (id: string) => get(`/api/queues/${q(id)}/next`, nextItemResponse);
export const getItem = (id: string, itemId: string) =>
  get(`/api/queues/${q(id)}/items/${q(itemId)}`, itemResponse);

export async function submitLabel(id: string, itemId: string, label: SubmitLabelRequest) {
  return read(await send('PUT', `/api/queues/${q(id)}/items/${q(itemId)}/label`, label), itemResponse);
}

export async function skipItem(id: string, itemId: string): Promise<void> {
  await send('POST', `/api/queues/${q(id)}/items/${q(itemId)}/skip`);
}

export const undoLabel = (id: string) => post(`/api/queues/${q(id)}/undo`, undoResponse);

// ---- runs ----------------------------------------------------------------------------------------

export const listRuns = () => get('/api/runs', evalRunsResponse);

export function getRun(id: string, filter: { grader?: string; failures?: boolean } = {}) {
  const params = new URLSearchParams();
  if (filter.grader) params.set('grader', filter.grader);
  if (filter.failures) params.set('failures', '1');
  const query = params.toString() ? `?${params}` : '';
  return get(`/api/runs/${q(id)}${query}`, evalRunDetailResponse);
}

export const compareRuns = (a: string, b: string) => get(`/api/compare?a=${q(a)}&b=${q(b)}`, compareResponse);

// ---- training, judges, traffic -------------------------------------------------------------------

export const listTrainingRuns = () => get('/api/training', trainingRunsResponse);
export const getTrainingRun = (id: string) => get(`/api/training/${q(id)}`, trainingRunDetailResponse);
export const listJudges = () => get('/api/judges', judgesResponse);

export function listTraffic(filter: { model?: string; limit?: number } = {}) {
  const params = new URLSearchParams();
  if (filter.model) params.set('model', filter.model);
  if (filter.limit) params.set('limit', String(filter.limit));
  const query = params.toString() ? `?${params}` : '';
  return get(`/api/traffic${query}`, trafficResponse);
}
