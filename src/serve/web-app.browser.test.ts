import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace, type Workspace } from '../store/workspace.js';
import { tailorInProcess } from '../test-support/cli-in-process.js';
import { addUser } from './people.js';
import { createQueue } from './queues.js';
import { type RunningServer, startServer } from './server.js';
import { webAppBuilt } from './web-assets.js';

// The web app end to end, as people use it: the built app (web/dist) served by a real `tailor serve`
// on 127.0.0.1, driven in Debian's headless Chromium. The eval run it reviews is the incumbent's real
// outputs on the reference task's test notes, graded by the task's graders (no model runs).
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
    'test',
    '--outputs',
    join(root, 'incumbent/test-outputs.jsonl'),
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
});
