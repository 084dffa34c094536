import { ModelReferenceError } from './errors.js';

/**
 * Model references are strings people type on the command line and in `tailor.yaml`:
 *
 *   llama:smollm2-135m-instruct                 catalog name (pulled on first use)
 *   llama:./model.gguf+lora:./adapter.gguf@0.5  local GGUF plus a LoRA adapter at scale 0.5
 *   openai:gpt-4.1-mini                         OpenAI (or the configured base URL)
 *   openai:http://127.0.0.1:8080/v1#my-model    any OpenAI-compatible endpoint
 *   anthropic:claude-sonnet-4-5
 *
 * A bare catalog name or a path ending in `.gguf` means `llama:`.
 *
 * This file holds only the grammar every provider shares, `<provider>:<body>`; what a body means is
 * each provider's business, and `parseModelReference` (src/models/provider-registry.ts) puts the two
 * together.
 */
export interface ModelReferenceParts {
  /** The provider prefix, or undefined for a bare name or path (the default provider's). */
  provider: string | undefined;
  /** What follows the prefix (the whole trimmed text when there is none). */
  body: string;
}

/** Split a reference at its provider prefix; `providers` are the prefixes that exist. */
export function splitModelReference(text: string, providers: readonly string[]): ModelReferenceParts {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new ModelReferenceError('Empty model reference');
  const colon = trimmed.indexOf(':');
  const prefix = colon > 0 ? trimmed.slice(0, colon) : '';
  if (!providers.includes(prefix)) {
    // A word before the colon names a provider we do not have; a Windows drive (`C:\`) does not.
    if (colon > 0 && /^[a-z][a-z0-9-]*$/.test(prefix) && !trimmed.slice(colon).startsWith(':\\')) {
      throw new ModelReferenceError(`Unknown provider "${prefix}" in model reference "${text}"`, {
        hint: `Use one of ${providers.map((name) => `${name}:`).join(', ')}`,
      });
    }
    return { provider: undefined, body: trimmed };
  }
  const body = trimmed.slice(colon + 1);
  if (body.length === 0) throw new ModelReferenceError(`Model reference "${text}" names no model`);
  return { provider: prefix, body };
}
