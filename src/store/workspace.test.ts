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

  it('fails clearly without a workspace or with a bad config', () => {
    const root = directory();
    expect(() => openWorkspace(root)).toThrow(WorkspaceError);
    writeFileSync(join(root, 'tailor.yaml'), 'cache:\n  enabled: maybe\n');
    expect(() => openWorkspace(root)).toThrow(ConfigError);
    expect(() => initWorkspace(root)).toThrow(/tailor\.yaml:2: cache\.enabled/);
  });
});
