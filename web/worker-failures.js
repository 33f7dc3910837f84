/* "Where it fails", inside the Python worker: the current network on the 1,000 held-out digits of
 * the training data file, and one of those digits for the pad. The Python is
 * scratchnn.browser.failures; its arrays arrive here, and go on to the page, as typed arrays.
 *
 * The messages (python/scratchnn/browser/messages.py, mirrored in messages.js):
 *   FailuresRequest {type: "failures", id}                    -> Failures
 *   ValidationImageRequest {type: "validation-image", id, index}  -> ValidationImage (index null: a random one)
 */
import { toPlain, trainingData, worker } from "./worker-python.js";

const dataset = () => trainingData(); // shared with training and teaching (worker-python.js)

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
