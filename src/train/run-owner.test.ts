import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimRun, releaseRun, runStatus } from './run-owner.js';

const folder = () => mkdtempSync(join(tmpdir(), 'tailor-run-owner-'));
/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('who holds a running training run', () => {
  it('reads running while this process holds it, and the stored status once released', () => {
    const runDirectory = folder();
    claimRun({ id: 'a', runDirectory });
    expect(runStatus({ status: 'running', runDirectory })).toBe('running');
    releaseRun(runDirectory);
    expect(runStatus({ status: 'finished', runDirectory })).toBe('finished');
    expect(runStatus({ status: 'failed', runDirectory })).toBe('failed');
  });

  it('reads interrupted when the owner was killed (or never wrote its claim)', () => {
    const runDirectory = folder();
    writeFileSync(join(runDirectory, 'owner.json'), JSON.stringify({ pid: deadPid(), host: hostname() }));
    expect(runStatus({ status: 'running', runDirectory })).toBe('interrupted');
    expect(runStatus({ status: 'running', runDirectory: folder() })).toBe('interrupted');
    // A killed owner's claim does not stop the resumed run from claiming it.
    claimRun({ id: 'a', runDirectory });
    expect(runStatus({ status: 'running', runDirectory })).toBe('running');
  });

  it('cannot tell for another host, and refuses a second live owner here', () => {
    const runDirectory = folder();
    writeFileSync(join(runDirectory, 'owner.json'), JSON.stringify({ pid: deadPid(), host: 'elsewhere' }));
    expect(runStatus({ status: 'running', runDirectory })).toBe('running');
    // process.ppid: a live process on this host that is not this one.
    writeFileSync(join(runDirectory, 'owner.json'), JSON.stringify({ pid: process.ppid, host: hostname() }));
    expect(() => claimRun({ id: 'a', runDirectory })).toThrow(
      `training run "a" is running in process ${process.ppid}`,
    );
  });
});
