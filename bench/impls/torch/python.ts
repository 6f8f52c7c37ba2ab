import { spawnSync } from "node:child_process";

/**
 * Which Python runs the PyTorch peer: GRAPHGRAD_BENCH_PYTHON, else Debian's /usr/bin/python3 (the
 * first `python3` on PATH may be another installation without torch).
 */
export const PYTHON_ENV_VAR = "GRAPHGRAD_BENCH_PYTHON";
export const INSTALL_HINT = "apt-get install -y python3-torch libopenblas0-pthread";

export function pythonPath(env: NodeJS.ProcessEnv = process.env): string {
  return env[PYTHON_ENV_VAR] ?? "/usr/bin/python3";
}

/**
 * The environment of the Python worker: `threads` for PyTorch's and OpenBLAS's pools, and no
 * OPENBLAS_CORETYPE (set to Haswell, it would keep OpenBLAS off its AVX-512 kernels).
 */
export function pythonEnv(threads: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, OPENBLAS_NUM_THREADS: `${threads}`, OMP_NUM_THREADS: `${threads}`, MKL_NUM_THREADS: `${threads}`, PYTHONDONTWRITEBYTECODE: "1" };
  delete out["OPENBLAS_CORETYPE"];
  return out;
}

/** Undefined when the Python imports torch; else one line saying what is missing and how to add it. */
export function torchMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const python = pythonPath(env);
  const probe = spawnSync(python, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
  if (probe.error === undefined && probe.status === 0) return undefined;
  const why = probe.error !== undefined ? probe.error.message : (probe.stderr.trim().split("\n").pop() ?? `exit code ${probe.status ?? "?"}`);
  return `PyTorch peers skipped: ${python} cannot import torch (${why}); add them with \`${INSTALL_HINT}\`, or set ${PYTHON_ENV_VAR} to a Python that has torch.`;
}
