import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../serve/keys.js';
import { openWorkspace, type Workspace } from '../store/workspace.js';

// Fault tests: the real CLI in a child process on the real default model, killed with SIGKILL at a
// random point (no handler runs, as in a power cut or the OOM killer), then run again. Nothing that
// was committed may be lost, nothing half-written may be read back, and SQLite's integrity check
// must pass. The kill points are random on purpose; each test prints the one it drew.
const repository = join(import.meta.dirname, '..', '..');
const example = join(repository, 'examples', 'clinical-notes');
let root: string;
let workspace: Workspace;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tailor-faults-'));
  cpSync(example, root, {
    recursive: true,
    filter: (source) =>
      !source.includes('.tailor') && !source.includes('production') && !source.includes('labels'),
  });
  workspace = openWorkspace(root);
});

afterAll(() => workspace?.close());

function tailor(
  args: string[],
): ChildProcess & { done: Promise<{ code: number | null; stderr: string; stdout: string }> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/entry.ts', '--workspace', root, ...args],
    {
      cwd: repository,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr!.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const done = new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr, stdout })),
  );
  return Object.assign(child, { done });
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the kill point');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const randomInt = (low: number, high: number) => low + Math.floor(Math.random() * (high - low + 1));

describe('kill -9 and run again', () => {
  it('eval: a killed run resumes, keeps every stored result as it was, and finishes', {
    timeout: 300_000,
  }, async () => {
    const args = [
      'eval',
      '--split',
      'validation',
      '--limit',
      '6',
      '--max-tokens',
      '24',
      '--graders',
      'schema,fields',
      '--concurrency',
      '1',
    ];
    const killAfter = randomInt(1, 4);
    console.log(`eval: killed after ${killAfter} stored results`);
    const first = tailor(args);
    const stored = () => {
      const run = workspace.store.evalRuns.list()[0];
      return run ? workspace.store.evalRuns.results(run.id) : [];
    };
    await until(() => stored().length >= killAfter, 240_000);
    first.kill('SIGKILL');
    await first.done;
    const before = stored();
    expect(workspace.store.evalRuns.list()[0]!.finishedAt).toBeNull();

    const second = await tailor(args).done;
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`(resumed ${before.length})`);
    const after = stored();
    expect(after).toHaveLength(6);
    for (const result of before)
      expect(after.find((entry) => entry.exampleId === result.exampleId)).toEqual(result);
    expect(workspace.store.evalRuns.list()[0]!.finishedAt).not.toBeNull();
    expect(workspace.store.integrityCheck()).toEqual(['ok']);
  });

  it('serve: a server killed mid-burst leaves only whole traffic records, and serves again', {
    timeout: 300_000,
  }, async () => {
    const secret = createApiKey(workspace.store, {
      name: `burst-${Date.now()}`,
      scopes: ['inference'],
    }).secret;
    const start = async () => {
      const server = tailor(['serve', '--port', '0']);
      const url = await new Promise<string>((found, failed) => {
        let text = '';
        server.stdout!.on('data', (chunk) => {
          text += String(chunk);
          const url = /listening on (http:\/\/\S+)/.exec(text)?.[1];
          if (url) found(url);
        });
        server.on('exit', (code) => failed(new Error(`serve exited ${code}`)));
      });
      return { server, url };
    };
    const ask = (url: string, content: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({
          model: 'smollm2-135m-instruct',
          messages: [{ role: 'user', content }],
          max_tokens: 12,
          temperature: 0,
        }),
      });
    const { server, url } = await start();
    expect((await ask(url, 'warm up')).status).toBe(200);
    const before = workspace.store.traffic.recent({ limit: 1000 }).length;
    const answered: number[] = [];
    const burst = Array.from({ length: 8 }, (_, index) =>
      ask(url, `Request ${index}: say something.`)
        .then((response) => {
          answered.push(response.status);
        })
        .catch(() => undefined),
    );
    const killAt = randomInt(1, 6);
    console.log(`serve: killed after ${killAt} of 8 answers`);
    await until(() => answered.length >= killAt, 240_000);
    server.kill('SIGKILL');
    await Promise.all(burst);
    await server.done;

    expect(workspace.store.integrityCheck()).toEqual(['ok']);
    const all = workspace.store.traffic.recent({ limit: 1000 });
    const captured = all.slice(0, all.length - before);
    // Every answer a client received is captured whole; nothing is half a record.
    expect(captured.length).toBeGreaterThanOrEqual(answered.filter((status) => status === 200).length);
    for (const record of captured) {
      expect(record.status).toBe(200);
      expect(
        (record.response as { choices: { message: { content: string } }[] }).choices[0]!.message.content,
      ).toEqual(expect.any(String));
    }
    const again = await start();
    try {
      expect((await ask(again.url, 'still there?')).status).toBe(200);
    } finally {
      again.server.kill('SIGTERM');
      await again.server.done;
    }
  });

  it('train sft: a killed run resumes from its checkpoint, and leaves no temporary folder', {
    timeout: 600_000,
  }, async () => {
    const args = [
      'train',
      'sft',
      '--name',
      'killed',
      '--steps',
      '6',
      '--batch-size',
      '2',
      '--micro-batch-size',
      '2',
      '--checkpoint-every',
      '2',
      '--eval-every',
      '6',
      '--validation-examples',
      '2',
      '--limit',
      '12',
      '--threads',
      '2',
    ];
    const runDirectory = join(root, '.tailor', 'runs', 'killed');
    const folder = join(runDirectory, 'checkpoints');
    const checkpoints = () =>
      existsSync(folder) ? readdirSync(folder).filter((name) => /^step-\d+$/.test(name)) : [];
    const first = tailor(args);
    // Killed at a random moment after the first checkpoint: between steps, or inside the next save.
    await until(() => checkpoints().length > 0, 480_000);
    const delay = randomInt(0, 4000);
    console.log(`train sft: killed ${delay} ms after the first checkpoint`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    first.kill('SIGKILL');
    await first.done;

    const resumed = await tailor([...args, '--resume']).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resumed from step [1-9]/);
    expect(workspace.store.training.specialist('killed')).toBeDefined();
    expect(readdirSync(folder).filter((name) => name.includes('.tmp-'))).toEqual([]);
    expect(workspace.store.integrityCheck()).toEqual(['ok']);
  });
});
