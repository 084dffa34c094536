import type { TransferProgress } from '../models/pull/progress.js';

/**
 * A progress bar with rate and ETA on stderr. On a terminal it redraws one line; elsewhere (CI logs,
 * pipes) it prints a line per quarter so logs stay short. Silent under `--json` on non-terminals.
 */
export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #interactive: boolean;
  #stage = '';
  #started = 0;
  #lastDraw = 0;
  #lastQuarter = -1;

  constructor(
    stream: NodeJS.WriteStream = process.stderr,
    readonly quiet = false,
  ) {
    this.#stream = stream;
    this.#interactive = stream.isTTY === true;
  }

  /** `note` (e.g. a running score) is shown after the bar and does not count as a new stage. */
  update(
    stage: string,
    completed: number,
    total: number | undefined,
    unit: 'bytes' | 'items' = 'bytes',
    note = '',
  ): void {
    if (this.quiet) return;
    const now = Date.now();
    if (stage !== this.#stage) {
      if (this.#stage && this.#interactive) this.#stream.write('\n');
      this.#stage = stage;
      this.#started = now;
      this.#lastQuarter = -1;
    }
    const fraction = total ? Math.min(1, completed / total) : undefined;
    if (this.#interactive) {
      if (now - this.#lastDraw < 100 && fraction !== 1) return;
      this.#lastDraw = now;
      this.#stream.write(
        `\r${formatLine(stage, completed, total, fraction, now - this.#started, unit)}${note}\x1b[K`,
      );
    } else {
      const quarter = fraction === undefined ? 0 : Math.floor(fraction * 4);
      if (quarter === this.#lastQuarter) return;
      this.#lastQuarter = quarter;
      this.#stream.write(
        `${formatLine(stage, completed, total, fraction, now - this.#started, unit)}${note}\n`,
      );
    }
  }

  onTransfer = (progress: TransferProgress): void => {
    this.update(progress.stage, progress.completedBytes, progress.totalBytes);
  };

  /** A message on its own line (the bar, if any, is redrawn by the next update). */
  note(text: string): void {
    if (this.quiet) return;
    this.#stream.write(this.#interactive ? `\r${text}\x1b[K\n` : `${text}\n`);
  }

  done(): void {
    if (this.#stage && this.#interactive && !this.quiet) this.#stream.write('\n');
    this.#stage = '';
  }
}

export function formatLine(
  stage: string,
  completed: number,
  total: number | undefined,
  fraction: number | undefined,
  elapsedMs: number,
  unit: 'bytes' | 'items',
): string {
  const amount = (value: number) => (unit === 'bytes' ? formatBytes(value) : String(value));
  if (fraction === undefined) return completed > 0 ? `${stage} ${amount(completed)}` : `${stage} …`;
  const width = 24;
  const filled = Math.round(fraction * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const rate = elapsedMs > 0 ? completed / (elapsedMs / 1000) : 0;
  const eta = rate > 0 && total ? (total - completed) / rate : undefined;
  // Slow work (a training step, a long generation) reads better as seconds per item than 0.0/s.
  const rateText =
    unit === 'bytes'
      ? `${formatBytes(rate)}/s`
      : rate > 0 && rate < 1
        ? `${(1 / rate).toFixed(1)}s/item`
        : `${rate.toFixed(1)}/s`;
  return `${stage} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${amount(completed)}/${amount(total ?? 0)} ${rateText} ETA ${eta === undefined ? '?' : formatDuration(eta)}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}
