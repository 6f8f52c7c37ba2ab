import { type Array as JaxArray, jit, numpy as np, valueAndGrad } from "@jax-js/jax";
import type { W1Data } from "../../data/datasets.js";
import type { Trainer } from "../../protocol.js";
import type { W1Config } from "../../workloads.js";

/** The seed recipe as a jitted step: (A, x, y) → (loss, A − lr·∂loss/∂A). */
export async function w1(c: W1Config, d: W1Data): Promise<Trainer> {
  const loss = (a: JaxArray, x: JaxArray, y: JaxArray): JaxArray => np.square(a.mul(x).sub(y)).sum();
  const train = jit((a: JaxArray, x: JaxArray, y: JaxArray): [JaxArray, JaxArray] => {
    const [value, g] = valueAndGrad(loss)(a.ref, x, y);
    return [value, a.sub(g.mul(c.lr))];
  });
  let a = np.array(Float32Array.of(d.a0));
  const samples = Array.from(d.xs, (x, i) => ({ x: np.array(Float32Array.of(x)), y: np.array(Float32Array.of(d.ys[i] as number)) }));
  let i = 0;
  return {
    step: async () => {
      const { x, y } = samples[d.picks[i++ % d.picks.length] as number] as (typeof samples)[number];
      const [value, next] = train(a, x.ref, y.ref);
      a = next;
      return (await value.data())[0] as number;
    },
  };
}
