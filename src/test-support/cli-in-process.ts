import { vi } from 'vitest';
import { main } from '../cli/main.js';

/**
 * Run the `tailor` CLI in this process on a workspace, with its stdout and stderr caught: no `tsx`
 * child to start (seconds per call on a loaded 2-core machine), the same exit codes and messages.
 */
export async function tailorInProcess(
  root: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'tailor', '--workspace', root, ...args]);
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}
