import * as gg from "../../../src/index.js";

/**
 * TensorFlow's BasicLSTMCell, written inline from primitives for the benchmark:
 *   [i, j, f, o] = split([x, h]·kernel + bias, 4, axis 1)
 *   c' = c·σ(f + forgetBias) + σ(i)·tanh(j),   h' = tanh(c')·σ(o)
 */
export function basicLstmCell(x: gg.Expr, c: gg.Expr, h: gg.Expr, kernel: gg.Expr, bias: gg.Expr, forgetBias: number): [gg.Expr, gg.Expr] {
  const gates = gg.add(gg.matmul(gg.concat([x, h], 1), kernel), bias);
  const [rows, width] = gates.shape as [number, number];
  const units = width / 4;
  const gate = (k: number): gg.Expr => gg.slice(gates, [0, k * units], [rows, units]);
  const [i, j, f, o] = [gate(0), gate(1), gate(2), gate(3)];
  const newC = gg.add(gg.mul(c, gg.sigmoid(gg.add(f, forgetBias))), gg.mul(gg.sigmoid(i), gg.tanh(j)));
  const newH = gg.mul(gg.tanh(newC), gg.sigmoid(o));
  return [newC, newH];
}
