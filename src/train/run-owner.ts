import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TrainingError } from '../core/errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { TrainingRunRecord } from '../store/workspace.js';

/**
 * Which process holds a running training run. The store says `running` from the run's start until
 * it finishes or fails; a process killed outright (SIGKILL, a machine that lost power) never gets
 * to say otherwise. So the run folder holds `owner.json` (pid and host) while the run is live, and a
 * `running` run whose owner is gone from this host reads as `interrupted`: resumable with --resume.
 */
export type RunStatus = TrainingRunRecord['status'] | 'interrupted';

interface Owner {
  pid: number;
  host: string;
}

const ownerFile = (runDirectory: string) => join(runDirectory, 'owner.json');

/** Claim the run for this process; refused while another live process on this host holds it. */
export function claimRun(run: { id: string; runDirectory: string }): void {
  const owner = readOwner(run.runDirectory);
  if (owner && owner.pid !== process.pid && owner.host === hostname() && isAlive(owner.pid)) {
    throw new TrainingError(
      'run-in-progress',
      `training run "${run.id}" is running in process ${owner.pid}`,
      {
        hint: 'Wait for it, stop it, or train under another --name.',
      },
    );
  }
  mkdirSync(run.runDirectory, { recursive: true });
  writeFileAtomic(ownerFile(run.runDirectory), `${JSON.stringify({ pid: process.pid, host: hostname() })}\n`);
}

/** The run has finished or failed: nobody holds it. */
export function releaseRun(runDirectory: string): void {
  rmSync(ownerFile(runDirectory), { force: true });
}

/** The status to show: `running` only while its owner lives (or lives on another host, unknown here). */
export function runStatus(run: Pick<TrainingRunRecord, 'status' | 'runDirectory'>): RunStatus {
  if (run.status !== 'running') return run.status;
  const owner = readOwner(run.runDirectory);
  if (!owner) return 'interrupted';
  if (owner.host !== hostname()) return 'running';
  return isAlive(owner.pid) ? 'running' : 'interrupted';
}

function readOwner(runDirectory: string): Owner | undefined {
  try {
    const owner = JSON.parse(readFileSync(ownerFile(runDirectory), 'utf8')) as Partial<Owner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string'
      ? { pid: owner.pid, host: owner.host }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Signal 0 tests for a process without touching it; EPERM means it exists under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
