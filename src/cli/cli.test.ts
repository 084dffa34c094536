import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The CLI as a user runs it: a child process, real model, real workspace folder.
const entry = join(import.meta.dirname, 'entry.ts');
const repository = join(import.meta.dirname, '..', '..');
const tsx = import.meta.resolve('tsx');

function tailor(args: string[], cwd = repository, input?: string) {
  const result = spawnSync(process.execPath, ['--import', tsx, entry, ...args], {
    cwd,
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 170_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('tailor CLI', () => {
  it('prints help for the program and every command', () => {
    const help = tailor(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['init', 'models', 'chat', 'eval']) expect(help.stdout).toContain(command);
    expect(tailor(['models', '--help']).stdout).toMatch(/pull[\s\S]*list/);
    expect(tailor(['chat', '--help']).stdout).toContain('--json-schema');
    expect(tailor(['bogus']).code).toBe(2);
  });

  it('initialises a workspace and reports config errors with file, line and key', () => {
    const root = mkdtempSync(join(tmpdir(), 'tailor-cli-'));
    const init = tailor(['init', root]);
    expect(init.code).toBe(0);
    expect(existsSync(join(root, 'tailor.yaml'))).toBe(true);
    expect(existsSync(join(root, '.tailor', 'tailor.db'))).toBe(true);
    writeFileSync(join(root, 'tailor.yaml'), 'version: 1\nllama:\n  parallel: lots\n');
    const broken = tailor(['chat', '-p', 'hi'], root);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`${join(root, 'tailor.yaml')}:3: llama.parallel: expected number`);
  });

  it('answers a one-shot prompt on the default model, as text and as JSON', () => {
    const text = tailor([
      'chat',
      'llama:smollm2-135m-instruct',
      '-p',
      'What is the capital of France? Answer in one sentence.',
      '-t',
      '0',
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Paris/);
    expect(text.stderr).toMatch(/llama:smollm2-135m-instruct · \d+ in \/ \d+ out/);

    const json = tailor(['--json', 'chat', '-p', 'Say yes.', '-t', '0', '-n', '8']);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.model).toBe('llama:smollm2-135m-instruct');
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  it('holds an interactive conversation over stdin', () => {
    const session = tailor(
      ['chat', '-t', '0', '-n', '12'],
      repository,
      'Say hi.\n/reset\nName a colour.\n/exit\n',
    );
    expect(session.code).toBe(0);
    expect(session.stdout).toContain('Chatting with llama:smollm2-135m-instruct');
    // A prompt before each of the two questions, after the reset, and after the second answer.
    expect(session.stdout.match(/> /g)?.length).toBeGreaterThanOrEqual(4);
    expect(
      session.stdout.split('\n').filter((line) => line.replace(/^(> )+/, '').trim().length > 0).length,
    ).toBe(3);
  });

  it('lists models with their metadata', () => {
    const listed = tailor(['--json', 'models', 'list']);
    expect(listed.code).toBe(0);
    const { models } = JSON.parse(listed.stdout);
    const smol = models.find((model: { name: string }) => model.name === 'smollm2-135m-instruct');
    expect(smol.summary).toMatchObject({ architecture: 'llama', quantization: 'Q4_1', contextLength: 8192 });
    expect(tailor(['models', 'list']).stdout).toMatch(
      /smollm2-135m-instruct\s+yes\s+llama\s+Q4_1\s+135M\s+8192/,
    );
  });

  it('evaluates supplied outputs with the task graders, then reports the stored run', () => {
    const root = mkdtempSync(join(tmpdir(), 'tailor-cli-eval-'));
    const example = join(repository, 'examples', 'clinical-notes');
    cpSync(example, root, { recursive: true, filter: (source) => !source.includes('.tailor') });
    const args = [
      '-w',
      root,
      'eval',
      '--split',
      'train',
      '--outputs',
      join(root, 'incumbent/train-outputs.jsonl'),
    ];
    const first = tailor([...args, '--graders', 'schema,fields,medications', '--limit', '200']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^schema\s+0\.\d{3} \[0\.\d{3}, [01]\.\d{3}\]\s+\d+\.\d%\s+0$/m);
    expect(first.stdout).toMatch(/^medications\s+0\.\d{3}/m);
    expect(first.stdout).toMatch(/^overall\s+0\.\d{3}/m);
    // Supplied outputs were not run here: no latency, tokens or cost printed as if measured.
    expect(first.stdout).toContain('supplied outputs: latency, tokens and cost not measured');
    expect(first.stdout).not.toMatch(/\$0\.0000|p50 0\.00s/);
    const again = tailor([...args, '--graders', 'schema,fields,medications', '--limit', '200', '--json']);
    const runA = JSON.parse(again.stdout);
    expect(runA).toMatchObject({ examples: 200, resumed: 200 });
    // Scores by a field of the reference: the groups cover every example.
    const grouped = JSON.parse(
      tailor([
        ...args,
        '--graders',
        'schema,fields,medications',
        '--limit',
        '200',
        '--json',
        '--by',
        'vitals.resp_rate',
      ]).stdout,
    );
    expect(grouped.groups.by).toBe('vitals.resp_rate');
    expect(grouped.groups.scores.map((group: { group: string }) => group.group)).toContain('(none)');
    expect(
      grouped.groups.scores.reduce((sum: number, group: { examples: number }) => sum + group.examples, 0),
    ).toBe(200);
    expect(readFileSync(runA.report, 'utf8')).toMatch(/<svg [\s\S]*<svg [\s\S]*<svg /);

    const runB = JSON.parse(
      tailor([
        ...args,
        '--graders',
        'schema',
        '--limit',
        '200',
        '--json',
        '--export',
        join(root, 'b.csv'),
        '--priced-as',
        'openai:gpt-4.1-mini',
      ]).stdout,
    );
    // The outputs and grades leave the workspace without SQL: CSV from eval, JSONL from runs export.
    const csv = readFileSync(join(root, 'b.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toBe(
      'run,model,id,output,score,pass,schema.score,schema.pass,schema.reason,input_tokens,output_tokens,latency_ms,cost_usd',
    );
    const listed = tailor(['-w', root, '--json', 'runs', 'list']);
    expect(JSON.parse(listed.stdout).map((run: { id: string }) => run.id)).toEqual(
      expect.arrayContaining([runA.runId, runB.runId]),
    );
    const exported = tailor(['-w', root, 'runs', 'export', runA.runId, '--out', join(root, 'a.jsonl')]);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = readFileSync(join(root, 'a.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows).toHaveLength(200);
    expect(Object.keys(rows[0].grades).sort()).toEqual(['fields', 'medications', 'schema']);
    const missing = tailor(['-w', root, 'runs', 'export', 'nope', '--out', join(root, 'x.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no eval run "nope"');
    const compared = tailor(['-w', root, 'compare', runA.runId, runB.runId]);
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stdout).toMatch(/200 shared examples/);
    expect(compared.stdout).toMatch(/score difference B − A: -?0\.\d{3} \[95% CI -?0\.\d{3}, -?0\.\d{3}\]/);
    expect(compared.stdout).toMatch(/McNemar p = /);
    // Economics side by side: A not measured, B estimated at the API model's price.
    expect(compared.stdout).toMatch(/^latency p50\s+not measured\s+not measured$/m);
    expect(compared.stdout).toMatch(
      /^cost\/1k requests\s+unknown\s+~\$0\.\d{4} \(priced as openai:gpt-4\.1-mini\)$/m,
    );
    expect(runB.economics).toEqual({
      latency: 'not measured',
      tokens: 'estimated',
      pricedAs: 'openai:gpt-4.1-mini',
    });
    expect(runB.costPer1000Requests).toBeGreaterThan(0);
    const comparePage = /^report: (.*compare-.*\.html)$/m.exec(compared.stdout)?.[1];
    expect(readFileSync(comparePage!, 'utf8').match(/<circle class="point"/g)).toHaveLength(200);
    // The default model as a pairwise judge, both orders, on two pairs.
    const judged = tailor([
      '-w',
      root,
      '--json',
      'compare',
      runA.runId,
      runB.runId,
      '--judge',
      'llama:smollm2-135m-instruct',
      '--limit',
      '2',
    ]);
    expect(judged.code, judged.stderr).toBe(0);
    const { pairwise } = JSON.parse(judged.stdout);
    expect(pairwise.pairs).toBe(2);
    expect(pairwise.winsA + pairwise.winsB + pairwise.ties + pairwise.errors).toBe(2);
    // Consistency is over the pairs the judge could decide; null (NaN) when it decided none.
    const consistency = pairwise.positionConsistency as number | null;
    expect(consistency === null ? pairwise.errors === 2 : consistency >= 0 && consistency <= 1).toBe(true);

    // A pairwise grader inside the eval: the incumbent judged against run B's outputs, both orders.
    writeFileSync(
      join(root, 'tailor.yaml'),
      `${readFileSync(join(root, 'tailor.yaml'), 'utf8')}    - name: vs-baseline\n      type: pairwise\n      rubric: Which summary is more faithful to the note?\n      maxTokens: 96\n`,
    );
    const noBaseline = tailor([...args, '--graders', 'vs-baseline', '--limit', '2']);
    expect(noBaseline.code).toBe(1);
    expect(noBaseline.stderr).toContain('Grader vs-baseline compares against a baseline: pass --baseline');
    const paired = tailor([
      ...args,
      '--json',
      '--graders',
      'schema,vs-baseline',
      '--limit',
      '2',
      '--baseline',
      runB.runId,
    ]);
    expect(paired.code, paired.stderr).toBe(0);
    const vsBaseline = JSON.parse(paired.stdout).graders.find(
      (grader: { name: string }) => grader.name === 'vs-baseline',
    );
    // Same outputs on both sides: whatever the 135M judge says, each pair is a graded verdict or a
    // recorded grader error, and consistency is reported over the decided ones.
    expect(vsBaseline.score.count + vsBaseline.errors).toBe(2);
    expect(vsBaseline).toHaveProperty('positionConsistency');

    const unknown = tailor([...args, '--graders', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown grader(s) nope');
    writeFileSync(join(root, 'bad.jsonl'), '{"input":{"note":"x"}}\n{"input":{"text":"y"}}\n');
    const bad = tailor(['-w', root, 'eval', '--dataset', join(root, 'bad.jsonl')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${join(root, 'bad.jsonl')}:2: input.note is missing`);
    // About thirty CLI processes, two of them decoding with the default model: minutes on 2 cores.
  }, 600_000);

  it('imports expert labels all-or-nothing and reports the human ceiling', () => {
    const root = mkdtempSync(join(tmpdir(), 'tailor-cli-labels-'));
    const example = join(repository, 'examples', 'clinical-notes');
    cpSync(example, root, { recursive: true, filter: (source) => !source.includes('.tailor') });
    const good = readFileSync(join(root, 'labels/expert-labels.jsonl'), 'utf8').split('\n').slice(0, 75);
    const bad = join(root, 'some-bad.jsonl');
    writeFileSync(
      bad,
      [
        ...good.slice(0, 3),
        '{"example_id":"x","output":"o","annotator":"a","score":7}',
        ...good.slice(3),
      ].join('\n'),
    );
    const refused = tailor(['-w', root, 'labels', 'import', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${bad}:4: field "score" must be an integer from 1 to 5, got 7`);
    expect(refused.stderr).toContain('nothing was imported');
    expect(tailor(['-w', root, '--json', 'labels', 'stats']).stdout).toMatch(/"labels": 0/);
    const skipped = tailor(['-w', root, 'labels', 'import', bad, '--skip-invalid']);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stdout).toContain('75 labels added');
    expect(skipped.stdout).toContain(`${bad}:4: field "score"`);
    const stats = tailor(['-w', root, 'labels', 'stats']);
    expect(stats.stdout).toMatch(/^dr-okafor\s+25\s+\d+\.\d%\s+\d\.\d\d$/m);
    expect(stats.stdout).toMatch(/Krippendorff α \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]/);
    expect(stats.stdout).toContain('warning: fewer than 30 multiply-labelled items');
    const wrongKind = tailor(['-w', root, 'align', 'report', 'schema']);
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stderr).toContain(
      'Grader "schema" is json-schema; tailor align measures llm-rubric judges',
    );
  });

  it('fails on bad input with a clear message and exit code 1', () => {
    const unknown = tailor(['chat', 'llama:nope', '-p', 'hi']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error: Unknown model "nope"');
    expect(unknown.stderr).toContain('hint: Known models:');
    const json = tailor(['--json', 'chat', 'openai:http://127.0.0.1:9/v1', '-p', 'hi']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error.code).toBe('model-reference-invalid');
  });
});
