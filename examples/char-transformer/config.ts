/**
 * The fixed configuration of the character-level Transformer language model: every number a run
 * depends on, so that the same model, data, optimizer and schedule can be re-run in another
 * framework (the README states it in words). The vocabulary is the data's (see data.ts).
 */
export interface CharTransformerConfig {
  /** Characters per training window (the model's context; positions 0 … contextLength − 1). */
  readonly contextLength: number;
  readonly layers: number;
  readonly heads: number;
  /** Width of the residual stream (embeddings, attention). */
  readonly dim: number;
  /** Hidden size of each block's MLP. */
  readonly mlpDim: number;
  /** Position information: learned embeddings (normal(0, 0.02)) or the fixed sinusoids of "Attention Is All You Need". */
  readonly positions: "learned" | "sinusoidal";
  /** Standard deviation of the token embeddings' normal initialization. */
  readonly embedStd: number;
  /** Dropout rate on the embeddings and before each residual add (0: none). */
  readonly dropout: number;
  /** Windows per training step. */
  readonly batchSize: number;
  /** Training steps (updates). */
  readonly steps: number;
  /** Linear warm-up of the learning rate from 0 over this many steps, then cosine decay to `endLr` at `steps`. */
  readonly warmupSteps: number;
  readonly peakLr: number;
  readonly endLr: number;
  /** AdamW's decoupled weight decay, on matrices only (not biases, norms or embeddings). */
  readonly weightDecay: number;
  readonly b1: number;
  readonly b2: number;
  /** Gradients clipped to this global norm before AdamW. */
  readonly clipNorm: number;
  /** Validation every this many steps (and after the last). */
  readonly evalEvery: number;
  /** Validation on the first this many characters of the validation text, in whole windows. */
  readonly validChars: number;
  /** Initial values from key(seed); the training order and dropout from keys split from it. */
  readonly seed: number;
}

/**
 * The full run: about 2,500 small steps (512 characters each), which on a busy 2-core machine
 * take 4 to 10 minutes (WASM backend). Measured on this model, the number of updates limits
 * progress more than the characters per update: batches of 8 windows of 64 reached lower
 * validation bits per CPU second than 16 or 32 windows of 128.
 */
export const FULL: CharTransformerConfig = Object.freeze({
  contextLength: 64,
  layers: 2,
  heads: 4,
  dim: 96,
  mlpDim: 384,
  positions: "sinusoidal",
  embedStd: 1,
  dropout: 0,
  batchSize: 8,
  steps: 2500,
  warmupSteps: 50,
  peakLr: 3e-3,
  endLr: 3e-4,
  weightDecay: 0.1,
  b1: 0.9,
  b2: 0.99,
  clipNorm: 1,
  evalEvery: 250,
  validChars: 65536,
  seed: 0,
});

/** A few seconds' run (tests, `npm start -- --quick`). */
export const TINY: CharTransformerConfig = Object.freeze({
  ...FULL,
  contextLength: 32,
  layers: 2,
  heads: 2,
  dim: 32,
  mlpDim: 64,
  batchSize: 8,
  steps: 20,
  warmupSteps: 5,
  evalEvery: 10,
  validChars: 1024,
});
