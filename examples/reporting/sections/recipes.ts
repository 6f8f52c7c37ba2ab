import * as classification from "../../recipes/classification.js";
import type { RecipeResult } from "../../recipes/loop.js";
import * as regression from "../../recipes/regression.js";
import { runRecipes } from "../../recipes.js";
import { paragraph, table } from "../html.js";
import type { Demo } from "../types.js";

const f = (v: number, digits = 4): string => v.toFixed(digits);

function row(name: string, model: string, lr: number, r: RecipeResult, target: string): string[] {
  const last = r.reports[r.reports.length - 1];
  return [name, model, String(lr), String(r.losses.length), f(r.A0), f(r.A), target, last === undefined ? "—" : f(last.loss, 6)];
}

export const recipesDemo: Demo = {
  id: "recipes",
  title: "Back-propagation recipes of the TensorFlow Machine Learning Cookbook",
  description:
    "The cookbook's two single-parameter models (\"Implementing back propagation\"), trained by plain SGD written from gg.grad, one random sample per step: each step is one run of a " +
    "compiled graph mapping (A, sample) to (A − lr·∂loss/∂A, loss). The recipes' runner compiles with the library's default, the JS reference backend.",
  run: async ({ log }) => {
    const r = await runRecipes({ log });
    const body = [
      table(
        ["recipe", "model and loss", "lr", "steps", "A₀", "final A", "where A should end", "last printed loss"],
        [
          row("regression", "A·x vs 10, (A·x − y)², x ~ N(1, 0.1)", regression.LEARNING_RATE, r.regression, "≈ 10·E[x]/E[x²] ≈ 9.9"),
          row("classification", "sigmoid(x + A), sigmoid cross-entropy, N(−1,1) vs N(3,1)", classification.LEARNING_RATE, r.classification, "≈ −1 (centres the two means)"),
        ],
        "Results",
      ),
      paragraph(`Printed every ${regression.REPORT_EVERY} and ${classification.REPORT_EVERY} steps, as the cookbook does:`),
      table(
        ["recipe", "step", "A", "loss"],
        [
          ...r.regression.reports.map((p) => ["regression", String(p.step), f(p.A), f(p.loss, 6)]),
          ...r.classification.reports.map((p) => ["classification", String(p.step), f(p.A), f(p.loss, 6)]),
        ],
        "The cookbook's printout",
      ),
    ];
    return { body, summary: `recipes: A ends at ${f(r.regression.A, 3)} (regression, towards ≈9.9) and ${f(r.classification.A, 3)} (classification, towards ≈−1)` };
  },
};
