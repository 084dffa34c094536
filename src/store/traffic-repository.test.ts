import { afterEach, describe, expect, it, vi } from 'vitest';
import { temporaryStore } from '../test-support/temporary-store.js';
import type { TrafficRecord } from './traffic-repository.js';

const request = (id: string, overrides: Partial<TrafficRecord> = {}): TrafficRecord => ({
  id,
  keyId: 'key-1',
  model: 'llama:x',
  request: { messages: [{ role: 'user', content: 'hi' }] },
  response: { choices: [] },
  status: 200,
  latencyMs: 12,
  inputTokens: 3,
  outputTokens: 4,
  ...overrides,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('traffic', () => {
  it('reads back a captured request, absent fields included', () => {
    const store = temporaryStore();
    const failed = request('t1', {
      keyId: undefined,
      response: undefined,
      status: 500,
      inputTokens: undefined,
      outputTokens: undefined,
    });
    store.traffic.add(failed);
    expect(store.traffic.find('t1')).toEqual({ ...failed, createdAt: expect.any(String) });
    expect(store.traffic.find('missing')).toBeUndefined();
    store.close();
  });

  it('lists successful requests oldest first, by model and within [since, until)', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = temporaryStore();
    const at = (day: number) => `2025-01-0${day}T00:00:00.000Z`;
    vi.setSystemTime(new Date(at(1)));
    store.traffic.add(request('day1'));
    vi.setSystemTime(new Date(at(2)));
    store.traffic.add(request('day2-other-model', { model: 'llama:y' }));
    store.traffic.add(request('day2-failed', { status: 429 }));
    vi.setSystemTime(new Date(at(3)));
    store.traffic.add(request('day3'));
    const ids = (filter: Parameters<typeof store.traffic.successful>[0]) =>
      store.traffic.successful(filter).map((record) => record.id);
    expect(ids({})).toEqual(['day1', 'day2-other-model', 'day3']);
    expect(ids({ model: 'llama:x' })).toEqual(['day1', 'day3']);
    expect(ids({ since: at(2) })).toEqual(['day2-other-model', 'day3']);
    expect(ids({ until: at(3) })).toEqual(['day1', 'day2-other-model']);
    expect(ids({ model: 'llama:y', since: at(3) })).toEqual([]);
    expect(store.traffic.successful({})[0]).toEqual({ ...request('day1'), createdAt: at(1) });
    store.close();
  });
});
