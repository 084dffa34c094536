import { type Label, labelWriter } from '../align/labels.js';
import type { WorkspaceStore } from '../store/workspace.js';

/**
 * Captured serving traffic and the feedback on it. Each request and its response are stored with
 * latency, tokens, model and key id (never the key), with configured fields redacted; feedback on a
 * request becomes an expert label on that output, so judge alignment and data curation see it.
 */
export interface TrafficRecord {
  id: string;
  keyId: string | undefined;
  model: string;
  request: unknown;
  response: unknown;
  status: number;
  latencyMs: number;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
}

export function recordTraffic(store: WorkspaceStore, record: TrafficRecord, redact: string[]): void {
  const redacted = redactPaths({ request: record.request, response: record.response }, redact);
  store.database
    .prepare(
      `INSERT INTO traffic (id, key_id, model, request_json, response_json, status, latency_ms, input_tokens, output_tokens, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      record.id,
      record.keyId ?? null,
      record.model,
      JSON.stringify(redacted.request),
      record.response === undefined ? null : JSON.stringify(redacted.response),
      record.status,
      record.latencyMs,
      record.inputTokens ?? null,
      record.outputTokens ?? null,
      new Date().toISOString(),
    );
}

export interface StoredTraffic extends TrafficRecord {
  createdAt: string;
}

export function trafficRecord(store: WorkspaceStore, id: string): StoredTraffic | undefined {
  const row = store.database.prepare('SELECT * FROM traffic WHERE id = ?').get(id) as
    | {
        id: string;
        key_id: string | null;
        model: string;
        request_json: string;
        response_json: string | null;
        status: number;
        latency_ms: number;
        input_tokens: number | null;
        output_tokens: number | null;
        created_at: string;
      }
    | undefined;
  if (!row) return undefined;
  return {
    id: row.id,
    keyId: row.key_id ?? undefined,
    model: row.model,
    request: JSON.parse(row.request_json),
    response: row.response_json === null ? undefined : JSON.parse(row.response_json),
    status: row.status,
    latencyMs: row.latency_ms,
    inputTokens: row.input_tokens ?? undefined,
    outputTokens: row.output_tokens ?? undefined,
    createdAt: row.created_at,
  };
}

/** Replace the values at dot paths (`*` matches every key or array element) with "[redacted]". */
export function redactPaths<T>(value: T, paths: string[]): T {
  if (paths.length === 0) return value;
  const copy = structuredClone(value);
  for (const path of paths) redactAt(copy, path.split('.'));
  return copy;
}

function redactAt(node: unknown, parts: string[]): void {
  if (node === null || typeof node !== 'object' || parts.length === 0) return;
  const [head, ...rest] = parts;
  const record = node as Record<string, unknown>;
  const keys = head === '*' ? Object.keys(record) : head! in record ? [head!] : [];
  for (const key of keys) {
    if (rest.length === 0) record[key] = '[redacted]';
    else redactAt(record[key], rest);
  }
}

export interface Feedback {
  requestId: string;
  annotator: string;
  output: string;
  model: string;
  pass?: boolean | undefined;
  score?: number | undefined;
  critique?: string | undefined;
  correction?: string | undefined;
}

/** Feedback as a label on the served output: example = the request, item = that output. */
export function recordFeedback(store: WorkspaceStore, feedback: Feedback): 'added' | 'updated' | 'unchanged' {
  const label: Label = {
    itemId: `traffic:${feedback.requestId}`,
    exampleId: feedback.requestId,
    output: feedback.output,
    outputB: undefined,
    annotator: feedback.annotator,
    pass: feedback.pass,
    score: feedback.score,
    preference: undefined,
    critique: feedback.critique,
    labelledAt: new Date().toISOString(),
    meta: {
      source: feedback.model,
      origin: 'feedback',
      ...(feedback.correction ? { correction: feedback.correction } : {}),
    },
    sourceFile: 'POST /v1/feedback',
    sourceLine: 0,
  };
  return labelWriter(store)(label);
}

/**
 * Turn captured traffic into a dataset in OpenAI chat format (`{id, messages}`, the last assistant
 * turn the served answer, or the reviewer's correction when feedback gave one), which every stage
 * reads. Filters: model, time window, and feedback (`pass`, `fail`, `any` = has feedback, `none`).
 * Only successful, non-streamed-error requests are exported.
 */
export interface TrafficFilter {
  model?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  feedback?: 'pass' | 'fail' | 'any' | 'none' | undefined;
}

export function trafficDataset(
  store: WorkspaceStore,
  filter: TrafficFilter,
): { id: string; messages: unknown[] }[] {
  const rows = store.database
    .prepare(
      `SELECT id FROM traffic WHERE status = 200 AND (@model IS NULL OR model = @model)
         AND (@since IS NULL OR created_at >= @since) AND (@until IS NULL OR created_at < @until)
       ORDER BY created_at`,
    )
    .all({ model: filter.model ?? null, since: filter.since ?? null, until: filter.until ?? null }) as {
    id: string;
  }[];
  const feedbackOf = store.database.prepare(
    'SELECT pass, meta_json FROM labels WHERE item_id = ? ORDER BY imported_at DESC LIMIT 1',
  );
  const records: { id: string; messages: unknown[] }[] = [];
  for (const { id } of rows) {
    const traffic = trafficRecord(store, id)!;
    const label = feedbackOf.get(`traffic:${id}`) as { pass: number | null; meta_json: string } | undefined;
    if (filter.feedback === 'none' && label) continue;
    if (filter.feedback === 'any' && !label) continue;
    if (filter.feedback === 'pass' && label?.pass !== 1) continue;
    if (filter.feedback === 'fail' && label?.pass !== 0) continue;
    const request = traffic.request as { messages?: { role: string; content: unknown }[] };
    if (!Array.isArray(request.messages)) continue;
    const correction = label
      ? (JSON.parse(label.meta_json) as { correction?: string }).correction
      : undefined;
    const answer = correction ?? servedAnswer(traffic.response);
    if (answer === undefined) continue;
    records.push({
      id,
      messages: [
        ...request.messages.map((message) => ({
          role: message.role === 'developer' ? 'system' : message.role,
          content:
            typeof message.content === 'string'
              ? message.content
              : (message.content as { text?: string }[]).map((part) => part.text ?? '').join(''),
        })),
        { role: 'assistant', content: answer },
      ],
    });
  }
  return records;
}

function servedAnswer(response: unknown): string | undefined {
  const body = response as { choices?: { message?: { content?: string } }[]; content?: string } | undefined;
  return body?.choices?.[0]?.message?.content ?? body?.content;
}
