import { ProviderError } from '../../core/errors.js';

/**
 * Map an error thrown by a vendor SDK (OpenAI's and Anthropic's share a shape: `status`, `headers`,
 * connection and abort error classes) to a `ProviderError` with an honest `isRetryable`.
 */
export function toProviderError(provider: string, endpoint: string, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const err = error as {
    name?: string;
    status?: number;
    message?: string;
    headers?: Headers | Record<string, string>;
  };
  const name = err.name ?? '';
  const message = err.message ?? String(error);
  if (name === 'APIUserAbortError' || name === 'AbortError') {
    return new ProviderError(provider, `${provider} call aborted`, { cause: error, code: 'aborted' });
  }
  if (name === 'APIConnectionTimeoutError') {
    return new ProviderError(provider, `${provider} request to ${endpoint} timed out`, {
      cause: error,
      isRetryable: true,
      code: 'provider-timeout',
    });
  }
  if (name === 'APIConnectionError' || err.status === undefined) {
    const detail = describeCause(error) ?? message;
    return new ProviderError(provider, `Cannot reach ${endpoint}: ${detail}`, {
      cause: error,
      isRetryable: true,
      code: 'provider-unreachable',
      hint: 'Check the base URL and that the server is running (and, for hosted APIs, your network).',
    });
  }
  const status = err.status;
  const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
  const hint =
    status === 401 || status === 403
      ? `Check the API key for ${provider} (tailor.yaml providers.${provider}.apiKeyEnv).`
      : status === 404
        ? 'Check the model name and the base URL.'
        : undefined;
  const providerError = new ProviderError(provider, `${provider} answered ${status}: ${message}`, {
    cause: error,
    status,
    isRetryable: retryable,
    ...(hint ? { hint } : {}),
  });
  const retryAfter = headerValue(err.headers, 'retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) Object.assign(providerError, { retryAfterMs: seconds * 1000 });
  }
  return providerError;
}

function headerValue(
  headers: Headers | Record<string, string> | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string>)[name];
}

function describeCause(error: unknown): string | undefined {
  let current = (error as { cause?: unknown }).cause;
  while (current) {
    const code = (current as { code?: string }).code;
    if (code) return `${code} ${(current as Error).message ?? ''}`.trim();
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
