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
 */
export type ModelReference =
  | { provider: 'llama'; model: string; adapters: LoraAdapterReference[] }
  | { provider: 'openai'; model: string; baseURL?: string }
  | { provider: 'anthropic'; model: string };

export interface LoraAdapterReference {
  path: string;
  scale: number;
}

const providers = ['llama', 'openai', 'anthropic'] as const;

export function parseModelReference(text: string): ModelReference {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new ModelReferenceError('Empty model reference');
  const colon = trimmed.indexOf(':');
  const prefix = colon > 0 ? trimmed.slice(0, colon) : '';
  if (!(providers as readonly string[]).includes(prefix)) {
    if (colon > 0 && /^[a-z][a-z0-9-]*$/.test(prefix) && !trimmed.slice(colon).startsWith(':\\')) {
      throw new ModelReferenceError(`Unknown provider "${prefix}" in model reference "${text}"`, {
        hint: `Use one of ${providers.map((name) => `${name}:`).join(', ')}`,
      });
    }
    return parseLlama(trimmed, text);
  }
  const rest = trimmed.slice(colon + 1);
  if (rest.length === 0) throw new ModelReferenceError(`Model reference "${text}" names no model`);
  if (prefix === 'llama') return parseLlama(rest, text);
  if (prefix === 'anthropic') return { provider: 'anthropic', model: rest };
  return parseOpenAI(rest, text);
}

function parseLlama(rest: string, original: string): ModelReference {
  const [model, ...adapterParts] = rest.split('+');
  if (!model) throw new ModelReferenceError(`Model reference "${original}" names no model`);
  const adapters = adapterParts.map((part) => {
    if (!part.startsWith('lora:')) {
      throw new ModelReferenceError(`Expected "+lora:<path>[@scale]" in "${original}", got "+${part}"`);
    }
    const body = part.slice('lora:'.length);
    const at = body.lastIndexOf('@');
    const path = at > 0 ? body.slice(0, at) : body;
    const scale = at > 0 ? Number(body.slice(at + 1)) : 1;
    if (!path) throw new ModelReferenceError(`LoRA adapter path is empty in "${original}"`);
    if (!Number.isFinite(scale)) {
      throw new ModelReferenceError(`LoRA scale "${body.slice(at + 1)}" in "${original}" is not a number`);
    }
    return { path, scale };
  });
  return { provider: 'llama', model, adapters };
}

function parseOpenAI(rest: string, original: string): ModelReference {
  if (/^https?:\/\//.test(rest)) {
    const hash = rest.lastIndexOf('#');
    if (hash < 0 || hash === rest.length - 1) {
      throw new ModelReferenceError(`Endpoint reference "${original}" needs the model after "#"`, {
        hint: 'Example: openai:http://127.0.0.1:8080/v1#my-model',
      });
    }
    return { provider: 'openai', baseURL: rest.slice(0, hash), model: rest.slice(hash + 1) };
  }
  return { provider: 'openai', model: rest };
}

export function formatModelReference(reference: ModelReference): string {
  switch (reference.provider) {
    case 'llama':
      return [
        `llama:${reference.model}`,
        ...reference.adapters.map((adapter) =>
          adapter.scale === 1 ? `lora:${adapter.path}` : `lora:${adapter.path}@${adapter.scale}`,
        ),
      ].join('+');
    case 'openai':
      return reference.baseURL
        ? `openai:${reference.baseURL}#${reference.model}`
        : `openai:${reference.model}`;
    case 'anthropic':
      return `anthropic:${reference.model}`;
  }
}
