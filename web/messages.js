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
 */

/**
 * trainer.download: a network as a weights JSON file.
 * @typedef {object} Download
 * @property {string} text
 * @property {string} filename
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
 * @typedef {object} Fatal
 * @property {'fatal'} type
 * @property {string} message
 */

export {};
