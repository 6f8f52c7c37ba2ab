import * as gg from "../../src/index.js";
import { CLASSES, SIDE } from "./data.js";

/**
 * The CNN, channels last (NHWC) as TensorFlow and Keras write it:
 *
 *   images [n, 28, 28, 1]
 *   conv1  3×3, 32 channels, valid padding, stride 1, + bias, ReLU   → [n, 26, 26, 32]
 *   pool1  2×2 max pooling, stride 2                                 → [n, 13, 13, 32]
 *   conv2  3×3, 64 channels, valid padding, stride 1, + bias, ReLU   → [n, 11, 11, 64]
 *   pool2  2×2 max pooling, stride 2 (the last row and column drop)  → [n, 5, 5, 64]
 *   flatten (row-major over height, width, channels)                 → [n, 1600]
 *   dropout 0.25 (training only)
 *   dense1 1600 → 128, ReLU
 *   dropout 0.5 (training only)
 *   dense2 128 → 10: the logits
 *
 * Kernels HWIO ([3, 3, in, out]) and dense kernels [in, out] start Glorot uniform (Keras's default:
 * ±√(6 / (fanIn + fanOut)), a conv kernel's fans multiplied by its 9 window positions), biases at
 * zero. 225,034 parameters. Dropout (TensorFlow's: kept values scaled by 1 / (1 − rate)) draws its
 * masks from a key fed with every training step; the inference graph has none.
 */
export const CONV1 = 32;
export const CONV2 = 64;
export const HIDDEN = 128;
const KERNEL = 3;
/** Height and width after conv2 and pool2: ((28 − 2) / 2 − 2) / 2, rounded down. */
const FINAL_SIDE = Math.floor((Math.floor((SIDE - KERNEL + 1) / 2) - KERNEL + 1) / 2);
export const FLAT = FINAL_SIDE * FINAL_SIDE * CONV2;
export const DROPOUT_FLAT = 0.25;
export const DROPOUT_HIDDEN = 0.5;
/** The training graph's dropout key (int32[2]), fed with every step. */
export const DROPOUT_KEY = "dropout_key";

export interface CnnParams {
  readonly conv1: gg.nn.ConvParams;
  readonly conv2: gg.nn.ConvParams;
  readonly dense1: gg.nn.DenseParams;
  readonly dense2: gg.nn.DenseParams;
  /** Every parameter's name, shape, dtype and initializer, for `gg.init.values`. */
  readonly specs: readonly gg.nn.ParamSpec[];
}

/**
 * The parameters, named by the scope: `cnn/conv1/kernel`, `cnn/conv1/bias`, `cnn/conv2/...`,
 * `cnn/dense1/...`, `cnn/dense2/...` under the default scope `cnn`.
 */
export function cnnParams(scope: gg.nn.Scope = gg.nn.scope("cnn")): CnnParams {
  const conv1 = gg.nn.convParams(scope.child("conv1"), { inChannels: 1, outChannels: CONV1, kernelSize: KERNEL });
  const conv2 = gg.nn.convParams(scope.child("conv2"), { inChannels: CONV1, outChannels: CONV2, kernelSize: KERNEL });
  const dense1 = gg.nn.denseParams(scope.child("dense1"), FLAT, HIDDEN);
  const dense2 = gg.nn.denseParams(scope.child("dense2"), HIDDEN, CLASSES);
  return { conv1, conv2, dense1, dense2, specs: gg.nn.specsOf(conv1, conv2, dense1, dense2) };
}

const convRelu = (x: gg.Expr, p: gg.nn.ConvParams): gg.Expr => gg.relu(gg.nn.conv(x, p, { padding: "valid" }));

/** The logits [n, 10] of images [n, 28, 28, 1]; with a key, the training form (dropout masks from the key). */
export function cnnLogits(images: gg.Expr, p: CnnParams, dropoutKey?: gg.Expr): gg.Expr {
  const [flatKey, hiddenKey] = dropoutKey === undefined ? [undefined, undefined] : gg.random.split(dropoutKey, 2);
  const drop = (x: gg.Expr, rate: number, key: gg.Expr | undefined): gg.Expr => (key === undefined ? x : gg.nn.dropout(x, { rate, key }));
  const h1 = gg.maxPool(convRelu(images, p.conv1), { window: 2 });
  const h2 = gg.maxPool(convRelu(h1, p.conv2), { window: 2 });
  const flat = drop(gg.reshape(h2, [-1, FLAT]), DROPOUT_FLAT, flatKey);
  const hidden = drop(gg.nn.dense(flat, p.dense1, gg.relu), DROPOUT_HIDDEN, hiddenKey);
  return gg.nn.dense(hidden, p.dense2);
}

export interface CnnModel {
  readonly params: CnnParams;
  /** float32 [batch, 28, 28, 1], fed as "images" (the batch axis a symbol named "batch"). */
  readonly images: gg.Expr;
  /** int32 [n], fed as "labels". */
  readonly labels: gg.Expr;
  /** The inference graph's logits (no dropout). */
  readonly logits: gg.Expr;
  /** Mean softmax cross-entropy over the batch, and the fraction classified right, of the inference graph. */
  readonly loss: gg.Expr;
  readonly accuracy: gg.Expr;
  /** The training graph's (with dropout from the key fed as "dropout_key"). */
  readonly trainLoss: gg.Expr;
  readonly trainAccuracy: gg.Expr;
}

export function cnnModel(params: CnnParams = cnnParams()): CnnModel {
  const images = gg.input("images", ["batch", SIDE, SIDE, 1]);
  const labels = gg.input("labels", ["batch"], "int32");
  const logits = cnnLogits(images, params);
  const trainLogits = cnnLogits(images, params, gg.input(DROPOUT_KEY, [2], "int32"));
  const xent = (l: gg.Expr): gg.Expr => gg.mean(gg.losses.sparseSoftmaxCrossEntropyWithLogits(labels, l));
  return {
    params,
    images,
    labels,
    logits,
    loss: xent(logits),
    accuracy: gg.metrics.accuracy(labels, logits),
    trainLoss: xent(trainLogits),
    trainAccuracy: gg.metrics.accuracy(labels, trainLogits),
  };
}
