import { type Label, labelWriter } from '../align/labels.js';
import type { StoredTraffic, TrafficRecord } from '../store/traffic-repository.js';
import type { WorkspaceStore } from '../store/workspace.js';

export type { StoredTraffic, TrafficRecord } from '../store/traffic-repository.js';

/**
 * Captured serving traffic and the feedback on it. Each request and its response are stored with
 * latency, tokens, model and key id (never the key), with configured fields redacted; feedback on a
 * request becomes an expert label on that output, so judge alignment and data curation see it.
 */
export function recordTraffic(store: WorkspaceStore, record: TrafficRecord, redact: string[]): void {
  const redacted = redactPaths({ request: record.request, response: record.response }, redact);
  store.traffic.add({ ...record, request: redacted.request, response: redacted.response });
}

export function trafficRecord(store: WorkspaceStore, id: string): StoredTraffic | undefined {
  return store.traffic.find(id);
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
  const records: { id: string; messages: unknown[] }[] = [];
  for (const traffic of store.traffic.successful(filter)) {
    const id = traffic.id;
    const label = store.labels.latestOnItem(`traffic:${id}`);
    if (filter.feedback === 'none' && label) continue;
    if (filter.feedback === 'any' && !label) continue;
    if (filter.feedback === 'pass' && label?.pass !== true) continue;
    if (filter.feedback === 'fail' && label?.pass !== false) continue;
    const request = traffic.request as { messages?: { role: string; content: unknown }[] };
    if (!Array.isArray(request.messages)) continue;
    const correction = label ? (label.meta as { correction?: string }).correction : undefined;
    // A cut-off or empty answer is not one to learn from; an expert's correction always is.
    const served = servedAnswer(traffic.response);
    const answer =
      correction ?? (served && !served.truncated && served.text.trim() !== '' ? served.text : undefined);
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

function servedAnswer(response: unknown): { text: string; truncated: boolean } | undefined {
  const body = response as
    | {
        choices?: { message?: { content?: string }; finish_reason?: string }[];
        content?: string;
        finish_reason?: string;
      }
    | undefined;
  const text = body?.choices?.[0]?.message?.content ?? body?.content;
  if (text === undefined) return undefined;
  return { text, truncated: (body?.choices?.[0]?.finish_reason ?? body?.finish_reason) === 'length' };
}
