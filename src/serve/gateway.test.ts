import { describe, expect, it } from 'vitest';
import { resolveUpstreams, StreamTranscript } from './gateway.js';

describe('gateway upstreams', () => {
  it('resolve their URL, model and key, and refuse to start without the key variable', () => {
    const upstreams = resolveUpstreams(
      [
        {
          name: 'incumbent',
          baseUrl: 'https://api.example.com/v1/',
          model: 'gpt-4.1-mini',
          apiKeyEnv: 'KEY_A',
        },
        { name: 'local', baseUrl: 'http://127.0.0.1:9000/v1' },
      ],
      { KEY_A: 'sk-a' },
    );
    expect(upstreams.get('incumbent')).toEqual({
      name: 'incumbent',
      url: 'https://api.example.com/v1/chat/completions',
      model: 'gpt-4.1-mini',
      apiKey: 'sk-a',
    });
    expect(upstreams.get('local')).toMatchObject({ model: 'local', apiKey: undefined });
    expect(() =>
      resolveUpstreams([{ name: 'x', baseUrl: 'http://h/v1', apiKeyEnv: 'MISSING_KEY' }], {}),
    ).toThrow('serve.upstreams "x" reads its API key from $MISSING_KEY, which is not set');
    expect(() =>
      resolveUpstreams(
        [
          { name: 'x', baseUrl: 'http://h/v1' },
          { name: 'x', baseUrl: 'http://g/v1' },
        ],
        {},
      ),
    ).toThrow('names "x" twice');
  });
});

describe('a stream transcript', () => {
  it('reads choice 0’s text, the finish reason and usage from events split anywhere', () => {
    const events = [
      { id: 'up-1', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { id: 'up-1', choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] },
      { id: 'up-1', choices: [{ index: 1, delta: { content: 'other choice' }, finish_reason: null }] },
      { id: 'up-1', choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] },
      { id: 'up-1', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      { id: 'up-1', choices: [], usage: { prompt_tokens: 9, completion_tokens: 2 } },
    ];
    const text = `${events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('')}data: [DONE]\n\n`;
    const bytes = new TextEncoder().encode(text);
    const transcript = new StreamTranscript();
    // Cut into 7-byte pieces: events (and UTF-8) arrive split across network reads.
    for (let at = 0; at < bytes.length; at += 7) transcript.push(bytes.slice(at, at + 7));
    transcript.end();
    expect(transcript).toMatchObject({
      content: 'Hello',
      finishReason: 'stop',
      usage: { prompt_tokens: 9, completion_tokens: 2 },
      upstreamId: 'up-1',
    });
  });
});
