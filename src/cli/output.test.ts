import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TailorError } from '../core/errors.js';
import { reportError } from './output.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function caught(run: () => number): { code: number; stderr: string } {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const code = run();
  vi.restoreAllMocks();
  return { code, stderr };
}

describe('reportError', () => {
  it('prints a Tailor error as its message and hint', () => {
    const { code, stderr } = caught(() =>
      reportError(
        new TailorError('usage', '--limit must be a positive integer', { hint: 'e.g. --limit 5' }),
        false,
      ),
    );
    expect(code).toBe(1);
    expect(stderr).toBe('error: --limit must be a positive integer\nhint: e.g. --limit 5\n');
  });

  it('says a bug is a bug, puts its stack in a log file and keeps it off the terminal', () => {
    const logs = mkdtempSync(join(tmpdir(), 'tailor-logs-'));
    vi.stubEnv('TAILOR_LOG_DIR', logs);
    const bug = new TypeError("Cannot read properties of undefined (reading 'score')");
    const { code, stderr } = caught(() => reportError(bug, false));
    expect(code).toBe(70);
    expect(stderr).toContain("internal error: Cannot read properties of undefined (reading 'score')");
    expect(stderr).toContain('This is a bug in Tailor');
    expect(stderr).not.toMatch(/\n\s+at /);
    const [log] = readdirSync(logs);
    expect(stderr).toContain(join(logs, log!));
    const detail = readFileSync(join(logs, log!), 'utf8');
    expect(detail).toContain('TypeError');
    expect(detail).toMatch(/\n\s+at /);
  });
});
