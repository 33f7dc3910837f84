// The messages between the page and its worker: a JSDoc mirror of
// python/scratchnn/browser/messages.py (one @typedef per TypedDict there, the same fields;
// tests/test_messages.py holds the two equal). Nothing runs here: editors and readers use it.

// --- What Python returns (the values of results) ---

/**
 * page.classify: the forward pass on one drawing.
 * @typedef {object} Prediction
 * @property {number|null} digit
 * @property {number[]} probabilities
 * @property {number[]} hidden
 * @property {number[]} hidden_level
 * @property {number[]} order
 * @property {boolean} empty
 * @property {string} model
 * @property {number[]} image
 * @property {number} python_ms
 */

/**
 * page.describe: what the page shows about a network.
 * @typedef {object} ModelDescription
 * @property {string} name
 * @property {number} hidden
 * @property {Uint8Array} filters
 * @property {string|null} preset
 * @property {number|null} epochs
 * @property {number|null} test_accuracy
 * @property {number|null} val_accuracy
 * @property {string|null} trained_with
 * @property {number} history_epochs
 */

/**
 * Trainer.step / Trainer.stop: where a run in the page stands.
 * @typedef {object} TrainingProgress
 * @property {boolean} [done]
 * @property {number} [epochs]
 * @property {number} [examples_seen]
 * @property {number} [train_seconds]
 * @property {number} [examples_per_second]
 * @property {Object<string, number>[]} [history]
 * @property {number} [epoch]
 * @property {number} [batch]
 * @property {number} [batches_per_epoch]
 * @property {number} [batch_loss]
 * @property {number} [batch_accuracy]
 * @property {number} [recent_loss]
 * @property {number} [recent_accuracy]
 * @property {number} [epoch_offset]
 * @property {number} [hidden]
 * @property {boolean} [stopped]
 * @property {number} [lr]
 * @property {LrChange[]} [lr_changes]
 */

/**
 * A learning-rate change during a run: from this point on, the steps use `lr`.
 * @typedef {object} LrChange
 * @property {number} epoch
 * @property {number} examples_seen
 * @property {number} lr
 */

/**
 * Trainer.steering: the answer to train-lr, train-pause, train-resume and train-step.
 * @typedef {object} Steering
 * @property {number} lr
 * @property {boolean} paused
 * @property {number} examples_seen
 * @property {LrChange[]} lr_changes
 */

/**
 * trainer.download: a network as a weights JSON file.
 * @typedef {object} Download
 * @property {string} text
 * @property {string} filename
 */

// The explorer's values (explorer.py, listings.py): 1-D NumPy arrays arrive as typed arrays.

/**
 * Explorer.state: whose copy the explorer computes with, and the steps taken on it.
 * @typedef {object} ExplorerState
 * @property {string|null} model
 * @property {number} steps
 * @property {boolean} can_undo
 */

/**
 * explorer.explain: forward and backward on one input, every value the explorer shows.
 * @typedef {object} Explanation
 * @property {number} hidden
 * @property {Float64Array} X
 * @property {Float64Array} W1X
 * @property {Float64Array} b1
 * @property {Float64Array} Z1
 * @property {Float64Array} A1
 * @property {number} off
 * @property {Int32Array} order
 * @property {Float64Array} W1_top
 * @property {Float64Array} W2A1
 * @property {Float64Array} b2
 * @property {Float64Array} Z2
 * @property {number} Z2_max
 * @property {Float64Array} Z2_shifted
 * @property {Float64Array} E
 * @property {number} E_sum
 * @property {Float64Array} A2
 * @property {number} digit
 * @property {number} label
 * @property {number} loss
 * @property {Float64Array} dZ2
 * @property {Float64Array} dW2
 * @property {Float64Array} dZ1
 * @property {Int32Array} gradient_order
 * @property {Float64Array} dW1_top
 * @property {Object<string, number[]>} largest
 * @property {string|null} model
 * @property {number} steps
 * @property {boolean} can_undo
 * @property {number} python_ms
 */

/**
 * explorer.step: one gradient step on the example, and what it changed.
 * @typedef {object} StepResult
 * @property {number} label
 * @property {number} lr
 * @property {Float64Array} before
 * @property {Float64Array} after
 * @property {number} loss_before
 * @property {number} loss_after
 * @property {Int32Array} units
 * @property {Float64Array} W1_before
 * @property {Float64Array} W1_after
 * @property {Explanation} explanation
 */

/**
 * One precision's row of a gradient check.
 * @typedef {object} SlopeResult
 * @property {string} dtype
 * @property {number} weight
 * @property {number} backprop
 * @property {number} w_plus
 * @property {number} w_minus
 * @property {number} loss_plus
 * @property {number} loss_minus
 * @property {number} slope
 * @property {number} relative
 */

/**
 * explorer.gradient_check: one weight's numeric slope beside backprop's.
 * @typedef {object} GradientCheck
 * @property {string} parameter
 * @property {number} row
 * @property {number} column
 * @property {number} h
 * @property {number} label
 * @property {SlopeResult[]} results
 * @property {boolean} crosses_kink
 */

/**
 * listings.listing: one function's source, as Python imported it.
 * @typedef {object} Listing
 * @property {string} name
 * @property {string} file
 * @property {number} first_line
 * @property {string[]} lines
 */

/**
 * One listing shown beside an explorer step, with the lines to highlight.
 * @typedef {object} StepCode
 * @property {string} listing
 * @property {number[]} highlight
 */

/**
 * listings.code: every listing, and each step's listings.
 * @typedef {object} Code
 * @property {Object<string, Listing>} listings
 * @property {Object<string, StepCode[]>} steps
 */

// The "Where it fails" panel's values (failures.py).

/**
 * failures.evaluate_validation: the current network on the 1,000 held-out digits.
 * @typedef {object} Failures
 * @property {string} model
 * @property {number} n
 * @property {number} correct
 * @property {number} accuracy
 * @property {number} loss
 * @property {Int32Array} confusion
 * @property {Int32Array} indices
 * @property {Int32Array} true
 * @property {Int32Array} predicted
 * @property {Float64Array} confidence
 * @property {Uint8Array} images
 * @property {number} python_ms
 */

/**
 * failures.validation_image: one held-out image and its label.
 * @typedef {object} ValidationImage
 * @property {number} index
 * @property {Float64Array} pixels
 * @property {number} label
 */

/**
 * MyDigits.state: your digits, what the current network reads them as, and their JSON text.
 * @typedef {object} DigitsState
 * @property {number} n
 * @property {Int32Array} labels
 * @property {Uint8Array} images
 * @property {Int32Array} predicted
 * @property {Float64Array} confidence
 * @property {number} correct
 * @property {string|null} model
 * @property {string} text
 * @property {number} max_digits
 */

/**
 * teach.look: a network on your digits and on the 1,000 held-out validation digits.
 * @typedef {object} TeachLook
 * @property {Int32Array} predicted
 * @property {Float64Array} confidence
 * @property {Float64Array} p_true
 * @property {number} correct
 * @property {number} val_accuracy
 * @property {number} val_loss
 */

/**
 * Teacher.step: where a teaching run stands.
 * @typedef {object} TeachProgress
 * @property {number} step
 * @property {number} steps
 * @property {number} loss
 * @property {boolean} done
 * @property {number} seconds
 */

/**
 * Teacher.result: your digits and the validation digits before and after teaching.
 * @typedef {object} TeachResult
 * @property {TeachLook} before
 * @property {TeachLook} after
 * @property {number} steps
 * @property {boolean} stopped
 * @property {number} seconds
 * @property {Int32Array} labels
 * @property {Object<string, *>} settings
 */

// --- Page -> worker (requests) ---

/**
 * @typedef {object} ModelRequest
 * @property {'model'} type
 * @property {number} id
 * @property {string} name
 */

/**
 * @typedef {object} PredictRequest
 * @property {'predict'} type
 * @property {number} id
 * @property {Uint8Array} rgba
 * @property {number} width
 * @property {number} height
 */

/**
 * @typedef {object} PredictInputRequest
 * @property {'predict-input'} type
 * @property {number} id
 * @property {number[]} pixels
 */

/**
 * @typedef {object} TrainRequest
 * @property {'train'} type
 * @property {number} id
 * @property {'scratch'|'continue'} mode
 * @property {Object<string, *>} settings
 */

/**
 * @typedef {object} StopRequest
 * @property {'train-stop'} type
 * @property {number} id
 */

/**
 * @typedef {object} LrRequest
 * @property {'train-lr'} type
 * @property {number} id
 * @property {*} lr
 */

/**
 * @typedef {object} PauseRequest
 * @property {'train-pause'} type
 * @property {number} id
 */

/**
 * @typedef {object} ResumeRequest
 * @property {'train-resume'} type
 * @property {number} id
 */

/**
 * @typedef {object} StepRequest
 * @property {'train-step'} type
 * @property {number} id
 */

/**
 * @typedef {object} DownloadRequest
 * @property {'weights-download'} type
 * @property {number} id
 * @property {string|null} name
 */

/**
 * @typedef {object} UploadRequest
 * @property {'weights-upload'} type
 * @property {number} id
 * @property {*} file
 * @property {string|null} filename
 */

/**
 * @typedef {object} ExplainRequest
 * @property {'explain'} type
 * @property {number} id
 * @property {Float32Array} pixels
 * @property {number|null} label
 */

/**
 * @typedef {object} ExplorerStepRequest
 * @property {'explorer-step'} type
 * @property {number} id
 * @property {Float32Array} pixels
 * @property {number} label
 * @property {number} lr
 */

/**
 * @typedef {object} ExplorerUndoRequest
 * @property {'explorer-undo'} type
 * @property {number} id
 */

/**
 * @typedef {object} ExplorerResetRequest
 * @property {'explorer-reset'} type
 * @property {number} id
 */

/**
 * @typedef {object} GradientCheckRequest
 * @property {'gradient-check'} type
 * @property {number} id
 * @property {Float32Array} pixels
 * @property {number} label
 * @property {string} parameter
 * @property {number} row
 * @property {number} column
 * @property {number} h
 */

/**
 * @typedef {object} CodeRequest
 * @property {'explorer-code'} type
 * @property {number} id
 */

/**
 * @typedef {object} FailuresRequest
 * @property {'failures'} type
 * @property {number} id
 */

/**
 * @typedef {object} ValidationImageRequest
 * @property {'validation-image'} type
 * @property {number} id
 * @property {number|null} index
 */

/**
 * @typedef {object} DigitsLoadRequest
 * @property {'digits-load'} type
 * @property {number} id
 * @property {Blob|string} file
 * @property {string|null} filename
 */

/**
 * @typedef {object} DigitsAddRequest
 * @property {'digits-add'} type
 * @property {number} id
 * @property {Float32Array} pixels
 * @property {number} label
 */

/**
 * @typedef {object} DigitsRemoveRequest
 * @property {'digits-remove'} type
 * @property {number} id
 * @property {number} index
 */

/**
 * @typedef {object} DigitsStateRequest
 * @property {'digits-state'} type
 * @property {number} id
 */

/**
 * @typedef {object} DigitsClearRequest
 * @property {'digits-clear'} type
 * @property {number} id
 */

/**
 * @typedef {object} TeachRequest
 * @property {'teach'} type
 * @property {number} id
 * @property {number|null} steps
 */

/**
 * @typedef {object} TeachStopRequest
 * @property {'teach-stop'} type
 * @property {number} id
 */

// --- Worker -> page ---

/**
 * @typedef {object} Progress
 * @property {'progress'} type
 * @property {string} stage
 * @property {string} label
 * @property {number} fraction
 * @property {number} until
 * @property {number} seconds
 */

/**
 * @typedef {object} Ready
 * @property {'ready'} type
 * @property {Object<string, number>} timings
 * @property {Object<string, string>} versions
 * @property {Object<string, *>[]} models
 * @property {Object<string, number>} limits
 * @property {'snapshot'|'fresh'} python_start
 */

/**
 * @typedef {object} LoadError
 * @property {'error'} type
 * @property {string} stage
 * @property {string} message
 */

/**
 * @typedef {object} Result
 * @property {'result'} [type]
 * @property {number} [id]
 * @property {boolean} [ok]
 * @property {*} [value]
 * @property {string} [error]
 */

/**
 * @typedef {object} TrainingEvent
 * @property {'training'} [type]
 * @property {'data'|'progress'|'end'|'model'} [phase]
 * @property {string} [label]
 * @property {TrainingProgress} [progress]
 * @property {ModelDescription} [model]
 * @property {'done'|'stopped'|'error'} [reason]
 * @property {string} [message]
 */

/**
 * @typedef {object} TeachingEvent
 * @property {'teaching'} [type]
 * @property {'progress'|'end'} [phase]
 * @property {TeachProgress} [progress]
 * @property {'done'|'stopped'|'error'} [reason]
 * @property {string} [message]
 * @property {TeachResult} [result]
 * @property {ModelDescription} [model]
 * @property {DigitsState} [digits]
 */

/**
 * @typedef {object} Fatal
 * @property {'fatal'} type
 * @property {string} message
 */

export {};
