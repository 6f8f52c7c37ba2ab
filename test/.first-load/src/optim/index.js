import { chain, identity, scale, stateless, applyUpdates } from "./transform.js";
import { flattenTree, mapTree, mapParams } from "./tree.js";
import { scaleByLearningRate } from "./learning-rate.js";
import { traceMomentum, emaMomentum } from "./momentum.js";
import { scaleByAdagrad, scaleByRms, scaleByAdam, scaleByAdadelta } from "./adaptive.js";
import { clipByGlobalNorm, clipByValue, clipByNorm, globalNorm } from "./clip.js";
import { sgd, momentum, sgdm, adagrad, rmsprop, adam, adadelta } from "./aliases.js";
export {
  adadelta,
  adagrad,
  adam,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  clipByNorm,
  clipByValue,
  emaMomentum,
  flattenTree,
  globalNorm,
  identity,
  mapParams,
  mapTree,
  momentum,
  rmsprop,
  scale,
  scaleByAdadelta,
  scaleByAdagrad,
  scaleByAdam,
  scaleByLearningRate,
  scaleByRms,
  sgd,
  sgdm,
  stateless,
  traceMomentum
};
