import type { TailorConfig } from '../../core/config.js';
import type { ProviderPipeline } from './provider.js';

/** A hosted API's entry under `providers:` in tailor.yaml (key, endpoint, limits). */
export type ApiProviderSettings = TailorConfig['providers']['openai'];

export interface ApiConnection {
  apiKey: string | undefined;
  baseURL: string | undefined;
  pipeline: ProviderPipeline;
}

/**
 * What every API provider reads from its settings: the key (literal, else from the environment), the
 * endpoint, and the pipeline around its calls. Calls to one endpoint share one limiter, whatever the
 * model; API calls cost money, so an unpriced one reports no cost rather than zero, and the key is
 * scrubbed from any error that escapes.
 */
export function apiConnection(
  provider: string,
  settings: ApiProviderSettings,
  env: Record<string, string | undefined>,
  baseURL: string | undefined,
): ApiConnection {
  const apiKey = settings.apiKey ?? env[settings.apiKeyEnv];
  return {
    apiKey,
    baseURL,
    pipeline: {
      concurrency: settings.concurrency,
      limiterKey: `${provider}:${baseURL ?? 'default'}`,
      timeoutMs: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      freeByDefault: false,
      secrets: apiKey ? [apiKey] : [],
    },
  };
}
