import { scaleByAdadelta, scaleByAdagrad, scaleByAdam, scaleByRms } from "./adaptive.js";
import { scaleByLearningRate } from "./learning-rate.js";
import { emaMomentum, traceMomentum } from "./momentum.js";
import { chain } from "./transform.js";
function sgd(o) {
  return chain(scaleByLearningRate(o.lr));
}
function momentum(o) {
  return chain(traceMomentum({ decay: o.momentum ?? 0.9, nesterov: o.nesterov ?? false }), scaleByLearningRate(o.lr));
}
function sgdm(o) {
  return chain(emaMomentum({ beta: o.beta ?? 0.9 }), scaleByLearningRate(o.lr));
}
function adagrad(o) {
  return chain(scaleByAdagrad(o), scaleByLearningRate(o.lr));
}
function rmsprop(o) {
  const m = o.momentum ?? 0;
  const head = [scaleByRms(o), scaleByLearningRate(o.lr)];
  return m === 0 ? chain(...head) : chain(...head, traceMomentum({ decay: m }));
}
function adam(o = {}) {
  return chain(scaleByAdam(o), scaleByLearningRate(o.lr ?? 1e-3));
}
function adadelta(o = {}) {
  return chain(scaleByAdadelta(o), scaleByLearningRate(o.lr ?? 1e-3));
}
export {
  adadelta,
  adagrad,
  adam,
  momentum,
  rmsprop,
  sgd,
  sgdm
};
