import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace, type Workspace } from '../store/workspace.js';
import { tailorInProcess } from '../test-support/cli-in-process.js';
import { writeFakeTrainingRun } from '../test-support/training-runs.js';
import { addUser } from './people.js';
import { createQueue } from './queues.js';
import { type RunningServer, startServer } from './server.js';
import { webAppBuilt } from './web-assets.js';

// The web app end to end, as people use it: the built app (web/dist) served by a real `tailor serve`
// on 127.0.0.1, driven in Debian's headless Chromium. The eval run it reviews is the incumbent's real
// outputs on the reference task's validation notes, graded by the task's graders (no model runs).
// Screenshots go to $TAILOR_SCREENSHOTS when set (to look at), else to the test's temporary folder.

const example = new URL('../../examples/clinical-notes/', import.meta.url).pathname;
let root: string;
let workspace: Workspace;
let server: RunningServer;
let browser: Browser;
let runId: string;
let shots: string;

beforeAll(async () => {
  expect(webAppBuilt(), 'web/dist is missing: run npm run build').toBe(true);
  root = mkdtempSync(join(tmpdir(), 'tailor-web-'));
  cpSync(example, root, {
    recursive: true,
    filter: (source) => !source.includes('.tailor') && !source.includes('production'),
  });
  const graded = await tailorInProcess(root, [
    'eval',
    '--split',
    'validation',
    '--outputs',
    join(root, 'incumbent/validation-outputs.jsonl'),
    '--graders',
    'schema,fields,medications',
    '--limit',
    '40',
  ]);
  expect(graded.code, graded.stderr).toBe(0);
  workspace = openWorkspace(root);
  runId = workspace.store.evalRuns.list()[0]!.id;
  server = await startServer({
    config: workspace.config,
    store: workspace.store,
    port: 0,
    modelFor: () => Promise.reject(new Error('the web app asks no model')),
  });
  shots = process.env.TAILOR_SCREENSHOTS ?? join(root, 'screenshots');
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  workspace?.close();
});

async function person(inviteLink: string, password: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Nothing outside the server may be asked for: the app is built to work offline.
  page.on('request', (request) => {
    if (!request.url().startsWith(server.url)) throw new Error(`the app fetched ${request.url()}`);
  });
  await page.goto(inviteLink);
  await page.getByTestId('invite-password').fill(password);
  await page.getByTestId('invite-submit').click();
  await page.getByTestId('signout').waitFor();
  return page;
}

/** Label the five items of the queue with the keyboard only: verdict, score, sometimes a critique. */
async function labelFive(page: Page, verdicts: boolean[]): Promise<void> {
  for (const [index, pass] of verdicts.entries()) {
    await page.getByTestId('item-output').waitFor();
    await expect.poll(() => page.getByTestId('progress').textContent()).toBe(`labelled ${index} of 5`);
    await page.keyboard.press(pass ? 'p' : 'f');
    await page.keyboard.press(pass ? '5' : '2');
    if (!pass) {
      await page.keyboard.press('c');
      await page.keyboard.type('a medication dose is wrong');
      await page.keyboard.press('Escape');
    }
    expect(await page.getByTestId('verdict').textContent()).toBe(pass ? 'pass' : 'fail');
    await page.keyboard.press('Enter');
  }
  await page.getByTestId('queue-done').waitFor();
}

describe('the web app in a browser', () => {
  it('an admin makes a queue and invites two annotators, who label it with the keyboard; agreement shows', async () => {
    const admin = await person(
      `${server.url}/#/invite/${addUser(workspace.store, 'lead', 'admin', 'test').token}`,
      'lead-password',
    );

    // People: two annotators, each with an invite link shown once.
    await admin.getByTestId('nav-admin').click();
    const links: string[] = [];
    for (const name of ['ana', 'ben']) {
      await admin.getByTestId('create-user-name').fill(name);
      await admin.getByTestId('create-user-role').selectOption('annotator');
      await admin.getByTestId('create-user-submit').click();
      await admin.locator(`[data-testid="user-row"][data-user="${name}"]`).waitFor();
      const link = async () => (await admin.getByTestId('invite-url').textContent())?.trim() ?? '';
      await expect
        .poll(async () => (await link()).includes('/#/invite/') && !links.includes(await link()))
        .toBe(true);
      links.push(await link());
    }
    // A queue from the eval run: its first five outputs, each for both annotators.
    await admin.getByTestId('queue-name').fill('Incumbent review');
    await admin.getByTestId('queue-run').selectOption(runId);
    await admin.locator('[data-testid="queue-annotators"] [data-annotator="ana"]').check();
    await admin.locator('[data-testid="queue-annotators"] [data-annotator="ben"]').check();
    await admin.getByTestId('queue-overlap').fill('2');
    await admin.getByTestId('queue-limit').fill('5');
    await admin.screenshot({ path: join(shots, 'admin.png'), fullPage: true });
    await admin.getByTestId('queue-submit').click();
    await admin.waitForURL(/#\/queues\/q-/);
    const queueId = /#\/queues\/(q-[0-9a-f]+)/.exec(admin.url())![1]!;

    const ana = await person(links[0]!, 'ana-password');
    const ben = await person(links[1]!, 'ben-password');
    for (const [page, verdicts] of [
      [ana, [true, true, false, true, false]],
      [ben, [true, false, false, true, false]],
    ] as const) {
      await page.getByTestId('nav-queues').click();
      await page.locator(`[data-testid="queue-row"][data-queue-id="${queueId}"]`).click();
      await page.getByTestId('start-labelling').click();
      if (page === ana) {
        await page.getByTestId('item-output').waitFor();
        await page.keyboard.press('g');
        await page.getByTestId('item-grades').waitFor();
        await page.screenshot({ path: join(shots, 'label.png'), fullPage: true });
        await page.keyboard.press('g');
      }
      await labelFive(page, [...verdicts]);
    }

    // The labels are in the workspace's labels table, where the CLI counts them.
    const labels = workspace.store.labels.list();
    expect(labels).toHaveLength(10);
    expect(labels.filter((label) => label.annotator === 'ana').map((label) => label.pass)).toHaveLength(5);
    expect(labels.filter((label) => label.critique === 'a medication dose is wrong')).toHaveLength(5);
    const stats = await tailorInProcess(root, ['labels', 'stats']);
    expect(stats.code, stats.stderr).toBe(0);
    expect(stats.stdout).toMatch(/ana\s+5/);
    expect(stats.stdout).toMatch(/ben\s+5/);

    // Progress and agreement, live on the queue's page (4 of the 5 verdicts agree).
    await admin.reload();
    await admin.getByTestId('agreement').waitFor();
    for (const name of ['ana', 'ben'])
      expect(
        await admin.locator(`[data-testid="annotator-progress-row"][data-annotator="${name}"]`).textContent(),
      ).toContain('5');
    expect(await admin.getByTestId('agreement').textContent()).toMatch(/0\.\d+/);
    await admin.screenshot({ path: join(shots, 'queue.png'), fullPage: true });

    // An annotator cannot open another's queue or an admin page: not in the app, not through the API.
    const onlyAna = createQueue(
      workspace.store,
      { name: 'ana only', source: { kind: 'eval-run', runId }, annotators: ['ana'], overlap: 1, limit: 3 },
      'lead',
    );
    expect((await ben.request.get(`${server.url}/api/queues/${onlyAna.id}`)).status()).toBe(403);
    expect((await ben.request.get(`${server.url}/api/queues/${onlyAna.id}/next`)).status()).toBe(403);
    expect((await ben.request.get(`${server.url}/api/users`)).status()).toBe(403);
    await ben.goto(`${server.url}/#/queues/${onlyAna.id}`);
    await ben.getByTestId('error').waitFor();
    expect(await ben.getByTestId('nav-admin').count()).toBe(0);
    // Experts see their queues only: no runs, training, judges or traffic, in the nav or the API.
    for (const page of ['runs', 'training', 'judges', 'traffic'])
      expect(await ben.getByTestId(`nav-${page}`).count()).toBe(0);
    for (const path of ['runs', 'training', 'judges', 'traffic'])
      expect((await ben.request.get(`${server.url}/api/${path}`)).status()).toBe(403);
    await ben.goto(`${server.url}/#/admin`);
    await ben.getByTestId('error').waitFor();
    expect(await ben.getByTestId('create-user-submit').count()).toBe(0);
  });

  it("filters an eval run's drill-down to its failures", async () => {
    const admin = await person(
      `${server.url}/#/invite/${addUser(workspace.store, 'auditor', 'viewer', 'test').token}`,
      'auditor-password',
    );
    await admin.getByTestId('nav-runs').click();
    await admin.locator(`[data-testid="run-row"][data-run-id="${runId}"]`).click();
    await expect.poll(() => admin.getByTestId('result-row').count()).toBe(40);
    await admin.getByTestId('filter-failures').check();
    const failing = workspace.store.evalRuns
      .results(runId)
      .filter((result) =>
        Object.values(result.grades as Record<string, { pass?: boolean }>).some(
          (grade) => grade.pass === false,
        ),
      ).length;
    expect(failing).toBeGreaterThan(0);
    expect(failing).toBeLessThan(40);
    await expect.poll(() => admin.getByTestId('result-row').count()).toBeLessThan(40);
    const shown = await admin
      .getByTestId('result-row')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-pass')));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((pass) => pass === 'false')).toBe(true);
    await admin.screenshot({ path: join(shots, 'run.png'), fullPage: true });
  });

  it("draws a training run's curves, live while it runs, and compares two eval runs", async () => {
    const store = workspace.store;
    const runs = join(root, '.tailor', 'fake-training');
    writeFakeTrainingRun(store, { id: 'notes-sft', method: 'sft', root: runs, steps: 60, evalEvery: 10 });
    writeFakeTrainingRun(store, { id: 'notes-grpo', method: 'grpo', root: runs, steps: 40, evalEvery: 10 });
    const live = writeFakeTrainingRun(store, {
      id: 'notes-live',
      method: 'sft',
      root: runs,
      steps: 7,
      evalEvery: 5,
      running: true,
    });
    const viewer = await person(
      `${server.url}/#/invite/${addUser(store, 'analyst', 'viewer', 'test').token}`,
      'analyst-password',
    );

    // The list, then a GRPO run: loss, validation score, reward per grader, the monitor with flags.
    await viewer.getByTestId('nav-training').click();
    await expect.poll(() => viewer.getByTestId('training-row').count()).toBe(3);
    await viewer.locator('[data-testid="training-row"][data-run-id="notes-grpo"]').click();
    await viewer.getByTestId('chart-monitor').waitFor();
    for (const chart of ['chart-loss', 'chart-validation', 'chart-reward', 'chart-monitor', 'chart-lr']) {
      const lines = viewer.getByTestId(chart).getByTestId('chart-line');
      expect(await lines.count(), chart).toBeGreaterThan(0);
      expect((await lines.first().getAttribute('d'))!.split('L').length, chart).toBeGreaterThan(3);
    }
    expect(await viewer.getByTestId('chart-reward').getByTestId('chart-line').count()).toBe(3);
    expect(await viewer.getByTestId('chart-validation').getByTestId('chart-dot').count()).toBe(5);
    expect(await viewer.getByTestId('chart-monitor').getByTestId('chart-mark').count()).toBeGreaterThan(0);
    expect(await viewer.getByTestId('monitor-note').textContent()).toMatch(/Flagged \d+ steps?/);
    expect(await viewer.getByTestId('consistency').textContent()).toContain('passed');
    await viewer.screenshot({ path: join(shots, 'training.png'), fullPage: true });

    // An SFT run: training and validation loss on one chart.
    await viewer.goto(`${server.url}/#/training/notes-sft`);
    await viewer.getByTestId('chart-loss').getByTestId('chart-dot').first().waitFor();
    expect(await viewer.getByTestId('chart-loss').getByTestId('chart-line').count()).toBe(2);
    expect(await viewer.getByTestId('chart-loss').getByTestId('chart-dot').count()).toBe(7);
    expect(await viewer.getByTestId('chart-reward').count()).toBe(0);
    await viewer.screenshot({ path: join(shots, 'training-sft.png'), fullPage: true });

    // A running run re-fetches: a new step in its metrics shows up without a reload.
    await viewer.goto(`${server.url}/#/training/notes-live`);
    await expect.poll(() => viewer.getByTestId('live').textContent()).toContain('step 7');
    appendFileSync(
      join(live, 'metrics.jsonl'),
      `${JSON.stringify({ type: 'train', step: 8, loss: 1.2, learningRate: 1e-4, tokens: 512, tokensPerSecond: 980, elapsedSeconds: 36 })}\n`,
    );
    await expect
      .poll(() => viewer.getByTestId('live').textContent(), { timeout: 15_000 })
      .toContain('step 8');

    // A second eval run on the same notes: a candidate that fixes some outputs and breaks others.
    const incumbent = new Map(
      readFileSync(join(root, 'incumbent/validation-outputs.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { id: string; output: string })
        .map((row) => [row.id, row.output]),
    );
    const records = readFileSync(join(root, 'data/validation.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; reference: unknown });
    const candidate = records.map((record, index) => ({
      id: record.id,
      output:
        index % 7 === 3
          ? '{"chief_complaint": "cut off'
          : index % 3 === 0
            ? JSON.stringify(record.reference)
            : (incumbent.get(record.id) ?? '{}'),
    }));
    const candidateFile = join(root, 'candidate-outputs.jsonl');
    writeFileSync(candidateFile, `${candidate.map((row) => JSON.stringify(row)).join('\n')}\n`);
    const graded = await tailorInProcess(root, [
      'eval',
      '--split',
      'validation',
      '--outputs',
      candidateFile,
      '--graders',
      'schema,fields,medications',
      '--limit',
      '40',
    ]);
    expect(graded.code, graded.stderr).toBe(0);
    const candidateRun = store.evalRuns.list().find((run) => run.id !== runId)!.id;

    // Pick the two runs in the list, A first, and compare.
    await viewer.getByTestId('nav-runs').click();
    const pick = (id: string) =>
      viewer.locator(`[data-testid="run-row"][data-run-id="${id}"] [data-testid="compare-pick"]`);
    await pick(runId).check();
    await pick(candidateRun).check();
    await viewer.screenshot({ path: join(shots, 'runs.png'), fullPage: true });
    await viewer.getByTestId('compare-runs').click();
    await viewer.waitForURL(/#\/compare\//);
    expect(viewer.url()).toContain(`#/compare/${runId}/${candidateRun}`);
    await viewer.getByTestId('compare-scatter').getByTestId('scatter-point').first().waitFor();
    expect(await viewer.getByTestId('compare-scatter').getByTestId('scatter-diagonal').count()).toBe(1);
    expect(await viewer.getByTestId('scatter-point').count()).toBeGreaterThan(3);
    expect(await viewer.getByTestId('compare-stats').textContent()).toMatch(/40 shared examples/);
    expect(await viewer.getByTestId('compare-difference').textContent()).toMatch(/^[+-]?\d/);
    await viewer.screenshot({ path: join(shots, 'compare.png'), fullPage: true });

    // Judges: κ per version, as tuning and training record it.
    const rubric = { name: 'plan-faithfulness', type: 'llm-rubric', rubric: 'Faithful plan?', weight: 1 };
    const kappa = (mean: number) => ({ mean, low: mean - 0.12, high: mean + 0.1, count: 60 });
    for (const [winner, untuned, tuned] of [
      ['few-shot', 0.38, 0.55],
      ['rewrite', 0.55, 0.63],
    ] as const)
      store.judgeVersions.saveNext({
        name: 'plan-faithfulness',
        config: rubric,
        parentVersion: undefined,
        lineage: { winner, test: { untuned: kappa(untuned), tuned: kappa(tuned), items: 60 } },
      });
    store.judgeVersions.saveNext({
      name: 'plan-probe',
      config: { type: 'probe', base: 'smollm2-135m-instruct', reading: {}, head: {} },
      parentVersion: undefined,
      lineage: { method: 'probe', test: { kappa: kappa(0.71), items: 58 } },
    });
    await viewer.getByTestId('nav-judges').click();
    await expect.poll(() => viewer.getByTestId('bar').count()).toBe(3);
    await viewer.screenshot({ path: join(shots, 'judges.png'), fullPage: true });

    // Traffic, newest first.
    for (let n = 1; n <= 6; n++)
      store.traffic.add({
        id: `req-${n}`,
        keyId: 'k1',
        model: n % 2 ? 'notes@prod' : 'notes@canary',
        request: { messages: [{ role: 'user', content: `Summarise note ${n}: chest pain for 2 days` }] },
        response: { choices: [{ message: { content: '{}' }, finish_reason: 'stop' }] },
        status: n === 4 ? 500 : 200,
        latencyMs: 200 + 10 * n,
        inputTokens: 300 + n,
        outputTokens: n === 4 ? undefined : 120,
      });
    await viewer.getByTestId('nav-traffic').click();
    await expect.poll(() => viewer.getByTestId('traffic-row').count()).toBe(6);
    expect(await viewer.getByTestId('traffic-row').first().getAttribute('data-request-id')).toBe('req-6');
    expect(await viewer.getByTestId('traffic-to-queue').count()).toBe(0);
    await viewer.screenshot({ path: join(shots, 'traffic.png'), fullPage: true });

    // An admin sends one model's answered requests to a queue for an annotator.
    const admin = await person(
      `${server.url}/#/invite/${addUser(store, 'ops', 'admin', 'test').token}`,
      'ops-password',
    );
    await admin.getByTestId('nav-traffic').click();
    await expect.poll(() => admin.getByTestId('traffic-row').count()).toBe(6);
    await admin.getByTestId('traffic-model').selectOption('notes@prod');
    await expect.poll(() => admin.getByTestId('traffic-row').count()).toBe(3);
    await admin.getByTestId('traffic-to-queue').click();
    await admin.locator('[data-testid="traffic-queue-annotators"] [data-annotator="ana"]').check();
    await admin.screenshot({ path: join(shots, 'traffic-queue.png'), fullPage: true });
    await admin.getByTestId('traffic-queue-submit').click();
    await admin.waitForURL(/#\/queues\/q-/);
    const queued = store.queues.queues().find((queue) => queue.name === 'Traffic from notes@prod');
    expect(queued).toBeDefined();
    expect(store.queues.itemIds(queued!.id)).toEqual(['traffic:req-1', 'traffic:req-3', 'traffic:req-5']);
  });
});
