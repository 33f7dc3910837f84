// benchmarks/pyodide_matmul_layouts.py inside Pyodide under Node (the page's runtime, no browser):
//
//   node benchmarks/pyodide_matmul_layouts.mjs [repeats]
//
// Pyodide's core from web/node_modules/pyodide (npm ci in web/), numpy's wheel from
// $SCRATCHNN_PYODIDE_WHEELS or ../shared/pyodide-0.27.7, copied with the core into a temporary folder;
// the repository is mounted at /repo and MNIST's folder ($SCRATCHNN_DATA_DIR or ../shared/data/mnist) at
// /data/mnist.

import { copyFileSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CORE = join(ROOT, "web", "node_modules", "pyodide");
const { loadPyodide } = await import(join(CORE, "pyodide.mjs"));

const index = mkdtempSync(join(tmpdir(), "pyodide-layouts-"));
try {
  for (const name of readdirSync(CORE)) symlinkSync(join(CORE, name), join(index, name));
  const wheels = resolve(process.env.SCRATCHNN_PYODIDE_WHEELS || join(ROOT, "..", "shared", "pyodide-0.27.7"));
  for (const name of readdirSync(wheels).filter((n) => n.startsWith("numpy-"))) {
    copyFileSync(join(wheels, name), join(index, name));
  }
  const pyodide = await loadPyodide({ indexURL: index + "/" });
  await pyodide.loadPackage("numpy");
  pyodide.FS.mkdirTree("/repo");
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: ROOT }, "/repo");
  const data = resolve(process.env.SCRATCHNN_DATA_DIR || join(ROOT, "..", "shared", "data", "mnist"));
  pyodide.FS.mkdirTree("/data/mnist");
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: data }, "/data/mnist");
  pyodide.runPython(`
import os, runpy, sys
os.environ["SCRATCHNN_DATA_DIR"] = "/data/mnist"
sys.path.insert(0, "/repo/python")
sys.argv = ["pyodide_matmul_layouts.py", ${JSON.stringify(process.argv[2] || "7")}]
runpy.run_path("/repo/benchmarks/pyodide_matmul_layouts.py", run_name="__main__")
`);
} finally {
  rmSync(index, { recursive: true, force: true });
}
