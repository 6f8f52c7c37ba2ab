/** `gg.schedules`: the schedules of `schedules.ts` and those after optax's in `schedules-optax.ts`. */
export * from "./schedules.js";
export * from "./schedules-optax.js";
