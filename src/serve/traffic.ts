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
