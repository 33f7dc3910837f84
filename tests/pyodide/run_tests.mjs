// Run the package's pure unit tests inside Pyodide under Node: the same Python files, the same
// tests, on the runtime the web page uses. Called by scripts/test.sh:
//
//   node tests/pyodide/run_tests.mjs --wheels <folder with pytest's wheels> [--index FOLDER]
//        [--record-imports FILE] [pytest arguments...]
//
// - Pyodide is the site's own, slimmed copy: `scripts/slim_pyodide.py index .cache/pyodide-slim`
//   writes the core from web/node_modules/pyodide (npm ci in web/) and numpy's wheel from
//   $SCRATCHNN_PYODIDE_WHEELS or ../shared/pyodide-0.27.7, both checked against their pinned
//   SHA-256, then the standard library and the wheel cut to what is imported, exactly as
//   scripts/build_site.py ships them: these tests prove the page's Python lacks nothing it needs.
//   --index FOLDER uses another folder (scripts/record_pyodide_imports.py gives the stock files);
// - what the page imports only after it is ready (numpy.random, numpy.testing, unittest...) is not
//   in the slim wheel and standard library: the page unpacks after-ready.zip into site-packages
//   once it is ready. So does this run, after checking that the page's first answers
//   (tests/pyodide/first_answers.py) work without it, and before the tests;
// - --record-imports FILE writes every module imported during the run (sys.modules) as JSON;
// - pytest, hypothesis and their pure-Python dependencies are wheels fetched by `pip download`
//   (the folder given by --wheels), unpacked into Pyodide's site-packages;
// - the repository is mounted at /repo (NODEFS), python/ goes on sys.path, and MNIST's folder
//   ($SCRATCHNN_DATA_DIR) is mounted at /data/mnist so that the tests that need it run too.
//
// The exit code is pytest's, except that a skipped test fails the run: what is selected must run.

import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
// What the page runs, tested where it runs. Left out on purpose: test_mnist.py (downloads over
// sockets and file modes Pyodide lacks; the page never reads IDX files), test_train_cli.py
// (subprocesses), test_build_site.py / test_bench.py / test_robustness.py (CPython scripts).
const DEFAULT_TESTS = [
  "tests/test_network.py",
  "tests/test_fast.py",
  "tests/test_config.py",
  "tests/test_messages.py",
  "tests/test_training.py",
  "tests/test_weights.py",
  "tests/test_weights_properties.py", // Hypothesis: any JSON loads or is refused (deep JSON once killed Pyodide)
  "tests/test_preprocess.py",
  "tests/test_failures.py", // the "Where it fails" panel's Python
  "tests/test_teach.py", // your digits and teaching on them, as the page runs them
  "tests/test_explorer.py", // the explorer's Python, inspect.getsource included, as the page runs it
  "tests/test_page.py",
  "tests/test_session.py",
  "tests/test_page_training.py",
  "tests/test_subset.py",
  "tests/test_committed_weights.py",
];

function fail(message) {
  console.error(`pyodide tests: ${message}`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { wheels: null, index: null, record: null, pytest: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--wheels") options.wheels = resolve(argv[++i]);
    else if (argv[i] === "--index") options.index = resolve(argv[++i]);
    else if (argv[i] === "--record-imports") options.record = resolve(argv[++i]);
    else options.pytest.push(argv[i]);
  }
  if (!options.wheels) fail("--wheels <folder with pytest's wheels> is required");
  return options;
}

const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** The site's slim Pyodide (scripts/slim_pyodide.py index), or `folder`; its numpy wheel checked
 * against its lock file, as Pyodide in the page checks it. */
function prepareIndex(folder) {
  let index = folder;
  if (!index) {
    index = join(ROOT, ".cache", "pyodide-slim");
    const python = existsSync(join(ROOT, ".venv", "bin", "python")) ? join(ROOT, ".venv", "bin", "python") : "python3";
    try {
      execFileSync(python, [join(ROOT, "scripts", "slim_pyodide.py"), "index", index], { stdio: "inherit" });
    } catch {
      fail("scripts/slim_pyodide.py index could not write the slim Pyodide (its message is above)");
    }
  }
  if (!existsSync(join(index, "pyodide.mjs"))) fail(`${index} holds no pyodide.mjs`);
  const lock = JSON.parse(readFileSync(join(index, "pyodide-lock.json"), "utf8"));
  const numpy = lock.packages.numpy;
  if (sha256(join(index, numpy.file_name)) !== numpy.sha256) {
    fail(`${join(index, numpy.file_name)} does not match the SHA-256 in its pyodide-lock.json`);
  }
  return index + "/";
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const indexURL = prepareIndex(options.index);
  const { loadPyodide } = await import(join(indexURL, "pyodide.mjs"));
  const started = performance.now();
  const pyodide = await loadPyodide({
    indexURL,
    stdout: console.log,
    stderr: console.error,
  });
  await pyodide.loadPackage("numpy", { messageCallback: () => {} });

  const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
  const wheels = readdirSync(options.wheels).filter((name) => name.endsWith(".whl"));
  if (!wheels.some((name) => name.startsWith("pytest-"))) fail(`no pytest wheel in ${options.wheels}`);
  for (const name of wheels) {
    pyodide.unpackArchive(new Uint8Array(readFileSync(join(options.wheels, name))), "zip", {
      extractDir: sitePackages,
    });
  }

  const { FS } = pyodide;
  FS.mkdirTree("/repo");
  FS.mount(FS.filesystems.NODEFS, { root: ROOT }, "/repo");
  const dataDir = process.env.SCRATCHNN_DATA_DIR;
  if (dataDir) {
    FS.mkdirTree("/data/mnist");
    FS.mount(FS.filesystems.NODEFS, { root: resolve(dataDir) }, "/data/mnist");
  }
  const later = join(indexURL, "after-ready.zip"); // slim_pyodide.AFTER_READY_ARCHIVE; not in the stock files
  if (existsSync(later)) {
    pyodide.globals.set("repo", "/repo");
    console.log(
      "pyodide tests: " +
        pyodide.runPython(`
from pathlib import Path
first_answers = {"__name__": "first_answers"}  # not runpy: it imports pkgutil, which comes after ready
exec(compile(Path("/repo/tests/pyodide/first_answers.py").read_text(), "first_answers.py", "exec"), first_answers)
first_answers["check"](Path(repo))
`),
    );
    pyodide.unpackArchive(new Uint8Array(readFileSync(later)), "zip", { extractDir: sitePackages });
    pyodide.runPython("import importlib; importlib.invalidate_caches()");
  }
  console.log(
    `pyodide tests: Pyodide ${pyodide.version} ready in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `MNIST ${dataDir ? "mounted from " + dataDir : "not available ($SCRATCHNN_DATA_DIR unset)"}`,
  );

  const args = options.pytest.length ? options.pytest : DEFAULT_TESTS;
  pyodide.globals.set("pytest_args", pyodide.toPy(["-p", "no:cacheprovider", "--capture=sys", ...args]));
  pyodide.globals.set("data_dir", dataDir ? "/data/mnist" : null);
  const code = await pyodide.runPythonAsync(`
import os, sys
os.chdir("/repo")
sys.path.insert(0, "/repo/python")
if data_dir:
    os.environ["SCRATCHNN_DATA_DIR"] = data_dir
import pytest

class Honest:
    """Whatever is selected must really run here: a skipped test fails the run."""
    skipped = []
    def pytest_runtest_logreport(self, report):
        if report.skipped:
            self.skipped.append(report.nodeid)

honest = Honest()
code = pytest.main(list(pytest_args), plugins=[honest])
if honest.skipped and code == 0:
    print(f"pyodide tests: {len(honest.skipped)} test(s) skipped inside Pyodide: {honest.skipped}")
    code = 1
int(code)
`);
  if (options.record) {
    const names = pyodide.runPython("import json, sys; json.dumps(sorted(sys.modules))");
    writeFileSync(options.record, names + "\n");
  }
  process.exit(Number(code));
}

main().catch((error) => fail(error.stack || String(error)));
