import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, WorkspaceError } from '../core/errors.js';
import { initWorkspace, openWorkspace } from './workspace.js';

const directory = () => mkdtempSync(join(tmpdir(), 'tailor-ws-'));

describe('workspace', () => {
  it('init creates config, database and artifacts, and is idempotent', () => {
    const root = directory();
    expect(initWorkspace(root).createdConfig).toBe(true);
    writeFileSync(join(root, 'tailor.yaml'), 'defaultModel: anthropic:claude-sonnet-4-5\n');
    expect(initWorkspace(root).createdConfig).toBe(false);
    expect(readFileSync(join(root, 'tailor.yaml'), 'utf8')).toContain('anthropic');
    const workspace = openWorkspace(root);
    expect(workspace.config.defaultModel).toBe('anthropic:claude-sonnet-4-5');
    workspace.close();
  });

  it('the generated config is valid and documents the defaults', () => {
    const root = directory();
    initWorkspace(root);
    const workspace = openWorkspace(root);
    expect(workspace.config.prices['openai:gpt-4.1-mini']).toEqual({
      inputPerMillion: 0.4,
      outputPerMillion: 1.6,
    });
    workspace.close();
  });

  it('the generated config carries a task skeleton that is valid once uncommented', () => {
    const root = directory();
    initWorkspace(root);
    const text = readFileSync(join(root, 'tailor.yaml'), 'utf8');
    const skeleton = text.slice(text.indexOf('# task:'));
    const uncommented = skeleton
      .split('\n')
      .filter((line) => line.startsWith('# ') && !line.startsWith('# An example'))
      .map((line) => line.slice(2))
      .join('\n');
    writeFileSync(join(root, 'tailor.yaml'), `version: 1\n${uncommented}\n`);
    const workspace = openWorkspace(root);
    expect(workspace.config.task).toMatchObject({
      name: 'my-task',
      output: { format: 'json' },
      graders: [
        { name: 'schema', required: true },
        { name: 'fields', weight: 2 },
      ],
    });
    workspace.close();
  });

  it('fails clearly without a workspace or with a bad config', () => {
    const root = directory();
    expect(() => openWorkspace(root)).toThrow(WorkspaceError);
    writeFileSync(join(root, 'tailor.yaml'), 'cache:\n  enabled: maybe\n');
    expect(() => openWorkspace(root)).toThrow(ConfigError);
    expect(() => initWorkspace(root)).toThrow(/tailor\.yaml:2: cache\.enabled/);
  });
});
