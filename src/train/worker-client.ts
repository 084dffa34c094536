import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TrainingWorkerError } from '../core/errors.js';
import {
  type CreateParams,
  type CreateResult,
  type ForwardBackwardParams,
  type ForwardBackwardResult,
  type HiddenStatesParams,
  type HiddenStatesResult,
  type LoadResult,
  type LogprobsParams,
  type OptimStepParams,
  type OptimStepResult,
  PROTOCOL_VERSION,
  type SaveParams,
  type SaveResult,
  type WorkerLine,
  type WorkerOps,
} from './worker-protocol.js';

/**
 * The client for the Python training worker: spawns `python -m tailor_worker`, sends one request at a
 * time over stdin and reads replies and progress events from stdout. It supervises the process: an
 * exit (crash, out-of-memory kill) or a request that outlives its deadline becomes a typed
 * `TrainingWorkerError` carrying the tail of the worker's stderr, never a hang.
 */
export interface WorkerOptions {
  /** Python interpreter; default `$TAILOR_WORKER_PYTHON` or the repository's `worker/.venv`. */
  python?: string;
  /** Deadline per request in ms (default 30 min: a create on a large GGUF takes minutes on a CPU). */
  requestTimeoutMs?: number;
  /** Every progress event, whichever request it belongs to. */
  onEvent?: (op: string, event: Record<string, unknown>) => void;
  /** Extra environment for the worker (e.g. OMP_NUM_THREADS). */
  env?: Record<string, string>;
}

const workerFolder = fileURLToPath(new URL('../../worker', import.meta.url));
const STDERR_LINES_KEPT = 40;

export function defaultWorkerPython(): string {
  return process.env.TAILOR_WORKER_PYTHON ?? `${workerFolder}/.venv/bin/python`;
}

export interface RequestOptions {
  onEvent?: (event: Record<string, unknown>) => void;
  /** This request's deadline, instead of the worker's `requestTimeoutMs`. */
  timeoutMs?: number;
}

interface Pending {
  op: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  onEvent: ((event: Record<string, unknown>) => void) | undefined;
}

export class TrainingWorker {
  private readonly process: ChildProcessWithoutNullStreams;
  private readonly options: WorkerOptions;
  private readonly stderrLines: string[] = [];
  private readonly pending = new Map<number, Pending>();
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private exited: TrainingWorkerError | undefined;
  private stdoutBuffer = '';

  private constructor(options: WorkerOptions) {
    this.options = options;
    const python = options.python ?? defaultWorkerPython();
    if (!existsSync(python)) {
      throw new TrainingWorkerError(
        'worker-unavailable',
        `Python for the training worker not found: ${python}`,
        {
          hint: 'Run `make venv` (installs worker/requirements.txt) or set TAILOR_WORKER_PYTHON.',
        },
      );
    }
    this.process = spawn(python, ['-m', 'tailor_worker'], {
      cwd: workerFolder,
      // The worker exits as soon as this process is gone, even mid-op (worker/tailor_worker/watchdog.py).
      env: {
        ...process.env,
        PYTHONUNBUFFERED: '1',
        TAILOR_WORKER_PARENT: String(process.pid),
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.process.stdout.setEncoding('utf8').on('data', (chunk: string) => this.onStdout(chunk));
    this.process.stderr.setEncoding('utf8').on('data', (chunk: string) => this.onStderr(chunk));
    // Writing to a worker that just died fails with EPIPE; the 'close' handler reports the death.
    this.process.stdin.on('error', () => {});
    this.process.on('error', (error) => this.fail(this.crashError(`could not start: ${error.message}`)));
    // 'close' (not 'exit') fires after stderr is drained, so the error carries the worker's last words.
    this.process.on('close', (code, signal) => {
      const how = signal
        ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (often the kernel’s out-of-memory killer)' : ''}`
        : `exited with code ${code}`;
      this.fail(this.crashError(`the training worker ${how}`));
    });
  }

  /** Start a worker and check it speaks this protocol version. */
  static async start(options: WorkerOptions = {}): Promise<TrainingWorker> {
    const worker = new TrainingWorker(options);
    try {
      const hello = await worker.request('hello', { protocol: PROTOCOL_VERSION });
      if (!hello.torch) {
        throw new TrainingWorkerError('worker-unavailable', 'The training worker has no torch installed', {
          hint: 'Run `make venv` to install worker/requirements.txt.',
        });
      }
    } catch (error) {
      worker.kill();
      throw error;
    }
    return worker;
  }

  create(params: CreateParams, onEvent?: (event: Record<string, unknown>) => void): Promise<CreateResult> {
    return this.request('create', params, { onEvent });
  }
  forwardBackward(params: ForwardBackwardParams): Promise<ForwardBackwardResult> {
    return this.request('forward_backward', params);
  }
  optimStep(params: OptimStepParams): Promise<OptimStepResult> {
    return this.request('optim_step', params);
  }
  logprobs(params: LogprobsParams): Promise<{ logprobs: number[][] }> {
    return this.request('logprobs', params);
  }
  hiddenStates(params: HiddenStatesParams): Promise<HiddenStatesResult> {
    return this.request('hidden_states', params);
  }
  save(params: SaveParams): Promise<SaveResult> {
    return this.request('save', params);
  }
  load(dir: string): Promise<LoadResult> {
    return this.request('load', { dir });
  }

  /** Requests run one at a time, in the order they were made. */
  request<Op extends keyof WorkerOps>(
    op: Op,
    params: WorkerOps[Op][0],
    options: RequestOptions = {},
  ): Promise<WorkerOps[Op][1]> {
    const run = this.queue.then(() => this.send(op, params, options));
    this.queue = run.catch(() => undefined);
    return run as Promise<WorkerOps[Op][1]>;
  }

  /** Ask the worker to stop; kill it if it does not within a few seconds. */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.process.once('close', () => resolve()));
    try {
      await Promise.race([this.request('shutdown', {}), exited]);
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.kill(), 5000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }

  /** The worker's process id (for supervision and tests). */
  get pid(): number | undefined {
    return this.process.pid;
  }

  get stderrTail(): string {
    return this.stderrLines.join('\n');
  }

  private send(op: string, params: unknown, options: RequestOptions): Promise<unknown> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    const onEvent = options.onEvent;
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs ?? 30 * 60_000;
      const timer = setTimeout(() => {
        const error = new TrainingWorkerError(
          'worker-timeout',
          `the training worker did not answer '${op}' within ${Math.round(timeoutMs / 1000)} s; it was stopped`,
          { stderrTail: this.stderrTail },
        );
        this.fail(error);
        this.kill();
      }, timeoutMs);
      this.pending.set(id, { op, resolve, reject, timer, onEvent });
      this.process.stdin.write(`${JSON.stringify({ id, op, params })}\n`);
    });
  }

  private onStdout(chunk: string): void {
    this.stdoutBuffer += chunk;
    let newline = this.stdoutBuffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.stdoutBuffer.slice(0, newline).trim();
      this.stdoutBuffer = this.stdoutBuffer.slice(newline + 1);
      if (line) this.onLine(line);
      newline = this.stdoutBuffer.indexOf('\n');
    }
  }

  private onLine(line: string): void {
    let message: WorkerLine;
    try {
      message = JSON.parse(line) as WorkerLine;
    } catch {
      this.onStderr(`(stdout) ${line}\n`); // a stray print: keep it as a diagnostic
      return;
    }
    const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!pending) return;
    if ('event' in message) {
      pending.onEvent?.(message.event);
      this.options.onEvent?.(pending.op, message.event);
      return;
    }
    this.pending.delete(message.id as number);
    clearTimeout(pending.timer);
    if ('error' in message) {
      pending.reject(
        new TrainingWorkerError(
          'worker-request-failed',
          `the training worker refused '${pending.op}' (${message.error.type}): ${message.error.message}`,
          { stderrTail: this.stderrTail },
        ),
      );
    } else {
      pending.resolve(message.result);
    }
  }

  private onStderr(chunk: string): void {
    for (const line of chunk.split('\n')) {
      if (!line.trim()) continue;
      this.stderrLines.push(line);
      if (this.stderrLines.length > STDERR_LINES_KEPT) this.stderrLines.shift();
    }
  }

  private crashError(message: string): TrainingWorkerError {
    return new TrainingWorkerError('worker-crashed', message, {
      stderrTail: this.stderrTail,
      hint: this.stderrTail
        ? `Last worker output:\n${this.stderrTail.split('\n').slice(-8).join('\n')}`
        : undefined,
    });
  }

  private fail(error: TrainingWorkerError): void {
    this.exited ??= error;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      // A clean shutdown's exit is not an error for the shutdown request itself.
      if (pending.op === 'shutdown') pending.resolve({ stopping: true });
      else pending.reject(error);
    }
  }
}
