/* The explorer's requests, in the worker: forward and backward on one input with every value
 * shown, one gradient step on it (with Undo and Reset), the gradient check, and the source code
 * of the functions that ran. The Python is scratchnn.browser.explorer and .listings; the arrays
 * it returns (1-D NumPy arrays) arrive here, and go on to the page, as typed arrays.
 *
 * The explorer computes on its own float64 copy of the current network (explorer.Explorer): the
 * page's network is never changed by a step.
 */
import { toPlain, worker } from "./worker-python.js";

/** The Python Explorer (one per worker), made on first use. */
function explorer() {
  worker.explorer ??= worker.browser.Explorer();
  return worker.explorer;
}

const currentModel = () => worker.models.get(worker.current);

// Call a Python function with the 28x28 input (a Float32Array: it arrives as a memoryview) and
// the other arguments as they are; hand back its result as plain JavaScript.
function withPixels(fn, pixels, ...rest) {
  const argument = worker.pyodide.toPy(pixels);
  try {
    return toPlain(fn(explorer(), currentModel(), argument, ...rest));
  } finally {
    argument.destroy?.();
  }
}

/** ExplainRequest -> Explanation (the label null: the network's own answer). */
function explain({ pixels, label }) {
  const started = performance.now();
  const value = withPixels(worker.browser.explain, pixels, label ?? null);
  value.worker_ms = performance.now() - started;
  return value;
}

export const EXPLORER_HANDLERS = {
  explain,
  /** ExplorerStepRequest -> StepResult */
  "explorer-step": ({ pixels, label, lr }) => withPixels(worker.browser.step, pixels, label, lr),
  /** ExplorerUndoRequest -> ExplorerState */
  "explorer-undo": () => toPlain(explorer().undo(currentModel())),
  /** ExplorerResetRequest -> ExplorerState */
  "explorer-reset": () => toPlain(explorer().reset(currentModel())),
  /** GradientCheckRequest -> GradientCheck */
  "gradient-check": ({ pixels, label, parameter, row, column, h }) =>
    withPixels(worker.browser.gradient_check, pixels, label, parameter, row, column, h),
  /** CodeRequest -> Code */
  "explorer-code": () => toPlain(worker.browser.code()),
};
