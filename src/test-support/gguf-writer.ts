import { writeFileSync } from 'node:fs';
import { Random } from '../common/random.js';

/**
 * A minimal GGUF v3 writer for tests: string/uint32/float32 metadata and F32 tensors. Enough to build
 * small LoRA adapters for the real default model, so the adapter path is tested without a trainer.
 * Dimensions are given in ggml order (ne0 first), i.e. reversed numpy/PyTorch shape.
 */
export type GgufValue =
  | { type: 'string'; value: string }
  | { type: 'uint32'; value: number }
  | { type: 'float32'; value: number };

export interface GgufTensor {
  name: string;
  dimensions: number[];
  data: Float32Array;
}

const alignment = 32;

export function writeGguf(path: string, metadata: Record<string, GgufValue>, tensors: GgufTensor[]): void {
  const parts: Buffer[] = [];
  const u32 = (value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    parts.push(buffer);
  };
  const u64 = (value: number) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    parts.push(buffer);
  };
  const text = (value: string) => {
    const bytes = Buffer.from(value, 'utf8');
    u64(bytes.length);
    parts.push(bytes);
  };

  parts.push(Buffer.from('GGUF', 'latin1'));
  u32(3);
  u64(tensors.length);
  u64(Object.keys(metadata).length);
  for (const [key, entry] of Object.entries(metadata)) {
    text(key);
    if (entry.type === 'string') {
      u32(8);
      text(entry.value);
    } else if (entry.type === 'uint32') {
      u32(4);
      u32(entry.value);
    } else {
      u32(6);
      const buffer = Buffer.alloc(4);
      buffer.writeFloatLE(entry.value);
      parts.push(buffer);
    }
  }
  let offset = 0;
  for (const tensor of tensors) {
    text(tensor.name);
    u32(tensor.dimensions.length);
    for (const dimension of tensor.dimensions) u64(dimension);
    u32(0); // GGML_TYPE_F32
    u64(offset);
    offset += padded(tensor.data.byteLength);
  }
  const header = Buffer.concat(parts);
  const chunks: Buffer[] = [header, Buffer.alloc(padded(header.length) - header.length)];
  for (const tensor of tensors) {
    const bytes = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    chunks.push(bytes, Buffer.alloc(padded(bytes.length) - bytes.length));
  }
  writeFileSync(path, Buffer.concat(chunks));
}

function padded(length: number): number {
  return Math.ceil(length / alignment) * alignment;
}

/** Deterministic pseudo-random values in [-scale, scale], so adapters are reproducible. */
export function randomValues(count: number, seed: number, scale: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: count }, () => (random.next() * 2 - 1) * scale);
}

/**
 * A LoRA adapter for a llama-architecture base in llama.cpp's format: `lora_a` is PEFT's A (rank × in,
 * so ggml dims [in, rank]) and `lora_b` is B (out × rank, ggml dims [rank, out]).
 */
export function writeLlamaLora(
  path: string,
  options: { layers: number[]; hidden: number; rank: number; alpha: number; seed: number; scale: number },
): void {
  const tensors: GgufTensor[] = [];
  const halves = [
    { suffix: 'lora_a', dimensions: [options.hidden, options.rank] },
    { suffix: 'lora_b', dimensions: [options.rank, options.hidden] },
  ];
  for (const layer of options.layers) {
    for (const target of ['attn_q', 'attn_output']) {
      for (const [index, half] of halves.entries()) {
        const seed = options.seed + layer * 31 + target.length * 3 + index;
        tensors.push({
          name: `blk.${layer}.${target}.weight.${half.suffix}`,
          dimensions: half.dimensions,
          data: randomValues(options.hidden * options.rank, seed, options.scale),
        });
      }
    }
  }
  writeGguf(
    path,
    {
      'general.architecture': { type: 'string', value: 'llama' },
      'general.type': { type: 'string', value: 'adapter' },
      'general.name': { type: 'string', value: 'test adapter' },
      'adapter.type': { type: 'string', value: 'lora' },
      'adapter.lora.alpha': { type: 'float32', value: options.alpha },
    },
    tensors,
  );
}
