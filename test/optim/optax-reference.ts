/**
 * Plain-JS float64 transcriptions of optax's update rules and schedules, written from optax's
 * source (optax/_src/alias.py, optax/_src/transform.py, optax/transforms/_adding.py,
 * _masking.py, _accumulation.py, optax/tree_utils/_tree_math.py, optax/schedules/_schedule.py,
 * _join.py), in optax's shape: `init(params)` and `update(grads, state, params)` on records of
 * flat number arrays, with states as plain objects. Independent of graphgrad.
 */

export type Vals = Readonly<Record<string, readonly number[]>>;
export type Scalar = number | ((count: number) => number);

export interface RefTransform<S = unknown> {
  init(params: Vals): S;
  update(grads: Vals, state: S, params: Vals): [Vals, S];
}

const map = (v: Vals, f: (x: readonly number[], name: string) => number[]): Record<string, number[]> =>
  Object.fromEntries(Object.entries(v).map(([n, x]) => [n, f(x, n)]));
const zip = (a: readonly number[], b: readonly number[], f: (x: number, y: number) => number): number[] => a.map((x, i) => f(x, b[i] as number));
const at = (v: Vals, n: string): readonly number[] => {
  const x = v[n];
  if (x === undefined) throw new Error(`no entry ${n}`);
  return x;
};
const zerosLike = (v: Vals): Record<string, number[]> => map(v, (x) => x.map(() => 0));

/** tree_update_moment: (1 − decay)·g^order + decay·t. */
const updateMoment = (g: Vals, t: Vals, decay: number, order: 1 | 2): Record<string, number[]> =>
  map(g, (x, n) => zip(x, at(t, n), (gi, ti) => (1 - decay) * (order === 1 ? gi : gi * gi) + decay * ti));
/** tree_bias_correction: t / (1 − decay^count). */
const biasCorrection = (t: Vals, decay: number, count: number): Record<string, number[]> => map(t, (x) => x.map((v) => v / (1 - decay ** count)));

/** chain: the transformations in order, the state the tuple of theirs. */
export function chain(...ts: RefTransform[]): RefTransform<unknown[]> {
  return {
    init: (p) => ts.map((t) => t.init(p)),
    update: (g, s, p) => {
      let u = g;
      const next = ts.map((t, i) => {
        const [u2, s2] = t.update(u, s[i], p);
        u = u2;
        return s2;
      });
      return [u, next];
    },
  };
}

/** scale_by_adam (with its nesterov branch). */
export function scaleByAdam(o: { b1: number; b2: number; eps: number; epsRoot: number; nesterov: boolean }): RefTransform<{ count: number; mu: Vals; nu: Vals }> {
  return {
    init: (p) => ({ count: 0, mu: zerosLike(p), nu: zerosLike(p) }),
    update: (g, s) => {
      const mu = updateMoment(g, s.mu, o.b1, 1);
      const nu = updateMoment(g, s.nu, o.b2, 2);
      const count = s.count + 1;
      const muHat = o.nesterov
        ? map(biasCorrection(mu, o.b1, count + 1), (x, n) => zip(x, at(biasCorrection(g, o.b1, count), n), (m, gc) => o.b1 * m + (1 - o.b1) * gc))
        : biasCorrection(mu, o.b1, count);
      const nuHat = biasCorrection(nu, o.b2, count);
      return [map(muHat, (m, n) => zip(m, at(nuHat, n), (mi, vi) => mi / (Math.sqrt(vi + o.epsRoot) + o.eps))), { count, mu, nu }];
    },
  };
}

/** scale_by_lion (mode 'hard'). */
export function scaleByLion(o: { b1: number; b2: number }): RefTransform<{ count: number; mu: Vals }> {
  return {
    init: (p) => ({ count: 0, mu: zerosLike(p) }),
    update: (g, s) => {
      const updates = map(g, (x, n) => zip(x, at(s.mu, n), (gi, m) => Math.sign((1 - o.b1) * gi + o.b1 * m)));
      return [updates, { count: s.count + 1, mu: updateMoment(g, s.mu, o.b2, 1) }];
    },
  };
}

/** masked: the inner transformation on the masked subtree; the other updates as given. */
export function masked(inner: RefTransform, mask: (name: string) => boolean): RefTransform {
  const sub = (v: Vals): Vals => Object.fromEntries(Object.entries(v).filter(([n]) => mask(n)));
  return {
    init: (p) => inner.init(sub(p)),
    update: (g, s, p) => {
      const [u, next] = inner.update(sub(g), s, sub(p));
      return [map(g, (x, n) => (mask(n) ? [...at(u, n)] : [...x])), next];
    },
  };
}

/** add_decayed_weights(weight_decay, mask): g + s·p, s a constant or a schedule of the count. */
export function addDecayedWeights(weightDecay: Scalar, mask?: (name: string) => boolean): RefTransform {
  const t: RefTransform<number> = {
    init: () => 0,
    update: (g, count, p) => {
      if (weightDecay === 0) return [g, count];
      const s = typeof weightDecay === "number" ? weightDecay : weightDecay(count);
      return [map(g, (x, n) => zip(x, at(p, n), (gi, pi) => gi + s * pi)), count + 1];
    },
  };
  return mask === undefined ? t : masked(t, mask);
}

/** scale_by_learning_rate: −lr·g (scale, or scale_by_schedule with the count). */
export function scaleByLearningRate(lr: Scalar): RefTransform<number> {
  return {
    init: () => 0,
    update: (g, count) => {
      const step = typeof lr === "number" ? -lr : -lr(count);
      return [map(g, (x) => x.map((v) => step * v)), count + 1];
    },
  };
}

export const adamw = (o: { lr: Scalar; b1: number; b2: number; eps: number; epsRoot: number; weightDecay: Scalar; mask?: (n: string) => boolean; nesterov: boolean }): RefTransform =>
  chain(scaleByAdam(o), addDecayedWeights(o.weightDecay, o.mask), scaleByLearningRate(o.lr));

export const lion = (o: { lr: Scalar; b1: number; b2: number; weightDecay: Scalar; mask?: (n: string) => boolean }): RefTransform =>
  chain(scaleByLion(o), addDecayedWeights(o.weightDecay, o.mask), scaleByLearningRate(o.lr));

/** ema(decay, debias): the new average, debiased by 1 − decay^count. */
export function ema(o: { decay: number; debias: boolean }): RefTransform<{ count: number; ema: Vals }> {
  return {
    init: (p) => ({ count: 0, ema: zerosLike(p) }),
    update: (g, s) => {
      const average = updateMoment(g, s.ema, o.decay, 1);
      const count = s.count + 1;
      return [o.debias ? biasCorrection(average, o.decay, count) : average, { count, ema: average }];
    },
  };
}

/**
 * MultiSteps(opt, every_k_schedule=k, use_grad_mean=True), written with host control flow:
 * acc ← acc + (g − acc)/(mini_step + 1); on mini_step == k − 1 the inner update of acc is
 * emitted and acc, mini_step restart; otherwise zeros.
 */
export function multiSteps(inner: RefTransform, k: number): RefTransform<{ miniStep: number; gradientStep: number; inner: unknown; acc: Vals }> {
  return {
    init: (p) => ({ miniStep: 0, gradientStep: 0, inner: inner.init(p), acc: zerosLike(p) }),
    update: (g, s, p) => {
      const acc = map(g, (x, n) => zip(x, at(s.acc, n), (gi, a) => a + (gi - a) / (s.miniStep + 1)));
      if (s.miniStep !== k - 1) return [zerosLike(g), { ...s, miniStep: s.miniStep + 1, acc }];
      const [u, innerNext] = inner.update(acc, s.inner, p);
      return [u, { miniStep: 0, gradientStep: s.gradientStep + 1, inner: innerNext, acc: zerosLike(acc) }];
    },
  };
}

// ---- Schedules ----

/** cosine_decay_schedule. */
export const cosineDecaySchedule = (init: number, decaySteps: number, alpha: number, exponent: number) => (count: number): number =>
  init * ((1 - alpha) * (0.5 * (1 + Math.cos((Math.PI * Math.min(count, decaySteps)) / decaySteps))) ** exponent + alpha);

/** linear_schedule (polynomial_schedule with power 1; constant init when transition_steps <= 0). */
export const linearSchedule = (init: number, end: number, steps: number) => (count: number): number => {
  if (steps <= 0) return init;
  const c = Math.min(Math.max(count, 0), steps);
  return (init - end) * (1 - c / steps) + end;
};

/** join_schedules. */
export const joinSchedules = (schedules: readonly ((c: number) => number)[], boundaries: readonly number[]) => (step: number): number => {
  let out = (schedules[0] as (c: number) => number)(step);
  boundaries.forEach((b, i) => {
    out = step < b ? out : (schedules[i + 1] as (c: number) => number)(step - b);
  });
  return out;
};

/** warmup_cosine_decay_schedule. */
export const warmupCosineDecaySchedule = (init: number, peak: number, warmupSteps: number, decaySteps: number, end: number, exponent: number): ((c: number) => number) => {
  const alpha = peak === 0 ? 0 : end / peak;
  return joinSchedules([linearSchedule(init, peak, warmupSteps), cosineDecaySchedule(peak, decaySteps - warmupSteps, alpha, exponent)], [warmupSteps]);
};

/**
 * cosine_onecycle_schedule = piecewise_interpolate_schedule('cosine', peak/div, {⌊pct·T⌋: div, ⌊T⌋: 1/(div·final)}):
 * bounds [0, b...], values the cumulative product, interval sizes at least 1,
 * indicator·interpolations + [bounds[-1] <= count]·values[-1].
 */
export const cosineOnecycleSchedule = (T: number, peak: number, pctStart: number, div: number, finalDiv: number) => (count: number): number => {
  const scales = new Map<number, number>([
    [Math.trunc(pctStart * T), div],
    [Math.trunc(T), 1 / (div * finalDiv)],
  ]);
  const sorted = [...scales.entries()].sort((a, b) => a[0] - b[0]);
  const bounds = [0, ...sorted.map(([b]) => b)];
  const values = [peak / div];
  for (const [, s] of sorted) values.push((values[values.length - 1] as number) * s);
  let total = 0;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const lo = bounds[i] as number;
    const hi = bounds[i + 1] as number;
    const pct = (count - lo) / Math.max(hi - lo, 1);
    const [start, end] = [values[i] as number, values[i + 1] as number];
    const interp = end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
    total += (lo <= count && count < hi ? 1 : 0) * interp;
  }
  return total + (bounds[bounds.length - 1] as number <= count ? 1 : 0) * (values[values.length - 1] as number);
};
