import * as gg from "../../src/index.js";

/**
 * Plain stochastic gradient descent written from `gg.grad`, compiled into one executable per
 * model: feeding the current parameter and one sample gives the updated parameter and the loss.
 * Nothing is mutated: the caller threads the parameter from one run to the next.
 */
export interface SgdStep {
  /** One step: A' = A - lr·∂L/∂A and the loss L at the A fed in. */
  step(A: gg.Tensor, sample: gg.Feeds): Promise<{ A: gg.Tensor; loss: gg.Tensor }>;
  /** The loss alone at A (what the seed's `sess.run(loss, ...)` prints). */
  loss(A: gg.Tensor, sample: gg.Feeds): Promise<gg.Tensor>;
}

/**
 * Compiles the step of `loss` with respect to the parameter `A` (whose input name is `name`).
 * A loss with one element of any shape (as the seed's [1] and [1, 1]) is summed to the scalar
 * `grad` needs, which leaves its value unchanged.
 */
export async function compileSgdStep(loss: gg.Expr, A: gg.Expr, name: string, lr: number): Promise<SgdStep> {
  const dA = gg.grad(gg.sum(loss), A);
  const stepExe = await gg.compile({ outputs: { A: gg.sub(A, gg.mul(dA, lr)), loss } });
  const lossExe = await gg.compile({ outputs: { loss } });
  const output = (r: Record<string, gg.Tensor>, key: string): gg.Tensor => {
    const t = r[key];
    if (t === undefined) throw new Error(`the compiled step has no output '${key}'`);
    return t;
  };
  return {
    async step(a, sample) {
      const r = await stepExe.run({ ...sample, [name]: a });
      return { A: output(r, "A"), loss: output(r, "loss") };
    },
    async loss(a, sample) {
      return output(await lossExe.run({ ...sample, [name]: a }), "loss");
    },
  };
}
