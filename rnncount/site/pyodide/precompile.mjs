// Compile the Python modules the browser edition imports at start, inside the Pyodide the site serves.
//
//   node precompile.mjs PYODIDE_DIR REQUEST_JSON
//
// REQUEST_JSON names the packages to load, the modules to import, the archives to rewrite and the
// packages that keep their sources. Pyodide runs here exactly as in the browser, so the bytecode is
// written by the very interpreter that reads it (a host CPython would need Pyodide's exact version).
// The Python half is compile_inside.py, next to this file.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [dir, requestJson] = process.argv.slice(2);
const request = JSON.parse(requestJson);
const { loadPyodide } = await import(pathToFileURL(join(dir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: dir + "/", stdout: () => {}, stderr: (s) => console.error(s) });
await py.loadPackage(request.packages, { messageCallback: () => {}, errorCallback: (s) => console.error(s) });
py.FS.mkdirTree("/tmp/archives");
for (const name of request.archives) py.FS.writeFile("/tmp/archives/" + name, readFileSync(join(dir, name)));
py.globals.set("REQUEST", requestJson);
const inside = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "compile_inside.py"), "utf8");
const report = JSON.parse(await py.runPythonAsync(inside));
for (const name of Object.keys(report.compiled)) writeFileSync(join(dir, name), py.FS.readFile("/tmp/archives/" + name));
process.stdout.write(JSON.stringify(report) + "\n");
