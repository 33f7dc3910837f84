// Compile a folder of Python modules to .pyc with Pyodide's own Python, under Node: the bytecode
// the page's Python runs comes from the same interpreter (Pyodide 0.27.7, Python 3.12). Called by
// scripts/slim_pyodide.py (precompile), which gives the stock Pyodide of web/node_modules:
//
//   node scripts/precompile.mjs INDEX_FOLDER WORK_FOLDER PREFIX [KEEP...]
//
// WORK_FOLDER/source/**/*.py -> WORK_FOLDER/target/**/*.pyc (scripts/pyc.py says how; PREFIX is the
// path tracebacks give a module, KEEP the modules that keep their docstrings). Prints the count.

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [index, work, prefix, ...keep] = process.argv.slice(2);
if (!index || !work || prefix === undefined) {
  console.error("usage: node scripts/precompile.mjs INDEX_FOLDER WORK_FOLDER PREFIX [KEEP...]");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const { loadPyodide } = await import(pathToFileURL(join(resolve(index), "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: resolve(index) + "/", stdout: () => {}, stderr: console.error });
pyodide.FS.mkdirTree("/work");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: resolve(work) }, "/work");
pyodide.globals.set("compiler_source", readFileSync(join(here, "pyc.py"), "utf8"));
pyodide.globals.set("arguments", pyodide.toPy([prefix, ...keep]));
const count = pyodide.runPython(`
from pathlib import Path
pyc = {"__name__": "pyc"}
exec(compile(compiler_source, "pyc.py", "exec"), pyc)
pyc["compile_tree"](Path("/work/source"), Path("/work/target"), arguments[0], set(arguments[1:]))
`);
console.log(count);
