import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { GgmlType, GgufFileType, readGgufFileInfo } from 'node-llama-cpp';
import { ModelFileError } from '../core/errors.js';

/** What `tailor models list` shows about a GGUF file, read from its header without loading weights. */
export interface GgufSummary {
  path: string;
  name: string;
  /** `general.type`: `model` for a base model, `adapter` for a LoRA. */
  type: string;
  architecture: string;
  quantization: string;
  parameters: number;
  contextLength: number | undefined;
  sizeBytes: number;
  hasChatTemplate: boolean;
}

// Bytes per block and elements per block of the ggml types seen in practice, to check that a file is
// long enough to hold its last tensor (a truncated download otherwise fails deep inside llama.cpp).
const blockLayout: Partial<Record<GgmlType, [bytes: number, elements: number]>> = {
  [GgmlType.F32]: [4, 1],
  [GgmlType.F16]: [2, 1],
  [GgmlType.BF16]: [2, 1],
  [GgmlType.Q4_0]: [18, 32],
  [GgmlType.Q4_1]: [20, 32],
  [GgmlType.Q5_0]: [22, 32],
  [GgmlType.Q5_1]: [24, 32],
  [GgmlType.Q8_0]: [34, 32],
  [GgmlType.Q2_K]: [84, 256],
  [GgmlType.Q3_K]: [110, 256],
  [GgmlType.Q4_K]: [144, 256],
  [GgmlType.Q5_K]: [176, 256],
  [GgmlType.Q6_K]: [210, 256],
};

/** Read and sanity-check a GGUF header. Throws `ModelFileError` for anything llama.cpp would choke on. */
export async function readGgufSummary(path: string): Promise<GgufSummary> {
  let file: Awaited<ReturnType<typeof stat>>;
  try {
    file = await stat(path);
  } catch {
    throw new ModelFileError(`Model file not found: ${path}`, {
      hint: 'Check the path, or use a catalog name (see `tailor models list`).',
    });
  }
  if (!file.isFile())
    throw new ModelFileError(`${path} is a folder, not a GGUF model file`, {
      hint: 'Give the path of the .gguf file inside it.',
    });
  const sizeBytes = file.size;
  checkFixedHeader(path, await readHead(path), sizeBytes);
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    // The parser can spin on some malformed headers instead of failing; bound it.
    info = await withDeadline(readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false }), 30_000);
  } catch (error) {
    throw new ModelFileError(`${path} has a corrupt GGUF header: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const tensors = info.fullTensorInfo ?? info.tensorInfo ?? [];
  let parameters = 0;
  let end = 0;
  for (const tensor of tensors) {
    const elements = tensor.dimensions.reduce<number>((product, dimension) => product * Number(dimension), 1);
    parameters += elements;
    const layout = blockLayout[tensor.ggmlType];
    const tensorEnd = Number(tensor.fileOffset) + (layout ? (elements / layout[1]) * layout[0] : 1);
    end = Math.max(end, tensorEnd);
  }
  if (end > sizeBytes) {
    throw new ModelFileError(`${path} is truncated: ${sizeBytes} bytes, but its tensors need ${end}`, {
      hint: 'Delete it and pull the model again.',
    });
  }
  const metadata = info.metadata as unknown as {
    general?: { architecture?: string; name?: string; type?: string; file_type?: number };
    tokenizer?: { chat_template?: string };
  };
  const architecture = metadata.general?.architecture ?? 'unknown';
  const architectureMetadata = info.architectureMetadata as { context_length?: number } | undefined;
  const fileType = metadata.general?.file_type;
  return {
    path,
    name: metadata.general?.name ?? basename(path, '.gguf'),
    type: metadata.general?.type ?? 'model',
    architecture,
    quantization: fileType === undefined ? 'unknown' : quantizationName(fileType),
    parameters,
    contextLength: architectureMetadata?.context_length,
    sizeBytes,
    hasChatTemplate: typeof metadata.tokenizer?.chat_template === 'string',
  };
}

async function readHead(path: string): Promise<Buffer> {
  const head = Buffer.alloc(24);
  const handle = await open(path, 'r');
  try {
    await handle.read(head, 0, 24, 0);
  } finally {
    await handle.close();
  }
  return head;
}

/** Magic, version and counts: cheap checks that catch non-GGUF and garbage files before the parser. */
function checkFixedHeader(path: string, head: Buffer, sizeBytes: number): void {
  const magic = head.subarray(0, 4).toString('latin1');
  if (magic !== 'GGUF') {
    throw new ModelFileError(`${path} is not a GGUF file (it starts with ${JSON.stringify(magic)})`);
  }
  const version = head.readUInt32LE(4);
  if (sizeBytes < 24 || version < 2 || version > 3) {
    throw new ModelFileError(`${path} has a corrupt GGUF header (version ${version}, ${sizeBytes} bytes)`);
  }
  const tensorCount = head.readBigUInt64LE(8);
  const keyCount = head.readBigUInt64LE(16);
  if (tensorCount > 1_000_000n || keyCount > 100_000n) {
    throw new ModelFileError(`${path} has a corrupt GGUF header (${tensorCount} tensors, ${keyCount} keys)`);
  }
}

function withDeadline<T>(promise: Promise<T>, milliseconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer from the GGUF parser in ${milliseconds} ms`)),
      milliseconds,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function quantizationName(fileType: number): string {
  const name = GgufFileType[fileType];
  return name ? name.replace(/^(MOSTLY_|ALL_)/, '') : `type ${fileType}`;
}
