/* "Where it fails", inside the Python worker: the current network on the 1,000 held-out digits of
 * the training data file, and one of those digits for the pad. The Python is
 * scratchnn.browser.failures; its arrays arrive here, and go on to the page, as typed arrays.
 *
 * The messages (python/scratchnn/browser/messages.py, mirrored in messages.js):
 *   FailuresRequest {type: "failures", id}                    -> Failures
 *   ValidationImageRequest {type: "validation-image", id, index}  -> ValidationImage (index null: a random one)
 */
import { fetchVerified, toPlain, worker } from "./worker-python.js";

let heldOut = null; // the Dataset (a PyProxy) read from the training data file, once per worker

/** The training data file (site.json's training_data, checked against its SHA-256) as a Dataset. */
async function dataset() {
  if (heldOut) return heldOut;
  const entry = worker.manifest.training_data;
  if (!entry) throw new Error("this site has no training data (site.json lists no training_data)");
  const bytes = new Uint8Array(await fetchVerified(entry.file, entry.sha256));
  const buffer = worker.pyodide.toPy(bytes);
  try {
    heldOut ??= worker.browser.load_data(buffer, entry.sha256);
  } finally {
    buffer.destroy();
  }
  return heldOut;
}

/** FailuresRequest: the current network on every held-out digit. */
async function failures() {
  const data = await dataset();
  const model = worker.models.get(worker.current);
  if (!model) throw new Error("no network is loaded");
  return toPlain(worker.browser.evaluate_validation(model, data));
}

/** ValidationImageRequest: held-out digit `index` (null: a random one) and its label. */
async function validationImage({ index }) {
  return toPlain(worker.browser.validation_image(await dataset(), index ?? null));
}

export const FAILURES_HANDLERS = { failures, "validation-image": validationImage };
